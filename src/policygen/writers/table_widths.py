"""Decide how wide each column of a table is: one rule that the DOCX, HTML/WeasyPrint and Typst
writers all print, so that a table wraps the same way in every format.

Input: a Table node (its unbreakable runs marked by transforms.nobreak), the width of the text
block and the table's font size in pt. Output: each column's width in pt, the columns filling
the text block, each width counting its cell's padding and rule (CELL_PADDING).

A template may state the columns' proportions (``{widths="1 4 1"}`` before the table, see
templates/README.md); the columns then share the width in those proportions, except that a
column never gets less than its short cells need (`keep` below) while the others can give it
that. Otherwise the widths are automatic, as a browser's automatic table layout shares room, with one difference:
a column is never narrower than what must not break in it.

* Each column has three measures, in ems of the table's font (a Chinese character one em, a
  Latin letter or digit about half): `most`, its widest line unbroken; `keep`, its widest short
  cell (at most SHORT_CELL characters: 权重, 紧急, 15分钟; a header such as 得分（0—100） may
  wrap before its bracket) or
  unbreakable run (an amount, an identifier, a word of a cell); `least`, its widest unbreakable
  run alone.
* When every column fits at its `most`, the room left is shared in proportion to `most`.
* Otherwise each column gets its `keep` and the room left goes in proportion to how much wider
  than that each would like to be (`most` − `keep`), so that the long text columns (计算方法,
  评审要点) take it. When the `keep` widths do not fit side by side, the columns whose short
  cells are widest (against their `least`) give way first, down to `least`: their short cells
  may then wrap, between words, never inside an unbreakable run.

Estimates, not measures of the fonts: a Latin letter counts a little wider than Noto CJK's, so
that what the rule keeps on one line fits in every engine (LibreOffice, Word, WeasyPrint,
Typst) with the fonts they substitute."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from policygen.tree import nodes as n

SHORT_CELL = 10
"""Cells of at most this many characters are kept on one line when the columns allow it."""

CELL_PADDING = 2 * 5.4 + 0.5
"""What a column needs beyond its text, in pt: the DOCX cell margins (Word's 0.19 cm, the
widest of the three formats: both PDFs pad cells by 5 pt) on both sides, and the rule."""

SLACK = 0.6
"""Ems a column gets beyond its estimate: LibreOffice sets Latin text in Liberation Serif and
puts a quarter em between Chinese and Latin characters (w:autoSpaceDE), which the estimate
leaves out."""

_NARROW = {" ": 0.3, ".": 0.3, ",": 0.3, ":": 0.3, ";": 0.3, "'": 0.25, "|": 0.3, "!": 0.3}


def text_width(text: str) -> float:
    """Return how many ems `text` takes: a wide (CJK, full-width) character one em, a Latin
    capital 0.72, other letters and digits 0.6, narrow punctuation less."""
    total = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF":
            total += 1.0
        elif char in _NARROW:
            total += _NARROW[char]
        elif char.isupper() or char in "%@#&—–":
            total += 0.85 if char in "%@#&—MW" else 0.72
        elif char.isascii():
            total += 0.6
        else:
            total += 1.0  # ☐, ① and the like: as wide as a Chinese character
    return total


@dataclass(frozen=True)
class ColumnMeasure:
    """What one column asks for, in ems."""

    most: float
    """Its widest line, unbroken."""
    keep: float
    """Its widest short cell or unbreakable run: what it should not wrap."""
    least: float
    """Its widest unbreakable run: what it cannot wrap."""


def measure(table: n.Table) -> list[ColumnMeasure]:
    """Return what each column of `table` asks for (see the module)."""
    rows = (*table.header, *table.rows)
    columns = max((len(row) for row in rows), default=0)
    out = []
    for index in range(columns):
        most = keep = least = 0.0
        for row in rows:
            if index >= len(row):
                continue
            lines, unbreakable = _cell_measures(row[index])
            widest = max(text_width(line) for line in lines)
            runs = max([text_width(run) for run in unbreakable] + [_CHARACTER])
            most = max(most, widest)
            least = max(least, runs)
            short = all(len(line) <= SHORT_CELL for line in lines)
            if short:  # whole, but for a bracket, before which it may wrap: 得分 / （0—100）
                widest = max(text_width(part) for line in lines for part in _BRACKETED.split(line))
            keep = max(keep, widest if short else runs)
        out.append(ColumnMeasure(most, max(keep, least), least))
    return out


_BRACKETED = re.compile(r"(?=[（(])|(?<=[）)])")
"""Where a short cell may wrap: before an opening bracket and after a closing one."""

_CHARACTER = 2.0
"""The narrowest a column may be: a character and the punctuation that may not start a line."""


def column_widths(
    table: n.Table, width: float, size: float, proportions: tuple[float, ...] = ()
) -> list[float]:
    """Return the width in pt of each column of `table` in a text block `width` pt wide, its
    text `size` pt: in `proportions` when given (one per column), else `table.widths`, else
    automatic (see the module). The widths add up to `width`."""
    shares = proportions or table.widths
    measures = measure(table)
    if not measures:
        return []
    pad = CELL_PADDING + SLACK * size
    keep = _floors(
        [m.keep * size + pad for m in measures], [m.least * size + pad for m in measures], width
    )
    if shares and len(shares) == len(measures):
        return _stated(list(shares), keep, width)
    most = [m.most * size + pad for m in measures]
    if sum(most) <= width:
        return [each * width / sum(most) for each in most]
    if sum(keep) > width:  # even the unbreakable runs do not fit: share by them
        return [each * width / sum(keep) for each in keep]
    room = width - sum(keep)
    wants = [max(0.0, m - k) for m, k in zip(most, keep, strict=True)]
    total = sum(wants) or 1.0
    return [k + room * want / total for k, want in zip(keep, wants, strict=True)]


def _floors(keep: list[float], least: list[float], width: float) -> list[float]:
    """Return the narrowest each column may be: its `keep`, except that, while the columns
    do not fit side by side in `width`, the column whose short cells are widest against its
    `least` gives way to that, and the next."""
    floors = list(keep)
    for index in sorted(range(len(keep)), key=lambda i: least[i] - keep[i]):
        if sum(floors) <= width:
            break
        floors[index] = least[index]
    return floors


def _stated(shares: list[float], keep: list[float], width: float) -> list[float]:
    """Return `width` shared in the proportions `shares`, except that a column narrower than
    its `keep` gets that and the others share the rest (when all the `keep` widths fit)."""
    if sum(keep) > width:
        return [width * share / sum(shares) for share in shares]
    held: dict[int, float] = {}
    while True:
        free = [i for i in range(len(shares)) if i not in held]
        room = width - sum(held.values())
        total = sum(shares[i] for i in free) or 1.0
        out = {i: room * shares[i] / total for i in free}
        short = [i for i in free if out[i] < keep[i]]
        if not short:
            return [held[i] if i in held else out[i] for i in range(len(shares))]
        for i in short:
            held[i] = keep[i]


def _cell_measures(cell: n.Cell) -> tuple[list[str], list[str]]:
    """Return the lines of `cell` and its unbreakable runs, its paragraphs' and its tables'
    (a nested table's row as one line) included."""
    lines = _plain(cell.inlines).split("\n")
    runs = _unbreakable(cell.inlines)
    for block in cell.blocks:
        if isinstance(block, n.Table):
            for row in (*block.header, *block.rows):
                measured = [_cell_measures(inner) for inner in row]
                lines.append("　".join(max(m[0], key=text_width) for m in measured))
                runs += [run for m in measured for run in m[1]]
        else:
            lines += _plain(block.inlines).split("\n")
            runs += _unbreakable(block.inlines)
    return lines, runs


def _plain(inlines: tuple[n.Inline, ...]) -> str:
    from policygen.tree.text import inline_text

    return inline_text(inlines)


def _unbreakable(inlines: tuple[n.Inline, ...]) -> list[str]:
    """Return the pieces of `inlines` no line breaks inside: unbreakable runs, references, and
    the Latin words of the plain text."""
    out: list[str] = []
    for node in inlines:
        match node:
            case n.NoBreak(text=text):
                out.append(text)
            case n.Ref():
                out.append(_plain((node,)))
            case n.Text(text=text):
                out += [word for word in text.split() if word.isascii()]
            case n.Strong(children=children) | n.Emphasis(children=children):
                out += _unbreakable(children)
    return out
