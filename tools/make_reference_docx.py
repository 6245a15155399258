"""Generate the house-style reference document ``templates/zh/styles/reference.docx``.

Input: python-docx's default template. Output: a DOCX whose styles, page setup and footer the
DOCX writer copies (the body is a specimen of every style and is discarded by the writer).
Fonts are named by their Chinese Windows names (宋体, 黑体, 楷体); Word finds them on Windows
and LibreOffice substitutes Noto CJK. Page setup follows GB/T 9704-2012 (A4, margins 上37 下35
左28 右26 mm, page number “— 1 —” centred below the text block).

Run ``python tools/make_reference_docx.py`` after changing a value below and commit both the
script and the regenerated file; the output is byte-identical from run to run."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm, Pt
from docx.styles.style import CharacterStyle, ParagraphStyle

from policygen.writers import docx_oxml
from policygen.writers.reproducible import normalise_docx

OUTPUT = Path(__file__).parents[1] / "src/policygen/templates/zh/styles/reference.docx"
BUILD_DATE = date(2026, 1, 1)
"""The date stamped into the reference's properties, so regenerating it changes no byte."""

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
LATIN_FONT = "Times New Roman"
BODY_SIZE = 12.0
"""小四 (12 pt); the character width that ``…Chars`` indents are measured in."""

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
    before: float | None = None
    """Space before, in points."""
    after: float | None = None
    """Space after, in points."""
    keep_with_next: bool | None = None
    """Keep on the same page as the next paragraph."""


STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("Normal", east_asia="宋体", size=BODY_SIZE, align="justify", first_line=200,
              line_spacing=1.5, before=0, after=0),
    StyleSpec("Title", east_asia="黑体", size=22, bold=False, align="center", first_line=0,
              line_spacing=1.25, before=12, after=18, keep_with_next=True),
    StyleSpec("Subtitle", east_asia="楷体", size=16, italic=False, align="center", first_line=0,
              line_spacing=1.25, before=0, after=18, keep_with_next=True),
    StyleSpec("Heading 1", east_asia="黑体", size=16, bold=False, align="center", first_line=0,
              line_spacing=1.25, before=18, after=12, keep_with_next=True),
    StyleSpec("Heading 2", east_asia="黑体", size=14, bold=False, align="left", first_line=0,
              line_spacing=1.25, before=12, after=6, keep_with_next=True),
    StyleSpec("Heading 3", east_asia="黑体", size=BODY_SIZE, bold=False, align="left",
              first_line=200, before=6, after=0, keep_with_next=True),
    StyleSpec("List", east_asia="宋体", first_line=200),
    StyleSpec("List 2", east_asia="宋体", first_line=200, left=200),
    StyleSpec("List 3", east_asia="宋体", first_line=200, left=400),
    StyleSpec("List Bullet", east_asia="宋体", left=400, hanging=200),
    StyleSpec("List Bullet 2", east_asia="宋体", left=600, hanging=200),
    StyleSpec("List Bullet 3", east_asia="宋体", left=800, hanging=200),
    StyleSpec("Caption", east_asia="黑体", size=10.5, bold=False, align="center", first_line=0,
              line_spacing=1.0, before=6, after=6, keep_with_next=True),
    StyleSpec("Header", east_asia="宋体", size=10.5, align="center", first_line=0,
              line_spacing=1.0),
    StyleSpec("Footer", east_asia="宋体", size=10.5, align="center", first_line=0,
              line_spacing=1.0),
    StyleSpec("Table Text", east_asia="宋体", size=10.5, align="left", first_line=0,
              line_spacing=1.0, before=3, after=3),
    StyleSpec("Table Heading", base="Table Text", east_asia="黑体", align="center"),
    StyleSpec("Signature Party", east_asia="宋体", bold=True, align="left", first_line=0,
              after=12, keep_with_next=True),
    StyleSpec("Signature Line", east_asia="宋体", align="left", first_line=0, after=30,
              keep_with_next=True),
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


def main() -> int:
    """Write reference.docx next to the templates; return the exit code."""
    document = docx.Document()
    drop_unused_parts(document)
    setup_defaults(document)
    prune_styles(document)
    for spec in STYLES:
        apply_style(document, spec)
    setup_page(document)
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
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(normalise_docx(buffer.getvalue(), BUILD_DATE))
    print(f"wrote {OUTPUT}")
    return 0


