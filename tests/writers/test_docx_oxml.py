"""oxml's hand-built tables and paragraph properties match python-docx's own, element for
element: the writer builds them with lxml for speed, and the DOCX must not change a byte."""

from __future__ import annotations

from collections.abc import Callable

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Emu, Length, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

from policygen.writers.docx import oxml


def body_xml(document: DocxDocument) -> bytes:
    """Return `document`'s body as the DOCX writer would serialise it."""
    return etree.tostring(document.element.body)


def paragraph_states() -> list[Callable[[Paragraph], None]]:
    """Ways a paragraph's properties may look before it is aligned."""

    def numbered(paragraph: Paragraph) -> None:
        oxml.set_numbering(paragraph, 3, 1)

    def spaced(paragraph: Paragraph) -> None:
        paragraph.paragraph_format.space_after = Pt(6)
        paragraph.paragraph_format.keep_together = True

    def indented(paragraph: Paragraph) -> None:
        paragraph.paragraph_format.left_indent = Pt(21)
        paragraph.paragraph_format.first_line_indent = Pt(-21)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def outlined(paragraph: Paragraph) -> None:
        paragraph.paragraph_format.widow_control = False
        # An outline level after widowControl, as python-docx 1.2's private _add_outlineLvl
        # adds it (1.1.2 has no such method).
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), "1")
        paragraph._p.get_or_add_pPr().append(outline)

    def plain(paragraph: Paragraph) -> None:
        pass

    return [plain, numbered, spaced, indented, outlined]


@pytest.mark.parametrize("prepare", paragraph_states())
@pytest.mark.parametrize(
    "alignment", [WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT]
)
@pytest.mark.parametrize("indent", [Emu(0), Pt(24), Pt(-18)])
def test_alignment_and_first_line_indent_as_python_docx(
    prepare: Callable[[Paragraph], None], alignment: WD_ALIGN_PARAGRAPH, indent: Length
) -> None:
    ours, theirs = docx.Document(), docx.Document()
    for document in (ours, theirs):
        paragraph = document.add_paragraph("段落", "Heading 1")
        prepare(paragraph)
    oxml.set_alignment(ours.paragraphs[0], alignment)
    oxml.set_first_line_indent(ours.paragraphs[0], indent)
    theirs.paragraphs[0].alignment = alignment
    theirs.paragraphs[0].paragraph_format.first_line_indent = indent
    assert body_xml(ours) == body_xml(theirs)


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (2, 5)])
@pytest.mark.parametrize("set_widths", [False, True])
def test_table_as_python_docx(shape: tuple[int, int], set_widths: bool) -> None:
    rows, cols = shape
    ours, theirs = docx.Document(), docx.Document()
    for document in (ours, theirs):
        document.add_paragraph("前文")
    widths = [Emu(round(5_000_000 * (index + 1) / 7)) for index in range(cols)]
    ours_table = oxml.add_table(ours, rows, cols, widths if set_widths else None)
    theirs_table = theirs.add_table(rows, cols)
    if set_widths:
        for column, width in zip(theirs_table.columns, widths, strict=True):
            column.width = width
            for cell in column.cells:
                cell.width = width
    for table in (ours_table, theirs_table):
        oxml.set_table_full_width(table)
        oxml.set_table_style_id(table, "TableGrid")
    for index, row in enumerate(ours_table.rows):
        if index == 0:
            oxml.set_repeat_table_header(row)
        oxml.set_cant_split(row)
    for index, row in enumerate(theirs_table.rows):
        trpr = row._tr.get_or_add_trPr()
        if index == 0:
            trpr.append(trpr.makeelement(qn("w:tblHeader")))
        trpr.insert(0, trpr.makeelement(qn("w:cantSplit")))
    alignments = [WD_CELL_VERTICAL_ALIGNMENT.CENTER, WD_CELL_VERTICAL_ALIGNMENT.TOP]
    ours_cells = oxml.table_cells(ours_table)
    assert [[cell._tc for cell in cells] for cells in ours_cells] == [
        [cell._tc for cell in row.cells] for row in ours_table.rows
    ]
    for index, cell in enumerate(cell for cells in ours_cells for cell in cells):
        oxml.set_cell_vertical_alignment(cell, alignments[index % 2])
        first = oxml.cell_paragraph(cell)
        oxml.add_text_run(first, "甲")
        oxml.add_text_run(oxml.cell_paragraph(cell), "乙")
    for index, cell in enumerate(cell for row in theirs_table.rows for cell in row.cells):
        cell.vertical_alignment = alignments[index % 2]
        cell.paragraphs[0].add_run("甲")
        cell.add_paragraph().add_run("乙")
    ours.add_paragraph("后文")
    theirs.add_paragraph("后文")
    assert body_xml(ours) == body_xml(theirs)


