"""Turn a house style into the Typst style of the default PDF engine (writers.pdf_typst).

Input: a HouseStyle and a document kind. Output: a TypstStyle (the values the Typst writer
uses as it writes the source) and `typst_definitions`, the lines at the head of every Typst
source that state them as Typst data: one dictionary per text role (``#let s-chapter = (font:
f-heading, size: 16pt, line: 24pt, before: 16pt, after: 8pt, …)``) and the functions that set
a heading or a table in them. Sizes, line heights and spacing are the style's, as the CSS
states them; the functions add what makes Typst lay them out as CSS does (half the leading
above and below a line), once, in Typst."""

from __future__ import annotations

from dataclasses import dataclass

from policygen.kinds import DOCUMENT_KINDS
from policygen.style.model import HouseStyle, TextRole

TEXT_ROLES: dict[str, TextRole] = {
    "body": "body",
    "title": "title",
    "subtitle": "subtitle",
    "chapter": "chapter",
    "article": "article_heading",
    "minor": "minor_heading",
    "caption": "caption",
    "table": "table",
    "table-heading": "table_heading",
    "party": "signature_party",
    "blank": "signature_line",
    "header": "header",
    "footer": "footer",
    "toc-heading": "toc_heading",
    "toc-1": "toc_1",
    "toc-2": "toc_2",
    "cover-title": "cover_title",
    "cover-subtitle": "cover_subtitle",
    "cover-line": "cover_line",
    "cover-party": "cover_party",
    "cover-organisation": "cover_organisation",
    "cover-date": "cover_date",
}
"""The Typst dictionaries (``s-<name>``) of the source, and the text role each states."""


@dataclass(frozen=True)
class TypstText:
    """One text role as Typst sets it, in pt."""

    font: str
    """Font role: the source's ``f-<role>`` family list."""
    size: float
    line: float
    """Line height, as CSS's line-height: Typst's leading is the line height less the size."""
    before: float
    after: float
    indent: float
    """First-line indent."""
    left: float
    """Left indent."""
    align: str
    """``left``, ``center``, ``right`` or ``justify``."""
    bold: bool
    tracking: float

    def dictionary(self) -> str:
        """Return the Typst dictionary stating this role."""
        align = "left" if self.align == "justify" else self.align
        weight = "bold" if self.bold else "regular"
        return (
            f"(font: f-{self.font}, size: {pt(self.size)}, line: {pt(self.line)}, "
            f"before: {pt(self.before)}, after: {pt(self.after)}, indent: {pt(self.indent)}, "
            f"left: {pt(self.left)}, align: {align}, justify: "
            f'{"true" if self.align == "justify" else "false"}, weight: "{weight}", '
            f"tracking: {pt(self.tracking)})"
        )


@dataclass(frozen=True)
class TypstStyle:
    """The house style of one document as the Typst writer uses it."""

    name: str
    """The style's name."""
    width: float
    """Paper width in mm."""
    height: float
    """Paper height in mm."""
    margins: tuple[float, float, float, float]
    """Top, right, bottom and left margin in mm."""
    text: dict[str, TypstText]
    """Text roles by the name of their dictionary (TEXT_ROLES)."""
    table_below: float
    """Space below a table in pt."""
    nested_item_pad: float
    """Left padding in pt of the items nested in a contract's clauses (1.1.1); 0 elsewhere."""
    label_font: str
    """Font role of an article's label (第一条) run into its text."""
    emphasis_font: str
    """Font role of emphasised text."""
    header: tuple[str, ...]
    """The running header's lines, with placeholders (writers.page_values.fill)."""
    header_distance: float
    """From the top of the paper to the header's top, in mm."""
    header_rule: float
    """Thickness of the rule under the header in pt; 0 for none."""
    footer: str
    """The footer's words, ``{page}`` and ``{pages}`` standing for the page number and count."""
    footer_gap: float
    """From the text block to the footer's top, in mm."""

    @property
    def body(self) -> TypstText:
        return self.text["body"]

    @property
    def text_width(self) -> float:
        """Return the width of the text block in pt."""
        return (self.width - self.margins[1] - self.margins[3]) * MM


