"""Number a document tree by its kind's scheme, and record how each id is referred to.

Input: blocks from readers.markdown (ids, no labels) and a scheme name. Output: the same blocks
with every chapter, article, clause and item labelled (第一章, 第一条, 1.1, （一）, 1., （1）),
and a map from each id to the words a cross-reference to it reads as (第十二条第（三）项)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from policygen.errors import RenderError
from policygen.numerals import cn_number
from policygen.tree import nodes as n
from policygen.tree.text import inline_text

Refs = dict[str, str]


@dataclass(frozen=True)
class Scheme:
    """How one kind of document numbers its parts."""

    name: str
    """``regulation`` (第一条 / 款 / （一） / 1. / （1）) or ``contract`` (第一条 / 1.1 / 1.1.1)."""
    numbered_clauses: bool
    """Whether an article's paragraphs are numbered clauses (1.1) rather than plain 款."""


SCHEMES: dict[str, Scheme] = {
    "regulation": Scheme("regulation", numbered_clauses=False),
    "contract": Scheme("contract", numbered_clauses=True),
}


def _circled(k: int) -> str:
    return chr(0x2460 + k - 1) if 1 <= k <= 20 else f"({k})"


# Item labels by list depth for regulations (and for lists outside any article), as the
# 《立法法》 convention has it: 项 （一）, 目 1., then （1）.
_ITEM_LABELS: tuple[Callable[[int], str], ...] = (
    lambda k: f"（{cn_number(k)}）",
    lambda k: f"{k}.",
    lambda k: f"（{k}）",
    _circled,
)
_ITEM_REFS: tuple[Callable[[int], str], ...] = (
    lambda k: f"第（{cn_number(k)}）项",
    lambda k: f"第{k}目",
    lambda k: f"（{k}）",
    _circled,
)


def number(blocks: tuple[n.Block, ...], scheme_name: str) -> tuple[tuple[n.Block, ...], Refs]:
    """Return `blocks` labelled by the scheme `scheme_name`, and the reference text of each id."""
    numberer = _Numberer(SCHEMES[scheme_name])
    return numberer.blocks(blocks), numberer.refs


class _Numberer:
    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.refs: Refs = {}
        self.chapters = 0
        self.articles = 0

    def remember(self, node_id: str | None, text: str) -> None:
        if node_id is None:
            return
        if node_id in self.refs:
            raise RenderError(f"id「{node_id}」在文档中出现了两次 (duplicate id {node_id!r})")
        self.refs[node_id] = text

    def blocks(self, blocks: tuple[n.Block, ...]) -> tuple[n.Block, ...]:
        return tuple(self.block(b) for b in blocks)

    def block(self, block: n.Block) -> n.Block:
        match block:
            case n.Chapter():
                self.chapters += 1
                label = f"第{cn_number(self.chapters)}章"
                self.remember(block.id, label)
                return replace(block, label=label, blocks=self.blocks(block.blocks))
            case n.Article():
                return self.article(block)
            case n.OrderedList():
                return self.ordered(block, depth=0, prefix=None, ref_prefix="")
            case n.BulletList():
                return replace(block, items=tuple(self.item_blocks(i) for i in block.items))
            case n.Heading():
                self.remember(block.id, inline_text(block.inlines))
                return block
            case n.Table():
                self.remember(block.id, block.caption)
                return block
            case n.Paragraph():
                self.remember(block.id, inline_text(block.inlines)[:20])
                return block
        return block

    def item_blocks(self, item: n.ListItem) -> n.ListItem:
        return replace(item, blocks=self.blocks(item.blocks))

    def article(self, article: n.Article) -> n.Article:
        self.articles += 1
        number_ = self.articles
        label = f"第{cn_number(number_)}条"
        self.remember(article.id, label)
        paragraphs = sum(isinstance(b, n.Paragraph) and b.align is None for b in article.blocks)
        clauses = self.scheme.numbered_clauses and paragraphs >= 2
        out: list[n.Block] = []
        clause = 0
        para = 0
        parent_label: str | None = None  # the clause the next list hangs under
        parent_ref = label
        for block in article.blocks:
            if isinstance(block, n.Paragraph) and block.align is None:
                para += 1
                if clauses:
                    clause += 1
                    parent_label = f"{number_}.{clause}"
                    parent_ref = f"第{parent_label}条"
                    self.remember(block.id, parent_ref)
                    out.append(replace(block, label=parent_label))
                else:
                    self.remember(block.id, f"{label}第{cn_number(para)}款")
                    out.append(block)
            elif isinstance(block, n.OrderedList):
                if not self.scheme.numbered_clauses:
                    out.append(self.ordered(block, depth=0, prefix=None, ref_prefix=label))
                elif clauses and parent_label is None:
                    # a list before the first numbered clause: fall back to （一）
                    out.append(self.ordered(block, depth=0, prefix=None, ref_prefix=label))
                else:
                    prefix = parent_label if clauses else str(number_)
                    out.append(self.ordered(block, depth=0, prefix=prefix, ref_prefix=""))
            else:
                out.append(self.block(block))
        return replace(article, label=label, blocks=tuple(out))

    def ordered(
        self, block: n.OrderedList, *, depth: int, prefix: str | None, ref_prefix: str
    ) -> n.OrderedList:
        """Label `block`'s items: dotted under `prefix` (contract clauses), else by `depth`."""
        items = []
        for k, item in enumerate(block.items, start=1):
            if prefix is not None:
                label = f"{prefix}.{k}"
                ref = f"第{label}条"
                child_prefix_depth = 1  # nested lists under a dotted item read （1）
            else:
                level = min(depth, len(_ITEM_LABELS) - 1)
                label = _ITEM_LABELS[level](k)
                ref = ref_prefix + _ITEM_REFS[level](k)
                child_prefix_depth = depth + 1
            self.remember(item.id, ref)
            children: list[n.Block] = []
            for child in item.blocks:
                if isinstance(child, n.OrderedList):
                    children.append(
                        self.ordered(
                            child,
                            depth=child_prefix_depth if prefix is None else 2,
                            prefix=None,
                            ref_prefix=ref,
                        )
                    )
                else:
                    children.append(self.block(child))
            items.append(replace(item, label=label, blocks=tuple(children)))
        return replace(block, items=tuple(items))
