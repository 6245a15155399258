"""The plain text of a tree's inline content: what every reader, transform and writer that
needs a node's words (not its formatting) shares."""

from __future__ import annotations

from policygen.tree import nodes as n


def inline_text(inlines: tuple[n.Inline, ...]) -> str:
    """Return the plain text of `inlines` (references as their resolved text)."""
    parts: list[str] = []
    for node in inlines:
        match node:
            case n.Text(text=text) | n.NoBreak(text=text):
                parts.append(text)
            case n.Strong(children=children) | n.Emphasis(children=children):
                parts.append(inline_text(children))
            case n.Ref(text=text, target=target):
                parts.append(text or f"[{target}]")
            case n.LineBreak():
                parts.append("\n")
    return "".join(parts)


def item_lang(item: n.ListItem) -> str:
    """Return the language of list item `item`: its first paragraph's ``lang`` (``en`` for an
    English item of a bilingual document), empty for the document's own language; writers
    separate its label as they separate that paragraph's."""
    first = item.blocks[0] if item.blocks else None
    return first.lang if isinstance(first, n.Paragraph) else ""
