"""Align two versions of a document into clauses: added, removed, changed, renumbered, or
changed only in the numbers they cite (see the package)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from policygen.alignment import (
    Pair,
    Part,
    align,
    outline,
    plain,
    tokens,
)
from policygen.pipeline import build_tree, job_for
from policygen.profile.model import Profile
from policygen.templating.filters import terms
from policygen.tree import nodes as n
from policygen.validation import checked
from policygen.writers.docx.redline import (
    Segment,
)

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
    """The table, old and new; its rows are `row_pairs` of it."""


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
        job = job_for(profile, kind, contract_no)
        trees.append(build_tree(profile, job, template_dirs=template_dirs)[0])
    revisions = (revision_of(old), revision_of(new, author=author, on=revised_on))
    return compare_documents(trees[0], trees[1], job.stem, revisions)


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
    return short(body.split("\n")[0])


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
        rows = row_pairs(item)
        if rows:
            spans.append(TableSpan(len(lines), item))
        lines += [(_row_line(old, a), _row_line(new, b)) for a, b in rows]
    for child in item.children if nested else ():
        _add_lines(child, lines, spans)


def row_pairs(item: Pair) -> list[tuple[int | None, int | None]]:
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


def short(text: str) -> str:
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
