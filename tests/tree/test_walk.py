"""tree.walk: every printed text of a tree with its place, tables' cells included."""

from __future__ import annotations

from policygen.tree import nodes as n
from policygen.tree.walk import node_texts, walk


def _cell(text: str, *blocks: n.Paragraph | n.Table) -> n.Cell:
    return n.Cell((n.Text(text),), blocks=blocks)


def test_a_cell_s_paragraphs_and_tables_are_read_with_the_cell() -> None:
    """A 修订对照表 cell holds a clause and its table after its own text: lint and the font
    preflight read them too, placed at the cell's row."""
    inner = n.Table(header=((_cell("指标"),),), rows=((_cell("可用率"),),), caption="表9")
    clause = n.Paragraph((n.Text("乙方应当按月报告。"),))
    table = n.Table(
        header=((_cell("条款"), _cell("修改后")),),
        rows=((_cell("第五条"), _cell("", clause, inner)),),
        caption="修订对照表",
    )
    article = n.Article(title=(n.Text("修订"),), blocks=(table,), label="第一条")
    texts = [
        (text, place)
        for node, place in walk((article,))
        for text, place in node_texts(node, place)
        if text
    ]
    row = ("第一条", "修订对照表 第2行")
    assert ("乙方应当按月报告。", row) in texts
    assert ("表9", (*row, "表9")) in texts
    assert ("可用率", (*row, "表9 第2行")) in texts
    assert ("修改后", ("第一条", "修订对照表 第1行")) in texts
