"""Edit sections (``w:sectPr``): the last section, section breaks, page numbering, document grid."""

from __future__ import annotations

from copy import deepcopy
from typing import cast

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.section import CT_SectPr
from docx.section import Section
from docx.text.paragraph import Paragraph

from policygen.writers.docx.oxml.compat import section_element
from policygen.writers.docx.oxml.shared import (
    PPR_ORDER,
    SECTPR_ORDER,
    closing_sectpr,
    get_or_add,
    insert_in_order,
    target_ppr,
)


def last_section(document: DocxDocument) -> Section:
    """Return `document`'s last section, as ``document.sections[-1]`` does: the one the
    body's closing ``w:sectPr`` describes (python-docx finds it with an XPath over every
    paragraph of the body)."""
    sectpr = closing_sectpr(document.element.body)
    if sectpr is None:
        return document.sections[-1]
    return Section(cast(CT_SectPr, sectpr), document.part)  # the oxml parser's class


def end_section(paragraph: Paragraph, document: DocxDocument) -> None:
    """End a section after `paragraph`: the next paragraph starts a new page.

    The section takes the page size and margins of `document`'s last section but no header,
    footer or page-number settings, so a cover or contents page stays bare."""
    body_sectpr = document.element.body.find(qn("w:sectPr"))
    sectpr = deepcopy(body_sectpr) if body_sectpr is not None else OxmlElement("w:sectPr")
    sectpr.attrib.clear()
    for tag in ("w:headerReference", "w:footerReference", "w:titlePg", "w:pgNumType", "w:type"):
        for child in sectpr.findall(qn(tag)):
            sectpr.remove(child)
    insert_in_order(target_ppr(paragraph), sectpr, "w:sectPr", PPR_ORDER)


def set_page_number_start(section: Section, start: int) -> None:
    """Number the pages of `section` from `start` (``w:pgNumType w:start``)."""
    number_type = get_or_add(section_element(section), "w:pgNumType", SECTPR_ORDER)
    number_type.set(qn("w:start"), str(start))


def set_doc_grid(section: Section, line_pitch: int) -> None:
    """Give `section` a grid of lines (``w:docGrid w:type="lines"``, Word's 文档网格 “只指定行
    网格”) `line_pitch` twips apart.

    A grid of characters as well (``linesAndChars`` with ``w:charSpace``) is what Word writes
    for “指定行和字符网格”, but LibreOffice 7 lays such a grid out in square cells as high as
    a line, 16 characters to a 公文 line instead of 28. The character pitch is set as the body
    style's character spacing instead (set_character_spacing), which Word, WPS and LibreOffice
    all honour alike."""
    grid = get_or_add(section_element(section), "w:docGrid", SECTPR_ORDER)
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch))
