"""What changed, in words: the clause summary (JSON-ready), one sentence per clause and the
plain-text report of `policygen diff`."""

from __future__ import annotations

import re
from typing import Any, get_args

from rich.cells import cell_len  # terminal columns: two for a wide character

from policygen.alignment import (
    plain,
    text_changes,
    tokens,
)
from policygen.diff.compare import (
    CONTEXT_WORDS,
    SMALL_CHANGE,
    STATUS_WORDS,
    WORDS,
    Clause,
    Comparison,
    Status,
    short,
)
from policygen.templating.filters import cn_date

# --------------------------------------------------------------------------- summary


def summary(comparison: Comparison) -> dict[str, Any]:
    """Return the clause summary of `comparison` as JSON-ready data."""
    counts = {status: 0 for status in get_args(Status)}
    for clause in comparison.clauses:
        counts[clause.status] += 1
    old, new = comparison.revisions
    return {
        "document": comparison.name,
        "title": comparison.new.title,
        "old": {"version": old.version, "date": old.date.isoformat(), "author": old.author},
        "new": {"version": new.version, "date": new.date.isoformat(), "author": new.author},
        "counts": counts,
        "clauses": [
            {
                "status": clause.status,
                "kind": clause.kind,
                "id": clause.id,
                "old_number": clause.old_number or None,
                "new_number": clause.new_number or None,
                "title": clause.title,
                "changes": describe(clause) or None,
                "old_text": clause.old_text if clause.status != "added" else None,
                "new_text": clause.new_text if clause.status != "removed" else None,
            }
            for clause in comparison.clauses
        ],
    }


def describe(clause: Clause) -> str:
    """Return briefly what changed in `clause`, word by word (alignment.tokens), e.g.
    「不超过两小时」改为「不超过一小时」；增加「（四）客户身份识别……」；「第六十四条」改为「第六十三条」.

    Empty for a clause added or removed as a whole, or only renumbered."""
    if clause.status not in ("changed", "references"):
        return ""
    pieces: list[str] = []
    for index, (before, after) in enumerate(clause.lines):
        old, new = plain(before or ()), plain(after or ())
        if index == 0 and old.startswith(clause.leads[0]) and new.startswith(clause.leads[1]):
            old, new = old[len(clause.leads[0]) :], new[len(clause.leads[1]) :]
        if before is None:
            pieces.append(WORDS["insert"].format(new=short(new)))
        elif after is None:
            pieces.append(WORDS["delete"].format(old=short(old)))
        elif old != new:
            for tag, i1, i2, j1, j2 in text_changes(old, new):
                if tag == "equal":
                    continue
                if max(i2 - i1, j2 - j1) <= SMALL_CHANGE:  # 「1」改为「7」 says too little
                    left, right = _context(old[:i1], before=True), _context(old[i2:], before=False)
                    tag = "replace"
                else:
                    left = right = ""
                old_words, new_words = left + old[i1:i2] + right, left + new[j1:j2] + right
                pieces.append(WORDS[tag].format(old=short(old_words), new=short(new_words)))
    return WORDS["change_separator"].join(pieces)


def report(comparison: Comparison, width: int = 80) -> list[str]:
    """Return the clause summary of `comparison` as text lines of at most `width` terminal
    columns, broken between words: the versions with their dates and the new one's author,
    a line per added, removed or changed clause (its numbers and title, then what changed),
    and a line each for the clauses only renumbered and those whose references alone moved."""
    old, new = comparison.revisions
    heading = WORDS["report_heading"].format(
        title=comparison.new.title, old=old.version, old_date=cn_date(old.date),
        new=new.version, new_date=cn_date(new.date), author=new.author,
    )  # fmt: skip
    lines = _wrapped(heading, width, "")
    if not comparison.clauses:
        return [*lines, *_wrapped(WORDS["no_changes"], width, "")]
    indent = " " * 6
    renumbered: list[Clause] = []
    references: list[Clause] = []
    for clause in comparison.clauses:
        if clause.status in ("renumbered", "references"):
            (renumbered if clause.status == "renumbered" else references).append(clause)
            continue
        number = clause.new_number or clause.old_number
        if clause.old_number and clause.new_number and clause.old_number != clause.new_number:
            number = WORDS["report_renumbered"].format(old=clause.old_number, new=number)
        title = "" if clause.kind == "section" else clause.title
        line = WORDS["report_clause"].format(status=STATUS_WORDS[clause.status], number=number)
        lines += _wrapped(line + title, width, indent)
        if changes := describe(clause):
            lines += _wrapped(indent + changes, width, indent)
    if renumbered:
        first = renumbered[0]
        line = WORDS["summary_renumbered"].format(
            count=len(renumbered), first=first.old_number, then=first.new_number
        )
        lines += _wrapped(line, width, "")
    if references:
        numbers = WORDS["number_separator"].join(c.new_number for c in references)
        line = WORDS["summary_references"].format(count=len(references), numbers=numbers)
        lines += _wrapped(line, width, "")
    return lines


_NO_LINE_START = frozenset("」』）》〉】，。；：、！？”’)]},.;:!?")
"""Marks a line never starts with (the rule of Chinese typesetting, 避头点)."""
_NO_LINE_END = frozenset("「『（《〈【“‘([{")
"""Marks a line never ends with (避尾点)."""


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    """Return `text` in lines of at most `width` terminal columns (a Chinese character takes
    two), broken between words (alignment.tokens), a closing mark kept with the word before
    it and an opening mark with the word after; the lines after the first start with
    `indent`. A word wider than a line overflows it."""
    units: list[str] = []
    for word in tokens(text):
        if units and (word[0] in _NO_LINE_START or units[-1][-1] in _NO_LINE_END):
            units[-1] += word
        else:
            units.append(word)
    lines: list[str] = []
    line = ""
    for unit in units:
        if cell_len(line) + cell_len(unit.rstrip()) <= width or not line.strip():
            line += unit
            continue
        lines.append(line.rstrip())
        line = indent + unit
    return [*lines, line.rstrip()]


_PAUSE = re.compile(r"[\s，。；：、（）《》“”！？,.;:()]")


def _context(text: str, *, before: bool) -> str:
    """Return up to CONTEXT_WORDS words of `text` next to a change: its end when `before`, else
    its start, stopping at punctuation."""
    words = tokens(text)
    picked = reversed(words) if before else iter(words)
    out: list[str] = []
    for word in picked:
        if len(out) == CONTEXT_WORDS or _PAUSE.fullmatch(word):
            break
        out.append(word)
    return "".join(reversed(out) if before else out)
