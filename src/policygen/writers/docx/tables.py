"""Write the tables of a document tree into a DOCX: data tables and the signature page.

Input: the DOCX builder (docx.py), which lays out paragraphs, numbers, bookmarks and inline
text, and a Table or SignatureBlock node. Output: a Word table in the builder's document. Data
tables are full width in the Table Grid style, their columns fixed at the widths both PDFs
print (writers.table_widths), header rows repeated on every page, rows never split (unless
the table lets them: a 修订对照表's), and the caption, the header rows and the first body row
kept together on one page (keep with next), so that a table starts on the next page only when
not even that fits. A cell may hold paragraphs and nested tables after its text. The signature page is a
borderless table of equal, fixed columns, one party to a cell, every line to sign followed by
room to sign in (the Signature Line style's space after), kept on one page with the last
paragraph before it."""

from __future__ import annotations

from typing import Protocol

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Emu, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from policygen.tree import nodes as n
from policygen.writers.docx import oxml
from policygen.writers.docx.styles import StyleTable
from policygen.writers.table_widths import CELL_PADDING, column_widths
from policygen.writers.text import colon

TABLE_STYLES: dict[str, str] = {
    "caption": "Caption",
    "table": "Table Grid",
    "table_heading": "Table Heading",
    "table_text": "Table Text",
    "signature_party": "Signature Party",
    "signature_line": "Signature Line",
}
"""Which reference.docx style each part of a table is written in."""

ALIGNMENTS: dict[str, WD_ALIGN_PARAGRAPH] = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
"""Paragraph and cell alignments the tree may ask for; anything else keeps the style's."""

_CENTER = WD_CELL_VERTICAL_ALIGNMENT.CENTER
"""Data cells are centred vertically, but for a table whose rows split across pages, whose
cells start at the top (where the row starts), as both PDFs set every cell."""

DEFAULT_SIZE = 10.5
"""The table text's size in pt when the Table Text style states none (五号)."""


class Builder(Protocol):
    """What the table writers need from the DOCX builder."""

    document: DocxDocument
    styles: StyleTable

    def new_paragraph(self, style: str) -> tuple[Paragraph, str | None]: ...

    def cell_paragraph(self, cell: _Cell, style: str) -> Paragraph: ...

    def open_cell_paragraph(self, paragraph: Paragraph) -> None: ...

    def take_pending_break(self) -> None: ...

    def bookmark(
        self, paragraph: Paragraph, node_id: str | None, number: str | None = None
    ) -> None: ...

    def add_inlines(self, paragraph: Paragraph, inlines: tuple[n.Inline, ...]) -> None: ...

    def add_text(self, paragraph: Paragraph, text: str) -> None: ...


def align(paragraph: Paragraph, alignment: str | None) -> None:
    """Align `paragraph` as the tree asks, without a first-line indent (as the CSS's
    ``.align-*`` classes); None or an unknown value keeps the style's."""
    if alignment in ALIGNMENTS:
        # oxml rather than paragraph.alignment and paragraph_format.first_line_indent,
        # for speed: python-docx's setters walk pPr's children on every assignment.
        oxml.set_alignment(paragraph, ALIGNMENTS[alignment])
        oxml.set_first_line_indent(paragraph, Emu(0))


def add_table(builder: Builder, table: n.Table) -> None:
    """Add `table` under its caption: full width, header rows repeated, rows unsplit unless
    `table.split_rows`."""
    rows = (*table.header, *table.rows)
    columns = max((len(row) for row in rows), default=0)
    caption = None
    if table.caption:
        caption = builder.new_paragraph(TABLE_STYLES["caption"])[0]
        builder.add_text(caption, table.caption)
        builder.bookmark(caption, table.id)
    if not columns:
        return
    builder.take_pending_break()
    section = oxml.last_section(builder.document)
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    size = builder.document.styles[TABLE_STYLES["table_text"]].font.size
    widths = [
        Emu(round(Pt(each)))
        for each in column_widths(table, Emu(width).pt, size.pt if size else DEFAULT_SIZE)
    ]
    formats = _row_formats(builder, table, rows)
    # The table is built with its cells and paragraphs formatted by oxml rather than
    # through python-docx's table API, for speed: python-docx's setters (widths, vertical
    # alignment, styles, alignment) walk an element's children on every property set, and
    # it makes a proxy for every cell.
    word_table, paragraphs = oxml.add_formatted_table(
        builder.document,
        widths,
        formats,
        header_rows=len(table.header),
        cant_split=not table.split_rows,
    )
    style_id = builder.styles.id(TABLE_STYLES["table"], WD_STYLE_TYPE.TABLE)
    oxml.set_table_style_id(word_table, style_id)  # as add_table(…, style) does
    oxml.set_table_full_width(word_table)
    oxml.set_table_fixed_layout(word_table)
    if caption is not None:
        caption.paragraph_format.keep_with_next = True
    for index, (row, row_paragraphs) in enumerate(zip(rows, paragraphs, strict=True)):
        for column, (cell, paragraph) in enumerate(zip(row, row_paragraphs, strict=True)):
            if index < len(table.header):  # the header rows stay with the first body row
                paragraph.paragraph_format.keep_with_next = True
            builder.open_cell_paragraph(paragraph)
            builder.add_inlines(paragraph, cell.inlines)
            if cell.blocks:
                inner = Emu(widths[column]).pt - CELL_PADDING
                add_cell_blocks(builder, word_table.cell(index, column), cell.blocks, inner)
            if caption is None and index == 0:
                builder.bookmark(paragraph, table.id)
                caption = paragraph


