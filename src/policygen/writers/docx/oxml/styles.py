"""Edit the raw WordprocessingML of whole style sets: document grids, font fallbacks, and the
styles and lists one document adopts from another.

Like oxml, this module speaks ``w:`` XML so that its callers need not: the reference
builder (tools/make_reference_docx.py) gives the 公文 reference its character grid and every
reference its font table, and house gives an organisation's house document the styles,
list definitions and fonts the body writer names. Callers pass python-docx proxy objects and
plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from copy import deepcopy
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.styles.style import BaseStyle
from lxml import etree

_FONT_TABLE = "/word/fontTable.xml"
_STYLE_REFERENCES = ("w:basedOn", "w:next", "w:link")
"""Children of ``w:style`` that name another style by id."""


_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                  "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
                  "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")  # fmt: skip
"""The run properties that follow ``w:spacing`` in the schema's order (ECMA-376 §17.3.2.28)."""


def set_character_spacing(style: BaseStyle, twips: int) -> None:
    """Set the character spacing (字符间距, ``w:spacing`` of the run properties) of `style` to
    `twips` twentieths of a point; negative sets characters closer."""
    rpr = style.element.get_or_add_rPr()
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.insert_element_before(spacing, *_AFTER_SPACING)
    spacing.set(qn("w:val"), str(twips))


@dataclass(frozen=True)
class FontEntry:
    """One East-Asian face of a document's font table (``w:font``), as Word writes it."""

    name: str
    """The name the styles give it, e.g. 宋体."""
    alternate: str | None = None
    """The name Word tries when `name` is not installed (``w:altName``), e.g. SimSun."""
    panose: str | None = None
    """Its PANOSE-1 number, 20 hex digits (``w:panose1``); None for none."""
    classification: str = "auto"
    """Its class (``w:family``): roman, swiss, modern, script, decorative or auto."""


GB2312_CHARSET = "86"
"""The Windows character set of Simplified Chinese (GB2312_CHARSET)."""
GB2312_SIGNATURE = {"w:usb0": "00000003", "w:usb1": "288F0000", "w:usb2": "00000016",
                    "w:usb3": "00000000", "w:csb0": "00040001", "w:csb1": "00000000"}  # fmt: skip
"""The Unicode ranges and code pages a Simplified Chinese face covers (``w:sig``): Latin-1,
CJK punctuation, kana, CJK ideographs and full-width forms; code pages 1252 and 936, as
SimSun states them."""


def declare_fonts(document: DocxDocument, fonts: Sequence[FontEntry], keep: Set[str]) -> None:
    """Make `document`'s font table (word/fontTable.xml) declare each of `fonts` as a
    Simplified Chinese (GB 2312) face, with its alternate name, PANOSE number and class, so
    that Word and WPS substitute a Chinese face of the same class when one is missing; keep of
    the table's other entries those named in `keep` (the Latin font) and drop the rest (the
    template's ＭＳ 明朝, Calibri…, which nothing names)."""
    part = _font_table(document)
    root = etree.fromstring(part.blob)
    for old in root.findall(qn("w:font")):
        if old.get(qn("w:name")) not in keep:
            root.remove(old)
    for font in fonts:
        entry = etree.SubElement(root, qn("w:font"))
        entry.set(qn("w:name"), font.name)
        values = (("w:altName", font.alternate), ("w:panose1", font.panose),
                  ("w:charset", GB2312_CHARSET), ("w:family", font.classification),
                  ("w:pitch", "variable"))  # fmt: skip
        for tag, value in values:
            if value is not None:
                etree.SubElement(entry, qn(tag)).set(qn("w:val"), value)
        signature = etree.SubElement(entry, qn("w:sig"))
        for attribute, value in GB2312_SIGNATURE.items():
            signature.set(qn(attribute), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def adopt_fonts(target: DocxDocument, source: DocxDocument) -> list[str]:
    """Copy into `target`'s font table each face `source`'s declares that `target`'s lacks
    (the Chinese faces of copied styles); return their names. A document without a font
    table (Word makes one when it saves) or a source without one gets nothing."""
    try:
        part, theirs = _font_table(target), _font_table(source)
    except LookupError:
        return []
    root = etree.fromstring(part.blob)
    have = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    copied = []
    for font in etree.fromstring(theirs.blob).findall(qn("w:font")):
        name = font.get(qn("w:name"), "")
        if name and name not in have:
            root.append(deepcopy(font))
            copied.append(name)
    if copied:
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return copied


def _font_table(document: DocxDocument) -> Part:
    for part in document.part.package.iter_parts():
        if part.partname == _FONT_TABLE:
            return part
    raise LookupError("the document has no font table")


# --------------------------------------------------------------------------- adopting styles


def style_ids(document: DocxDocument) -> dict[str, str]:
    """Return the id of every style of `document` by its name as Word shows it (``Heading 1``;
    a Chinese Word document may give it the id ``1``)."""
    return {style.name: style.style_id for style in document.styles if style.name is not None}


def adopt_styles(target: DocxDocument, source: DocxDocument, names: Iterable[str]) -> list[str]:
    """Copy the styles `names` of `source` that `target` lacks into `target`, with the styles
    they are based on; return the names copied.

    A copied style keeps its look; the ids it names (``w:basedOn``, ``w:next``, ``w:link``) are
    rewritten to the ids `target` gives the same names, and its own id is made unique."""
    source_ids = style_ids(source)
    by_id = {style_id: name for name, style_id in source_ids.items()}
    wanted = [name for name in names if name in source_ids]
    queue = list(wanted)
    while queue:  # the styles a wanted style is based on are wanted too
        element = source.styles[queue.pop()].element
        for tag in _STYLE_REFERENCES[:1]:
            based = element.find(qn(tag))
            name = by_id.get(based.get(qn("w:val"), "")) if based is not None else None
            if name is not None and name not in wanted:
                wanted.append(name)
                queue.append(name)
    have = style_ids(target)
    copied = [name for name in source_ids if name in wanted and name not in have]
    root = target.styles.element
    used = set(have.values())
    for name in copied:
        element = deepcopy(source.styles[name].element)
        style_id = element.get(qn("w:styleId"), "")
        while style_id in used:
            style_id += "_pg"
        element.set(qn("w:styleId"), style_id)
        used.add(style_id)
        have[name] = style_id
        root.append(element)
    renamed = {source_ids[name]: have[name] for name in source_ids if name in have}
    for name in copied:
        element = target.styles[name].element
        for tag in _STYLE_REFERENCES:
            for reference in element.findall(qn(tag)):
                old = reference.get(qn("w:val"), "")
                if old in renamed:
                    reference.set(qn("w:val"), renamed[old])
                else:
                    element.remove(reference)
    return copied
