"""Generate the house-style reference document ``templates/zh/styles/reference.docx``.

Input: python-docx's default template. Output: a DOCX whose styles, list numbering, page setup,
header and footer the DOCX writer copies. Its body is a specimen of every style for people
editing the house style; the writer keeps only two things from it, as templates:

* the paragraphs in ``Cover …`` styles: the cover page, with ``{title}``, ``{subtitle}``,
  ``{doc_no}``, ``{contract_no}``, ``{role}：{name}`` (one line per signing party),
  ``{organisation}``, ``{version}``, ``{date}``, ``{signed_on}`` and ``{signed_at}`` filled in
  (writers.docx_pages); a line one of whose placeholders is empty is left out;
* the first ``TOC Heading`` paragraph: the heading of a regulation's table of contents.

The header has two lines, ``{title}　{version}`` for a regulation and ``{title}　合同编号：
{contract_no}`` for a per-engagement document, one of which is left out; the footer reads
第 X 页 共 Y 页.
Fonts are named by their Chinese Windows names (宋体, 黑体, 楷体); Word finds them on Windows
and LibreOffice substitutes Noto CJK. Page setup follows GB/T 9704-2012 (A4, margins 上37 下35
左28 右26 mm). Line spacing is fixed (固定值) and matches the PDF's CSS line heights, so the
DOCX breaks pages where the PDF does and a table of contents can take its page numbers from
the PDF layout.

Lists are Word multilevel lists linked to styles: 第%1章 (Heading 1); 第%1条 (Article, and
Heading 2 for titled articles) with clauses %1.%2 (Clause) and %1.%2.%3 (Sub-clause) shown in
Arabic digits (正规形式编号, ``w:isLgl``); items （%1） / %2. / （%3） / ① (List Number 1–4);
bullets (List Bullet 1–3). Chapters and articles are separate lists, so articles number on
across chapters.

The same script writes ``styles/gongwen.docx``, the 公文 house style a profile selects with
``meta.style: gongwen`` (GB/T 9704-2012): 仿宋 三号 (16 pt) body, 22 lines (a grid of lines) of
28 characters (character spacing −0.25 pt) in a 156 mm × 225 mm text block (top margin 37 mm, left 28 mm), the title in
小标宋 二号, first-level headings (chapters) in 黑体 三号, second-level headings (titled
articles) in 楷体 三号, and page numbers “— 1 —”. Its East-Asian fonts are declared in the font
table with their Windows alternates (仿宋 → FangSong …), so Word finds one of the pair and
LibreOffice substitutes Noto CJK (tests/fonts.conf).

Run ``python tools/make_reference_docx.py`` after changing a value below and commit both the
script and the regenerated files; the output is byte-identical from run to run."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm, Pt
from docx.styles.style import CharacterStyle, ParagraphStyle

from policygen.writers import docx_oxml, docx_styles_oxml
from policygen.writers.docx_oxml import NumberingLevel
from policygen.writers.reproducible import normalise_docx

STYLES_FOLDER = Path(__file__).parents[1] / "src/policygen/templates/zh/styles"
BUILD_DATE = date(2026, 1, 1)
"""The date stamped into the reference's properties, so regenerating it changes no byte."""

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
LATIN_FONT = "Times New Roman"
BODY_SIZE = 12.0
"""小四 (12 pt); the character width that ``…Chars`` indents are measured in."""
BODY_LINE = 21.0
"""Fixed body line height in points: the CSS's ``line-height: 1.75`` at 12 pt."""
TEXT_WIDTH = Mm(210 - 28 - 26)
"""Width of the text block, where a table of contents puts its page numbers."""

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


