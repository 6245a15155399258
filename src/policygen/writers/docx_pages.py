"""Lay out a DOCX around its body: cover, contents page, header, page numbers, properties.

Input: the house-style reference.docx as python-docx opened it, and the Document tree. Output:
the same python-docx document with a cover section (and, for a regulation, a contents section)
before the body, and the header's placeholders filled in.

The words and their look are the reference's, not this module's: the paragraphs of the
reference's body in ``Cover …`` styles are the cover's template and its first ``TOC Heading``
paragraph is the contents page's heading (tools/make_reference_docx.py writes them). In a
template line, ``{title}``, ``{subtitle}``, ``{doc_no}``, ``{organisation}``, ``{version}`` and
``{date}`` are replaced by the document's; a line with ``{role}`` or ``{name}`` is repeated for
each signing party; a line whose placeholders are all empty is left out.

The cover and contents sections have no header or footer. The body section has the
reference's header and footer (第 X 页 共 Y 页). When a contents page lists body page numbers,
the body's pages are numbered from 1 and the footer's page count becomes ``SECTIONPAGES``,
showing the page count of the PDF layout until the reader updates it; otherwise the cover is
page 1 and the count stays ``NUMPAGES``. Core and extended properties (title, subject,
keywords, version, company…) come from the document's meta, never from the clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

from policygen.templating.filters import cn_date
from policygen.tree import nodes as n
from policygen.writers import docx_oxml
from policygen.writers.docx_styles import StyleTable

COVER_STYLE_PREFIX = "Cover "
"""Reference paragraphs in styles named so are the cover template."""
TOC_HEADING_STYLE = "TOC Heading"
"""The reference paragraph in this style is the contents page's heading."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_KEYWORD_SEPARATOR = "; "
_CORE_PROPERTY_MAX = 255
"""python-docx refuses longer core-property strings."""
_PARTY_FIELDS = ("role", "name")

Values = dict[str, str | tuple[str, ...]]


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
        style = styles.name_of(docx_oxml.paragraph_style_id(paragraph))
        if style.startswith(COVER_STYLE_PREFIX):
            cover.append((style, docx_oxml.paragraph_text(paragraph)))
        elif style == TOC_HEADING_STYLE and toc_heading is None:
            toc_heading = (style, docx_oxml.paragraph_text(paragraph))
    return FrontMatter(tuple(cover), toc_heading)


def document_values(doc: n.Document) -> Values:
    """Return what the cover and header placeholders stand for in `doc`."""
    meta = doc.meta
    parties = next(
        (block.parties for block in doc.blocks if isinstance(block, n.SignatureBlock)), ()
    )
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "doc_no": "" if meta.doc_no and meta.doc_no in doc.subtitle else meta.doc_no,
        "organisation": "" if parties else meta.organisation,
        "version": meta.version,
        "date": cn_date(meta.date),
        "role": tuple(party.role for party in parties),
        "name": tuple(party.name for party in parties),
    }


def fill(template: str, values: Values) -> list[str]:
    """Return the lines `template` gives with `values`: none when all its placeholders are
    empty, one per party when it names a party field; unknown placeholders stay as typed."""
    names = [name for name in _PLACEHOLDER.findall(template) if name in values]
    if not names:
        return [template]
    repeats = max((len(v) for k, v in values.items() if k in names and isinstance(v, tuple)),
                  default=1)  # fmt: skip
    lines = []
    for index in range(repeats):

        def value(name: str, index: int = index) -> str:
            found = values[name]
            if isinstance(found, tuple):
                return found[index] if index < len(found) else ""
            return found

        if not any(value(name) for name in names):
            continue
        lines.append(
            _PLACEHOLDER.sub(
                lambda match: value(match.group(1)) if match.group(1) in values else match.group(0),
                template,
            )
        )
    return lines


def add_cover(document: DocxDocument, front: FrontMatter, values: Values) -> None:
    """Add the cover page and end its section; no cover template adds nothing."""
    last = None
    styles = StyleTable(document)
    for style, template in front.cover:
        for line in fill(template, values):
            last = docx_oxml.add_body_paragraph(document, styles.id(style))
            if line:  # as document.add_paragraph(line, style)
                docx_oxml.add_text_run(last, line)
    if last is not None:
        docx_oxml.end_section(last, document)


def add_contents_page(document: DocxDocument, front: FrontMatter) -> Paragraph:
    """Add the contents heading and the paragraph that ends the contents section; return that
    paragraph, before which the entries go."""
    if front.toc_heading is not None:
        style, text = front.toc_heading
        document.add_paragraph(text, style)
    end = document.add_paragraph()
    docx_oxml.end_section(end, document)
    return end


def fill_header(document: DocxDocument, values: Values) -> None:
    """Replace the placeholders in the body section's header by `values`."""
    for paragraph in docx_oxml.last_section(document).header.paragraphs:
        text = paragraph.text
        if "{" not in text or not paragraph.runs:
            continue
        lines = fill(text, values)
        paragraph.runs[0].text = lines[0] if lines else ""
        for run in paragraph.runs[1:]:
            run.text = ""


def number_body_from_one(document: DocxDocument, pages: int) -> None:
    """Number the body section's pages from 1 and count only them (``SECTIONPAGES``), showing
    `pages` until the reader updates the count."""
    section = docx_oxml.last_section(document)
    docx_oxml.set_page_number_start(section, 1)
    docx_oxml.set_field_instruction(
        section.footer.paragraphs, "NUMPAGES", "SECTIONPAGES", str(pages)
    )


def set_properties(document: DocxDocument, doc: n.Document) -> None:
    """Fill `document`'s core and extended properties from `doc` (no clock, no user name)."""
    meta = doc.meta
    stamp = datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=UTC)
    properties = document.core_properties
    texts = {
        "title": doc.title,
        "subject": meta.subject,
        "keywords": _KEYWORD_SEPARATOR.join(meta.keywords),
        "author": meta.organisation,
        "last_modified_by": meta.organisation,
        "identifier": meta.doc_no,
        "version": meta.version,
        "language": "zh-CN",
        "comments": "",
        "category": "",
    }
    for name, value in texts.items():
        setattr(properties, name, value[:_CORE_PROPERTY_MAX])
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp
    docx_oxml.set_company(document, meta.organisation)
