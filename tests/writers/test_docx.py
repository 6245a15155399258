"""Tests for the DOCX writer: same text as the text writer, house style, reproducible bytes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from lxml import etree

import policygen
from policygen.errors import RenderError
from policygen.tree import nodes as n
from policygen.writers.docx.writer import write_docx
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_docx
from policygen.writers.text import document_text
from sample_docs import HOSTILE, sample_contract, sample_regulation
from textutil import docx_lines

TEMPLATES = Path(policygen.__file__).parent / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(TEMPLATES,))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def _t(text: str) -> tuple[n.Inline, ...]:
    return (n.Text(text),)


def every_node_doc() -> n.Document:
    """Return a document using every node type and the writer's corner cases."""
    nested = n.BulletList(
        items=(
            n.ListItem(blocks=(n.Paragraph(_t("要点甲")),)),
            n.ListItem(blocks=(n.Paragraph(_t("要点乙")),), id="bullet-乙"),
        )
    )
    return n.Document(
        kind="sla",
        title=f"服务水平协议 {HOSTILE}",
        subtitle="附件一",
        meta=n.DocumentMeta(
            organisation=HOSTILE, version="V1.0", date=date(2025, 12, 31), keywords=("SLA",)
        ),
        blocks=(
            n.Heading(_t("总体要求"), level=1, id="h-1"),
            n.Heading(_t("细则"), level=3),
            n.Heading(_t("超深"), level=7),
            n.Chapter(
                title=_t("无编号章"),
                blocks=(
                    n.Article(
                        label="第一条",
                        id="a-1",
                        blocks=(
                            n.OrderedList(
                                items=(
                                    n.ListItem(
                                        blocks=(n.Paragraph(_t("带号段落"), label="1.1"),),
                                        label="（一）",
                                    ),
                                    n.ListItem(
                                        blocks=(n.Paragraph(_t("含要点：")), nested),
                                        label="（二）",
                                        id="a-1",
                                    ),
                                    n.ListItem(blocks=(), label="（三）"),
                                )
                            ),
                        ),
                    ),
                    n.Article(
                        label="第二条",
                        blocks=(n.Paragraph(_t("首段有号"), label="2.1"), n.Paragraph(_t("次段"))),
                    ),
                    n.Article(
                        label="第三条",
                        blocks=(
                            n.Paragraph(
                                (
                                    n.Emphasis((n.Text("着重"), n.Strong(_t("又加粗")))),
                                    n.LineBreak(),
                                    n.Text("换行后"),
                                    n.Ref(target="nowhere"),
                                    n.Text(""),
                                ),
                                id="p-3",
                            ),
                        ),
                    ),
                ),
            ),
            n.Paragraph(_t("居中"), align="center"),
            n.Paragraph(_t("居右"), align="right"),
            n.Paragraph(_t("未知对齐"), align="justify"),
            n.PageBreak(),
            n.Table(
                header=((n.Cell(_t("甲")), n.Cell(_t("乙")), n.Cell(_t("丙"))),),
                rows=((n.Cell(_t("1")), n.Cell(()), n.Cell(_t("3"), align="center")),),
                id="t-1",
            ),
            n.PageBreak(),
            n.SignatureBlock(
                parties=(
                    n.SignatureParty("甲方", "一公司", ("签字",)),
                    n.SignatureParty("乙方", HOSTILE, ("签字", "日期")),
                    n.SignatureParty("丙方", "三公司"),
                )
            ),
            n.PageBreak(),
        ),
    )


SAMPLES = {
    "regulation": sample_regulation,
    "contract": sample_contract,
    "every-node": every_node_doc,
}


@pytest.fixture(scope="module")
def written() -> dict[str, bytes]:
    """Return each sample written as DOCX once for the whole module."""
    return {name: write_docx(make(), OPTIONS) for name, make in SAMPLES.items()}


def open_docx(data: bytes) -> DocxDocument:
    """Return `data` re-opened by python-docx."""
    return docx.Document(BytesIO(data))


def text_lines(doc: n.Document) -> list[str]:
    """Return the non-empty lines the plain-text writer gives for `doc`."""
    return [line for line in document_text(doc).split("\n") if line]


def xml_of(data: bytes, part: str) -> etree._Element:
    """Return the parsed XML part `part` of the package `data`."""
    with ZipFile(BytesIO(data)) as package:
        return etree.fromstring(package.read(part))


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_text_matches_text_writer(name: str, written: dict[str, bytes]) -> None:
    assert docx_lines(written[name]) == text_lines(SAMPLES[name]())


