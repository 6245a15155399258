"""Number paragraphs with Word's own lists, checked against the labels the tree gave them.

Input: the list definitions and numbered styles of the house-style reference.docx, then the
numbered paragraphs of a document in order, each with its style and its label from
transforms.numbering (第一条, 1.1, （一）). Output: for each paragraph the list instance and level
(numId, ilvl) under which Word and LibreOffice show exactly that label, or None when no list can
(the writer then types the label as text, as before).

Every paragraph is checked by counting as each reader counts: a level's counter goes up by
one, starts at its start value the first time, restarts when a higher level of its list is
used, and a list instance's ``w:startOverride`` restarts it on first use. Word keeps one set of
counters per list definition, shared by all its instances (a restarting instance resets them);
LibreOffice shares them between the instances that restart nothing and gives a restarting
instance counters of its own. Word and LibreOffice from 24.8 show a level marked ``w:isLgl``
with every counter in Arabic digits; LibreOffice 7.x ignores the mark. A number is used only
when every one of these readings gives the label. When the list a style is linked to would
continue (a second （一）…（三） list in a later article), a new instance restarting every
level is tried, as Word's “Restart at 1” makes one.

Articles and chapters are separate lists, so articles number on across chapters (LibreOffice
7.x ignores ``w:lvlRestart``). Contract clauses 1.1 and 1.1.1 are levels 2 and 3 of the
article list, numbered through a second instance of it: the articles' instance shows level 1
in Chinese counting (第一条, a ``w:lvlOverride``), the clauses' instance shows the definition's
own level 1, in Arabic digits, so %1.%2 reads 1.1 in every reader without relying on
``w:isLgl`` (which the clause levels keep for Word). Both instances count with the same
counters, so inserting an article renumbers the clauses after it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.styles.style import BaseStyle

from policygen.caches import CACHES
from policygen.numerals import cn_number
from policygen.writers.docx import oxml
from policygen.writers.docx.oxml import NumberingLevel

_PLACEHOLDER = re.compile(r"%([1-9])")
_CIRCLED = 20
"""Word writes ① … ⑳ for decimalEnclosedCircle; larger numbers are left to a literal label."""
_PATTERNS = {
    "decimal": r"\d+",
    "chineseCounting": r"[零一二三四五六七八九十百千万]+",
    "decimalEnclosedCircle": "[\u2460-\u2473]",
}

Counters = list[int | None]


def format_number(value: int, fmt: str) -> str | None:
    """Return `value` as Word shows it in number format `fmt`; None for a format not modelled.

    ``chineseCounting`` is written as cn_number writes labels (十一, 二十, 一百零一)."""
    if value < 1:
        return None
    if fmt == "decimal":
        return str(value)
    if fmt == "chineseCounting":
        return cn_number(value)
    if fmt == "decimalEnclosedCircle" and value <= _CIRCLED:
        return chr(0x2460 + value - 1)
    return None


def level_text(
    levels: tuple[NumberingLevel, ...], level: int, counters: Counters, *, legal: bool = True
) -> str | None:
    """Return the number text of `level` given every level's `counters`; None when a counter
    it shows was never set or its format is not modelled. With `legal` False, ignore
    ``w:isLgl`` and show each counter in its own level's format, as LibreOffice 7.x does."""
    own = levels[level]
    if own.fmt == "bullet":
        return own.text
    texts = []
    for literal, shown in _text_parts(own.text):
        texts.append(literal)
        if shown is None:
            continue
        count = counters[shown] if shown < len(counters) else None
        arabic = legal and own.legal
        fmt = "decimal" if arabic else levels[shown].fmt if shown < len(levels) else ""
        text = None if count is None else format_number(count, fmt)
        if text is None:
            return None
        texts.append(text)
    return "".join(texts)


