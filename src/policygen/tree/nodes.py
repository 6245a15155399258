"""The document tree: a small closed set of frozen dataclasses every writer reads.

Readers build it, transforms (numbering, cross-references) return new trees with labels and
reference texts filled in, writers turn it into bytes. Writers print `label` fields as they are;
they never compute numbers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypeAlias

# --------------------------------------------------------------------------- inlines


@dataclass(frozen=True, slots=True)
class Text:
    """A run of plain text."""

    text: str
    """The characters, already unescaped: writers escape them for their own format."""


@dataclass(frozen=True, slots=True)
class Strong:
    """Bold text (加粗)."""

    children: tuple[Inline, ...]
    """The emphasised inlines."""


@dataclass(frozen=True, slots=True)
class Emphasis:
    """Emphasised text; Chinese typesetting shows it as 楷体 or with emphasis marks, not italics."""

    children: tuple[Inline, ...]
    """The emphasised inlines."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A cross-reference to a numbered block by its id."""

    target: str
    """The id of the article, clause or item referred to."""
    text: str = ""
    """What the reference reads as, e.g. 第十二条 or 第3.2条; filled in by transforms.references."""


@dataclass(frozen=True, slots=True)
class LineBreak:
    """A forced line break inside a paragraph."""


@dataclass(frozen=True, slots=True)
class NoBreak:
    """A run of text printed on one line: an amount, a date, an identifier, an article
    reference, a short word of a table cell (marked by transforms.nobreak)."""

    text: str
    """The characters, as in Text."""


Inline: TypeAlias = Text | Strong | Emphasis | Ref | LineBreak | NoBreak

# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of body text: in a regulation a 款 (unnumbered), in a contract a clause (1.1)."""

    inlines: tuple[Inline, ...]
    """The paragraph's content."""
    id: str | None = None
    """Stable id for cross-references, from ``{#id}`` in the template; None when not referable."""
    label: str = ""
    """Number printed before the text, e.g. 1.1; empty when the paragraph is not numbered."""
    align: str | None = None
    """``center`` or ``right`` for a paragraph set apart (dates, sign-offs), ``left`` for one
    flush with the margin, every line (the parties block); None for body text."""
    lang: str = ""
    """``en`` for the English text of the clause just before it in a 中英文对照 document
    (policygen.bilingual): writers print `label` as text, never as a list number, and mark the
    paragraph English (no hyphenation, the Latin serif); empty for the document's own language."""


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item of an ordered or bullet list: a 项 （一）, a 目 1., or a contract sub-clause 1.1.1."""

    blocks: tuple[Block, ...]
    """The item's content: usually one Paragraph, possibly followed by a nested list."""
    id: str | None = None
    """Stable id for cross-references; None when not referable."""
    label: str = ""
    """Number printed before the item, e.g. （一）, 1., （1）, 1.1.1; a bullet list leaves it empty."""


@dataclass(frozen=True, slots=True)
class OrderedList:
    """Numbered items; the numbering scheme, not the template, decides how they are labelled."""

    items: tuple[ListItem, ...]
    """The items in order."""
    depth: int = 1
    """Nesting depth: 1 = directly under a paragraph or article, 2 = inside an item, and so on."""


@dataclass(frozen=True, slots=True)
class BulletList:
    """Unnumbered items (rare in legal text: used for enumerations outside the numbered body)."""

    items: tuple[ListItem, ...]
    """The items in order."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell."""

    inlines: tuple[Inline, ...]
    """The cell's content."""
    align: str | None = None
    """``left``, ``center`` or ``right``; None for the writer's default."""
    blocks: tuple[Paragraph | Table, ...] = ()
    """Paragraphs and tables after `inlines`, for a cell that holds a table (a clause and its
    table in a 修订对照表); empty for a cell of text alone, as every template's is."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table whose header rows repeat on every page and whose rows never split across pages
    (unless `split_rows`)."""

    header: tuple[tuple[Cell, ...], ...]
    """Header rows (usually one)."""
    rows: tuple[tuple[Cell, ...], ...]
    """Body rows; every row has as many cells as the header."""
    id: str | None = None
    """Stable id for cross-references; None when not referable."""
    caption: str = ""
    """Title printed above the table, e.g. 表1 供应商评价标准; empty for none."""
    widths: tuple[float, ...] = ()
    """The columns' proportions as the template states them (``{widths="1 4 1"}``), one per
    column; empty for automatic widths (writers.table_widths)."""
    split_rows: bool = False
    """Let a row break across pages, for rows that may be longer than a page (a 修订对照表's
    clauses); False keeps each row whole."""


@dataclass(frozen=True, slots=True)
class Heading:
    """An unnumbered heading inside the body, e.g. 鉴于 or 附件 in a contract."""

    inlines: tuple[Inline, ...]
    """The heading text."""
    level: int = 2
    """1 = as prominent as a chapter, 2 = as an article, 3 = below."""
    id: str | None = None
    """Stable id; None when not referable."""


@dataclass(frozen=True, slots=True)
class PageBreak:
    """Start a new page."""


