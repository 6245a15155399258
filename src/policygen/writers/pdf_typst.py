"""Print a document tree to PDF with Typst: the fast second PDF engine (``pdf_engine="typst"``).

Input: a numbered, reference-resolved Document. Output: A4 PDF bytes carrying the same text, in
the same order, as the WeasyPrint PDF (writers/pdf.py): the title block, chapters, articles,
clauses and items with the labels the tree carries, tables whose header row repeats on every
page, the signature page, and the running header and the footer the house style asks for
(第 X 页 共 Y 页, or "— N —" in the 公文 style). WeasyPrint lays out about 50 ms a page; Typst
lays out a whole contract in tens of milliseconds and remembers its work between documents.

The look is the house style's (policygen.style: the style file the CSS and the reference DOCX
are made from too): style.typst states it at the head of the source as Typst data, one
dictionary per text role, and the functions that set headings and tables in them; page size,
margins, running header and footer come from the same style. Typst reads no CSS: a user's
stylesheet is an extra for the HTML and WeasyPrint PDF only.

Safety: every piece of document text reaches the Typst source only as a string literal
(`typst_string`), so no profile text can become Typst markup or code: ``#read``, ``#import``,
``$…$``, labels and references in the text print as typed. The compiler's project root is a
private folder holding only the generated source, the package folders are private and empty
(the source never imports a package), and the only fonts it sees are the files fonts.py
resolves for the house style's roles, linked into a private folder, so the output does not
depend on what else is installed.

Reproducible: the PDF's dates come from ``doc.meta.date`` (Typst's creation timestamp), its
file identifier from the document, and Typst subsets fonts without timestamps.

Two Typst compilers serve the whole process (`TYPST_LANES`), each in a layout process of its
own (layout.process) fed by a thread here (`start_pdf_typst`): each writes its source to its
own private file for every document, and Typst's memoisation reuses fonts, shaping and the
layout of what did not change. A document that takes longer than the layout budget, or more
memory, stops its process with an error naming the document; the lane starts another. While
they lay out documents the calling thread builds the next ones' trees and DOCX: a single
process keeps two cores busy."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import tempfile
import threading
import unicodedata
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from policygen.errors import RenderError
from policygen.fonts import FONT_ROLES, FontMatch, match_family, resolve_role
from policygen.kinds import DOCUMENT_KINDS
from policygen.layout.budget import LayoutBudget, check_layout
from policygen.layout.process import START_SECONDS, Answer, LayoutProcess
from policygen.layout.typst_compiler import END_LABEL, FontSet, typst_task
from policygen.style import style_for
from policygen.style.typst import MM, TypstStyle, typst_definitions
from policygen.style.typst import typst_style as make_typst_style
from policygen.transforms.nobreak import runs
from policygen.tree import nodes as n
from policygen.writers.font_faces import single_face
from policygen.writers.html import block_ids
from policygen.writers.options import PDF_STANDARDS, WriterOptions
from policygen.writers.page_values import header_lines
from policygen.writers.pdf import PAGE_COUNT_KEY, pdf_keywords
from policygen.writers.table_widths import column_widths
from policygen.writers.text import inline_text, labelled

# --------------------------------------------------------------------------- style


def typst_style(doc: n.Document, options: WriterOptions) -> TypstStyle:
    """Return the house style `doc` is printed in (``options.style_file``, else the style
    ``doc.style`` names in the template folders), as Typst sets a document of its kind."""
    return make_typst_style(style_for(doc, options), doc.kind)


# --------------------------------------------------------------------------- Typst literals

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
"""Controls, format characters (bidi marks, ZWJ), line and paragraph separators, surrogates."""


def typst_string(text: str) -> str:
    """Return `text` as a Typst string literal, ``"…"``: backslashes and quotes escaped, and
    every control, format or separator character written as a ``\\u{…}`` escape, so that the
    source stays one line per literal and no character of `text` is read as syntax. Raise
    RenderError for a lone surrogate, which no PDF can hold."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # the common case, checked in C
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable() and unicodedata.category(char) in _ESCAPED_CATEGORIES:
            if 0xD800 <= ord(char) <= 0xDFFF:
                raise RenderError(
                    f"文本含无效字符 U+{ord(char):04X}：{text[:40]!r} (lone surrogate in text)"
                )
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _label(node_id: str) -> str:
    """Return the Typst label of tree id `node_id`: ``<p-…>`` with the id's UTF-8 in hex, so
    that any id makes a valid label."""
    return f"<p-{node_id.encode('utf-8').hex()}>"


