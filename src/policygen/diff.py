"""Compare two versions of a document: which clauses changed, a redline, a 修订对照表.

Input: two validated profiles (the old and the new version) and a document kind. The two
numbered trees are aligned part by part into a `Comparison`, from which this module derives
the clause summary (`summary`, JSON-ready), the tracked-changes redline (`redline`, written by
writers.redline) and the 修订对照表 (`revision_table`, a document tree for the ordinary writers).

How parts are matched is described in policygen.alignment.

The clauses the summary and the 修订对照表 report are chapters (their heading line), articles
(条) and numbered contract clauses (1.1): an article that holds numbered clauses reports its own
heading line and unnumbered content, each clause separately; an article added or removed as a
whole is one clause with everything in it. Blocks outside any chapter or article form sections,
each opened by an unnumbered heading (鉴于, 附件, 修订记录), the title or a signature page.
A clause is *changed* when its text (its own number left out) differs, *renumbered* when only
its number does, and *references* (条文序号调整) when what differs besides its number is only the
number of the clauses it cites, which moved when a clause before them was added or removed: a
cross-reference citing the same clause id on both sides is the same words.

Each side of a comparison is a `Revision` of the profile: its version, the date and author of
that version's entry in ``meta.revision_history`` (see `revision_of`). The tracked changes of the
redline carry the new revision's author and date, so that Word's review pane shows who changed
what and when.

The words this module puts into documents (table headings, notes) are in WORDS, read from
terms.yaml."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from policygen.alignment import (
    Pair,
    Part,
    align,
    columns,
    line_changes,
    marked,
    outline,
    plain,
    text_changes,
    tokens,
)
from policygen.errors import InvalidInputError, Issue, Location, UsageError
from policygen.pipeline import Job, build_tree, jobs, writer_options
from policygen.profile.load import MAX_PROFILE_BYTES, parse
from policygen.profile.model import Profile
from policygen.templating.filters import cn_date, terms
from policygen.tree import nodes as n
from policygen.validation import check_parsed, checked, load_checked
from policygen.writers import WRITERS
from policygen.writers.redline import (
    Redline,
    RedlineBlock,
    RedlineParagraph,
    RedlineRow,
    RedlineTable,
    Segment,
    write_redline,
)
from policygen.writers.redline_oxml import Change

Status = Literal["added", "removed", "changed", "renumbered", "references"]
Line = tuple[Segment, ...]
"""One printed line (paragraph) of text."""
LinePair = tuple[Line | None, Line | None]
"""A line in the old and the new version; None on the side that lacks it."""

SMALL_CHANGE = 2
"""A change of at most this many characters is described with the words around it."""
CONTEXT_WORDS = 3
"""How many words around a small change its description quotes."""
TITLE_CHARACTERS = 24
"""How much of a clause's text the summary shows when the clause has no title."""

COLUMN_WIDTHS = (1.0, 3.0, 3.0)
"""The proportions of the 修订对照表's columns 条款, 修订前 and 修订后; 条款 is never narrower
than its longest number, which never breaks (writers.table_widths: 第一百二十三条 on one line)."""

TABLE_KIND = "revision_table"
"""The kind of the 修订对照表 document: no kind's numbering, stylesheet or contents page."""

WORDS: Mapping[str, str] = terms()["revision_table"]
"""The Chinese words of the 修订对照表 and of section names, by key (terms.yaml)."""

STATUS_WORDS: Mapping[str, str] = terms()["revision_status"]
"""How the summary names each clause status (terms.yaml)."""

# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class TableSpan:
    """A table among a clause's lines: its rows are lines ``start`` to ``start + len(rows)``."""

    start: int
    """The index in `Clause.lines` of its first row."""
    table: Pair
    """The table, old and new; its rows are `_row_pairs` of it."""


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of the summary: an article, a numbered clause, a chapter heading or a
    section outside them, with its number before and after."""

    status: Status
    """``added``, ``removed``, ``changed``, ``renumbered`` (only its number changed) or
    ``references`` (besides its number, only the numbers of the clauses it cites changed)."""
    kind: str
    """``chapter``, ``article``, ``clause`` or ``section``."""
    id: str | None
    """The clause's id; None when it has none."""
    old_number: str
    """Its number (or section name) in the old version; empty when added."""
    new_number: str
    """Its number (or section name) in the new version; empty when removed."""
    title: str
    """The article title or heading, else the first words of its text."""
    lines: tuple[LinePair, ...] = field(default=())
    """Its text line by line, old and new aligned; None where a line is only on one side."""
    leads: tuple[str, str] = ("", "")
    """How its first line begins in the old and the new version: its number and the space
    after it, which `describe` leaves out (the number is reported on its own)."""
    tables: tuple[TableSpan, ...] = ()
    """The tables among `lines`, which the 修订对照表 prints as tables."""

    @property
    def old_text(self) -> str:
        """Return the clause's text in the old version, lines joined by newlines."""
        return "\n".join(plain(o) for o, _ in self.lines if o is not None)

    @property
    def new_text(self) -> str:
        """Return the clause's text in the new version, lines joined by newlines."""
        return "\n".join(plain(m) for _, m in self.lines if m is not None)


