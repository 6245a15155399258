"""Write fields (``w:fldChar``, ``w:instrText``), internal hyperlinks, table-of-contents entries
and bookmarks; renumber the bookmarks of a whole body."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from copy import deepcopy
from itertools import count

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from policygen.caches import CACHES
from policygen.writers.docx.oxml.compat import paragraph_element, run_element
from policygen.writers.docx.oxml.shared import (
    W_ANCHOR,
    W_BOOKMARK_END,
    W_BOOKMARK_START,
    W_HISTORY,
    W_HYPERLINK,
    W_ID,
    W_NAME,
    XML_SPACE,
    find_ppr,
    new_sibling,
    parent_of,
)

_BOOKMARK_SAFE = re.compile(r"[A-Za-z0-9_]+")
_BOOKMARK_MAX = 40


@CACHES.memo
def _field_char_template(kind: str) -> etree._Element:
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run.append(char)
    return run


def _field_char(kind: str) -> etree._Element:
    """Return a run holding a ``w:fldChar`` of `kind`: begin, separate or end."""
    return deepcopy(_field_char_template(kind))


@CACHES.memo
def _text_template(tag: str) -> etree._Element:
    run = OxmlElement("w:r")
    text = OxmlElement(tag)
    text.set(XML_SPACE, "preserve")
    run.append(text)
    return run


def _instruction(instruction: str) -> etree._Element:
    run = deepcopy(_text_template("w:instrText"))
    run[0].text = f" {instruction} "
    return run


def _text_run(text: str) -> etree._Element:
    run = deepcopy(_text_template("w:t"))
    run[0].text = text
    return run


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a complex field such as ``PAGE`` or ``NUMPAGES`` to `paragraph`.

    `placeholder` is the result shown until the reader updates the field."""
    p = paragraph_element(paragraph)
    for element in (
        _field_char("begin"),
        _instruction(instruction),
        _field_char("separate"),
        _text_run(placeholder),
        _field_char("end"),
    ):
        p.append(element)


def add_field_start(paragraph: Paragraph, instruction: str) -> None:
    """Append the start of a field whose result follows in this and later paragraphs (a TOC)."""
    for element in (_field_char("begin"), _instruction(instruction), _field_char("separate")):
        paragraph_element(paragraph).append(element)


def add_field_end(paragraph: Paragraph) -> None:
    """Append the end of the field `add_field_start` opened."""
    paragraph_element(paragraph).append(_field_char("end"))


def make_field(run: Run, instruction: str) -> None:
    """Make `run` the shown result of a field with `instruction`, e.g. ``REF pg_x \\n \\h``.

    The run keeps its text and formatting, so the document reads the same before the field
    is updated."""
    r = run_element(run)
    for element in (_field_char("begin"), _instruction(instruction), _field_char("separate")):
        r.addprevious(element)
    r.addnext(_field_char("end"))


def make_internal_link(run: Run, anchor: str) -> None:
    """Turn `run` into a hyperlink to the bookmark `anchor` in the same document."""
    r = run_element(run)
    link = new_sibling(r, W_HYPERLINK)
    link.set(W_ANCHOR, anchor)
    link.set(W_HISTORY, "1")
    r.addprevious(link)
    link.append(r)


def add_toc_entry(paragraph: Paragraph, anchor: str, text: str, page: int | None) -> None:
    """Append a table-of-contents entry to `paragraph` as Word writes one: a hyperlink to the
    bookmark `anchor` holding `text`, a tab (the style's dotted right tab) and a
    ``PAGEREF`` field showing `page` (None: nothing until the reader updates it)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    tab_run = OxmlElement("w:r")
    tab_run.append(OxmlElement("w:tab"))
    for element in (
        _text_run(text),
        tab_run,
        _field_char("begin"),
        _instruction(f"PAGEREF {anchor} \\h"),
        _field_char("separate"),
        _text_run("" if page is None else str(page)),
        _field_char("end"),
    ):
        link.append(element)
    paragraph_element(paragraph).append(link)


def set_field_instruction(
    paragraphs: Sequence[Paragraph], old: str, new: str, shown: str | None
) -> None:
    """Change every field in `paragraphs` whose instruction is `old` (e.g. ``NUMPAGES``) to
    `new`, showing `shown` until the reader updates it (None: what it shows now)."""
    for paragraph in paragraphs:
        for instr in paragraph_element(paragraph).iter(qn("w:instrText")):
            if (instr.text or "").strip() != old:
                continue
            instr.text = f" {new} "
            if shown is None:
                continue
            for following in parent_of(instr).itersiblings():
                texts = following.findall(qn("w:t"))
                if texts:
                    texts[0].text = shown
                    break


@CACHES.memo(maxsize=4096)  # the same ids recur in every document of a kind
def bookmark_name(node_id: str) -> str:
    """Return the Word bookmark name for tree id `node_id`: ``pg_`` + id, hashed if unsafe.

    Word allows at most 40 letters, digits and underscores. Ids that fit are kept readable;
    others are shortened and suffixed with a hash of the id, so two ids never share a name."""
    if _BOOKMARK_SAFE.fullmatch(node_id) and len(node_id) <= _BOOKMARK_MAX - 3:
        return f"pg_{node_id}"
    digest = hashlib.sha1(node_id.encode("utf-8")).hexdigest()[:8]
    safe = re.sub(r"[^A-Za-z0-9_]", "_", node_id)[: _BOOKMARK_MAX - 3 - 9]
    return f"pg_{safe}_{digest}"


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int) -> None:
    """Bookmark the whole content of `paragraph` as `name`; `bookmark_id` must be unique."""
    p = paragraph_element(paragraph)
    number = str(bookmark_id)
    start = etree.SubElement(p, W_BOOKMARK_START)
    start.set(W_ID, number)
    start.set(W_NAME, name)
    ppr = find_ppr(p)
    if ppr is None:
        p.insert(0, start)
    else:
        ppr.addnext(start)
    etree.SubElement(p, W_BOOKMARK_END).set(W_ID, number)


def renumber_bookmarks(document: DocxDocument) -> None:
    """Give every bookmark in `document`'s body its own ``w:id``, 1, 2, … in document order.

    The body's bookmarks (cross-reference targets, contents entries) are numbered from 1 by
    the writer, and the house document's own (a ``_GoBack``, a letterhead anchor) may use the
    same ids; Word pairs a bookmark's start and end by id and repairs or drops a duplicate.
    An end is matched to the latest still-open start with its old id."""
    start_tag, end_tag, id_attr = qn("w:bookmarkStart"), qn("w:bookmarkEnd"), qn("w:id")
    open_starts: dict[str | None, list[str]] = {}
    ids = count(1)
    for element in list(document.element.body.iter(start_tag, end_tag)):
        old = element.get(id_attr)
        if element.tag == start_tag:
            new = str(next(ids))
            open_starts.setdefault(old, []).append(new)
            element.set(id_attr, new)
        elif open_starts.get(old):
            element.set(id_attr, open_starts[old].pop())
        else:  # an end without a start: Word ignores it, and so would a reader of the ids
            element.getparent().remove(element)
