"""Build and format tables (``w:tbl``, ``w:tr``, ``w:tc``).

Tables are built here rather than through python-docx's table API, for speed: see the
comment above the tag names below."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.shared import Emu, Inches, Length
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml import etree

from policygen.writers.docx.oxml.compat import (
    cell_element,
    document_body,
    row_element,
    table_element,
)
from policygen.writers.docx.oxml.section import last_section
from policygen.writers.docx.oxml.shared import (
    TBLPR_ORDER,
    TRPR_ORDER,
    W_P,
    W_R,
    W_SECTPR,
    W_VAL,
    add_child,
    closing_sectpr,
    get_or_add,
    get_or_add_first,
)

# Tables are built here rather than through python-docx's table API, for speed: its
# property setters (cell width and vertical alignment, paragraph style and alignment, row
# flags) walk a child's possible successors on every call, and it makes a proxy for every
# cell. A new table is written whole, formatted, as XML text and parsed, as python-docx
# writes a bare one; the row and cell setters below edit with lxml directly. What is built is
# what ``document.add_table`` and python-docx's setters make, element for element.

_W_TR = qn("w:tr")
_W_TRPR = qn("w:trPr")
_W_TBLPREX = qn("w:tblPrEx")
_W_TC = qn("w:tc")
_W_TCPR = qn("w:tcPr")
_W_VALIGN = qn("w:vAlign")
_TRPR_SUCCESSORS = {
    tag: frozenset(qn(name) for name in TRPR_ORDER[TRPR_ORDER.index(tag) + 1 :])
    for tag in ("w:cantSplit", "w:tblHeader")
}
_VALIGN_SUCCESSORS = frozenset(
    qn(tag)
    for tag in ("w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")
)
"""What follows ``w:vAlign`` in ``w:tcPr``."""


@dataclass(frozen=True)
class CellFormat:
    """How `add_formatted_table` formats a new cell and its paragraph."""

    vertical: WD_CELL_VERTICAL_ALIGNMENT
    """The cell's vertical alignment, as assigning ``cell.vertical_alignment``."""
    style_id: str | None
    """The paragraph's style id, as `set_paragraph_style_id`."""
    alignment: WD_ALIGN_PARAGRAPH | None = None
    """The paragraph's alignment, as `set_alignment`; None sets none."""
    first_line_indent: Length | None = None
    """The paragraph's first-line indent, as `set_first_line_indent`; None sets none."""


