"""Write a document tree as CommonMark (with GFM tables) for reviewing changes in git.

Input: a numbered, reference-resolved Document. Output: UTF-8 Markdown whose rendered text is the
text of writers/text.py: labels are printed (``## 第一章　总则``, ``**第一条**　为了……``, items
``（一）……`` as plain paragraphs), and every character of document text is escaped so that it
reads back as the same text and can never become Markdown or HTML markup."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import quote

from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.tree.walk import block_ids
from policygen.writers.options import WriterOptions
from policygen.writers.text import cell_text, colon, labelled

_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~{}#])")
"""ASCII characters that mean something inline (or as a heading's closing #), escaped anywhere."""

_LEADING_BLANKS = re.compile(r"^[ \t]+")
_LINE_START_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")

_HEADING_MARKS = {1: "##", 2: "###", 3: "####"}
"""Heading level in the tree → ATX marks; ``#`` is the title, ``##`` a chapter."""

_TABLE_ALIGN = {"left": ":---", "center": ":---:", "right": "---:"}


def escape_text(text: str) -> str:
    """Return `text` with every inline Markdown metacharacter backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", text)


def _escape_line_start(line: str) -> str:
    """Keep a paragraph line from opening a block: list, heading underline, code, container."""
    if blanks := _LEADING_BLANKS.match(line):
        refs = "".join(f"&#{ord(char)};" for char in blanks.group())
        return refs + line[blanks.end() :]
    if line[:1] in ("-", "+", "=", ":"):
        return "\\" + line
    return _LINE_START_NUMBER.sub(r"\1\\\2", line)


def _paragraph(text: str) -> str:
    """Return rendered inline `text` as a paragraph: every line safe at the start of a line."""
    return "\n".join(_escape_line_start(line) for line in text.split("\n"))


def _is_space(char: str) -> bool:
    return char in "\t\n\v\f\r " or unicodedata.category(char) == "Zs"


def _is_punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


@dataclass(frozen=True, slots=True)
class _Span:
    """Strong or emphasised text, delimited by `marks` where CommonMark allows, else by HTML."""

    marks: str
    tag: str
    inner: str

    def render(self, before: str, after: str | None, nested: bool) -> str:
        """Return the span between `before` and `after`, its neighbouring characters.

        Either is "" at the edge of the text; `after` is None when another span follows. CJK
        text has no spaces, so ``根据**《办法》**等`` would not parse as strong emphasis
        (CommonMark's flanking rules); such spans, nested ones and adjacent ones use HTML."""
        html = f"<{self.tag}>{self.inner}</{self.tag}>"
        if nested or after is None or before == "*":
            return html
        first, last = self.inner[0], self.inner[-1]
        opens = not _is_space(first) and (
            not _is_punct(first) or not before or _is_space(before) or _is_punct(before)
        )
        closes = not _is_space(last) and (
            not _is_punct(last) or not after or _is_space(after) or _is_punct(after)
        )
        return f"{self.marks}{self.inner}{self.marks}" if opens and closes else html


class _Writer:
    """Turn the blocks of one document into Markdown paragraphs."""

    def __init__(self, doc: n.Document) -> None:
        self.ids = frozenset(block_ids(doc.blocks))

    def inlines(
        self,
        inlines: tuple[n.Inline, ...],
        *,
        lead: tuple[str | _Span, ...] = (),
        nested: bool = False,
        in_table: bool = False,
    ) -> str:
        """Return `inlines` as Markdown, after the already rendered pieces in `lead`."""
        line_break = "<br>" if in_table else "\\\n"
        pieces: list[str | _Span] = list(lead)
        for node in inlines:
            match node:
                case n.Text(text=text) | n.NoBreak(text=text):
                    pieces.append(escape_text(text).replace("\n", line_break))
                case n.Strong(children=children):
                    inner = self.inlines(children, nested=True, in_table=in_table)
                    pieces.append(_Span("**", "strong", inner))
                case n.Emphasis(children=children):
                    inner = self.inlines(children, nested=True, in_table=in_table)
                    pieces.append(_Span("*", "em", inner))
                case n.Ref(target=target):
                    shown = escape_text(inline_text((node,)))
                    if target in self.ids:
                        pieces.append(f"[{shown}](#{quote(target, safe='')})")
                    else:
                        pieces.append(shown)
                case n.LineBreak():
                    pieces.append(line_break)
        out = ""
        for index, piece in enumerate(pieces):
            if isinstance(piece, _Span):
                if not piece.inner:
                    continue
                following = pieces[index + 1] if index + 1 < len(pieces) else ""
                after = None if isinstance(following, _Span) else following[:1]
                out += piece.render(out[-1:], after, nested)
            else:
                out += piece
        return out

    def blocks(self, blocks: tuple[n.Block, ...] | list[n.Block]) -> list[str]:
        """Return the Markdown paragraphs of `blocks`."""
        out: list[str] = []
        for block in blocks:
            out += self.block(block)
        return out

    def block(self, block: n.Block) -> list[str]:
        """Return the Markdown paragraphs of one block."""
        match block:
            case n.Chapter(label=label, title=title, blocks=blocks):
                return [self.heading("##", label, title), *self.blocks(blocks)]
            case n.Article():
                return self.article(block)
            case n.Paragraph(label=label, inlines=inlines, lang=lang):
                return [_paragraph(self.inlines(inlines, lead=_plain_label(label, lang)))]
            case n.Heading(inlines=inlines, level=level):
                return [self.heading(_HEADING_MARKS.get(level, "####"), "", inlines)]
            case n.OrderedList(items=items):
                return [para for item in items for para in self.item(item)]
            case n.BulletList(items=items):
                return [para for item in items for para in self.item(item, bullet=True)]
            case n.Table():
                return self.table(block)
            case n.PageBreak():
                return ["---"]
            case n.SignatureBlock(parties=parties):
                return [self.party(party) for party in parties]
        raise TypeError(f"unknown block {block!r}")

    def heading(self, marks: str, label: str, title: tuple[n.Inline, ...]) -> str:
        """Return an ATX heading line: `label`, its separator, then `title`."""
        text = self.inlines(title, lead=_plain_label(label)).replace("\\\n", " ")
        return f"{marks} {text}"

    def article(self, article: n.Article) -> list[str]:
        """Return an article: a heading when titled, else its bold label run into the text."""
        rest = list(article.blocks)
        if article.title:
            out = [self.heading("###", article.label, article.title)]
        elif rest and isinstance(first := rest[0], n.Paragraph) and not first.label:
            del rest[0]
            out = [_paragraph(self.inlines(first.inlines, lead=_strong_label(article.label)))]
        else:
            label = _strong_label(article.label)[:1]
            out = [_paragraph(self.inlines((), lead=label))] if label else []
        return [*out, *self.blocks(rest)]

    def item(self, item: n.ListItem, *, bullet: bool = False) -> list[str]:
        """Return a list item as plain paragraphs, its label in front of the first one."""
        rest = list(item.blocks)
        out: list[str] = []
        if rest and isinstance(first := rest[0], n.Paragraph):
            del rest[0]
            lead = (*_plain_label(item.label, first.lang), *_plain_label(first.label, first.lang))
            text = _paragraph(self.inlines(first.inlines, lead=lead))
            out.append(f"- {text}" if bullet else text)
        elif rest and item.label:
            out.append(_paragraph(escape_text(item.label)))
        return out + self.blocks(rest)

    def table(self, table: n.Table) -> list[str]:
        """Return the caption and a GFM table; header rows after the first become body rows."""
        rows = [*table.header, *table.rows]
        if not rows:
            return [_paragraph(escape_text(table.caption))] if table.caption else []
        width = max(len(row) for row in rows)
        lines = [self.row(rows[0], width)]
        aligns = [_TABLE_ALIGN.get(cell.align or "", "---") for cell in rows[0]]
        aligns += ["---"] * (width - len(aligns))
        lines.append("| " + " | ".join(aligns) + " |")
        lines += [self.row(row, width) for row in rows[1:]]
        out = [_paragraph(escape_text(table.caption))] if table.caption else []
        return [*out, "\n".join(lines)]

    def row(self, row: tuple[n.Cell, ...], width: int) -> str:
        """Return one GFM table row padded to `width` cells."""
        cells = [
            self.inlines(cell.inlines, in_table=True)
            + (escape_text(" " + cell_text(replace(cell, inlines=()))) if cell.blocks else "")
            for cell in row
        ]
        cells += [""] * (width - len(cells))
        return "| " + " | ".join(cells) + " |"

    def party(self, party: n.SignatureParty) -> str:
        """Return one party's signature lines as a paragraph with hard line breaks."""
        role = escape_text(party.role) + escape_text(colon(party.role))
        lines = [f"{role}{escape_text(party.name)}"]
        lines += [f"{escape_text(line)}{escape_text(colon(line).rstrip())}" for line in party.lines]
        return _paragraph("\\\n".join(lines))


def _plain_label(label: str, lang: str = "") -> tuple[str, ...]:
    """Return `label` and its separator (an English paragraph's: a space, `lang`) as lead
    pieces, escaped; nothing when empty."""
    return (escape_text(labelled(label, "", lang)),) if label else ()


def _strong_label(label: str) -> tuple[str | _Span, ...]:
    """Return `label` in bold, then its separator, as lead pieces."""
    if not label:
        return ()
    separator = labelled(label, "")[len(label) :]
    return (_Span("**", "strong", escape_text(label)), separator)


def write_markdown(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as UTF-8 Markdown: title, subtitle, then every block, labels printed."""
    writer = _Writer(doc)
    paragraphs = [f"# {escape_text(doc.title).replace(chr(10), ' ')}"]
    if doc.subtitle:
        paragraphs.append(_paragraph(escape_text(doc.subtitle)))
    paragraphs += writer.blocks(doc.blocks)
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")
