"""Number paragraphs with Word's own lists, checked against the labels the tree gave them.

Input: the list definitions and numbered styles of the house-style reference.docx, then the
numbered paragraphs of a document in order, each with its style and its label from
transforms.numbering (第一条, 1.1, （一）). Output: for each paragraph the list instance and level
(numId, ilvl) under which Word and LibreOffice show exactly that label, or None when no list can
(the writer then types the label as text, as before).

Every paragraph is checked by counting as Word counts: a level's counter goes up by one, starts
at its start value the first time, restarts when a higher level of its list is used, and a list
instance's ``w:startOverride`` restarts it on first use. The count is done twice, once with
counters per list instance and once per list definition, because Word and LibreOffice disagree
on whether two instances of one definition share counters; a number is used only when both
counts give the label. When the list a style is linked to would continue (a second （一）…（三）
list in a later article), a new instance restarting every level is tried, as Word's “Restart at
1” makes one.

Articles and chapters are separate lists, so articles number on across chapters (LibreOffice
7.x ignores ``w:lvlRestart``). Contract clauses 1.1 and 1.1.1 are levels 2 and 3 of the article
list shown in Arabic digits (``w:isLgl``, Word's 正规形式编号), so inserting an article renumbers
its clauses too. Word honours it; LibreOffice only since its 2024 releases, and 7.x shows
一.1 there (its own REF results follow suit). Typing 1.1 as text instead would look right in
LibreOffice 7 but stop following the article number in Word, so it is not done."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from docx.document import Document as DocxDocument
from docx.styles.style import BaseStyle

from policygen.templating.filters import cn_number
from policygen.writers import docx_oxml
from policygen.writers.docx_oxml import NumberingLevel

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


def level_text(levels: tuple[NumberingLevel, ...], level: int, counters: Counters) -> str | None:
    """Return the number text of `level` given every level's `counters`; None when a counter
    it shows was never set or its format is not modelled."""
    own = levels[level]
    if own.fmt == "bullet":
        return own.text
    texts = []
    for literal, shown in _text_parts(own.text):
        texts.append(literal)
        if shown is None:
            continue
        count = counters[shown] if shown < len(counters) else None
        fmt = "decimal" if own.legal else levels[shown].fmt if shown < len(levels) else ""
        text = None if count is None else format_number(count, fmt)
        if text is None:
            return None
        texts.append(text)
    return "".join(texts)


@cache
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
    """Assign list numbers to a document's paragraphs in reading order, counting as Word does."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.definitions = docx_oxml.read_numbering(document)
        self.nums: dict[int, tuple[int, dict[int, int]]] = {
            num_id: (abstract, dict(starts))
            for num_id, (abstract, starts) in self.definitions.nums.items()
        }
        self.active: dict[int, int] = {}
        """The instance each list definition continues with, by definition id."""
        self.by_num: dict[int, Counters] = {}
        self.by_abstract: dict[int, Counters] = {}
        self.started: set[tuple[int, int]] = set()
        """(numId, level) pairs already used: a start override applies only before."""
        self._styles: dict[object, tuple[tuple[int, int] | None, str | None]] = {}
        """What each style (by element) is numbered with, and its id: styles do not change
        while writing."""
        self._patterns: dict[tuple[int, int], re.Pattern[str] | None] = {}
        """`level_pattern` of each (definition, level), compiled once."""
        self._missing: set[int] = set()
        """numIds styles are numbered with that the document lacks (yet)."""
        self.revision = 0
        """Goes up when a list instance a style is numbered with comes into being (a restart
        taking the numId the style names): only then can `link` and `fits` answer otherwise
        for a style."""

    def link(self, style: BaseStyle) -> tuple[int, int, tuple[NumberingLevel, ...]] | None:
        """Return (numId, level, the list's levels) that `style` is numbered with, or None."""
        linked = self._style(style)[0]
        if linked is None or linked[0] not in self.nums:
            return None
        num_id, level = linked
        levels = self.definitions.abstracts.get(self.nums[num_id][0], ())
        return (num_id, level, levels) if level < len(levels) else None

    def _style(self, style: BaseStyle) -> tuple[tuple[int, int] | None, str | None]:
        """Return what `style` itself is numbered with and its id, read once per style (by
        element: python-docx parses ``style.style_id`` from the XML on every read)."""
        key = style.element
        if key not in self._styles:
            linked = docx_oxml.style_numbering(style)
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
        key = (self.nums[num_id][0], level)
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
        abstract = self.nums[style_num][0]
        current = self.active.get(abstract, style_num)
        text, own, shared = self._count(current, abstract, level, levels, self.nums[current][1])
        if text == label:
            linked_back = levels[level].style == self._style(style)[1]
            by_style = current == style_num and linked_back
            return self._commit(current, abstract, level, (own, shared), by_style)
        restart = {index: item.start for index, item in enumerate(levels)}
        text, own, shared = self._count(None, abstract, level, levels, restart)
        if text != label:
            return None
        fresh = docx_oxml.add_num(self.document, abstract, restart)
        self.nums[fresh] = (abstract, restart)
        if fresh in self._missing:
            self.revision += 1
        self.active[abstract] = fresh
        return self._commit(fresh, abstract, level, (own, shared), False)

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
        self,
        num_id: int | None,
        abstract: int,
        level: int,
        levels: tuple[NumberingLevel, ...],
        starts: dict[int, int],
    ) -> tuple[str | None, Counters, Counters]:
        """Return the number both counting models show for the next paragraph at `level` of
        instance `num_id` (None: a new instance, restarting at `starts`), None when they
        differ; and the counters of each model (per instance, per definition) after it."""
        own = [] if num_id is None else self.by_num.get(num_id, [])
        own = self._next(own, num_id, level, levels, starts)
        shared = self._next(self.by_abstract.get(abstract, []), num_id, level, levels, starts)
        text = level_text(levels, level, own)
        if shared != own and level_text(levels, level, shared) != text:
            return None, own, shared
        return text, own, shared

    def _commit(
        self,
        num_id: int,
        abstract: int,
        level: int,
        counted: tuple[Counters, Counters],
        by_style: bool,
    ) -> Numbered:
        """Count the paragraph `_count` counted as `counted` under instance `num_id`."""
        self.by_num[num_id], self.by_abstract[abstract] = counted
        self.started.add((num_id, level))
        self.active[abstract] = num_id
        return Numbered(num_id, level, by_style)
