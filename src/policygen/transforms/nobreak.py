"""Mark the runs of text that no line may break inside.

Input: a numbered, reference-resolved tree. Output: the same tree where, in every run of text,
each run of the kinds below stands as a NoBreak, which every writer prints on one line (HTML
and WeasyPrint: a ``nobr`` span; Typst: a box; DOCX: `joined`):

* an amount or a number with a thousands separator, decimals or a per cent sign, with the unit
  that follows it (717,735.85元, 99.95%, 30%);
* a date (2026年1月1日, 2026年1月);
* an identifier: letters and digits joined by ``- _ . / :`` (MY-ITO-2026-001, V2.0, 9:00,
  ISO/IEC 27001), and a time span of two (9:00—18:00);
* an article or clause reference typed in the text (第十一条, 第1.1条, 第十二条第（三）项);
  a cross-reference (Ref) is kept whole by the writers themselves;
* in a table cell, every word of at most CELL_WORD characters (权重, 紧急, ☐存在问题, 客户评价):
  a word being what the cell has between spaces and Chinese punctuation, so that a cell never
  wraps mid-word (a long cell still wraps between its words).

The plain strings a writer prints outside the inlines (the title, a caption, a signature line,
the running header) go through `runs` too. Running it twice changes nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from policygen.tree import nodes as n

_CHINESE_NUMERAL = "〇零一二三四五六七八九十百千"

UNBREAKABLE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    # an article or clause reference: 第十一条, 第1.1条, 第十二条第（三）项
    rf"第[{_CHINESE_NUMERAL}\d]+(?:\.\d+)*[章条款项节](?:第（[{_CHINESE_NUMERAL}]+）[项目])?"
    rf"|第（[{_CHINESE_NUMERAL}]+）[项目]"
    # a date: 2026年1月1日, 2026年1月
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?"
    # a time span, an identifier: 9:00—18:00, MY-ITO-2026-001, V2.0, ISO/IEC 27001
    r"|\d{1,2}:\d{2}[—–-]\d{1,2}:\d{2}"
    r"|[A-Za-z0-9]++(?:[-_./:][A-Za-z0-9]++)+%?(?:元|万元)?"
    # an amount or a number: 717,735.85元, 1,000, 99.95%, 30%
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:%|％|元|万元)?"
    r"|\d+(?:\.\d+)?(?:%|％)"
    r")"
)
"""The runs no line may break inside, anywhere in the text. The Latin runs are possessive and
looked for only at the start of a run of letters and digits, so the scan takes linear time."""

CELL_WORD = 6
"""The longest word of a table cell kept on one line (a check box and five characters)."""

WORD = re.compile(r"[\w☐☑■□%％.,:/／\-—（）()]+")
"""A word of a table cell: letters and digits with what holds them together (a decimal point,
a thousands separator, a per cent sign, a hyphen, brackets, a check box), between spaces,
Chinese punctuation and signs (、，。；：×÷)."""

WORD_JOINER = "\u2060"
"""Forbids a line break between its neighbours (Unicode line breaking class WJ)."""
NO_BREAK_LANGUAGE = "zh-CN-x-nobreak"
"""The East-Asian language a DOCX gives a run that no line may break inside: Chinese (China)
with a private-use subtag. LibreOffice breaks text tagged zh-CN (or ja-JP) with its own rules,
which ignore the word joiners `joined` puts between the run's characters; a tag it does not
know as one of those it breaks by Unicode's rules, which honour them, while it still picks
the Simplified Chinese face of a font for it (zxx or und-Hans would give the HK face)."""

_JOINED = re.compile(r"[A-Za-z0-9.,%]")
"""Characters between which no line breaks in Word and LibreOffice anyway (a number, a word)."""


def runs(text: str, *, cell: bool = False) -> Iterator[tuple[str, bool]]:
    """Yield `text` in pieces, each with whether no line may break inside it; with `cell`, the
    text of a table cell, whose short words are kept whole too."""
    spans = [match.span() for match in UNBREAKABLE.finditer(text)]
    if cell:
        spans = _union(spans, list(_cell_words(text)))
    position = 0
    for start, end in spans:
        if start > position:
            yield text[position:start], False
        yield text[start:end], True
        position = end
    if position < len(text):
        yield text[position:], False


def _cell_words(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of the words of a table cell `text` kept on one line: each of at most
    CELL_WORD characters, and in a longer one a Chinese part of at most four set off by Latin
    letters or digits (认证 in 27001认证)."""
    for match in WORD.finditer(text):
        start, end = match.span()
        if 1 < end - start <= CELL_WORD:
            yield start, end
        elif end - start > CELL_WORD:
            for part in _CHINESE_PART.finditer(match.group()):
                yield start + part.start(), start + part.end()


_CHINESE_PART = re.compile(r"(?:(?<=[A-Za-z0-9])|^)[^\x00-\x7f]{2,4}(?=[A-Za-z0-9]|$)")
"""A part of two to four Chinese characters between Latin letters or digits and a word's edge."""


def _union(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the spans covering `first` and `second`, overlapping ones merged, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted([*first, *second]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def joined(text: str) -> str:
    """Return `text` as a format without a no-break span must carry it (DOCX): a word joiner
    (U+2060) after each of its characters that a line could break after, that is, any but
    one of letters, digits and ``.,%`` followed by another, or by a hyphen. LibreOffice and
    Word break lines by Unicode's rules, which honour it; a non-breaking hyphen (U+2011) is
    no help, as LibreOffice 7.4 then breaks such a word anywhere in Chinese text."""
    out: list[str] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        if before and char != "-" and not (_JOINED.match(char) and _JOINED.match(before)):
            out.append(WORD_JOINER)
        out.append(char)
    return "".join(out)


def mark(blocks: tuple[n.Block, ...]) -> tuple[n.Block, ...]:
    """Return `blocks` with their unbreakable runs marked (see the module)."""
    return tuple(_block(block) for block in blocks)


def _block(block: n.Block) -> n.Block:
    match block:
        case n.Paragraph(inlines=inlines):
            return replace(block, inlines=_inlines(inlines))
        case n.Chapter(title=title, blocks=children) | n.Article(title=title, blocks=children):
            return replace(block, title=_inlines(title), blocks=mark(children))
        case n.Heading(inlines=inlines):
            return replace(block, inlines=_inlines(inlines))
        case n.OrderedList(items=items) | n.BulletList(items=items):
            return replace(block, items=tuple(replace(i, blocks=mark(i.blocks)) for i in items))
        case n.Table(header=header, rows=rows):
            return replace(block, header=_rows(header), rows=_rows(rows))
        case n.SignatureBlock(note=note):
            return replace(block, note=_inlines(note))
    return block


def _rows(rows: tuple[tuple[n.Cell, ...], ...]) -> tuple[tuple[n.Cell, ...], ...]:
    return tuple(
        tuple(replace(cell, inlines=_inlines(cell.inlines, cell=True)) for cell in row)
        for row in rows
    )


def _inlines(inlines: tuple[n.Inline, ...], *, cell: bool = False) -> tuple[n.Inline, ...]:
    out: list[n.Inline] = []
    for node in inlines:
        match node:
            case n.Text(text=text):
                out += [
                    n.NoBreak(piece) if kept else n.Text(piece)
                    for piece, kept in runs(text, cell=cell)
                ]
            case n.Strong(children=children):
                out.append(n.Strong(_inlines(children, cell=cell)))
            case n.Emphasis(children=children):
                out.append(n.Emphasis(_inlines(children, cell=cell)))
            case _:
                out.append(node)
    return tuple(out)
