"""Write a document tree as plain text: the stable form used for diffs, goldens and tests.

Input: a numbered, reference-resolved Document. Output: UTF-8 bytes, one block per line group."""

from __future__ import annotations

from policygen.tree import nodes as n
from policygen.tree.text import inline_text, item_lang
from policygen.writers.options import WriterOptions

_FULL_SPACE = "\u3000"


def cell_text(cell: n.Cell) -> str:
    """Return the plain text of `cell` on one line: its text, then its paragraphs and the rows
    of its tables, each after a space (a plain-text row cannot hold a table)."""
    pieces = [inline_text(cell.inlines)]
    for block in cell.blocks:
        if isinstance(block, n.Table):
            pieces += [" ".join(map(cell_text, row)) for row in (*block.header, *block.rows)]
        else:
            pieces.append(inline_text(block.inlines))
    return " ".join(piece for piece in pieces if piece)


def labelled(label: str, text: str, lang: str = "") -> str:
    """Return `text` after `label`, separated the Chinese way (no space after （一） or 1.);
    in an English paragraph (`lang` en), or after an English label (Article 4), by one space."""
    if not label:
        return text
    if lang or (label[0].isascii() and label[0].isalpha()):
        return f"{label} {text}"
    if label.endswith(("）", ".", "、")):
        return label + text
    return label + _FULL_SPACE + text


def colon(text: str) -> str:
    """Return the colon after a signature role or line `text`: ： after Chinese, ": " after
    English (an English document's Party A, Date)."""
    return ": " if text[-1:].isascii() else "："


def block_lines(block: n.Block) -> list[str]:
    """Return the text lines of `block`, labels included; blank lines separate blocks."""
    match block:
        case n.Chapter(label=label, title=title, blocks=blocks):
            lines = [labelled(label, inline_text(title)), ""]
            for child in blocks:
                lines += block_lines(child)
            return lines
        case n.Article(label=label, title=title, blocks=blocks):
            lines = []
            rest = list(blocks)
            if title:
                lines += [labelled(label, inline_text(title)), ""]
            elif rest and isinstance(first := rest[0], n.Paragraph) and not first.label:
                del rest[0]
                lines += [labelled(label, inline_text(first.inlines)), ""]
            else:
                lines += [label, ""]
            for child in rest:
                lines += block_lines(child)
            return lines
        case n.Paragraph(label=label, inlines=inlines, lang=lang):
            return [labelled(label, inline_text(inlines), lang), ""]
        case n.Heading(inlines=inlines):
            return [inline_text(inlines), ""]
        case n.OrderedList(items=items) | n.BulletList(items=items):
            lines = []
            for item in items:
                item_lines: list[str] = []
                for child in item.blocks:
                    item_lines += block_lines(child)
                if item_lines:
                    item_lines[0] = labelled(item.label, item_lines[0], item_lang(item))
                lines += item_lines
            return lines
        case n.Table(caption=caption, header=header, rows=rows):
            lines = [caption] if caption else []
            for row in (*header, *rows):
                lines.append(" | ".join(cell_text(cell) for cell in row))
            return [*lines, ""]
        case n.PageBreak():
            return []
        case n.SignatureBlock(parties=parties):
            lines = []
            for party in parties:
                lines.append(f"{party.role}{colon(party.role)}{party.name}")
                lines += [f"{line}{colon(line).rstrip()}" for line in party.lines]
                lines.append("")
            return lines
    raise TypeError(f"unknown block {block!r}")


def document_text(doc: n.Document) -> str:
    """Return the whole document as text: title, subtitle, then every block."""
    lines = [doc.title]
    if doc.subtitle:
        lines.append(doc.subtitle)
    lines.append("")
    for block in doc.blocks:
        lines += block_lines(block)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def write_text(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as UTF-8 plain text."""
    return document_text(doc).encode("utf-8")