@dataclass(frozen=True, slots=True)
class Revision:
    """What one side of a comparison is called, when it was made and by whom."""

    version: str
    """The version of the profile, e.g. V2.1: a contract has none of its own, so its
    revisions too are named by the profile's."""
    date: date
    """The day the version was revised (see `revision_of`); the new side's dates the tracked
    changes of the redline."""
    author: str
    """Who revised it (see `revision_of`); the new side's is the author of every tracked
    change of the redline."""


def revision_of(profile: Profile, *, author: str | None = None, on: date | None = None) -> Revision:
    """Return the revision `profile` is: its ``meta.version``, dated and signed by the entry of
    ``meta.revision_history`` for that version (the last, should there be several).

    `on` and `author`, when given, are the date and author instead. Without them and without
    an entry (or an entry without an author), the version is dated by its effective date, the
    only other date the profile gives it, and signed by the organisation's lead department
    (外包归口管理部门), which keeps the regulation."""
    meta = profile.meta
    entry = next((r for r in reversed(meta.revision_history) if r.version == meta.version), None)
    if on is None:
        # Without an entry for the version, its effective date is the only date it has.
        on = entry.date if entry is not None else meta.effective_date
    if not author:
        author = entry.author if entry is not None and entry.author else None
    return Revision(meta.version, on, author or profile.organisation.departments.lead)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two versions of one document, aligned."""

    old: n.Document
    """The old version's tree."""
    new: n.Document
    """The new version's tree."""
    pairs: tuple[Pair, ...]
    """The outlines of both, aligned."""
    clauses: tuple[Clause, ...]
    """Every clause that was added, removed, changed or renumbered, in document order."""
    name: str
    """The stem of the output files, e.g. ``regulation`` or ``contract-HX-001``."""
    revisions: tuple[Revision, Revision]
    """The old and the new version's names and dates."""


def compare_documents(
    old: n.Document,
    new: n.Document,
    name: str = "",
    revisions: tuple[Revision, Revision] | None = None,
) -> Comparison:
    """Return `old` and `new` aligned, with their clause changes. When `revisions` is None,
    the versions are named by the documents' own version and date, and signed by the
    organisation."""
    pairs = align(outline(old), outline(new))
    if revisions is None:
        revisions = (Revision(old.meta.version, old.meta.date, old.meta.organisation),
                     Revision(new.meta.version, new.meta.date, new.meta.organisation))  # fmt: skip
    return Comparison(old, new, pairs, tuple(_clauses(pairs)), name or new.kind, revisions)


def compare(
    old: Profile,
    new: Profile,
    kind: str,
    *,
    contract_no: str | None = None,
    template_dirs: Sequence[Path] = (),
    author: str | None = None,
    revised_on: date | None = None,
) -> Comparison:
    """Return the `kind` document of profiles `old` and `new` compared.

    For per-engagement kinds `contract_no` picks the engagement in both; None means each
    profile's only engagement, and is an error when either has several. `author` and
    `revised_on` sign and date the new revision (the tracked changes); None takes them from
    the profile (`revision_of`). The comparison is named as render names the files of the new
    version's job (pipeline.Job.stem), e.g. ``contract-HX-001``."""
    trees = []
    for profile in (old, new):
        checked(profile, template_dirs=template_dirs)
        job = _job(profile, kind, contract_no)
        trees.append(build_tree(profile, job, template_dirs=template_dirs)[0])
    revisions = (revision_of(old), revision_of(new, author=author, on=revised_on))
    return compare_documents(trees[0], trees[1], job.stem, revisions)