def test_hostile_name_survives(written: dict[str, bytes]) -> None:
    for name in ("regulation", "contract", "every-node"):
        assert any(HOSTILE in line for line in docx_lines(written[name])), name
    document = open_docx(written["every-node"])
    assert document.core_properties.author == HOSTILE
    assert document.core_properties.title == f"服务水平协议 {HOSTILE}"
    app = xml_of(written["every-node"], "docProps/app.xml")
    company = app.find("{*}Company")
    assert company is not None
    assert company.text == HOSTILE


def body_paragraphs(data: bytes) -> list[Paragraph]:
    """Return the paragraphs of the body section (after the cover and contents pages)."""
    paragraphs = open_docx(data).paragraphs
    breaks = [i for i, p in enumerate(paragraphs) if p._p.xpath("w:pPr/w:sectPr")]
    return paragraphs[breaks[-1] + 1 :] if breaks else paragraphs


def num_pr(paragraph: Paragraph) -> tuple[int, int] | None:
    """Return the paragraph's own (numId, ilvl), None when it names no list itself."""
    ids = paragraph._p.xpath("w:pPr/w:numPr/w:numId/@w:val")
    levels = paragraph._p.xpath("w:pPr/w:numPr/w:ilvl/@w:val")
    return (int(ids[0]), int(levels[0]) if levels else 0) if ids else None


def test_layout_of_labels_and_styles(written: dict[str, bytes]) -> None:
    paragraphs = body_paragraphs(written["regulation"])
    by_text = {p.text: p for p in paragraphs}
    assert paragraphs[0].style.name == "Title"
    chapter = by_text["\u3000总则"]
    assert chapter.style.name == "Heading 1"
    assert num_pr(chapter) is None  # numbered by its style: 第%1章
    run_in = next(p for p in paragraphs if p.text.startswith("\u3000为规范"))
    assert run_in.style.name == "Article"
    assert num_pr(run_in) is None
    assert run_in.runs[0].text == "\u3000"
    assert any(r.style.name == "Strong" for r in run_in.runs)
    first_item = by_text["信息科技战略管理；"]
    assert first_item.style.name == "List Number"
    assert by_text["风险识别；"].style.name == "List Number 2"
    assert by_text["表1\u3000供应商评价标准"].style.name == "Caption"
    contract = body_paragraphs(written["contract"])
    assert [p.style.name for p in contract[:2]] == ["Title", "Subtitle"]
    heading = next(p for p in contract if p.text == "\u3000服务内容")
    assert heading.style.name == "Heading 2"
    assert num_pr(heading) == (2, 0)  # LibreOffice ignores a heading style's list
    clause = next(p for p in contract if p.text == "\u3000乙方向甲方提供下列服务：")
    assert clause.style.name == "Clause"
    unnumbered = next(p for p in contract if p.text == "鉴于")
    assert unnumbered.style.name == "Heading 2"
    assert num_pr(unnumbered) == (0, 0)


def test_inline_marks_alignment_and_breaks(written: dict[str, bytes]) -> None:
    body = xml_of(written["every-node"], "word/document.xml")
    emphasis = body.xpath("//w:r[w:rPr/w:rStyle/@w:val='Emphasis']", namespaces=NS)
    assert [r.xpath("string(w:t)", namespaces=NS) for r in emphasis] == ["着重", "又加粗"]
    assert emphasis[1].xpath("w:rPr/w:b", namespaces=NS)
    assert body.xpath("//w:r/w:br[not(@w:type)]", namespaces=NS)
    paragraphs = body_paragraphs(written["every-node"])
    alignment = {p.text: p.paragraph_format.alignment for p in paragraphs}
    assert str(alignment["居中"]).startswith("CENTER")
    assert str(alignment["居右"]).startswith("RIGHT")
    assert alignment["未知对齐"] is None
    assert [p.style.name for p in paragraphs if p.text in ("要点甲", "要点乙")] == [
        "List Bullet 2",
        "List Bullet 2",
    ]
    breaks = body.xpath("//w:pageBreakBefore | //w:br[@w:type='page']", namespaces=NS)
    assert len(breaks) == 2  # the trailing PageBreak has nothing to break before