def _fonts(families: tuple[str, ...]) -> str:
    return "(" + "".join(typst_string(family) + ", " for family in families) + ")"


def _pt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "pt"


# --------------------------------------------------------------------------- source

TOP_EDGE = "0.9325em"
"""Where a line's box starts above its baseline. With BOTTOM_EDGE a line is exactly 1em and
the leading is the rest of the CSS line height; the baseline sits where Pango puts it in a
CSS line box of Noto CJK (ascender 1.151em, descender 0.286em): half the leading, then
(1 + ascender − descender) / 2 of the em."""
BOTTOM_EDGE = "-0.0675em"
"""Where a line's box ends below its baseline (see TOP_EDGE)."""


def _text(text: str) -> str:
    """Return markup printing the plain string `text`, its unbreakable runs
    (transforms.nobreak) kept whole on one line."""
    return "".join(_box(piece) if kept else "#" + typst_string(piece) for piece, kept in runs(text))


def _box(text: str) -> str:
    """Return markup printing `text` on one line."""
    return f"#box({typst_string(text)})"


class _Source:
    """Turn the blocks of one document into Typst markup, one method per node type.

    Markers (``#metadata("id") <p-…>``) for the ids of the blocks being opened wait in
    `pending` and are put at the start of the next paragraph or cell written, so that each id
    lands on the page where its first line is printed, as WeasyPrint's anchors do."""

    def __init__(self, doc: n.Document, style: TypstStyle) -> None:
        self.style = style
        self.width = style.text_width
        """Width of the text block in pt."""
        self.ids = frozenset(block_ids(doc.blocks))
        self.emitted: set[str] = set()
        self.pending: list[str] = []
        self.lines: list[str] = []
        self.depth = 0
        """How many lists enclose the block being written."""

    # ----------------------------------------------------------------- helpers

    def mark(self, node_id: str | None) -> None:
        """Queue the marker of `node_id` (once per id: a repeated id is dropped, as in HTML)."""
        if node_id and node_id not in self.emitted:
            self.emitted.add(node_id)
            self.pending.append(node_id)

    def markers(self) -> str:
        """Return and clear the queued markers."""
        out = "".join(f"#metadata({typst_string(i)}){_label(i)}" for i in self.pending)
        self.pending.clear()
        return out

    def inlines(self, inlines: tuple[n.Inline, ...]) -> str:
        """Return `inlines` as markup made of string literals and function calls only."""
        out: list[str] = []
        for node in inlines:
            match node:
                case n.Text(text=text):
                    out.append("#" + typst_string(text))
                case n.NoBreak(text=text):
                    out.append(_box(text))
                case n.Strong(children=children):
                    out.append(f"#strong[{self.inlines(children)}]")
                case n.Emphasis(children=children):
                    font = self.style.emphasis_font
                    out.append(f"#text(font: f-{font})[{self.inlines(children)}]")
                case n.Ref(target=target):
                    shown = _box(inline_text((node,)))
                    if target in self.ids:
                        out.append(f"#link({_label(target)})[{shown}]")
                    else:
                        out.append(shown)
                case n.LineBreak():
                    out.append("#linebreak()")
        return "".join(out)

    def label(self, label: str, font: str = "") -> str:
        """Return `label` and the separator the text writer puts after it."""
        if not label:
            return ""
        separator = labelled(label, "")[len(label) :]
        shown = typst_string(label)
        head = f"#text(font: {font}, {shown})" if font else f"#{shown}"
        return head + (("#" + typst_string(separator)) if separator else "")

    def par(self, content: str, *, align: str | None = None) -> str:
        """Return a paragraph of `content`, the queued markers first; an aligned one (dates,
        sign-offs) has no first-line indent."""
        if align in ("center", "right", "left"):
            return (
                f"#align({align}, par(first-line-indent: 0pt, justify: false)"
                f"[{self.markers()}{content}])"
            )
        return f"#par[{self.markers()}{content}]"

    def heading(self, role: str, content: str, *, first: bool = False) -> str:
        """Return a heading block in text role `role` (style.typst: ``heading-block``), kept
        with what follows it; the `first` block of a page gets its half-leading as an inset."""
        flag = ", first: true" if first else ""
        return f"#heading-block(s-{role}{flag})[{self.markers()}{content}]"

    # ----------------------------------------------------------------- blocks

    def document(self, doc: n.Document) -> None:
        """Write the title block and the body of `doc`."""
        self.lines.append(self.heading("title", _text(doc.title), first=True))
        if doc.subtitle:
            self.lines.append(self.heading("subtitle", _text(doc.subtitle)))
        for block in doc.blocks:
            self.block(block)
        if self.pending:
            self.lines.append(self.markers())

    def blocks(self, blocks: tuple[n.Block, ...] | list[n.Block]) -> None:
        for block in blocks:
            self.block(block)

    def block(self, block: n.Block) -> None:
        """Write one block."""
        match block:
            case n.Chapter(title=title, blocks=children, id=node_id, label=label):
                self.mark(node_id)
                self.lines.append(self.heading("chapter", self.label(label) + self.inlines(title)))
                self.blocks(children)
            case n.Article():
                self.article(block)
            case n.Paragraph(inlines=inlines, id=node_id, label=label, align=align):
                self.mark(node_id)
                self.lines.append(self.par(self.label(label) + self.inlines(inlines), align=align))
            case n.Heading(inlines=inlines, level=level, id=node_id):
                self.mark(node_id)
                role = ("chapter", "article")[level - 1] if level in (1, 2) else "minor"
                self.lines.append(self.heading(role, self.inlines(inlines)))
            case n.OrderedList(items=items) | n.BulletList(items=items):
                bullet = isinstance(block, n.BulletList)
                self.depth += 1
                for item in items:
                    self.item(item, bullet)
                self.depth -= 1
            case n.Table():
                self.table(block)
            case n.PageBreak():
                self.lines.append("#pagebreak(weak: true)")
            case n.SignatureBlock(parties=parties, note=note):
                self.signature(parties, note)
            case _:
                raise TypeError(f"unknown block {block!r}")

    def article(self, article: n.Article) -> None:
        """Write an article: a heading line when titled, else its label run into the text."""
        self.mark(article.id)
        rest = list(article.blocks)
        label = self.label(article.label, f"f-{self.style.label_font}")
        if article.title:
            plain = self.label(article.label)
            self.lines.append(self.heading("article", plain + self.inlines(article.title)))
        elif rest and isinstance(rest[0], n.Paragraph) and not rest[0].label:
            first = rest.pop(0)
            self.mark(first.id)
            self.lines.append(self.par(label + self.inlines(first.inlines), align=first.align))
        else:
            self.lines.append(self.par(label))
        self.blocks(rest)

    def item(self, item: n.ListItem, bullet: bool) -> None:
        """Write a list item, its label in front of its first paragraph."""
        self.mark(item.id)
        rest = list(item.blocks)
        pad = self.style.nested_item_pad if self.depth > 1 else 0.0
        prefix = '#"• "' if bullet and not item.label else self.label(item.label)
        first = ""
        if rest and isinstance(rest[0], n.Paragraph):
            para = rest.pop(0)
            self.mark(para.id)
            first = self.par(prefix + self.label(para.label) + self.inlines(para.inlines),
                             align=para.align)  # fmt: skip
        elif rest and prefix:
            first = self.par(prefix)
        if first:
            self.lines.append(f"#pad(left: {_pt(pad)})[{first}]" if pad else first)
        if not pad:
            self.blocks(rest)
            return
        for block in rest:  # a contract's item paragraphs are padded at every depth
            if isinstance(block, n.Paragraph):
                self.mark(block.id)
                para = self.par(self.label(block.label) + self.inlines(block.inlines),
                                align=block.align)  # fmt: skip
                self.lines.append(f"#pad(left: {_pt(pad)})[{para}]")
            else:
                self.block(block)

    def table(self, table: n.Table) -> None:
        """Write a table: its caption kept with it, its columns as wide as in every format
        (writers.table_widths), a header repeated on every page, rows that never split."""
        self.mark(table.id)
        if table.caption:
            self.lines.append(self.heading("caption", _text(table.caption)))
        cell = self.style.text["table"]
        size = max(cell.size, self.style.text["table-heading"].size)
        widths = [_pt(each) for each in column_widths(table, self.width, size)]
        gap = (cell.line - cell.size) / 2
        header_rows = len(table.header)
        out = [
            f"#table-block[#table(columns: ({', '.join(widths)},), "
            f"inset: (x: 5pt, top: {_pt(cell.before + gap)}, bottom: {_pt(cell.after + gap)}), "
            f"stroke: 0.5pt, align: (x, y) => if y < {header_rows} "
            "{ center + top } else { left + top }, "
            f'fill: (x, y) => if y < {header_rows} {{ rgb("f2f2f2") }}, '
        ]
        if table.header:
            cells = ", ".join(self.cell(cell, header=True) for row in table.header for cell in row)
            out.append(f"table.header(repeat: true, {cells}), ")
        out.append("".join(self.cell(cell) + ", " for row in table.rows for cell in row))
        out.append(")]")
        self.lines.append("".join(out))

    def cell(self, cell: n.Cell, *, header: bool = False) -> str:
        """Return one table cell (header cells in the heading face)."""
        content = self.markers() + self.inlines(cell.inlines)
        if header:
            content = f"#text(font: s-table-heading.font)[{content}]"
        # As the CSS cascades: a header cell is centred unless it asks for the right or
        # centre, a body cell flush left unless it asks for the right or centre.
        if cell.align in ("center", "right"):
            return f"table.cell(align: {cell.align} + top)[{content}]"
        return f"[{content}]"

    def signature(
        self, parties: tuple[n.SignatureParty, ...], note: tuple[n.Inline, ...] = ()
    ) -> None:
        """Write the signature block: one column per party, blanks to sign on, never split.
        When the block stands at the top of a page (nothing of the text it closes above it),
        its `note` (（本页无正文，为《…》之签署页）) is printed above it: Typst decides where
        the block fell, then whether the note is there (``context``, ``here()``)."""
        style = self.style
        gap = style.body.line - style.body.size
        colon = "#" + typst_string("：")
        columns = []
        for party in parties:
            role = _text(party.role) + colon + _text(party.name)
            party_line = self.par(f"#text(font: s-party.font)[{role}]", align="left")
            lines = [f"#block(below: s-party.after + {_pt(gap)})[{party_line}]"]
            for line in party.lines:
                blank = self.par(_text(line) + colon, align="left")
                lines.append(f"#block(below: s-blank.after + {_pt(gap)})[{blank}]")
            columns.append("[" + "".join(lines) + "]")
        count = max(1, len(parties))
        above = f"s-party.before + {_pt(gap)}"
        lead = ""
        if note:
            shown = self.par(self.inlines(note), align="center")
            # Anything that starts within the block's own space from the text block's top is
            # the first thing on its page.
            top = _pt(style.margins[0] * MM + 2)
            lead = (
                f"#context {{ if here().position().y < {top} + {above} "
                f"{{ block(below: {_pt(style.body.line)})[{shown}] }} }}"
            )
        self.lines.append(
            f"#block(breakable: false, above: {above})"
            f"[{lead}#grid(columns: ({'1fr, ' * count}), column-gutter: {_pt(style.body.size)}, "
            f"{', '.join(columns)})]"
        )


