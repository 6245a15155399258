"""Edit raw WordprocessingML where python-docx has no proxy API.

This is the only module that builds ``w:`` elements (``qn("w:…")``): East-Asian fonts and
languages, character-based indents, fields, bookmarks, table row flags. Every function edits
one thing and is named for it; callers pass python-docx proxy objects, never XML."""

from __future__ import annotations

import hashlib
import re
from typing import TypeAlias

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Length
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

RunPropertiesTarget: TypeAlias = BaseStyle | Run | Styles
"""Something with run properties: a style, a run, or the document defaults (``Styles``)."""

ParagraphPropertiesTarget: TypeAlias = BaseStyle | Paragraph
"""Something with paragraph properties: a paragraph style or a paragraph."""

_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_STYLE_FORMATTING = ("w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")
_BOOKMARK_SAFE = re.compile(r"[A-Za-z0-9_]+")
_BOOKMARK_MAX = 40
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

# Schema sequences (ECMA-376 part 1) of the elements edited here: Word rejects children out of order.
_DEFAULTS_ORDER = ("w:rPrDefault", "w:pPrDefault")
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)  # fmt: skip
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip


def _rpr(target: RunPropertiesTarget) -> etree._Element:
    """Return the ``w:rPr`` of `target`, creating it (and ``w:docDefaults``) when missing."""
    if isinstance(target, Styles):
        styles = target.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = _get_or_add(defaults, "w:rPrDefault", _DEFAULTS_ORDER)
        return _get_or_add(rpr_default, "w:rPr")
    if isinstance(target, Run):
        return target._r.get_or_add_rPr()
    return target.element.get_or_add_rPr()


def _ppr(target: ParagraphPropertiesTarget) -> etree._Element:
    """Return the ``w:pPr`` of `target`, creating it when missing."""
    if isinstance(target, Paragraph):
        return target._p.get_or_add_pPr()
    return target.element.get_or_add_pPr()


def _get_or_add(parent: etree._Element, tag: str, order: tuple[str, ...] = ()) -> etree._Element:
    """Return the child `tag` of `parent`, adding it where the schema sequence `order` wants it.

    With an empty `order`, a new child is appended."""
    child = parent.find(qn(tag))
    if child is not None:
        return child
    child = OxmlElement(tag)
    successors = {qn(name) for name in order[order.index(tag) + 1 :]} if order else set()
    for index, sibling in enumerate(parent):
        if sibling.tag in successors:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


# --------------------------------------------------------------------------- fonts and language


def set_east_asian_font(
    target: RunPropertiesTarget, east_asia: str, latin: str | None = None
) -> None:
    """Set the East-Asian font of `target` to `east_asia`, e.g. 宋体, and drop theme fonts.

    When `latin` is given, use it for Latin and complex-script text too; when None, leave those
    fonts as they are. Chinese punctuation shared with Latin (“”) is hinted East-Asian."""
    fonts = _rpr(target).get_or_add_rFonts()
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    if latin is not None:
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), latin)


def set_lang(target: RunPropertiesTarget, east_asia: str = "zh-CN", latin: str = "en-US") -> None:
    """Mark the text of `target` as `east_asia` (e.g. zh-CN) and `latin` for spelling and fonts."""
    lang = _get_or_add(_rpr(target), "w:lang", _RPR_ORDER)
    lang.set(qn("w:val"), latin)
    lang.set(qn("w:eastAsia"), east_asia)
    lang.attrib.pop(qn("w:bidi"), None)


def set_theme_font_lang(document: DocxDocument, east_asia: str = "zh-CN") -> None:
    """Make `document`'s settings pick theme fonts for `east_asia` rather than the template's."""
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:eastAsia"), east_asia)


def set_no_stretch_before_line_break(document: DocxDocument) -> None:
    """Stop Word and LibreOffice stretching a justified line that ends in a line break.

    Sets the ``w:doNotExpandShiftReturn`` compatibility flag in `document`'s settings."""
    settings = document.settings.element
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        settings.append(compat)
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        flag = OxmlElement("w:doNotExpandShiftReturn")
        # Of the flags that follow it in the schema, Word templates hold these two.
        later = [compat.find(qn(tag)) for tag in ("w:useFELayout", "w:compatSetting")]
        following = [element for element in later if element is not None]
        if following:
            following[0].addprevious(flag)
        else:
            compat.append(flag)


def set_emphasis_mark(target: RunPropertiesTarget, mark: str = "dot") -> None:
    """Put Chinese emphasis marks (着重号, ``w:em``) of kind `mark` under the text of `target`."""
    em = _get_or_add(_rpr(target), "w:em", _RPR_ORDER)
    em.set(qn("w:val"), mark)


# --------------------------------------------------------------------------- paragraphs and styles


