"""Print a document's cover, contents page and bookmarks in Typst, as the DOCX has them.

Input: a Document tree and its HouseStyle (writers.front gives the cover's lines, the
contents entries and the bookmarks). Output: Typst markup the Typst writer (writers.pdf_typst)
puts before the body and at its headings.

* The cover and the contents page are sheets of their own without header or footer; the
  body's page setting (header, footer) starts a new sheet after them, and with the house
  style's ``footer.numbering: body`` resets the page counter to 1 there.
* Each contents entry prints its heading's page number as the footer prints it: Typst reads
  the page counter at the heading's label (``<toc-N>``, a marker of the anchor
  writers.front.contents_anchor, which the page map lists for the DOCX) when it lays the
  document out, so the contents cost no second layout.
* Every chapter, article and heading (writers.front.bookmarks) carries a hidden Typst
  ``heading`` that shows nothing and makes the PDF's bookmark.

Every piece of text reaches the source as a string literal (pdf_typst.typst_string)."""

from __future__ import annotations

from collections.abc import Callable

from policygen.style.model import HouseStyle
from policygen.style.typst import pt
from policygen.tree import nodes as n
from policygen.writers import front

Literal = Callable[[str], str]
"""Turns text into a Typst string literal (pdf_typst.typst_string)."""

DEFINITIONS = (
    "#show heading: it => []",
    "#let bookmark(level, body) = box(heading(level: level, outlined: false, bookmarked: true, "
    "numbering: none, body))",
    "#let front-line(s, body) = block(above: 0pt, below: 0pt, width: 100%, "
    "inset: (y: (s.line - s.size) / 2))["
    "#set par(first-line-indent: 0pt, justify: false, leading: s.line - s.size); "
    "#set align(s.align); "
    "#set text(font: s.font, size: s.size, weight: s.weight, tracking: s.tracking); "
    "#pad(left: s.left, par(body))]",
    "#let toc-entry(s, body, target) = front-line(s, [#body#box(width: 1fr, repeat[.])"
    "#context counter(page).at(target).first()])",
)
"""Typst functions of the front matter: headings that show nothing (they exist for the
bookmarks), a bookmark, a line of a cover or contents page in the text-role dictionary `s`
(its line height as CSS's: half the leading above and below), and a contents entry with its
dotted leader and the page number at `target`."""

TOC_ROLES = {1: "toc-1", 2: "toc-2"}
"""The dictionary each contents level is set in (style.typst.TEXT_ROLES)."""


def _role(role: str) -> str:
    """Return the Typst dictionary of text role `role` (``cover_title`` → ``s-cover-title``)."""
    return "s-" + role.replace("_", "-")


def toc_label(index: int) -> str:
    """Return the label of the `index`-th contents entry's heading (from 1)."""
    return f"<toc-{index}>"


def _cover_text(line: front.CoverLine, literal: Literal) -> str:
    """Return the Typst content of cover line `line`: its text, or the title's lines each in
    a box (no line breaks inside it) with a break between, at its own size when set smaller."""
    if not line.lines:
        return literal(line.text)
    body = "#linebreak()".join(f"#box[#{literal(part)}]" for part in line.lines)
    if line.size is not None:
        body = f"#text(size: {pt(line.size)})[{body}]"
    return f"[{body}]"


def front_source(doc: n.Document, style: HouseStyle, literal: Literal) -> list[str]:
    """Return the source of `doc`'s cover and, for a kind with contents, its contents page,
    each ending its sheet; empty when it has neither."""
    lines: list[str] = []
    for line in front.cover_lines(doc, style):
        if line.before:  # the gap above it, the previous line's space after included
            lines.append(f"#v({pt(line.before)})")
        lines.append(f"#front-line({_role(line.role)}, {_cover_text(line, literal)})")
    if lines:
        lines.append("#pagebreak()")
    entries = front.contents_entries(doc)
    if front.has_contents(doc) and entries:
        heading = style.resolved("toc_heading")
        lines.append(f"#front-line(s-toc-heading, {literal(style.contents.heading)})")
        if heading.after:
            lines.append(f"#v({pt(heading.after)})")
        for index, entry in enumerate(entries, start=1):
            role = TOC_ROLES.get(entry.level, "toc-2")
            lines.append(f"#toc-entry(s-{role}, {literal(entry.text)}, {toc_label(index)})")
        lines.append("#pagebreak()")
    return lines


def heading_marks(
    block: n.Block, in_chapter: bool, contents_index: int | None, literal: Literal
) -> str:
    """Return the markup to put at the start of `block`'s first line: its bookmark, and the
    label of the `contents_index`-th contents entry (None: not listed)."""
    out = ""
    mark = front.bookmark(block, in_chapter)
    if mark is not None:
        out += f"#bookmark({mark.level}, {literal(mark.text)})"
    if contents_index is not None:
        anchor = literal(front.contents_anchor(contents_index))
        out += f"#metadata({anchor}){toc_label(contents_index)}"
    return out


__all__ = ["DEFINITIONS", "front_source", "heading_marks", "toc_label"]
