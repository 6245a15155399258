"""The Typst PDF engine (``pdf_engine="typst"``): the same text as the WeasyPrint PDF, page
numbers the DOCX contents page can use, hostile text printed as typed, reproducible bytes, and
the option plumbed through the API, the command line and the environment."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from ruamel.yaml import YAML

import policygen
from policygen.cli import main
from policygen.errors import RenderError, UsageError
from policygen.layout.engine import Engines, PdfEngine
from policygen.layout.typst_engine import FONT_ROLE_FALLBACKS, TypstEngine
from policygen.pipeline import Job, build_document, jobs, render_job, writer_options
from policygen.profile.model import Profile
from policygen.tree import nodes as n
from policygen.writers import WRITERS, front
from policygen.writers.options import PDF_ENGINE_VARIABLE, WriterOptions
from policygen.writers.pdf_typst import typst_source, typst_string
from policygen.writers.text import document_text
from sample_docs import HOSTILE, inline, sample_contract, sample_regulation, small_doc
from textutil import embedded_fonts, in_order, squeeze, without_running_header

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
BUNDLED = ROOT / "src" / "policygen" / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(BUNDLED,), pdf_engine="typst")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --------------------------------------------------------------------------- helpers


def pages_text(pdf: bytes, tmp: Path, *, raw: bool = True) -> list[str]:
    """Return the text of each page as pdftotext reads it."""
    path = tmp / f"{hashlib.sha256(pdf).hexdigest()[:12]}.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-raw"] if raw else []), "-enc", "UTF-8", str(path), "-"]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "Error" not in result.stderr, result.stderr
    return result.stdout.split("\f")[:-1]


@pytest.fixture(scope="module")
def bank() -> Profile:
    return policygen.load_profile(BANK)


@pytest.fixture(scope="module")
def rendered(bank: Profile, engines: Engines) -> dict[str, bytes]:
    """Every document of the bank's set as DOCX and PDF, printed by Typst."""
    out: dict[str, bytes] = {}
    for job in jobs(bank):
        out.update(
            render_job(bank, job, ["docx", "pdf", "txt"], engines=engines, pdf_engine="typst")
        )
    return out


def _stems(files: dict[str, bytes]) -> list[str]:
    return sorted({name.rsplit(".", 1)[0] for name in files})


def _doc(*blocks: n.Block, title: str = "测试文件", kind: str = "contract") -> n.Document:
    return small_doc(*blocks, title=title, kind=kind)


_t = inline


# --------------------------------------------------------------------------- every document


def test_every_kind_of_the_bank_set_renders(rendered: dict[str, bytes], tmp_path: Path) -> None:
    stems = _stems(rendered)
    kinds = {stem.split("-", 1)[0] for stem in stems}
    assert kinds == {
        "regulation",
        "contract",
        "sla",
        "nda",
        "dpa",
        "safety",
        "scorecard",
        "risk_register",
    }
    for stem in stems:
        pdf = rendered[f"{stem}.pdf"]
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.metadata["/Creator"].startswith("Typst"), stem
        for page in reader.pages:
            box = page.mediabox
            assert abs(float(box.width) - 595.3) <= 1 and abs(float(box.height) - 841.9) <= 1
        lines = [line for line in rendered[f"{stem}.txt"].decode().splitlines() if line]
        text = squeeze(without_running_header("".join(pages_text(pdf, tmp_path)), lines[0]))
        missing = in_order(lines, text)
        assert not missing, f"{stem}: not in the PDF in order: {missing[:5]}"


def test_fonts_are_the_role_fonts_embedded_and_subset(rendered: dict[str, bytes]) -> None:
    reader = PdfReader(io.BytesIO(rendered["regulation.pdf"]))
    embedded = embedded_fonts(reader.pages)
    assert embedded and all(embedded.values()), embedded
    assert all(re.match(r"/[A-Z]{6}\+", name) for name in embedded), "fonts are subset"
    assert any("SerifCJK" in name for name in embedded), embedded  # 宋体-like body
    assert any("SansCJK" in name for name in embedded), embedded  # 黑体-like headings