def _job(profile: Profile, kind: str, contract_no: str | None) -> Job:
    """Return the job of `kind` in `profile`, for per-engagement kinds the chosen engagement."""
    found = jobs(profile, [kind])
    if found and found[0].engagement is None:
        return found[0]
    matches = [
        job for job in found if job.engagement and contract_no in (None, job.engagement.contract_no)
    ]
    if len(matches) != 1:
        numbers = ", ".join(e.contract_no for e in profile.engagements) or "（无）"
        raise UsageError(
            f"请用 --contract-no 指定一份合同；配置中的合同编号：{numbers} (choose one engagement)"
        )
    return matches[0]


# --------------------------------------------------------------------------- clauses

_UNITS = ("chapter", "article", "clause")


def _clauses(pairs: Sequence[Pair]) -> Iterator[Clause]:
    """Yield the clauses of aligned top-level `pairs` that differ, in document order."""
    section: list[Pair] = []
    after_units = False
    for item in pairs:
        part = item.part
        if part.kind in _UNITS:
            yield from _section(section, after_units)
            section, after_units = [], True
            yield from _unit(item)
            continue
        head = part.kind in ("title", "subtitle")
        in_head = bool(section) and section[0].part.kind in ("title", "subtitle")
        if section and (part.kind == "heading" or part.page_break or head != in_head):
            yield from _section(section, after_units)
            section = []
        section.append(item)
    yield from _section(section, after_units)


def _section(pairs: Sequence[Pair], after_units: bool) -> Iterator[Clause]:
    """Yield the section of top-level `pairs` as one clause, if it differs. It is named by its
    heading, else as the title, a signature page, the front matter (before any chapter or
    article, unless `after_units`) or the body."""
    if not pairs:
        return
    first = pairs[0].part
    kinds = {item.part.kind for item in pairs}
    if first.kind == "heading":
        name = first.text
    elif first.kind in ("title", "subtitle"):
        name = WORDS["head"]
    elif "signature" in kinds:
        name = WORDS["signature"]
    else:
        name = WORDS["body"] if after_units else WORDS["front"]
    lines: list[LinePair] = []
    spans: list[TableSpan] = []
    for item in pairs:
        _add_lines(item, lines, spans)
    old, new = _texts(lines, old=True), _texts(lines, old=False)
    if old == new:
        return
    status: Status = "added" if not old else "removed" if not new else "changed"
    if status == "changed" and _texts(lines, old=True, keyed=True) == _texts(
        lines, old=False, keyed=True
    ):
        status = "references"
    yield Clause(
        status,
        "section",
        first.id,
        name if old else "",
        name if new else "",
        name,
        tuple(lines),
        tables=tuple(spans),
    )


def _unit(item: Pair) -> Iterator[Clause]:
    """Yield the clause of `item` (a chapter, article or numbered clause) if it differs, then
    the clauses nested in it."""
    whole = item.old is None or item.new is None
    fold = whole and item.part.kind != "chapter"
    lines: list[LinePair] = []
    spans: list[TableSpan] = []
    _add_lines(item, lines, spans, nested=False)
    nested: list[Pair] = []
    for child in item.children:
        if child.part.kind in _UNITS and not fold:
            nested.append(child)
        else:
            _add_lines(child, lines, spans)
    clause = _judge(item, lines, spans)
    if clause is not None:
        yield clause
    for child in nested:
        yield from _unit(child)


def _judge(item: Pair, lines: list[LinePair], spans: list[TableSpan]) -> Clause | None:
    """Return the clause of `item` made of `lines` (its tables at `spans`), or None when it did
    not change at all."""
    old, new = item.old, item.new
    part = item.part
    title = _title(part)
    if old is None or new is None:
        status: Status = "added" if old is None else "removed"
    else:
        before = _texts(lines, old=True, lead=old.lead)
        after = _texts(lines, old=False, lead=new.lead)
        if before != after:
            keyed = _texts(lines, old=True, lead=old.lead, keyed=True) == _texts(
                lines, old=False, lead=new.lead, keyed=True
            )
            status = "references" if keyed else "changed"
        elif old.label != new.label:
            status = "renumbered"
        else:
            return None
    return Clause(
        status,
        part.kind,
        part.id,
        _number(old),
        _number(new),
        title,
        tuple(lines),
        (old.lead if old else "", new.lead if new else ""),
        tuple(spans),
    )


