"""What the oxml modules share: the schema orders of the elements they edit, tag names, and
helpers that find or add a child where the schema wants it."""

from __future__ import annotations

from typing import TypeAlias, cast

from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.text.font import CT_RPr
from docx.oxml.text.parfmt import CT_PPr
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from policygen.writers.docx.oxml.compat import paragraph_element, run_element

RunPropertiesTarget: TypeAlias = BaseStyle | Run | Styles
"""Something with run properties: a style, a run, or the document defaults (``Styles``)."""

ParagraphPropertiesTarget: TypeAlias = BaseStyle | Paragraph
"""Something with paragraph properties: a paragraph style or a paragraph."""
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Schema sequences (ECMA-376 part 1) of the elements edited here: Word rejects children out of order.
DEFAULTS_ORDER = ("w:rPrDefault", "w:pPrDefault")
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
RPR_ORDER = (
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


def target_rpr(target: RunPropertiesTarget) -> CT_RPr:
    """Return the ``w:rPr`` of `target`, creating it (and ``w:docDefaults``) when missing."""
    if isinstance(target, Styles):
        styles = target.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = get_or_add(defaults, "w:rPrDefault", DEFAULTS_ORDER)
        # python-docx's parser makes every w:rPr a CT_RPr.
        return cast(CT_RPr, get_or_add(rpr_default, "w:rPr"))
    if isinstance(target, Run):
        return run_element(target).get_or_add_rPr()
    rpr: CT_RPr = target.element.get_or_add_rPr()  # a style's CT_Style (python-docx: untyped)
    return rpr


def target_ppr(target: ParagraphPropertiesTarget) -> CT_PPr:
    """Return the ``w:pPr`` of `target`, creating it when missing."""
    if isinstance(target, Paragraph):
        return paragraph_element(target).get_or_add_pPr()
    ppr: CT_PPr = target.element.get_or_add_pPr()  # a style's CT_Style (python-docx: untyped)
    return ppr


def insert_in_order(
    parent: etree._Element, child: etree._Element, tag: str, order: tuple[str, ...]
) -> None:
    """Insert `child`, a `tag` element, into `parent` where the schema sequence `order` wants
    it: before the first child of a tag `order` puts after `tag`, else last (as python-docx's
    generated ``_insert_*`` methods do)."""
    successors = {qn(name) for name in order[order.index(tag) + 1 :]}
    for sibling in parent:
        if sibling.tag in successors:
            sibling.addprevious(child)
            return
    parent.append(child)


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
W_PPR = qn("w:pPr")
W_PSTYLE = qn("w:pStyle")
W_NUMPR = qn("w:numPr")
W_ILVL = qn("w:ilvl")
W_NUMID = qn("w:numId")
W_R = qn("w:r")
W_RPR = qn("w:rPr")
W_RSTYLE = qn("w:rStyle")
W_T = qn("w:t")
W_VAL = qn("w:val")
W_ID = qn("w:id")
W_NAME = qn("w:name")
W_SECTPR = qn("w:sectPr")
W_HYPERLINK = qn("w:hyperlink")
W_ANCHOR = qn("w:anchor")
W_HISTORY = qn("w:history")
W_BOOKMARK_START = qn("w:bookmarkStart")
W_BOOKMARK_END = qn("w:bookmarkEnd")
BOOKMARK_MARKERS = frozenset({W_BOOKMARK_START, W_BOOKMARK_END})
W_IND = qn("w:ind")
W_FIRSTLINE = qn("w:firstLine")
W_HANGING = qn("w:hanging")
W_JC = qn("w:jc")
IND_SUCCESSORS = frozenset(qn(tag) for tag in PPR_ORDER[PPR_ORDER.index("w:ind") + 1 :])
JC_SUCCESSORS = frozenset(qn(tag) for tag in PPR_ORDER[PPR_ORDER.index("w:jc") + 1 :])


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


def closing_sectpr(body: etree._Element) -> etree._Element | None:
    """Return the ``w:sectPr`` closing `body` when it is the body's last child, as it is as a
    rule; None otherwise. lxml finds the last child directly, where python-docx scans every
    child of the body for it (which makes writing a long document quadratic)."""
    try:
        last = body[-1]
    except IndexError:  # an empty body
        return None
    return last if last.tag == W_SECTPR else None


def find_ppr(p: etree._Element) -> etree._Element | None:
    """Return the ``w:pPr`` of paragraph element `p`, None when it has none, as ``p.pPr``
    does; the schema puts it first, so look there before searching (``find`` costs more)."""
    try:
        first = p[0]
    except IndexError:
        return None
    return first if first.tag == W_PPR else p.find(W_PPR)


def get_or_add_ppr(p: etree._Element) -> etree._Element:
    """Return the ``w:pPr`` of paragraph element `p`, adding it (first) when missing."""
    ppr = find_ppr(p)
    if ppr is None:
        ppr = etree.SubElement(p, W_PPR)
        if ppr.getprevious() is not None:
            p.insert(0, ppr)
    return ppr


def get_or_add_first(element: etree._Element, tag: str) -> etree._Element:
    """Return `element`'s child `tag` (a properties element: ``w:rPr``, ``w:tcPr``), adding it
    first when missing, where the schema puts it."""
    child = element.find(tag)
    if child is None:
        child = etree.SubElement(element, tag)
        element.insert(0, child)
    return child


def new_sibling(r: etree._Element, tag: str) -> etree._Element:
    """Return a new element `tag` (a Clark name) in the parent of `r`, at its end: for the
    caller to move next to `r`."""
    return etree.SubElement(parent_of(r), tag)


def parent_of(element: etree._Element) -> etree._Element:
    """Return the parent of `element`; raise ValueError when it has none (the runs,
    paragraphs and field codes edited here always have one)."""
    parent = element.getparent()
    if parent is None:
        raise ValueError("an element to edit in place has no parent")
    return parent