def test_numbering_is_printed_as_the_tree_carries_it(
    rendered: dict[str, bytes], tmp_path: Path
) -> None:
    regulation = squeeze("".join(pages_text(rendered["regulation.pdf"], tmp_path)))
    for label in ("第一章总则", "第一条", "第二章", "（一）", "第七十条"):
        assert label in regulation, label
    contract = squeeze("".join(pages_text(rendered["contract-MY-ITO-2026-001.pdf"], tmp_path)))
    for label in ("第一条定义", "1.1“本合同”", "2.1.1", "第十七条"):
        assert label in contract, label


def test_footers_count_the_pages(rendered: dict[str, bytes], tmp_path: Path) -> None:
    """Every page is numbered and counted from the cover (footer.numbering: all); the cover
    and the contents page print no footer."""
    for name, front_pages in (("contract-MY-ITO-2026-001.pdf", 1), ("regulation.pdf", 2)):
        pages = pages_text(rendered[name], tmp_path)
        total = len(pages)
        for page in pages[:front_pages]:
            assert "页 共" not in page
        for number, page in enumerate(pages, start=1):
            if number > front_pages:
                assert page.strip().splitlines()[-1] == f"第 {number} 页 共 {total} 页"


def test_tables_repeat_their_header_and_never_split_a_row(tmp_path: Path, typst: PdfEngine) -> None:
    rows = tuple(
        (
            n.Cell(_t(f"{i}")),
            n.Cell((n.Text(f"甲{i}起"), n.LineBreak(), n.Text(f"甲{i}止"))),
            n.Cell(_t("说明" * 30)),
        )
        for i in range(1, 81)
    )
    header = ((n.Cell(_t("序号")), n.Cell(_t("事项名称")), n.Cell(_t("说明文字"))),)
    table = n.Table(header=header, rows=rows, caption="表1 长表", id="long")
    printed = pages_text(typst.print(_doc(table), OPTIONS), tmp_path)
    pages = [squeeze(page) for page in printed[1:]]  # after the cover
    assert len(pages) >= 3
    for page in pages:
        assert "序号事项名称说明文字" in page  # the header row opens every page
    for i in range(1, 81):
        (page,) = [p for p in pages if f"甲{i}起" in p]
        assert f"甲{i}止" in page, i  # a row is never split across pages


def test_threads_share_the_compiler_safely(typst: PdfEngine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    makers = [sample_contract, sample_regulation] * 4
    expected = {maker: typst.print(maker(), OPTIONS) for maker in set(makers)}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda maker: typst.print(maker(), OPTIONS), makers))
    assert results == [expected[maker] for maker in makers]


def test_signature_page_is_its_own_page(rendered: dict[str, bytes], tmp_path: Path) -> None:
    title = rendered["contract-MY-ITO-2026-001.txt"].decode().splitlines()[0]
    last = without_running_header(
        pages_text(rendered["contract-MY-ITO-2026-001.pdf"], tmp_path)[-1], title
    )
    assert "甲方：明远商业银行股份有限公司" in last and "乙方：" in last and "日期：" in last
    assert last.startswith("（本页无正文")  # the page break put nothing of the body here


# --------------------------------------------------------------------------- page numbers


def _toc_entries(data: bytes) -> list[tuple[str, int]]:
    """Return the (heading, page) of each entry of a DOCX's table of contents."""
    body = docx.Document(io.BytesIO(data)).element.body
    out = []
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is None or not re.fullmatch(r"TOC\d", style.get(f"{W}val", "")):
            continue
        texts = [t.text or "" for t in paragraph.iter(f"{W}t")]
        out.append(("".join(texts[:-1]), int(texts[-1])))
    return out


def test_the_layout_finds_each_heading_on_its_page(
    bank: Profile, tmp_path: Path, typst: PdfEngine
) -> None:
    doc = build_document(bank, Job(policygen.pipeline.kind_named("regulation"), None))
    layout = typst.lay_out(doc, OPTIONS)
    pages = layout.anchors
    printed = pages_text(typst.print(doc, OPTIONS), tmp_path)
    assert layout.pages == len(printed)
    chapters = [block for block in doc.blocks if isinstance(block, n.Chapter)]
    assert len(chapters) >= 5
    body = pages[front.BODY_ANCHOR] - 1  # after the cover and the contents page
    assert body == 2
    for chapter in chapters:
        assert chapter.id is not None
        heading = squeeze(chapter.label + "\u3000" + "".join(t.text for t in chapter.title))  # type: ignore[union-attr]
        page = pages[chapter.id]
        assert heading in squeeze(printed[page - 1]), (chapter.label, page)
        assert all(heading not in squeeze(p) for p in printed[body : page - 1]), chapter.label
        for article in chapter.blocks:
            if isinstance(article, n.Article) and article.id:
                assert article.label in printed[pages[article.id] - 1], article.label


