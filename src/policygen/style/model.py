"""The house style as data: what a ``styles/<name>.style.yaml`` file states, validated.

Input: plain data read from a style file (style.load merges a ``based_on`` style in first).
Output: a frozen HouseStyle from which style.docx makes the reference DOCX, style.css the
stylesheet and style.typst the Typst style. Every value is stated in the file; a text style
that leaves a property out takes its base style's (``body`` unless it names another), as a
Word style takes its base style's.

Units: page lengths and distances in mm; font sizes, line heights, spacing and tracking in
pt; indents in characters (字) of the paragraph's own size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policygen.kinds import DOCUMENT_KINDS

FontRole = Literal["body", "heading", "kaiti", "fangsong", "xiaobiaosong"]
"""A typeface class the style names by role: 宋体类 body, 黑体类 heading, 楷体类, 仿宋类 and
小标宋类 (fonts.FONT_ROLES resolves each to an installed font for the PDFs)."""
FONT_ROLES: tuple[FontRole, ...] = FontRole.__args__  # type: ignore[attr-defined]
"""Every typeface role, in the order above (the DOCX font table declares them so)."""

TextRole = Literal[
    "body",
    "title",
    "subtitle",
    "chapter",
    "article_heading",
    "minor_heading",
    "caption",
    "table",
    "table_heading",
    "signature_party",
    "signature_line",
    "header",
    "footer",
    "toc_heading",
    "toc_1",
    "toc_2",
    "cover_title",
    "cover_subtitle",
    "cover_line",
    "cover_party",
    "cover_organisation",
    "cover_date",
]
"""The paragraphs the writers set, by role (style.docx.WORD_STYLES names their Word styles)."""

CharacterRole = Literal["article_label", "strong", "emphasis"]
"""The runs the writers set in a style of their own."""

if TYPE_CHECKING:
    KindName = str
    """A document kind (a literal of kinds.DOCUMENT_KINDS, which a type checker cannot
    compute: it checks a name; pydantic checks the kind)."""
else:
    KindName = Literal[tuple(DOCUMENT_KINDS)]

Size = Annotated[float, Field(gt=0, le=200)]
"""A font size or line height in pt."""
Space = Annotated[float, Field(ge=0, le=500)]
"""Space before or after, in pt."""
Chars = Annotated[float, Field(ge=0, le=40)]
"""An indent in characters."""
Length = Annotated[float, Field(ge=0, le=1000)]
"""A length on the page in mm."""
Family = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\"\\\x00-\x1f;{}<>]+$")]
Panose = Annotated[str, Field(pattern=r"^[0-9A-F]{20}$")]
"""A PANOSE-1 classification: ten bytes in upper-case hexadecimal."""
"""A font family name: no quotes, backslashes, control characters or CSS punctuation, so that
it can be written into CSS and Typst as a plain string."""


class StyleModel(BaseModel):
    """A part of a style file: unknown keys are errors, values are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Margins(StyleModel):
    """The four page margins, in mm."""

    top: Length
    right: Length
    bottom: Length
    left: Length


class Page(StyleModel):
    """The paper and the text block."""

    width: Annotated[float, Field(gt=50, le=1000)]
    """Paper width in mm (A4: 210)."""
    height: Annotated[float, Field(gt=50, le=1000)]
    """Paper height in mm (A4: 297)."""
    margins: Margins
    """Margins of every kind that `HouseStyle.kinds` does not give its own."""
    grid_lines: Annotated[int, Field(ge=1, le=100)] | None
    """Lines a page holds on a document grid (公文: 22), or null for no grid. The DOCX gets a
    grid of lines whose pitch is the body's line height."""


class KindPage(StyleModel):
    """What one document kind sets differently from `Page`."""

    margins: Margins


class Font(StyleModel):
    """One typeface role: what Word is told, and what the PDFs look for."""

    word: Family
    """The name the DOCX declares, e.g. 宋体 (Word finds it on Windows)."""
    alternate: Family | None
    """The name Word tries when `word` is not installed (the font table's altName), e.g.
    SimSun; null for none."""
    families: tuple[Family, ...] = Field(min_length=1, max_length=20)
    """Families the PDFs use, in order of preference; the first installed wins."""
    fallback: FontRole | None
    """The role whose families follow these when none of them is installed (楷体 falls back to
    the 黑体-like heading face); null for none."""
    generic: Literal["serif", "sans-serif"] | None
    """The CSS generic family ending the list, or null."""
    panose: Panose | None = None
    """The PANOSE-1 number of `word` (宋体 02010600030101010101), which the DOCX font table
    states so that Word and WPS pick the nearest installed face when neither `word` nor
    `alternate` is; null (or left out) for none."""
    classification: Literal["roman", "swiss", "modern", "script", "decorative"] | None = None
    """The class of face `word` is, as the DOCX font table states it (``w:family``): roman for
    a serifed face (宋体, 仿宋, 小标宋), swiss for a sans serif (黑体), script for a brush face
    (楷体); Word and WPS substitute a face of this class. Null (or left out): not stated."""