@dataclass(frozen=True, slots=True)
class SignatureParty:
    """One party's column on a signature page."""

    role: str
    """The party's role, e.g. 甲方."""
    name: str
    """The party's name as registered."""
    lines: tuple[str, ...] = ()
    """Labels left blank to fill in by hand, e.g. 法定代表人或授权代表（签字）, 日期, 盖章."""


@dataclass(frozen=True, slots=True)
class SignatureBlock:
    """The signature page: one column per party, laid out as a borderless table."""

    parties: tuple[SignatureParty, ...]
    """The parties in signing order."""
    note: tuple[Inline, ...] = ()
    """The line a PDF prints above the block when the block stands at the top of a page, e.g.
    （本页无正文，为《服务水平协议》之签署页）; empty for none."""


@dataclass(frozen=True, slots=True)
class Article:
    """An article (条): numbered 第一条 in every scheme.

    Without a title its first paragraph runs in after the label (第一条　为了……);
    with a title the label and title form a heading line (第一条　定义)."""

    blocks: tuple[Block, ...]
    """Paragraphs (款 / clauses), lists and tables in the article."""
    title: tuple[Inline, ...] = ()
    """The article's title, empty for a run-in article."""
    id: str | None = None
    """Stable id for cross-references; None when not referable."""
    label: str = ""
    """e.g. 第一条; filled in by transforms.numbering."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter (章) of a regulation: 第一章　总则."""

    title: tuple[Inline, ...]
    """The chapter's title."""
    blocks: tuple[Block, ...]
    """The articles (and any other blocks) in the chapter."""
    id: str | None = None
    """Stable id for cross-references; None when not referable."""
    label: str = ""
    """e.g. 第一章; filled in by transforms.numbering."""


Block: TypeAlias = (
    Paragraph
    | OrderedList
    | BulletList
    | Table
    | Heading
    | PageBreak
    | SignatureBlock
    | Article
    | Chapter
)

# --------------------------------------------------------------------------- document


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a writer needs to know about a document besides its content, and what identity the
    document prints on its cover, in its header and in its properties.

    A regulation is the organisation's own: it prints its version and effective date and may
    carry a 发文字号. A per-engagement document (contract, SLA, NDA, …) is known by the
    contract's identity instead: its contract number and, when the parties sign it, the
    parties and the signing date and place when given; it prints no version and no effective
    date. Writers print what is set here and never read the profile; dates come from here,
    never from the clock, so identical input gives identical output."""

    organisation: str
    """The issuing organisation (甲方), for document properties, and on the cover of a
    document no parties sign."""
    version: str
    """The version printed on the cover and in the header, e.g. V2.0; empty for a document
    that has none (a per-engagement document is known by `contract_no`)."""
    date: datetime.date
    """The document's timestamp: the creation and modification date of its files (DOCX core
    properties, PDF and HTML metadata, tracked changes). Not printed as such: a regulation's
    is its `effective_date`; a per-engagement document's is its signing date, else the start
    of its term."""
    subject: str = ""
    """Document subject for properties."""
    keywords: tuple[str, ...] = ()
    """Document keywords for properties."""
    doc_no: str = ""
    """The organisation's document number (发文字号), e.g. 明银发〔2025〕68号; empty for none."""
    effective_date: datetime.date | None = None
    """The date printed as 生效日期 on the cover; None for a document that prints none (a
    contract takes effect as its own clauses say)."""
    contract_no: str = ""
    """The 合同编号 a per-engagement document is known by, printed on its cover and in its
    header; empty for the organisation's own documents."""
    parties: tuple[SignatureParty, ...] = ()
    """The parties signing the document, printed on the cover one line each (甲方：…); empty
    for a document the parties do not sign (a regulation, an assessment form)."""
    signed_on: datetime.date | None = None
    """The signing date (签订日期), printed on the cover; None when not given or not signed."""
    signed_at: str = ""
    """The signing place (签订地点), printed on the cover; empty when not given or not signed."""

    @property
    def number(self) -> str:
        """Return the number the document is known by, its 合同编号 or else its 发文字号 (the
        ``identifier`` of its properties); empty for none."""
        return self.contract_no or self.doc_no


@dataclass(frozen=True, slots=True)
class Document:
    """One rendered document: a regulation, a contract, an SLA annex, …"""

    kind: str
    """Document kind from policygen.kinds, e.g. ``regulation``; picks the numbering and styles."""
    title: str
    """The document title, e.g. 外包服务管理办法."""
    blocks: tuple[Block, ...]
    """The body."""
    meta: DocumentMeta
    """Properties, dates and numbers for the writers."""
    subtitle: str = ""
    """A line under the title, e.g. 合同编号：… ; empty for none."""
    style: str = "default"
    """House style: ``default`` (宋体 body, 黑体 headings), ``gongwen`` (GB/T 9704 公文), or
    an organisation's, ``styles/<style>.style.yaml`` in a template folder (policygen.style)."""
    lang: str = "zh"
    """The languages of the text: ``zh``, ``en`` or ``zh+en`` (中英文对照, policygen.bilingual);
    the page furniture and the fonts of Latin text follow it."""
    untranslated: tuple[str, ...] = ()
    """The profile's Chinese texts the English prints in Chinese for want of English in
    ``meta.translations``, each once, in the order printed (the parties' registered addresses
    left out); empty for a text in Chinese alone."""
