"""The tracked-changes redline of a comparison, for writers.docx.redline."""

from __future__ import annotations

from dataclasses import replace

from policygen.alignment import (
    Pair,
    columns,
    line_changes,
    marked,
)
from policygen.diff.compare import Comparison, row_pairs
from policygen.writers.docx.redline import (
    Change,
    Redline,
    RedlineBlock,
    RedlineParagraph,
    RedlineRow,
    RedlineTable,
)

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
    for a, b in row_pairs(item):
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
