"""Turn a document tree into the Typst source the Typst engine prints (the default engine).

Input: a numbered, reference-resolved Document. Output: the source of an A4 PDF carrying the
same text, in the same order, as the WeasyPrint PDF (layout.weasyprint_engine): the title
block, chapters, articles, clauses and items with the labels the tree carries, tables whose
header row repeats on every page, the signature page, and the running header and the footer the house style asks for
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

This module makes the Typst source; layout.typst_engine compiles it (the Typst engine: its
layout processes, the threads that feed them, its fonts)."""

from __future__ import annotations

import re
import unicodedata

from policygen.errors import RenderError
from policygen.layout.typst_compiler import END_LABEL
from policygen.style import style_for
from policygen.style.model import LATIN, HouseStyle
from policygen.style.typst import MM, TypstStyle, typst_definitions
from policygen.style.typst import typst_style as make_typst_style
from policygen.transforms.nobreak import runs
from policygen.tree import nodes as n
from policygen.tree.text import inline_text, item_lang
from policygen.tree.walk import block_ids
from policygen.writers import front, typst_front
from policygen.writers.options import WriterOptions
from policygen.writers.page_values import header_lines
from policygen.writers.pdf import pdf_keywords
from policygen.writers.table_widths import CELL_PADDING, column_widths
from policygen.writers.text import colon, labelled

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


def _fonts(families: tuple[str, ...], latin: tuple[str, ...] = ()) -> str:
    """Return the Typst font list of `families`, after the `latin` families (each covering
    only the Latin letters, digits and punctuation a CJK font would not take: Typst's
    ``latin-in-cjk``, so that CJK punctuation such as “”、。 stays in the CJK face)."""
    first = "".join(f'(name: {typst_string(f)}, covers: "latin-in-cjk"), ' for f in latin)
    return "(" + first + "".join(typst_string(family) + ", " for family in families) + ")"


ENGLISH_FONT = "f-english"
"""The font list of an English paragraph in a text with English in it: the Latin face, then
the body's faces (`font_lists`)."""


def font_lists(
    doc: n.Document, families: dict[str, tuple[str, ...]], house: HouseStyle
) -> list[str]:
    """Return the source lines naming each font role's list (``#let f-body = (…)``) from
    `families`, the Typst families of each role. A text with English in it (`doc.lang` ``en``
    or ``zh+en``) puts the Latin face (fonts.LATIN, when one is installed) first, as the DOCX
    declares the style's ``fonts.latin`` for Latin letters, in the lists `house` says
    (HouseStyle.latin_first: the CSS's too), and in ENGLISH_FONT, the list of the English
    paragraphs."""
    latin = families.get(LATIN, ())
    body = house.resolved("body").font
    lines = [
        f"#let f-{role} = {_fonts(names, latin if house.latin_first(role, doc.lang) else ())}"
        for role, names in families.items()
        if role != LATIN
    ]
    if doc.lang != "zh":
        lines.append(f"#let {ENGLISH_FONT} = {_fonts(families[body], latin)}")
    return lines


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


