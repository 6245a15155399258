"""The 修订对照表: a comparison as a document tree the ordinary writers print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from policygen.alignment import (
    Pair,
    columns,
    line_changes,
    marked,
)
from policygen.diff.compare import (
    WORDS,
    Clause,
    Comparison,
    Line,
    row_pairs,
)
from policygen.templating.filters import cn_date
from policygen.tree import nodes as n
from policygen.writers.docx.redline import (
    Change,
    Segment,
)

COLUMN_WIDTHS = (1.0, 3.0, 3.0)
"""The proportions of the 修订对照表's columns 条款, 修订前 and 修订后; 条款 is never narrower
than its longest number, which never breaks (writers.table_widths: 第一百二十三条 on one line)."""

TABLE_KIND = "revision_table"
"""The kind of the 修订对照表 document: no kind's numbering, stylesheet or contents page."""


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
    blocks: list[n.Paragraph | n.Table] = []
    inlines: list[n.Inline] = []  # the paragraph being gathered
    index = 0
    while index < len(clause.lines):
        span = starts.get(index)
        if span is not None:
            index += len(row_pairs(span.table))
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
    for a, b in row_pairs(item):
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