@dataclass(frozen=True)
class StyleSpec:
    """How one style looks; None leaves the property to the style it is based on."""

    name: str
    """The style's name as Word shows it (built-in names in English)."""
    kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH
    """Paragraph, character or table style."""
    base: str | None = None
    """The style this one is based on; for a new style, None means Normal (paragraph) or none."""
    east_asia: str | None = None
    """Chinese font, e.g. 宋体; None inherits."""
    size: float | None = None
    """Font size in points: 二号 22, 三号 16, 四号 14, 小四 12, 五号 10.5."""
    bold: bool | None = None
    """Bold on or off; None inherits."""
    italic: bool | None = None
    """Italic on or off; None inherits."""
    emphasis_mark: bool = False
    """Put 着重号 (dots) under the text."""
    align: str | None = None
    """``left``, ``center``, ``right`` or ``justify``."""
    first_line: int | None = None
    """First-line indent in hundredths of a character (200 = 2 字)."""
    left: int = 0
    """Left indent in hundredths of a character."""
    hanging: int = 0
    """Hanging indent in hundredths of a character (for bullets)."""
    line_spacing: float | None = None
    """Line spacing as a multiple of single spacing."""
    line: float | None = None
    """Fixed line height in points (固定值); wins over `line_spacing`."""
    before: float | None = None
    """Space before, in points."""
    after: float | None = None
    """Space after, in points."""
    keep_with_next: bool | None = None
    """Keep on the same page as the next paragraph."""
    contextual: bool = False
    """Ignore the space before and after between two paragraphs of this style."""
    rule_below: bool = False
    """Rule a line under the paragraph (a running header)."""
    page_tab: bool = False
    """Put a dotted right tab at the text block's edge (table-of-contents lines)."""
    style_id: str | None = None
    """The style id to give a new style; None lets python-docx derive it from the name."""
    tracking: int | None = None
    """Character spacing in twips (negative: closer); None leaves it alone."""


STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("Normal", east_asia="宋体", size=BODY_SIZE, align="justify", first_line=200,
              line=BODY_LINE, before=0, after=0),
    StyleSpec("Title", east_asia="黑体", size=22, bold=False, align="center", first_line=0,
              line=33, before=0, after=8, keep_with_next=True),
    StyleSpec("Subtitle", east_asia="楷体", size=BODY_SIZE, italic=False, align="center",
              first_line=0, line=BODY_LINE, before=0, after=6, keep_with_next=True),
    StyleSpec("Heading 1", east_asia="黑体", size=16, bold=False, align="center", first_line=0,
              line=24, before=16, after=8, keep_with_next=True),
    StyleSpec("Heading 2", east_asia="黑体", size=14, bold=False, align="left", first_line=0,
              line=21, before=11, after=4, keep_with_next=True),
    StyleSpec("Heading 3", east_asia="黑体", size=BODY_SIZE, bold=False, align="left",
              first_line=200, line=18, before=7, after=2, keep_with_next=True),
    StyleSpec("Article", east_asia="宋体", first_line=200),
    StyleSpec("Clause", east_asia="宋体", first_line=200),
    StyleSpec("Sub-clause", east_asia="宋体", first_line=200, left=200, style_id="Subclause"),
    StyleSpec("List", east_asia="宋体", first_line=200),
    StyleSpec("List 2", east_asia="宋体", first_line=200),
    StyleSpec("List 3", east_asia="宋体", first_line=200),
    StyleSpec("List Number", east_asia="宋体", first_line=200),
    StyleSpec("List Number 2", east_asia="宋体", first_line=200),
    StyleSpec("List Number 3", east_asia="宋体", first_line=200),
    StyleSpec("List Number 4", east_asia="宋体", first_line=200),
    StyleSpec("List Bullet", east_asia="宋体", left=400, hanging=200),
    StyleSpec("List Bullet 2", east_asia="宋体", left=600, hanging=200),
    StyleSpec("List Bullet 3", east_asia="宋体", left=800, hanging=200),
    StyleSpec("Caption", east_asia="黑体", size=BODY_SIZE, bold=False, align="center",
              first_line=0, line=18, before=5, after=4, keep_with_next=True),
    StyleSpec("Header", east_asia="宋体", size=9, align="center", first_line=0,
              line_spacing=1.0, rule_below=True),
    StyleSpec("Footer", east_asia="宋体", size=10.5, align="center", first_line=0,
              line_spacing=1.0),
    StyleSpec("Table Text", east_asia="宋体", size=10.5, align="left", first_line=0,
              line=15.75, before=2, after=2),
    StyleSpec("Table Heading", base="Table Text", east_asia="黑体", align="center"),
    StyleSpec("Signature Party", east_asia="黑体", align="left", first_line=0,
              before=24, after=18, keep_with_next=True),
    StyleSpec("Signature Line", east_asia="宋体", align="left", first_line=0, after=36,
              keep_with_next=True),
    StyleSpec("TOC Heading", base="Normal", east_asia="黑体", size=16, bold=False, align="center", first_line=0,
              line=24, before=0, after=18),
    StyleSpec("toc 1", east_asia="宋体", align="left", first_line=0, line=24, page_tab=True,
              style_id="TOC1"),
    StyleSpec("toc 2", east_asia="宋体", align="left", first_line=0, left=200, line=24,
              page_tab=True, style_id="TOC2"),
    StyleSpec("Cover Title", east_asia="黑体", size=26, bold=False, align="center",
              first_line=0, line_spacing=1.25, before=150, after=24),
    StyleSpec("Cover Subtitle", east_asia="楷体", size=16, italic=False, align="center",
              first_line=0, line_spacing=1.25, after=12),
    StyleSpec("Cover Line", east_asia="宋体", size=14, align="center", first_line=0,
              line_spacing=1.25, after=6),
    StyleSpec("Cover Party", east_asia="宋体", size=16, align="center", first_line=0,
              line_spacing=1.5, before=160, contextual=True),
    StyleSpec("Cover Organisation", east_asia="黑体", size=16, align="center", first_line=0,
              line_spacing=1.5, before=160),
    StyleSpec("Cover Date", east_asia="宋体", size=14, align="center", first_line=0,
              line_spacing=1.5, before=18, contextual=True),
    StyleSpec("Article Label", kind=WD_STYLE_TYPE.CHARACTER, base="Default Paragraph Font",
              east_asia="黑体"),
    StyleSpec("Strong", kind=WD_STYLE_TYPE.CHARACTER, bold=True),
    StyleSpec("Emphasis", kind=WD_STYLE_TYPE.CHARACTER, east_asia="楷体", italic=False,
              emphasis_mark=True),
    StyleSpec("Table Grid", kind=WD_STYLE_TYPE.TABLE, east_asia="宋体"),
    StyleSpec("Normal Table", kind=WD_STYLE_TYPE.TABLE, east_asia="宋体"),
)  # fmt: skip
"""The styles the DOCX writer names, in the order they are set up."""