def test_docx_contents_shows_the_typst_pdfs_page_numbers(
    rendered: dict[str, bytes], tmp_path: Path
) -> None:
    # Every entry, an unnumbered heading without an id (修订记录) too, is found by the anchor
    # of its contents entry (writers.front.contents_anchor); pages count from the cover.
    entries = _toc_entries(rendered["regulation.docx"])
    printed = [squeeze(page) for page in pages_text(rendered["regulation.pdf"], tmp_path)]
    assert len(entries) >= 5 and entries[-1][0] == "修订记录"
    for text, page in entries:
        heading = squeeze(text)
        assert heading in printed[page - 1], (text, page)
        assert all(heading not in p for p in printed[2 : page - 1]), (text, page)


def test_weasyprint_and_typst_docx_differ_only_in_page_numbers(
    bank: Profile, rendered: dict[str, bytes]
) -> None:
    job = Job(policygen.pipeline.kind_named("regulation"), None)
    weasy = render_job(bank, job, ["docx"], pdf_engine="weasyprint")["regulation.docx"]
    strip = re.compile(r"\d+")
    assert [strip.sub("", t) for t, _ in _toc_entries(weasy)] == [
        strip.sub("", t) for t, _ in _toc_entries(rendered["regulation.docx"])
    ]


# --------------------------------------------------------------------------- the 公文 style


def test_gongwen_sets_22_lines_of_at_most_28_characters(tmp_path: Path) -> None:
    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["meta"]["style"] = "gongwen"
    pdf = policygen.render(data, "regulation", "pdf", pdf_engine="typst")
    counts = []
    for page in pages_text(pdf, tmp_path, raw=True)[2:-1]:  # after the cover and contents
        if re.search(r"^表\d", page, re.MULTILINE):
            continue  # table rows are set in 12pt, off the grid
        lines = [line for line in page.splitlines() if line.strip() and "—" not in line]
        assert max(len(CJK.findall(line)) for line in lines) <= 28, page
        counts.append(len(lines))
    # A full page holds 22 lines; one ending before a heading kept with what follows, or a
    # paragraph kept whole, fewer (as in test_gongwen for WeasyPrint).
    assert Counter(counts).most_common(1)[0][0] in (21, 22), counts
    assert counts.count(22) >= len(counts) // 5, counts
    reader = PdfReader(io.BytesIO(pdf))
    assert pages_text(pdf, tmp_path)[2].strip().splitlines()[-1] == "— 3 —"
    assert len(reader.pages) > 20


# --------------------------------------------------------------------------- safety

HOSTILE_TEXTS = (
    '#read("/etc/passwd")',
    '#import "@preview/cetz:0.3.0": *',
    "]#panic()[",
    '"\\',
    "$x^2$",
    "<lbl>",
    "@ref",
    "*bold* _em_ `raw`",
    "= 标题 =",
    "\\u{41} // 注释 /* 块 */",
    "𠮷野家",
    HOSTILE,
)
"""Text that would be markup, code, math, labels or references if it reached Typst raw."""