def test_cell_paragraph_reuses_only_an_unused_first_paragraph() -> None:
    document = docx.Document()
    cell = oxml.table_cells(oxml.add_table(document, 1, 1))[0][0]
    first = oxml.cell_paragraph(cell)
    assert first._p is cell._tc.findall(qn("w:p"))[0]
    assert oxml.cell_paragraph(cell)._p is first._p  # still no runs
    oxml.add_text_run(first, "文字")
    second = oxml.cell_paragraph(cell)
    assert second._p is not first._p
    assert [p._p for p in cell.paragraphs] == [first._p, second._p]


def test_table_widths_must_match_the_columns() -> None:
    with pytest.raises(ValueError, match="2 widths for 3 columns"):
        oxml.add_table(docx.Document(), 1, 3, [Emu(1), Emu(2)])


FORMATS = [
    [
        oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.CENTER, "TableHeading"),
        oxml.CellFormat(
            WD_CELL_VERTICAL_ALIGNMENT.CENTER, "TableHeading", WD_ALIGN_PARAGRAPH.RIGHT, Emu(0)
        ),
        oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.TOP, None, WD_ALIGN_PARAGRAPH.CENTER),
    ],
    [
        oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.BOTTOM, "TableText", None, Pt(-12)),
        oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.CENTER, None, None, Pt(12)),
    ],  # a short row: its last cell stays bare
    [],
    [oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.CENTER, "TableText")] * 3,
    [oxml.CellFormat(WD_CELL_VERTICAL_ALIGNMENT.TOP, "A&B <\"样式\">\t\n\r'x'")],
]