KEPT_AS_IS = ("Default Paragraph Font", "No List")
"""Built-in styles kept without change; every style not listed here or in STYLES is removed."""

BULLET = "•"
NUMBERING: tuple[tuple[int, str, tuple[NumberingLevel, ...]], ...] = (
    (1, "policygen 章", (
        NumberingLevel("chineseCounting", "第%1章", style="Heading1", indent=(0, 0)),
    )),
    # Level 1 is shared by Article (indented body text) and Heading 2 (titled articles, not
    # indented), so it leaves the indent to the paragraph's style.
    (2, "policygen 条", (
        NumberingLevel("chineseCounting", "第%1条", style="Article", east_asia="黑体"),
        NumberingLevel("decimal", "%1.%2", legal=True, style="Clause", indent=(0, 200)),
        NumberingLevel("decimal", "%1.%2.%3", legal=True, style="Subclause", indent=(200, 200)),
    )),
    (3, "policygen 项", (
        NumberingLevel("chineseCounting", "（%1）", style="ListNumber", indent=(0, 200)),
        NumberingLevel("decimal", "%2.", style="ListNumber2", indent=(0, 200)),
        NumberingLevel("decimal", "（%3）", style="ListNumber3", indent=(0, 200)),
        NumberingLevel("decimalEnclosedCircle", "%4", style="ListNumber4", indent=(0, 200)),
    )),
    (4, "policygen 符号", tuple(
        NumberingLevel("bullet", BULLET, style=style, suffix="space", indent=(left, -200))
        for style, left in (("ListBullet", 400), ("ListBullet2", 600), ("ListBullet3", 800))
    )),
)  # fmt: skip
"""The multilevel lists, each with one list instance of the same number (numId = id)."""