def _hostile_document() -> n.Document:
    hostile = tuple(n.Text(text + "。") for text in HOSTILE_TEXTS)
    table = n.Table(
        header=((n.Cell(_t('#read("/etc/hosts")')), n.Cell(_t("$y$"))),),
        rows=((n.Cell(_t("]")), n.Cell(_t('"'))),),
        caption='表1 #include "x.typ"',
        id='tbl"]<x>',
    )
    return n.Document(
        kind="contract",
        title='合同 #read("/etc/passwd")',
        subtitle="合同编号：$1$-<a>",
        meta=n.DocumentMeta(
            organisation='机构"#panic()',
            version="V1",
            date=date(2026, 1, 1),
            subject="]\\",
            keywords=('"', "#x"),
            doc_no="#1",
        ),
        blocks=(
            n.Paragraph(hostile, id="p-1"),
            n.Heading(_t("#set text(red)"), level=2, id="h)1"),
            n.Article(
                label="第一条",
                title=(n.Strong(_t("*星号*")), n.Emphasis(_t("_下划线_"))),
                id="a<1>",
                blocks=(
                    n.Paragraph((n.Text("见"), n.Ref("h)1", "#ref(<x>)"), n.Text("。"))),
                    table,
                ),
            ),
            n.SignatureBlock(
                (
                    n.SignatureParty("甲方", '#read("/etc/shadow")', ("盖章",)),
                    n.SignatureParty("乙方", ']#eval("1")[', ("日期",)),
                )
            ),
        ),
    )


def test_hostile_text_prints_as_typed(tmp_path: Path, typst: PdfEngine) -> None:
    doc = _hostile_document()
    pdf = typst.print(doc, OPTIONS)
    text = squeeze("".join(pages_text(pdf, tmp_path)))
    lines = [line for line in document_text(doc).splitlines() if line]
    assert not in_order(lines, text)
    for hostile in HOSTILE_TEXTS:
        assert squeeze(hostile) in text, hostile
    assert "root:" not in text and "localhost" not in text  # no file was read
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata["/Title"] == '合同 #read("/etc/passwd")'
    assert reader.metadata["/Author"] == '机构"#panic()'
    pages = typst.lay_out(doc, OPTIONS).anchors
    assert {"p-1", "h)1", "a<1>", 'tbl"]<x>'} <= set(pages)


def test_hostile_text_never_reaches_the_source_as_markup() -> None:
    source = typst_source(_hostile_document(), OPTIONS, {"body": ("B",), "heading": ("H",),
                                                        "fangsong": ("B",), "kaiti": ("H",)})  # fmt: skip
    body = source.split("\n")
    # Every hostile string is inside a string literal: removing the literals removes them.
    literals = re.compile(r'"(?:[^"\\]|\\.)*"')
    code = "\n".join(literals.sub('""', line) for line in body)
    for word in ("/etc/passwd", "panic", "@preview", "$y$", "<lbl>", "eval", "#include"):
        assert word not in code, word


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a\nb\tc\r", '"a\\nb\\tc\\r"'),
        ("\x00\x1f\x7f", '"\\u{0}\\u{1f}\\u{7f}"'),
        ("\u202e\u200f\u2028", '"\\u{202e}\\u{200f}\\u{2028}"'),
        ("𠮷#$<>@*_`=[]{}", '"𠮷#$<>@*_`=[]{}"'),
    ],
)
def test_typst_string_escapes(text: str, literal: str) -> None:
    assert typst_string(text) == literal


def test_control_and_bidi_characters_do_not_break_the_document(
    tmp_path: Path, typst: PdfEngine
) -> None:
    doc = _doc(n.Paragraph(_t("前\x00中\x07后\u202e反向\u200f标记\u2028行\ufeff尾")))
    text = squeeze("".join(pages_text(typst.print(doc, OPTIONS), tmp_path)))
    # U+202E reverses what follows on the page, as the Unicode bidi algorithm says it should.
    assert set("前中后反向标记行尾") <= set(text)


def test_a_lone_surrogate_is_a_render_error(typst: PdfEngine) -> None:
    with pytest.raises(RenderError, match="U\\+D800"):
        typst.print(_doc(n.Paragraph(_t("坏\ud800字"))), OPTIONS)


def test_no_package_is_fetched_and_each_root_holds_only_the_source(typst: PdfEngine) -> None:
    typst.print(_hostile_document(), OPTIONS)
    assert isinstance(typst, TypstEngine)
    folders = [lane.folder for lane in typst.lanes() if lane.folder is not None]
    assert folders  # one per layout process that has printed
    for folder in folders:
        assert not any((folder / "package-cache").iterdir())
        assert not any((folder / "packages").iterdir())
        assert [p.name for p in (folder / "root").iterdir()] == ["main.typ"]
        assert all(p.is_symlink() for p in (folder / "fonts").iterdir())