def _footer(style: TypstStyle) -> str:
    """Return the page's ``footer:`` argument: the style's footer words, ``{page}`` and
    ``{pages}`` replaced by the page number and count, in a line of ``s-footer``."""
    parts = []
    for piece in re.split(r"(\{pages?\})", style.footer):
        if piece == "{page}":
            parts.append("#counter(page).display()")
        elif piece == "{pages}":
            parts.append("#str(counter(page).final().first())")
        elif piece:
            parts.append("#" + typst_string(piece))
    return (
        "context block(width: 100%, height: s-footer.line, align(s-footer.align + horizon, "
        "text(font: s-footer.font, size: s-footer.size, weight: s-footer.weight, "
        f"tracking: s-footer.tracking)[{''.join(parts)}]))"
    )


def _header(doc: n.Document, style: TypstStyle) -> tuple[str, float]:
    """Return the page's ``header:`` argument (``none`` for none) and its ascent in pt: the
    style's header lines filled with `doc`'s values, in ``s-header``, the header's top
    `style.header_distance` below the paper's edge, a rule under it when the style has one."""
    lines = header_lines(doc, style.header)
    if not lines:
        return "none", 0.0
    text = "#linebreak()".join(_text(line) for line in lines)
    spec = style.text["header"]
    height = spec.line * len(lines)
    ascent = max(0.0, style.margins[0] * MM - style.header_distance * MM - height)
    stroke = f"stroke: (bottom: {_pt(style.header_rule)}), " if style.header_rule else ""
    return (
        f"block(width: 100%, height: {_pt(height)}, {stroke}align(s-header.align + horizon, "
        "par(first-line-indent: 0pt, justify: false, leading: s-header.line - s-header.size, "
        "text(font: s-header.font, size: s-header.size, weight: s-header.weight, "
        f"tracking: s-header.tracking)[{text}])))",
        ascent,
    )