STYLE_NUMBERING: dict[str, tuple[int, int]] = {
    "Heading 1": (1, 0),
    "Heading 2": (2, 0),
    "Article": (2, 0),
    "Clause": (2, 1),
    "Sub-clause": (2, 2),
    "List Number": (3, 0),
    "List Number 2": (3, 1),
    "List Number 3": (3, 2),
    "List Number 4": (3, 3),
    "List Bullet": (4, 0),
    "List Bullet 2": (4, 1),
    "List Bullet 3": (4, 2),
}
"""The list (numId, level) each numbered style is linked to."""

COVER: tuple[tuple[str, str], ...] = (
    ("Cover Title", "{title}"),
    ("Cover Subtitle", "{subtitle}"),
    ("Cover Line", "{doc_no}"),
    ("Cover Line", "合同编号：{contract_no}"),
    ("Cover Party", "{role}：{name}"),
    ("Cover Organisation", "{organisation}"),
    ("Cover Date", "版本：{version}"),
    ("Cover Date", "生效日期：{date}"),
    ("Cover Date", "签订日期：{signed_on}"),
    ("Cover Date", "签订地点：{signed_at}"),
)
"""The cover page template: (style, text with placeholders), top to bottom. A regulation
fills the 版本 and 生效日期 lines; a contract, SLA, NDA… the 合同编号 (unless its subtitle
shows it), party, 签订日期 and 签订地点 lines; a line with an empty placeholder is left out."""
TOC_HEADING = "目\u3000录"
HEADER = ("{title}\u3000{version}", "{title}\u3000合同编号：{contract_no}")
"""The running header: a regulation keeps the first line, a per-engagement document the
second (the writer leaves out a line with an empty placeholder)."""


FOOTER = ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页")
"""The footer: text, and field instructions in capitals."""

# --------------------------------------------------------------------------- 公文 (GB/T 9704)

GONGWEN_SIZE = 16.0
"""三号: the 公文 body size, and the character width of its grid and indents."""
GONGWEN_LINE_PITCH = 579
"""Grid line pitch in twips: 225 mm / 22 lines = 28.95 pt."""
GONGWEN_LINE = GONGWEN_LINE_PITCH / 20
"""Fixed body line height in points, the grid's pitch (gongwen.css's line-height)."""
GONGWEN_TRACKING = -5
"""Character spacing of the 公文 body in twips (−0.25 pt): 28 characters of 15.75 pt fit the
156 mm (442.2 pt) line and a 29th does not (gongwen.css's letter-spacing). It stands in for
a character grid, which LibreOffice 7 lays out wrongly (docx_styles_oxml.set_doc_grid)."""
FANGSONG, KAITI, HEITI, XIAOBIAOSONG = "仿宋", "楷体", "黑体", "方正小标宋简体"
GONGWEN_FONTS = {FANGSONG: "FangSong", KAITI: "KaiTi", HEITI: "SimHei",
                 XIAOBIAOSONG: "方正小标宋_GBK"}  # fmt: skip
"""Font-table alternates: Word uses the second name when the first is not installed."""

GONGWEN_CHANGES: dict[str, dict[str, object]] = {
    "Normal": {"east_asia": FANGSONG, "size": GONGWEN_SIZE, "line": GONGWEN_LINE,
               "tracking": GONGWEN_TRACKING},
    "Title": {"east_asia": XIAOBIAOSONG, "size": 22, "line": 2 * GONGWEN_LINE, "after": 0},
    "Subtitle": {"east_asia": KAITI, "size": GONGWEN_SIZE, "line": GONGWEN_LINE, "after": 0},
    "Heading 1": {"size": GONGWEN_SIZE, "line": GONGWEN_LINE, "before": 0, "after": 0},
    "Heading 2": {"east_asia": KAITI, "size": GONGWEN_SIZE, "line": GONGWEN_LINE,
                  "first_line": 200, "before": 0, "after": 0},
    "Heading 3": {"east_asia": FANGSONG, "size": GONGWEN_SIZE, "bold": True,
                  "line": GONGWEN_LINE, "before": 0, "after": 0},
    "Caption": {"size": GONGWEN_SIZE, "line": GONGWEN_LINE, "before": 0, "after": 0},
    "Footer": {"size": 14},
    "Table Text": {"size": 12, "line": 18},
    "TOC Heading": {"size": GONGWEN_SIZE, "line": GONGWEN_LINE, "after": GONGWEN_LINE},
    "toc 1": {"line": GONGWEN_LINE},
    "toc 2": {"line": GONGWEN_LINE},
    "Cover Title": {"east_asia": XIAOBIAOSONG, "size": 26},
    "Cover Subtitle": {"size": GONGWEN_SIZE},
    "Cover Organisation": {"size": GONGWEN_SIZE},
    "Cover Party": {"east_asia": FANGSONG},
    "Cover Line": {"east_asia": FANGSONG},
    "Cover Date": {"east_asia": FANGSONG},
}  # fmt: skip
"""How each style of the 公文 reference differs from the default one's."""