def _row_formats(
    builder: Builder, table: n.Table, rows: tuple[tuple[n.Cell, ...], ...]
) -> list[list[oxml.CellFormat]]:
    """Return the format of each cell of `rows` (the header rows first): its paragraph style,
    alignment and vertical alignment."""
    formats: list[list[oxml.CellFormat]] = []
    for index, row in enumerate(rows):
        heading = index < len(table.header)
        style = TABLE_STYLES["table_heading" if heading else "table_text"]
        style_id = builder.styles.id(style) if row else None
        # As both PDFs: a header cell keeps its style's alignment (centred) unless it asks to
        # be centred or set right; a Markdown table's ``:---`` does not set it left.
        vertical = WD_CELL_VERTICAL_ALIGNMENT.TOP if table.split_rows and not heading else _CENTER
        formats.append(
            [
                _cell_format(
                    style_id, None if heading and cell.align == "left" else cell.align, vertical
                )
                for cell in row
            ]
        )
    return formats


def add_cell_blocks(
    builder: Builder, cell: _Cell, blocks: tuple[n.Paragraph | n.Table, ...], width: float
) -> None:
    """Add `blocks` to `cell`, whose text is `width` pt wide: paragraphs in the Table Text
    style, tables as nested tables (their columns by writers.table_widths, rows unsplit)."""
    size = builder.document.styles[TABLE_STYLES["table_text"]].font.size
    for block in blocks:
        if isinstance(block, n.Paragraph):
            paragraph = builder.cell_paragraph(cell, TABLE_STYLES["table_text"])
            builder.add_inlines(paragraph, block.inlines)
            continue
        rows = (*block.header, *block.rows)
        columns = max((len(row) for row in rows), default=0)
        if not columns:
            continue
        nested = cell.add_table(len(rows), columns)  # and the paragraph Word wants after it
        style_id = builder.styles.id(TABLE_STYLES["table"], WD_STYLE_TYPE.TABLE)
        oxml.set_table_style_id(nested, style_id)
        oxml.set_table_fixed_layout(nested)
        widths = column_widths(block, width, size.pt if size else DEFAULT_SIZE)
        for column, each in zip(nested.columns, widths, strict=True):
            column.width = Emu(round(Pt(each)))
        for index, (row, word_row) in enumerate(zip(rows, nested.rows, strict=True)):
            oxml.set_cant_split(word_row)
            heading = index < len(block.header)
            style = TABLE_STYLES["table_heading" if heading else "table_text"]
            for column, (inner, word_cell) in enumerate(zip(row, word_row.cells, strict=False)):
                word_cell.width = Emu(round(Pt(widths[column])))
                paragraph = builder.cell_paragraph(word_cell, style)
                builder.add_inlines(paragraph, inner.inlines)


def _cell_format(
    style_id: str | None,
    alignment: str | None,
    vertical: WD_CELL_VERTICAL_ALIGNMENT = _CENTER,
) -> oxml.CellFormat:
    """Return how a data cell is formatted: aligned vertically as `vertical` (centred by
    default), its paragraph in `style_id` and aligned as the tree asks (as `align` does)."""
    if alignment in ALIGNMENTS:
        return oxml.CellFormat(vertical, style_id, ALIGNMENTS[alignment], Emu(0))
    return oxml.CellFormat(vertical, style_id)


def add_signature_block(builder: Builder, block: n.SignatureBlock) -> None:
    """Add the parties side by side, one column each (as both PDFs set them), in a
    borderless table of one row that is never split, each line followed by room to sign."""
    parties = block.parties
    if not parties:
        return
    builder.take_pending_break()
    # The block never stands alone on a page: the paragraph before it goes over with it.
    previous = oxml.last_body_paragraph(builder.document)
    if previous is not None:
        previous.paragraph_format.keep_with_next = True
    word_table = oxml.add_table(builder.document, 1, len(parties), cant_split=True)
    oxml.set_table_full_width(word_table)
    oxml.set_table_fixed_layout(word_table)
    (row,) = oxml.table_cells(word_table)
    for cell, party in zip(row, parties, strict=True):
        oxml.set_cell_vertical_alignment(cell, WD_CELL_VERTICAL_ALIGNMENT.TOP)
        heading = builder.cell_paragraph(cell, TABLE_STYLES["signature_party"])
        builder.add_text(heading, f"{party.role}{colon(party.role)}{party.name}")
        for line in party.lines:
            line_paragraph = builder.cell_paragraph(cell, TABLE_STYLES["signature_line"])
            builder.add_text(line_paragraph, f"{line}{colon(line).rstrip()}")
