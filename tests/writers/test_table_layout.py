"""Tables that fit and lines that never break inside a number, as a reader sees the pages.

Every example's documents (both examples, every kind) are printed by both PDF engines and, as
DOCX, converted by LibreOffice; their lines and positions are read back with pdftotext
(tests/linebreaks.py). No table cell breaks a word of four characters or fewer; no line breaks
inside an amount, a date, an identifier or an article reference; a signature block never
stands alone at the top of a page without its note (Typst) and never alone at all (WeasyPrint)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

import policygen
from libreoffice import convert, needs_libreoffice
from linebreaks import (
    Line,
    broken,
    broken_in_cells,
    cell_texts,
    continuations,
    pdf_lines,
    tables,
)
from policygen.errors import RenderError
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile
from policygen.readers.markdown import read_markdown
from policygen.style import bundled_style
from policygen.style.typst import MM
from policygen.transforms.nobreak import UNBREAKABLE, joined, runs
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.writers import WRITERS
from policygen.writers.options import DEFAULT_PDF_ENGINE, WriterOptions
from policygen.writers.table_widths import CELL_PADDING, column_widths, text_width
from policygen.writers.text import document_text
from sample_docs import small_doc
from textutil import pdf_text, squeeze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ENGINES = ["weasyprint", "typst"]
_LABEL = re.compile(r"[\d.]+")
"""A clause number (1.1, 18.1.11): numbers of consecutive items stand on consecutive lines."""


@cache
def documents() -> list[tuple[str, Path, str | None, n.Document]]:
    """Return every document of the examples: its file stem, profile, contract number, tree."""
    out = []
    for path in EXAMPLES:
        profile = load_profile(path)
        for job in jobs(profile):
            number = job.engagement.contract_no if job.engagement else None
            stem = f"{path.stem}-{job.kind.name}-{number or ''}"
            out.append((stem, path, number, build_document(profile, job)))
    return out


@pytest.fixture(scope="module", params=ENGINES)
def printed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Print the documents with the PDF engine of the parameter; return the folder. The
    default engine (Typst) prints every document; WeasyPrint, ten times slower, the first of
    each kind of each example (the others differ in their facts, not in their layout rules)."""
    folder = tmp_path_factory.mktemp(f"pdf-{request.param}")
    seen: set[tuple[Path, str]] = set()
    for stem, path, number, doc in documents():
        if request.param != DEFAULT_PDF_ENGINE and (path, doc.kind) in seen:
            continue
        seen.add((path, doc.kind))
        pdf = policygen.render(path, doc.kind, "pdf", contract_no=number, pdf_engine=request.param)
        (folder / f"{stem}.pdf").write_bytes(pdf)
    return folder


def in_folder(folder: Path) -> list[tuple[str, Path, str | None, n.Document]]:
    """Return the documents printed in `folder` (every one for LibreOffice and Typst)."""
    return [each for each in documents() if (folder / f"{each[0]}.pdf").exists()]


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write every document as DOCX and convert them all with LibreOffice; return the folder."""
    folder = tmp_path_factory.mktemp("docx")
    sources = []
    for stem, path, number, doc in documents():
        data = policygen.render(path, doc.kind, "docx", contract_no=number)
        (folder / f"{stem}.docx").write_bytes(data)
        sources.append(folder / f"{stem}.docx")
    convert(sources, "pdf", folder, tmp_path_factory.mktemp("lo-profile"))
    return folder


def cell_breaks(folder: Path) -> list[str]:
    found = []
    for stem, _path, _number, doc in in_folder(folder):
        pairs = list(continuations(pdf_lines(folder / f"{stem}.pdf")))
        found += [f"{stem} {each}" for each in broken_in_cells(cell_texts(doc), pairs)]
    return found


def run_breaks(folder: Path, *, references: bool = True) -> list[str]:
    """Return the breaks inside the unbreakable runs of every document printed in `folder`;
    without `references`, leave out the cross-references' numbers (see the DOCX test)."""
    found = []
    for stem, _path, _number, doc in in_folder(folder):
        words = {m.group() for m in UNBREAKABLE.finditer(document_text(doc))}
        words = {word for word in words if not _LABEL.fullmatch(word)}
        if not references:
            words -= {text for text in _reference_texts(doc)}
        pairs = continuations(pdf_lines(folder / f"{stem}.pdf"))
        found += [f"{stem} {each}" for each in broken(words, pairs)]
    return found


# --------------------------------------------------------------------------- the PDFs


@pytest.mark.slow
def test_no_table_cell_breaks_a_short_word_in_the_pdf(printed: Path) -> None:
    assert cell_breaks(printed) == []


@pytest.mark.slow
def test_no_line_breaks_inside_an_amount_date_identifier_or_reference(printed: Path) -> None:
    assert run_breaks(printed) == []


def body_lines(lines: list[Line], page: int, kind: str) -> list[Line]:
    """Return the lines of `page` below the running header (inside the text block)."""
    top = bundled_style("default").margins(kind).top * MM
    return [line for line in lines if line.page == page and line.top >= top - 2]