def typst_source(
    doc: n.Document, options: WriterOptions, families: dict[str, tuple[str, ...]]
) -> str:
    """Return the Typst source printing `doc`, its fonts named by role in `families` (each
    role's Typst family names, fallbacks last)."""
    style = typst_style(doc, options)
    meta = doc.meta
    top, right, bottom, left = style.margins
    body = style.body
    source = _Source(doc, style)
    source.document(doc)
    keywords = "".join(typst_string(k) + ", " for k in pdf_keywords(meta))
    description = f", description: {typst_string(meta.subject)}" if meta.subject else ""
    gap = body.line - body.size
    header, ascent = _header(doc, style)
    # The document's metadata is set last: a set rule styles all that follows it, so at the top
    # a title that differs between contracts would make Typst lay out every paragraph afresh
    # instead of reusing the layout it remembers from the previous contract.
    metadata = (
        f"#set document(title: {typst_string(doc.title)}, "
        f"author: {typst_string(meta.organisation)}, keywords: ({keywords}){description})\n"
    )
    preamble = [
        *(f"#let f-{role} = {_fonts(names)}" for role, names in families.items()),
        *typst_definitions(style),
        f"#set page(width: {style.width:.3f}mm, height: {style.height:.3f}mm, "
        f"margin: (top: {top:.3f}mm, right: {right:.3f}mm, bottom: {bottom:.3f}mm, "
        f"left: {left:.3f}mm), header-ascent: {_pt(ascent)}, header: {header}, "
        f"footer-descent: {_pt(style.footer_gap * MM)}, footer: {_footer(style)})",
        f'#set text(font: s-body.font, size: s-body.size, lang: "zh", region: "cn", '
        f"top-edge: {TOP_EDGE}, bottom-edge: {BOTTOM_EDGE}, tracking: s-body.tracking, "
        "cjk-latin-spacing: none)",
        f'#set par(justify: s-body.justify, linebreaks: "simple", leading: {_pt(gap)}, '
        f"spacing: {_pt(gap)}, first-line-indent: (amount: s-body.indent, all: true))",
        f"#set block(spacing: {_pt(gap)})",
        "#set table.cell(breakable: false)",
        "",
    ]
    return (
        "\n".join(preamble) + "\n\n".join(source.lines) + f"#metadata(none){END_LABEL}\n" + metadata
    )


