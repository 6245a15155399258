"""Turn a house style into the reference DOCX the DOCX writer builds on, and set a document's
page from it.

Input: a HouseStyle (and, for `apply_page`, a document kind). Output: the bytes of a reference
document whose styles, list numbering, page setup, header and footer the DOCX writer copies;
its body is a specimen of every style for people editing the house style, from which the
writer keeps two things as templates:

* the paragraphs in ``Cover …`` styles: the cover page (the style file's ``cover``, which
  both PDFs print too: writers.front), with ``{title}``, ``{subtitle}``,
  ``{doc_no}``, ``{contract_no}``, ``{role}：{name}`` (one line per signing party),
  ``{organisation}``, ``{version}``, ``{date}``, ``{signed_on}`` and ``{signed_at}`` filled in
  (writers.docx.pages); a line one of whose placeholders is empty is left out;
* the first ``TOC Heading`` paragraph: the heading of a regulation's table of contents (the
  style file's ``contents.heading``).

The header holds the style's header lines (the writer leaves out a line with an empty
placeholder) and the footer its footer words, ``{page}`` and ``{pages}`` as PAGE and NUMPAGES
fields. Fonts are named by their Chinese Windows names (宋体, 黑体, 楷体) and declared in the
font table as Simplified Chinese (GB 2312) faces with their alternates (宋体 → SimSun …),
PANOSE numbers and class, so that Word and WPS find one of the pair or substitute a face of
the same kind; LibreOffice asks fontconfig instead (style.fontconfig). Line heights are fixed (固定值) and equal the CSS's, so the
DOCX breaks pages where the PDF does and a table of contents can take its page numbers from
the PDF layout. A style with ``page.grid_lines`` (公文) gets a document grid of lines whose
pitch is the body's line height.

Lists are Word multilevel lists linked to styles: 第%1章 (Heading 1); 第%1条 (Article, and
Heading 2 for titled articles) with clauses %1.%2 (Clause) and %1.%2.%3 (Sub-clause) shown in
Arabic digits; items （%1） / %2. / （%3） / ① (List Number 1–4); bullets (List Bullet 1–3).
Chapters and articles are separate lists, so articles number on across chapters. Articles and
clauses are two instances of one list (writers.docx.numbering says why): the clauses' shows
the article's counter in Arabic digits, the articles' overrides level 1 to count in Chinese,
so both read right in Word and in LibreOffice 7, which ignores ``w:isLgl`` (正规形式编号).

The bundled references (``styles/reference.docx``, ``styles/gongwen.docx``) are made by
tools/make_reference_docx.py and checked in; an organisation's style gets its reference made
here at run time (`reference_docx`, once per style). Output is byte-identical run to run."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm, Pt
from docx.styles.style import CharacterStyle, ParagraphStyle

from policygen.caches import CACHES
from policygen.style.model import (
    CONTEXTUAL_ROLES,
    FONT_ROLES,
    CharacterRole,
    HouseStyle,
    TextRole,
)
from policygen.writers.docx import oxml
from policygen.writers.docx.oxml import FontEntry, ListInstance, NumberingLevel
from policygen.writers.reproducible import normalise_docx

BUILD_DATE = date(2026, 1, 1)
"""The date stamped into a reference's properties, so making it again changes no byte."""

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}

WORD_STYLES: dict[TextRole, str] = {
    "body": "Normal",
    "title": "Title",
    "subtitle": "Subtitle",
    "chapter": "Heading 1",
    "article_heading": "Heading 2",
    "minor_heading": "Heading 3",
    "caption": "Caption",
    "table": "Table Text",
    "table_heading": "Table Heading",
    "signature_party": "Signature Party",
    "signature_line": "Signature Line",
    "header": "Header",
    "footer": "Footer",
    "toc_heading": "TOC Heading",
    "toc_1": "toc 1",
    "toc_2": "toc 2",
    "cover_title": "Cover Title",
    "cover_subtitle": "Cover Subtitle",
    "cover_line": "Cover Line",
    "cover_party": "Cover Party",
    "cover_organisation": "Cover Organisation",
    "cover_date": "Cover Date",
}
"""The Word style each text role of the style file is written as (writers.docx names them)."""

