"""Edit raw WordprocessingML where python-docx has no proxy API, or one too slow to use.

This is the only module that builds ``w:`` elements (``qn("w:…")``): East-Asian fonts,
languages and line breaking, character-based indents, list numbering definitions, fields,
hyperlinks, bookmarks, section breaks, table row flags; and, for speed, what python-docx does
offer for the thousands of paragraphs, runs and table cells of a document (paragraph styles,
alignment and indents, runs, whole formatted tables), element for element as python-docx
makes it. Every function edits one thing and is named for it; callers pass python-docx proxy
objects and plain values, never XML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import deepcopy
from io import BytesIO
from typing import TypeAlias
from zipfile import ZipFile

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Emu, Length
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

RunPropertiesTarget: TypeAlias = BaseStyle | Run | Styles
"""Something with run properties: a style, a run, or the document defaults (``Styles``)."""

ParagraphPropertiesTarget: TypeAlias = BaseStyle | Paragraph
"""Something with paragraph properties: a paragraph style or a paragraph."""

_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_STYLE_FORMATTING = ("w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

# Schema sequences (ECMA-376 part 1) of the elements edited here: Word rejects children out of order.
_DEFAULTS_ORDER = ("w:rPrDefault", "w:pPrDefault")
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
SECTPR_ORDER = (
    "w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz",
    "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt",
    "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter",
    "w:docGrid", "w:printerSettings", "w:sectPrChange",
)  # fmt: skip
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)  # fmt: skip
TBLPR_ORDER = (
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
        rpr_default = get_or_add(defaults, "w:rPrDefault", _DEFAULTS_ORDER)
        return get_or_add(rpr_default, "w:rPr")
    if isinstance(target, Run):
        return target._r.get_or_add_rPr()
    return target.element.get_or_add_rPr()


def target_ppr(target: ParagraphPropertiesTarget) -> etree._Element:
    """Return the ``w:pPr`` of `target`, creating it when missing."""
    if isinstance(target, Paragraph):
        return target._p.get_or_add_pPr()
    return target.element.get_or_add_pPr()


def get_or_add(parent: etree._Element, tag: str, order: tuple[str, ...] = ()) -> etree._Element:
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
    lang = get_or_add(_rpr(target), "w:lang", _RPR_ORDER)
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
    em = get_or_add(_rpr(target), "w:em", _RPR_ORDER)
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
    ind = target_ppr(target).get_or_add_ind()
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


def set_east_asian_line_breaking(styles: Styles) -> None:
    """Turn on Chinese line breaking for the whole document (``w:pPrDefault`` of `styles`).

    避头尾 (``w:kinsoku``: no line starts with ，。） or ends with （《), punctuation allowed
    to hang into the margin (``w:overflowPunct``), no compression of an opening bracket at the
    start of a line (``w:topLinePunct`` off), and automatic spacing between Chinese and Latin
    letters (``w:autoSpaceDE``) and between Chinese and digits (``w:autoSpaceDN``)."""
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.element.insert(0, defaults)
    ppr_default = get_or_add(defaults, "w:pPrDefault", _DEFAULTS_ORDER)
    ppr = get_or_add(ppr_default, "w:pPr")
    flags = {
        "w:kinsoku": "1",
        "w:overflowPunct": "1",
        "w:topLinePunct": "0",
        "w:autoSpaceDE": "1",
        "w:autoSpaceDN": "1",
    }
    for tag, value in flags.items():
        get_or_add(ppr, tag, PPR_ORDER).set(qn("w:val"), value)


def set_snap_to_grid(style: BaseStyle, snap: bool) -> None:
    """Make paragraphs of `style` keep to the document grid's lines or not (``w:snapToGrid``)."""
    get_or_add(target_ppr(style), "w:snapToGrid", PPR_ORDER).set(qn("w:val"), "1" if snap else "0")


def set_contextual_spacing(style: BaseStyle) -> None:
    """Ignore the space before and after paragraphs of `style` between two of them."""
    get_or_add(target_ppr(style), "w:contextualSpacing", PPR_ORDER)