# --------------------------------------------------------------------------- compiler

FONT_ROLE_FALLBACKS: dict[str, tuple[str, ...]] = {
    key: role.chain for key, role in FONT_ROLES.items()
}
"""The roles each role's font list tries, in order: an optional role falls back as the style
file says (fonts.FONT_ROLES: 仿宋 and 小标宋 to the 宋体-like body face, 楷体 to the 黑体-like
one)."""


@dataclass
class _Lane:
    """One Typst layout process, and the one thread here that feeds it (all of its work, in
    order)."""

    index: int
    executor: ThreadPoolExecutor
    process: LayoutProcess
    """The child process holding this lane's fonts and compiler (layout.process), started on
    the lane's first task and again after a document broke the layout budget."""
    queued: int = 0
    """The work submitted and not yet finished, counted in characters of Typst source: the
    next document goes to the lane with the least."""
    folder: Path | None = None
    """The private folder of the lane's process (layout.typst_compiler), once it has
    answered."""
    compilations: int = 0
    """Sources the lane's process has compiled, as it last said."""
    warmed: bool = False
    """True once `warm_up` has asked the lane's process to start."""


TYPST_LANES = 2
"""Typst layout processes a process runs side by side, each fed by a thread of its own (fewer
on fewer CPUs, or as `warm_up` is told): with two a long document (a regulation) no longer
holds up the contracts queued behind it, and this process builds the next trees meanwhile."""

