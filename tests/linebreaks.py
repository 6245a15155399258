"""Find where a printed PDF breaks a line inside a word, as a reader sees the page.

The PDF's lines and their positions come from poppler's ``pdftotext -bbox-layout``. A line
`b` continues a line `a` when it starts just below it (less than a line's height lower) and
the two overlap across the page; a word is broken when `a` ends with its beginning and `b`
starts with the rest. Spaces are ignored on both sides, so that a word Latin text spaces out
reads the same."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from policygen.tree import nodes as n
from policygen.tree.text import inline_text

_XHTML = "{http://www.w3.org/1999/xhtml}"
_SPACE = re.compile(r"\s+")

WORD = re.compile(r"[\w☐☑■□%％.,:／/\-—（）()]+")
"""A word of a table cell: letters and digits with what holds them together (a decimal point,
a thousands separator, a per cent sign, a hyphen, brackets, a check box ☐), between spaces,
full stops and Chinese commas."""

SHORT_WORD = 4
"""The longest word (in characters) no table cell may break."""


@dataclass(frozen=True)
class Line:
    """One printed line."""

    page: int
    text: str
    """Its characters, spaces removed."""
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


def pdf_lines(path: Path) -> list[Line]:
    """Return every line of the PDF at `path`, page by page in pdftotext's reading order."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True, huge_tree=True))
    lines = []
    for number, page in enumerate(root.iter(f"{_XHTML}page"), start=1):
        for line in page.iter(f"{_XHTML}line"):
            text = _SPACE.sub("", "".join(word.text or "" for word in line.iter(f"{_XHTML}word")))
            box = [float(line.get(key, "0")) for key in ("xMin", "yMin", "xMax", "yMax")]
            lines.append(Line(number, text, *box))
    return lines


def continuations(lines: list[Line]) -> Iterator[tuple[Line, Line]]:
    """Yield each pair of lines where the second continues the first (see the module)."""
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page in by_page.values():
        for a in page:
            height = a.bottom - a.top
            for b in page:
                if b is a or not b.text or not a.text:
                    continue
                drop = b.top - a.top
                if 0.5 * height < drop < 1.9 * height and b.left < a.right and a.left < b.right:
                    yield a, b


def broken(words: Iterable[str], pairs: Iterable[tuple[Line, Line]]) -> list[str]:
    """Return, for each pair of lines that breaks one of `words`, ``page N: 'word' as a…|…b``:
    the first line ends with the word's beginning and the second starts with the rest."""
    index = _by_ends(pairs)
    found = []
    for word in {_SPACE.sub("", word) for word in words}:
        for cut in range(1, len(word)):
            for a, b in index.get((word[cut - 1], word[cut]), ()):
                if a.text.endswith(word[:cut]) and b.text.startswith(word[cut:]):
                    found.append(_shown(word, a, b))
    return sorted(set(found))


def broken_in_cells(cells: Iterable[str], pairs: Iterable[tuple[Line, Line]]) -> list[str]:
    """Return, as `broken` does, each break inside a word of at most SHORT_WORD characters of
    one of the table cells whose texts are `cells`: the two lines read as the cell's text before
    and after the cut, each a whole line of it, so that a word broken elsewhere (in body text,
    or in another cell's longer word) does not count."""
    index = _by_ends(pairs)
    found = []
    for cell in {_SPACE.sub("", cell) for cell in cells}:
        for match in WORD.finditer(cell):
            word = match.group()
            if not 1 < len(word) <= SHORT_WORD:
                continue
            for cut in range(match.start() + 1, match.end()):
                for a, b in index.get((cell[cut - 1], cell[cut]), ()):
                    if cell[:cut].endswith(a.text) and cell[cut:].startswith(b.text):
                        found.append(_shown(word, a, b))
    return sorted(set(found))


def _by_ends(pairs: Iterable[tuple[Line, Line]]) -> dict[tuple[str, str], list[tuple[Line, Line]]]:
    index: dict[tuple[str, str], list[tuple[Line, Line]]] = {}
    for a, b in pairs:
        index.setdefault((a.text[-1], b.text[0]), []).append((a, b))
    return index


def _shown(word: str, a: Line, b: Line) -> str:
    return f"page {a.page}: {word!r} as …{a.text[-12:]}|{b.text[:12]}…"


def cell_texts(doc: n.Document) -> list[str]:
    """Return the text of every cell of `doc`'s tables."""
    return [
        inline_text(cell.inlines)
        for table in tables(doc.blocks)
        for row in (*table.header, *table.rows)
        for cell in row
    ]


def tables(blocks: Iterable[n.Block]) -> Iterator[n.Table]:
    """Yield every table in `blocks`, depth first."""
    from policygen.tree.walk import walk

    for node, _place in walk(blocks):
        if isinstance(node, n.Table):
            yield node