CHARACTER_STYLES: dict[CharacterRole, str] = {
    "article_label": "Article Label",
    "strong": "Strong",
    "emphasis": "Emphasis",
}
"""The Word character style each character role of the style file is written as."""

STYLE_IDS: dict[str, str] = {"Sub-clause": "Subclause", "toc 1": "TOC1", "toc 2": "TOC2"}
"""Style ids of new styles whose id python-docx would derive differently."""

CONTEXTUAL = tuple(WORD_STYLES[role] for role in sorted(CONTEXTUAL_ROLES))
"""Styles whose space before is left out between two paragraphs of the same style (a cover
lists several parties and dates as one block)."""

TOC_STYLES = ("toc 1", "toc 2")
"""Styles with a dotted right tab at the text block's edge (table-of-contents lines)."""

KEPT_AS_IS = ("Default Paragraph Font", "No List")
"""Built-in styles kept without change; every other style not made here is removed."""


@dataclass(frozen=True)
class StyleSpec:
    """How one Word style looks; None leaves the property to the style it is based on."""

    name: str
    """The style's name as Word shows it (built-in names in English)."""
    kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH
    """Paragraph, character or table style."""
    base: str | None = None
    """The style this one is based on; None keeps a built-in style's base, or none."""
    east_asia: str | None = None
    """Chinese font, e.g. 宋体; None inherits."""
    size: float | None = None
    """Font size in points."""
    bold: bool | None = None
    """Bold on or off; None inherits."""
    italic: bool | None = None
    """Italic on or off; None inherits."""
    emphasis_mark: bool = False
    """Put 着重号 (dots) under the text."""
    align: str | None = None
    """``left``, ``center``, ``right`` or ``justify``."""
    indent: tuple[int, int, int] | None = None
    """First-line, left and hanging indent in hundredths of a character; None inherits."""
    char_width: float = 12
    """The width of a character in pt, for the twips written beside the character units."""
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
    rule_below: float = 0
    """Thickness in pt of a line ruled under the paragraph (a running header's); 0: none."""
    page_tab: float | None = None
    """Put a dotted right tab this many mm from the left margin (table-of-contents lines)."""
    tracking: int | None = None
    """Character spacing in twips (negative: closer); None leaves it alone."""
    off_grid: bool = False
    """Keep the paragraph's own line height on a page with a grid of lines (``w:snapToGrid``
    off): LibreOffice would otherwise give each of its lines a whole grid line."""


def _on_grid(line: float, style: HouseStyle) -> bool:
    """Return whether a line height of `line` pt is a whole number of the grid's lines (the
    body's line height): a 公文 title of two lines is, a 12 pt table's or the cover's is not."""
    lines = line / style.resolved("body").line
    return abs(lines - round(lines)) < 0.01 and round(lines) >= 1


def _hundredths(chars: float) -> int:
    return round(chars * 100)