def add_table(
    document: DocxDocument,
    rows: int,
    cols: int,
    widths: Sequence[Length] | None = None,
    *,
    cant_split: bool = False,
) -> Table:
    """Append a table of `rows` by `cols` to `document`'s body, as
    ``document.add_table(rows, cols)`` does: columns of equal width sharing the last section's
    text block. `widths` (one per column) sets the columns' widths instead, as assigning each
    ``column.width`` and the width of every cell in the column does; `cant_split` keeps every
    row on one page, as `set_cant_split`."""
    if widths is None:
        section = last_section(document)
        page_width = section.page_width or Inches(8.5)
        left_margin = section.left_margin or Inches(1)
        right_margin = section.right_margin or Inches(1)
        width = page_width - left_margin - right_margin
        widths = [Emu(width // cols)] * cols
    elif len(widths) != cols:
        raise ValueError(f"{len(widths)} widths for {cols} columns")
    return _new_table(document, widths, [()] * rows, 0, cant_split)[0]


def add_formatted_table(
    document: DocxDocument,
    widths: Sequence[Length],
    formats: Sequence[Sequence[CellFormat]],
    *,
    header_rows: int = 0,
    cant_split: bool = False,
) -> tuple[Table, list[list[Paragraph]]]:
    """Append a table of ``len(formats)`` rows, one column per width in `widths`, as
    `add_table` does, its first `header_rows` rows repeated on every page
    (`set_repeat_table_header`); return it and the paragraph of each cell of `formats`.

    Row ``r`` has its first ``len(formats[r])`` cells formatted as `CellFormat` says, as the
    setters named there do; the cells that follow stay as ``document.add_table`` makes them."""
    return _new_table(document, widths, formats, header_rows, cant_split)


def _new_table(
    document: DocxDocument,
    widths: Sequence[Length],
    formats: Sequence[Sequence[CellFormat]],
    header_rows: int,
    cant_split: bool,
) -> tuple[Table, list[list[Paragraph]]]:
    """Build the table of `add_table` and `add_formatted_table`.

    As python-docx's ``CT_Tbl.new_tbl`` does, the table is written as XML text and parsed
    (into python-docx's element classes), then moved into the body: for a table, a few times
    faster than making its elements one by one."""
    cells = [f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{Emu(width).twips}"/>' for width in widths]
    trpr = [
        "<w:trPr>" + ("<w:cantSplit/>" if cant_split else "") + "<w:tblHeader/></w:trPr>",
        "<w:trPr><w:cantSplit/></w:trPr>" if cant_split else "",
    ]
    fragments: dict[CellFormat, str] = {}
    xml = [_TBL_START, *(f'<w:gridCol w:w="{Emu(width).twips}"/>' for width in widths)]
    xml.append("</w:tblGrid>")
    for index, row_formats in enumerate(formats):
        xml += ("<w:tr>", trpr[index >= header_rows])
        for column, cell in enumerate(cells):
            if column >= len(row_formats):
                xml += (cell, "</w:tcPr><w:p/></w:tc>")
                continue
            spec = row_formats[column]
            if spec not in fragments:
                fragments[spec] = _cell_content(spec)
            xml += (cell, fragments[spec])
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    tbl = cast(CT_Tbl, parse_xml("".join(xml)))  # the oxml parser's class of a w:tbl
    body = document.element.body
    # The body ends with its sectPr as a rule: look there first.
    sectpr = closing_sectpr(body)
    if sectpr is None:
        sectpr = body.find(W_SECTPR)
    if sectpr is not None:
        sectpr.addprevious(tbl)
    else:
        body.append(tbl)
    table = Table(tbl, document_body(document))
    paragraphs: list[list[Paragraph]] = []
    for tr, row_formats in zip(tbl.iterchildren(_W_TR), formats, strict=True):
        row_paragraphs = []
        for tc, _ in zip(_cells_of(tr), row_formats, strict=False):
            row_paragraphs.append(Paragraph(cast(CT_P, tc[-1]), _Cell(tc, table)))
        paragraphs.append(row_paragraphs)
    return table, paragraphs


_TBL_START = (
    f"<w:tbl {nsdecls('w')}><w:tblPr>"
    '<w:tblW w:type="auto" w:w="0"/>'
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0"'
    ' w:noVBand="1" w:val="04A0"/>'
    "</w:tblPr><w:tblGrid>"
)
"""The start of a new table as python-docx writes it (``CT_Tbl._tbl_xml``), to its grid."""
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
     "\r": "&#13;"}
)  # fmt: skip
"""What an attribute value is written as, so that parsing gives it back as it was."""


def _cell_content(spec: CellFormat) -> str:
    """Return the XML of a formatted cell after its width: the rest of its properties and its
    paragraph, as `add_formatted_table` describes."""
    xml = [f'<w:vAlign w:val="{spec.vertical.xml_value}"/></w:tcPr><w:p><w:pPr>']
    if spec.style_id is not None:
        xml.append(f'<w:pStyle w:val="{spec.style_id.translate(_ATTRIBUTE_ESCAPES)}"/>')
    indent = spec.first_line_indent
    if indent is not None:
        if indent < 0:
            xml.append(f'<w:ind w:hanging="{Emu(-indent).twips}"/>')
        else:
            xml.append(f'<w:ind w:firstLine="{Emu(indent).twips}"/>')
    if spec.alignment is not None:
        xml.append(f'<w:jc w:val="{spec.alignment.xml_value}"/>')
    xml.append("</w:pPr></w:p></w:tc>")
    return "".join(xml)


def table_cells(table: Table) -> list[list[_Cell]]:
    """Return the cells of `table`, row by row, for a table without merged cells (as
    ``[row.cells for row in table.rows]``, which lays out the spans of the whole grid)."""
    rows = table_element(table).iterchildren(_W_TR)
    return [[_Cell(tc, table) for tc in _cells_of(tr)] for tr in rows]


def _cells_of(tr: etree._Element) -> Iterator[CT_Tc]:
    """Yield the cells of the table row `tr`."""
    # The oxml parser makes every w:tc a CT_Tc.
    return cast("Iterator[CT_Tc]", tr.iterchildren(_W_TC))


def _row_flag(row: _Row, tag: str) -> None:
    """Add the empty flag `tag` (``w:cantSplit``, ``w:tblHeader``) to `row`'s ``w:trPr``."""
    tr = row_element(row)
    tr_pr = tr.find(_W_TRPR)
    if tr_pr is None:
        tr_pr = etree.SubElement(tr, _W_TRPR)
        before = tr.find(_W_TBLPREX)
        if before is not None:
            before.addnext(tr_pr)
        else:
            tr.insert(0, tr_pr)
    if tr_pr.find(qn(tag)) is None:
        add_child(tr_pr, qn(tag), _TRPR_SUCCESSORS[tag])


def set_repeat_table_header(row: _Row) -> None:
    """Repeat `row` at the top of every page the table runs onto (``w:tblHeader``)."""
    _row_flag(row, "w:tblHeader")


def set_cant_split(row: _Row) -> None:
    """Keep `row` on one page (``w:cantSplit``)."""
    _row_flag(row, "w:cantSplit")


def set_cell_vertical_alignment(cell: _Cell, alignment: WD_CELL_VERTICAL_ALIGNMENT) -> None:
    """Align the content of `cell` vertically, as assigning ``cell.vertical_alignment`` does."""
    tc_pr = get_or_add_first(cell_element(cell), _W_TCPR)
    v_align = tc_pr.find(_W_VALIGN)
    if v_align is None:
        v_align = add_child(tc_pr, _W_VALIGN, _VALIGN_SUCCESSORS)
    v_align.set(W_VAL, str(alignment.xml_value))


def cell_paragraph(cell: _Cell) -> Paragraph:
    """Return the only paragraph of `cell` while it has no runs (a new cell's), else a new
    paragraph at the end of `cell`, as ``cell.add_paragraph()`` adds it."""
    tc = cell_element(cell)
    # The oxml parser makes every w:p a CT_P.
    paragraphs = cast("list[CT_P]", tc.findall(W_P))
    if len(paragraphs) == 1 and paragraphs[0].find(W_R) is None:
        return Paragraph(paragraphs[0], cell)
    return Paragraph(cast(CT_P, etree.SubElement(tc, W_P)), cell)


def set_table_style_id(table: Table, style_id: str | None) -> None:
    """Name the table style `style_id` in `table`'s ``w:tblStyle``, as assigning
    ``table.style`` does once the name is resolved; None removes it."""
    table_element(table).tblStyle_val = style_id


def set_table_full_width(table: Table) -> None:
    """Make `table` as wide as the text block (100 %)."""
    width = get_or_add(table_element(table).tblPr, "w:tblW", TBLPR_ORDER)
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")


def set_table_fixed_layout(table: Table) -> None:
    """Keep `table`'s column widths as set instead of fitting them to the content."""
    get_or_add(table_element(table).tblPr, "w:tblLayout", TBLPR_ORDER).set(qn("w:type"), "fixed")