# --------------------------------------------------------------------------- reproducible


def test_identical_input_gives_identical_bytes(typst: PdfEngine) -> None:
    first = typst.print(sample_contract(), OPTIONS)
    typst.print(sample_regulation(), OPTIONS)  # another document in between
    assert typst.print(sample_contract(), OPTIONS) == first
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata["/CreationDate"].startswith("D:20260318")  # signed, not effective
    assert reader.metadata["/ModDate"].startswith("D:20260318")
    assert len(reader.trailer["/ID"]) == 2


def test_metadata_carries_each_documents_identity(typst: PdfEngine) -> None:
    contract = PdfReader(io.BytesIO(typst.print(sample_contract(), OPTIONS))).metadata
    assert contract["/Keywords"] == "HX-ITO-2026-001"  # no identifier field: a keyword
    regulation = PdfReader(io.BytesIO(typst.print(sample_regulation(), OPTIONS))).metadata
    assert regulation["/CreationDate"].startswith("D:20260101")
    assert regulation["/Keywords"] == "外包, 制度, 华银发〔2026〕1号"


_RENDER_SCRIPT = """
import pathlib, sys
sys.path.insert(0, sys.argv[1])
from sample_docs import sample_contract
from policygen.writers.options import WriterOptions
from policygen.writers.pdf import write_pdf
options = WriterOptions(template_dirs=(pathlib.Path(sys.argv[2]),), pdf_engine="typst")
sys.stdout.buffer.write(write_pdf(sample_contract(), options))
"""


def test_identical_bytes_across_processes_and_time_zones(typst: PdfEngine) -> None:
    here = typst.print(sample_contract(), OPTIONS)
    for tz in ("Asia/Shanghai", "America/Los_Angeles"):
        env = {**os.environ, "TZ": tz}
        result = subprocess.run(
            [sys.executable, "-c", _RENDER_SCRIPT, str(ROOT / "tests"), str(BUNDLED)],
            capture_output=True,
            env=env,
            check=True,
            timeout=120,
        )
        assert result.stdout == here


def test_a_changed_document_gives_a_changed_pdf(tmp_path: Path, typst: PdfEngine) -> None:
    first = typst.print(sample_contract(), OPTIONS)
    doc = sample_contract()
    changed = n.Document(**{**{f: getattr(doc, f) for f in doc.__dataclass_fields__},
                            "title": "另一份合同"})  # fmt: skip
    second = typst.print(changed, OPTIONS)
    assert first != second
    assert "另一份合同" in pages_text(second, tmp_path)[0]


# --------------------------------------------------------------------------- selection


def test_writer_options_validate_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="bogus"):
        WriterOptions(pdf_engine="bogus")
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "weasyprint")
    assert writer_options().pdf_engine == "weasyprint"
    assert writer_options(pdf_engine="typst").pdf_engine == "typst"
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "latex")
    with pytest.raises(UsageError, match=PDF_ENGINE_VARIABLE):
        writer_options()
    monkeypatch.delenv(PDF_ENGINE_VARIABLE)
    assert writer_options().pdf_engine == "typst"  # the default
    assert WriterOptions().pdf_engine == "typst"


def test_writers_dispatch_on_the_engine() -> None:
    pdf = WRITERS["pdf"](sample_contract(), OPTIONS)
    assert PdfReader(io.BytesIO(pdf)).metadata["/Creator"].startswith("Typst")


def test_api_takes_the_engine(bank: Profile) -> None:
    pdf = policygen.render(bank, "sla", "pdf", contract_no="MY-ITO-2026-001", pdf_engine="typst")
    assert PdfReader(io.BytesIO(pdf)).metadata["/Creator"].startswith("Typst")
    with pytest.raises(UsageError):
        policygen.render(bank, "regulation", "pdf", pdf_engine="Typst")


