"""Write a document tree as a Word document (DOCX) that behaves like one built in Word.

Input: a numbered, reference-resolved Document. Output: DOCX bytes, identical for identical
input. Styles, list definitions, fonts, page setup, cover template, header and footer come from
the house-style ``styles/reference.docx`` (found through WriterOptions); this module only names
styles (STYLE_MAP) and lays out the same text, in the same order, as the plain-text writer:

* chapters, articles, clauses and items are numbered by Word's own lists (numbering), so
  inserting an article in Word renumbers the rest; the separator after a number (the full-width
  space after 第一条) is text, so ``paragraph.text`` is the text writer's line minus the label;
* cross-references are REF fields and links (fields);
* the body follows a cover page, and for a regulation a table of contents whose page numbers
  are the PDF's, as its footers number them (writers.front): the pipeline lays the tree out
  (layout.engine) and passes the Layout in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import count
from typing import TYPE_CHECKING

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from policygen.kinds import DOCUMENT_KINDS
from policygen.style import HouseStyle, house_style
from policygen.style import docx as style_docx
from policygen.style.load import STYLE_SUFFIX, is_bundled, style_path
from policygen.transforms.nobreak import NO_BREAK_LANGUAGE, joined, runs
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.tree.walk import block_ids
from policygen.writers import page_values
from policygen.writers.docx import oxml
from policygen.writers.docx.fields import (
    Anchor,
    ContentsHeading,
    Mark,
    add_contents,
    link_references,
)
from policygen.writers.docx.house import write_house_docx
from policygen.writers.docx.numbering import ListNumbering, reference_text
from policygen.writers.docx.pages import (
    add_contents_page,
    add_cover,
    fill_header,
    furnished_front,
    number_pages,
    read_front_matter,
    set_properties,
)
from policygen.writers.docx.reference import open_reference, open_reference_data
from policygen.writers.docx.styles import StyleTable
from policygen.writers.docx.tables import add_signature_block, add_table, align
from policygen.writers.front import PAGE_COUNT_KEY, contents_anchor, shown_pages
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_parts
from policygen.writers.text import labelled

if TYPE_CHECKING:
    from policygen.house import HouseDocument
    from policygen.layout.engine import Layout

REFERENCE_DOCX = "styles/reference.docx"
"""The default style's reference document, looked up in the template folders."""
STYLE_REFERENCES: dict[str, str] = {"default": REFERENCE_DOCX, "gongwen": "styles/gongwen.docx"}
"""The checked-in reference document of each bundled style (tools/make_reference_docx.py), looked
up in the template folders, so a user's ``styles/reference.docx`` replaces the default one."""

STYLE_MAP: dict[str, str] = {
    "title": "Title",
    "subtitle": "Subtitle",
    "chapter": "Heading 1",
    "article_heading": "Heading 2",
    "article": "Article",
    "clause": "Clause",
    "body": "Normal",
    "article_label": "Article Label",
    "strong": "Strong",
    "emphasis": "Emphasis",
}
"""Which reference.docx style each part of the tree is written in (tables: tables)."""

HEADING_STYLES: dict[int, str] = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3"}
"""Style of an unnumbered Heading by its level; deeper levels use the last."""
ITEM_STYLES = ("List Number", "List Number 2", "List Number 3", "List Number 4", "Clause",
               "Sub-clause")  # fmt: skip
"""Numbered styles a list item may take: the first whose list level shows labels like its own."""
LIST_STYLES: dict[int, str] = {1: "List", 2: "List 2", 3: "List 3"}
"""Unnumbered item paragraphs by nesting depth (an item's later paragraphs, typed labels)."""
BULLET_STYLES: dict[int, str] = {1: "List Bullet", 2: "List Bullet 2", 3: "List Bullet 3"}
"""Style of a bullet-list item by nesting depth; deeper levels use the last."""
TOC_LEVELS: dict[str, int] = {"Heading 1": 1, "Heading 2": 2}
"""Heading styles listed in a table of contents, with their level in it."""
CONTENTS_KINDS = frozenset(kind.name for kind in DOCUMENT_KINDS.values() if kind.contents)
"""Document kinds that get a table of contents (and body pages numbered from 1)."""


