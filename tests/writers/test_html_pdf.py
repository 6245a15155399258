"""Tests for the HTML, PDF and Markdown writers and the local-only URL fetcher."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import lxml.html
import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))
from loopback import counting_server
from policygen.errors import RenderError
from policygen.layout.engine import PdfEngine
from policygen.layout.weasyprint_layout import subsetting_path
from policygen.tree import nodes as n
from policygen.writers import front
from policygen.writers.fetcher import LocalResources, url_fetcher
from policygen.writers.html import render_html, write_html
from policygen.writers.markdown import write_markdown
from policygen.writers.options import WriterOptions
from policygen.writers.text import document_text
from sample_docs import HOSTILE, inline, sample_contract, sample_regulation, small_doc
from textutil import embedded_fonts, without_running_header

BUNDLED = pathlib.Path(__file__).parents[2] / "src" / "policygen" / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(BUNDLED,), pdf_engine="weasyprint")
SAMPLES = {"regulation": sample_regulation, "contract": sample_contract}

# --------------------------------------------------------------------------- helpers


class _ListHandler(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.WARNING)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def weasyprint_log() -> Iterator[list[logging.LogRecord]]:
    """Fail the test on any WARNING or worse from WeasyPrint that the test did not clear."""
    records: list[logging.LogRecord] = []
    handler = _ListHandler(records)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
    assert not records, [record.getMessage() for record in records]


@pytest.fixture(scope="module")
def pdfs(weasyprint: PdfEngine) -> dict[str, bytes]:
    """Render each sample document to PDF once for the module."""
    return {name: weasyprint.print(make(), OPTIONS) for name, make in SAMPLES.items()}


@pytest.fixture
def http_hits() -> Iterator[tuple[int, list[str]]]:
    """Serve HTTP on a loopback port and record every request: SSRF tests expect none."""
    with counting_server() as served:
        yield served


def _element_text(element: lxml.html.HtmlElement) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_element_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


_LINE_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "caption", "tr"}


def html_lines(html: bytes | str) -> list[str]:
    """Return the text lines of an HTML page, block by block; table rows joined by " | "."""
    root = lxml.html.document_fromstring(html)
    lines: list[str] = []
    for element in root.body.iter():
        if element.tag not in _LINE_TAGS or element.xpath(
            "ancestor::div[@class='running-header'] | ancestor::section[@class='cover'] "
            "| ancestor::nav[@class='contents']"
        ):
            continue
        if element.tag == "tr":
            if "signature" in (element.getparent().getparent().get("class") or ""):
                continue
            text = " | ".join(_element_text(cell) for cell in element if cell.tag in ("td", "th"))
        else:
            text = _element_text(element)
        lines += text.split("\n")
    return [line for line in lines if line]


def text_lines(doc: n.Document) -> list[str]:
    """Return the non-blank lines of the plain-text writer's output for `doc`."""
    return [line for line in document_text(doc).split("\n") if line]


_FOOTER = re.compile(r"^(第 \d+ 页 共 \d+ 页|—\s*\d+\s*—)$")


def pdf_text(pdf: bytes, title: str | None = None, skip: int = 0) -> str:
    """Return the PDF's text without page-number lines, ASCII whitespace and table rules, and
    without the running header of a document titled `title` (None: the header stays), from
    its page `skip` + 1 (after the cover and contents page)."""
    reader = PdfReader(io.BytesIO(pdf))
    lines = []
    for page in reader.pages[skip:]:
        text = page.extract_text()
        if title is not None:
            text = without_running_header(text, title)
        lines += [line for line in text.split("\n") if not _FOOTER.match(line)]
    return _squeeze("".join(lines))


def _squeeze(text: str) -> str:
    return re.sub(r"[ \t\n]", "", text.replace(" | ", ""))


def _doc(*blocks: n.Block, title: str = "测试文件", kind: str = "regulation") -> n.Document:
    return small_doc(*blocks, title=title, kind=kind)


_t = inline