_lane_limit = TYPST_LANES
"""The lanes this process may run (`warm_up`'s `lanes`)."""

_lanes: tuple[int, list[_Lane]] | None = None
"""The process's lanes and the process that made them (a forked child makes its own)."""

_LANES_LOCK = threading.Lock()
"""Guards making `_lanes`, their `queued` counts and `_families_made` (never held while
Typst works)."""

_here = threading.local()
"""In a lane's thread, ``lane``: the lane it runs."""

_families_made: tuple[int, dict[str, tuple[str, ...]]] | None = None
"""The font families the lanes' processes found, by this process's pid."""


def _all_lanes() -> list[_Lane]:
    """Return the process's lanes, making them (not their processes) on first use.

    The threads that feed the layout processes block SIGINT and SIGTERM, as the main thread
    blocks them while it renames a set of files into place (output.write_all): a
    process-directed signal then waits for the main thread instead of reaching a lane's
    thread, which would let it stop the process half-way through the renames. Call with
    `_LANES_LOCK` held."""
    global _lanes
    if _lanes is None or _lanes[0] != os.getpid():
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - macOS, Windows
            cpus = os.cpu_count() or 1
        made: list[_Lane] = []
        for index in range(max(1, min(_lane_limit, cpus))):
            executor = ThreadPoolExecutor(
                1,
                thread_name_prefix=f"policygen-typst-{index}",
                initializer=_enter_lane,
                initargs=(made, index),
            )
            engine = LayoutProcess(f"typst-{index}", ("typst", "policygen.layout.typst_compiler"))
            made.append(_Lane(index, executor, engine))
        _lanes = (os.getpid(), made)
    return _lanes[1]


def _enter_lane(lanes: list[_Lane], index: int) -> None:
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    _here.lane = lanes[index]


def _submit(lane: _Lane | None, work: int, task: Any, *args: Any) -> tuple[_Lane, Future[Any]]:
    """Run `task(*args)` in `lane`'s thread (None: the lane with the least work waiting);
    `work` estimates its cost (the length of the source it lays out, 0 when laid out)."""
    with _LANES_LOCK:
        lanes = _all_lanes()
        if lane is None:
            lane = min(lanes, key=lambda each: each.queued)
        lane.queued += work
    future = lane.executor.submit(task, *args)
    future.add_done_callback(functools.partial(_finished, lane, work))
    return lane, future


def _finished(lane: _Lane, work: int, _future: Future[Any]) -> None:
    with _LANES_LOCK:
        lane.queued -= work


def _in_lane(
    op: str,
    source: str,
    what: str,
    deadline: float | None,
    when: str = "",
    standards: tuple[str, ...] = (),
) -> Answer:
    """Return what this lane's layout process answers to `op` for `source` (in the lane's
    thread), under the layout budget and before `deadline`; a PDF is printed to Typst's PDF
    `standards` (empty: a plain PDF). Reading the fonts (``families``) is the process's
    start-up, not a document's layout: it has START_SECONDS."""
    lane: _Lane = _here.lane
    budget = LayoutBudget.from_environment()
    if op == "families":
        budget = replace(budget, timeout=START_SECONDS)
    answer, data = lane.process.run(
        typst_task,
        (op, source, when, str(_scratch()), _font_set(), standards),
        what=what,
        budget=budget,
        deadline=deadline,
    )
    lane.folder = Path(answer["folder"])
    lane.compilations = answer["compilations"]
    return answer, data