def write_docx(
    doc: n.Document,
    options: WriterOptions,
    layout: Layout | None = None,
    house: HouseDocument | None = None,
) -> bytes:
    """Return `doc` as DOCX bytes in its house style (`reference_document`, with the page its
    kind gets in the style: policygen.style.docx.apply_page), or placed in `house`, a user's
    ``styles/house.docx`` filled in by the house stage (policygen.house). A contents page
    shows the page on which `layout` put each heading and counts its pages; with `layout`
    None it shows no page numbers, which Word fills in when the reader updates the fields."""
    if house is not None:
        return write_house_docx(doc, house, options, add_body)
    base = house_style(doc, options)
    style = base.furnished(doc.lang)
    document = reference_document(doc, options, base)
    style_docx.apply_page(document, style, doc.kind)
    front = read_front_matter(document)
    if doc.lang == "en":  # the style's English furniture over the reference's Chinese
        front = furnished_front(front, style)
        style_docx.set_running_words(document, style)
    oxml.clear_body(document)
    values = page_values.document_values(doc)
    add_cover(document, front, values)
    contents_end, body_pages = None, None
    if doc.kind in CONTENTS_KINDS:
        contents_end = add_contents_page(document, front)
    builder = _DocxBuilder(document)
    builder.add_document(doc)
    link_references(builder.marks, builder.refs, builder.bookmark_ids)
    if contents_end is not None:
        headings = [
            replace(heading, ids=(contents_anchor(index), *heading.ids))
            for index, heading in enumerate(builder.headings, start=1)
        ]
        pages = None
        if layout is not None:
            # The layout is the PDF's, cover and contents page included; the contents list the
            # page numbers its footers print.
            sheets = {**layout.anchors, PAGE_COUNT_KEY: layout.pages}
            pages = shown_pages(sheets, style.footer.numbering)
            body_pages = pages[PAGE_COUNT_KEY]
        add_contents(contents_end, headings, pages, builder.bookmark_ids)
    number_pages(document, style.footer.numbering, body_pages)
    fill_header(document, page_values.header_values(doc))
    set_properties(document, doc)
    return normalise_parts(oxml.package_parts(document), doc.meta.date)


def reference_document(doc: n.Document, options: WriterOptions, style: HouseStyle) -> DocxDocument:
    """Return the reference document `doc` is built on, opened: a bundled style's checked-in
    one (or the file of that name in a user's template folder), else the one made from
    `style`, the organisation's style as its file states it (style.house_style: the Chinese
    furniture, over which write_docx sets the English of a text in English alone, as over a
    checked-in reference's)."""
    path = options.style_file or style_path(doc.style, options.template_dirs)
    if path is not None and is_bundled(path):
        name = path.name.removesuffix(STYLE_SUFFIX)
        if name in STYLE_REFERENCES:
            return open_reference(options, STYLE_REFERENCES[name])
    return open_reference_data(style_docx.reference_docx(style), f"{style.name}（版式文件生成）")


def add_body(document: DocxDocument, doc: n.Document) -> None:
    """Append the title and body of `doc` to `document`, numbered and cross-referenced, with
    no cover or contents (a house template supplies those)."""
    builder = _DocxBuilder(document)
    builder.add_document(doc)
    link_references(builder.marks, builder.refs, builder.bookmark_ids)


@dataclass(frozen=True)
class _Pending:
    """A list item whose label waits for the first paragraph its blocks produce."""

    label: str
    node_id: str | None
    style: str | None
    """The bullet style for a bullet item; None for a numbered item."""
    slot: int
    """The item's place in the builder's `outer` anchors, filled in once it is numbered."""


def _anchor(node_id: str | None, number: str | None) -> Anchor:
    """Return the anchor of a block with tree id `node_id` numbered `number` (None: typed or
    unnumbered); a block without id cannot be referred to by a field."""
    if node_id is None:
        return Anchor("")
    return Anchor(oxml.bookmark_name(node_id), number)