MM = 72 / 25.4
"""Points in a millimetre."""


def pt(value: float) -> str:
    """Return `value` as a Typst length in points, to three decimals."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "pt"


def typst_style(style: HouseStyle, kind: str) -> TypstStyle:
    """Return `style` as the Typst writer sets a document of `kind`."""
    text = {}
    for name, role in TEXT_ROLES.items():
        r = style.resolved(role)
        text[name] = TypstText(
            font=r.font, size=r.size, line=r.line, before=r.before, after=r.after,
            indent=r.indent * r.char_width, left=r.left * r.char_width, align=r.align,
            bold=r.bold, tracking=r.tracking,
        )  # fmt: skip
    body = style.resolved("body")
    margins = style.margins(kind)
    contract = kind in DOCUMENT_KINDS and DOCUMENT_KINDS[kind].scheme == "contract"
    characters = style.characters
    return TypstStyle(
        name=style.name,
        width=style.page.width,
        height=style.page.height,
        margins=(margins.top, margins.right, margins.bottom, margins.left),
        text=text,
        table_below=style.table_block.after,
        nested_item_pad=style.lists.sub_clause_left * body.char_width if contract else 0.0,
        label_font=(characters["article_label"].font if "article_label" in characters
                    else None) or body.font,
        emphasis_font=(characters["emphasis"].font if "emphasis" in characters
                       else None) or body.font,
        header=style.header.lines,
        header_distance=style.header.distance,
        header_rule=style.header.rule,
        footer=style.footer.text,
        footer_gap=style.footer.gap,
    )  # fmt: skip


HEADING_BLOCK = (
    "#let heading-block(s, first: false, body) = block(sticky: true, breakable: false, "
    "width: 100%, inset: (top: if first { (s.line - s.size) / 2 } else { 0pt }), "
    "above: s.before + (s.line - s.size) / 2 + (s-body.line - s-body.size) / 2, "
    "below: s.after + (s.line - s.size) / 2 + (s-body.line - s-body.size) / 2)["
    "#set par(first-line-indent: (amount: s.indent, all: true), justify: false, "
    "leading: s.line - s.size); "
    "#set align(s.align); "
    "#set text(font: s.font, size: s.size, weight: s.weight, tracking: s.tracking); "
    "#pad(left: s.left, par(body))]"
)
"""A heading (title, chapter, article, caption…) in the dictionary `s`, kept with what follows
it. The space around it is the CSS margin plus the half-leadings CSS puts above and below a
line; the `first` block of a page (the title) gets its own half-leading as an inset, where
Typst drops spacing."""

TABLE_BLOCK = (
    "#let table-block(body) = block(above: (s-table.line - s-table.size) / 2, "
    "below: s-table-space.below + (s-table.line - s-table.size) / 2)["
    "#set text(font: s-table.font, size: s-table.size, tracking: s-table.tracking); "
    "#set par(first-line-indent: 0pt, justify: false, leading: s-table.line - s-table.size); "
    "#body]"
)
"""A table with the space around it, its text set in ``s-table``."""


def typst_definitions(style: TypstStyle) -> list[str]:
    """Return the source lines stating `style`: a dictionary per text role, the space around
    tables, and the functions setting headings and tables in them."""
    lines = [f"#let s-{name} = {text.dictionary()}" for name, text in style.text.items()]
    lines.append(f"#let s-table-space = (below: {pt(style.table_below)})")
    lines += [HEADING_BLOCK, TABLE_BLOCK]
    return lines


__all__ = ["MM", "TEXT_ROLES", "TypstStyle", "TypstText", "pt", "typst_definitions", "typst_style"]