@dataclass(frozen=True)
class HouseStyle:
    """One reference document the script writes."""

    file: str
    """Its name in the styles folder."""
    styles: tuple[StyleSpec, ...]
    """The styles the DOCX writer names."""
    body_size: float
    """The body size in points: the character width of indents and of list indents."""
    header: tuple[str, ...]
    """The running header's paragraphs, with placeholders; none for no header."""
    footer: tuple[str, ...]
    """The footer: text, and field instructions (``PAGE``, ``NUMPAGES``) in capitals."""
    grid: int | None = None
    """Line pitch in twips of a document grid of lines; None for no grid."""
    fonts: tuple[tuple[str, str], ...] = ()
    """(font, alternate) pairs declared in the font table."""


def _gongwen_styles() -> tuple[StyleSpec, ...]:
    """Return STYLES with GONGWEN_CHANGES applied, 仿宋 for 宋体 elsewhere."""
    specs = []
    for spec in STYLES:
        font = FANGSONG if spec.east_asia == "宋体" else spec.east_asia
        changes = {"east_asia": font, **GONGWEN_CHANGES.get(spec.name, {})}
        specs.append(replace(spec, **changes))  # type: ignore[arg-type]
    return tuple(specs)


HOUSE_STYLES: tuple[HouseStyle, ...] = (
    HouseStyle("reference.docx", STYLES, BODY_SIZE, HEADER, FOOTER),
    HouseStyle("gongwen.docx", _gongwen_styles(), GONGWEN_SIZE, (), ("— ", "PAGE", " —"),
               grid=GONGWEN_LINE_PITCH,
               fonts=tuple(GONGWEN_FONTS.items())),
)  # fmt: skip
"""The reference documents: the default house style, and 公文."""


def main() -> int:
    """Write the reference documents next to the templates; return the exit code."""
    for house in HOUSE_STYLES:
        output = STYLES_FOLDER / house.file
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(build(house))
        print(f"wrote {output}")
    return 0


def build(house: HouseStyle) -> bytes:
    """Return the reference document `house` describes, as normalised DOCX bytes."""
    document = docx.Document()
    drop_unused_parts(document)
    setup_defaults(document, house)
    prune_styles(document, house)
    for spec in house.styles:
        apply_style(document, spec, house)
    setup_numbering(document, house)
    setup_page(document, house)
    add_specimen(document)
    properties = document.core_properties
    properties.title = "policygen 参考样式"
    properties.author = "policygen"
    properties.last_modified_by = "policygen"
    properties.comments = ""
    properties.revision = 1
    stamp = datetime(BUILD_DATE.year, BUILD_DATE.month, BUILD_DATE.day, tzinfo=UTC)
    properties.created = stamp
    properties.modified = stamp
    buffer = BytesIO()
    document.save(buffer)
    return normalise_docx(buffer.getvalue(), BUILD_DATE)


def drop_unused_parts(document: DocxDocument) -> None:
    """Remove the template's thumbnail, bibliography and Word 2010 ``stylesWithEffects`` copy."""
    unused = (RT.THUMBNAIL, RT.CUSTOM_XML, STYLES_WITH_EFFECTS)
    package_rels = document.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype in unused]:
        del package_rels[rid]
    for rid in [rid for rid, rel in document.part.rels.items() if rel.reltype in unused]:
        document.part.drop_rel(rid)