def set_bottom_border(style: BaseStyle, size_eighths: int = 6, space_points: int = 1) -> None:
    """Rule a single black line under paragraphs of `style` (a running header's rule).

    `size_eighths` is the line width in eighths of a point; `space_points` the gap above it."""
    borders = get_or_add(target_ppr(style), "w:pBdr", PPR_ORDER)
    for child in list(borders):
        borders.remove(child)
    bottom = OxmlElement("w:bottom")
    for attribute, value in (("val", "single"), ("sz", str(size_eighths)),
                             ("space", str(space_points)), ("color", "000000")):  # fmt: skip
        bottom.set(qn(f"w:{attribute}"), value)
    borders.append(bottom)


# --------------------------------------------------------------------------- body content

# The functions below run for each of the thousands of paragraphs, runs and fields of a
# document, so they build elements with lxml directly rather than through python-docx: its
# element classes parse a prefixed name (qn) on every accessor call and look for each of a
# child's possible successors before inserting it, and OxmlElement makes a new XML document
# for every element. New children are made with etree.SubElement (in the parent's document,
# under its ``w:`` prefix) and moved into place; fixed pieces (field characters) are copies
# of an element built once. Either way the element is the one python-docx would make: same
# class, same serialisation.

W_P = qn("w:p")
_W_PPR = qn("w:pPr")
_W_PSTYLE = qn("w:pStyle")
W_NUMPR = qn("w:numPr")
W_ILVL = qn("w:ilvl")
W_NUMID = qn("w:numId")
W_R = qn("w:r")
_W_RPR = qn("w:rPr")
_W_RSTYLE = qn("w:rStyle")
_W_T = qn("w:t")
W_VAL = qn("w:val")
W_ID = qn("w:id")
W_NAME = qn("w:name")
W_SECTPR = qn("w:sectPr")
W_HYPERLINK = qn("w:hyperlink")
W_ANCHOR = qn("w:anchor")
W_HISTORY = qn("w:history")
W_BOOKMARK_START = qn("w:bookmarkStart")
W_BOOKMARK_END = qn("w:bookmarkEnd")
_BOOKMARK_MARKERS = frozenset({W_BOOKMARK_START, W_BOOKMARK_END})
_W_IND = qn("w:ind")
_W_FIRSTLINE = qn("w:firstLine")
_W_HANGING = qn("w:hanging")
_W_JC = qn("w:jc")
_IND_SUCCESSORS = frozenset(qn(tag) for tag in PPR_ORDER[PPR_ORDER.index("w:ind") + 1 :])
_JC_SUCCESSORS = frozenset(qn(tag) for tag in PPR_ORDER[PPR_ORDER.index("w:jc") + 1 :])

_RUN_CONTROLS = re.compile(r"[\t\r\n]")
"""Characters python-docx turns into run content other than text (``w:tab``, ``w:br``)."""


def add_child(
    parent: etree._Element, tag: str, successors: frozenset[str] = frozenset()
) -> etree._Element:
    """Return a new child `tag` (a Clark name) of `parent`, before the first child whose tag
    is in `successors` (the schema's later elements), else last."""
    child = etree.SubElement(parent, tag)
    if successors:
        for sibling in parent:
            if sibling.tag in successors and sibling is not child:
                sibling.addprevious(child)
                break
    return child


def find_ppr(p: etree._Element) -> etree._Element | None:
    """Return the ``w:pPr`` of paragraph element `p`, None when it has none, as ``p.pPr``
    does; the schema puts it first, so look there before searching (``find`` costs more)."""
    try:
        first = p[0]
    except IndexError:
        return None
    return first if first.tag == _W_PPR else p.find(_W_PPR)


def get_or_add_ppr(p: etree._Element) -> etree._Element:
    """Return the ``w:pPr`` of paragraph element `p`, adding it (first) when missing."""
    ppr = find_ppr(p)
    if ppr is None:
        ppr = etree.SubElement(p, _W_PPR)
        if ppr.getprevious() is not None:
            p.insert(0, ppr)
    return ppr


def add_body_paragraph(document: DocxDocument, style_id: str | None) -> Paragraph:
    """Append an empty paragraph in style `style_id` to `document`'s body, as
    ``document.add_paragraph(style=…)`` does once the style name is resolved (styles).

    python-docx looks for the body's closing ``w:sectPr`` by scanning every child, which makes
    writing a long document quadratic; the sectPr is the body's last child, so look there."""
    parent = document._body  # python-docx's body proxy: the parent add_paragraph gives
    body = parent._element
    try:
        last = body[-1]  # lxml finds the last child directly (len() counts them all)
    except IndexError:
        last = None
    if last is not None and last.tag == W_SECTPR:
        p = etree.SubElement(body, W_P)
        last.addprevious(p)
    else:
        p = body.add_p()
    # set_paragraph_style_id on a new, empty paragraph.
    ppr = etree.SubElement(p, _W_PPR)
    if style_id is not None:
        etree.SubElement(ppr, _W_PSTYLE).set(W_VAL, style_id)
    return Paragraph(p, parent)