def set_indent_chars(
    target: ParagraphPropertiesTarget,
    char_width: Length,
    *,
    first_line: int = 0,
    left: int = 0,
    hanging: int = 0,
) -> None:
    """Indent `target` in hundredths of a character (200 = 2 characters of `char_width`).

    Word uses the character units; readers that ignore them (LibreOffice) use the absolute
    twips written alongside. `hanging` wins over `first_line` when both are given."""
    ind = _ppr(target).get_or_add_ind()
    for attribute in ("w:firstLine", "w:firstLineChars", "w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attribute), None)
    twips_per_char = char_width.twips

    def twips(chars: int) -> str:
        return str(round(twips_per_char * chars / 100))

    ind.set(qn("w:leftChars"), str(left))
    ind.set(qn("w:left"), twips(left))
    if hanging:
        ind.set(qn("w:hangingChars"), str(hanging))
        ind.set(qn("w:hanging"), twips(hanging))
    else:
        ind.set(qn("w:firstLineChars"), str(first_line))
        ind.set(qn("w:firstLine"), twips(first_line))


def clear_style_formatting(style: BaseStyle) -> None:
    """Remove every paragraph, run and table property of `style`, keeping its name and links.

    A numbering reference with a list number (``w:numPr/w:numId``) and the outline level stay:
    they give the style its meaning, not its look."""
    element = style.element
    for tag in _STYLE_FORMATTING:
        for child in element.findall(qn(tag)):
            if tag == "w:pPr":
                kept = [
                    node
                    for node in child
                    if node.tag == qn("w:outlineLvl")
                    or (node.tag == qn("w:numPr") and node.find(qn("w:numId")) is not None)
                ]
                for node in list(child):
                    if node not in kept:
                        child.remove(node)
                if len(child):
                    continue
            element.remove(child)


def remove_style_link(style: BaseStyle) -> None:
    """Unlink `style` from its paired character style (``w:link``), e.g. Heading 1 Char."""
    for link in style.element.findall(qn("w:link")):
        style.element.remove(link)


def clear_default_paragraph_formatting(styles: Styles) -> None:
    """Remove the document-wide default paragraph properties (``w:pPrDefault``) of `styles`."""
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    for ppr_default in defaults.findall(qn("w:pPrDefault")):
        for child in list(ppr_default):
            ppr_default.remove(child)


def clear_default_run_formatting(styles: Styles) -> None:
    """Remove the document-wide default run properties (``w:rPrDefault``) of `styles`."""
    rpr = _rpr(styles)
    for child in list(rpr):
        rpr.remove(child)


# --------------------------------------------------------------------------- body content


def clear_body(document: DocxDocument) -> None:
    """Remove all paragraphs and tables from `document`'s body, keeping the final section."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a complex field such as ``PAGE`` or ``NUMPAGES`` to `paragraph`.

    `placeholder` is the result shown until the reader updates the field."""

    def run_with(*children: etree._Element) -> None:
        run = paragraph.add_run()
        for child in children:
            run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    result = OxmlElement("w:t")
    result.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for part in (begin, instr, separate, result, end):
        run_with(part)


def bookmark_name(node_id: str) -> str:
    """Return the Word bookmark name for tree id `node_id`: ``pg_`` + id, hashed if unsafe.

    Word allows at most 40 letters, digits and underscores. Ids that fit are kept readable;
    others are shortened and suffixed with a hash of the id, so two ids never share a name."""
    if _BOOKMARK_SAFE.fullmatch(node_id) and len(node_id) <= _BOOKMARK_MAX - 3:
        return f"pg_{node_id}"
    digest = hashlib.sha1(node_id.encode("utf-8")).hexdigest()[:8]
    safe = re.sub(r"[^A-Za-z0-9_]", "_", node_id)[: _BOOKMARK_MAX - 3 - 9]
    return f"pg_{safe}_{digest}"


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int) -> None:
    """Bookmark the whole content of `paragraph` as `name`; `bookmark_id` must be unique."""
    p = paragraph._p
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    ppr = p.find(qn("w:pPr"))
    p.insert(0 if ppr is None else p.index(ppr) + 1, start)
    p.append(end)


def set_repeat_table_header(row: _Row) -> None:
    """Repeat `row` at the top of every page the table runs onto (``w:tblHeader``)."""
    _get_or_add(row._tr.get_or_add_trPr(), "w:tblHeader", _TRPR_ORDER)


def set_cant_split(row: _Row) -> None:
    """Keep `row` on one page (``w:cantSplit``)."""
    _get_or_add(row._tr.get_or_add_trPr(), "w:cantSplit", _TRPR_ORDER)


def set_table_full_width(table: Table) -> None:
    """Make `table` as wide as the text block (100 %)."""
    width = _get_or_add(table._tbl.tblPr, "w:tblW", _TBLPR_ORDER)
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")


# --------------------------------------------------------------------------- package properties


def set_company(document: DocxDocument, company: str) -> None:
    """Set the Company of `document`'s extended properties (``docProps/app.xml``), if present."""
    package = document.part.package
    for rel in package.rels.values():
        if rel.reltype != RT.EXTENDED_PROPERTIES or rel.is_external:
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob)
        element = root.find(f"{{{_APP_NS}}}Company")
        if element is None:
            element = etree.SubElement(root, f"{{{_APP_NS}}}Company")
        element.text = company
        # python-docx keeps unknown parts as plain blobs and has no public setter.
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
