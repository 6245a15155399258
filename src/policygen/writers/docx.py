"""Write a document tree as a Word document (DOCX).

Input: a numbered, reference-resolved Document. Output: DOCX bytes, identical for identical
input. Styles, fonts, page size, margins and the page-number footer come from the house-style
``styles/reference.docx`` (found through WriterOptions); this module only names styles
(STYLE_MAP) and lays out the same text, in the same order, as the plain-text writer."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from policygen.tree import nodes as n
from policygen.writers import docx_oxml
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_docx
from policygen.writers.text import inline_text, labelled

REFERENCE_DOCX = "styles/reference.docx"
"""The house-style document, looked up in the template folders."""

STYLE_MAP: dict[str, str] = {
    "title": "Title",
    "subtitle": "Subtitle",
    "chapter": "Heading 1",
    "article": "Heading 2",
    "body": "Normal",
    "caption": "Caption",
    "table": "Table Grid",
    "table_heading": "Table Heading",
    "table_text": "Table Text",
    "signature_party": "Signature Party",
    "signature_line": "Signature Line",
    "article_label": "Article Label",
    "strong": "Strong",
    "emphasis": "Emphasis",
}
"""Which reference.docx style each part of the tree is written in."""

HEADING_STYLES: dict[int, str] = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3"}
"""Style of an unnumbered Heading by its level; deeper levels use the last."""
LIST_STYLES: dict[int, str] = {1: "List", 2: "List 2", 3: "List 3"}
"""Style of an ordered-list item by nesting depth; deeper levels use the last."""
BULLET_STYLES: dict[int, str] = {1: "List Bullet", 2: "List Bullet 2", 3: "List Bullet 3"}
"""Style of a bullet-list item by nesting depth; deeper levels use the last."""

ALIGNMENTS: dict[str, WD_ALIGN_PARAGRAPH] = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
"""Paragraph and cell alignments the tree may ask for; anything else keeps the style's."""

SIGNATURE_COLUMNS = 2
"""Parties side by side on a signature page; more parties continue on further rows."""

_KEYWORD_SEPARATOR = "; "
_CORE_PROPERTY_MAX = 255
"""python-docx refuses longer core-property strings."""


def write_docx(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as DOCX bytes in the house style of `options`' reference.docx."""
    document = docx.Document(str(options.find(REFERENCE_DOCX)))
    docx_oxml.clear_body(document)
    _DocxBuilder(document).add_document(doc)
    _set_properties(document, doc)
    buffer = BytesIO()
    document.save(buffer)
    return normalise_docx(buffer.getvalue(), doc.meta.date)


def _set_properties(document: DocxDocument, doc: n.Document) -> None:
    """Fill `document`'s core and extended properties from `doc` (no clock, no user name)."""
    meta = doc.meta
    stamp = datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=UTC)
    properties = document.core_properties
    texts = {
        "title": doc.title,
        "subject": meta.subject,
        "keywords": _KEYWORD_SEPARATOR.join(meta.keywords),
        "author": meta.organisation,
        "last_modified_by": meta.organisation,
        "identifier": meta.doc_no,
        "version": meta.version,
        "language": "zh-CN",
        "comments": "",
        "category": "",
    }
    for name, value in texts.items():
        setattr(properties, name, value[:_CORE_PROPERTY_MAX])
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp
    docx_oxml.set_company(document, meta.organisation)