# Long by design: the table of Word styles, one entry each, read top to bottom like the
# style file it follows.
def word_styles(style: HouseStyle) -> tuple[StyleSpec, ...]:
    """Return the Word styles of `style`, in the order they are set up."""
    fonts = style.fonts
    specs: list[StyleSpec] = []
    text_width = style.text_width("regulation")
    for role, word in WORD_STYLES.items():
        stated = style.text[role]
        resolved = style.resolved(role)
        base = None if role == "body" else WORD_STYLES[stated.based_on or "body"]
        indent = None
        if role == "body" or stated.indent is not None or stated.left is not None:
            indent = (_hundredths(resolved.indent), _hundredths(resolved.left), 0)
        specs.append(
            StyleSpec(
                word,
                base=base,
                # Every paragraph style names its Chinese font, even one it could inherit: a
                # style copied into an organisation's house.docx keeps it (writers.docx.house).
                east_asia=fonts.role(resolved.font).word,
                size=stated.size,
                bold=stated.bold,
                italic=False if role in ("subtitle", "cover_subtitle") else None,
                align=stated.align,
                indent=indent,
                char_width=resolved.char_width,
                line=stated.line,
                line_spacing=stated.line_spacing if stated.line is None else None,
                before=stated.before,
                after=stated.after,
                keep_with_next=stated.keep_with_next,
                contextual=word in CONTEXTUAL,
                rule_below=style.header.rule if role == "header" else 0,
                page_tab=text_width if word in TOC_STYLES else None,
                tracking=round(stated.tracking * 20) if stated.tracking is not None else None,
                off_grid=style.page.grid_lines is not None and not _on_grid(resolved.line, style),
            )
        )
    body = style.resolved("body")
    body_font = fonts.role(body.font).word
    lists = style.lists
    numbered = ("Article", "Clause", "List", "List 2", "List 3", "List Number",
                "List Number 2", "List Number 3", "List Number 4")  # fmt: skip
    for name in numbered:
        specs.append(StyleSpec(name, base="Normal", east_asia=body_font,
                               indent=(_hundredths(lists.indent), 0, 0),
                               char_width=body.char_width))  # fmt: skip
    specs.append(
        StyleSpec("Sub-clause", base="Normal", east_asia=body_font, char_width=body.char_width,
                  indent=(_hundredths(lists.indent), _hundredths(lists.sub_clause_left), 0))
    )  # fmt: skip
    for depth, left in enumerate(lists.bullet_left, start=1):
        name = "List Bullet" if depth == 1 else f"List Bullet {depth}"
        specs.append(
            StyleSpec(name, base="Normal", east_asia=body_font, char_width=body.char_width,
                      indent=(0, _hundredths(left), _hundredths(lists.bullet_hanging)))
        )  # fmt: skip
    characters = style.characters
    for character_role, name in CHARACTER_STYLES.items():
        character = characters.get(character_role)
        if character is None:
            continue
        specs.append(
            StyleSpec(
                name,
                kind=WD_STYLE_TYPE.CHARACTER,
                base="Default Paragraph Font",
                east_asia=fonts.role(character.font).word if character.font else None,
                bold=character.bold,
                italic=False if character_role == "emphasis" else None,
                emphasis_mark=bool(character.emphasis_marks),
            )
        )
    for name in ("Table Grid", "Normal Table"):
        specs.append(StyleSpec(name, kind=WD_STYLE_TYPE.TABLE, east_asia=body_font))
    return tuple(specs)


def numbering(style: HouseStyle) -> tuple[tuple[int, str, tuple[NumberingLevel, ...]], ...]:
    """Return the multilevel lists (list definitions) of `style`: (id, name, levels)."""
    lists = style.lists
    first = _hundredths(lists.indent)
    bullets = tuple(
        NumberingLevel("bullet", lists.bullet, style=name, suffix="space",
                       indent=(_hundredths(left), -_hundredths(lists.bullet_hanging)))
        for name, left in zip(("ListBullet", "ListBullet2", "ListBullet3"), lists.bullet_left,
                              strict=True)
    )  # fmt: skip
    return (
        (1, "policygen 章", (
            NumberingLevel("chineseCounting", "第%1章", style="Heading1", indent=(0, 0)),
        )),
        # Level 1 counts the articles in Arabic digits for the clauses' %1; the articles'
        # own instance shows it in Chinese (list_instances).
        (2, "policygen 条", (
            article_level(style, "decimal"),
            NumberingLevel("decimal", "%1.%2", legal=True, style="Clause", indent=(0, first)),
            NumberingLevel("decimal", "%1.%2.%3", legal=True, style="Subclause",
                           indent=(_hundredths(lists.sub_clause_left), first)),
        )),
        (3, "policygen 项", (
            NumberingLevel("chineseCounting", "（%1）", style="ListNumber", indent=(0, first)),
            NumberingLevel("decimal", "%2.", style="ListNumber2", indent=(0, first)),
            NumberingLevel("decimal", "（%3）", style="ListNumber3", indent=(0, first)),
            NumberingLevel("decimalEnclosedCircle", "%4", style="ListNumber4",
                           indent=(0, first)),
        )),
        (4, "policygen 符号", bullets),
    )  # fmt: skip


