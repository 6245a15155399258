"""Write a redline (修订稿): a Word document whose differences are native tracked changes.

Input: a `Redline`, the new version of a document laid out as paragraphs and tables whose
text is already split into unchanged, inserted and deleted segments (policygen.diff builds
it). Output: DOCX bytes in the house style of ``styles/reference.docx``, identical for
identical input, in which Word and LibreOffice show every difference as a change to accept or
reject. Labels (第七条, （一）, 2.1) are plain text, so a renumbering is a tracked change too,
and numbering a style would add is switched off. The running header is the house style's
(writers.docx.pages); the body has no cover or contents page. The revision marks themselves are
written by writers.docx.oxml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.text.paragraph import Paragraph

from policygen.tree import nodes as n
from policygen.writers import page_values
from policygen.writers.docx import oxml
from policygen.writers.docx.oxml import Change as Change  # re-exported for diff, alignment
from policygen.writers.docx.oxml import Revisions
from policygen.writers.docx.pages import fill_header
from policygen.writers.docx.reference import open_reference
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_docx

REFERENCE_DOCX = "styles/reference.docx"
"""The house-style document, looked up in the template folders."""

PARAGRAPH_STYLES: dict[str, str] = {
    "title": "Title",
    "subtitle": "Subtitle",
    "chapter": "Heading 1",
    "article": "Heading 2",
    "body": "Normal",
    "heading1": "Heading 1",
    "heading2": "Heading 2",
    "heading3": "Heading 3",
    "list1": "List",
    "list2": "List 2",
    "list3": "List 3",
    "bullet1": "List Bullet",
    "bullet2": "List Bullet 2",
    "bullet3": "List Bullet 3",
    "caption": "Caption",
    "table_heading": "Table Heading",
    "table_text": "Table Text",
    "party": "Signature Party",
    "signature_line": "Signature Line",
}
"""Which reference.docx paragraph style each paragraph role is written in."""

CHARACTER_STYLES: dict[str, str] = {
    "label": "Article Label",
    "strong": "Strong",
    "emphasis": "Emphasis",
}
"""Which reference.docx character style each segment style is written in."""

TABLE_STYLE = "Table Grid"
"""The style of every table."""

ALIGNMENTS: dict[str, WD_ALIGN_PARAGRAPH] = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
"""Paragraph alignments a redline may ask for; anything else keeps the style's."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a paragraph's text, unchanged, inserted or deleted."""

    text: str
    """The characters; a newline is a line break."""
    change: Change | None = None
    """``ins`` or ``del`` for a tracked change; None for text both versions share."""
    style: str | None = None
    """A key of CHARACTER_STYLES (``label``, ``strong``, ``emphasis``); None for plain text."""
    target: str | None = None
    """For a cross-reference (第十二条), the id of the clause it cites, by which a comparison
    tells a renumbered reference from a changed one; None for other text."""


@dataclass(frozen=True, slots=True)
class RedlineParagraph:
    """One paragraph of the redline."""

    segments: tuple[Segment, ...]
    """The paragraph's text in order, deletions before the insertions that replace them."""
    role: str = "body"
    """A key of PARAGRAPH_STYLES."""
    align: str | None = None
    """``left``, ``center`` or ``right``; None for the style's."""
    change: Change | None = None
    """``ins`` or ``del`` when the whole paragraph is new or gone; None when it is in both."""
    page_break: bool = False
    """Start the paragraph on a new page."""


@dataclass(frozen=True, slots=True)
class RedlineRow:
    """One table row: a paragraph per cell."""

    cells: tuple[RedlineParagraph, ...]
    """The cells, as many as the table has columns."""
    change: Change | None = None
    """``ins`` or ``del`` when the whole row is new or gone; None when it is in both."""
    header: bool = False
    """A header row, repeated on every page."""


@dataclass(frozen=True, slots=True)
class RedlineTable:
    """A table of the redline."""

    rows: tuple[RedlineRow, ...]
    """The rows, header rows first."""
    columns: int
    """How many cells every row has."""


RedlineBlock = RedlineParagraph | RedlineTable