class _DocxBuilder:
    """Append the blocks of a tree to a python-docx document; one method per node type.

    A list item's label is not written at once: like the text writer, it opens the first
    paragraph the item's blocks produce, and is dropped if there is none."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.styles = StyleTable(document)
        """Style ids by name, resolved once (python-docx scans styles.xml per lookup)."""
        self.numbering = ListNumbering(document)
        self.break_pending = False
        """A PageBreak was met and no paragraph has taken it yet."""
        self.pending: tuple[_Pending, ...] = ()
        """List items whose labels wait for the next paragraph, outermost first."""
        self.outer: list[Anchor] = []
        """Numbered blocks around the current one (an item's article), outermost first."""
        self.marks: list[Mark] = []
        """Paragraphs to bookmark under tree ids, in document order."""
        self.refs: list[tuple[Run, n.Ref]] = []
        """Runs showing a cross-reference's text, to turn into fields at the end."""
        self.headings: list[ContentsHeading] = []
        """Headings for a table of contents, in document order."""
        self.bookmark_ids = count(1)
        self._item_styles: dict[tuple[str, int], str | None] = {}
        """`item_style` by label and the numbering's revision (see ListNumbering.revision)."""
        self._bullets: dict[str, bool] = {}
        """`is_bullet` by style name."""

    # ------------------------------------------------------------------ paragraphs

    def new_paragraph(
        self,
        style: str,
        label: str = "",
        label_style: str | None = None,
        separate: bool = True,
        lang: str = "",
    ) -> tuple[Paragraph, str | None]:
        """Return a new body paragraph in `style` numbered `label`, and what a REF to its
        number shows (None when the number is typed or absent).

        The paragraph takes a pending page break and any waiting item labels: a single numbered
        item label becomes the paragraph's list number (in the item style that shows it);
        several labels, or one before the paragraph's own, are typed. Unless `separate` is
        False, the separator the text writer puts after the label follows it as text. An
        English paragraph (`lang`) types its label: the number of the Chinese clause it
        translates, outside Word's list, so the Chinese numbering runs on undisturbed."""
        pending, self.pending = self.pending, ()
        prefix = ""
        owner: str | None = None
        if len(pending) == 1 and not label:
            item = pending[0]
            label, owner = item.label, item.node_id
            style = item.style or self.item_style(label) or style
        else:
            prefix = "".join(labelled(item.label, "") for item in pending)
        paragraph = oxml.add_body_paragraph(self.document, self.styles.id(style))
        if self.break_pending:
            paragraph.paragraph_format.page_break_before = True
            self.break_pending = False
        if prefix:
            oxml.append_text_run(paragraph, prefix)
        typed = bool(prefix or lang)
        number = self.apply_number(paragraph, style, label, label_style, typed=typed)
        if separate:
            self.add_separator(paragraph, label, lang)
        for item in pending:
            own = number if item.node_id == owner else None
            self.bookmark(paragraph, item.node_id, own)
            self.outer[item.slot] = _anchor(item.node_id, own)
        return paragraph, number

    def item_style(self, label: str) -> str | None:
        """Return the first numbered item style whose list shows labels like `label`."""
        key = (label, self.numbering.revision)
        if key not in self._item_styles:
            styles = self.styles
            fitting = (
                name
                for name in ITEM_STYLES
                if name in styles and self.numbering.fits(styles[name], label)
            )
            self._item_styles[key] = next(fitting, None)
        return self._item_styles[key]

    def apply_number(
        self,
        paragraph: Paragraph,
        style: str,
        label: str,
        label_style: str | None,
        typed: bool = False,
    ) -> str | None:
        """Give `paragraph`, in style `style`, the list number `label`, or type it (always
        when `typed`); return the REF number, None when typed. No label turns the style's
        numbering off."""
        style_object = self.styles[style]
        numbered = None if typed or not label else self.numbering.number(style_object, label)
        if numbered is not None:
            if not numbered.by_style:
                oxml.set_numbering(paragraph, numbered.num_id, numbered.level)
        else:
            if self.numbering.link(style_object) is not None and not self.is_bullet(style):
                oxml.set_numbering(paragraph, 0)
            if label:
                self.add_styled_run(paragraph, label, label_style)
        return reference_text(label) if numbered is not None else None

    @staticmethod
    def add_separator(paragraph: Paragraph, label: str, lang: str = "") -> None:
        """Append what the text writer puts after `label` (a full-width space after 第一条; a
        space in an English paragraph, `lang`)."""
        separator = labelled(label, "", lang)[len(label) :]
        if separator:
            oxml.append_text_run(paragraph, separator)

    def is_bullet(self, style: str) -> bool:
        """Return whether paragraph style `style` is one of the bullet-list styles."""
        if style not in self._bullets:
            self._bullets[style] = (self.styles[style].name or "") in BULLET_STYLES.values()
        return self._bullets[style]

    def add_styled_run(self, paragraph: Paragraph, text: str, style: str | None) -> Run:
        """Append `text` to `paragraph` in character style `style` (None: the paragraph's),
        as ``paragraph.add_run(text, style)`` does."""
        run = oxml.add_text_run(paragraph, text)
        if style:
            oxml.set_run_style_id(run, self.styles.id(style, WD_STYLE_TYPE.CHARACTER))
        return run

    def cell_paragraph(self, cell: _Cell, style: str) -> Paragraph:
        """Return a paragraph in `style` at the end of `cell` (its first, if unused), opened by
        any waiting item labels as text."""
        paragraph = oxml.cell_paragraph(cell)
        oxml.set_paragraph_style_id(paragraph, self.styles.id(style))
        self.open_cell_paragraph(paragraph)
        return paragraph

    def open_cell_paragraph(self, paragraph: Paragraph) -> None:
        """Open `paragraph`, a new one in a table cell, with any waiting item labels as text."""
        pending, self.pending = self.pending, ()
        if pending:
            labels = "".join(labelled(item.label, "") for item in pending)
            oxml.append_text_run(paragraph, labels)
        for item in pending:
            self.bookmark(paragraph, item.node_id)

    def take_pending_break(self) -> None:
        """Put a pending page break on a paragraph of its own (before a table)."""
        if self.break_pending:
            self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            self.break_pending = False

    def bookmark(
        self, paragraph: Paragraph, node_id: str | None, number: str | None = None
    ) -> None:
        """Bookmark `paragraph` under tree id `node_id` at the end; None does nothing."""
        if node_id is not None:
            self.marks.append(Mark(paragraph, node_id, number, tuple(self.outer)))

    def add_heading_line(
        self, style: str, label: str, inlines: tuple[n.Inline, ...], ids: tuple[str, ...]
    ) -> tuple[Paragraph, str | None]:
        """Add a heading in `style` numbered `label`, listed in the contents when its style is."""
        paragraph, number = self.new_paragraph(style, label)
        self.add_inlines(paragraph, inlines)
        if style in TOC_LEVELS:
            shown = label if number is not None else ""
            self.headings.append(ContentsHeading(paragraph, TOC_LEVELS[style], shown, ids))
        return paragraph, number

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
                    if marks:
                        self.add_run(paragraph, text, marks)
                    else:  # most runs: no proxy needed
                        oxml.append_text_run(paragraph, text)
                case n.NoBreak(text=text):
                    run = self.add_run(paragraph, joined(text), marks)
                    oxml.set_lang(run, east_asia=NO_BREAK_LANGUAGE)
                case n.Strong(children=children):
                    self.add_inlines(paragraph, children, marks | {"strong"})
                case n.Emphasis(children=children):
                    self.add_inlines(paragraph, children, marks | {"emphasis"})
                case n.Ref():
                    run = self.add_run(paragraph, inline_text((node,)), marks)
                    oxml.set_lang(run, east_asia=NO_BREAK_LANGUAGE)
                    if node.text:
                        self.refs.append((run, node))
                case n.LineBreak():
                    paragraph.add_run().add_break(WD_BREAK.LINE)

    def add_text(self, paragraph: Paragraph, text: str) -> None:
        """Append the plain string `text` (a title, a caption, a signature line), its
        unbreakable runs (transforms.nobreak) kept on one line as a NoBreak's are."""
        for piece, kept in runs(text):
            if kept:
                self.add_inlines(paragraph, (n.NoBreak(piece),))
            else:
                oxml.append_text_run(paragraph, piece)

    def add_run(self, paragraph: Paragraph, text: str, marks: frozenset[str]) -> Run:
        """Append `text` to `paragraph` in the character style its `marks` call for."""
        if "emphasis" in marks:
            run = self.add_styled_run(paragraph, text, STYLE_MAP["emphasis"])
            if "strong" in marks:
                run.bold = True
            return run
        if "strong" in marks:
            return self.add_styled_run(paragraph, text, STYLE_MAP["strong"])
        return oxml.add_text_run(paragraph, text)

    # ------------------------------------------------------------------ document and blocks

    def add_document(self, doc: n.Document) -> None:
        """Add the title, subtitle and body of `doc`."""
        self.add_text(self.new_paragraph(STYLE_MAP["title"])[0], doc.title)
        if doc.subtitle:
            self.add_text(self.new_paragraph(STYLE_MAP["subtitle"])[0], doc.subtitle)
        self.add_blocks(doc.blocks, depth=0)

    def add_blocks(self, blocks: tuple[n.Block, ...], depth: int) -> None:
        """Add `blocks`; `depth` counts the list items they sit in (0 = body text)."""
        for block in blocks:
            self.add_block(block, depth)

    def add_block(self, block: n.Block, depth: int) -> None:
        """Add one block at list depth `depth`."""
        match block:
            case n.Chapter():
                ids = tuple(i for i in (block.id, *block_ids(block.blocks)) if i)
                heading, number = self.add_heading_line(
                    STYLE_MAP["chapter"], block.label, block.title, ids
                )
                self.bookmark(heading, block.id, number)
                self.add_blocks(block.blocks, depth)
            case n.Article():
                self.add_article(block, depth)
            case n.Paragraph():
                self.add_paragraph(block, depth)
            case n.Heading(inlines=inlines, level=level, id=node_id):
                style = HEADING_STYLES[min(max(level, 1), max(HEADING_STYLES))]
                ids = (node_id,) if node_id else ()
                self.bookmark(self.add_heading_line(style, "", inlines, ids)[0], node_id)
            case n.OrderedList(items=items):
                self.add_list(items, depth + 1, None)
            case n.BulletList(items=items):
                self.add_list(items, depth + 1, BULLET_STYLES)
            case n.Table():
                add_table(self, block)
            case n.PageBreak():
                self.break_pending = True
            case n.SignatureBlock():
                add_signature_block(self, block)
            case _:
                raise TypeError(f"unknown block {block!r}")

    def add_article(self, article: n.Article, depth: int) -> None:
        """Add an article: a heading line when titled, else its first paragraph run in."""
        rest = list(article.blocks)
        first_block = rest[0] if rest and not article.title else None
        run_in = first_block if isinstance(first_block, n.Paragraph) else None
        if run_in is not None and run_in.label:
            run_in = None
        if article.title:
            ids = tuple(i for i in (article.id, *block_ids(article.blocks)) if i)
            first, number = self.add_heading_line(
                STYLE_MAP["article_heading"], article.label, article.title, ids
            )
        else:
            first, number = self.new_paragraph(
                STYLE_MAP["article"], article.label, STYLE_MAP["article_label"], bool(run_in)
            )
        self.bookmark(first, article.id, number)
        self.outer.append(_anchor(article.id, number))
        if run_in is not None:
            rest.pop(0)
            self.add_inlines(first, run_in.inlines)
            align(first, run_in.align)
            self.bookmark(first, run_in.id)
        self.add_blocks(tuple(rest), depth)
        self.outer.pop()

    def add_paragraph(self, paragraph: n.Paragraph, depth: int) -> None:
        """Add a body paragraph with its label (a clause 1.1), or as an item's first paragraph."""
        if paragraph.lang:  # English under its clause: body text, the number typed at its indent
            style = STYLE_MAP["body"]
        else:
            style = STYLE_MAP["clause"] if paragraph.label else self.body_style(depth)
        added, number = self.new_paragraph(style, paragraph.label, lang=paragraph.lang)
        self.add_inlines(added, paragraph.inlines)
        align(added, paragraph.align)
        self.bookmark(added, paragraph.id, number)

    def add_list(
        self, items: tuple[n.ListItem, ...], depth: int, bullets: dict[int, str] | None
    ) -> None:
        """Add list `items` at `depth`; each label opens the item's first paragraph."""
        for item in items:
            waiting = self.pending
            style = bullets[min(depth, max(bullets))] if bullets else None
            self.pending = (*waiting, _Pending(item.label, item.id, style, len(self.outer)))
            self.outer.append(_anchor(item.id, None))
            self.add_blocks(item.blocks, depth)
            self.outer.pop()
            if self.pending:  # nothing to open: drop the label, as text does
                self.pending = waiting

    def body_style(self, depth: int) -> str:
        """Return the style of plain paragraphs at list depth `depth` (inside an item)."""
        return LIST_STYLES[min(depth, max(LIST_STYLES))] if depth else STYLE_MAP["body"]
