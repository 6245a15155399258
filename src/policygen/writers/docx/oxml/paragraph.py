"""Edit paragraphs (``w:p``) and paragraph properties (``w:pPr``) in the body: new body
paragraphs, styles, alignment, indents (in characters too), text, removal."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu, Length
from docx.text.paragraph import Paragraph
from lxml import etree

from policygen.writers.docx.oxml.compat import document_body, paragraph_element
from policygen.writers.docx.oxml.shared import (
    BOOKMARK_MARKERS,
    IND_SUCCESSORS,
    JC_SUCCESSORS,
    W_FIRSTLINE,
    W_HANGING,
    W_IND,
    W_JC,
    W_P,
    W_PPR,
    W_PSTYLE,
    W_R,
    W_RPR,
    W_SECTPR,
    W_T,
    W_VAL,
    ParagraphPropertiesTarget,
    add_child,
    closing_sectpr,
    find_ppr,
    get_or_add_ppr,
    parent_of,
    target_ppr,
)


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


def add_body_paragraph(document: DocxDocument, style_id: str | None) -> Paragraph:
    """Append an empty paragraph in style `style_id` to `document`'s body, as
    ``document.add_paragraph(style=…)`` does once the style name is resolved (styles).

    python-docx looks for the body's closing ``w:sectPr`` by scanning every child, which makes
    writing a long document quadratic; the sectPr is the body's last child, so look there
    (closing_sectpr)."""
    parent = document_body(document)
    body = document.element.body
    sectpr = closing_sectpr(body)
    if sectpr is not None:
        p = etree.SubElement(body, W_P)
        sectpr.addprevious(p)
    else:
        p = body.add_p()
    # set_paragraph_style_id on a new, empty paragraph.
    ppr = etree.SubElement(p, W_PPR)
    if style_id is not None:
        etree.SubElement(ppr, W_PSTYLE).set(W_VAL, style_id)
    return Paragraph(p, parent)


def set_paragraph_style_id(paragraph: Paragraph, style_id: str | None) -> None:
    """Name the style `style_id` in `paragraph`'s ``w:pStyle``, as assigning
    ``paragraph.style`` does once the name is resolved (styles); None names the default
    style and, as python-docx does, leaves an empty ``w:pPr``."""
    p = paragraph_element(paragraph)
    if find_ppr(p) is not None:
        p.style = style_id
        return
    ppr = get_or_add_ppr(p)
    if style_id is not None:
        etree.SubElement(ppr, W_PSTYLE).set(W_VAL, style_id)


def paragraph_style_id(paragraph: Paragraph) -> str | None:
    """Return the style id `paragraph` names (``w:pStyle``); None when it names none."""
    return paragraph_element(paragraph).style


def set_alignment(paragraph: Paragraph, alignment: WD_ALIGN_PARAGRAPH) -> None:
    """Align `paragraph`, as assigning ``paragraph.alignment`` does."""
    ppr = get_or_add_ppr(paragraph_element(paragraph))
    jc = ppr.find(W_JC)
    if jc is None:
        jc = add_child(ppr, W_JC, JC_SUCCESSORS)
    jc.set(W_VAL, str(alignment.xml_value))


def set_first_line_indent(paragraph: Paragraph, indent: Length) -> None:
    """Indent the first line of `paragraph` by `indent` (a negative one hangs), as assigning
    ``paragraph.paragraph_format.first_line_indent`` does."""
    ppr = get_or_add_ppr(paragraph_element(paragraph))
    ind = ppr.find(W_IND)
    if ind is None:
        ind = add_child(ppr, W_IND, IND_SUCCESSORS)
    ind.attrib.pop(W_FIRSTLINE, None)
    ind.attrib.pop(W_HANGING, None)
    if indent < 0:
        ind.set(W_HANGING, str(Emu(-indent).twips))
    else:
        ind.set(W_FIRSTLINE, str(Emu(indent).twips))


def paragraph_text(paragraph: Paragraph) -> str:
    """Return the text of `paragraph`, as ``paragraph.text`` reads it (directly when it holds
    only runs of ``w:t`` and bookmarks, as the writer's paragraphs do)."""
    texts = []
    for child in paragraph_element(paragraph):
        tag = child.tag
        if tag == W_R:
            for content in child:
                if content.tag == W_T:
                    texts.append(content.text or "")
                elif content.tag != W_RPR:
                    return paragraph.text
        elif tag != W_PPR and tag not in BOOKMARK_MARKERS:
            return paragraph.text
    return "".join(texts)


def clear_body(document: DocxDocument) -> None:
    """Remove all paragraphs and tables from `document`'s body, keeping the final section."""
    body = document.element.body
    for child in list(body):
        if child.tag != W_SECTPR:
            body.remove(child)


def clear_paragraph(paragraph: Paragraph) -> None:
    """Remove everything from `paragraph` but its properties: its runs, fields and bookmarks."""
    element = paragraph_element(paragraph)
    for child in list(element):
        if child.tag != W_PPR:
            element.remove(child)


def remove_paragraph(paragraph: Paragraph) -> None:
    """Remove `paragraph` from the body, header or cell holding it."""
    element = paragraph_element(paragraph)
    parent_of(element).remove(element)


def last_body_paragraph(document: DocxDocument) -> Paragraph | None:
    """Return the paragraph that ends `document`'s body so far, None when the body ends with
    anything else (a table) or is empty."""
    body = document.element.body
    for child in reversed(body):
        if child.tag == W_SECTPR:
            continue
        return Paragraph(child, document_body(document)) if child.tag == W_P else None
    return None


BODY_MARK = "_PolicygenBody"
"""The bookmark on the paragraph the house stage leaves where a house document's body goes."""
BODY_MARK_XML = (
    f'<w:p><w:bookmarkStart w:id="0" w:name="{BODY_MARK}"/><w:bookmarkEnd w:id="0"/></w:p>'
)
"""That paragraph as the XML docxtpl puts in place of the ``{{p body }}`` paragraph."""


def body_mark(document: DocxDocument) -> etree._Element | None:
    """Return the top-level body paragraph of `document` holding the BODY_MARK bookmark; None
    when it has none."""
    body: etree._Element = document.element.body
    for element in body.iterchildren(W_P):
        for start in element.iterchildren(qn("w:bookmarkStart")):
            if start.get(qn("w:name")) == BODY_MARK:
                return element
    return None


def move_appended_to(document: DocxDocument, before: int, mark: etree._Element) -> None:
    """Move what was appended to `document`'s body since it had `before` children to where
    `mark` is, and remove `mark`. python-docx appends in front of the body's final section
    properties, which stay last."""
    body: etree._Element = document.element.body
    children = list(body)
    ends_with_section = bool(children) and children[-1].tag == W_SECTPR
    appended = children[before - 1 : -1] if ends_with_section else children[before:]
    for element in appended:
        mark.addprevious(element)
    body.remove(mark)