@pytest.mark.slow
def test_a_signature_block_never_stands_alone_without_its_note(printed: Path) -> None:
    """On the page where the first party's line is, either the text the block closes ends
    above it or, at the top of the page, the note （本页无正文，为《…》之签署页） stands: the
    template's own after a page break (contract, NDA, DPA), or the block's (Typst)."""
    checked = 0
    for stem, _path, _number, doc in in_folder(printed):
        block = next((b for b in _blocks(doc.blocks) if isinstance(b, n.SignatureBlock)), None)
        if block is None:
            continue
        lines = pdf_lines(printed / f"{stem}.pdf")
        party = f"{block.parties[0].role}：{block.parties[0].name}".replace(" ", "")
        first = next(line for line in lines if line.text.startswith(party[:8]))
        above = [
            line for line in body_lines(lines, first.page, doc.kind) if line.top < first.top - 1
        ]
        assert above, f"{stem}: the signature block stands alone on page {first.page}"
        checked += 1
    assert checked >= 10


def _blocks(blocks: tuple[n.Block, ...]) -> list[n.Block]:
    from policygen.tree.walk import walk

    return [node for node, _place in walk(blocks) if isinstance(node, n.Block)]


# --------------------------------------------------------------------------- the DOCX


@pytest.mark.slow
@needs_libreoffice
def test_no_table_cell_breaks_a_short_word_in_the_docx(libreoffice: Path) -> None:
    """LibreOffice sets the DOCX's columns at the PDFs' widths and keeps the marked words."""
    assert cell_breaks(libreoffice) == []


@pytest.mark.slow
@needs_libreoffice
def test_no_line_breaks_inside_an_amount_or_identifier_in_the_docx(libreoffice: Path) -> None:
    """A cross-reference in the DOCX is a REF field whose number LibreOffice computes and
    shows anew (第{三十}条), without the word joiners the DOCX writes: LibreOffice may break
    before, inside or right after a Chinese number it computed (where the field ends), and
    only there. Where it breaks depends on the fonts it finds: with Liberation Serif standing
    in for the DOCX's Times New Roman (fonts-liberation2) it breaks after the field too."""
    assert run_breaks(libreoffice, references=False) == []
    broken_references = run_breaks(libreoffice)
    numeral = "[一二三四五六七八九十]"
    computed = f"第{numeral}*\\|{numeral}|第{numeral}+\\|[条章款项]"
    assert all(re.search(computed, each) for each in broken_references), broken_references


def _reference_texts(doc: n.Document) -> set[str]:
    """Return what every cross-reference of `doc` reads, as the unbreakable runs in it."""
    texts: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, n.Ref):
            texts.update(m.group() for m in UNBREAKABLE.finditer(node.text))
        elif isinstance(node, tuple):
            for child in node:
                visit(child)
        elif hasattr(node, "__dataclass_fields__"):
            for name in node.__dataclass_fields__:
                visit(getattr(node, name))

    visit(doc.blocks)
    return texts


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("人民币717,735.85元（大写）", ["717,735.85元"]),
        ("合同编号：MY-ITO-2026-001", ["MY-ITO-2026-001"]),
        ("自2026年1月1日起施行", ["2026年1月1日"]),
        (
            "依照第十一条、第1.1条和第十二条第（三）项",
            ["第十一条", "第1.1条", "第十二条第（三）项"],
        ),
        ("可用率不低于99.95%，权重30%", ["99.95%", "30%"]),
        ("工作日9:00—18:00", ["9:00—18:00"]),
        ("共三十日", []),
    ],
)
def test_unbreakable_runs(text: str, kept: list[str]) -> None:
    assert [piece for piece, keep in runs(text) if keep] == kept


def test_a_cells_short_words_are_kept() -> None:
    assert [p for p, keep in runs("☐存在　☐存在问题", cell=True) if keep] == ["☐存在", "☐存在问题"]
    assert [p for p, keep in runs("ISO 27001认证、等级保护测评", cell=True) if keep] == [
        "ISO",
        "认证",
        "等级保护测评",
    ]
    assert [p for p, keep in runs("项目案例、客户评价", cell=True) if keep] == [
        "项目案例",
        "客户评价",
    ]


def test_joined_text_for_the_docx() -> None:
    assert joined("MY-ITO-2026-001") == "MY-\u2060ITO-\u20602026-\u2060001"
    assert joined("第十一条") == "第\u2060十\u2060一\u2060条"
    assert joined("717,735.85元") == "717,735.85\u2060元"


def table(*rows: tuple[str, ...], widths: tuple[float, ...] = ()) -> n.Table:
    cells = tuple(tuple(n.Cell((n.Text(text),)) for text in row) for row in rows)
    return n.Table(header=cells[:1], rows=cells[1:], widths=widths)


