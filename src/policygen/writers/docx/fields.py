"""Turn cross-references and the table of contents into Word fields.

Input: the paragraphs the DOCX writer has laid out, with the tree ids and numbers they carry,
each Ref run it wrote (showing the Ref's text), and for a table of contents the page of each
heading in the PDF layout. Output: the same document with

* every Ref run split into literal text and ``REF <bookmark> \\n \\h`` fields, one per number
  the reference repeats: 第十二条 is one field to the article; 第3.2条 is 第 + a field to clause
  3.2 + 条; 第十二条第（三）项 is a field to the article, 第, a field to the item, and 项;
  第十二条第二款 is a field to the article and the text 第二款 (款 are not numbered). A
  ``\\n`` field shows the target's own list number, without trailing periods (目 1. is referred
  to as 1), so after an article is inserted and the fields updated (F9 in Word; at layout in
  LibreOffice) every reference reads the new numbers. Each field shows the reference's text
  until then, so the document reads right before any update. ``\\n`` rather than ``\\r``:
  the number texts already say all a reference needs (第十二条, 3.2), and ``\\r``'s relative
  context is where Word and LibreOffice differ. No single field can read 第十二条第（三）项,
  which is why a reference becomes several;
* a reference to an unnumbered heading or table caption: one ``REF <bookmark> \\h`` field, the
  bookmark holding exactly that text;
* any other reference (a paragraph quoted by its opening words, a target whose number had to
  be typed as text): a hyperlink to the target showing the reference's text;
* a ``TOC \\o "1-2" \\h \\z \\u`` field whose entries are filled in as Word fills them: each a
  hyperlink to a ``_Toc`` bookmark on the heading, the heading's text, a tab to the dotted
  right tab of ``toc 1``/``toc 2`` and a ``PAGEREF`` field showing the page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from docx.parts.document import DocumentPart
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from policygen.transforms.nobreak import WORD_JOINER, joined
from policygen.tree import nodes as n
from policygen.writers.docx import oxml
from policygen.writers.docx.styles import StyleTable

TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
"""Word's own table of contents: heading levels 1–2, hyperlinked, no page numbers on the web."""
TOC_STYLES = {1: "toc 1", 2: "toc 2"}
"""Entry style by heading level."""


@dataclass(frozen=True)
class Anchor:
    """A numbered or referable paragraph, as a reference to it can use it."""

    bookmark: str
    """The bookmark over the paragraph's text; "" for a block without id (never a field)."""
    number: str | None = None
    """What ``REF <bookmark> \\n`` shows: the paragraph's list number without trailing periods;
    None when the paragraph has no list number."""
    text: str | None = None
    """The whole text of the bookmark, for a plain ``REF``; None when it is not plain text."""


@dataclass(frozen=True)
class Target:
    """Where a tree id points: its own anchor and the numbered blocks around it."""

    own: Anchor
    """The anchor of the node itself."""
    outer: tuple[Anchor, ...] = ()
    """Numbered anchors around it, outermost first: the article of an item, the item of a 目."""


@dataclass(frozen=True)
class Mark:
    """A paragraph to bookmark under a tree id."""

    paragraph: Paragraph
    node_id: str
    number: str | None
    """What a ``\\n`` REF to the paragraph shows; None when its number is typed or absent."""
    outer: tuple[Anchor, ...]
    """Numbered blocks around it, outermost first."""


def link_references(
    marks: Sequence[Mark], refs: Sequence[tuple[Run, n.Ref]], ids: Iterator[int]
) -> None:
    """Bookmark the paragraph of each mark (an id met twice keeps its first paragraph), taking
    bookmark ids from `ids`, then turn each Ref run into fields or a link to its target."""
    found: dict[str, Target] = {}
    for mark in marks:
        if mark.node_id in found:
            continue
        name = oxml.bookmark_name(mark.node_id)
        oxml.add_bookmark(mark.paragraph, name, next(ids))
        text = None if mark.number is not None else oxml.paragraph_text(mark.paragraph)
        found[mark.node_id] = Target(Anchor(name, mark.number, text), mark.outer)
    for run, ref in refs:
        link_reference(run, found.get(ref.target))


