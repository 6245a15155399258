"""Walk a document tree in reading order: the one walker every reader of whole trees shares.

Input: a Document, or blocks of one. Output: each block and list item with its place — the
labels of the chapters, articles, clauses and items that hold it, as the document prints them
(第三章, 第十二条, （二）; 6.5, 6.5.1) — and each piece of printed text with its place."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from policygen.tree import nodes as n
from policygen.tree.text import inline_text

Place = tuple[str, ...]
"""Where a node is: the labels (or, without a label, the id or a short name) from the outermost
container in; e.g. ``("第三章", "第十二条", "（二）")`` or ``("第六条", "6.5")``."""

Node = n.Block | n.ListItem


def walk(blocks: Iterable[n.Block], place: Place = ()) -> Iterator[tuple[Node, Place]]:
    """Yield every block of `blocks` and every list item inside them, depth first in reading
    order, each with its place: for a chapter, article, labelled paragraph or item, the place
    ends with its own label; a container is yielded before what it holds."""
    for node, here, _depth in walk_depths(blocks, place):
        yield node, here


def walk_depths(
    blocks: Iterable[n.Block], place: Place = (), depth: int = 0
) -> Iterator[tuple[Node, Place, int]]:
    """Yield what `walk` yields, each with its depth: `depth` for `blocks` themselves, one
    more for what a chapter, an article or a list holds, two more for the blocks of a list's
    items."""
    for block in blocks:
        match block:
            case n.Chapter(title=title, blocks=children, label=label, id=node_id):
                here = (*place, label or _id(node_id) or inline_text(title)[:12])
                yield block, here, depth
                yield from walk_depths(children, here, depth + 1)
            case n.Article(blocks=children, label=label, id=node_id):
                here = (*place, label or _id(node_id) or "条")
                yield block, here, depth
                yield from walk_depths(children, here, depth + 1)
            case n.Paragraph(label=label, id=node_id):
                here = (*place, label) if label else (place or ("正文", _id(node_id)))
                yield block, here, depth
            case n.Heading(inlines=inlines):
                yield block, (*place, f"小标题「{inline_text(inlines)[:12]}」"), depth
            case n.OrderedList(items=items) | n.BulletList(items=items):
                yield block, place, depth
                for item in items:
                    here = (*place, item.label) if item.label else place
                    yield item, here, depth + 1
                    yield from walk_depths(item.blocks, here, depth + 2)
            case _:
                yield block, place, depth


def node_texts(node: Node, place: Place) -> Iterator[tuple[str, Place]]:
    """Yield the text `node` prints itself (not the blocks it holds), each with its place;
    `place` is the node's place from `walk`. A table yields its caption, then each cell with
    its row (表1 … 第3行, the header counting as row 1), and the text of the paragraphs and
    tables a cell holds after its own text (a 修订对照表's clause and its table)."""
    match node:
        case n.Chapter(label=label, title=title) | n.Article(label=label, title=title):
            yield label, place
            yield inline_text(title), place
        case n.Paragraph(label=label, inlines=inlines):
            yield label, place
            yield inline_text(inlines), place
        case n.Heading(inlines=inlines):
            yield inline_text(inlines), place
        case n.ListItem(label=label):
            yield label, place
        case n.Table(header=header, rows=rows, caption=caption):
            name = caption or "表格"
            yield caption, (*place, name)
            for number, row in enumerate((*header, *rows), start=1):
                here = (*place, f"{name} 第{number}行")
                for cell in row:
                    yield inline_text(cell.inlines), here
                    for inner, inner_place in walk(cell.blocks, here):
                        yield from node_texts(inner, inner_place)
        case n.SignatureBlock(parties=parties):
            for party in parties:
                here = (*place, "签署页")
                yield party.role, here
                yield party.name, here
                for line in party.lines:
                    yield line, here


def document_texts(doc: n.Document) -> Iterator[tuple[str, Place]]:
    """Yield every piece of printed text of `doc` with where it is: (text, place); the title
    and subtitle first, placed at 标题 and 副标题."""
    yield doc.title, ("标题",)
    if doc.subtitle:
        yield doc.subtitle, ("副标题",)
    for node, place in walk(doc.blocks):
        yield from node_texts(node, place)


def _id(node_id: str | None) -> str:
    return f"{{#{node_id}}}" if node_id else ""


def block_ids(blocks: tuple[n.Block, ...]) -> Iterator[str]:
    """Yield the id of every referable node in `blocks`, depth first."""
    for block in blocks:
        node_id = getattr(block, "id", None)
        if node_id:
            yield node_id
        match block:
            case n.Chapter(blocks=children) | n.Article(blocks=children):
                yield from block_ids(children)
            case n.OrderedList(items=items) | n.BulletList(items=items):
                for item in items:
                    if item.id:
                        yield item.id
                    yield from block_ids(item.blocks)