def article_level(style: HouseStyle, fmt: str) -> NumberingLevel:
    """Return the article level (第%1条) counting in number format `fmt`, its number in the
    article label's font. Level 1 is shared by Article (indented body text) and Heading 2
    (titled articles, not indented), so it leaves the indent to the paragraph's style."""
    label_font = style.characters.get("article_label")
    label = style.fonts.role(label_font.font).word if label_font and label_font.font else None
    return NumberingLevel(fmt, "第%1条", style="Article", east_asia=label)


def list_instances(style: HouseStyle) -> dict[int, ListInstance]:
    """Return the list instances of `style` by numId: one of each list definition (numId =
    id), whose articles count in Chinese (第一条), and a second of the article list for the
    clauses (numId 5), which shows the definition's Arabic level 1 (1.1)."""
    instances = {number: ListInstance(number) for number, *_ in numbering(style)}
    instances[2] = ListInstance(2, ((0, article_level(style, "chineseCounting")),))
    instances[5] = ListInstance(2)
    return instances


STYLE_NUMBERING: dict[str, tuple[int, int]] = {
    "Heading 1": (1, 0),
    "Heading 2": (2, 0),
    "Article": (2, 0),
    "Clause": (5, 1),
    "Sub-clause": (5, 2),
    "List Number": (3, 0),
    "List Number 2": (3, 1),
    "List Number 3": (3, 2),
    "List Number 4": (3, 3),
    "List Bullet": (4, 0),
    "List Bullet 2": (4, 1),
    "List Bullet 3": (4, 2),
}
"""The list (numId, level) each numbered style is linked to."""

FIELD = re.compile(r"\{(page|pages)\}")
FIELDS = {"page": "PAGE", "pages": "NUMPAGES"}
"""The footer's placeholders and the Word fields they become."""


def footer_distance(style: HouseStyle, kind: str) -> float:
    """Return Word's footer distance of `kind` in mm: from the paper's bottom edge to the
    footer's bottom, so that its top is ``footer.gap`` below the text block."""
    line = style.resolved("footer").line * 25.4 / 72
    return max(0.0, style.margins(kind).bottom - style.footer.gap - line)


def reference_docx(style: HouseStyle) -> bytes:
    """Return the reference document of `style`, made once per style and process."""
    data = style.model_dump_json()
    return _reference(hashlib.sha256(data.encode("utf-8")).hexdigest(), data)


@CACHES.memo(maxsize=8)
def _reference(_digest: str, data: str) -> bytes:
    return build(HouseStyle.model_validate_json(data))


def build(style: HouseStyle) -> bytes:
    """Return the reference document of `style`, as normalised DOCX bytes."""
    document = docx.Document()
    drop_unused_parts(document)
    specs = word_styles(style)
    setup_defaults(document, style)
    prune_styles(document, specs)
    for spec in specs:
        apply_style(document, spec, style.fonts.latin.word)
    setup_numbering(document, style)
    setup_page(document, style)
    add_specimen(document, style)
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


def setup_defaults(document: DocxDocument, style: HouseStyle) -> None:
    """Make the document defaults the body font (宋体 / Times New Roman), Simplified Chinese,
    and declare the fonts in the font table."""
    styles = document.styles
    fonts = style.fonts
    oxml.clear_default_run_formatting(styles)
    oxml.clear_default_paragraph_formatting(styles)
    body = fonts.role(style.resolved("body").font).word
    oxml.set_east_asian_font(styles, body, fonts.latin.word)
    oxml.declare_fonts(document, font_entries(style), keep={fonts.latin.word})
    oxml.set_lang(styles)
    oxml.set_theme_font_lang(document)
    oxml.set_no_stretch_before_line_break(document)
    oxml.set_east_asian_line_breaking(styles)


def font_entries(style: HouseStyle) -> tuple[FontEntry, ...]:
    """Return the font table entries of `style`'s Chinese faces, one per name, in role order."""
    entries: dict[str, FontEntry] = {}
    for role in FONT_ROLES:
        font = style.fonts.role(role)
        entries.setdefault(font.word, FontEntry(font.word, font.alternate, font.panose,
                                                font.classification or "auto"))  # fmt: skip
    return tuple(entries.values())