def test_typst_engine_imports_no_weasyprint() -> None:
    script = (
        "import sys, policygen\n"
        f"policygen.render({str(BANK)!r}, 'regulation', 'docx', pdf_engine='typst')\n"
        f"policygen.render({str(BANK)!r}, 'regulation', 'pdf', pdf_engine='typst')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pydyf')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_cli_render_with_typst(tmp_path: Path) -> None:
    code = main(
        ["render", str(BANK), "-d", "regulation,contract", "-f", "docx,pdf", "-o", str(tmp_path),
         "--pdf-engine", "typst", "-j", "1"]
    )  # fmt: skip
    assert code == 0
    pdf = (tmp_path / "regulation.pdf").read_bytes()
    assert PdfReader(io.BytesIO(pdf)).metadata["/Creator"].startswith("Typst")
    assert (tmp_path / "contract-MY-ITO-2026-002.pdf").is_file()


def test_cli_render_in_workers_with_typst(tmp_path: Path) -> None:
    code = main(
        ["render", str(BANK), "-d", "sla", "-f", "pdf", "-o", str(tmp_path),
         "--pdf-engine", "typst", "-j", "2"]
    )  # fmt: skip
    assert code == 0
    for name in ("sla-MY-ITO-2026-001.pdf", "sla-MY-ITO-2026-002.pdf"):
        reader = PdfReader(tmp_path / name)
        assert reader.metadata["/Creator"].startswith("Typst")


def test_cli_unknown_engine_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = main(["render", str(BANK), "-o", str(tmp_path), "--pdf-engine", "tpyst"])
    assert code == 2
    err = capsys.readouterr().err
    assert "tpyst" in err and "--pdf-engine" in err and "weasyprint, typst" in err
    assert not any(tmp_path.iterdir())
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "nope")
    assert main(["render", str(BANK), "-o", str(tmp_path), "-f", "pdf"]) == 2
    assert PDF_ENGINE_VARIABLE in capsys.readouterr().err


def test_cli_batch_with_typst(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    lines = (ROOT / "examples" / "engagements.csv").read_text(encoding="utf-8").splitlines()
    rows.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "pdf", "-d", "contract",
            "-j", "1"]  # fmt: skip
    assert main([*args, "--pdf-engine", "typst"]) == 0
    (pdf,) = out.rglob("*.pdf")
    assert PdfReader(pdf).metadata["/Creator"].startswith("Typst")
    assert main([*args, "--pdf-engine", "bogus"]) == 2


def test_doctor_reports_the_typst_engine() -> None:
    from policygen.doctor import Status, typst_engine

    finding = typst_engine()
    assert finding.status is Status.OK
    assert re.search(r"Typst \d+\.\d+", finding.detail)


# --------------------------------------------------------------------------- page setup


def test_page_setup_comes_from_the_style_file_not_the_stylesheets(tmp_path: Path) -> None:
    families = {role: ("x",) for role in FONT_ROLE_FALLBACKS}
    contract = typst_source(sample_contract(), OPTIONS, families)
    assert "margin: (top: 25.000mm, right: 25.000mm, bottom: 25.000mm, left: 25.000mm)" in contract
    assert '#"第 "#counter(page).display()#" 页 共 "' in contract
    regulation = typst_source(sample_regulation(), OPTIONS, families)
    assert (
        "margin: (top: 37.000mm, right: 26.000mm, bottom: 35.000mm, left: 28.000mm)" in regulation
    )
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "contract.css").write_text("@page { margin: 20mm 15mm }", encoding="utf-8")
    mine = WriterOptions(template_dirs=(tmp_path, BUNDLED), pdf_engine="typst")
    assert typst_source(sample_contract(), mine, families) == contract  # Typst reads no CSS


@pytest.fixture(autouse=True)
def _no_engine_variable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(PDF_ENGINE_VARIABLE, raising=False)
    yield


# --------------------------------------------------------------------------- one compiler, many sources


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("文件：保密协议", "文件：处理协议"),  # 密 E5 AF 86, 理 E7 90 86: the same last byte
        ("协议甲乙", "协讯甲乙"),  # 议 E8 AE AE, 讯 E8 AE AF: the same first bytes
    ],
)
def test_a_source_sharing_bytes_with_the_last_one_prints_its_own_text(
    before: str, after: str, typst: PdfEngine
) -> None:
    """Typst 0.15 keeps the bytes an old and a new source share at both ends and cut a
    character in two at the end (处密协议 for 处理协议); typst_compiler keeps that from happening."""
    options = writer_options(pdf_engine="typst")
    for text in (before, after, before):
        doc = small_doc(n.Paragraph(inline(text)), title=text, kind="contract")
        pdf = PdfReader(io.BytesIO(typst.print(doc, options)))
        assert text in squeeze(pdf.pages[0].extract_text())
        assert pdf.metadata is not None and pdf.metadata["/Title"] == text


