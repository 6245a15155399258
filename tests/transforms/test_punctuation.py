"""Tests for transforms.punctuation: ASCII punctuation in Chinese context becomes full-width."""

from __future__ import annotations

import pytest

from policygen.transforms.punctuation import convert, normalise, normalise_inlines
from policygen.tree import nodes as n
from sample_docs import HOSTILE


def text_of(text: str) -> str:
    return "".join(convert(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("甲方,乙方", "甲方，乙方"),
        ("甲方, 乙方", "甲方，乙方"),
        ("甲方;乙方", "甲方；乙方"),
        ("联系人: 张三", "联系人：张三"),
        ("是否同意?", "是否同意？"),
        ("务必遵守!", "务必遵守！"),
        ("(一)", "（一）"),
        ("(一)信息科技战略", "（一）信息科技战略"),
        ("见附件(附件一)", "见附件（附件一）"),
        ("日期(2026-01-01)", "日期（2026-01-01）"),
        ('"服务"', "“服务”"),
        ('称为"本合同"的', "称为“本合同”的"),
        ("'外包'", "‘外包’"),
        ("<网络安全法>", "《网络安全法》"),
        ("依照<中华人民共和国网络安全法>", "依照《中华人民共和国网络安全法》"),
        ("时间:9:00", "时间：9:00"),
        ("共3项,1,234元", "共3项，1,234元"),
        ("服务(ITO)", "服务（ITO）"),
    ],
)
def test_chinese_context_becomes_full_width(text: str, expected: str) -> None:
    assert text_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1,234.56",
        "金额为1,234,567.89元",
        "可用率99.9%",
        "2026-01-01",
        "9:00—18:00",
        "工作时间9:00—18:00",
        "https://example.com/a,b(c)?d=1",
        "访问https://example.com/a,b获取",
        "a.b@example.com",
        "MY-ITO-2026-001",
        "91310000MA1K4X7B33",
        "ISO 27001",
        "ISO 27001(2013)",
        "响应时间<30分钟",
        "若A<B且C>D",
        "vendor's 服务",
        "Hello, world",
        "(a) and (b)",
        "“已全角”，（一）",
    ],
)
def test_ascii_context_is_kept(text: str) -> None:
    assert text_of(text) == text


def test_url_is_kept_but_chinese_comma_after_it_converts() -> None:
    assert text_of("见https://example.com,详见附件") == "见https://example.com,详见附件"
    assert text_of("见网站 https://example.com ,详见") == "见网站 https://example.com ，详见"


@pytest.mark.parametrize("text", ["甲方,乙方", '"服务"(一)', "时间:9:00,地点:上海"])
def test_converting_twice_changes_nothing_more(text: str) -> None:
    once = text_of(text)
    assert text_of(once) == once


def test_context_crosses_inline_boundaries_and_references_stay() -> None:
    inlines = (
        n.Text("甲方"),
        n.Strong((n.Text(",乙方"),)),
        n.Text("依照"),
        n.Ref(target="x", text="第七条"),
        n.Text(",不得"),
        n.LineBreak(),
        n.Emphasis((n.Text("(一)"),)),
    )
    assert normalise_inlines(inlines) == (
        n.Text("甲方"),
        n.Strong((n.Text("，乙方"),)),
        n.Text("依照"),
        n.Ref(target="x", text="第七条"),
        n.Text("，不得"),
        n.LineBreak(),
        n.Emphasis((n.Text("（一）"),)),
    )


def test_normalise_walks_the_tree_and_keeps_names() -> None:
    blocks = (
        n.Chapter(
            title=(n.Text("总则(试行)"),),
            blocks=(
                n.Article(
                    blocks=(n.Paragraph((n.Text(f"乙方:{HOSTILE},甲方:本行"),)),),
                    label="第一条",
                ),
                n.Table(
                    header=((n.Cell((n.Text("项目,说明"),)),),),
                    rows=((n.Cell((n.Text("1,234"),)),),),
                    caption="表1 评价(年度)",
                ),
            ),
        ),
        n.SignatureBlock(parties=(n.SignatureParty("甲方", "A,B公司", ("签字",)),)),
    )
    (chapter, signature) = normalise(blocks, keep=[HOSTILE])
    assert isinstance(chapter, n.Chapter)
    assert chapter.title == (n.Text("总则（试行）"),)
    article, table = chapter.blocks
    assert isinstance(article, n.Article) and isinstance(table, n.Table)
    assert article.blocks == (n.Paragraph((n.Text(f"乙方：{HOSTILE}，甲方：本行"),)),)
    assert table.header[0][0].inlines == (n.Text("项目，说明"),)
    assert table.rows[0][0].inlines == (n.Text("1,234"),)
    assert table.caption == "表1 评价（年度）"
    assert signature == blocks[1]


def test_without_keep_a_hostile_name_would_change() -> None:
    (paragraph,) = normalise((n.Paragraph((n.Text(HOSTILE),)),))
    assert isinstance(paragraph, n.Paragraph)
    assert paragraph.inlines != (n.Text(HOSTILE),)