def prune_styles(document: DocxDocument, specs: tuple[StyleSpec, ...]) -> None:
    """Delete every built-in style the writer does not use and unlink the rest."""
    wanted = {spec.name for spec in specs} | set(KEPT_AS_IS)
    for word_style in list(document.styles):
        if word_style.name not in wanted:
            word_style.delete()
    for word_style in document.styles:
        oxml.remove_style_link(word_style)


def apply_style(document: DocxDocument, spec: StyleSpec, latin: str = "Times New Roman") -> None:
    """Create or restyle the Word style described by `spec`."""
    styles = document.styles
    if spec.name in styles:
        word_style = styles[spec.name]
        if spec.kind != WD_STYLE_TYPE.TABLE:
            oxml.clear_style_formatting(word_style)
    else:
        word_style = styles.add_style(spec.name, spec.kind)
        word_style.quick_style = True
        if spec.name in STYLE_IDS:
            word_style.style_id = STYLE_IDS[spec.name]
        if spec.kind == WD_STYLE_TYPE.PARAGRAPH:
            word_style.base_style = styles["Normal"]
            word_style.next_paragraph_style = word_style
    if spec.base is not None:
        word_style.base_style = styles[spec.base]
    if spec.east_asia:
        oxml.set_east_asian_font(word_style, spec.east_asia, latin)
    oxml.set_lang(word_style)
    if isinstance(word_style, CharacterStyle):
        apply_font(word_style, spec)
    if isinstance(word_style, ParagraphStyle) and spec.kind == WD_STYLE_TYPE.PARAGRAPH:
        apply_paragraph(word_style, spec)


def apply_font(word_style: CharacterStyle, spec: StyleSpec) -> None:
    """Set the size, weight, slant, emphasis marks and spacing of `word_style` from `spec`."""
    font = word_style.font
    if spec.size is not None:
        font.size = Pt(spec.size)
    if spec.bold is not None:
        font.bold = spec.bold
    if spec.italic is not None:
        font.italic = spec.italic
    if spec.emphasis_mark:
        oxml.set_emphasis_mark(word_style)
    if spec.tracking is not None:
        oxml.set_character_spacing(word_style, spec.tracking)