def test_bookmarks_are_unique_and_well_formed(written: dict[str, bytes]) -> None:
    body = xml_of(written["every-node"], "word/document.xml")
    starts = body.xpath("//w:bookmarkStart", namespaces=NS)
    names = [s.get(f"{{{W}}}name") for s in starts]
    ids = [s.get(f"{{{W}}}id") for s in starts]
    assert len(set(names)) == len(names)
    assert len(set(ids)) == len(ids)
    assert "pg_h_1_" not in names and any(name.startswith("pg_h_1_") for name in names)
    assert all(len(name) <= 40 and name.isascii() for name in names)
    ends = body.xpath("//w:bookmarkEnd/@w:id", namespaces=NS)
    assert sorted(ends) == sorted(ids)


# --------------------------------------------------------------------------- house style


def east_asian_font(style: BaseStyle | None) -> str | None:
    """Return the East-Asian font `style` sets or inherits; None when no style in the chain does."""
    while style is not None:
        fonts = style.element.xpath("w:rPr/w:rFonts/@w:eastAsia")
        if fonts:
            return str(fonts[0])
        style = style.base_style
    return None


def test_every_style_sets_east_asian_font_and_chinese(written: dict[str, bytes]) -> None:
    styles = xml_of(written["regulation"], "word/styles.xml")
    defaults = styles.xpath("w:docDefaults/w:rPrDefault/w:rPr", namespaces=NS)[0]
    assert defaults.xpath("w:rFonts/@w:eastAsia", namespaces=NS) == ["宋体"]
    assert defaults.xpath("w:rFonts/@w:ascii", namespaces=NS) == ["Times New Roman"]
    assert defaults.xpath("w:lang/@w:eastAsia", namespaces=NS) == ["zh-CN"]
    checked = 0
    for style in styles.xpath("w:style", namespaces=NS):
        kind = style.get(f"{{{W}}}type")
        style_id = style.get(f"{{{W}}}styleId")
        if kind == "numbering" or style_id == "DefaultParagraphFont":
            continue
        checked += 1
        assert style.xpath("w:rPr/w:lang/@w:eastAsia", namespaces=NS) == ["zh-CN"], style_id
        fonts = style.xpath("w:rPr/w:rFonts", namespaces=NS)
        if kind in ("paragraph", "table"):
            assert fonts, style_id
        for font in fonts:  # character styles may inherit; if they set fonts, East-Asian too
            assert font.get(f"{{{W}}}eastAsia"), style_id
            assert font.get(f"{{{W}}}asciiTheme") is None, style_id
    assert checked >= 20


def test_every_run_resolves_an_east_asian_font(written: dict[str, bytes]) -> None:
    for name in SAMPLES:
        document = open_docx(written[name])
        paragraphs = list(document.paragraphs)
        for table in document.tables:
            paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
        paragraphs += document.sections[-1].footer.paragraphs
        paragraphs += document.sections[-1].header.paragraphs
        for paragraph in paragraphs:
            for run in paragraph.runs:
                direct = run.element.xpath("w:rPr/w:rFonts")
                assert all(font.get(f"{{{W}}}eastAsia") for font in direct)
                font = east_asian_font(run.style) or east_asian_font(paragraph.style)
                assert font in ("宋体", "黑体", "楷体"), (name, paragraph.text)
    body = body_paragraphs(written["regulation"])
    assert east_asian_font(body[0].style) == "黑体"
    assert (
        east_asian_font(next(p for p in body if p.text.startswith("\u3000为规范")).style) == "宋体"
    )


def test_body_style_indents_two_characters(written: dict[str, bytes]) -> None:
    styles = xml_of(written["regulation"], "word/styles.xml")
    normal = styles.xpath("w:style[@w:styleId='Normal']/w:pPr/w:ind", namespaces=NS)[0]
    assert normal.get(f"{{{W}}}firstLineChars") == "200"


def test_page_setup_is_a4_with_gbt9704_margins(written: dict[str, bytes]) -> None:
    section = open_docx(written["regulation"]).sections[0]
    measured = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(length.mm, 1) for length in measured if length is not None] == [
        210,
        297,
        37,
        35,
        28,
        26,
    ]


def test_table_rows_repeat_headers_and_never_split(written: dict[str, bytes]) -> None:
    document = open_docx(written["regulation"])
    (table,) = document.tables
    assert table.style is not None and table.style.name == "Table Grid"
    rows = table._tbl.xpath("w:tr")
    header_flags = [bool(row.xpath("w:trPr/w:tblHeader")) for row in rows]
    assert header_flags == [True] + [False] * (len(rows) - 1)
    assert all(row.xpath("w:trPr/w:cantSplit") for row in rows)
    assert table._tbl.xpath("w:tblPr/w:tblW/@w:type") == ["pct"]
    assert table._tbl.xpath("w:tblPr/w:tblW/@w:w") == ["5000"]
    weights = [row.cells[1].paragraphs[0].paragraph_format.alignment for row in table.rows]
    assert all(str(alignment).startswith("RIGHT") for alignment in weights)