class _DocxBuilder:
    """Append the blocks of a tree to a python-docx document; one method per node type.

    A list item's label is not written at once: like the text writer, it opens the first
    paragraph the item's blocks produce (``item_prefix``), and is dropped if there is none."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.break_pending = False
        """A PageBreak was met and no paragraph has taken it yet."""
        self.item_prefix: str | None = None
        """Labels (with separators) waiting for the next paragraph; None when none waits."""
        self.item_ids: tuple[str, ...] = ()
        """Ids of the list items whose labels wait in `item_prefix`."""
        self.item_style: str | None = None
        """Style for a paragraph that takes `item_prefix` (a bullet or list style)."""
        self.bookmarks: list[tuple[Paragraph, str]] = []
        """Paragraphs to bookmark once complete, with their tree ids, in document order."""

    # ------------------------------------------------------------------ paragraphs

    def new_paragraph(self, style: str) -> Paragraph:
        """Return a new body paragraph in `style`, taking a pending page break and item label."""
        paragraph = self.document.add_paragraph(style=style)
        if self.break_pending:
            paragraph.paragraph_format.page_break_before = True
            self.break_pending = False
        self.take_item_prefix(paragraph)
        return paragraph

    def cell_paragraph(self, cell: _Cell, style: str) -> Paragraph:
        """Return a paragraph in `style` at the end of `cell` (its first, if unused)."""
        paragraphs = cell.paragraphs
        unused = len(paragraphs) == 1 and not paragraphs[0].runs
        paragraph = paragraphs[0] if unused else cell.add_paragraph()
        paragraph.style = self.document.styles[style]
        self.take_item_prefix(paragraph)
        return paragraph

    def take_item_prefix(self, paragraph: Paragraph) -> None:
        """Open `paragraph` with the waiting list-item labels, if any, and bookmark the items."""
        if self.item_prefix is None:
            return
        if self.item_prefix:
            paragraph.add_run(self.item_prefix)
        for node_id in self.item_ids:
            self.bookmark(paragraph, node_id)
        self.item_prefix, self.item_ids, self.item_style = None, (), None

    def take_pending_break(self) -> None:
        """Put a pending page break on a paragraph of its own (before a table)."""
        if self.break_pending:
            self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            self.break_pending = False

    def bookmark(self, paragraph: Paragraph, node_id: str | None) -> None:
        """Bookmark `paragraph` under the tree id `node_id` when done; None does nothing."""
        if node_id is not None:
            self.bookmarks.append((paragraph, node_id))

    def add_bookmarks(self) -> None:
        """Bookmark every recorded paragraph; an id met twice keeps its first paragraph."""
        names: set[str] = set()
        for paragraph, node_id in self.bookmarks:
            name = docx_oxml.bookmark_name(node_id)
            if name not in names:
                names.add(name)
                docx_oxml.add_bookmark(paragraph, name, len(names))

    def add_labelled(
        self,
        style: str,
        label: str,
        inlines: tuple[n.Inline, ...],
        label_style: str | None = None,
    ) -> Paragraph:
        """Add a body paragraph in `style` reading `label`, its separator, then `inlines`."""
        paragraph = self.new_paragraph(style)
        prefix = labelled(label, "")
        if prefix:
            paragraph.add_run(prefix, label_style)
        self.add_inlines(paragraph, inlines)
        return paragraph

    def add_inlines(
        self,
        paragraph: Paragraph,
        inlines: tuple[n.Inline, ...],
        marks: frozenset[str] = frozenset(),
    ) -> None:
        """Append `inlines` as runs; `marks` (``strong``, ``emphasis``) says what encloses them."""
        for node in inlines:
            match node:
                case n.Text(text=text) if text:
                    self.add_run(paragraph, text, marks)
                case n.Strong(children=children):
                    self.add_inlines(paragraph, children, marks | {"strong"})
                case n.Emphasis(children=children):
                    self.add_inlines(paragraph, children, marks | {"emphasis"})
                case n.Ref():
                    self.add_run(paragraph, inline_text((node,)), marks)
                case n.LineBreak():
                    paragraph.add_run().add_break(WD_BREAK.LINE)

    def add_run(self, paragraph: Paragraph, text: str, marks: frozenset[str]) -> None:
        """Append `text` to `paragraph` in the character style its `marks` call for."""
        if "emphasis" in marks:
            run = paragraph.add_run(text, STYLE_MAP["emphasis"])
            if "strong" in marks:
                run.bold = True
        elif "strong" in marks:
            paragraph.add_run(text, STYLE_MAP["strong"])
        else:
            paragraph.add_run(text)

    # ------------------------------------------------------------------ document and blocks

    def add_document(self, doc: n.Document) -> None:
        """Add the title, subtitle and body of `doc`, then the bookmarks."""
        self.new_paragraph(STYLE_MAP["title"]).add_run(doc.title)
        if doc.subtitle:
            self.new_paragraph(STYLE_MAP["subtitle"]).add_run(doc.subtitle)
        self.add_blocks(doc.blocks, depth=0)
        self.add_bookmarks()

    def add_blocks(self, blocks: tuple[n.Block, ...], depth: int) -> None:
        """Add `blocks`; `depth` counts the list items they sit in (0 = body text)."""
        for block in blocks:
            self.add_block(block, depth)

    def add_block(self, block: n.Block, depth: int) -> None:
        """Add one block at list depth `depth`."""
        match block:
            case n.Chapter():
                heading = self.add_labelled(STYLE_MAP["chapter"], block.label, block.title)
                self.bookmark(heading, block.id)
                self.add_blocks(block.blocks, depth)
            case n.Article():
                self.add_article(block, depth)
            case n.Paragraph():
                self.add_paragraph(block, depth)
            case n.Heading(inlines=inlines, level=level, id=node_id):
                style = HEADING_STYLES[min(max(level, 1), max(HEADING_STYLES))]
                self.bookmark(self.add_labelled(style, "", inlines), node_id)
            case n.OrderedList(items=items):
                self.add_list(items, depth + 1, LIST_STYLES)
            case n.BulletList(items=items):
                self.add_list(items, depth + 1, BULLET_STYLES)
            case n.Table():
                self.add_table(block)
            case n.PageBreak():
                self.break_pending = True
            case n.SignatureBlock():
                self.add_signature_block(block)
            case _:
                raise TypeError(f"unknown block {block!r}")

    def add_article(self, article: n.Article, depth: int) -> None:
        """Add an article: a heading line when titled, else its first paragraph run in."""
        rest = list(article.blocks)
        first_block = rest[0] if rest else None
        label_style = STYLE_MAP["article_label"]
        if article.title:
            first = self.add_labelled(STYLE_MAP["article"], article.label, article.title)
        elif isinstance(first_block, n.Paragraph) and not first_block.label:
            rest.pop(0)
            style = self.body_style(depth)
            first = self.add_labelled(style, article.label, first_block.inlines, label_style)
            self.align(first, first_block.align)
            self.bookmark(first, first_block.id)
        else:
            first = self.new_paragraph(self.body_style(depth))
            if article.label:
                first.add_run(article.label, label_style)
        self.bookmark(first, article.id)
        self.add_blocks(tuple(rest), depth)

    def add_paragraph(self, paragraph: n.Paragraph, depth: int) -> None:
        """Add a body paragraph with its label (1.1); as an item's first, in the item's style."""
        style = self.item_style if self.item_prefix is not None else None
        added = self.add_labelled(
            style or self.body_style(depth), paragraph.label, paragraph.inlines
        )
        self.align(added, paragraph.align)
        self.bookmark(added, paragraph.id)

    def add_list(self, items: tuple[n.ListItem, ...], depth: int, styles: dict[int, str]) -> None:
        """Add list `items` at `depth`; each label opens the item's first paragraph."""
        for item in items:
            waiting = (self.item_prefix, self.item_ids, self.item_style)
            self.item_prefix = (self.item_prefix or "") + labelled(item.label, "")
            self.item_ids = (*self.item_ids, *((item.id,) if item.id else ()))
            self.item_style = styles[min(depth, max(styles))]
            self.add_blocks(item.blocks, depth)
            if self.item_prefix is not None:  # nothing to open: drop the label, as text does
                self.item_prefix, self.item_ids, self.item_style = waiting

    def body_style(self, depth: int) -> str:
        """Return the style of plain paragraphs at list depth `depth` (inside an item)."""
        return LIST_STYLES[min(depth, max(LIST_STYLES))] if depth else STYLE_MAP["body"]

    @staticmethod
    def align(paragraph: Paragraph, align: str | None) -> None:
        """Align `paragraph` as the tree asks; None or an unknown value keeps the style's."""
        if align in ALIGNMENTS:
            paragraph.alignment = ALIGNMENTS[align]

    # ------------------------------------------------------------------ tables

    def add_table(self, table: n.Table) -> None:
        """Add `table` under its caption: full width, header rows repeated, rows unsplit."""
        rows = (*table.header, *table.rows)
        columns = max((len(row) for row in rows), default=0)
        caption = None
        if table.caption:
            caption = self.new_paragraph(STYLE_MAP["caption"])
            caption.add_run(table.caption)
            self.bookmark(caption, table.id)
        if not columns:
            return
        self.take_pending_break()
        word_table = self.document.add_table(len(rows), columns, STYLE_MAP["table"])
        docx_oxml.set_table_full_width(word_table)
        for index, (row, word_row) in enumerate(zip(rows, word_table.rows, strict=True)):
            heading = index < len(table.header)
            if heading:
                docx_oxml.set_repeat_table_header(word_row)
            docx_oxml.set_cant_split(word_row)
            style = STYLE_MAP["table_heading" if heading else "table_text"]
            for cell, word_cell in zip(row, word_row.cells, strict=False):
                word_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = self.cell_paragraph(word_cell, style)
                self.add_inlines(paragraph, cell.inlines)
                self.align(paragraph, cell.align)
                if caption is None and index == 0:
                    self.bookmark(paragraph, table.id)
                    caption = paragraph

    def add_signature_block(self, block: n.SignatureBlock) -> None:
        """Add the parties side by side in a borderless table, lines left blank to sign."""
        parties = block.parties
        if not parties:
            return
        self.take_pending_break()
        row_count = -(-len(parties) // SIGNATURE_COLUMNS)
        word_table = self.document.add_table(row_count, SIGNATURE_COLUMNS)
        docx_oxml.set_table_full_width(word_table)
        for row in word_table.rows:
            docx_oxml.set_cant_split(row)
        for index, party in enumerate(parties):
            cell = word_table.cell(index // SIGNATURE_COLUMNS, index % SIGNATURE_COLUMNS)
            heading = self.cell_paragraph(cell, STYLE_MAP["signature_party"])
            heading.add_run(f"{party.role}：{party.name}")
            for line in party.lines:
                self.cell_paragraph(cell, STYLE_MAP["signature_line"]).add_run(f"{line}：")
