"""Dump a document tree as stable, readable text: what the writers receive, for golden files.

Input: a Document, numbered and with its references resolved. Output: text, one line per
node in reading order (tree.walk), indented two spaces a level. A line names the node's
type, then its label, its ``#id`` and each field that differs from its default as
``name=value``, then after ``: `` the text the node prints itself. Inlines are written
``**strong**``, ``*emphasis*``, ``[第十二条](#target)`` for a reference, ``⟨…⟩`` for a run
kept on one line, ``↵`` for a line break: readable, not meant to be read back. Fields are
read from the dataclasses themselves, so a field added to a node shows in the dump."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date

from policygen.tree import nodes as n
from policygen.tree.walk import Node, walk_depths

INDENT = "  "

_CONTENT = ("title", "inlines", "note")
"""Fields of a node printed after its colon: the text it prints itself."""

_SHOWN = ("label", "id", *_CONTENT)
"""Fields printed in their own way; the others are printed as ``name=value``."""

_HELD = ("blocks", "items", "header", "rows", "parties")
"""Fields holding other nodes, printed on lines of their own below the node."""


def dump(doc: n.Document) -> str:
    """Return `doc` as text: its fields and properties first (``meta.date: 2026-01-01``),
    then its body, one node a line."""
    return "".join(f"{line}\n" for line in dump_lines(doc))


def dump_lines(doc: n.Document) -> Iterator[str]:
    """Yield the lines of `dump`, without line ends."""
    yield f"Document kind={doc.kind} style={_scalar(doc.style)}"
    yield _named("title", doc.title)
    if doc.subtitle:
        yield _named("subtitle", doc.subtitle)
    for field in dataclasses.fields(doc.meta):
        value = getattr(doc.meta, field.name)
        if value != field.default:
            yield _named(f"meta.{field.name}", _value(value))
    yield "body:"
    yield from _blocks(doc.blocks, 0)


def _blocks(blocks: tuple[n.Block, ...], depth: int) -> Iterator[str]:
    for node, _place, level in walk_depths(blocks, depth=depth):
        indent = INDENT * level
        yield indent + _line(node)
        match node:
            case n.Table(header=header, rows=rows):
                for name, row in (*(("header", r) for r in header), *(("row", r) for r in rows)):
                    yield f"{indent}{INDENT}{name}: " + " | ".join(_cell(cell) for cell in row)
                    for column, cell in enumerate(row, start=1):
                        if cell.blocks:
                            yield f"{indent}{INDENT * 2}cell {column}:"
                            yield from _blocks(cell.blocks, level + 3)
            case n.SignatureBlock(parties=parties):
                for party in parties:
                    yield f"{indent}{INDENT}party: {_party(party)}"


def _line(node: Node) -> str:
    """Return the line of `node`: type, label, id, other fields, then its own text."""
    words = [type(node).__name__]
    label, node_id = getattr(node, "label", ""), getattr(node, "id", None)
    if label:
        words.append(label)
    if node_id:
        words.append(f"#{node_id}")
    content = ""
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if field.name in _CONTENT:
            content = inlines(value)
        elif field.name not in (*_SHOWN, *_HELD) and value != field.default:
            words.append(f"{field.name}={_scalar(value)}")
    return _named(" ".join(words), content)


def _named(name: str, text: str) -> str:
    """Return ``name: text``, or `name` alone when `text` is empty."""
    return f"{name}: {text}" if text else name


def inlines(content: tuple[n.Inline, ...]) -> str:
    """Return `content` in the dump's inline notation, on one line."""
    return "".join(_inline(inline) for inline in content)


def _inline(inline: n.Inline) -> str:
    match inline:
        case n.Text(text=text):
            return _one_line(text)
        case n.Strong(children=children):
            return f"**{inlines(children)}**"
        case n.Emphasis(children=children):
            return f"*{inlines(children)}*"
        case n.Ref(target=target, text=text):
            return f"[{_one_line(text)}](#{target})"
        case n.NoBreak(text=text):
            return f"⟨{_one_line(text)}⟩"
        case n.LineBreak():
            return "↵"


def _cell(cell: n.Cell) -> str:
    text = inlines(cell.inlines)
    return f"(align={cell.align}) {text}" if cell.align else text


def _party(party: n.SignatureParty) -> str:
    lines = "".join(f" | {line}" for line in party.lines)
    return f"{party.role} {party.name}{lines}"


def _value(value: object) -> str:
    """Return a property's value as the header lines print it."""
    if isinstance(value, tuple) and all(isinstance(v, n.SignatureParty) for v in value):
        return " / ".join(_party(party) for party in value)
    if isinstance(value, tuple):
        return " | ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) or '""'


def _scalar(value: object) -> str:
    """Return a field's value as ``name=value`` prints it: quoted when it holds a space, a
    quote or nothing; the numbers of a tuple separated by spaces (``widths="1 4 1"``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        text = " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    else:
        text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")