def set_paragraph_style_id(paragraph: Paragraph, style_id: str | None) -> None:
    """Name the style `style_id` in `paragraph`'s ``w:pStyle``, as assigning
    ``paragraph.style`` does once the name is resolved (styles); None names the default
    style and, as python-docx does, leaves an empty ``w:pPr``."""
    p = paragraph._p
    if find_ppr(p) is not None:
        p.style = style_id
        return
    ppr = get_or_add_ppr(p)
    if style_id is not None:
        etree.SubElement(ppr, _W_PSTYLE).set(W_VAL, style_id)


def paragraph_style_id(paragraph: Paragraph) -> str | None:
    """Return the style id `paragraph` names (``w:pStyle``); None when it names none."""
    return paragraph._p.style


def set_alignment(paragraph: Paragraph, alignment: WD_ALIGN_PARAGRAPH) -> None:
    """Align `paragraph`, as assigning ``paragraph.alignment`` does."""
    ppr = get_or_add_ppr(paragraph._p)
    jc = ppr.find(_W_JC)
    if jc is None:
        jc = add_child(ppr, _W_JC, _JC_SUCCESSORS)
    jc.set(W_VAL, str(alignment.xml_value))


def set_first_line_indent(paragraph: Paragraph, indent: Length) -> None:
    """Indent the first line of `paragraph` by `indent` (a negative one hangs), as assigning
    ``paragraph.paragraph_format.first_line_indent`` does."""
    ppr = get_or_add_ppr(paragraph._p)
    ind = ppr.find(_W_IND)
    if ind is None:
        ind = add_child(ppr, _W_IND, _IND_SUCCESSORS)
    ind.attrib.pop(_W_FIRSTLINE, None)
    ind.attrib.pop(_W_HANGING, None)
    if indent < 0:
        ind.set(_W_HANGING, str(Emu(-indent).twips))
    else:
        ind.set(_W_FIRSTLINE, str(Emu(indent).twips))


def _set_text(r: etree._Element, text: str) -> None:
    """Make run element `r` read `text`, keeping its properties, as python-docx's
    ``run.text = text`` does."""
    for child in list(r):
        if child.tag != _W_RPR:
            r.remove(child)
    _append_text(r, text)


def _append_text(r: etree._Element, text: str) -> None:
    """Append `text` to run element `r` as python-docx does; text without tabs or line
    breaks becomes one ``w:t``."""
    if not text:
        return
    if _RUN_CONTROLS.search(text):
        r.text = text  # CT_R.text: python-docx's w:tab and w:br (r holds no text yet)
        return
    t = etree.SubElement(r, _W_T)
    t.text = text
    if text[0].isspace() or text[-1].isspace():  # CT_R.add_t: len(text.strip()) < len(text)
        t.set(XML_SPACE, "preserve")


def add_text_run(paragraph: Paragraph, text: str) -> Run:
    """Append a run reading `text` to `paragraph`, as ``paragraph.add_run(text)`` does."""
    r = etree.SubElement(paragraph._p, W_R)  # as CT_P.add_r: no child may follow a run
    _append_text(r, text)
    return Run(r, paragraph)


def append_text_run(paragraph: Paragraph, text: str) -> None:
    """Append a run reading `text` to `paragraph`, as `add_text_run` does, for a caller that
    needs no proxy of it (most of the document's runs)."""
    _append_text(etree.SubElement(paragraph._p, W_R), text)


def run_text(run: Run) -> str:
    """Return the text of `run`, as ``run.text`` reads it (a run of ``w:t`` only directly)."""
    texts = []
    for child in run._r:
        if child.tag == _W_T:
            texts.append(child.text or "")
        elif child.tag != _W_RPR:
            return run.text
    return "".join(texts)


def paragraph_text(paragraph: Paragraph) -> str:
    """Return the text of `paragraph`, as ``paragraph.text`` reads it (directly when it holds
    only runs of ``w:t`` and bookmarks, as the writer's paragraphs do)."""
    texts = []
    for child in paragraph._p:
        tag = child.tag
        if tag == W_R:
            for content in child:
                if content.tag == _W_T:
                    texts.append(content.text or "")
                elif content.tag != _W_RPR:
                    return paragraph.text
        elif tag != _W_PPR and tag not in _BOOKMARK_MARKERS:
            return paragraph.text
    return "".join(texts)