def apply_paragraph(word_style: ParagraphStyle, spec: StyleSpec) -> None:
    """Set alignment, indents, spacing and pagination of paragraph style `word_style`."""
    fmt = word_style.paragraph_format
    if spec.align is not None:
        fmt.alignment = ALIGN[spec.align]
    if spec.indent is not None:
        first, left, hanging = spec.indent
        oxml.set_indent_chars(
            word_style, Pt(spec.char_width), first_line=first, left=left, hanging=hanging
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
        oxml.set_contextual_spacing(word_style)
    if spec.rule_below:
        oxml.set_bottom_border(word_style, size_eighths=round(spec.rule_below * 8))
    if spec.off_grid:
        oxml.set_snap_to_grid(word_style, False)
    if spec.page_tab is not None:
        fmt.tab_stops.add_tab_stop(Mm(spec.page_tab), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def setup_numbering(document: DocxDocument, style: HouseStyle) -> None:
    """Replace the template's lists with the style's and link the styles to them."""
    oxml.replace_numbering(document, numbering(style), list_instances(style),
                                Pt(style.resolved("body").char_width))  # fmt: skip
    for name, (num_id, level) in STYLE_NUMBERING.items():
        oxml.set_numbering(document.styles[name], num_id, level)


def apply_page(document: DocxDocument, style: HouseStyle, kind: str) -> None:
    """Give every section of `document` the paper, margins and header and footer distances
    `style` gives a document of `kind`, and its grid of lines, if any."""
    margins = style.margins(kind)
    for section in document.sections:
        section.page_width, section.page_height = Mm(style.page.width), Mm(style.page.height)
        section.top_margin, section.bottom_margin = Mm(margins.top), Mm(margins.bottom)
        section.left_margin, section.right_margin = Mm(margins.left), Mm(margins.right)
        section.header_distance = Mm(style.header.distance)
        section.footer_distance = Mm(footer_distance(style, kind))
        section.gutter = Mm(0)
        if style.page.grid_lines is not None:
            oxml.set_doc_grid(section, round(style.resolved("body").line * 20))


def setup_page(document: DocxDocument, style: HouseStyle) -> None:
    """Set the paper and margins of the style's page, its grid, running header and footer."""
    apply_page(document, style, "")
    section = document.sections[0]
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False
    section.footer.paragraphs[0].style = document.styles["Footer"]
    set_running_words(document, style)


def set_running_words(document: DocxDocument, style: HouseStyle) -> None:
    """Give the last section's header the lines of `style`, one a paragraph, and its footer the
    words of `style`, ``{page}`` and ``{pages}`` as PAGE and NUMPAGES fields, in place of what
    they hold: a new reference's (`setup_page`) or a reference's Chinese (the furniture of a
    text in English alone, HouseStyle.furnished, which the DOCX writer sets over it).

    The header's paragraphs keep their style and the lines beyond them take the first's; a
    first paragraph in no style of its own (a header without lines) takes the Header style
    when there are lines. A header without lines keeps one empty paragraph in no style: no
    running header (公文), no Header style either, whose rule would print alone."""
    section = oxml.last_section(document)
    lines = style.header.lines
    paragraphs = section.header.paragraphs
    if not lines:
        paragraphs[0].style = document.styles["Normal"]
    elif oxml.paragraph_style_id(paragraphs[0]) is None:
        paragraphs[0].style = document.styles["Header"]
    for index, paragraph in enumerate(paragraphs):
        oxml.clear_paragraph(paragraph)
        if index < len(lines):
            oxml.add_text_run(paragraph, lines[index])
        elif index:
            oxml.remove_paragraph(paragraph)
    for line in lines[len(paragraphs) :]:
        section.header.add_paragraph(line, paragraphs[0].style)
    footer = section.footer.paragraphs[0]
    oxml.clear_paragraph(footer)
    for part in FIELD.split(style.footer.text):
        if part in FIELDS:
            oxml.add_field(footer, FIELDS[part])
        elif part:
            oxml.add_text_run(footer, part)


def add_specimen(document: DocxDocument, style: HouseStyle) -> None:
    """Fill the body with the style's cover and contents templates, then one sample of each
    style."""
    paragraph = None
    for line in style.cover:
        paragraph = document.add_paragraph(line.text, WORD_STYLES[line.role])
    if paragraph is not None:
        oxml.end_section(paragraph, document)
    toc = document.add_paragraph(style.contents.heading, "TOC Heading")
    oxml.end_section(toc, document)
    document.add_paragraph("外包服务管理办法（Title）", "Title")
    document.add_paragraph("副标题（Subtitle）", "Subtitle")
    document.add_paragraph("\u3000总则（Heading 1，编号 第%1章）", "Heading 1")
    document.add_paragraph("\u3000定义（Heading 2，编号 第%1条）", "Heading 2")
    document.add_paragraph("小标题（Heading 3）", "Heading 3")
    body = document.add_paragraph("\u3000正文（Article，编号 第%1条）：首行缩进两字，", "Article")
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
    oxml.set_table_full_width(table)
    for column, text in enumerate(("表头（Table Heading）", "权重")):
        table.cell(0, column).paragraphs[0].style = document.styles["Table Heading"]
        table.cell(0, column).paragraphs[0].add_run(text)
    for column, text in enumerate(("表格正文（Table Text）", "30")):
        table.cell(1, column).paragraphs[0].style = document.styles["Table Text"]
        table.cell(1, column).paragraphs[0].add_run(text)
    oxml.set_repeat_table_header(table.rows[0])
    for row in table.rows:
        oxml.set_cant_split(row)
    signature = document.add_paragraph("甲方：示例公司（Signature Party）", "Signature Party")
    signature.paragraph_format.page_break_before = True
    document.add_paragraph("法定代表人或授权代表（签字）：（Signature Line）", "Signature Line")


__all__ = ["WORD_STYLES", "apply_page", "build", "footer_distance", "reference_docx",
           "set_running_words", "word_styles"]  # fmt: skip
