"""Numbering and cross-references follow each scheme; templates never type numbers."""

from __future__ import annotations

import pytest

from policygen.errors import RenderError
from policygen.readers.markdown import read_markdown
from policygen.transforms.numbering import number
from policygen.transforms.references import resolve
from policygen.tree import nodes as n
from policygen.writers.text import block_lines

REGULATION = """\
# 总则 {#general}

## {#a1}
第一款。

第二款。 {#a1p2}

## {#a2}
下列事项：

1. 甲 {#a2i1}
   1. 子一 {#a2i1s1}
      1. 孙一
2. 乙

# 附则

## {#a3}
见[](#a2i1)、[](#a1p2)、[](#a2i1s1)和[](#general)。
"""

CONTRACT = """\
甲方：A

## 鉴于 {.unnumbered}
前言。

## 定义 {#defs}
本合同所称：

1. 服务 {#d-service}
2. 交付物

## 费用 {#fees}
总价。 {#fees-total}

付款。

1. 首付 {#first}
   1. 条件

## 其他
见[](#fees-total)、[](#first)、[](#d-service)和[](#defs)。
"""


def _lines(blocks: tuple[n.Block, ...]) -> list[str]:
    return [line for b in blocks for line in block_lines(b) if line]


def test_regulation_scheme() -> None:
    blocks, refs = number(read_markdown(REGULATION), "regulation")
    lines = _lines(resolve(blocks, refs, source="t"))
    assert lines == [
        "第一章　总则",
        "第一条　第一款。",
        "第二款。",
        "第二条　下列事项：",
        "（一）甲",
        "1.子一",
        "（1）孙一",
        "（二）乙",
        "第二章　附则",
        "第三条　见第二条第（一）项、第一条第二款、第二条第（一）项第1目和第一章。",
    ]


def test_articles_number_continuously_across_chapters() -> None:
    text = "".join(f"# 章{c}\n\n" + "## \n正文。\n\n" * 11 for c in range(3))
    blocks, _ = number(read_markdown(text), "regulation")
    labels = [a.label for ch in blocks for a in ch.blocks]
    assert labels[0] == "第一条" and labels[10] == "第十一条" and labels[-1] == "第三十三条"
    assert [ch.label for ch in blocks] == ["第一章", "第二章", "第三章"]


def test_contract_scheme() -> None:
    blocks, refs = number(read_markdown(CONTRACT), "contract")
    lines = _lines(resolve(blocks, refs, source="t"))
    assert lines == [
        "甲方：A",
        "鉴于",
        "前言。",
        "第一条　定义",
        "本合同所称：",
        "1.1　服务",
        "1.2　交付物",
        "第二条　费用",
        "2.1　总价。",
        "2.2　付款。",
        "2.2.1　首付",
        "（1）条件",
        "第三条　其他",
        "见第2.1条、第2.2.1条、第1.1条和第一条。",
    ]


def test_unknown_reference_names_the_id() -> None:
    blocks, refs = number(read_markdown("## {#a}\n见[](#nope)。\n"), "regulation")
    with pytest.raises(RenderError, match="#nope"):
        resolve(blocks, refs, source="t.md.j2")


def test_duplicate_ids_are_errors() -> None:
    with pytest.raises(RenderError, match="dup"):
        number(read_markdown("## {#dup}\n甲。\n\n## {#dup}\n乙。\n"), "regulation")