def get_or_add_first(element: etree._Element, tag: str) -> etree._Element:
    """Return `element`'s child `tag` (a properties element: ``w:rPr``, ``w:tcPr``), adding it
    first when missing, where the schema puts it."""
    child = element.find(tag)
    if child is None:
        child = etree.SubElement(element, tag)
        element.insert(0, child)
    return child


def set_run_style_id(run: Run, style_id: str | None) -> None:
    """Name the character style `style_id` in `run`'s ``w:rStyle``, as assigning
    ``run.style`` does once the name is resolved; None leaves an empty ``w:rPr``."""
    rpr = get_or_add_first(run._r, _W_RPR)
    style = rpr.find(_W_RSTYLE)
    if style_id is None:
        if style is not None:
            rpr.remove(style)
    elif style is None:
        style = etree.SubElement(rpr, _W_RSTYLE)
        style.set(W_VAL, style_id)
        rpr.insert(0, style)
    else:
        style.set(W_VAL, style_id)


def clear_body(document: DocxDocument) -> None:
    """Remove all paragraphs and tables from `document`'s body, keeping the final section."""
    body = document.element.body
    for child in list(body):
        if child.tag != W_SECTPR:
            body.remove(child)


def remove_paragraph(paragraph: Paragraph) -> None:
    """Remove `paragraph` from the body, header or cell holding it."""
    element = paragraph._p
    element.getparent().remove(element)


def split_run(run: Run, texts: Sequence[str]) -> list[Run]:
    """Split `run` into runs reading `texts` in order, each formatted as `run`; return them."""
    if not texts:
        return []
    r = run._r
    rpr = r.find(_W_RPR)
    runs = [run]
    _set_text(r, texts[0])
    previous = r
    for text in texts[1:]:
        new = etree.SubElement(r.getparent(), W_R)
        previous.addnext(new)
        if rpr is not None:
            new.append(deepcopy(rpr))
        _set_text(new, text)
        runs.append(Run(new, run._parent))
        previous = new
    return runs


def new_sibling(r: etree._Element, tag: str) -> etree._Element:
    """Return a new element `tag` (a Clark name) in the parent of `r`, at its end: for the
    caller to move next to `r`."""
    return etree.SubElement(r.getparent(), tag)


def last_body_paragraph(document: DocxDocument) -> Paragraph | None:
    """Return the paragraph that ends `document`'s body so far, None when the body ends with
    anything else (a table) or is empty."""
    body = document.element.body
    for child in reversed(body):
        if child.tag == W_SECTPR:
            continue
        return Paragraph(child, document._body) if child.tag == W_P else None
    return None


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


def remove_core_property(document: DocxDocument, name: str) -> None:
    """Remove the core property `name` (``version``, ``identifier``…) from `document`'s
    ``docProps/core.xml``, so that a document without one does not claim an empty one."""
    element = document.core_properties._element  # python-docx has no public remover
    for child in list(element):
        if etree.QName(child).localname == name:
            element.remove(child)


class _PartCollector:
    """python-docx's physical package writer, keeping each part's bytes by zip member name
    instead of zipping them."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob


_WRITER_STEPS = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")
"""The private steps of python-docx's PackageWriter that `package_parts` calls."""


def package_parts(document: DocxDocument) -> dict[str, bytes]:
    """Return the parts of `document` by zip member name, each as ``document.save`` writes it,
    for a caller that zips them itself (reproducible.normalise_parts): python-docx's own zip,
    deflated and read back only to be re-zipped, was a tenth of the DOCX writer's time.

    The steps are python-docx's own ``OpcPackage.save`` and ``PackageWriter.write``, whose
    zip writer cannot be chosen; should a later python-docx drop those private steps, this
    falls back to ``document.save`` and reads the parts back (slower, the same parts)."""
    if not all(hasattr(PackageWriter, step) for step in _WRITER_STEPS):
        buffer = BytesIO()
        document.save(buffer)
        with ZipFile(buffer) as saved:
            return {info.filename: saved.read(info) for info in saved.infolist()}
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    writer = _PartCollector()
    parts = package.parts
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return writer.parts