def ref_pieces(text: str, target: Target) -> list[tuple[str, str | None]] | None:
    """Return `text` cut into (piece, bookmark or None) so that each number the reference repeats
    is a ``\\n`` field to its bookmark; None when the target's own number is not among them
    or no number is.

    Numbers are matched left to right, outermost first, skipping those the text leaves out."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    own_used = False
    for anchor in (*target.outer, target.own):
        if not anchor.number:
            continue
        found = text.find(anchor.number, position)
        if found < 0:
            continue
        if found > position:
            pieces.append((text[position:found], None))
        pieces.append((anchor.number, anchor.bookmark))
        position = found + len(anchor.number)
        own_used = own_used or anchor is target.own
    if not pieces or (target.own.number and not own_used):
        return None
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def link_reference(run: Run, target: Target | None) -> None:
    """Make the Ref `run` (showing the reference's text) a field or link to `target`, its text
    kept on one line (transforms.nobreak.joined).

    None (an id no paragraph carries) leaves the text as it is."""
    if target is None:
        return
    text = oxml.run_text(run)
    pieces = ref_pieces(text, target)
    if pieces is not None:
        runs = oxml.split_run(run, _joined_pieces(pieces))
        for part, (_, bookmark) in zip(runs, pieces, strict=True):
            if bookmark is not None:
                oxml.make_field(part, f"REF {bookmark} \\n \\h")
        return
    oxml.split_run(run, [joined(text)])
    if target.own.text is not None and target.own.text == text:
        oxml.make_field(run, f"REF {target.own.bookmark} \\h")
    else:
        oxml.make_internal_link(run, target.own.bookmark)


def _joined_pieces(pieces: list[tuple[str, str | None]]) -> list[str]:
    """Return the texts of a reference's `pieces` kept on one line (transforms.nobreak):
    each joined, and a word joiner between two pieces, in the one that is not a field (a
    field's shown text is Word's to replace)."""
    shown = [joined(piece) for piece, _ in pieces]
    for index in range(len(shown) - 1):
        if pieces[index + 1][1] is None:
            shown[index + 1] = WORD_JOINER + shown[index + 1]
        else:
            shown[index] += WORD_JOINER
    return shown


@dataclass(frozen=True)
class TocEntry:
    """One line of a table of contents."""

    level: int
    """1 for a chapter, 2 for a titled article."""
    text: str
    """The heading as it reads, number included: 第一章　总则."""
    bookmark: str
    """The ``_Toc`` bookmark on the heading."""
    page: int | None
    """The page the heading starts on; None: not known (no layout), left for Word to fill."""


@dataclass(frozen=True)
class ContentsHeading:
    """A body heading to list in a table of contents."""

    paragraph: Paragraph
    level: int
    """1 for Heading 1 (a chapter), 2 for Heading 2 (a titled article)."""
    number: str
    """The heading's list number, shown before its text; "" when typed or none."""
    ids: tuple[str, ...]
    """Ids of the heading's node and what it holds, to find its page in the PDF layout."""


def add_contents(
    end: Paragraph,
    headings: Sequence[ContentsHeading],
    pages: Mapping[str, int] | None,
    ids: Iterator[int],
) -> None:
    """Fill the table of contents before `end` with `headings`, each on the page `pages` gives
    its node (or the first node inside it; else the page of the entry before); with `pages`
    None, without page numbers."""
    entries = []
    page: int | None = None if pages is None else 1
    for index, heading in enumerate(headings, start=1):
        name = toc_bookmark(index)
        oxml.add_bookmark(heading.paragraph, name, next(ids))
        if pages is not None and page is not None:
            page = page_of(heading.ids, pages, page)
        entries.append(
            TocEntry(
                heading.level,
                heading.number + oxml.paragraph_text(heading.paragraph),
                name,
                page,
            )
        )
    fill_toc(end, entries)


def toc_bookmark(index: int) -> str:
    """Return the name of the `index`-th heading's ``_Toc`` bookmark, as Word names them."""
    return f"_Toc{index:09d}"


def fill_toc(end: Paragraph, entries: Sequence[TocEntry]) -> None:
    """Put a TOC field holding `entries` before the paragraph `end`, which closes the field."""
    styles = StyleTable(cast(DocumentPart, end.part).document)
    for index, entry in enumerate(entries):
        paragraph = end.insert_paragraph_before()  # then its style, as style=… would
        oxml.set_paragraph_style_id(paragraph, styles.id(TOC_STYLES.get(entry.level, "toc 2")))
        if index == 0:
            oxml.add_field_start(paragraph, TOC_INSTRUCTION)
        oxml.add_toc_entry(paragraph, entry.bookmark, entry.text, entry.page)
    if entries:
        oxml.add_field_end(end)


def page_of(node_ids: Sequence[str], pages: Mapping[str, int], fallback: int) -> int:
    """Return the page of the first of `node_ids` found in `pages`, else `fallback`."""
    for node_id in node_ids:
        if node_id in pages:
            return pages[node_id]
    return fallback