# --------------------------------------------------------------------------- (1) same text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_html_carries_the_text_writers_lines(name: str) -> None:
    doc = SAMPLES[name]()
    assert html_lines(write_html(doc, OPTIONS)) == text_lines(doc)


def test_html_structure_and_metadata() -> None:
    html = write_html(sample_regulation(), OPTIONS)
    root = lxml.html.document_fromstring(html)
    assert html.startswith(b'<!DOCTYPE html>\n<html lang="zh-CN">')
    assert root.findtext(".//title") == "外包服务管理办法"
    metas = {meta.get("name"): meta.get("content") for meta in root.iter("meta")}
    assert metas["dcterms.created"] == metas["dcterms.modified"] == "2026-01-01"
    assert metas["author"] == "华夏示范商业银行股份有限公司"
    assert metas["keywords"] == "外包, 制度"
    assert root.find(".//h1").get("class") == "title"
    chapter = root.find(".//section[@id]")
    assert chapter.get("class") == "chapter bookmark-1" and chapter.get("id") == "ch-general"
    assert _element_text(chapter.find("h2")) == "第一章\u3000总则"
    run_in = root.get_element_by_id("purpose").find("p")
    assert run_in.find("span").get("class") == "label"
    assert _element_text(run_in).startswith("第一条\u3000为规范")
    assert root.find(".//table/thead/tr/th") is not None
    assert root.find(".//table/caption").text == "表1\u3000供应商评价标准"
    assert root.find(".//a[@class='ref']").get("href") == "#banned"
    assert root.find(".//ol[@class='items depth-1']/li/p/span").text == "（一）"


def _metas(html: bytes) -> dict[str, str]:
    root = lxml.html.document_fromstring(html)
    return {meta.get("name"): meta.get("content") for meta in root.iter("meta") if meta.get("name")}


def test_html_metadata_carries_each_documents_identity() -> None:
    regulation = _metas(write_html(sample_regulation(), OPTIONS))
    assert regulation["dcterms.identifier"] == "华银发〔2026〕1号"
    assert regulation["dcterms.hasVersion"] == "V2.0"
    contract = _metas(write_html(sample_contract(), OPTIONS))
    assert contract["dcterms.identifier"] == "HX-ITO-2026-001"
    assert "dcterms.hasVersion" not in contract
    assert contract["dcterms.created"] == contract["dcterms.modified"] == "2026-03-18"  # signed


def test_pdf_metadata_carries_each_documents_identity(pdfs: dict[str, bytes]) -> None:
    contract = PdfReader(io.BytesIO(pdfs["contract"])).metadata
    assert contract["/CreationDate"] == contract["/ModDate"] == "D:20260318"
    assert contract["/Keywords"] == "HX-ITO-2026-001"  # no identifier field: a keyword
    regulation = PdfReader(io.BytesIO(pdfs["regulation"])).metadata
    assert regulation["/CreationDate"] == "D:20260101"
    assert regulation["/Keywords"] == "外包, 制度, 华银发〔2026〕1号"


def test_contract_html_has_signature_table_and_page_break() -> None:
    root = lxml.html.document_fromstring(write_html(sample_contract(), OPTIONS))
    assert root.find(".//div[@class='page-break']") is not None
    cells = root.findall(".//table[@class='signature']/tbody/tr/td")
    assert len(cells) == 2
    assert _element_text(cells[1].find("p")) == f"乙方：{HOSTILE}"


def test_standalone_html_loads_nothing_but_inlines_the_house_style() -> None:
    html = write_html(sample_regulation(), OPTIONS).decode()
    root = lxml.html.document_fromstring(html)
    assert not root.findall(".//link") and not root.findall(".//script")
    styles = [style.text for style in root.iter("style")]
    assert len(styles) == 2  # base.css, the house style made from default.style.yaml
    assert "break-inside" in styles[0] and "margin: 37mm 26mm 35mm 28mm" in styles[1]
    assert "@page" not in styles[0]  # the page is the style file's


# --------------------------------------------------------------------------- (2) escaping