LATIN = "latin"
"""The key of the Latin face among the font roles the PDF engines resolve (fonts.LATIN_ROLE)."""


class Latin(StyleModel):
    """The face of Latin letters and digits: what the DOCX declares for them everywhere, and
    what the PDFs of a text with English in it (``--lang en`` or ``zh+en``) set them in,
    before each role's CJK face (whose own Latin letters a Chinese text keeps)."""

    word: Family
    """The name the DOCX declares, e.g. Times New Roman."""
    families: tuple[Family, ...] = Field(min_length=1, max_length=20)
    """Families the PDFs use, in order of preference (the first installed wins), e.g.
    Liberation Serif, metric-compatible with Times New Roman; when none is installed the
    PDFs set Latin letters in each role's CJK face (policygen doctor warns)."""

    @model_validator(mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        """Take a bare family name (``latin: Times New Roman``) as that face alone."""
        if isinstance(value, str):
            return {"word": value, "families": [value]}
        return value


class Fonts(StyleModel):
    """The typefaces of the style."""

    latin: Latin
    """The face of Latin letters and digits (Times New Roman; Liberation Serif on Linux)."""
    body: Font
    heading: Font
    kaiti: Font
    fangsong: Font
    xiaobiaosong: Font

    def role(self, key: FontRole) -> Font:
        """Return the font of role `key`."""
        font: Font = getattr(self, key)
        return font

    def chain(self, key: FontRole) -> tuple[FontRole, ...]:
        """Return `key` and the roles it falls back to, in order."""
        out: list[FontRole] = []
        role: FontRole | None = key
        while role is not None and role not in out:
            out.append(role)
            role = self.role(role).fallback
        return tuple(out)

    def families(self, key: FontRole) -> tuple[str, ...]:
        """Return the families of role `key` followed by those of its fallbacks, each once."""
        found = (family for role in self.chain(key) for family in self.role(role).families)
        return tuple(dict.fromkeys(found))


Align = Literal["left", "center", "right", "justify"]


class TextStyle(StyleModel):
    """How one kind of paragraph is set; a property left out is its base style's."""

    based_on: TextRole | None = None
    """The style whose values this one takes where it states none; null (or left out) means
    ``body``. The ``body`` style states every value."""
    font: FontRole | None = None
    """The typeface role."""
    size: Size | None = None
    """Font size in pt: 二号 22, 三号 16, 四号 14, 小四 12, 五号 10.5, 小五 9."""
    line: Size | None = None
    """Fixed line height in pt (Word: 固定值; CSS line-height; Typst leading plus the size)."""
    line_spacing: Annotated[float, Field(gt=0, le=5)] | None = None
    """Line spacing as a multiple of single spacing, for the DOCX-only styles (cover, contents)
    that have no fixed `line`."""
    before: Space | None = None
    """Space before, in pt."""
    after: Space | None = None
    """Space after, in pt."""
    indent: Chars | None = None
    """First-line indent in characters (2: 首行缩进两字)."""
    left: Chars | None = None
    """Left indent in characters."""
    align: Align | None = None
    """Alignment."""
    bold: bool | None = None
    """Bold."""
    tracking: Annotated[float, Field(ge=-5, le=20)] | None = None
    """Extra space after each character in pt; negative sets characters closer (公文: −0.25,
    28 characters of 三号 to the 156 mm line)."""
    keep_with_next: bool | None = None
    """Keep the paragraph on the page of the next one (headings)."""


class CharacterStyle(StyleModel):
    """How a run is set inside a paragraph; a property left out is the paragraph's."""

    font: FontRole | None = None
    bold: bool | None = None
    emphasis_marks: bool | None = None
    """着重号 under the characters (the DOCX; the PDFs set the font only)."""


class Lists(StyleModel):
    """Indents of articles, clauses and list items."""

    indent: Chars
    """First-line indent of articles, clauses, sub-clauses and items."""
    sub_clause_left: Chars
    """Left indent of a sub-clause (1.1.1) and of the items nested in a contract's clauses."""
    bullet_left: tuple[Chars, Chars, Chars]
    """Left indent of bullet items at depth 1, 2 and 3; the bullet hangs `bullet_hanging`."""
    bullet_hanging: Chars
    """How far a bullet hangs left of its item's text."""
    bullet: Annotated[str, Field(min_length=1, max_length=2)]
    """The bullet character."""


class Header(StyleModel):
    """The running header, set in the ``header`` text style."""

    lines: tuple[Annotated[str, Field(max_length=200)], ...] = Field(max_length=4)
    """Its lines, with placeholders ``{title}``, ``{subtitle}``, ``{version}``, ``{date}``,
    ``{doc_no}``, ``{contract_no}``, ``{organisation}``; a line one of whose placeholders is
    empty for the document is left out. Empty for no header."""
    distance: Length
    """From the top edge of the paper to the header's top, in mm."""
    rule: Annotated[float, Field(ge=0, le=5)]
    """Thickness in pt of a rule under the header; 0 for none."""


class Footer(StyleModel):
    """The footer with the page number, set in the ``footer`` text style."""

    text: Annotated[str, Field(min_length=1, max_length=200)]
    """Its words, with ``{page}`` for the page number and ``{pages}`` for the page count, e.g.
    ``第 {page} 页 共 {pages} 页`` or ``— {page} —``."""
    gap: Length
    """From the bottom of the text block to the footer's top, in mm (GB/T 9704: 7)."""
    numbering: Literal["body", "all"]
    """Which pages are numbered and counted, in the DOCX and both PDFs alike: ``body``, the
    body's pages from 1, ``{pages}`` counting only them; ``all``, every page from the cover,
    ``{pages}`` counting them all. Either way the cover and the contents page print no header
    or footer."""


CoverRole = Literal[
    "cover_title", "cover_subtitle", "cover_line", "cover_party", "cover_organisation", "cover_date"
]
"""The text roles a cover line may be set in."""
CONTEXTUAL_ROLES: frozenset[TextRole] = frozenset({"cover_party", "cover_date"})
"""Cover roles whose space before is left out between two lines of the same role (Word's
contextual spacing): the second party or date follows the first without a gap."""


class CoverLine(StyleModel):
    """One line of the cover page, which every format prints before the body."""

    role: CoverRole
    """The text style it is set in."""
    text: Annotated[str, Field(min_length=1, max_length=200)]
    """Its words, with placeholders ``{title}``, ``{subtitle}``, ``{doc_no}``,
    ``{contract_no}``, ``{organisation}``, ``{version}``, ``{date}`` (the effective date),
    ``{signed_on}``, ``{signed_at}`` and ``{role}``/``{name}`` (one line per signing party);
    a line one of whose placeholders is empty for the document is left out."""


class Contents(StyleModel):
    """The contents page (目录) of the kinds that have one (kinds.Kind.contents)."""

    heading: Annotated[str, Field(min_length=1, max_length=40)]
    """Its heading, set in the ``toc_heading`` text style, e.g. 目　录."""


class Furniture(StyleModel):
    """The words around the body of a text in another language than Chinese: what replaces
    the style's own header lines, footer words, cover lines and contents heading; a value left
    out (null) keeps the style's own."""

    header: tuple[Annotated[str, Field(max_length=200)], ...] | None = Field(None, max_length=4)
    """The running header's lines (as Header.lines)."""
    footer: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The footer's words (as Footer.text), e.g. ``Page {page} of {pages}``."""
    cover: tuple[CoverLine, ...] | None = Field(None, max_length=40)
    """The cover page's lines (as HouseStyle.cover)."""
    contents: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    """The contents page's heading (as Contents.heading), e.g. Contents."""


class TableBlock(StyleModel):
    """Space around a table in the PDFs, beyond its caption's."""

    after: Space
    """Space after a table in pt (the PDFs; a Word table has no space of its own)."""


class HouseStyle(StyleModel):
    """One house style: page, fonts, paragraph and character styles, header and footer."""

    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_-]*$")]
    """The style's name, as ``meta.style`` names it."""
    description: Annotated[str, Field(max_length=200)]
    """What the style is, for people."""
    page: Page
    kinds: dict[KindName, KindPage] | None
    """Page settings of kinds that differ from `page`; null for none."""
    fonts: Fonts
    text: dict[TextRole, TextStyle]
    """Paragraph styles by role: ``body`` states every value, each other one what differs."""
    characters: dict[CharacterRole, CharacterStyle]
    """Character styles by role."""
    lists: Lists
    header: Header
    footer: Footer
    cover: tuple[CoverLine, ...] = Field(max_length=40)
    """The cover page's lines, top to bottom; empty for no cover."""
    contents: Contents
    table_block: TableBlock
    english: Furniture | None = None
    """The page furniture of a text in English alone (``--lang en``): header, footer, cover
    and contents heading in English; null (or left out): the Chinese ones. A text in both
    languages (``zh+en``) keeps the Chinese furniture, its English title under the Chinese
    on the cover (``{subtitle}``)."""

    def furnished(self, lang: str) -> HouseStyle:
        """Return this style with the page furniture of a text in the languages `lang`
        (``zh``, ``en``, ``zh+en``): `english`'s in English alone, else this style itself."""
        furniture = self.english if lang == "en" else None
        if furniture is None:
            return self
        update: dict[str, object] = {}
        if furniture.header is not None:
            update["header"] = self.header.model_copy(update={"lines": furniture.header})
        if furniture.footer is not None:
            update["footer"] = self.footer.model_copy(update={"text": furniture.footer})
        if furniture.cover is not None:
            update["cover"] = furniture.cover
        if furniture.contents is not None:
            update["contents"] = self.contents.model_copy(update={"heading": furniture.contents})
        return self.model_copy(update=update)

    @model_validator(mode="after")
    def _complete(self) -> HouseStyle:
        missing = [role for role in TextRole.__args__ if role not in self.text]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"text 缺少样式：{', '.join(missing)} (missing text styles)")
        body = self.text["body"]
        unset = [
            name
            for name in ("font", "size", "line", "before", "after", "indent", "left", "align",
                         "bold", "tracking", "keep_with_next")
            if getattr(body, name) is None
        ]  # fmt: skip
        if unset:
            raise ValueError(
                f"text.body 须给出每一项：缺少 {', '.join(unset)} (the body style states every value)"
            )
        grid = self.page.grid_lines
        if grid is not None:
            pages = [self.page.margins, *(k.margins for k in (self.kinds or {}).values())]
            height = min(self.page.height - m.top - m.bottom for m in pages) * 72 / 25.4
            if grid * body.line > height + 0.5:  # type: ignore[operator]
                raise ValueError(
                    f"page.grid_lines：{grid} 行 × {body.line}pt 超出版心高度 {height:.1f}pt "
                    "(the grid does not fit the text block)"
                )
        for role, style in self.text.items():
            seen = [role]
            base = style.based_on
            while base is not None:
                if base in seen:
                    raise ValueError(f"text.{role}.based_on 循环引用 (circular based_on)")
                seen.append(base)
                base = self.text[base].based_on
        return self

    def margins(self, kind: str) -> Margins:
        """Return the page margins of documents of `kind`."""
        own = (self.kinds or {}).get(kind)
        return own.margins if own is not None else self.page.margins

    def latin_first(self, font: str, lang: str) -> bool:
        """Return whether the PDFs and the HTML list the Latin face (``fonts.latin``) before
        the faces of font role `font` in a text in the languages `lang`: in English alone
        (``en``), in every role; in both languages (``zh+en``), in every role but the body
        text's, whose Chinese paragraphs keep their CJK faces (and so the CJK “”); in Chinese
        alone, in none."""
        return lang == "en" or (lang == "zh+en" and font != self.resolved("body").font)

    def resolved(self, role: TextRole) -> Resolved:
        """Return every value of text style `role`, what it leaves out taken from its bases."""
        chain: list[TextStyle] = []
        current: TextRole | None = role
        while current is not None:
            style = self.text[current]
            chain.append(style)
            current = style.based_on or ("body" if current != "body" else None)
        values: dict[str, object] = {}
        for style in reversed(chain):
            values.update(
                {k: v for k, v in style.model_dump(exclude={"based_on"}).items() if v is not None}
            )
        return Resolved(**values)  # type: ignore[arg-type]

    def text_width(self, kind: str) -> float:
        """Return the width of the text block of `kind` in mm."""
        margins = self.margins(kind)
        return self.page.width - margins.left - margins.right


class Resolved(StyleModel):
    """A text style with every value filled in from its bases."""

    font: FontRole
    size: float
    line: float
    line_spacing: float | None = None
    before: float
    after: float
    indent: float
    left: float
    align: Align
    bold: bool
    tracking: float
    keep_with_next: bool

    @property
    def char_width(self) -> float:
        """Return the width of one character in pt: the size plus the tracking."""
        return self.size + self.tracking


__all__ = [
    "CONTEXTUAL_ROLES",
    "FONT_ROLES",
    "CharacterRole",
    "CharacterStyle",
    "Contents",
    "CoverLine",
    "CoverRole",
    "Font",
    "FontRole",
    "Fonts",
    "Footer",
    "Header",
    "HouseStyle",
    "KindPage",
    "Lists",
    "Margins",
    "Page",
    "Resolved",
    "TableBlock",
    "TextRole",
    "TextStyle",
]
