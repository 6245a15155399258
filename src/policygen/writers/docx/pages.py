"""Lay out a DOCX around its body: cover, contents page, header, page numbers, properties.

Input: the house-style reference.docx as python-docx opened it, and the Document tree. Output:
the same python-docx document with a cover section (and, for a regulation, a contents section)
before the body, and the header's placeholders filled in.

The words and their look are the reference's, not this module's: the paragraphs of the
reference's body in ``Cover …`` styles are the cover's template and its first ``TOC Heading``
paragraph is the contents page's heading (tools/make_reference_docx.py writes them). In a
template line, ``{title}``, ``{subtitle}``, ``{doc_no}`` (发文字号), ``{contract_no}``,
``{organisation}``, ``{version}``, ``{date}`` (the effective date), ``{signed_on}`` and
``{signed_at}`` are replaced by the document's, empty for what the document does not print (a
contract has no version or effective date; a regulation no contract number or signing date);
a line with ``{role}`` or ``{name}`` is repeated for each signing party; a line one of whose
placeholders is empty is left out, so ``版本：{version}`` appears only with a version.

The cover and contents sections have no header or footer. The body section has the
reference's header, its paragraphs filled in and left out as cover lines are, and its footer
(第 X 页 共 Y 页), numbered as the house style's ``footer.numbering`` says, as both PDFs
are (writers.front): ``body``, the body's pages from 1 and the count ``SECTIONPAGES``
(showing the page count of the PDF layout, when there is one, until the reader updates it);
``all``, on from the cover and ``NUMPAGES``. Core and extended properties (title, subject,
keywords — the PDFs' too, the number last —, identifier, version, company…) come from the
document's meta, never from the clock;
a document without a version has no version property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from docx.document import Document as DocxDocument
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph

from policygen.style.model import HouseStyle
from policygen.transforms.nobreak import NO_BREAK_LANGUAGE, joined, runs
from policygen.tree import nodes as n
from policygen.writers.docx import oxml
from policygen.writers.docx.styles import StyleTable
from policygen.writers.front import TitleLines, title_lines
from policygen.writers.page_values import Values, document_keywords, fill

COVER_STYLE_PREFIX = "Cover "
"""Reference paragraphs in styles named so are the cover template."""
COVER_TITLE_STYLE = "Cover Title"
"""The cover line that holds the title (front.TITLE_ROLE's style)."""
TOC_HEADING_STYLE = "TOC Heading"
"""The reference paragraph in this style is the contents page's heading."""

_KEYWORD_SEPARATOR = "; "
_CORE_PROPERTY_MAX = 255
"""python-docx refuses longer core-property strings."""


@dataclass(frozen=True)
class FrontMatter:
    """The cover and contents templates of a reference document."""

    cover: tuple[tuple[str, str], ...] = ()
    """(style name, text with placeholders) of each cover line, top to bottom."""
    toc_heading: tuple[str, str] | None = None
    """(style name, text) of the contents heading; None for none."""


def read_front_matter(document: DocxDocument) -> FrontMatter:
    """Return the cover and contents templates in `document`'s body (read before clearing it)."""
    cover: list[tuple[str, str]] = []
    toc_heading = None
    styles = StyleTable(document)
    for paragraph in document.paragraphs:
        style = styles.name_of(oxml.paragraph_style_id(paragraph))
        if style.startswith(COVER_STYLE_PREFIX):
            cover.append((style, oxml.paragraph_text(paragraph)))
        elif style == TOC_HEADING_STYLE and toc_heading is None:
            toc_heading = (style, oxml.paragraph_text(paragraph))
    return FrontMatter(tuple(cover), toc_heading)


def add_cover(document: DocxDocument, front: FrontMatter, values: Values) -> None:
    """Add the cover page and end its section; no cover template adds nothing. A contract
    number or a date on it never breaks across lines (transforms.nobreak)."""
    last = None
    styles = StyleTable(document)
    for style, template in front.cover:
        for line in fill(template, values):
            last = oxml.add_body_paragraph(document, styles.id(style))
            if style == COVER_TITLE_STYLE:
                _add_title(document, last, line, style)
                continue
            for piece, kept in runs(line):  # as document.add_paragraph(line, style)
                run = oxml.add_text_run(last, joined(piece) if kept else piece)
                if kept:  # as a NoBreak in the body
                    oxml.set_lang(run, east_asia=NO_BREAK_LANGUAGE)
    if last is not None:
        oxml.end_section(last, document)


def _add_title(document: DocxDocument, paragraph: Paragraph, title: str, style: str) -> None:
    """Add `title` to the cover paragraph `paragraph` in `style` as front.title_lines sets it:
    each of its lines kept whole (a NoBreak), set smaller when that keeps it on one line,
    else broken where a title may break, never inside a word."""
    size = document.styles[style].font.size
    section = oxml.last_section(document)
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    if size is None or width <= 0:
        lines = TitleLines((title,), 0)
    else:
        lines = title_lines(title, size.pt, Length(width).pt)
    for index, line in enumerate(lines.lines):
        run = oxml.add_text_run(paragraph, joined(line))
        oxml.set_lang(run, east_asia=NO_BREAK_LANGUAGE)
        if size is not None and lines.size != size.pt:
            run.font.size = Pt(lines.size)
        if index < len(lines.lines) - 1:
            run.add_break()


def add_contents_page(document: DocxDocument, front: FrontMatter) -> Paragraph:
    """Add the contents heading and the paragraph that ends the contents section; return that
    paragraph, before which the entries go."""
    if front.toc_heading is not None:
        style, text = front.toc_heading
        document.add_paragraph(text, style)
    end = document.add_paragraph()
    oxml.end_section(end, document)
    return end


def furnished_front(front: FrontMatter, style: HouseStyle) -> FrontMatter:
    """Return the cover and contents templates of `style` (HouseStyle.furnished: a text in
    English alone has English ones) in place of the reference's `front`: its cover lines in
    their Word styles, its contents heading where the reference has one."""
    from policygen.style.docx import WORD_STYLES

    cover = tuple((WORD_STYLES[line.role], line.text) for line in style.cover)
    toc = (TOC_HEADING_STYLE, style.contents.heading) if front.toc_heading is not None else None
    return FrontMatter(cover, toc)


def fill_header(document: DocxDocument, values: Values) -> None:
    """Replace the placeholders in the body section's header by `values`, and remove a
    header paragraph one of whose placeholders is empty (the reference has one line for a
    regulation and one for a contract); the header keeps at least one paragraph."""
    header = oxml.last_section(document).header
    for paragraph in header.paragraphs:
        text = paragraph.text
        if "{" not in text or not paragraph.runs:
            continue
        lines = fill(text, values)
        if not lines and len(header.paragraphs) > 1:
            oxml.remove_paragraph(paragraph)
            continue
        paragraph.runs[0].text = lines[0] if lines else ""
        for run in paragraph.runs[1:]:
            run.text = ""


def number_pages(document: DocxDocument, numbering: str, pages: int | None) -> None:
    """Number the body section's pages as the house style's ``footer.numbering`` says: with
    ``body``, from 1, the footer's count being the body's (``SECTIONPAGES``) and showing
    `pages` (the body pages of the PDF layout; None: no layout, the count the reference shows)
    until the reader updates it; with ``all``, on from the cover, counting every page
    (``NUMPAGES``)."""
    if numbering != "body":
        return
    section = oxml.last_section(document)
    oxml.set_page_number_start(section, 1)
    shown = None if pages is None else str(pages)
    oxml.set_field_instruction(section.footer.paragraphs, "NUMPAGES", "SECTIONPAGES", shown)


def set_properties(document: DocxDocument, doc: n.Document) -> None:
    """Fill `document`'s core and extended properties from `doc` (no clock, no user name)."""
    meta = doc.meta
    stamp = datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=UTC)
    properties = document.core_properties
    texts = {
        "title": doc.title,
        "subject": meta.subject,
        "keywords": _KEYWORD_SEPARATOR.join(document_keywords(meta)),
        "author": meta.organisation,
        "last_modified_by": meta.organisation,
        "identifier": meta.number,
        "version": meta.version,
        "language": "zh-CN",
        "comments": "",
        "category": "",
    }
    for name, value in texts.items():
        setattr(properties, name, value[:_CORE_PROPERTY_MAX])
    if not meta.version:  # a contract has none, rather than an empty one
        oxml.remove_core_property(document, "version")
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp
    oxml.set_company(document, meta.organisation)