@pytest.mark.parametrize("header_rows", [0, 1, 2])
@pytest.mark.parametrize("cant_split", [False, True])
def test_formatted_table_as_python_docx(header_rows: int, cant_split: bool) -> None:
    ours, theirs = docx.Document(), docx.Document()
    widths = [Emu(1_000_000), Emu(2_345_678), Emu(777_777)]
    table, paragraphs = oxml.add_formatted_table(
        ours, widths, FORMATS, header_rows=header_rows, cant_split=cant_split
    )
    for row_paragraphs in paragraphs:
        for paragraph in row_paragraphs:
            oxml.add_text_run(paragraph, "文字")
    theirs_table = theirs.add_table(len(FORMATS), len(widths))
    for column, width in zip(theirs_table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    for index, (row, row_formats) in enumerate(zip(theirs_table.rows, FORMATS, strict=True)):
        if cant_split or index < header_rows:
            trpr = row._tr.get_or_add_trPr()
            if cant_split:
                trpr.append(trpr.makeelement(qn("w:cantSplit")))
            if index < header_rows:
                trpr.append(trpr.makeelement(qn("w:tblHeader")))
        for cell, spec in zip(row.cells, row_formats, strict=False):
            cell.vertical_alignment = spec.vertical
            paragraph = cell.paragraphs[0]
            paragraph._p.style = spec.style_id
            if spec.alignment is not None:
                paragraph.alignment = spec.alignment
            if spec.first_line_indent is not None:
                paragraph.paragraph_format.first_line_indent = spec.first_line_indent
            paragraph.add_run("文字")
    assert body_xml(ours) == body_xml(theirs)
    assert [[p._p for p in row] for row in paragraphs] == [
        [cell.paragraphs[0]._p for cell in row.cells[: len(formats)]]
        for row, formats in zip(table.rows, FORMATS, strict=True)
    ]
    assert all(p.part is ours.part for row in paragraphs for p in row)  # parents chain up


def test_an_empty_table_as_python_docx() -> None:
    ours, theirs = docx.Document(), docx.Document()
    table, paragraphs = oxml.add_formatted_table(ours, [Emu(8640 * 635)], [])  # 6 in
    assert paragraphs == []
    assert len(table.rows) == 0
    theirs.add_table(0, 1)
    assert body_xml(ours) == body_xml(theirs)


TEXTS = [
    "第一条",
    "\u3000",
    "\u3000正文",
    "尾 ",
    " a b ",
    "\xa0x",
    "x\u2003",
    "a\tb",
    "一\n二",
    "\t",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_runs_as_python_docx(text: str) -> None:
    ours, theirs = docx.Document(), docx.Document()
    paragraph = oxml.add_body_paragraph(ours, "Heading1")
    run = oxml.add_text_run(paragraph, text)
    assert run._r is paragraph._p[-1]
    oxml.append_text_run(paragraph, text)
    expected = theirs.add_paragraph(style="Heading 1")
    expected.add_run(text)
    expected.add_run(text)
    assert body_xml(ours) == body_xml(theirs)


def test_bookmark_follows_the_paragraph_properties() -> None:
    document = docx.Document()
    plain = document.add_paragraph()
    plain.add_run("甲")
    styled = oxml.add_body_paragraph(document, "Heading1")
    styled.add_run("乙")
    for index, paragraph in enumerate((plain, styled)):
        oxml.add_bookmark(paragraph, f"pg_{index}", index)
    tags = [[etree.QName(child).localname for child in p._p] for p in (plain, styled)]
    assert tags == [
        ["bookmarkStart", "r", "bookmarkEnd"],
        ["pPr", "bookmarkStart", "r", "bookmarkEnd"],
    ]


def add_num_with_oxml_elements(
    document: DocxDocument, abstract_id: int, starts: dict[int, int]
) -> int:
    """add_num as it was written with python-docx's OxmlElement, for comparison."""
    root = document.part.numbering_part.element
    ids = [int(num.get(qn("w:numId"), "0")) for num in root.findall(qn("w:num"))]
    num_id = max(ids, default=0) + 1
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    abstract = OxmlElement("w:abstractNumId")
    abstract.set(qn("w:val"), str(abstract_id))
    num.append(abstract)
    for level, start in sorted(starts.items()):
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), str(level))
        start_override = OxmlElement("w:startOverride")
        start_override.set(qn("w:val"), str(start))
        override.append(start_override)
        num.append(override)
    later = root.find(qn("w:numIdMacAtCleanup"))
    if later is not None:
        later.addprevious(num)
    else:
        root.append(num)
    return num_id


@pytest.mark.parametrize("cleanup", [False, True])
def test_add_num_as_with_oxml_elements(cleanup: bool) -> None:
    ours, theirs = docx.Document(), docx.Document()
    for document in (ours, theirs):
        root = document.part.numbering_part.element
        if cleanup:
            root.append(OxmlElement("w:numIdMacAtCleanup", {qn("w:val"): "3"}))
    for abstract_id, starts in ((0, {}), (1, {0: 1, 1: 1, 2: 5}), (0, {3: 2})):
        assert oxml.add_num(ours, abstract_id, starts) == add_num_with_oxml_elements(
            theirs, abstract_id, starts
        )
    numbering = [document.part.numbering_part.blob for document in (ours, theirs)]
    assert numbering[0] == numbering[1]
