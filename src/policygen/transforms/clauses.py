"""Apply an organisation's clause adaptations: exclude, replace or add clauses by id.

Input: unnumbered blocks from readers.markdown, the profile's `clauses` section and the
document kind. Output: the adapted blocks. Runs before numbering, so numbers close up; ids that
match no document are reported by validation.check_set."""

from __future__ import annotations

import operator
from dataclasses import replace
from typing import Any

from policygen.profile.clauses import AddedClause, Clauses
from policygen.tree import nodes as n


def adapt(blocks: tuple[n.Block, ...], clauses: Clauses, kind: str) -> tuple[n.Block, ...]:
    """Return `blocks` with `clauses` applied for a document of `kind`."""
    return _Adapter(clauses, kind).blocks(blocks)


def paragraphs(text: str) -> tuple[n.Paragraph, ...]:
    """Return plain `text` as paragraphs, split at blank lines; the text stays literal."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return tuple(n.Paragraph((n.Text(p),)) for p in parts if p)


class _Adapter:
    def __init__(self, clauses: Clauses, kind: str) -> None:
        self.exclude = set(clauses.exclude)
        self.replace = clauses.replace
        self.added = [a for a in clauses.add if a.document in (None, kind)]

    def blocks(self, blocks: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return `blocks` adapted; `blocks` itself when no clause in them changes."""
        out: list[Any] = []
        for block in blocks:
            block_id = getattr(block, "id", None)
            out += [self.new(a, block) for a in self.added if a.before == block_id and block_id]
            if block_id not in self.exclude:
                out.append(self.block(block))
            out += [self.new(a, block) for a in self.added if a.after == block_id and block_id]
        unchanged = len(out) == len(blocks) and all(map(operator.is_, out, blocks))
        if unchanged and isinstance(blocks, tuple):
            return blocks
        return tuple(out)

    def block(self, block: Any) -> Any:
        block_id = getattr(block, "id", None)
        if block_id in self.replace:
            return self.replaced(block, self.replace[block_id])
        match block:
            case n.Chapter() | n.Article() | n.ListItem():
                blocks = self.blocks(block.blocks)
                return block if blocks is block.blocks else replace(block, blocks=blocks)
            case n.OrderedList() | n.BulletList():
                items = self.blocks(block.items)
                return block if items is block.items else replace(block, items=items)
        return block

    def replaced(self, block: Any, text: str) -> Any:
        new = paragraphs(text)
        match block:
            case n.Article() | n.ListItem():
                return replace(block, blocks=new)
            case n.Paragraph():
                return replace(block, inlines=new[0].inlines if new else ())
        return block

    def new(self, added: AddedClause, anchor: Any) -> Any:
        """Return `added` shaped like its `anchor`: an article beside an article, and so on."""
        body = paragraphs(added.text)
        title = (n.Text(added.title),) if added.title else ()
        match anchor:
            case n.Article() | n.Chapter():
                return n.Article(blocks=body, title=title, id=added.id)
            case n.ListItem():
                return n.ListItem(blocks=body[:1], id=added.id)
        first = body[0] if body else n.Paragraph(())
        return replace(first, id=added.id)