def test_signature_block_is_a_borderless_table_of_one_column_a_party(
    written: dict[str, bytes],
) -> None:
    document = open_docx(written["contract"])
    signature = document.tables[-1]
    assert signature.style is None or signature.style.name == "Normal Table"
    assert len(signature.columns) == 2
    (row,) = signature.rows
    first = row.cells[1].paragraphs[0]
    assert first.text == f"乙方：{HOSTILE}"
    assert first.style.name == "Signature Party"
    three = open_docx(written["every-node"]).tables[-1]
    assert (len(three.rows), len(three.columns)) == (1, 3)  # as both PDFs set three parties


def test_footer_counts_pages(written: dict[str, bytes]) -> None:
    """The house style numbers every page from the cover (footer.numbering: all), a contract's
    as a regulation's: the count is the document's."""
    for name, count in (("contract", "NUMPAGES"), ("regulation", "NUMPAGES")):
        footer = open_docx(written[name]).sections[-1].footer
        instructions = footer._element.xpath(".//w:instrText/text()")
        assert [text.strip() for text in instructions] == ["PAGE", count], name
        assert footer.paragraphs[0].text.startswith("第 "), name


def test_core_properties_come_from_meta(written: dict[str, bytes]) -> None:
    properties = open_docx(written["regulation"]).core_properties
    doc = sample_regulation()
    midnight = datetime(2026, 1, 1, tzinfo=UTC)
    assert properties.title == doc.title
    assert properties.subject == doc.meta.subject
    assert (
        properties.keywords == "外包; 制度; 华银发〔2026〕1号"
    )  # the PDFs' keywords: the number last
    assert properties.author == properties.last_modified_by == doc.meta.organisation
    assert properties.version == "V2.0"
    assert properties.identifier == "华银发〔2026〕1号"
    assert properties.revision == 1
    assert properties.created == properties.modified == midnight


def test_missing_reference_docx_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"reference\.docx"):
        write_docx(sample_contract(), WriterOptions(template_dirs=(tmp_path,)))


# --------------------------------------------------------------------------- reproducibility


def test_output_is_deterministic(written: dict[str, bytes]) -> None:
    for name, make in SAMPLES.items():
        assert write_docx(make(), OPTIONS) == written[name], name
    with ZipFile(BytesIO(written["contract"])) as package:
        infos = package.infolist()
    names = [info.filename for info in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(info.create_system, info.external_attr >> 16) for info in infos} == {(3, 0o100644)}


def test_normalise_is_idempotent(written: dict[str, bytes]) -> None:
    data = written["regulation"]
    assert normalise_docx(data, date(2026, 1, 1)) == data


_SUBPROCESS = """
import hashlib, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import test_docx
from sample_docs import sample_regulation
from policygen.writers.docx.writer import write_docx
for make in (sample_regulation, test_docx.every_node_doc):
    print(hashlib.sha256(write_docx(make(), test_docx.OPTIONS)).hexdigest())
"""


def test_output_ignores_time_zone_and_hash_seed(written: dict[str, bytes]) -> None:
    here = Path(__file__).resolve().parent
    source = Path(policygen.__file__).resolve().parents[1]  # the policygen under test
    path = os.pathsep.join([str(here), str(here.parent), str(source)])
    expected = [
        hashlib.sha256(written[name]).hexdigest() + "\n" for name in ("regulation", "every-node")
    ]
    for zone, seed in (("Asia/Shanghai", "1"), ("America/Los_Angeles", "2"), ("UTC", "3")):
        env = {**os.environ, "TZ": zone, "PYTHONHASHSEED": seed, "PYTHONPATH": path}
        result = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, str(here)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.splitlines(keepends=True) == expected, zone


def test_without_python_docx_private_writer_steps_the_bytes_are_the_same(
    written: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """oxml.package_parts calls private steps of python-docx's PackageWriter; should a
    later python-docx drop them, the plain save gives the same DOCX."""
    from policygen.writers.docx.oxml import compat

    monkeypatch.setattr(compat, "_WRITER_STEPS", ("_a_step_python_docx_dropped",))
    for name, make in SAMPLES.items():
        assert write_docx(make(), OPTIONS) == written[name], name