def _families() -> dict[str, tuple[str, ...]]:
    """Return the font families Typst prints each role in, as the lanes' processes found them
    (asked of one on first use)."""
    made = _families_made
    if made is not None and made[0] == os.getpid():
        return made[1]
    return _submit(None, 0, _made_families)[1].result()


def _made_families() -> dict[str, tuple[str, ...]]:
    global _families_made
    answer, _ = _in_lane("families", "", "Typst 字体", None)
    families = {role: tuple(names) for role, names in answer["families"].items()}
    with _LANES_LOCK:
        _families_made = (os.getpid(), families)
    return families


_LAID_OUT: deque[tuple[n.Document, Future[tuple[list[Any], int]]]] = deque(maxlen=4)
"""The pages of the last documents with a contents page (kinds.Kind.contents) printed here,
asked of Typst right after their PDFs, in the same lane, while their layout is at hand: their
DOCX takes them (page_map_typst) instead of queueing behind the documents printed since."""

_LAID_OUT_LOCK = threading.Lock()


def start_pdf_typst(doc: n.Document, options: WriterOptions) -> Future[bytes]:
    """Start printing `doc` as an A4 PDF dated ``doc.meta.date``, to ``options.pdf_standard``
    when set: the Typst source is made here, the layout and the PDF in the lane with the least
    work waiting, under the layout budget (layout.budget). The future holds the PDF's bytes,
    or the RenderError saying why there are none (BudgetExceeded, naming the document, beyond
    the budget)."""
    what = check_layout(doc)
    source = typst_source(doc, options, _families())
    when = datetime(doc.meta.date.year, doc.meta.date.month, doc.meta.date.day, tzinfo=UTC)
    standard = PDF_STANDARDS.get(options.pdf_standard or "")
    standards = standard.typst if standard and standard.typst else ()
    lane, pdf = _submit(
        None, len(source), _compile_pdf, source, when, what, options.deadline, standards
    )
    kind = DOCUMENT_KINDS.get(doc.kind)
    if kind is not None and kind.contents:
        with _LAID_OUT_LOCK:
            query = _submit(lane, 0, _query_pages, source, what, options.deadline)[1]
            _LAID_OUT.append((doc, query))
    return pdf


