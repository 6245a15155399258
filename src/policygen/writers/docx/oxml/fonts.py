"""Edit the font table part (``word/fontTable.xml``): East-Asian faces declared with their
fallbacks, faces adopted from another document."""

from __future__ import annotations

from collections.abc import Sequence, Set
from copy import deepcopy
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from policygen.writers.docx.oxml.compat import set_part_blob

_FONT_TABLE = "/word/fontTable.xml"


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
    set_part_blob(part, _xml_bytes(root))


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
        set_part_blob(part, _xml_bytes(root))
    return copied


def _font_table(document: DocxDocument) -> Part:
    for part in document.part.package.iter_parts():
        if isinstance(part, Part) and part.partname == _FONT_TABLE:
            return part
    raise LookupError("the document has no font table")


def _xml_bytes(root: etree._Element) -> bytes:
    """Return part root `root` serialised as Word writes a part (declaration, standalone)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