def drop_unused_parts(document: DocxDocument) -> None:
    """Remove the template's thumbnail, bibliography and Word 2010 ``stylesWithEffects`` copy."""
    unused = (RT.THUMBNAIL, RT.CUSTOM_XML, STYLES_WITH_EFFECTS)
    package_rels = document.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype in unused]:
        del package_rels[rid]
    for rid in [rid for rid, rel in document.part.rels.items() if rel.reltype in unused]:
        document.part.drop_rel(rid)


def setup_defaults(document: DocxDocument) -> None:
    """Make the document defaults 宋体 / Times New Roman 小四, Simplified Chinese."""
    styles = document.styles
    docx_oxml.clear_default_run_formatting(styles)
    docx_oxml.clear_default_paragraph_formatting(styles)
    docx_oxml.set_east_asian_font(styles, "宋体", LATIN_FONT)
    docx_oxml.set_lang(styles)
    docx_oxml.set_theme_font_lang(document)
    docx_oxml.set_no_stretch_before_line_break(document)


def prune_styles(document: DocxDocument) -> None:
    """Delete every built-in style the writer does not use and unlink the rest."""
    wanted = {spec.name for spec in STYLES} | set(KEPT_AS_IS)
    for style in list(document.styles):
        if style.name not in wanted:
            style.delete()
    for style in document.styles:
        docx_oxml.remove_style_link(style)


def apply_style(document: DocxDocument, spec: StyleSpec) -> None:
    """Create or restyle the style described by `spec`."""
    styles = document.styles
    if spec.name in styles:
        style = styles[spec.name]
        if spec.kind != WD_STYLE_TYPE.TABLE:
            docx_oxml.clear_style_formatting(style)
    else:
        style = styles.add_style(spec.name, spec.kind)
        style.quick_style = True
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
        apply_paragraph(style, spec)


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


def apply_paragraph(style: ParagraphStyle, spec: StyleSpec) -> None:
    """Set alignment, indents, spacing and pagination of paragraph `style` from `spec`."""
    fmt = style.paragraph_format
    if spec.align is not None:
        fmt.alignment = ALIGN[spec.align]
    if spec.first_line is not None or spec.left or spec.hanging:
        docx_oxml.set_indent_chars(
            style,
            Pt(spec.size or BODY_SIZE),
            first_line=spec.first_line or 0,
            left=spec.left,
            hanging=spec.hanging,
        )
    if spec.line_spacing is not None:
        fmt.line_spacing = spec.line_spacing
    if spec.before is not None:
        fmt.space_before = Pt(spec.before)
    if spec.after is not None:
        fmt.space_after = Pt(spec.after)
    if spec.keep_with_next is not None:
        fmt.keep_with_next = spec.keep_with_next
    fmt.widow_control = True


def setup_page(document: DocxDocument) -> None:
    """Set A4 portrait with GB/T 9704 margins and a centred “— 1 —” page number."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    section.gutter = Mm(0)
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]
    paragraph.add_run("— ")
    docx_oxml.add_field(paragraph, "PAGE")
    paragraph.add_run(" —")


def add_specimen(document: DocxDocument) -> None:
    """Fill the body with one sample of each style, for people editing the house style."""
    document.add_paragraph("外包服务管理办法（Title）", "Title")
    document.add_paragraph("副标题（Subtitle）", "Subtitle")
    document.add_paragraph("第一章　总则（Heading 1）", "Heading 1")
    document.add_paragraph("第一条　定义（Heading 2）", "Heading 2")
    document.add_paragraph("小标题（Heading 3）", "Heading 3")
    body = document.add_paragraph(style="Normal")
    body.add_run("第二条　", "Article Label")
    body.add_run("正文（Normal）：宋体小四，首行缩进两字，1.5 倍行距。")
    body.add_run("加粗（Strong）", "Strong")
    body.add_run("，着重（Emphasis）。", "Emphasis")
    for name, label in (("List", "（一）"), ("List 2", "1."), ("List 3", "（1）")):
        document.add_paragraph(f"{label}列表项（{name}）", name)
    for name in ("List Bullet", "List Bullet 2", "List Bullet 3"):
        document.add_paragraph(f"项目符号（{name}）", name)
    document.add_paragraph("表1　表题（Caption）", "Caption")
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
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("甲方：示例公司（Signature Party）", "Signature Party")
    document.add_paragraph("法定代表人或授权代表（签字）：（Signature Line）", "Signature Line")


if __name__ == "__main__":
    sys.exit(main())
