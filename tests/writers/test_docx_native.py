"""Tests for the Word-native parts of the DOCX: list numbering, REF fields, the table of contents,
cover, sections, header and footer, Chinese line breaking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph
from lxml import etree

import policygen
from policygen.layout.engine import Engines, Layout, PdfEngine
from policygen.tree import nodes as n
from policygen.writers import page_values
from policygen.writers.docx import fields, oxml
from policygen.writers.docx.fields import Anchor, Target
from policygen.writers.docx.numbering import (
    ListNumbering,
    Numbered,
    format_number,
    level_text,
    reference_text,
)
from policygen.writers.docx.oxml import NumberingLevel, bookmark_name
from policygen.writers.docx.writer import write_docx
from policygen.writers.front import PAGE_COUNT_KEY, contents_anchor, shown_pages
from policygen.writers.options import WriterOptions
from policygen.writers.text import document_text
from sample_docs import HOSTILE, sample_contract, sample_regulation
from textutil import docx_lines, visible

TEMPLATES = Path(policygen.__file__).parent / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(TEMPLATES,))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def _t(text: str) -> tuple[n.Inline, ...]:
    return (n.Text(text),)


def referring_doc() -> n.Document:
    """A regulation whose references point at an article, an item, a 目, a 款, a heading, a
    caption and a paragraph, with two item lists in one article and a label no list shows."""
    items = n.OrderedList(
        items=(
            n.ListItem(blocks=(n.Paragraph(_t("甲项；")),), label="（一）", id="item-1"),
            n.ListItem(
                blocks=(
                    n.Paragraph(_t("乙项：")),
                    n.OrderedList(
                        items=(
                            n.ListItem(blocks=(n.Paragraph(_t("子目一；")),), label="1."),
                            n.ListItem(
                                blocks=(n.Paragraph(_t("子目二。")),), label="2.", id="mu-2"
                            ),
                        ),
                        depth=2,
                    ),
                ),
                label="（二）",
            ),
        )
    )
    again = n.OrderedList(
        items=(
            n.ListItem(blocks=(n.Paragraph(_t("再列一；")),), label="（一）"),
            n.ListItem(blocks=(n.Paragraph(_t("再列二。")),), label="（二）"),
        )
    )
    odd = n.OrderedList(items=(n.ListItem(blocks=(n.Paragraph(_t("怪号。")),), label="(21)"),))
    refs = n.Paragraph(
        (
            n.Text("见"),
            n.Ref(target="art-2", text="第二条"),
            n.Text("、"),
            n.Ref(target="item-1", text="第二条第（一）项"),
            n.Text("、"),
            n.Ref(target="mu-2", text="第二条第（二）项第2目"),
            n.Text("、"),
            n.Ref(target="kuan-2", text="第二条第二款"),
            n.Text("、"),
            n.Ref(target="heading", text="附表"),
            n.Text("、"),
            n.Ref(target="table", text="表1　评分"),
            n.Text("和"),
            n.Ref(target="plain", text="本段落用于说明引用"),
            n.Text("。"),
        )
    )
    chapter = n.Chapter(
        title=_t("总则"),
        label="第一章",
        id="ch-1",
        blocks=(
            n.Article(label="第一条", id="art-1", blocks=(refs,)),
            n.Article(
                label="第二条",
                id="art-2",
                blocks=(
                    n.Paragraph(_t("下列事项：")),
                    items,
                    n.Paragraph(_t("另列：")),
                    again,
                    n.Paragraph(_t("其他事项。"), id="kuan-2"),
                    odd,
                ),
            ),
        ),
    )
    second = n.Chapter(
        title=_t("附则"),
        label="第二章",
        blocks=(
            n.Article(label="第三条", blocks=(n.Paragraph(_t("本办法自发布之日起施行。")),)),
            n.Heading(_t("附表"), level=1, id="heading"),
            n.Table(
                header=((n.Cell(_t("项目")),),), rows=((n.Cell(_t("分值")),),), caption="表1　评分",
                id="table",
            ),
            n.Paragraph(_t("本段落用于说明引用的写法，较长。"), id="plain"),
        ),
    )  # fmt: skip
    return n.Document(
        kind="regulation",
        title="引用示例办法",
        blocks=(chapter, second),
        meta=n.DocumentMeta(organisation="示例银行", version="V1.0", date=date(2026, 1, 1)),
    )


@pytest.fixture(scope="module")
def layout(typst: PdfEngine) -> Layout:
    """The sample regulation laid out by Typst (the default engine)."""
    return typst.lay_out(sample_regulation(), OPTIONS)


@pytest.fixture(scope="module")
def written(layout: Layout) -> dict[str, bytes]:
    return {
        "regulation": write_docx(sample_regulation(), OPTIONS, layout),
        "contract": write_docx(sample_contract(), OPTIONS),
        "refs": write_docx(referring_doc(), OPTIONS),
    }


def part(data: bytes, name: str) -> etree._Element:
    with ZipFile(BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


def body_paragraphs(data: bytes) -> list[Paragraph]:
    paragraphs = docx.Document(BytesIO(data)).paragraphs
    breaks = [i for i, p in enumerate(paragraphs) if p._p.xpath("w:pPr/w:sectPr")]
    return paragraphs[breaks[-1] + 1 :]


def w(name: str) -> str:
    return f"{{{W}}}{name}"


# --------------------------------------------------------------------------- numbering


def test_lists_are_word_multilevel_lists_linked_to_styles(written: dict[str, bytes]) -> None:
    numbering = part(written["regulation"], "word/numbering.xml")
    levels = {
        (lvl.xpath("string(w:pStyle/@w:val)", namespaces=NS) or None): (
            lvl.xpath("string(w:numFmt/@w:val)", namespaces=NS),
            lvl.xpath("string(w:lvlText/@w:val)", namespaces=NS),
            bool(lvl.xpath("w:isLgl", namespaces=NS)),
        )
        for lvl in numbering.xpath("w:abstractNum/w:lvl", namespaces=NS)
    }
    assert levels["Heading1"] == ("chineseCounting", "第%1章", False)
    assert levels["Article"] == ("decimal", "第%1条", False)
    assert levels["Clause"] == ("decimal", "%1.%2", True)
    assert levels["Subclause"] == ("decimal", "%1.%2.%3", True)
    assert levels["ListNumber"] == ("chineseCounting", "（%1）", False)
    assert levels["ListNumber2"] == ("decimal", "%2.", False)
    assert levels["ListNumber3"] == ("decimal", "（%3）", False)
    # Chapters and articles are separate lists: an article never restarts at a chapter.
    chapter_list = numbering.xpath("w:abstractNum[w:lvl/w:pStyle/@w:val='Heading1']", namespaces=NS)
    assert len(chapter_list) == 1 and len(chapter_list[0].xpath("w:lvl", namespaces=NS)) == 1
    styles = part(written["regulation"], "word/styles.xml")
    for style_id in ("Heading1", "Article", "Clause", "ListNumber", "ListNumber2"):
        assert styles.xpath(
            f"w:style[@w:styleId='{style_id}']/w:pPr/w:numPr/w:numId", namespaces=NS
        )


def style_num(styles: etree._Element, style_id: str) -> str:
    return styles.xpath(
        f"string(w:style[@w:styleId='{style_id}']/w:pPr/w:numPr/w:numId/@w:val)", namespaces=NS
    )


def test_articles_and_clauses_are_two_instances_of_one_list(written: dict[str, bytes]) -> None:
    """Articles count in Chinese through a level override of their own instance; clauses are
    numbered through a plain instance of the same list, whose level 1 counts in Arabic digits,
    so 1.1 reads right without w:isLgl (LibreOffice 7 ignores it) and both count together."""
    numbering = part(written["contract"], "word/numbering.xml")
    styles = part(written["contract"], "word/styles.xml")
    article, clause = style_num(styles, "Article"), style_num(styles, "Clause")
    assert article != clause and style_num(styles, "Subclause") == clause
    assert style_num(styles, "Heading2") == article

    def num(num_id: str) -> etree._Element:
        return numbering.xpath(f"w:num[@w:numId='{num_id}']", namespaces=NS)[0]

    abstract = num(article).xpath("string(w:abstractNumId/@w:val)", namespaces=NS)
    assert num(clause).xpath("string(w:abstractNumId/@w:val)", namespaces=NS) == abstract
    assert not num(clause).xpath("w:lvlOverride", namespaces=NS)
    (override,) = num(article).xpath("w:lvlOverride", namespaces=NS)
    assert override.get(w("ilvl")) == "0" and not override.xpath("w:startOverride", namespaces=NS)
    shown = override.xpath("w:lvl", namespaces=NS)[0]
    assert shown.xpath("string(w:numFmt/@w:val)", namespaces=NS) == "chineseCounting"
    assert shown.xpath("string(w:lvlText/@w:val)", namespaces=NS) == "第%1条"
    assert shown.xpath("string(w:pStyle/@w:val)", namespaces=NS) == "Article"
    lines = docx_lines(written["contract"])
    assert any(line.startswith("第一条") for line in lines)
    assert any(line.startswith("1.1\u3000") for line in lines)


def test_numbers_come_from_lists_not_text(written: dict[str, bytes]) -> None:
    for name, make in (("regulation", sample_regulation), ("contract", sample_contract)):
        texts = [visible(p.text) for p in body_paragraphs(written[name])]
        assert not any(text.startswith(("第一条", "第二条", "（一）", "1.1")) for text in texts)
        expected = [line for line in document_text(make()).split("\n") if line]
        assert docx_lines(written[name]) == expected, name


def test_a_second_list_in_an_article_restarts(written: dict[str, bytes]) -> None:
    numbering = part(written["refs"], "word/numbering.xml")
    restarted = numbering.xpath("w:num[w:lvlOverride/w:startOverride/@w:val='1']", namespaces=NS)
    assert restarted
    lines = docx_lines(written["refs"])
    assert lines.count("（一）甲项；") == 1 and "（一）再列一；" in lines
    assert "1.子目一；" in lines and "2.子目二。" in lines


def test_a_label_no_list_shows_is_typed(written: dict[str, bytes]) -> None:
    typed = next(p for p in body_paragraphs(written["refs"]) if p.text.startswith("(21)"))
    assert typed.text == "(21)\u3000怪号。"
    assert "(21)\u3000怪号。" in docx_lines(written["refs"])


def test_separator_is_text_and_labels_are_heiti(written: dict[str, bytes]) -> None:
    run_in = next(p for p in body_paragraphs(written["regulation"]) if p.style.name == "Article")
    assert run_in.runs[0].text == "\u3000"
    numbering = part(written["regulation"], "word/numbering.xml")
    article = numbering.xpath("w:abstractNum/w:lvl[w:pStyle/@w:val='Article']", namespaces=NS)[0]
    assert article.xpath("string(w:rPr/w:rFonts/@w:eastAsia)", namespaces=NS) == "黑体"
    assert article.xpath("string(w:suff/@w:val)", namespaces=NS) == "nothing"


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (21, "chineseCounting", "二十一"),
        (7, "decimal", "7"),
        (3, "decimalEnclosedCircle", "③"),
        (21, "decimalEnclosedCircle", None),
        (0, "decimal", None),
        (1, "upperRoman", None),
    ],
)
def test_format_number(value: int, fmt: str, expected: str | None) -> None:
    assert format_number(value, fmt) == expected


def test_level_text_shows_parents_in_arabic_when_legal() -> None:
    levels = (
        NumberingLevel("chineseCounting", "第%1条"),
        NumberingLevel("decimal", "%1.%2", legal=True),
        NumberingLevel("decimal", "%1.%2"),
    )
    assert level_text(levels, 0, [12]) == "第十二条"
    assert level_text(levels, 1, [12, 3]) == "12.3"
    assert level_text(levels, 2, [12, 3, 1]) == "十二.3"
    assert level_text(levels, 1, [None, 3]) is None
    # LibreOffice 7 ignores w:isLgl: the article's counter keeps its own format.
    assert level_text(levels, 1, [12, 3], legal=False) == "十二.3"
    assert reference_text("1.") == "1" and reference_text("（一）") == "（一）"


def reference_document() -> DocxDocument:
    return docx.Document(str(TEMPLATES / "styles" / "reference.docx"))


def test_clauses_count_with_the_articles_in_every_reader() -> None:
    numbering = ListNumbering(reference_document())
    styles = numbering.document.styles
    article, clause, sub = styles["Article"], styles["Clause"], styles["Sub-clause"]
    assert numbering.number(article, "第一条") == Numbered(2, 0, True)
    assert numbering.number(clause, "1.1") == Numbered(5, 1, True)
    assert numbering.number(sub, "1.1.1") == Numbered(5, 2, True)
    assert numbering.number(clause, "1.2") == Numbered(5, 1, True)
    assert numbering.number(article, "第二条") == Numbered(2, 0, True)
    assert numbering.number(clause, "2.1") == Numbered(5, 1, True)
    assert numbering.number(clause, "3.1") is None  # no reader shows it: typed as text


def test_a_level_only_word_shows_right_is_not_used() -> None:
    """Clauses numbered through the articles' own instance read 1.1 in Word (w:isLgl) but 一.1
    in LibreOffice 7: the writer must type such a label rather than use the list."""
    document = reference_document()
    oxml.set_numbering(document.styles["Clause"], 2, 1)
    numbering = ListNumbering(document)
    assert numbering.number(document.styles["Article"], "第一条") is not None
    assert numbering.number(document.styles["Clause"], "1.1") is None


def test_a_restarted_list_keeps_its_level_overrides() -> None:
    document = reference_document()
    fresh = oxml.add_num(document, 2, {0: 1}, like=2)
    definitions = oxml.read_numbering(document)
    assert definitions.nums[fresh] == (2, {0: 1})
    assert definitions.levels(fresh) == definitions.levels(2)
    assert definitions.levels(fresh)[0].fmt == "chineseCounting"
    assert definitions.levels(5)[0].fmt == "decimal"
    assert definitions.levels(999) == ()


# --------------------------------------------------------------------------- references


def fields_of(paragraph: Paragraph) -> list[tuple[str, str]]:
    """Return (instruction or "", text) for each piece of `paragraph`: fields and plain runs."""
    pieces: list[tuple[str, str]] = []
    instruction = None
    for run in paragraph._p.xpath("w:r | w:hyperlink/w:r"):
        char = run.find(w("fldChar"))
        if char is not None:
            kind = char.get(w("fldCharType"))
            instruction = "" if kind == "begin" else instruction
            if kind == "end":
                instruction = None
            continue
        instr = run.find(w("instrText"))
        if instr is not None:
            instruction = (instruction or "") + instr.text.strip()
            continue
        text = visible("".join(t.text or "" for t in run.iter(w("t"))))
        if run.getparent().tag == w("hyperlink"):
            pieces.append(("LINK " + run.getparent().get(w("anchor")), text))
        else:
            pieces.append((instruction or "", text))
    return pieces


def ref(node_id: str, numbered: bool = True) -> str:
    """Return the REF instruction the writer gives a reference to `node_id`."""
    switches = "\\n \\h" if numbered else "\\h"
    return f"REF {bookmark_name(node_id)} {switches}"


def test_references_are_ref_fields_to_numbers(written: dict[str, bytes]) -> None:
    paragraph = next(p for p in body_paragraphs(written["refs"]) if p.text.startswith("\u3000见"))
    pieces = [piece for piece in fields_of(paragraph) if piece[1] not in ("、", "和", "。")]
    assert pieces == [
        ("", "\u3000"),
        ("", "见"),
        (ref("art-2"), "第二条"),
        (ref("art-2"), "第二条"),
        ("", "第"),
        (ref("item-1"), "（一）"),
        ("", "项"),
        (ref("art-2"), "第二条"),
        ("", "第（二）项第"),  # the item has no id, so its number stays text
        (ref("mu-2"), "2"),  # Word drops the period of 2. in a \\n reference
        ("", "目"),
        (ref("art-2"), "第二条"),
        ("", "第二款"),
        (ref("heading", numbered=False), "附表"),
        (ref("table", numbered=False), "表1\u3000评分"),
        ("LINK pg_plain", "本段落用于说明引用"),
    ]


def test_reference_fields_use_the_paragraph_number_switch(written: dict[str, bytes]) -> None:
    body = part(written["refs"], "word/document.xml")
    instructions = [t.strip() for t in body.xpath("//w:instrText/text()", namespaces=NS)]
    refs = [i for i in instructions if i.startswith("REF ")]
    assert refs and all(i.endswith("\\h") for i in refs)
    numbered = [i for i in refs if "\\n" in i]
    names = set(body.xpath("//w:bookmarkStart/@w:name", namespaces=NS))
    assert len(numbered) == 6
    assert all(i.split()[1] in names for i in refs)
    contract = part(written["contract"], "word/document.xml")
    clause = [t.strip() for t in contract.xpath("//w:instrText/text()", namespaces=NS)]
    assert any(i.startswith("REF pg_services_list_") and "\\n" in i for i in clause)
    texts = [visible(p.text) for p in body_paragraphs(written["contract"])]
    assert any("见第1.1条。" in text for text in texts)


@pytest.mark.parametrize(
    ("text", "outer", "own", "expected"),
    [
        ("第十二条", (), ("a", "第十二条"), [("第十二条", "a")]),
        ("第3.2条", (("a", "第三条"),), ("c", "3.2"), [("第", None), ("3.2", "c"), ("条", None)]),
        ("第十二条第二款", (("a", "第十二条"),), ("p", None),
         [("第十二条", "a"), ("第二款", None)]),
        ("第十二条", (), ("a", None), None),
        ("第3.2条", (), ("c", "3.3"), None),
    ],
)  # fmt: skip
def test_ref_pieces(
    text: str,
    outer: tuple[tuple[str, str], ...],
    own: tuple[str, str | None],
    expected: list[tuple[str, str | None]] | None,
) -> None:
    target = Target(Anchor(*own), tuple(Anchor(*anchor) for anchor in outer))
    assert fields.ref_pieces(text, target) == expected


# --------------------------------------------------------------------------- pages


def test_regulation_has_a_filled_table_of_contents(
    written: dict[str, bytes], layout: Layout
) -> None:
    body = part(written["regulation"], "word/document.xml")
    instructions = [t.strip() for t in body.xpath("//w:instrText/text()", namespaces=NS)]
    assert instructions[0] == 'TOC \\o "1-2" \\h \\z \\u'
    entries = body.xpath("//w:p[w:pPr/w:pStyle/@w:val='TOC1']", namespaces=NS)
    texts = ["".join(e.xpath("w:hyperlink/w:r/w:t/text()", namespaces=NS)) for e in entries]
    # As the footers number them: every page from the cover (footer.numbering: all). Chapter
    # 2 and what it holds have no id: the anchor of its contents entry gives its page.
    pages = layout.anchors
    first, second = pages[contents_anchor(1)], pages[contents_anchor(2)]
    assert first == pages["ch-general"] == 3  # after the cover and the contents page
    assert texts == [f"第一章\u3000总则{first}", f"第二章\u3000供应商选择{second}"]
    anchors = [e.xpath("string(w:hyperlink/@w:anchor)", namespaces=NS) for e in entries]
    assert all(anchor.startswith("_Toc") for anchor in anchors)
    names = body.xpath(
        "//w:p[w:pPr/w:pStyle/@w:val='Heading1']/w:bookmarkStart/@w:name", namespaces=NS
    )
    assert set(anchors) <= set(names)
    assert [i for i in instructions if i.startswith("PAGEREF")] == [
        f"PAGEREF {a} \\h" for a in anchors
    ]
    styles = part(written["regulation"], "word/styles.xml")
    tab = styles.xpath("w:style[@w:styleId='TOC1']/w:pPr/w:tabs/w:tab", namespaces=NS)[0]
    assert (tab.get(w("val")), tab.get(w("leader"))) == ("right", "dot")
    assert not part(written["contract"], "word/document.xml").xpath(
        "//w:instrText[contains(., 'TOC')]", namespaces=NS
    )


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_a_layout_gives_pages_in_reading_order(engines: Engines, engine: str) -> None:
    options = WriterOptions(template_dirs=(TEMPLATES,), pdf_engine=engine)
    layout = engines.get(engine).lay_out(sample_regulation(), options)
    pages = layout.anchors
    assert layout.pages >= 1
    assert 1 <= pages["ch-general"] <= pages["purpose"] <= pages["banned"] <= layout.pages


BODY_NUMBERING = """\
based_on: default
name: body-numbered
description: 正文从第 1 页起编页码
footer: {numbering: body}
"""


def test_a_style_numbering_the_body_from_one(tmp_path: Path, typst: PdfEngine) -> None:
    """With footer.numbering: body the body section restarts at 1, its count is the body's
    (SECTIONPAGES, showing the PDF layout's count of body pages) and the contents list the
    pages as its footers number them; a contract's body restarts too."""
    path = tmp_path / "styles" / "body-numbered.style.yaml"
    path.parent.mkdir()
    path.write_text(BODY_NUMBERING, encoding="utf-8")
    options = replace(OPTIONS, style_file=path)
    layout = typst.lay_out(sample_regulation(), options)
    regulation = docx.Document(BytesIO(write_docx(sample_regulation(), options, layout)))
    body = regulation.sections[-1]
    assert body._sectPr.xpath("w:pgNumType/@w:start") == ["1"]
    pages = shown_pages({**layout.anchors, PAGE_COUNT_KEY: layout.pages}, "body")
    assert pages[PAGE_COUNT_KEY] == layout.pages - 2 and pages["ch-general"] == 1
    assert body.footer._element.xpath(
        "string(.//w:instrText[contains(., 'SECTIONPAGES')]/../following-sibling::w:r[w:t][1]/w:t)"
    ) == str(pages[PAGE_COUNT_KEY])
    entries = [p.text for p in regulation.paragraphs if p.style.name == "toc 1"]
    assert entries[0] == f"第一章\u3000总则\t{pages['ch-general']}"
    contract = docx.Document(BytesIO(write_docx(sample_contract(), options)))
    assert contract.sections[-1]._sectPr.xpath("w:pgNumType/@w:start") == ["1"]


def test_without_a_layout_the_contents_page_shows_no_page_numbers() -> None:
    """The DOCX writer lays nothing out: without a Layout its contents page lists the
    headings, and Word fills in their pages when the reader updates the fields."""
    body = part(write_docx(sample_regulation(), OPTIONS), "word/document.xml")
    entries = body.xpath("//w:p[w:pPr/w:pStyle/@w:val='TOC1']", namespaces=NS)
    texts = ["".join(e.xpath("w:hyperlink/w:r/w:t/text()", namespaces=NS)) for e in entries]
    assert texts == ["第一章\u3000总则", "第二章\u3000供应商选择"]


def test_cover_contents_and_body_sections(written: dict[str, bytes], layout: Layout) -> None:
    document = docx.Document(BytesIO(written["regulation"]))
    sections = document.sections
    assert len(sections) == 3
    for front in sections[:2]:
        assert not front._sectPr.xpath("w:headerReference | w:footerReference | w:pgNumType")
    body = sections[-1]._sectPr
    assert not body.xpath("w:pgNumType")  # numbered on from the cover (footer.numbering: all)
    header = sections[-1].header.paragraphs[0]
    assert header.text == "外包服务管理办法\u3000V2.0"
    footer = sections[-1].footer._element
    assert [i.strip() for i in footer.xpath(".//w:instrText/text()")] == [
        "PAGE",
        "NUMPAGES",
    ]
    cover = [
        (p.style.name, visible(p.text))
        for p in document.paragraphs
        if p.style.name.startswith("Cover")
    ]
    assert cover == [
        ("Cover Title", "外包服务管理办法"),
        ("Cover Line", "华银发〔2026〕1号"),
        ("Cover Organisation", "华夏示范商业银行股份有限公司"),
        ("Cover Date", "版本：V2.0"),
        ("Cover Date", "生效日期：2026年1月1日"),
    ]
    contract = docx.Document(BytesIO(written["contract"]))
    assert len(contract.sections) == 2
    assert not contract.sections[-1]._sectPr.xpath("w:pgNumType")
    parties = [visible(p.text) for p in contract.paragraphs if p.style.name == "Cover Party"]
    assert parties[0] == "甲方：华夏示范商业银行股份有限公司" and parties[1].startswith("乙方：A&B")
    assert [visible(p.text) for p in contract.paragraphs if p.style.name == "Cover Subtitle"] == [
        "合同编号：HX-ITO-2026-001"
    ]
    assert not [
        p for p in contract.paragraphs if p.style.name in ("Cover Line", "Cover Organisation")
    ]


def _cover(data: bytes) -> list[tuple[str, str]]:
    document = docx.Document(BytesIO(data))
    return [
        (p.style.name, visible(p.text))
        for p in document.paragraphs
        if p.style.name.startswith("Cover")
    ]


def _header(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(BytesIO(data)).sections[-1].header.paragraphs]


def _texts(data: bytes) -> str:
    with ZipFile(BytesIO(data)) as package:
        return "".join(
            package.read(name).decode()
            for name in package.namelist()
            if name.endswith(".xml") and (name.startswith("word/") or name.startswith("docProps/"))
        )


def test_contract_cover_header_and_properties_carry_the_contract(
    written: dict[str, bytes],
) -> None:
    data = written["contract"]
    assert _cover(data) == [
        ("Cover Title", "信息系统运维服务外包合同"),
        ("Cover Subtitle", "合同编号：HX-ITO-2026-001"),  # the number once: not again below
        ("Cover Party", "甲方：华夏示范商业银行股份有限公司"),
        ("Cover Party", f"乙方：{HOSTILE}"),
        ("Cover Date", "签订日期：2026年3月18日"),
        ("Cover Date", "签订地点：北京市西城区"),
    ]
    assert _header(data) == ["信息系统运维服务外包合同\u3000合同编号：HX-ITO-2026-001"]
    properties = docx.Document(BytesIO(data)).core_properties
    assert properties.identifier == "HX-ITO-2026-001"
    signed = datetime(2026, 3, 18, tzinfo=UTC)
    assert properties.created == properties.modified == signed
    core = part(data, "docProps/core.xml")
    assert not [child for child in core if etree.QName(child).localname == "version"]
    text = _texts(data)
    for regulation_only in ("V2.0", "版本", "生效日期", "2026年1月1日", "2026-01-01"):
        assert regulation_only not in text


def test_regulation_cover_and_header_keep_version_and_effective_date(
    written: dict[str, bytes],
) -> None:
    data = written["regulation"]
    assert _header(data) == ["外包服务管理办法\u3000V2.0"]
    assert ("Cover Date", "生效日期：2026年1月1日") in _cover(data)
    assert "合同编号" not in _texts(data) and "签订" not in _texts(data)
    assert docx.Document(BytesIO(data)).core_properties.version == "V2.0"


def test_a_contract_number_not_in_the_subtitle_is_on_the_cover() -> None:
    doc = replace(
        sample_contract(),
        subtitle="",
        meta=replace(sample_contract().meta, signed_on=None, signed_at=""),
    )
    data = write_docx(doc, OPTIONS)
    assert _cover(data)[:2] == [
        ("Cover Title", "信息系统运维服务外包合同"),
        ("Cover Line", "合同编号：HX-ITO-2026-001"),
    ]
    assert not [text for _, text in _cover(data) if "签订" in text]
    assert _header(data) == ["信息系统运维服务外包合同\u3000合同编号：HX-ITO-2026-001"]


def test_chinese_line_breaking_is_on(written: dict[str, bytes]) -> None:
    styles = part(written["contract"], "word/styles.xml")
    defaults = styles.xpath("w:docDefaults/w:pPrDefault/w:pPr", namespaces=NS)[0]
    flags = {child.tag.split("}")[1]: child.get(w("val")) for child in defaults}
    assert flags == {
        "kinsoku": "1",
        "overflowPunct": "1",
        "topLinePunct": "0",
        "autoSpaceDE": "1",
        "autoSpaceDN": "1",
    }


def test_signature_table_has_fixed_equal_columns(written: dict[str, bytes]) -> None:
    table = docx.Document(BytesIO(written["contract"])).tables[-1]
    assert table._tbl.xpath("w:tblPr/w:tblLayout/@w:type") == ["fixed"]
    cells = table.rows[0].cells
    assert cells[0].paragraphs[0].style.name == "Signature Party"
    assert [p.style.name for p in cells[0].paragraphs[1:]] == ["Signature Line"] * 3


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{title}", ["外包服务管理办法"]),
        ("版本：{version}", ["版本：V2.0"]),
        ("{doc_no}", []),
        ("合同编号：{contract_no}", []),
        ("{title}\u3000合同编号：{contract_no}", []),  # one empty placeholder leaves it out
        ("{role}：{name}", ["甲方：甲公司", "乙方：乙公司"]),
        ("目\u3000录", ["目\u3000录"]),
        ("{unknown}{title}", ["{unknown}外包服务管理办法"]),
    ],
)
def test_cover_template_lines(template: str, expected: list[str]) -> None:
    values: page_values.Values = {
        "title": "外包服务管理办法",
        "version": "V2.0",
        "doc_no": "",
        "contract_no": "",
        "role": ("甲方", "乙方"),
        "name": ("甲公司", "乙公司"),
    }
    assert page_values.fill(template, values) == expected