def test_hostile_name_is_escaped_in_html() -> None:
    html = write_html(sample_contract(), OPTIONS)
    assert "A&amp;B &lt;公司&gt; &#34;引号&#34; &#39;单引&#39; 𠮷野家".encode() in html
    assert "<公司>".encode() not in html
    assert any(HOSTILE in line for line in html_lines(html))


INERT = (
    "<script>alert(1)</script>",
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "background: url(file:///etc/passwd)",
    "@import url(http://127.0.0.1:{port}/import.css);",
    '<img src="http://127.0.0.1:{port}/x.png">',
    "../../../etc/hostname",
    # 902 characters: a longer run with no line-break opportunity is refused before layout
    # (layout.budget.MAX_UNBROKEN_RUN, tests/security/test_request_cost.py).
    "data:image/png;base64," + "iVBORw0KGgo" * 80,
    "# 不是标题",
    "- 不是列表",
    "1. 不是列表",
    "**不是粗体** _不是斜体_",
    "[不是链接](http://127.0.0.1:{port}/link)",
    "`不是代码` ~~不是删除~~",
    "a | b | c",
    "    不是代码块",
    "===",
    "&amp; &#60; \\* {#id} :::",
)


def _inert_doc(port: int) -> n.Document:
    texts = [text.replace("{port}", str(port)) for text in INERT]
    paragraphs = tuple(n.Paragraph(_t(text)) for text in texts)
    return _doc(
        n.Chapter(
            title=_t(texts[0]),
            label="第一章",
            blocks=(
                n.Article(label="第一条", blocks=paragraphs),
                n.Article(label="第二条", title=_t(texts[1]), blocks=(n.Paragraph(_t("正文")),)),
                n.Table(
                    caption=texts[2],
                    header=((n.Cell(_t(texts[14])), n.Cell(_t(texts[4]))),),
                    rows=((n.Cell(_t(texts[11])), n.Cell(_t(texts[5]))),),
                ),
                n.SignatureBlock(parties=(n.SignatureParty(texts[0], texts[3], (texts[6],)),)),
            ),
        ),
        title=texts[0],
    )


def test_markup_in_text_stays_text_in_html(http_hits: tuple[int, list[str]]) -> None:
    port, _ = http_hits
    doc = _inert_doc(port)
    html = write_html(doc, OPTIONS)
    root = lxml.html.document_fromstring(html)
    assert not root.findall(".//script") and not root.findall(".//img")
    assert len(root.findall(".//link")) == 0
    assert root.findtext(".//title") == INERT[0]
    assert html_lines(html) == text_lines(doc)


def test_markup_in_text_fetches_nothing_in_pdf(
    http_hits: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch, weasyprint: PdfEngine
) -> None:
    port, hits = http_hits
    doc = _inert_doc(port)
    requested: list[str] = []
    original = LocalResources.fetch

    def spy(self: LocalResources, url: str) -> object:
        requested.append(url)
        return original(self, url)

    monkeypatch.setattr(LocalResources, "fetch", spy)
    pdf = weasyprint.print(doc, OPTIONS)
    assert hits == []
    assert [url.rsplit("/", 2)[-2:] for url in requested] == [["styles", "base.css"]]
    reader = PdfReader(io.BytesIO(pdf))
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert reader.metadata.title == INERT[0]
    text = pdf_text(pdf)
    for line in text_lines(doc):
        assert _squeeze(line) in text


def test_hostile_name_survives_in_pdf(pdfs: dict[str, bytes]) -> None:
    for pdf in pdfs.values():
        assert _squeeze(HOSTILE) in pdf_text(pdf)
    reader = PdfReader(io.BytesIO(pdfs["contract"]))
    assert HOSTILE in reader.pages[0].extract_text()


# --------------------------------------------------------------------------- (3) PDF pages and fonts


