"""The tree dump the goldens keep (tree.dump), and the depths tree.walk gives it."""

from __future__ import annotations

from datetime import date

from policygen.tree import nodes as n
from policygen.tree.dump import dump, inlines
from policygen.tree.walk import walk, walk_depths


def _p(*content: n.Inline, **fields: str) -> n.Paragraph:
    return n.Paragraph(content, **fields)


DOC = n.Document(
    kind="contract",
    title="服务合同",
    subtitle="合同编号：HX-001",
    meta=n.DocumentMeta(
        organisation="甲公司",
        version="",
        date=date(2026, 1, 2),
        keywords=("外包", "合同"),
        contract_no="HX-001",
        parties=(n.SignatureParty("甲方", "甲公司", ("日期",)), n.SignatureParty("乙方", "乙公司")),
    ),
    blocks=(
        n.Heading((n.Text("鉴于"),), level=1),
        n.Article(
            title=(n.Text("定义"),),
            label="第一条",
            id="defs",
            blocks=(
                _p(n.Text("见"), n.Ref("fees", "第二条"), n.Text("。"), label="1.1", id="d1"),
                n.OrderedList(
                    (
                        n.ListItem(
                            (
                                _p(
                                    n.Strong((n.Text("甲"),)),
                                    n.LineBreak(),
                                    n.Emphasis((n.Text("乙"),)),
                                ),
                            ),
                            label="1.1.1",
                        ),
                    ),
                    depth=2,
                ),
            ),
        ),
        n.Article(
            label="第二条",
            id="fees",
            blocks=(
                n.Table(
                    header=((n.Cell((n.Text("项目"),)), n.Cell((n.Text("金额"),), align="right")),),
                    rows=(
                        (
                            n.Cell((n.Text("服务费"),), blocks=(_p(n.Text("注")),)),
                            n.Cell((n.NoBreak("100.00元"),), align="right"),
                        ),
                    ),
                    caption="表1 费用",
                    widths=(3.0, 1.5),
                    split_rows=True,
                ),
            ),
        ),
        n.PageBreak(),
        n.SignatureBlock(
            (n.SignatureParty("甲方", "甲公司", ("盖章", "日期")),), note=(n.Text("（签署页）"),)
        ),
        _p(n.Text("第一行\n第二行"), align="right"),
    ),
)

EXPECTED = """\
Document kind=contract style=default
title: 服务合同
subtitle: 合同编号：HX-001
meta.organisation: 甲公司
meta.version: ""
meta.date: 2026-01-02
meta.keywords: 外包 | 合同
meta.contract_no: HX-001
meta.parties: 甲方 甲公司 | 日期 / 乙方 乙公司
body:
Heading level=1: 鉴于
Article 第一条 #defs: 定义
  Paragraph 1.1 #d1: 见[第二条](#fees)。
  OrderedList depth=2
    ListItem 1.1.1
      Paragraph: **甲**↵*乙*
Article 第二条 #fees
  Table caption="表1 费用" widths="3 1.5" split_rows=true
    header: 项目 | (align=right) 金额
    row: 服务费 | (align=right) ⟨100.00元⟩
      cell 1:
        Paragraph: 注
PageBreak
SignatureBlock: （签署页）
  party: 甲方 甲公司 | 盖章 | 日期
Paragraph align=right: 第一行\\n第二行
"""


def test_dump_names_every_node_its_fields_and_inlines() -> None:
    assert dump(DOC) == EXPECTED


def test_walk_depths_indents_what_each_container_holds() -> None:
    depths = [(type(node).__name__, depth) for node, _place, depth in walk_depths(DOC.blocks)]
    assert depths == [
        ("Heading", 0),
        ("Article", 0),
        ("Paragraph", 1),
        ("OrderedList", 1),
        ("ListItem", 2),
        ("Paragraph", 3),
        ("Article", 0),
        ("Table", 1),
        ("PageBreak", 0),
        ("SignatureBlock", 0),
        ("Paragraph", 0),
    ]
    assert [(node, place) for node, place, _ in walk_depths(DOC.blocks)] == list(walk(DOC.blocks))


def test_unresolved_reference_keeps_its_target() -> None:
    assert inlines((n.Ref("x"), n.Text("a\\b"))) == "[](#x)a\\\\b"