@CACHES.memo
def _text_parts(text: str) -> tuple[tuple[str, int | None], ...]:
    """Return number text `text` (``w:lvlText``, e.g. 第%1条) cut once into (literal, index
    of the level whose counter follows it, None after the last)."""
    parts: list[tuple[str, int | None]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append((text[position : match.start()], int(match.group(1)) - 1))
        position = match.end()
    parts.append((text[position:], None))
    return tuple(parts)


def level_pattern(levels: tuple[NumberingLevel, ...], level: int) -> re.Pattern[str] | None:
    """Return a pattern matching every number text `level` can show; None if unmodelled."""
    own = levels[level]
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(own.text):
        parts.append(re.escape(own.text[position : match.start()]))
        shown = int(match.group(1)) - 1
        fmt = "decimal" if own.legal else levels[shown].fmt if shown < len(levels) else ""
        if fmt not in _PATTERNS:
            return None
        parts.append(_PATTERNS[fmt])
        position = match.end()
    parts.append(re.escape(own.text[position:]))
    return re.compile("".join(parts))


def reference_text(label: str) -> str:
    """Return what a ``REF … \\n`` field to a paragraph numbered `label` shows: Word drops
    trailing periods (1. → 1)."""
    return label.rstrip(".")


@dataclass(frozen=True)
class Numbered:
    """Where a paragraph sits in Word's lists."""

    num_id: int
    """The list instance (``w:numId``)."""
    level: int
    """The level (``w:ilvl``), 0 = outermost."""
    by_style: bool
    """The paragraph's style is numbered with exactly this list and level, and the level
    names the style back (``w:pStyle``), so the paragraph need not name them itself (and
    should not: LibreOffice then takes the list's indent over the style's). A heading style
    not named back must: LibreOffice ignores a heading style's numbering otherwise."""


class ListNumbering:
    """Assign list numbers to a document's paragraphs in reading order, counting as Word and
    LibreOffice do."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        definitions = oxml.read_numbering(document)
        self.nums: dict[int, tuple[int, dict[int, int]]] = {
            num_id: (abstract, dict(starts))
            for num_id, (abstract, starts) in definitions.nums.items()
        }
        """Each list instance's definition and the start overrides it restarts levels at."""
        self.shown: dict[int, tuple[NumberingLevel, ...]] = {
            num_id: definitions.levels(num_id) for num_id in definitions.nums
        }
        """The levels each list instance shows, its level overrides applied."""
        self.override_starts: dict[int, dict[int, int]] = {
            num_id: {index: level.start for index, level in levels.items()}
            for num_id, levels in definitions.overrides.items()
        }
        """The start of each level a list instance overrides (``w:lvlOverride/w:lvl``): Word
        may restart such a level on the instance's first use, as it does a start override."""
        self.active: dict[int, int] = {}
        """The instance each style's list continues with (a restart of it), by the numId the
        style is numbered with."""
        self.by_list: dict[tuple[str, int], Counters] = {}
        """LibreOffice's counters, by list: ("definition", id) for the instances of a
        definition that restart nothing, ("instance", numId) for one that does."""
        self.by_abstract: dict[int, Counters] = {}
        """Word's counters, by list definition."""
        self.started: set[tuple[int, int]] = set()
        """(numId, level) pairs already used: a start override applies only before."""
        self._styles: dict[object, tuple[tuple[int, int] | None, str | None]] = {}
        """What each style (by element) is numbered with, and its id: styles do not change
        while writing."""
        self._patterns: dict[tuple[int, int], re.Pattern[str] | None] = {}
        """`level_pattern` of each (list instance, level), compiled once."""
        self._missing: set[int] = set()
        """numIds styles are numbered with that the document lacks (yet)."""
        self.revision = 0
        """Goes up when a list instance a style is numbered with comes into being (a restart
        taking the numId the style names): only then can `link` and `fits` answer otherwise
        for a style."""

    def link(self, style: BaseStyle) -> tuple[int, int, tuple[NumberingLevel, ...]] | None:
        """Return (numId, level, the levels that instance shows) that `style` is numbered
        with, or None."""
        linked = self._style(style)[0]
        if linked is None or linked[0] not in self.nums:
            return None
        num_id, level = linked
        levels = self.shown[num_id]
        return (num_id, level, levels) if level < len(levels) else None

    def _style(self, style: BaseStyle) -> tuple[tuple[int, int] | None, str | None]:
        """Return what `style` itself is numbered with and its id, read once per style (by
        element: python-docx parses ``style.style_id`` from the XML on every read)."""
        key = style.element
        if key not in self._styles:
            linked = oxml.style_numbering(style)
            if linked is not None and linked[0] not in self.nums:
                self._missing.add(linked[0])
            self._styles[key] = (linked, style.style_id)
        return self._styles[key]

    def fits(self, style: BaseStyle, label: str) -> bool:
        """Return whether `style`'s list level can show a number like `label` at all."""
        linked = self.link(style)
        if linked is None:
            return False
        num_id, level, levels = linked
        key = (num_id, level)
        if key not in self._patterns:
            self._patterns[key] = level_pattern(levels, level)
        pattern = self._patterns[key]
        return pattern is not None and pattern.fullmatch(label) is not None

    def number(self, style: BaseStyle, label: str) -> Numbered | None:
        """Return the list position that shows `label` for the next paragraph in `style`, and
        count it; None (counting nothing) when neither continuing nor restarting the list can."""
        linked = self.link(style)
        if linked is None or not label:
            return None
        style_num, level, levels = linked
        current = self.active.get(style_num, style_num)
        text, own, shared = self._count(current, style_num, level, self.nums[current][1])
        if text == label:
            linked_back = levels[level].style == self._style(style)[1]
            by_style = current == style_num and linked_back
            return self._commit(current, level, (own, shared), by_style)
        abstract = self.nums[style_num][0]
        restart = {index: item.start for index, item in enumerate(levels)}
        text, own, shared = self._count(None, style_num, level, restart)
        if text != label:
            return None
        fresh = oxml.add_num(self.document, abstract, restart, like=style_num)
        self.nums[fresh] = (abstract, restart)
        self.shown[fresh] = levels
        if style_num in self.override_starts:
            self.override_starts[fresh] = self.override_starts[style_num]
        if fresh in self._missing:
            self.revision += 1
        self.active[style_num] = fresh
        return self._commit(fresh, level, (own, shared), False)

    def _list(self, num_id: int) -> tuple[str, int]:
        """Return the list whose counters LibreOffice counts instance `num_id` with."""
        abstract, starts = self.nums[num_id]
        return ("instance", num_id) if starts else ("definition", abstract)

    def _next(
        self,
        counters: Counters,
        num_id: int | None,
        level: int,
        levels: tuple[NumberingLevel, ...],
        starts: dict[int, int],
    ) -> Counters:
        """Return `counters` after one more paragraph at `level` of instance `num_id`."""
        counters = [*counters, *[None] * (len(levels) - len(counters))]
        previous = counters[level]
        if (num_id, level) not in self.started and level in starts:
            counters[level] = starts[level]
        elif previous is None:
            counters[level] = levels[level].start
        else:
            counters[level] = previous + 1
        for deeper in range(level + 1, len(counters)):
            counters[deeper] = None
        return counters

    def _count(
        self, num_id: int | None, base: int, level: int, starts: dict[int, int]
    ) -> tuple[str | None, Counters, Counters]:
        """Return the number every reader shows for the next paragraph at `level` of instance
        `num_id` (None: a new instance like `base`, restarting at `starts`), None when they
        differ; and LibreOffice's and Word's counters after it."""
        levels = self.shown[base]
        abstract = self.nums[base][0]
        own = [] if num_id is None else self.by_list.get(self._list(num_id), [])
        own = self._next(own, num_id, level, levels, starts)
        restarts = {**self.override_starts.get(base, {}), **starts}
        shared = self.by_abstract.get(abstract, [])
        shared = self._next(shared, num_id, level, levels, restarts)
        word = level_text(levels, level, shared)
        if word is None or word != level_text(levels, level, own):
            return None, own, shared
        if level_text(levels, level, own, legal=False) != word:
            return None, own, shared
        return word, own, shared

    def _commit(
        self, num_id: int, level: int, counted: tuple[Counters, Counters], by_style: bool
    ) -> Numbered:
        """Count the paragraph `_count` counted as `counted` under instance `num_id`."""
        self.by_list[self._list(num_id)], self.by_abstract[self.nums[num_id][0]] = counted
        self.started.add((num_id, level))
        return Numbered(num_id, level, by_style)
