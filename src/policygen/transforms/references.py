"""Resolve cross-references: give every Ref the words its target is numbered as.

Input: numbered blocks and the id → reference-text map from transforms.numbering. Output: the
same blocks with each Ref's `text` filled in; an unknown id is an error naming it."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.transforms.numbering import Refs
from policygen.tree import nodes as n


def resolve(blocks: tuple[n.Block, ...], refs: Refs, *, source: str) -> tuple[n.Block, ...]:
    """Return `blocks` with every cross-reference's text set; raise RenderError for unknown ids."""
    return tuple(_node(b, refs, source) for b in blocks)


@CACHES.memo
def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields builds its answer anew on every call; the walk asks once per class.
    return tuple(f.name for f in fields(cls))


def _node(node: Any, refs: Refs, source: str) -> Any:
    """Return `node` with its references resolved; `node` itself when it holds none."""
    if isinstance(node, n.Text):
        return node  # the commonest node by far, and never holds a reference
    if isinstance(node, n.Ref):
        if node.target not in refs:
            known = "、".join(sorted(refs)) or "（无）"
            raise RenderError(
                f"{source}: 交叉引用的目标 #{node.target} 不存在 (unknown reference target); "
                f"可用的 id：{known}"
            )
        return replace(node, text=refs[node.target])
    if isinstance(node, tuple):
        new = tuple(_node(child, refs, source) for child in node)
        return node if all(a is b for a, b in zip(new, node, strict=True)) else new
    if hasattr(node, "__dataclass_fields__"):
        changes = {}
        for name in _field_names(type(node)):
            value = getattr(node, name)
            if isinstance(value, tuple) or hasattr(value, "__dataclass_fields__"):
                new = _node(value, refs, source)
                if new is not value:
                    changes[name] = new
        return replace(node, **changes) if changes else node
    return node
