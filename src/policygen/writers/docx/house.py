"""Place a document's body in an organisation's own house DOCX (letterhead, fonts, styles).

Input: a numbered, reference-resolved Document, and its house template already filled in by
the house stage (policygen.house.HouseDocument: the template rendered, a marked paragraph
where the body goes). Output: DOCX bytes. Pure: no template runs here.

The body is written by the DOCX writer's own builder (Word-native numbering, REF fields,
bookmarks) into the house document itself, so its paragraphs take the house's styles, and
moved to the marked paragraph. The styles and lists the builder names that the house
document lacks (Article, Clause, List Number 4, Table Text…, and the 章/条/项 list
definitions) are first copied in from the bundled reference.docx; a house style of the same
name keeps its look but is linked to the copied list (so a house Heading 1 reads 第一章, a
house List Number （一）)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import TYPE_CHECKING

import docx
from docx.document import Document as DocxDocument

from policygen.errors import RenderError
from policygen.tree import nodes as n
from policygen.writers.docx import oxml
from policygen.writers.docx.pages import set_properties
from policygen.writers.docx.reference import open_reference
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_docx

if TYPE_CHECKING:
    from policygen.house import HouseDocument

REFERENCE_DOCX = "styles/reference.docx"
"""Where the styles and lists a house document lacks are copied from."""

AddBody = Callable[[DocxDocument, n.Document], None]
"""Appends a document's title and body to a python-docx document (writers.docx.add_body)."""


def write_house_docx(
    doc: n.Document, house: HouseDocument, options: WriterOptions, add_body: AddBody
) -> bytes:
    """Return `doc` as DOCX bytes: its body, written by `add_body`, placed at the marked
    paragraph of the filled-in house template `house`."""
    document = docx.Document(BytesIO(house.data))
    mark = oxml.body_mark(document)
    if mark is None:  # the house stage leaves one: only a hand-made HouseDocument lacks it
        raise RenderError(f"{house.name} 中没有正文位置 (no place for the body)")
    adopt_reference(document, open_reference(options, REFERENCE_DOCX))
    before = len(document.element.body)
    add_body(document, doc)
    oxml.move_appended_to(document, before, mark)
    oxml.renumber_bookmarks(document)
    set_properties(document, doc)
    buffer = BytesIO()
    document.save(buffer)
    return normalise_docx(buffer.getvalue(), doc.meta.date)


def adopt_reference(document: DocxDocument, reference: DocxDocument) -> list[str]:
    """Copy into `document` every style of `reference` it lacks, all of `reference`'s list
    definitions and the fonts its font table declares that `document`'s lacks (宋体, 黑体…,
    named by the copied styles), and link the numbered styles to the lists; return the names
    of the styles copied."""
    names = [style.name for style in reference.styles if style.name is not None]
    copied = oxml.adopt_styles(document, reference, names)
    num_ids = oxml.adopt_numbering(document, reference)
    oxml.link_style_numbering(document, reference, num_ids)
    oxml.adopt_fonts(document, reference)
    return copied