def setup_defaults(document: DocxDocument, house: HouseStyle) -> None:
    """Make the document defaults the body font (宋体 / Times New Roman), Simplified Chinese,
    and declare `house`'s font alternates."""
    styles = document.styles
    docx_oxml.clear_default_run_formatting(styles)
    docx_oxml.clear_default_paragraph_formatting(styles)
    body = next(spec.east_asia for spec in house.styles if spec.name == "Normal") or "宋体"
    docx_oxml.set_east_asian_font(styles, body, LATIN_FONT)
    if house.fonts:
        docx_styles_oxml.add_font_alternates(document, dict(house.fonts))
    docx_oxml.set_lang(styles)
    docx_oxml.set_theme_font_lang(document)
    docx_oxml.set_no_stretch_before_line_break(document)
    docx_oxml.set_east_asian_line_breaking(styles)


def prune_styles(document: DocxDocument, house: HouseStyle) -> None:
    """Delete every built-in style the writer does not use and unlink the rest."""
    wanted = {spec.name for spec in house.styles} | set(KEPT_AS_IS)
    for style in list(document.styles):
        if style.name not in wanted:
            style.delete()
    for style in document.styles:
        docx_oxml.remove_style_link(style)


def apply_style(document: DocxDocument, spec: StyleSpec, house: HouseStyle) -> None:
    """Create or restyle the style described by `spec`."""
    styles = document.styles
    if spec.name in styles:
        style = styles[spec.name]
        if spec.kind != WD_STYLE_TYPE.TABLE:
            docx_oxml.clear_style_formatting(style)
    else:
        style = styles.add_style(spec.name, spec.kind)
        style.quick_style = True
        if spec.style_id:
            style.style_id = spec.style_id
        if spec.kind == WD_STYLE_TYPE.PARAGRAPH:
            style.base_style = styles["Normal"]
            style.next_paragraph_style = style
    if spec.base is not None:
        style.base_style = styles[spec.base]
    if spec.east_asia:
        docx_oxml.set_east_asian_font(style, spec.east_asia, LATIN_FONT)
    docx_oxml.set_lang(style)
    if isinstance(style, CharacterStyle):
        apply_font(style, spec)
    if isinstance(style, ParagraphStyle) and spec.kind == WD_STYLE_TYPE.PARAGRAPH:
        apply_paragraph(style, spec, house.body_size)


def apply_font(style: CharacterStyle, spec: StyleSpec) -> None:
    """Set the size, weight, slant and emphasis marks of `style` from `spec`."""
    font = style.font
    if spec.size is not None:
        font.size = Pt(spec.size)
    if spec.bold is not None:
        font.bold = spec.bold
    if spec.italic is not None:
        font.italic = spec.italic
    if spec.emphasis_mark:
        docx_oxml.set_emphasis_mark(style)
    if spec.tracking is not None:
        docx_styles_oxml.set_character_spacing(style, spec.tracking)


def apply_paragraph(style: ParagraphStyle, spec: StyleSpec, body_size: float) -> None:
    """Set alignment, indents, spacing and pagination of paragraph `style` from `spec`."""
    fmt = style.paragraph_format
    if spec.align is not None:
        fmt.alignment = ALIGN[spec.align]
    if spec.first_line is not None or spec.left or spec.hanging:
        docx_oxml.set_indent_chars(
            style,
            Pt(spec.size or body_size),
            first_line=spec.first_line or 0,
            left=spec.left,
            hanging=spec.hanging,
        )
    if spec.line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(spec.line)
    elif spec.line_spacing is not None:
        fmt.line_spacing = spec.line_spacing
    if spec.before is not None:
        fmt.space_before = Pt(spec.before)
    if spec.after is not None:
        fmt.space_after = Pt(spec.after)
    if spec.keep_with_next is not None:
        fmt.keep_with_next = spec.keep_with_next
    fmt.widow_control = True
    if spec.contextual:
        docx_oxml.set_contextual_spacing(style)
    if spec.rule_below:
        docx_oxml.set_bottom_border(style)
    if spec.page_tab:
        fmt.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def setup_numbering(document: DocxDocument, house: HouseStyle) -> None:
    """Replace the template's lists with NUMBERING and link the styles to them."""
    nums = {number: number for number, *_ in NUMBERING}
    docx_oxml.replace_numbering(document, NUMBERING, nums, Pt(house.body_size))
    for name, (num_id, level) in STYLE_NUMBERING.items():
        docx_oxml.set_numbering(document.styles[name], num_id, level)


