"""Write a document tree as one standalone, semantic HTML5 page; the PDF writer prints that page.

Input: a numbered, reference-resolved Document. Output: UTF-8 HTML bytes carrying the same text,
in the same order, as writers/text.py, with its stylesheets inlined in ``<style>``: the page
structure (``styles/base.css``), the house style made from the document's style file
(style.css), and a user's ``styles/<kind>.css`` and ``styles/<style>.css``, the files read
through the local-only fetcher. The running header's lines (the style's, filled in) open the
body in an element the printed page shows atop every page and a screen hides. Every piece of
document text goes through MarkupSafe, so no input can become markup.

The page written as HTML output loads nothing when opened: its stylesheets are made standalone
(writers.stylesheets)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup, escape

from policygen.errors import RenderError
from policygen.style import style_for
from policygen.style.css import RUNNING_HEADER, stylesheet
from policygen.style.model import HouseStyle
from policygen.transforms.nobreak import runs
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.tree.walk import block_ids
from policygen.writers import front
from policygen.writers.fetcher import LocalResources
from policygen.writers.options import WriterOptions
from policygen.writers.page_values import header_lines
from policygen.writers.stylesheets import (
    inert,
    read_css,
    standalone_css,
    style_folder,
    stylesheet_paths,
)
from policygen.writers.table_widths import column_widths
from policygen.writers.text import colon, labelled

_ALIGN_CLASSES = {"left": "align-left", "center": "align-center", "right": "align-right"}


# --------------------------------------------------------------------------- inlines


def _text(text: str) -> Markup:
    """Return the plain string `text` escaped, its unbreakable runs (transforms.nobreak) in
    spans that never break across lines."""
    return Markup("").join(_nobr(piece) if kept else escape(piece) for piece, kept in runs(text))


def _nobr(text: str) -> Markup:
    return Markup('<span class="nobr">{}</span>').format(text)


def _label(label: str, lang: str = "") -> Markup:
    """Return `label` as a span followed by the separator writers/text.py puts after it (in
    an English paragraph, `lang`, a space)."""
    if not label:
        return Markup("")
    separator = labelled(label, "", lang)[len(label) :]
    return Markup('<span class="label">{}</span>{}').format(label, separator)


def _classes(*names: str) -> Markup:
    joined = " ".join(name for name in names if name)
    return Markup(' class="{}"').format(joined) if joined else Markup("")


class _Writer:
    """Turn the blocks of one document into HTML lines; tables `width` pt wide, their text
    `size` pt (the house style's), for their columns' widths (writers.table_widths)."""

    def __init__(self, doc: n.Document, width: float = 453.5, size: float = 10.5) -> None:
        self.ids = frozenset(block_ids(doc.blocks))
        self.emitted: set[str] = set()
        self.width = width
        self.size = size
        self.in_chapter = False
        """Whether the block being written sits in a chapter (for its bookmark's level)."""
        self.contents = front.has_contents(doc)
        """Whether the document has a contents page, whose entries' headings get anchors."""
        self.entries = 0
        """Contents entries met so far."""

    def bookmark(self, block: n.Block) -> tuple[str, Markup]:
        """Return the class and the attribute making `block`'s element a PDF bookmark
        (base.css: ``bookmark-N``, its label in ``data-bookmark``); empty for none."""
        mark = front.bookmark(block, self.in_chapter)
        if mark is None:
            return "", Markup("")
        return f"bookmark-{mark.level}", Markup(' data-bookmark="{}"').format(mark.text)

    def contents_anchor(self, block: n.Block) -> Markup:
        """Return the empty anchor the contents page points at, to open `block`'s heading;
        empty when the contents do not list it."""
        if not self.contents or front.contents_entry(block) is None:
            return Markup("")
        self.entries += 1
        return Markup('<span id="{}"></span>').format(front.contents_anchor(self.entries))

    def attrs(self, node_id: str | None, *classes: str) -> Markup:
        """Return ` id=… class=…`; an id already used is dropped so the page stays valid."""
        out = _classes(*classes)
        if node_id and node_id not in self.emitted:
            self.emitted.add(node_id)
            out = Markup(' id="{}"').format(node_id) + out
        return out

    def inlines(self, inlines: tuple[n.Inline, ...]) -> Markup:
        """Return `inlines` as escaped HTML."""
        out: list[Markup] = []
        for node in inlines:
            match node:
                case n.Text(text=text):
                    out.append(escape(text))
                case n.NoBreak(text=text):
                    out.append(_nobr(text))
                case n.Strong(children=children):
                    out.append(Markup("<strong>{}</strong>").format(self.inlines(children)))
                case n.Emphasis(children=children):
                    out.append(Markup("<em>{}</em>").format(self.inlines(children)))
                case n.Ref(target=target):
                    shown = inline_text((node,))
                    if target in self.ids:
                        href = "#" + quote(target, safe="")
                        out.append(Markup('<a class="ref" href="{}">{}</a>').format(href, shown))
                    else:
                        out.append(Markup('<span class="ref">{}</span>').format(shown))
                case n.LineBreak():
                    out.append(Markup("<br>"))
        return Markup("").join(out)

    def paragraph(self, para: n.Paragraph, prefix: Markup, extra_class: str = "") -> Markup:
        """Return `para` as a <p>, `prefix` (an enclosing label) first, then its own label."""
        classes = (
            extra_class,
            "numbered" if para.label else "",
            _ALIGN_CLASSES.get(para.align or "", ""),
            "translation" if para.lang else "",
        )
        lang = Markup(' lang="{}"').format(para.lang) if para.lang else Markup("")
        return Markup("<p{}{}>{}{}{}</p>").format(
            self.attrs(para.id, *classes),
            lang,
            prefix,
            _label(para.label, para.lang),
            self.inlines(para.inlines),
        )

    def blocks(self, blocks: tuple[n.Block, ...] | list[n.Block]) -> list[Markup]:
        """Return the HTML lines of `blocks`."""
        lines: list[Markup] = []
        for block in blocks:
            lines += self.block(block)
        return lines

    def block(self, block: n.Block) -> list[Markup]:
        """Return the HTML lines of one block."""
        match block:
            case n.Chapter():
                bookmark, label = self.bookmark(block)
                opening = Markup("<section{}{}>").format(
                    self.attrs(block.id, "chapter", bookmark), label
                )
                heading = Markup("<h2>{}{}{}</h2>").format(
                    self.contents_anchor(block), _label(block.label), self.inlines(block.title)
                )
                self.in_chapter = True
                children = self.blocks(block.blocks)
                self.in_chapter = False
                return [opening, heading, *children, Markup("</section>")]
            case n.Article():
                return self.article(block)
            case n.Paragraph():
                return [self.paragraph(block, Markup(""))]
            case n.Heading(inlines=inlines, level=level, id=node_id):
                tag = f"h{min(max(level, 1), 5) + 1}"
                bookmark, label = self.bookmark(block)
                attrs = self.attrs(node_id, "heading", bookmark)
                return [
                    Markup("<{}{}{}>{}{}</{}>").format(
                        tag,
                        attrs,
                        label,
                        self.contents_anchor(block),
                        self.inlines(inlines),
                        tag,
                    )
                ]
            case n.OrderedList(items=items, depth=depth):
                return [
                    Markup('<ol class="items depth-{}">').format(depth),
                    *(line for item in items for line in self.item(item)),
                    Markup("</ol>"),
                ]
            case n.BulletList(items=items):
                return [
                    Markup('<ul class="items bullets">'),
                    *(line for item in items for line in self.item(item)),
                    Markup("</ul>"),
                ]
            case n.Table():
                return self.table(block)
            case n.PageBreak():
                return [Markup('<div class="page-break"></div>')]
            case n.SignatureBlock(parties=parties):
                return self.signature(parties)
        raise TypeError(f"unknown block {block!r}")

    def article(self, article: n.Article) -> list[Markup]:
        """Return an article: a heading line when titled, else its label run into the text."""
        bookmark, label = self.bookmark(article)
        lines = [Markup("<div{}{}>").format(self.attrs(article.id, "article", bookmark), label)]
        rest = list(article.blocks)
        if article.title:
            lines.append(
                Markup('<h3 class="article-title">{}{}{}</h3>').format(
                    self.contents_anchor(article),
                    _label(article.label),
                    self.inlines(article.title),
                )
            )
        elif rest and isinstance(first := rest[0], n.Paragraph) and not first.label:
            del rest[0]
            lines.append(self.paragraph(first, _label(article.label), "run-in"))
        else:
            lines.append(Markup('<p class="article-label">{}</p>').format(_label(article.label)))
        lines += self.blocks(rest)
        lines.append(Markup("</div>"))
        return lines

    def item(self, item: n.ListItem) -> list[Markup]:
        """Return a list item, its label printed in front of its first paragraph."""
        rest = list(item.blocks)
        inner: list[Markup] = []
        if rest and isinstance(first := rest[0], n.Paragraph):
            del rest[0]
            inner.append(self.paragraph(first, _label(item.label, first.lang)))
        elif rest and item.label:
            inner.append(Markup('<p class="item-label">{}</p>').format(_label(item.label)))
        inner += self.blocks(rest)
        return [Markup("<li{}>").format(self.attrs(item.id)), *inner, Markup("</li>")]

    def table(self, table: n.Table) -> list[Markup]:
        """Return a table with its caption, its columns' widths (writers.table_widths) and a
        repeating <thead>."""
        classes = ("data", "split-rows") if table.split_rows else ("data",)
        lines = [Markup("<table{}>").format(self.attrs(table.id, *classes))]
        if table.caption:
            lines.append(Markup("<caption>{}</caption>").format(_text(table.caption)))
        widths = column_widths(table, self.width, self.size)
        if widths:
            total = sum(widths)
            cols = (
                Markup('<col style="width: {:.2f}%">').format(100 * each / total) for each in widths
            )
            lines.append(Markup("<colgroup>{}</colgroup>").format(Markup("").join(cols)))
        if table.header:
            lines.append(Markup("<thead>"))
            lines += [self.row(row, "th") for row in table.header]
            lines.append(Markup("</thead>"))
        lines.append(Markup("<tbody>"))
        lines += [self.row(row, "td") for row in table.rows]
        lines += [Markup("</tbody>"), Markup("</table>")]
        return lines

    def row(self, row: tuple[n.Cell, ...], tag: str) -> Markup:
        """Return one table row of `tag` cells."""
        scope = Markup(' scope="col"') if tag == "th" else Markup("")
        cells = (
            Markup("<{}{}{}>{}</{}>").format(
                tag,
                scope,
                _classes(_ALIGN_CLASSES.get(cell.align or "", "")),
                self.cell(cell),
                tag,
            )
            for cell in row
        )
        return Markup("<tr>{}</tr>").format(Markup("").join(cells))

    def cell(self, cell: n.Cell) -> Markup:
        """Return the content of one table cell: its text, then its paragraphs and tables."""
        out = [self.inlines(cell.inlines)]
        for block in cell.blocks:
            if isinstance(block, n.Table):
                out += self.table(block)
            else:
                out.append(Markup("<p>{}</p>").format(self.inlines(block.inlines)))
        return Markup("").join(out)

    def signature(self, parties: tuple[n.SignatureParty, ...]) -> list[Markup]:
        """Return the signature page: one column per party, blanks to sign on."""
        lines = [Markup('<table class="signature">'), Markup("<tbody>"), Markup("<tr>")]
        for party in parties:
            lines.append(Markup("<td>"))
            lines.append(
                Markup(
                    '<p class="party"><span class="role">{}</span>{}<span class="name">{}</span></p>'
                ).format(_text(party.role), colon(party.role), _text(party.name))
            )
            lines += [
                Markup('<p class="blank">{}{}</p>').format(_text(line), colon(line).rstrip())
                for line in party.lines
            ]
            lines.append(Markup("</td>"))
        lines += [Markup("</tr>"), Markup("</tbody>"), Markup("</table>")]
        return lines


# --------------------------------------------------------------------------- document


def _head(doc: n.Document, css: list[tuple[str, str]]) -> list[Markup]:
    meta = doc.meta
    created = meta.date.isoformat()
    lines = [
        Markup('<meta charset="utf-8">'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        Markup("<title>{}</title>").format(doc.title),
        Markup('<meta name="author" content="{}">').format(meta.organisation),
    ]
    if meta.subject:
        lines.append(Markup('<meta name="description" content="{}">').format(meta.subject))
    if meta.keywords:
        lines.append(Markup('<meta name="keywords" content="{}">').format(", ".join(meta.keywords)))
    lines += [
        Markup('<meta name="generator" content="policygen">'),
        Markup('<meta name="dcterms.created" content="{}">').format(created),
        Markup('<meta name="dcterms.modified" content="{}">').format(created),
    ]
    if meta.number:
        lines.append(Markup('<meta name="dcterms.identifier" content="{}">').format(meta.number))
    if meta.version:
        lines.append(Markup('<meta name="dcterms.hasVersion" content="{}">').format(meta.version))
    for name, text in css:
        # The CSS text is the template's own, made inert against "</style>" by stylesheets.inert.
        lines.append(Markup("<style>/* {} */\n{}</style>").format(name, Markup(text)))
    return lines


def _cover_line(line: front.CoverLine) -> Markup:
    """Return cover line `line` as a paragraph: its text, or the title's lines each kept whole
    (a nobr span) with a break between, at its own size when set smaller."""
    role = line.role.replace("_", "-")
    if not line.lines:
        return Markup('<p class="{}">{}</p>').format(role, _text(line.text))
    body = Markup("<br>").join(_nobr(part) for part in line.lines)
    if line.size is None:
        return Markup('<p class="{}">{}</p>').format(role, body)
    return Markup('<p class="{}" style="font-size: {}pt">{}</p>').format(role, line.size, body)


def _front(doc: n.Document, style: HouseStyle) -> list[Markup]:
    """Return `doc`'s cover and, for a kind with contents, its contents page (writers.front),
    each a sheet of its own in the PDF (base.css); the contents entries link to the headings'
    anchors, and the printed page shows the page number there (``target-counter``)."""
    lines: list[Markup] = []
    cover = front.cover_lines(doc, style)
    if cover:
        lines.append(Markup('<section class="cover">'))
        lines += [_cover_line(line) for line in cover]
        lines.append(Markup("</section>"))
    entries = front.contents_entries(doc)
    if front.has_contents(doc) and entries:
        lines.append(Markup('<nav class="contents">'))
        lines.append(Markup('<p class="toc-heading">{}</p>').format(style.contents.heading))
        for index, entry in enumerate(entries, start=1):
            lines.append(
                Markup('<p class="toc-{}"><a href="#{}">{}</a></p>').format(
                    min(entry.level, 2), front.contents_anchor(index), entry.text
                )
            )
        lines.append(Markup("</nav>"))
    return lines


def render_html(
    doc: n.Document, options: WriterOptions, resources: LocalResources, *, standalone: bool = False
) -> bytes:
    """Return `doc` as HTML, reading stylesheets through `resources` (refusals raise).

    When `standalone`, the stylesheets' URLs are inlined or refused (`standalone_css`), so the
    page loads nothing; otherwise they stay for WeasyPrint to load through `resources`."""
    root = style_folder(options)
    base_url = root.as_uri() + "/"
    house = style_for(doc, options)
    css = []
    for index, path in enumerate(stylesheet_paths(doc, options, house.name)):
        absolute = Path(os.path.abspath(path))
        name = absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.name
        text = read_css(path, resources)
        if standalone:
            try:
                text = standalone_css(text, name, base_url, resources)
            except RenderError:
                raise
            except Exception as error:  # tinycss2 or lxml failing on a stylesheet or its SVG
                raise RenderError(
                    f"{path}: 无法处理样式表 (cannot read the stylesheet: "
                    f"{type(error).__name__}: {error})"
                ) from error
        css.append((name, inert(text)))
        if index == 0:  # the house style, after the structure and before a user's sheets
            css.append(
                (
                    f"styles/{house.name}.style.yaml",
                    inert(stylesheet(house, doc.kind, doc.lang)),
                )
            )
    text_width = house.text_width(doc.kind) * 72 / 25.4
    writer = _Writer(doc, text_width, house.resolved("table").size)
    body = []
    running = header_lines(doc, house.header.lines)
    if running:
        header = Markup("").join(Markup("<p>{}</p>").format(_text(line)) for line in running)
        body.append(Markup('<div class="{}">{}</div>').format(RUNNING_HEADER, header))
    body += _front(doc, house)
    body.append(
        Markup('<h1 id="{}" class="title">{}</h1>').format(front.BODY_ANCHOR, _text(doc.title))
    )
    if doc.subtitle:
        body.append(Markup('<p class="subtitle">{}</p>').format(_text(doc.subtitle)))
    body += writer.blocks(doc.blocks)
    body.append(Markup('<div id="{}"></div>').format(front.END_ANCHOR))
    lines = [
        Markup("<!DOCTYPE html>"),
        Markup('<html lang="zh-CN">'),
        Markup("<head>"),
        *_head(doc, css),
        Markup("</head>"),
        Markup("<body{}>").format(_classes(f"kind-{doc.kind}", f"style-{house.name}")),
        *body,
        Markup("</body>"),
        Markup("</html>"),
    ]
    return (Markup("\n").join(lines) + "\n").encode("utf-8")


def write_html(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as a standalone UTF-8 HTML5 page with the house style inlined; opening it
    loads nothing (`standalone_css`)."""
    return render_html(doc, options, LocalResources(options.template_dirs), standalone=True)
