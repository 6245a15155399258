"""What every format prints around the body: the cover, the contents page and the bookmarks.

Input: a Document tree and its HouseStyle. Output: plain values the Typst and HTML writers
print and the DOCX writer checks its pages against: the cover's lines (the style's `cover`,
filled in), the entries of the contents page (目录: chapters, titled articles and the
headings the DOCX lists, as its ``TOC`` field does), the PDF bookmarks (every chapter,
article and heading), and how a layout's pages become the numbers the footers print.

The pages of a layout (layout.engine.Layout) are counted from the first sheet, cover included;
the body starts at the sheet carrying `BODY_ANCHOR`. The house style's ``footer.numbering``
says what the footers print: ``body``, the body's pages from 1 (`shown_pages` subtracts the
cover and contents sheets), or ``all``, every sheet from the cover."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from policygen.caches import CACHES
from policygen.kinds import DOCUMENT_KINDS
from policygen.style.css import END_ANCHOR  # the anchor after the body's last block
from policygen.style.model import CONTEXTUAL_ROLES, HouseStyle
from policygen.templating.filters import terms
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.writers import table_widths
from policygen.writers.page_values import document_values, fill
from policygen.writers.text import labelled

BODY_ANCHOR = "_body"
"""The anchor (HTML id, Typst marker) at the start of the body; tree ids begin with a
letter, so it is never one of theirs."""
CONTENTS_ANCHOR = "_toc-{index}"
"""The anchor at the `index`-th (from 1) heading the contents page lists: the PDF's
contents entry points at it, and the DOCX finds the entry's page by it in the layout."""
PAGE_COUNT_KEY = ""
"""The page map's key of the number of sheets (as layout.weasyprint_layout and the Typst
writer give it)."""


@dataclass(frozen=True)
class CoverLine:
    """One printed line of a cover."""

    role: str
    """Its text style (``cover_title``, ``cover_party``…)."""
    text: str
    before: float
    """The gap above it in pt: its style's space before or the previous line's space after,
    whichever is larger; none after a line of the same contextual role."""
    after: float
    """Space after it in pt."""
    lines: tuple[str, ...] = ()
    """The title as it is set (title_lines): its lines, each kept whole; empty for any other
    line, printed as `text` is."""
    size: float | None = None
    """The title's size in pt when it is set smaller to fit (title_lines); None: its style's."""


def cover_lines(doc: n.Document, style: HouseStyle) -> tuple[CoverLine, ...]:
    """Return the lines of `doc`'s cover in `style`, top to bottom, with the space around
    each: between two lines the larger of the first's space after and the second's space
    before, as LibreOffice sets the DOCX and both PDFs set the body (so the printer of a line
    takes `before` as the gap above it, the previous `after` already within it); the second of
    two lines in a contextual role, such as a second party, follows the first without a gap."""
    values = document_values(doc)
    out: list[CoverLine] = []
    for line in style.cover:
        resolved = style.resolved(line.role)
        for text in fill(line.text, values):
            before, after = resolved.before, resolved.after
            if out and out[-1].role == line.role and line.role in CONTEXTUAL_ROLES:
                before = 0.0
                out[-1] = CoverLine(out[-1].role, out[-1].text, out[-1].before, 0.0)
            elif out:
                before = max(before, out[-1].after)
            if line.role == TITLE_ROLE and resolved.size:
                set_as = title_lines(text, resolved.size, _text_width(style, doc.kind))
                size = None if set_as.size == resolved.size else set_as.size
                out.append(CoverLine(line.role, text, before, after, set_as.lines, size))
            else:
                out.append(CoverLine(line.role, text, before, after))
    return tuple(out)


def _text_width(style: HouseStyle, kind: str) -> float:
    """Return the width in pt of the text block of a page of `kind` in `style`."""
    return style.text_width(kind) * 72 / 25.4