def test_harfbuzz_subsetting_is_used() -> None:
    assert subsetting_path() == "harfbuzz"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_pdf_is_a4_with_embedded_cjk_fonts(pdfs: dict[str, bytes], name: str) -> None:
    reader = PdfReader(io.BytesIO(pdfs[name]))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595) <= 1 and abs(float(box.height) - 842) <= 1
    embedded = embedded_fonts(reader.pages)
    assert embedded and all(embedded.values()), embedded
    assert any("CJK" in name for name in embedded), embedded
    assert all(re.match(r"/[A-Z]{6}\+", name) for name in embedded), "fonts are subset"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_pdf_contains_every_character(pdfs: dict[str, bytes], name: str) -> None:
    doc = SAMPLES[name]()
    text = pdf_text(pdfs[name], doc.title, skip=1 + front.has_contents(doc))
    assert _squeeze(document_text(doc)) == text
    assert "\U00020bb7" in text
    assert "\ufffd" not in text


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig tools not installed")
def test_body_fonts_cover_cjk_extension_b() -> None:
    families = subprocess.run(
        ["fc-list", ":charset=20bb7", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Serif CJK SC" in families and "Noto Sans CJK SC" in families


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_reports_every_font_embedded(
    pdfs: dict[str, bytes], tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "regulation.pdf"
    path.write_bytes(pdfs["regulation"])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


# --------------------------------------------------------------------------- (4) determinism


def test_pdf_is_byte_identical_in_one_process(
    pdfs: dict[str, bytes], weasyprint: PdfEngine
) -> None:
    again = weasyprint.print(sample_regulation(), OPTIONS)
    assert again == pdfs["regulation"]
    reader = PdfReader(io.BytesIO(again))
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20260101"
    assert (
        reader.trailer["/ID"][0]
        == hashlib.sha256(write_html(sample_regulation(), OPTIONS)).hexdigest()[:32]
    )


_RENDER_SCRIPT = """
import pathlib, sys
sys.path.insert(0, sys.argv[1])
from sample_docs import sample_contract
from policygen.writers.options import WriterOptions
from policygen.writers.pdf import write_pdf
options = WriterOptions(template_dirs=(pathlib.Path(sys.argv[2]),), pdf_engine="weasyprint")
sys.stdout.buffer.write(write_pdf(sample_contract(), options))
"""


@pytest.mark.slow
def test_pdf_is_byte_identical_across_processes_and_time_zones(pdfs: dict[str, bytes]) -> None:
    outputs = []
    for tz, seed in (("UTC", "1"), ("Asia/Shanghai", "2"), ("America/Los_Angeles", "3")):
        env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": seed}
        env.pop("SOURCE_DATE_EPOCH", None)
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _RENDER_SCRIPT,
                str(pathlib.Path(__file__).parents[1]),
                str(BUNDLED),
            ],
            capture_output=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.append(result.stdout)
    assert outputs[0].startswith(b"%PDF-")
    assert outputs[0] == outputs[1] == outputs[2] == pdfs["contract"]


def test_changing_the_input_changes_the_pdf(pdfs: dict[str, bytes], weasyprint: PdfEngine) -> None:
    doc = dataclasses.replace(sample_contract(), title="信息系统运维服务外包合同（修订）")
    other = PdfReader(io.BytesIO(weasyprint.print(doc, OPTIONS)))
    assert other.trailer["/ID"] != PdfReader(io.BytesIO(pdfs["contract"])).trailer["/ID"]


# --------------------------------------------------------------------------- (5) the fetcher


@pytest.fixture
def template_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    """Return a template folder with one stylesheet and symlinks that lead out of it."""
    styles = tmp_path / "templates" / "styles"
    styles.mkdir(parents=True)
    (styles / "ok.css").write_text("p { color: black }", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("SECRET-MARKER", encoding="utf-8")
    (styles / "link-out.css").symlink_to(tmp_path / "secret.txt")
    (styles / "zero.css").symlink_to("/dev/zero")
    return tmp_path / "templates"


def _refused(template_dir: pathlib.Path, port: int) -> list[str]:
    base = template_dir.as_uri() + "/styles/"
    return [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/etc/passwd",
        f"http://127.0.0.1:{port}/x.png",
        f"https://127.0.0.1:{port}/x.png",
        f"ftp://127.0.0.1:{port}/x.png",
        "../../../etc/hostname",
        urllib.request.urljoin(base, "../../../etc/hostname"),
        urllib.request.urljoin(base, "../../secret.txt"),
        base + "link-out.css",
        base + "zero.css",
        base + "missing.css",
        base + "%2e%2e/%2e%2e/secret.txt",
        base + "ok.css%00.png",
        "data:text/plain;base64," + "QUFB" * 20_000,
        "javascript:alert(1)",
    ]


def test_fetcher_serves_template_files_and_small_data_urls(template_dir: pathlib.Path) -> None:
    resources = LocalResources([template_dir])
    css = resources.fetch((template_dir / "styles" / "ok.css").as_uri())
    assert css.data == b"p { color: black }" and css.content_type == "text/css"
    data = resources.fetch("data:text/css;charset=utf-8;base64,cCB7fQ==")
    assert data.data == b"p {}" and data.content_type == "text/css" and data.charset == "utf-8"
    assert resources.fetch("data:,a%20b").data == b"a b"
    assert resources.refused == []


def test_fetcher_refuses_everything_else(
    template_dir: pathlib.Path, http_hits: tuple[int, list[str]]
) -> None:
    port, hits = http_hits
    resources = LocalResources([template_dir])
    fetcher = url_fetcher(resources)
    for url in _refused(template_dir, port):
        with pytest.raises(RenderError) as direct:
            resources.fetch(url)
        assert url[:60] in str(direct.value)
        with pytest.raises(RenderError):
            fetcher.fetch(url)
        with pytest.raises(RenderError):
            fetcher.open(url)
    assert hits == []
    assert len(resources.refused) == 2 * len(_refused(template_dir, port))


def test_weasyprint_fetcher_follows_no_redirects_and_stops_rendering(
    template_dir: pathlib.Path,
) -> None:
    from weasyprint.urls import FatalURLFetchingError, fetch

    fetcher = url_fetcher(LocalResources([template_dir]))
    assert not any(isinstance(h, urllib.request.HTTPRedirectHandler) for h in fetcher.handlers)
    with pytest.raises(FatalURLFetchingError) as error, fetch(fetcher, "file:///etc/passwd"):
        pass
    assert isinstance(error.value.__cause__, RenderError)


def _options_with_css(tmp_path: pathlib.Path, css: str) -> WriterOptions:
    styles = tmp_path / "user" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "base.css").write_text(css, encoding="utf-8")
    return WriterOptions(template_dirs=(tmp_path / "user", BUNDLED), pdf_engine="weasyprint")


@pytest.mark.parametrize(
    ("css", "blocked"),
    [
        ("@import url(file:///etc/passwd);", "file:///etc/passwd"),
        ("@import url(http://127.0.0.1:{port}/a.css);", "http://127.0.0.1:{port}/a.css"),
        ("body {{ background: url(http://127.0.0.1:{port}/x.png) }}", "http://127.0.0.1:{port}"),
        ("body {{ background: url(../../../../../../etc/hostname) }}", "file:///etc/hostname"),
        ("p::before {{ content: url(file:///etc/passwd) }}", "file:///etc/passwd"),
        ("body {{ background: url(data:image/png;base64,{huge}) }}", "data:image/png"),
        (
            "body {{ background: url('data:image/svg+xml,"
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            ' width="10" height="10"><image xlink:href="file:///etc/passwd"'
            ' width="10" height="10"/></svg>\') }}',
            "file:///etc/passwd",
        ),
    ],
    ids=[
        "import-file",
        "import-http",
        "background-http",
        "relative-escape",
        "content-file",
        "huge-data",
        "svg-image",
    ],
)
def test_write_pdf_refuses_resources_outside_the_templates(
    tmp_path: pathlib.Path,
    http_hits: tuple[int, list[str]],
    weasyprint_log: list[logging.LogRecord],
    css: str,
    blocked: str,
    weasyprint: PdfEngine,
) -> None:
    port, hits = http_hits
    options = _options_with_css(tmp_path, css.format(port=port, huge="QUFB" * 20_000))
    with pytest.raises(RenderError) as error:
        weasyprint.print(_doc(n.Paragraph(_t("正文"))), options)
    assert blocked.format(port=port) in str(error.value)
    assert hits == []
    # WeasyPrint logs what it swallowed while drawing SVG; the writer raised anyway.
    weasyprint_log.clear()


def test_write_pdf_reads_a_user_stylesheet_before_the_bundled_one(
    tmp_path: pathlib.Path, weasyprint: PdfEngine
) -> None:
    options = _options_with_css(tmp_path, "p { color: #333 }")
    # A user's sheet for the kind follows the house style's, and wins over it (WeasyPrint only).
    (tmp_path / "user" / "styles" / "regulation.css").write_text(
        "@page { size: A5 }", encoding="utf-8"
    )
    html = render_html(
        _doc(n.Paragraph(_t("正文"))), options, LocalResources(options.template_dirs)
    )
    assert b"p { color: #333 }" in html
    reader = PdfReader(io.BytesIO(weasyprint.print(_doc(n.Paragraph(_t("正文"))), options)))
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 420 and round(float(box.height)) == 595


def test_missing_base_stylesheet_is_a_render_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(RenderError, match=r"styles/base\.css"):
        write_html(_doc(n.Paragraph(_t("正文"))), WriterOptions(template_dirs=(tmp_path,)))


def test_unsafe_kind_cannot_pick_a_stylesheet_path() -> None:
    with pytest.raises(RenderError):
        write_html(_doc(n.Paragraph(_t("正文")), kind="../../etc"), OPTIONS)


# --------------------------------------------------------------------------- (6) Markdown

_MARKDOWN = MarkdownIt("commonmark").enable("table")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_markdown_reads_back_as_the_same_text(name: str) -> None:
    doc = SAMPLES[name]()
    markdown = write_markdown(doc, OPTIONS).decode("utf-8")
    assert html_lines(_MARKDOWN.render(markdown)) == text_lines(doc)


def test_markdown_shows_labels_and_tables() -> None:
    markdown = write_markdown(sample_regulation(), OPTIONS).decode("utf-8")
    assert "## 第一章\u3000总则\n" in markdown
    assert "\n**第一条**\u3000为规范本行" in markdown
    assert "\n（一）信息科技战略管理；\n" in markdown
    assert "| 评价维度 | 权重（%） |\n| --- | ---: |\n" in markdown
    assert "A\\&B \\<公司\\>" in markdown


def test_markup_in_text_stays_text_in_markdown() -> None:
    doc = _inert_doc(9)
    html = _MARKDOWN.render(write_markdown(doc, OPTIONS).decode("utf-8"))
    root = lxml.html.document_fromstring(html)
    assert [element.tag for element in root.body.iter("h1", "h2", "h3")] == ["h1", "h2", "h3"]
    for tag in ("script", "img", "link", "code", "pre", "ul", "ol", "em", "a", "hr"):
        assert not root.findall(f".//{tag}"), tag
    assert html_lines(html) == text_lines(doc)


def test_markdown_pipes_in_table_cells_are_escaped() -> None:
    table = n.Table(
        header=((n.Cell(_t("a|b")), n.Cell(_t("c"))),), rows=((n.Cell(_t("|")), n.Cell(_t(""))),)
    )
    doc = _doc(table)
    markdown = write_markdown(doc, OPTIONS).decode("utf-8")
    assert "| a\\|b | c |" in markdown
    assert html_lines(_MARKDOWN.render(markdown)) == text_lines(doc)


def test_duplicate_ids_are_emitted_once(
    weasyprint_log: list[logging.LogRecord], weasyprint: PdfEngine
) -> None:
    doc = sample_regulation()
    doc = dataclasses.replace(doc, blocks=doc.blocks * 2)
    root = lxml.html.document_fromstring(write_html(doc, OPTIONS))
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert [i for i in ids if not i.startswith("_")] == ["ch-general", "purpose", "banned", "ban-1"]
    weasyprint.print(doc, OPTIONS)  # WeasyPrint would warn "Anchor defined twice"
    assert weasyprint_log == []