def _texts(
    lines: Sequence[LinePair], *, old: bool, lead: str = "", keyed: bool = False
) -> list[str]:
    """Return the old (`old`) or new side of `lines` as text, `lead` (the clause's own number)
    left out of the first line. When `keyed`, a cross-reference is the id it cites, not its
    words, so that a reference renumbered with its clause reads the same on both sides."""
    out = [
        "".join(f"\0{s.target}\0" if keyed and s.target else s.text for s in line)
        for line in (pair[0] if old else pair[1] for pair in lines)
        if line is not None
    ]
    if out and lead and out[0].startswith(lead):
        out[0] = out[0][len(lead) :]
    return out


def _title(part: Part) -> str:
    """Return the words that name `part`: its title, or the start of its text."""
    body = part.body.strip()
    if part.kind == "chapter" or part.role == "article":
        return body
    return _short(body.split("\n")[0])


def _number(part: Part | None) -> str:
    """Return how `part`'s number is cited: 第七条, 第一章, 第2.1条; empty for None."""
    if part is None:
        return ""
    label = part.label
    if part.kind == "clause" and label and not label.startswith("第"):
        return WORDS["clause_number"].format(label=label)
    return label


def _add_lines(
    item: Pair, lines: list[LinePair], spans: list[TableSpan], *, nested: bool = True
) -> None:
    """Append to `lines` the line of `item` itself (for a table its caption and rows, recorded
    in `spans`) and, when `nested`, the lines of everything under it, old and new aligned."""
    old, new = item.old, item.new
    old_line = old.line if old else None
    new_line = new.line if new else None
    if old_line is not None or new_line is not None:
        lines.append((old_line, new_line))
    if item.part.kind == "table":
        rows = _row_pairs(item)
        if rows:
            spans.append(TableSpan(len(lines), item))
        lines += [(_row_line(old, a), _row_line(new, b)) for a, b in rows]
    for child in item.children if nested else ():
        _add_lines(child, lines, spans)


def _row_pairs(item: Pair) -> list[tuple[int | None, int | None]]:
    """Return the aligned row indexes of table `item`; rows of tables whose columns differ, and
    of a table on one side only, are all removed and added."""
    if item.rows:
        return list(item.rows)
    old_rows = [(k, None) for k in range(len(item.old.rows))] if item.old else []
    new_rows = [(None, k) for k in range(len(item.new.rows))] if item.new else []
    return [*old_rows, *new_rows]


def _row_line(table: Part | None, index: int | None) -> Line | None:
    """Return row `index` of `table` as one line, cells separated; None for no row."""
    if table is None or index is None:
        return None
    joined: list[Segment] = []
    for k, cell in enumerate(table.rows[index]):
        if k:
            joined.append(Segment(WORDS["cell_separator"]))
        joined += cell
    return tuple(joined)


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
            pieces.append(WORDS["insert"].format(new=_short(new)))
        elif after is None:
            pieces.append(WORDS["delete"].format(old=_short(old)))
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
                pieces.append(WORDS[tag].format(old=_short(old_words), new=_short(new_words)))
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
        if _columns(line) + _columns(unit.rstrip()) <= width or not line.strip():
            line += unit
            continue
        lines.append(line.rstrip())
        line = indent + unit
    return [*lines, line.rstrip()]