def write_pdf_typst(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as an A4 PDF laid out by Typst, dated ``doc.meta.date``."""
    return start_pdf_typst(doc, options).result()


def _compile_pdf(
    source: str, when: datetime, what: str, deadline: float | None, standards: tuple[str, ...]
) -> bytes:
    return _in_lane("pdf", source, what, deadline, when.isoformat(), standards)[1]


def page_map_typst(doc: n.Document, options: WriterOptions) -> dict[str, int]:
    """Return the page (from 1) each id of `doc` starts on when printed by `write_pdf_typst`,
    and under PAGE_COUNT_KEY the number of pages: the same contract as pdf.page_map. The
    layout stays in the lane's memory, so printing the same document before or after costs
    little."""
    with _LAID_OUT_LOCK:
        asked = next((entry for entry in _LAID_OUT if entry[0] is doc), None)
        if asked is not None:
            _LAID_OUT.remove(asked)
    if asked is not None:
        found, count = asked[1].result()
    else:
        what = check_layout(doc)
        source = typst_source(doc, options, _families())
        query = _submit(None, len(source), _query_pages, source, what, options.deadline)[1]
        found, count = query.result()
    pages = {PAGE_COUNT_KEY: int(count)}
    for node_id, page in found:
        if isinstance(node_id, str):
            pages.setdefault(node_id, int(page))
    return pages


def _query_pages(source: str, what: str, deadline: float | None) -> tuple[list[Any], int]:
    answer, _ = _in_lane("pages", source, what, deadline)
    return answer["found"], answer["count"]


def warm_up(*, wait: bool = True, lanes: int | None = None) -> None:
    """Start every lane's layout process and have it read the fonts and make its compiler now,
    unless asked before (a worker process before its first document); with `wait` false, while
    the caller goes on.
    `lanes` sets how many layout processes this process may run (default TYPST_LANES); it
    counts only before the process's first Typst work."""
    global _lane_limit
    with _LANES_LOCK:
        if lanes is not None:
            _lane_limit = max(1, lanes)
        cold = [lane for lane in _all_lanes() if not lane.warmed]
        for lane in cold:
            lane.warmed = True
    made = [_submit(lane, 0, _made_families)[1] for lane in cold]
    if wait:
        for each in made:
            each.result()


_scratch_made: tuple[int, Path] | None = None
"""The folder this process's layout processes keep their fonts and sources in, by pid."""


def _scratch() -> Path:
    """Return this process's scratch folder for Typst, made on first use and removed at exit,
    with whatever a stopped layout process left in it."""
    global _scratch_made
    with _LANES_LOCK:
        if _scratch_made is None or _scratch_made[0] != os.getpid():
            folder = Path(tempfile.mkdtemp(prefix="policygen-typst-"))
            # Removed at exit, also in a worker process, which multiprocessing ends without
            # atexit; after the layout processes are stopped (layout.process).
            Finalize(
                None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=1
            )
            _scratch_made = (os.getpid(), folder)
        return _scratch_made[1]


# --------------------------------------------------------------------------- fonts


def _role_fonts() -> dict[str, list[FontMatch]]:
    """Return the regular and bold font files fontconfig gives each role; a role with no
    installed family has none (required roles are checked by the font preflight)."""
    out: dict[str, list[FontMatch]] = {}
    for key, role in FONT_ROLES.items():
        found = resolve_role(role)
        if found is None:
            out[key] = []
            continue
        bold = match_family(found.requested, bold=True)
        out[key] = [found] + ([bold] if bold.installed and bold.file != found.file else [])
    return out


_font_set_made: tuple[int, FontSet] | None = None
"""The fonts this process's layout processes print with, by pid (see `_font_set`)."""


def _font_set() -> FontSet:
    """Return the font files of the house style's roles for a Typst layout process: each
    role's face alone when the cache has it out of its collection (font_faces: Typst then reads
    four faces, not forty), else the whole collection. Resolved here once, where fontconfig is
    loaded already, so that the layout process imports only Typst."""
    global _font_set_made
    with _LANES_LOCK:
        if _font_set_made is not None and _font_set_made[0] == os.getpid():
            return _font_set_made[1]
    files: dict[str, None] = {}
    faces: dict[str, tuple[str, int]] = {}
    for key, matches in _role_fonts().items():
        for number, found in enumerate(matches):
            alone = single_face(Path(found.file), found.index)
            real = os.path.realpath(alone or found.file)
            files.setdefault(real, None)
            if number == 0:
                faces[key] = (real, 0 if alone else found.index)
    missing = {
        key: f"Typst 找不到{role.label}字体（{'、'.join(role.families)}）；"
        "请安装 fonts-noto-cjk，并运行 policygen doctor 检查 (no font for Typst)"
        for key, role in FONT_ROLES.items()
    }
    made = FontSet(tuple(files), faces, dict(FONT_ROLE_FALLBACKS), missing)
    with _LANES_LOCK:
        _font_set_made = (os.getpid(), made)
    return made


def typst_version() -> str:
    """Return the version of the Typst compiler the binding carries, e.g. ``0.15.1``; raise
    ImportError when the binding is not installed."""
    import typst

    compiler = typst.Compiler(b"", ignore_system_fonts=True)
    found = re.findall(r"\d+", compiler.eval("sys.version"))
    return ".".join(found) or "?"


__all__ = [
    "page_map_typst",
    "start_pdf_typst",
    "typst_source",
    "typst_string",
    "typst_style",
    "typst_version",
    "warm_up",
    "write_pdf_typst",
]