@dataclass(frozen=True, slots=True)
class Redline:
    """A whole redline: the new document's properties and the merged body."""

    kind: str
    """The document kind, e.g. ``regulation``."""
    title: str
    """The new document's title, for the running header and the document properties."""
    subtitle: str
    """The new document's subtitle; empty for none."""
    meta: n.DocumentMeta
    """The new document's properties; `meta.date` dates every tracked change."""
    blocks: tuple[RedlineBlock, ...]
    """Paragraphs and tables in order."""
    author: str
    """Who made the changes: every tracked change, and the document's last editor, is theirs."""


def write_redline(redline: Redline, options: WriterOptions) -> bytes:
    """Return `redline` as DOCX bytes with tracked changes, in the house style of `options`."""
    document = open_reference(options, REFERENCE_DOCX)  # checked like the DOCX writer's
    oxml.clear_body(document)
    builder = _RedlineBuilder(document, Revisions(redline.author, redline.meta.date))
    for block in redline.blocks:
        if isinstance(block, RedlineTable):
            builder.add_table(block)
        else:
            builder.add_paragraph(block)
    header = n.Document(redline.kind, redline.title, (), redline.meta, redline.subtitle)
    fill_header(document, page_values.document_values(header))
    _set_properties(document, redline)
    buffer = BytesIO()
    document.save(buffer)
    return normalise_docx(buffer.getvalue(), redline.meta.date)


def _set_properties(document: DocxDocument, redline: Redline) -> None:
    """Fill `document`'s core properties from `redline` (no clock, no user name)."""
    meta = redline.meta
    stamp = datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=UTC)
    properties = document.core_properties
    properties.title = redline.title[:255]
    properties.subject = meta.subject[:255]
    properties.author = meta.organisation[:255]
    properties.last_modified_by = redline.author[:255]
    properties.identifier = meta.number[:255]
    properties.version = meta.version[:255]
    if not meta.version:
        oxml.remove_core_property(document, "version")
    properties.language = "zh-CN"
    properties.comments = ""
    properties.keywords = ""
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp
    oxml.set_company(document, meta.organisation)


class _RedlineBuilder:
    """Append redline paragraphs and tables to a python-docx document."""

    def __init__(self, document: DocxDocument, revisions: Revisions) -> None:
        self.document = document
        self.revisions = revisions
        self.style_ids = {
            key: document.styles[name].style_id for key, name in CHARACTER_STYLES.items()
        }

    def add_paragraph(self, block: RedlineParagraph) -> None:
        """Add `block` as a body paragraph."""
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.page_break_before = block.page_break or None
        self.fill(paragraph, block)

    def fill(self, paragraph: Paragraph, block: RedlineParagraph) -> None:
        """Give `paragraph` the style, alignment, text and revision marks of `block`."""
        style = self.document.styles[PARAGRAPH_STYLES[block.role]]
        paragraph.style = style
        if not block.role.startswith("bullet") and oxml.style_is_numbered(style):
            oxml.suppress_numbering(paragraph)
        if block.align in ALIGNMENTS:
            paragraph.alignment = ALIGNMENTS[block.align]
        for segment in block.segments:
            if segment.text:
                style_id = self.style_ids[segment.style] if segment.style else None
                oxml.add_run(paragraph, segment.text, self.revisions, segment.change, style_id)
        if block.change is not None:
            oxml.mark_paragraph(paragraph, block.change, self.revisions)

    def add_table(self, table: RedlineTable) -> None:
        """Add `table` at full width, header rows repeated, rows unsplit."""
        if not table.rows or not table.columns:
            return
        word_table = self.document.add_table(len(table.rows), table.columns, TABLE_STYLE)
        oxml.set_table_full_width(word_table)
        for row, word_row in zip(table.rows, word_table.rows, strict=True):
            if row.header:
                oxml.set_repeat_table_header(word_row)
            oxml.set_cant_split(word_row)
            if row.change is not None:
                oxml.mark_row(word_row, row.change, self.revisions)
            for cell, word_cell in zip(row.cells, word_row.cells, strict=False):
                word_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                self.fill(word_cell.paragraphs[0], cell)
