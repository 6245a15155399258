"""Write tracked changes (修订) in raw WordprocessingML, where python-docx has no API for them.

This is the only module that builds the ``w:ins`` / ``w:del`` revision marks: inserted and
deleted runs, inserted and deleted paragraph marks, inserted and deleted table rows. Word and
LibreOffice show each mark as a change to accept or reject. Every mark carries the author,
date and id of a `Revisions` stamp; ids count up from 1 in document order, so identical input
gives identical XML. Callers pass python-docx proxy objects, never XML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.styles.style import BaseStyle, CharacterStyle
from docx.table import _Row
from docx.text.paragraph import Paragraph
from lxml import etree

from policygen.writers.docx.oxml.compat import paragraph_element, row_element
from policygen.writers.docx.oxml.shared import XML_SPACE

Change = Literal["ins", "del"]
"""A revision mark: inserted (``w:ins``) or deleted (``w:del``) content."""


@dataclass
class Revisions:
    """The author and date every mark carries, and the counter that numbers the marks."""

    author: str
    """Who made the changes, e.g. 信息科技部 (shown in the review pane)."""
    when: date
    """The day of the changes; marks are dated at 00:00 UTC of it."""
    last_id: int = field(default=0)
    """The last ``w:id`` given out; the next mark gets one more."""

    def stamp(self, element: etree._Element) -> etree._Element:
        """Give `element` the next id, the author and the date; return it."""
        self.last_id += 1
        element.set(qn("w:id"), str(self.last_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), f"{self.when.isoformat()}T00:00:00Z")
        return element


def add_run(
    paragraph: Paragraph,
    text: str,
    revisions: Revisions,
    change: Change | None = None,
    style_id: str | None = None,
) -> None:
    """Append `text` to `paragraph` in the character style `style_id` (None: the paragraph's).

    With `change`, the run sits in a ``w:ins`` or ``w:del`` mark (deleted text as
    ``w:delText``); None appends plain text. A newline in `text` becomes a line break."""
    run = OxmlElement("w:r")
    if style_id is not None:
        rpr = OxmlElement("w:rPr")
        rstyle = OxmlElement("w:rStyle")
        rstyle.set(qn("w:val"), style_id)
        rpr.append(rstyle)
        run.append(rpr)
    text_tag = "w:delText" if change == "del" else "w:t"
    for index, piece in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        if piece:
            element = OxmlElement(text_tag)
            element.set(XML_SPACE, "preserve")
            element.text = piece
            run.append(element)
    if change is None:
        paragraph_element(paragraph).append(run)
        return
    mark = revisions.stamp(OxmlElement(f"w:{change}"))
    mark.append(run)
    paragraph_element(paragraph).append(mark)


def mark_paragraph(paragraph: Paragraph, change: Change, revisions: Revisions) -> None:
    """Mark the paragraph mark (¶) of `paragraph` inserted or deleted.

    A paragraph whose runs and mark are all inserted disappears when the change is rejected;
    one whose runs and mark are all deleted disappears when it is accepted."""
    ppr = paragraph_element(paragraph).get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        # w:rPr comes after every other paragraph property but w:sectPr and w:pPrChange.
        later = [ppr.find(qn(tag)) for tag in ("w:sectPr", "w:pPrChange")]
        following = [element for element in later if element is not None]
        if following:
            following[0].addprevious(rpr)
        else:
            ppr.append(rpr)
    rpr.insert(0, revisions.stamp(OxmlElement(f"w:{change}")))


def mark_row(row: _Row, change: Change, revisions: Revisions) -> None:
    """Mark table `row` inserted or deleted as a whole (``w:trPr/w:ins`` or ``w:del``)."""
    trpr = row_element(row).get_or_add_trPr()
    # w:ins and w:del follow the row's other properties and precede w:trPrChange.
    change_element = trpr.find(qn("w:trPrChange"))
    mark = revisions.stamp(OxmlElement(f"w:{change}"))
    if change_element is not None:
        change_element.addprevious(mark)
    else:
        trpr.append(mark)


def style_is_numbered(style: BaseStyle | None) -> bool:
    """Return True when `style`, or a style it is based on, attaches list numbering."""
    seen = 0
    while style is not None and seen < 20:  # a cycle of base styles is invalid but possible
        ppr = style.element.pPr
        if ppr is not None and ppr.find(qn("w:numPr")) is not None:
            num_id = ppr.find(qn("w:numPr")).find(qn("w:numId"))
            return num_id is None or num_id.get(qn("w:val")) != "0"
        style = style.base_style if isinstance(style, CharacterStyle) else None
        seen += 1
    return False


def suppress_numbering(paragraph: Paragraph) -> None:
    """Stop `paragraph` taking list numbering from its style (``w:numId`` 0): its label is text."""
    # python-docx makes get_or_add_numPr (ZeroOrOne "w:numPr") without declaring it.
    num_pr = paragraph_element(paragraph).get_or_add_pPr().get_or_add_numPr()  # type: ignore[attr-defined]
    num_pr.get_or_add_numId().val = 0
