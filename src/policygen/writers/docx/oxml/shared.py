"""Edit raw WordprocessingML where python-docx has no proxy API, or one too slow to use.

This is the only module that builds ``w:`` elements (``qn("w:…")``): East-Asian fonts,
languages and line breaking, character-based indents, list numbering definitions, fields,
hyperlinks, bookmarks, section breaks, table row flags; and, for speed, what python-docx does
offer for the thousands of paragraphs, runs and table cells of a document (paragraph styles,
alignment and indents, runs, whole formatted tables), element for element as python-docx
makes it. Every function edits one thing and is named for it; callers pass python-docx proxy
objects and plain values, never XML."""

from __future__ import annotations

from io import BytesIO
from typing import TypeAlias
from zipfile import ZipFile

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

RunPropertiesTarget: TypeAlias = BaseStyle | Run | Styles
"""Something with run properties: a style, a run, or the document defaults (``Styles``)."""

ParagraphPropertiesTarget: TypeAlias = BaseStyle | Paragraph
"""Something with paragraph properties: a paragraph style or a paragraph."""
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

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


def target_rpr(target: RunPropertiesTarget) -> etree._Element:
    """Return the ``w:rPr`` of `target`, creating it (and ``w:docDefaults``) when missing."""
    if isinstance(target, Styles):
        styles = target.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = get_or_add(defaults, "w:rPrDefault", DEFAULTS_ORDER)
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
    return etree.SubElement(r.getparent(), tag)


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