def _columns(text: str) -> int:
    """Return how many terminal columns `text` takes: two for a wide character, else one."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


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


def _short(text: str) -> str:
    """Return `text` on one line, cut after the last word that ends within TITLE_CHARACTERS
    characters (a first word longer than that is cut)."""
    line = " ".join(text.split())
    if len(line) <= TITLE_CHARACTERS:
        return line
    kept = ""
    for word in tokens(line):
        if len(kept) + len(word) > TITLE_CHARACTERS:
            break
        kept += word
    return (kept or line[:TITLE_CHARACTERS]) + "……"


# --------------------------------------------------------------------------- redline


def redline(comparison: Comparison) -> Redline:
    """Return the redline of `comparison`: the new document with every change tracked."""
    blocks: list[RedlineBlock] = []
    for item in comparison.pairs:
        blocks += _redline_blocks(item)
    new = comparison.new
    revision = comparison.revisions[1]
    meta = replace(new.meta, date=revision.date)  # the changes' date
    return Redline(new.kind, new.title, new.subtitle, meta, tuple(blocks), revision.author)


def _redline_blocks(item: Pair) -> list[RedlineBlock]:
    """Return the paragraphs and tables of `item` and everything under it."""
    out: list[RedlineBlock] = []
    old, new = item.old, item.new
    part = item.part
    if part.line is not None or (old and old.line is not None):
        change: Change | None
        if old and new and old.line is not None and new.line is not None:
            segments, change = line_changes(old.line, new.line), None
        elif new and new.line is not None:
            segments, change = marked(new.line, "ins"), "ins"
        else:
            assert old is not None and old.line is not None
            segments, change = marked(old.line, "del"), "del"
        out.append(
            RedlineParagraph(
                segments,
                part.role,
                part.align,
                change,
                page_break=bool(new and new.page_break),
            )
        )
    if part.kind == "table":
        out += _redline_tables(item)
    for child in item.children:
        out += _redline_blocks(child)
    return out


def _redline_tables(item: Pair) -> list[RedlineTable]:
    """Return the table of `item`: rows compared cell by cell, or, when the columns differ,
    the old table deleted and the new one inserted."""
    old, new = item.old, item.new
    if old and new and not item.rows and (old.rows or new.rows):
        return [*_redline_tables(Pair(old, None)), *_redline_tables(Pair(None, new))]
    width = columns(item.part)
    rows: list[RedlineRow] = []
    for a, b in _row_pairs(item):
        if b is not None and new is not None:
            header = b < new.header_rows
        else:
            header = old is not None and a is not None and a < old.header_rows
        role = "table_heading" if header else "table_text"
        if old and new and a is not None and b is not None:
            cells = tuple(
                RedlineParagraph(line_changes(x, y), role)
                for x, y in zip(old.rows[a], new.rows[b], strict=True)
            )
            rows.append(RedlineRow(_padded(cells, width, role), None, header))
            continue
        mark: Change = "ins" if b is not None else "del"
        side = (new, b) if b is not None else (old, a)
        assert side[0] is not None and side[1] is not None
        cells = tuple(
            RedlineParagraph(marked(cell, mark), role, None, mark) for cell in side[0].rows[side[1]]
        )
        rows.append(RedlineRow(_padded(cells, width, role), mark, header))
    return [RedlineTable(tuple(rows), width)] if rows else []


def _padded(
    cells: tuple[RedlineParagraph, ...], width: int, role: str
) -> tuple[RedlineParagraph, ...]:
    """Return `cells` with empty cells in `role` added up to `width`, for a short row."""
    return cells + tuple(RedlineParagraph((), role) for _ in range(width - len(cells)))


# --------------------------------------------------------------------------- 修订对照表


def revision_table(comparison: Comparison) -> n.Document:
    """Return the 修订对照表 of `comparison`: a table of every added, removed and changed
    clause in document order, 条款 / 修订前 / 修订后, changed words in bold; under it a note
    naming the clauses left out because only their number or the numbers they cite changed
    (条文序号调整)."""
    new = comparison.new
    old_revision, new_revision = comparison.revisions
    rows: list[tuple[n.Cell, ...]] = []
    renumbered = False
    references: list[str] = []
    for clause in comparison.clauses:
        if clause.status == "renumbered":
            renumbered = True
            continue
        if clause.status == "references":
            references.append(clause.new_number)
            continue
        rows.append(
            (
                n.Cell(_number_cell(clause), align="center"),
                _side(clause, old=True),
                _side(clause, old=False),
            )
        )
    header = ((n.Cell((n.Text(WORDS["clause"]),), "center"),
               n.Cell((n.Text(WORDS["before"]),), "center"),
               n.Cell((n.Text(WORDS["after"]),), "center")),)  # fmt: skip
    blocks: list[n.Block] = []
    if rows:  # a clause may be longer than a page: its row breaks rather than leave a gap
        blocks.append(n.Table(header, tuple(rows), widths=COLUMN_WIDTHS, split_rows=True))
    note = renumbering_note(renumbered, references)
    if rows or note:
        blocks.append(n.Paragraph((n.Text((WORDS["note_bold"] if rows else "") + note),)))
    else:
        blocks.append(n.Paragraph((n.Text(WORDS["no_changes"]),)))
    title = WORDS["table_title"].format(title=new.title)
    subtitle = WORDS["versions"].format(
        old=old_revision.version,
        old_date=cn_date(old_revision.date),
        new=new_revision.version,
        new_date=cn_date(new_revision.date),
    )
    # The table is the organisation's working paper, dated by the revision: a contract's keeps
    # its number, but no parties or signing date and place, for the table is not signed.
    meta = replace(new.meta, date=new_revision.date, subject=title, keywords=(), doc_no="",
                   parties=(), signed_on=None, signed_at="")  # fmt: skip
    return n.Document(TABLE_KIND, title, tuple(blocks), meta, subtitle, new.style)


def renumbering_note(renumbered: bool, references: Sequence[str]) -> str:
    """Return the note on the clauses a 修订对照表 leaves out: those only renumbered (when
    `renumbered`) and `references`, the numbers of those whose cited clause numbers alone
    changed; empty when there are none."""
    note = WORDS["note_renumbered"] if renumbered else ""
    if references:
        numbers = WORDS["number_separator"].join(references)
        note += WORDS["note_references"].format(numbers=numbers)
    return note


def _number_cell(clause: Clause) -> tuple[n.Inline, ...]:
    """Return the 条款 cell: the new number, and the old one under it when it changed; a number
    never breaks across lines (a section's name may)."""
    if clause.kind == "section":
        return (n.Text(clause.new_number or clause.old_number),)
    if not clause.new_number:
        return (n.NoBreak(clause.old_number),)
    if clause.old_number and clause.old_number != clause.new_number:
        formerly = WORDS["formerly"].format(number=clause.old_number)
        return (n.NoBreak(clause.new_number), n.LineBreak(), n.NoBreak(formerly))
    return (n.NoBreak(clause.new_number),)


def _side(clause: Clause, *, old: bool) -> n.Cell:
    """Return the 修订前 (`old`) or 修订后 cell of `clause`, its changes in bold: its lines, and
    its tables as tables."""
    if clause.status == ("added" if old else "removed"):
        return n.Cell((n.Text(WORDS["added" if old else "removed"]),))
    starts = {span.start: span for span in clause.tables}
    blocks: list[n.Block] = []
    inlines: list[n.Inline] = []  # the paragraph being gathered
    index = 0
    while index < len(clause.lines):
        span = starts.get(index)
        if span is not None:
            index += len(_row_pairs(span.table))
            table = _side_table(span.table, old=old)
            if table is not None:
                if inlines:
                    blocks.append(n.Paragraph(tuple(inlines)))
                    inlines = []
                blocks.append(table)
            continue
        before, after = clause.lines[index]
        index += 1
        if (before if old else after) is None:
            continue
        if inlines:
            inlines.append(n.LineBreak())
        inlines += _bold_changes(before, after, old=old)
    if not blocks:
        return n.Cell(tuple(inlines))
    if inlines:
        blocks.append(n.Paragraph(tuple(inlines)))
    return n.Cell((), blocks=tuple(blocks))


def _bold_changes(before: Line | None, after: Line | None, *, old: bool) -> list[n.Inline]:
    """Return the `old` side of a line (`before`, else `after`) as inlines, what the other
    side lacks in bold; a line on one side only is bold throughout."""
    keep: Change = "del" if old else "ins"
    line = before if old else after
    assert line is not None
    if before is None or after is None:
        segments: tuple[Segment, ...] = marked(line, keep)
    else:
        segments = line_changes(before, after)
    out: list[n.Inline] = []
    for segment in segments:
        if segment.change not in (None, keep):
            continue
        for k, piece in enumerate(segment.text.split("\n")):
            if k:
                out.append(n.LineBreak())
            if not piece:
                continue
            text = n.Text(piece)
            out.append(n.Strong((text,)) if segment.change else text)
    return out


def _side_table(item: Pair, *, old: bool) -> n.Table | None:
    """Return the old (`old`) or new version of table `item`, cell by cell what the other
    version lacks in bold (a whole row when the row, or the table's columns, differ); None
    when this version has no such table."""
    part = item.old if old else item.new
    if part is None:
        return None
    compared = item.old is not None and item.new is not None and bool(item.rows)
    header: list[tuple[n.Cell, ...]] = []
    body: list[tuple[n.Cell, ...]] = []
    for a, b in _row_pairs(item):
        index = a if old else b
        if index is None:
            continue
        if compared and a is not None and b is not None:
            assert item.old is not None and item.new is not None
            pairs: list[tuple[Line | None, Line | None]] = list(
                zip(item.old.rows[a], item.new.rows[b], strict=True)
            )
        else:
            pairs = [(cell, None) if old else (None, cell) for cell in part.rows[index]]
        cells = tuple(n.Cell(tuple(_bold_changes(x, y, old=old))) for x, y in pairs)
        cells += tuple(n.Cell(()) for _ in range(columns(part) - len(cells)))
        (header if index < part.header_rows else body).append(cells)
    return n.Table(tuple(header), tuple(body), caption="")


# --------------------------------------------------------------------------- files


def render_comparison(
    comparison: Comparison, *, template_dirs: Sequence[Path] = ()
) -> dict[str, bytes]:
    """Return the redline DOCX and the 修订对照表 DOCX and PDF of `comparison`, by file name."""
    options = writer_options(template_dirs)
    table = revision_table(comparison)
    stem = comparison.name
    return {
        f"{stem}-redline.docx": write_redline(redline(comparison), options),
        f"{stem}-修订对照表.docx": WRITERS["docx"](table, options),
        f"{stem}-修订对照表.pdf": WRITERS["pdf"](table, options),
    }


def diff_sources(
    old: str,
    new: str,
    kinds: Sequence[str] = ("regulation",),
    *,
    contract_no: str | None = None,
    template_dirs: Sequence[Path] = (),
    cwd: Path | None = None,
    author: str | None = None,
    revised_on: date | None = None,
) -> tuple[list[Comparison], dict[str, bytes]]:
    """Return the comparisons of each of `kinds` between the profiles at `old` and `new` (file
    paths or ``REV:path``, see `read_profile`), and their files by name. `author` and
    `revised_on` sign and date the changes (see `compare`); None takes them from the new
    profile's revision history."""
    old_profile = read_profile(old, cwd=cwd, template_dirs=template_dirs)
    new_profile = read_profile(new, cwd=cwd, template_dirs=template_dirs)
    comparisons = [
        compare(
            old_profile,
            new_profile,
            kind,
            contract_no=contract_no,
            template_dirs=template_dirs,
            author=author,
            revised_on=revised_on,
        )
        for kind in kinds
    ]
    files: dict[str, bytes] = {}
    for comparison in comparisons:
        files.update(render_comparison(comparison, template_dirs=template_dirs))
    return comparisons, files


def read_profile(
    source: str, *, cwd: Path | None = None, template_dirs: Sequence[Path] = ()
) -> Profile:
    """Return the profile at `source`: a file path, ``-`` for standard input, or a git
    revision ``REV:path`` read with ``git show REV:path`` in `cwd` (None: the current
    directory). A path that exists as a file is always read as a file. Its clause adaptations
    are checked against the documents of `template_dirs` (validation.check_parsed)."""
    if source == "-" or Path(cwd or ".", source).is_file() or ":" not in source:
        file = Path(cwd, source) if cwd and source != "-" else source
        return load_checked(file, name=source, template_dirs=template_dirs)
    revision, _, path = source.partition(":")
    if len(revision) == 1 and revision.isalpha() and path.startswith(("\\", "/")):
        # A Windows drive letter, not a revision.
        return load_checked(source, template_dirs=template_dirs)
    text = _git_show(revision, path, source, cwd)
    suffix = Path(path).suffix.lower()
    fmt = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}.get(suffix)
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    return check_parsed(parse(text, fmt=fmt, name=source), template_dirs=template_dirs)


def _git_show(revision: str, path: str, source: str, cwd: Path | None) -> str:
    """Return the text of `path` at git `revision`; raise InvalidInputError when git, the
    repository, the revision or the file is missing."""

    def fail(message: str) -> InvalidInputError:
        return InvalidInputError([Issue("", message, Location(source))], source)

    if revision.startswith("-"):  # would be read as an option of git show
        raise fail(f"无效的 git 版本「{revision}」 (invalid revision)")

    try:
        done = subprocess.run(
            ["git", "show", f"{revision}:{path}"],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError:
        raise fail("找不到 git 命令，无法读取 git 版本 (git not found)") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise fail(f"无法运行 git (cannot run git): {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[0] if reason else f"exit {done.returncode}"
        raise fail(f"无法从 git 读取 {revision}:{path}（{detail}） (cannot read git revision)")
    if len(done.stdout) > MAX_PROFILE_BYTES:
        raise fail("配置文件超过上限 (profile too large)")
    try:
        return done.stdout.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("文件不是 UTF-8 编码 (not UTF-8 encoded)") from None