def test_a_stop_signal_waits_while_the_main_thread_holds_it(tmp_path: Path) -> None:
    """output.write_all blocks SIGTERM in its thread while it renames files into place. The
    Typst thread, and the threads Typst starts, block it too, so a process-directed SIGTERM
    waits for the main thread instead of stopping the process in the middle."""
    script = tmp_path / "hold.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from sample_docs import inline, small_doc\n"
        "from policygen.pipeline import writer_options\n"
        "from policygen.tree import nodes as n\n"
        "from policygen.layout.typst_engine import TypstEngine\n"
        "doc = small_doc(n.Paragraph(inline('正文')), kind='contract')\n"
        "engine = TypstEngine()\n"
        "engine.print(doc, writer_options(pdf_engine='typst'))\n"
        "held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "time.sleep(0.5)\n"
        "print('held', flush=True)\n"
        "signal.pthread_sigmask(signal.SIG_SETMASK, held)\n"
        "time.sleep(2)\n"
        "print('not stopped', flush=True)\n",
        encoding="utf-8",
    )
    tests = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(script), str(tests)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["held"], done.stderr[-2000:]
    assert done.returncode == -15


def test_a_layout_asked_with_the_pdf_is_the_layout_asked_alone(
    bank: Profile, typst: PdfEngine
) -> None:
    """A document with a contents page is laid out once for its Layout and its PDF (the
    layout first, the PDF from Typst's memory right after, in the same lane); the Layout is
    the one laying it out alone gives, and counts the PDF's pages."""
    options = writer_options(pdf_engine="typst")
    (job,) = jobs(bank, ["regulation"])
    doc = build_document(bank, job)
    printing = typst.start(doc, options, pdf=True, layout=True)
    assert printing.layout is not None and printing.pdf is not None
    early = printing.layout.result()
    pdf = printing.pdf.result()
    assert pdf[:5] == b"%PDF-"
    assert early == typst.lay_out(build_document(bank, job), options)
    assert early.pages == len(PdfReader(io.BytesIO(pdf)).pages)


def test_documents_spread_over_the_lanes_print_as_each_alone(
    bank: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two lanes a long document no longer holds up the next ones: the work goes to the
    lane with the least waiting, both lanes print, and every PDF is the one a lone lane gives."""
    options = writer_options(pdf_engine="typst")
    docs = [build_document(bank, job) for job in jobs(bank, ["regulation", "contract", "sla"])]
    with TypstEngine(processes=1) as one:
        alone = [one.print(doc, options) for doc in docs]
        assert len(one.lanes()) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    with TypstEngine(processes=2) as two:
        futures = [two.start(doc, options).pdf for doc in docs]
        assert [future.result() for future in futures if future is not None] == alone
        lanes = two.lanes()
        assert len(lanes) == 2
        assert all(lane.compilations > 0 for lane in lanes)
        assert all(lane.queued == 0 for lane in lanes)


def test_one_cpu_gets_one_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    with TypstEngine() as engine:
        assert engine.print(sample_contract(), OPTIONS)[:5] == b"%PDF-"
        assert len(engine.lanes()) == 1


def test_an_engine_closed_leaves_no_process_and_no_scratch_folder() -> None:
    """An engine owns its processes and its scratch folder: closing it stops the one and
    removes the other, and a document started after starts them again."""
    engine = TypstEngine(processes=1)
    assert engine.print(sample_contract(), OPTIONS)[:5] == b"%PDF-"
    (lane,) = engine.lanes()
    pid, scratch = lane.process.pid, engine.scratch()
    assert pid is not None and scratch.is_dir()
    engine.close()
    assert lane.process.pid is None and not scratch.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert engine.print(sample_contract(), OPTIONS)[:5] == b"%PDF-"
    engine.close()