@dataclass(frozen=True)
class ContentsEntry:
    """One line of the contents page."""

    level: int
    """1 for a chapter (or a first-level heading), 2 for a titled article or a second-level
    heading (text style ``toc_1``/``toc_2``)."""
    text: str
    """The heading as the DOCX lists it: its label, the separator and its title."""


@dataclass(frozen=True)
class Bookmark:
    """One entry of a PDF's outline."""

    level: int
    """1 for a chapter, and for an article or heading outside chapters; 2 inside one."""
    text: str
    """The label and title (第一章　总则, 第三条　定义), or the label alone of an article
    without a title (第一条)."""


TITLE_ROLE = "cover_title"
"""The cover line that holds the title, set by `title_lines`."""
MIN_TITLE_SCALE = 0.75
"""How far a cover title too long for one line is set smaller to fit before it is broken."""


@CACHES.memo(files=True)
def _title_rules() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Return where a cover title may break (after and before the words terms.yaml's
    ``cover_title`` names) and the words it may end with, kept whole on its last line."""
    words = terms()["cover_title"]
    after = "|".join(f"(?<={re.escape(w)})" for w in words["break_after"].split())
    before = "|".join(re.escape(w) for w in words["break_before"].split())
    breaks = re.compile(f"(?:{after})(?=.)" + (f"|(?<=.)(?={before})" if before else ""))
    return breaks, tuple(words["last_words"].split())


@dataclass(frozen=True)
class TitleLines:
    """How a cover title is set: its lines and their size."""

    lines: tuple[str, ...]
    """The title's lines, each kept whole (one unless it had to break)."""
    size: float
    """The font size in pt: the style's, or smaller for a title set smaller to fit one line."""


def text_width(text: str, size: float) -> float:
    """Return about how wide `text` is at `size` pt (table_widths.text_width, in ems)."""
    return size * table_widths.text_width(text)


def title_lines(title: str, size: float, width: float) -> TitleLines:
    """Return how to set `title` at `size` pt on lines `width` pt wide: whole on one line,
    set smaller when it must be (down to MIN_TITLE_SCALE of `size`); a title too long even
    then is broken only where a title may break (terms.yaml's cover_title),
    each line as full as it can be, and set smaller if a line needs it; so no line ends
    inside a word (外包服务管/理办法). Only a title with no such place, too long for its
    lines at the smallest size, is broken where its lines are full."""
    floor = size * MIN_TITLE_SCALE
    if text_width(title, size) <= width:
        return TitleLines((title,), size)
    if text_width(title, floor) <= width:
        return TitleLines((title,), _fitting(title, size, width))
    breaks, last_words = _title_rules()
    places = [m.start() for m in breaks.finditer(title)]
    last = max((len(title) - len(w) for w in last_words if title.endswith(w)), default=0)
    places = sorted({*places, *([last] if last > 0 else [])})
    lines = _fill(title, places, size, width)
    widest = max(lines, key=lambda line: text_width(line, size))
    if text_width(widest, floor) <= width:
        return TitleLines(lines, min(size, _fitting(widest, size, width)))
    return TitleLines(_fill(title, list(range(1, len(title))), floor, width), floor)


def _fitting(text: str, size: float, width: float) -> float:
    """Return the largest size, in half points up to `size`, at which `text` fits `width`."""
    return min(size, int(size * width / text_width(text, size) * 2) / 2)


def _fill(title: str, places: list[int], size: float, width: float) -> tuple[str, ...]:
    """Return `title` broken at some of `places`, each line the longest that fits `width` at
    `size` (a line with no place to break within the width runs on to the next place)."""
    lines: list[str] = []
    start = 0
    while text_width(title[start:], size) > width:
        later = [p for p in places if p > start]
        if not later:
            break
        fitting = [p for p in later if text_width(title[start:p], size) <= width]
        end = fitting[-1] if fitting else later[0]
        lines.append(title[start:end])
        start = end
    lines.append(title[start:])
    return tuple(lines)