def _content(text: str) -> str:
    """Return the plain string `text` as Typst content, its unbreakable runs kept whole on
    one line (for the cover and contents lines of typst_front)."""
    return f"[{_text(text)}]"


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
        self.in_chapter = False
        """Whether the block being written sits in a chapter (for its bookmark's level)."""
        self.contents = front.has_contents(doc)
        """Whether the document has a contents page, whose entries' headings get labels."""
        self.entries = 0
        """Contents entries met so far."""
        self.heads: list[str] = []
        """Bookmarks and contents labels waiting, like `pending`, for the next line."""

    # ----------------------------------------------------------------- helpers

    def mark(self, node_id: str | None) -> None:
        """Queue the marker of `node_id` (once per id: a repeated id is dropped, as in HTML)."""
        if node_id and node_id not in self.emitted:
            self.emitted.add(node_id)
            self.pending.append(node_id)

    def markers(self) -> str:
        """Return and clear the queued markers, bookmarks and contents labels."""
        out = "".join(self.heads)
        out += "".join(f"#metadata({typst_string(i)}){_label(i)}" for i in self.pending)
        self.pending.clear()
        self.heads.clear()
        return out

    def head(self, block: n.Block) -> None:
        """Queue `block`'s bookmark and, when the contents list it, its contents label."""
        index = None
        if self.contents and front.contents_entry(block) is not None:
            self.entries += 1
            index = self.entries
        marks = typst_front.heading_marks(block, self.in_chapter, index, typst_string)
        if marks:
            self.heads.append(marks)

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

    def label(self, label: str, font: str = "", lang: str = "") -> str:
        """Return `label` and the separator the text writer puts after it (in an English
        paragraph, `lang`, a space)."""
        if not label:
            return ""
        separator = labelled(label, "", lang)[len(label) :]
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
        self.mark(front.BODY_ANCHOR)
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
        self.head(block)
        match block:
            case n.Chapter(title=title, blocks=children, id=node_id, label=label):
                self.mark(node_id)
                self.lines.append(self.heading("chapter", self.label(label) + self.inlines(title)))
                self.in_chapter = True
                self.blocks(children)
                self.in_chapter = False
            case n.Article():
                self.article(block)
            case n.Paragraph(inlines=inlines, id=node_id, label=label, align=align, lang=lang):
                self.mark(node_id)
                content = self.label(label, lang=lang) + self.inlines(inlines)
                if lang:  # an English paragraph of a bilingual document: never hyphenated
                    content = (
                        f"#text(lang: {typst_string(lang)}, hyphenate: false, "
                        f"font: {ENGLISH_FONT})[{content}]"
                    )
                self.lines.append(self.par(content, align=align))
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
        elif rest and isinstance(first := rest[0], n.Paragraph) and not first.label:
            del rest[0]
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
        prefix = (
            '#"• "' if bullet and not item.label else self.label(item.label, lang=item_lang(item))
        )
        first = ""
        if rest and isinstance(lead := rest[0], n.Paragraph):
            del rest[0]
            self.mark(lead.id)
            first = self.par(prefix + self.label(lead.label) + self.inlines(lead.inlines),
                             align=lead.align)  # fmt: skip
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
        (writers.table_widths), a header repeated on every page, rows that never split
        (unless `table.split_rows`)."""
        self.mark(table.id)
        if table.caption:
            self.lines.append(self.heading("caption", _text(table.caption)))
        breakable = "#set table.cell(breakable: true); " if table.split_rows else ""
        self.lines.append(f"#table-block[{breakable}{self.table_markup(table, self.width)}]")

    def table_markup(self, table: n.Table, width: float) -> str:
        """Return the ``#table`` of `table` in a text block `width` pt wide, without its
        caption."""
        cell = self.style.text["table"]
        size = max(cell.size, self.style.text["table-heading"].size)
        column_pts = column_widths(table, width, size)
        widths = [_pt(each) for each in column_pts]
        gap = (cell.line - cell.size) / 2
        header_rows = len(table.header)
        out = [
            f"#table(columns: ({', '.join(widths)},), "
            f"inset: (x: 5pt, top: {_pt(cell.before + gap)}, bottom: {_pt(cell.after + gap)}), "
            f"stroke: 0.5pt, align: (x, y) => if y < {header_rows} "
            "{ center + top } else { left + top }, "
            f'fill: (x, y) => if y < {header_rows} {{ rgb("f2f2f2") }}, '
        ]
        if table.header:
            cells = ", ".join(
                self.cell(cell, column_pts[k], header=True)
                for row in table.header
                for k, cell in enumerate(row)
            )
            out.append(f"table.header(repeat: true, {cells}), ")
        out.append(
            "".join(
                self.cell(cell, column_pts[k]) + ", "
                for row in table.rows
                for k, cell in enumerate(row)
            )
        )
        out.append(")")
        return "".join(out)

    def cell(self, cell: n.Cell, width: float, *, header: bool = False) -> str:
        """Return one table cell `width` pt wide (header cells in the heading face), its
        paragraphs and nested tables after its text."""
        content = self.markers() + self.inlines(cell.inlines)
        for block in cell.blocks:
            if content:
                content += "#parbreak()"
            if isinstance(block, n.Table):
                content += self.table_markup(block, width - CELL_PADDING)
            else:
                content += self.inlines(block.inlines)
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
        columns = []
        for party in parties:
            role = _text(party.role) + _text(colon(party.role)) + _text(party.name)
            party_line = self.par(f"#text(font: s-party.font)[{role}]", align="left")
            lines = [f"#block(below: s-party.after + {_pt(gap)})[{party_line}]"]
            for line in party.lines:
                blank = self.par(_text(line) + _text(colon(line).rstrip()), align="left")
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
    role's Typst family names, fallbacks last): the cover and contents page (typst_front)
    on sheets without header or footer, then the body, its sheets numbered as the house
    style's ``footer.numbering`` says."""
    house = style_for(doc, options)
    style = make_typst_style(house, doc.kind)
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
        *font_lists(doc, families, house),
        *typst_definitions(style),
        f"#set page(width: {style.width:.3f}mm, height: {style.height:.3f}mm, "
        f"margin: (top: {top:.3f}mm, right: {right:.3f}mm, bottom: {bottom:.3f}mm, "
        f"left: {left:.3f}mm), header: none, footer: none)",
        f'#set text(font: s-body.font, size: s-body.size, lang: "zh", region: "cn", '
        f"top-edge: {TOP_EDGE}, bottom-edge: {BOTTOM_EDGE}, tracking: s-body.tracking, "
        "cjk-latin-spacing: none)",
        f'#set par(justify: s-body.justify, linebreaks: "simple", leading: {_pt(gap)}, '
        f"spacing: {_pt(gap)}, first-line-indent: (amount: s-body.indent, all: true))",
        f"#set block(spacing: {_pt(gap)})",
        "#set table.cell(breakable: false)",
        *typst_front.DEFINITIONS,
        *typst_front.front_source(doc, house, _content),
        f"#set page(header-ascent: {_pt(ascent)}, header: {header}, "
        f"footer-descent: {_pt(style.footer_gap * MM)}, footer: {_footer(style)})",
        *(["#counter(page).update(1)"] if house.footer.numbering == "body" else []),
        "",
    ]
    return (
        "\n".join(preamble) + "\n\n".join(source.lines) + f"#metadata(none){END_LABEL}\n" + metadata
    )


__all__ = ["typst_source", "typst_string", "typst_style"]
