"""The Markdown reader: the template dialect becomes the right tree, or a clear error."""

from __future__ import annotations

import pytest

from policygen.errors import RenderError
from policygen.readers.markdown import read_markdown
from policygen.tree import nodes as n


def test_chapters_articles_and_ids() -> None:
    blocks = read_markdown(
        "# 总则 {#general}\n\n## {#purpose}\n为了规范。\n\n## 定义 {#defs}\n甲。\n"
    )
    (chapter,) = blocks
    assert isinstance(chapter, n.Chapter) and chapter.id == "general"
    assert chapter.title == (n.Text("总则"),)
    first, second = chapter.blocks
    assert isinstance(first, n.Article) and first.title == () and first.id == "purpose"
    assert isinstance(second, n.Article) and second.title == (n.Text("定义"),)


def test_soft_breaks_join_chinese_lines_without_spaces() -> None:
    (para,) = read_markdown("第一行\n第二行\n")
    assert para == n.Paragraph((n.Text("第一行第二行"),))


def test_escaped_braces_are_text_not_attributes() -> None:
    (para,) = read_markdown("名称 A\\{\\#x\\}\n")
    assert isinstance(para, n.Paragraph) and para.id is None
    assert para.inlines == (n.Text("名称 A{#x}"),)


def test_unnumbered_heading_and_reference() -> None:
    blocks = read_markdown("## 鉴于 {.unnumbered}\n\n甲方见[](#x)。\n")
    heading, para = blocks
    assert isinstance(heading, n.Heading) and heading.inlines == (n.Text("鉴于"),)
    assert n.Ref("x") in para.inlines


def test_nested_lists_with_item_ids() -> None:
    (lst,) = read_markdown("1. 甲 {#a}\n   1. 子\n2. 乙\n")
    assert isinstance(lst, n.OrderedList) and lst.depth == 1
    first = lst.items[0]
    assert first.id == "a"
    assert isinstance(first.blocks[1], n.OrderedList) and first.blocks[1].depth == 2


def test_table_with_caption_and_alignment() -> None:
    (table,) = read_markdown("Table: 表1　标准\n\n| 甲 | 乙 |\n|:--|--:|\n| 1 | 2 |\n")
    assert isinstance(table, n.Table) and table.caption == "表1　标准"
    assert table.rows[0][1].align == "right"


def test_signature_block_and_page_break() -> None:
    text = "---\n\n::: signature\n- 甲方：A公司\n  - 日期\n- 乙方：B公司\n  - 日期\n:::\n"
    brk, sig = read_markdown(text)
    assert isinstance(brk, n.PageBreak)
    assert sig == n.SignatureBlock(
        (n.SignatureParty("甲方", "A公司", ("日期",)), n.SignatureParty("乙方", "B公司", ("日期",)))
    )


def test_right_aligned_container() -> None:
    a, b = read_markdown("::: right\n甲\n\n乙\n:::\n")
    assert a.align == "right" and b.align == "right"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[外部](https://example.com)\n", "交叉引用"),
        ("![x](a.png)\n", "交叉引用"),
        ("    code\n", "代码块"),
        ("> 引用\n", "引用块"),
        ("Table: 孤立的标题\n\n正文\n", "紧跟表格"),
        ("[文字](#x)\n", "为空"),
        ("::: signature\n无列表\n:::\n", "无序列表"),
    ],
)
def test_outside_the_dialect_is_a_clear_error(text: str, fragment: str) -> None:
    with pytest.raises(RenderError, match=fragment):
        read_markdown(text, source="t.md.j2")


def test_raw_html_stays_text() -> None:
    (para,) = read_markdown("<b>粗</b>\n")
    assert para.inlines == (n.Text("<b>粗</b>"),)