def contents_entry(block: n.Block) -> ContentsEntry | None:
    """Return the contents entry of `block`, None when the contents do not list it: a chapter,
    a titled article, a heading of level 2 or less (the DOCX's Heading 1 and Heading 2)."""
    match block:
        case n.Chapter(label=label, title=title):
            return ContentsEntry(1, labelled(label, "") + inline_text(title))
        case n.Article(label=label, title=title) if title:
            return ContentsEntry(2, labelled(label, "") + inline_text(title))
        case n.Heading(inlines=inlines, level=level) if level <= 2:
            return ContentsEntry(max(level, 1), inline_text(inlines))
    return None


def bookmark(block: n.Block, in_chapter: bool) -> Bookmark | None:
    """Return the bookmark of `block` (`in_chapter`: it sits in a chapter), None for none."""
    level = 2 if in_chapter else 1
    match block:
        case n.Chapter(label=label, title=title):
            return Bookmark(1, labelled(label, "") + inline_text(title))
        case n.Article(label=label, title=title):
            text = labelled(label, "") + inline_text(title) if title else label
            return Bookmark(level, text) if text else None
        case n.Heading(inlines=inlines, level=heading) if heading <= 2:
            return Bookmark(level, inline_text(inlines))
    return None


def walk(blocks: tuple[n.Block, ...], in_chapter: bool = False) -> Iterator[tuple[n.Block, bool]]:
    """Yield every block of `blocks` and below, in document order, with whether it sits in a
    chapter: the order in which the writers meet them."""
    for block in blocks:
        yield block, in_chapter
        match block:
            case n.Chapter(blocks=children):
                yield from walk(children, True)
            case n.Article(blocks=children):
                yield from walk(children, in_chapter)
            case n.OrderedList(items=items) | n.BulletList(items=items):
                for item in items:
                    yield from walk(item.blocks, in_chapter)


def contents_anchor(index: int) -> str:
    """Return the anchor of the `index`-th (from 1) contents entry's heading."""
    return CONTENTS_ANCHOR.format(index=index)


def has_contents(doc: n.Document) -> bool:
    """Return whether `doc`'s kind has a contents page (kinds.Kind.contents)."""
    kind = DOCUMENT_KINDS.get(doc.kind)
    return kind is not None and kind.contents


def contents_entries(doc: n.Document) -> tuple[ContentsEntry, ...]:
    """Return the entries of `doc`'s contents page, in order."""
    found = (contents_entry(block) for block, _ in walk(doc.blocks))
    return tuple(entry for entry in found if entry is not None)


def bookmarks(doc: n.Document) -> tuple[Bookmark, ...]:
    """Return `doc`'s PDF outline, in order."""
    found = (bookmark(block, inside) for block, inside in walk(doc.blocks))
    return tuple(mark for mark in found if mark is not None)


def front_sheets(pages: Mapping[str, int]) -> int:
    """Return how many sheets of a layout's `pages` come before the body (cover, contents)."""
    return pages.get(BODY_ANCHOR, 1) - 1


def shown_pages(pages: Mapping[str, int], numbering: str) -> dict[str, int]:
    """Return `pages` (sheets from 1, the count under PAGE_COUNT_KEY) as the footers number
    them under the style's ``footer.numbering``: with ``body`` the body's first sheet is page
    1 and the count is the body's; with ``all`` as they are."""
    if numbering != "body":
        return dict(pages)
    front = front_sheets(pages)
    return {key: max(1, page - front) for key, page in pages.items()}


__all__ = [
    "BODY_ANCHOR",
    "CONTENTS_ANCHOR",
    "END_ANCHOR",
    "PAGE_COUNT_KEY",
    "TITLE_ROLE",
    "Bookmark",
    "ContentsEntry",
    "CoverLine",
    "TitleLines",
    "bookmark",
    "bookmarks",
    "contents_anchor",
    "contents_entries",
    "contents_entry",
    "cover_lines",
    "front_sheets",
    "has_contents",
    "shown_pages",
    "text_width",
    "title_lines",
    "walk",
]