def setup_page(document: DocxDocument, house: HouseStyle) -> None:
    """Set A4 portrait with GB/T 9704 margins, `house`'s document grid, running header and
    footer (第 X 页 共 Y 页)."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    section.gutter = Mm(0)
    header = section.header
    header.is_linked_to_previous = False
    heading = header.paragraphs[0]
    if house.header:
        heading.style = document.styles["Header"]
        heading.add_run(house.header[0])
        for line in house.header[1:]:
            header.add_paragraph(line, document.styles["Header"])
    else:  # no running header (公文): no Header style either, whose rule would print alone
        heading.style = document.styles["Normal"]
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]
    for part in house.footer:
        if part.isupper():
            docx_oxml.add_field(paragraph, part)
        else:
            paragraph.add_run(part)
    if house.grid is not None:
        docx_styles_oxml.set_doc_grid(section, house.grid)


def add_specimen(document: DocxDocument) -> None:
    """Fill the body with the cover and contents templates, then one sample of each style."""
    paragraph = None
    for style, text in COVER:
        paragraph = document.add_paragraph(text, style)
    if paragraph is not None:
        docx_oxml.end_section(paragraph, document)
    toc = document.add_paragraph(TOC_HEADING, "TOC Heading")
    docx_oxml.end_section(toc, document)
    document.add_paragraph("外包服务管理办法（Title）", "Title")
    document.add_paragraph("副标题（Subtitle）", "Subtitle")
    document.add_paragraph("\u3000总则（Heading 1，编号 第%1章）", "Heading 1")
    document.add_paragraph("\u3000定义（Heading 2，编号 第%1条）", "Heading 2")
    document.add_paragraph("小标题（Heading 3）", "Heading 3")
    body = document.add_paragraph(
        "\u3000正文（Article，编号 第%1条）：宋体小四，首行缩进两字，", "Article"
    )
    body.add_run("加粗（Strong）", "Strong")
    body.add_run("，着重（Emphasis）。", "Emphasis")
    document.add_paragraph("项（List Number，编号 （%1））；", "List Number")
    document.add_paragraph("目（List Number 2，编号 %2.）；", "List Number 2")
    document.add_paragraph("（List Number 3，编号 （%3））。", "List Number 3")
    document.add_paragraph("正文（Normal）：不编号的段落。", "Normal")
    document.add_paragraph("\u3000条款（Clause，编号 %1.%2）", "Clause")
    document.add_paragraph("\u3000子条款（Sub-clause，编号 %1.%2.%3）", "Sub-clause")
    for name in ("List Bullet", "List Bullet 2", "List Bullet 3"):
        document.add_paragraph(f"项目符号（{name}）", name)
    document.add_paragraph("表1\u3000表题（Caption）", "Caption")
    table = document.add_table(rows=2, cols=2, style="Table Grid")
    docx_oxml.set_table_full_width(table)
    for column, text in enumerate(("表头（Table Heading）", "权重")):
        table.cell(0, column).paragraphs[0].style = document.styles["Table Heading"]
        table.cell(0, column).paragraphs[0].add_run(text)
    for column, text in enumerate(("表格正文（Table Text）", "30")):
        table.cell(1, column).paragraphs[0].style = document.styles["Table Text"]
        table.cell(1, column).paragraphs[0].add_run(text)
    docx_oxml.set_repeat_table_header(table.rows[0])
    for row in table.rows:
        docx_oxml.set_cant_split(row)
    signature = document.add_paragraph("甲方：示例公司（Signature Party）", "Signature Party")
    signature.paragraph_format.page_break_before = True
    document.add_paragraph("法定代表人或授权代表（签字）：（Signature Line）", "Signature Line")


if __name__ == "__main__":
    sys.exit(main())