def test_automatic_widths_keep_short_cells_whole_and_fill_the_width() -> None:
    long = "按照服务提供商提交的方案、案例和客户评价逐项评分，" * 3
    widths = column_widths(
        table(("评价维度", "权重（%）", "评审要点"), ("价格", "30%", long)), 450, 10.5
    )
    assert sum(widths) == pytest.approx(450)
    assert widths[0] >= text_width("评价维度") * 10.5 + CELL_PADDING
    assert widths[1] >= text_width("（%）") * 10.5 + CELL_PADDING
    assert widths[2] > widths[0] > widths[1] / 2


def test_stated_widths_are_proportions() -> None:
    widths = column_widths(table(("a", "b", "c"), ("1", "2", "3"), widths=(1, 4, 1)), 600, 10.5)
    assert widths == pytest.approx([100, 400, 100])


def test_stated_widths_never_starve_a_short_cell() -> None:
    rows = (("序号", "评估意见"), ("1", ""))
    widths = column_widths(table(*rows, widths=(1, 30)), 450, 10.5)
    assert widths[0] >= text_width("序号") * 10.5 + CELL_PADDING
    assert sum(widths) == pytest.approx(450)


def test_a_short_header_may_wrap_before_its_bracket() -> None:
    rows = (("得分（0—100）", "评分要点"), ("", "技术架构、实施方案、驻场人员资质与稳定性" * 3))
    narrow, _wide = column_widths(table(*rows), 200, 10.5)
    assert narrow < text_width("得分（0—100）") * 10.5 + CELL_PADDING
    assert narrow >= text_width("（0—100）") * 10.5 + CELL_PADDING


def test_the_dialect_states_widths_before_a_table() -> None:
    source = (
        'Table: 表1　评分\n\n{widths="20% 10% 70%"}\n\n| a | b | c |\n|--|--|--|\n| 1 | 2 | 3 |\n'
    )
    (read,) = read_markdown(source)
    assert isinstance(read, n.Table)
    assert (read.caption, read.widths) == ("表1\u3000评分", (20.0, 10.0, 70.0))


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ('{widths="1 2"}', "表格有 3 列"),
        ('{widths="1 x 2"}', "应为正数"),
        ('{widths="1 2 3"}\n\n正文', "紧跟表格"),
    ],
)
def test_widths_that_do_not_fit_the_table_are_errors(attrs: str, message: str) -> None:
    source = f"{attrs}\n\n| a | b | c |\n|--|--|--|\n| 1 | 2 | 3 |\n"
    with pytest.raises(RenderError, match=message):
        read_markdown(source)


# --------------------------------------------------------------------------- signature note

BUNDLED = ROOT / "src" / "policygen" / "templates" / "zh"
NOTE = "（本页无正文，为《测试合同》之签署页）"


def signed(*before: n.Block) -> n.Document:
    parties = (n.SignatureParty("甲方", "甲公司", ("日期",)), n.SignatureParty("乙方", "乙公司"))
    block = n.SignatureBlock(parties, (n.Text(NOTE),))
    return small_doc(*before, block, kind="contract")


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    return [squeeze(page) for page in pdf_text(pdf, tmp_path).split("\f")]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_note_is_printed_only_where_the_block_starts_a_page(
    engine: str, tmp_path: Path
) -> None:
    """Typst prints the block's note where the block stands at the top of a page (after a
    page break here) and nowhere else; WeasyPrint, which keeps the block with the text before
    it, has no use for it."""
    options = WriterOptions(template_dirs=(BUNDLED,), pdf_engine=engine)
    write = WRITERS["pdf"]
    text = (n.Paragraph((n.Text("本合同自双方签字盖章之日起生效。"),)),)
    with_text = page_texts(write(signed(*text), options), tmp_path)
    assert not any(NOTE in page for page in with_text)
    alone = page_texts(write(signed(*text, n.PageBreak()), options), tmp_path)
    last = next(page for page in reversed(alone) if "甲方：甲公司" in page)
    if engine == "typst":
        assert last.index(NOTE) < last.index("甲方：甲公司")
    else:
        assert NOTE not in last


# --------------------------------------------------------------------------- captions


@pytest.mark.slow
def test_a_caption_stands_on_the_page_of_its_table(printed: Path, libreoffice: Path) -> None:
    """Every caption's page shows its table's first header cell below it, in both PDFs and
    the DOCX through LibreOffice."""
    for folder in (printed, libreoffice):
        for stem, _path, _number, doc in in_folder(folder):
            lines = pdf_lines(folder / f"{stem}.pdf")
            for each in tables(doc.blocks):
                if not each.caption or not each.header:
                    continue
                caption = squeeze(each.caption)
                head = squeeze(inline_text(each.header[0][0].inlines))[:4]
                # pdftotext may read 表2 and the title after its wide space as two lines
                at = [line for line in lines if line.text.endswith(caption[-5:])]
                assert at, f"{stem}: caption {caption} not found"
                below = [
                    (line, other)
                    for line in at
                    for other in lines
                    if other.page == line.page and other.top > line.top and head in other.text
                ]
                assert below, f"{folder.name} {stem}: {caption} ends page {at[0].page}"
