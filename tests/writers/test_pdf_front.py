"""The PDF is the DOCX printed: cover, contents page (目录) with the DOCX's page numbers,
header and footer, bookmarks for every chapter and article, and the same document properties,
in both PDF engines and both bundled styles.

Read as a reader reads them: the PDFs' text page by page and their outline with pypdf, the
DOCX's contents entries and core properties with python-docx."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

import policygen
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile
from policygen.style import bundled_style
from policygen.tree import nodes as n
from policygen.writers import front
from textutil import visible

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-001"
ENGINES = ("weasyprint", "typst")
STYLES = ("default", "gongwen")
CONTENTS_KINDS = [name for name, kind in DOCUMENT_KINDS.items() if kind.contents]


def _contract_no(kind: str) -> str | None:
    return CONTRACT_NO if DOCUMENT_KINDS[kind].per_engagement else None


@cache
def rendered(kind: str, fmt: str, engine: str, style: str | Path = "default") -> bytes:
    """Return the bank's document of `kind` in `fmt`, printed (and, for a DOCX with contents,
    paged) by `engine` in `style` (a bundled style's name or a style file)."""
    return policygen.render(
        BANK, kind, fmt, contract_no=_contract_no(kind), pdf_engine=engine, style=style
    )


@cache
def tree(kind: str) -> n.Document:
    """Return the bank's document of `kind` as a tree."""
    profile = load_profile(BANK)
    job = next(
        job
        for job in jobs(profile, [kind])
        if job.engagement is None or job.engagement.contract_no == CONTRACT_NO
    )
    return build_document(profile, job)


def squeezed(text: str) -> str:
    """Return `text` without any whitespace (pypdf breaks Typst's label and title apart)."""
    return re.sub(r"[\s\u3000]", "", text)


def page_texts(pdf: bytes) -> list[str]:
    """Return the squeezed text of each page of `pdf`."""
    return [squeezed(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def footer_numbers(pages: list[str], style: str, footer: str | None = None) -> list[int | None]:
    """Return the page number each page's footer prints (None: no footer), read with the house
    style's footer words (`footer`, else the bundled `style`'s), and check the count they print
    is the same on every page."""
    words = re.escape(squeezed(footer or bundled_style(style).footer.text))
    words = words.replace(r"\{page\}", r"(\d+)").replace(r"\{pages\}", r"(?P<count>\d+)")
    out: list[int | None] = []
    counts = set()
    for text in pages:
        found = list(re.finditer(words + "$", text))
        out.append(int(found[-1].group(1)) if found else None)
        if found and "count" in found[-1].groupdict() and found[-1].group("count"):
            counts.add(int(found[-1].group("count")))
    assert len(counts) <= 1, counts
    return out


def docx_contents(data: bytes) -> list[tuple[str, int]]:
    """Return the DOCX's contents entries: (heading text, page number)."""
    document = docx.Document(io.BytesIO(data))
    entries = []
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("toc "):
            text, _, page = paragraph.text.rpartition("\t")
            entries.append((squeezed(text), int(page)))
    return entries


# --------------------------------------------------------------------------- 目录


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", CONTENTS_KINDS)
def test_docx_contents_hold_the_pdf_pages(kind: str, style: str, engine: str) -> None:
    """Every entry of the DOCX's 目录 names the page whose footer the PDF prints where the
    heading is printed; the PDF's own 目录 lists the same entries and pages."""
    entries = docx_contents(rendered(kind, "docx", engine, style))
    expected = [squeezed(entry.text) for entry in front.contents_entries(tree(kind))]
    assert [text for text, _ in entries] == expected and len(entries) >= 10
    pages = page_texts(rendered(kind, "pdf", engine, style))
    numbers = footer_numbers(pages, style)
    body = next(i for i, number in enumerate(numbers) if number is not None)
    assert body == 2, numbers  # the cover and the contents page have no footer
    for text, page in entries:
        printed = numbers.index(page)
        first = next(i for i in range(body, len(pages)) if text in pages[i])
        assert first == printed, (text, page, numbers[first])
    listed = re.findall(r"(\D+?)\.{3,}(\d+)", "".join(pages[1:body]))
    heading = squeezed(bundled_style(style).contents.heading)
    assert pages[1].startswith(heading)
    listed[0] = (listed[0][0].removeprefix(heading), listed[0][1])
    assert [(text, int(page)) for text, page in listed] == entries


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", ["regulation", "contract", "scorecard"])
def test_cover_header_and_footer_as_in_the_docx(kind: str, style: str, engine: str) -> None:
    """The PDF's first page is the DOCX's cover, line for line, with neither header nor
    footer; the body's pages carry the DOCX's header and number every page from the cover
    (footer.numbering: all), counting them all."""
    document = docx.Document(io.BytesIO(rendered(kind, "docx", engine, style)))
    cover = [visible(p.text) for p in document.paragraphs if p.style.name.startswith("Cover ")]
    pages = page_texts(rendered(kind, "pdf", engine, style))
    assert pages[0] == squeezed("".join(cover))
    numbers = footer_numbers(pages, style)
    front_pages = 1 + DOCUMENT_KINDS[kind].contents
    assert numbers[:front_pages] == [None] * front_pages
    assert numbers[front_pages:] == list(range(front_pages + 1, len(pages) + 1))
    if "{pages}" in bundled_style(style).footer.text:
        assert f"共{len(pages)}页" in pages[-1]
    header = [visible(p.text) for p in document.sections[-1].header.paragraphs if p.text]
    assert bool(header) == bool(bundled_style(style).header.lines)
    for text in pages[front_pages:]:
        assert squeezed("".join(header)) in text


BODY_NUMBERED = """\
based_on: default
name: body-numbered
description: 正文从第 1 页起编页码，无封面时亦然
footer: {numbering: body}
"""


@pytest.fixture(scope="module")
def body_numbered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("styles") / "body-numbered.style.yaml"
    path.write_text(BODY_NUMBERED, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_a_style_numbering_the_body_from_one(body_numbered: Path, engine: str) -> None:
    """With footer.numbering: body both PDFs number the body's pages from 1 and count only
    them, and the DOCX's 目录 lists those numbers."""
    entries = docx_contents(rendered("regulation", "docx", engine, body_numbered))
    pages = page_texts(rendered("regulation", "pdf", engine, body_numbered))
    numbers = footer_numbers(pages, "default")
    assert numbers == [None, None, *range(1, len(pages) - 1)]
    assert f"共{len(pages) - 2}页" in pages[-1]
    for text, page in entries:
        first = next(i for i in range(2, len(pages)) if text in pages[i])
        assert numbers[first] == page, (text, page)
    assert entries[0][1] == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_a_style_without_cover(tmp_path: Path, engine: str) -> None:
    """An organisation's style with no cover lines: neither the DOCX nor the PDFs have a
    cover, and the body starts on page 1."""
    path = tmp_path / "plain.style.yaml"
    path.write_text(
        "based_on: default\nname: plain\ndescription: 无封面\ncover: []\n", encoding="utf-8"
    )
    document = docx.Document(io.BytesIO(rendered("contract", "docx", engine, path)))
    assert len(document.sections) == 1
    assert not [p for p in document.paragraphs if p.style.name.startswith("Cover ")]
    pages = page_texts(rendered("contract", "pdf", engine, path))
    assert footer_numbers(pages, "default") == list(range(1, len(pages) + 1))
    assert pages[0].startswith(squeezed(document.sections[0].header.paragraphs[0].text))


# --------------------------------------------------------------------------- bookmarks


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """Return the PDF's bookmarks: (level, title, page index), in order."""
    reader = PdfReader(io.BytesIO(pdf))
    out: list[tuple[int, str, int]] = []

    def walk(items: list, level: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["regulation", "contract", "sla", "scorecard"])
def test_every_chapter_and_article_is_bookmarked(kind: str, engine: str) -> None:
    """The outline lists every chapter, article and heading (writers.front.bookmarks), at its
    level, and each points at the page where it is printed."""
    marks = outline(rendered(kind, "pdf", engine))
    expected = front.bookmarks(tree(kind))
    assert [(level, title) for level, title, _ in marks] == [
        (mark.level, mark.text) for mark in expected
    ]
    assert len(marks) >= 5
    pages = page_texts(rendered(kind, "pdf", engine))
    for _, title, page in marks:
        assert squeezed(title) in pages[page], (title, page)


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["regulation", "contract", "dpa"])
def test_document_properties_agree(kind: str, engine: str) -> None:
    """Title, author, subject, keywords and language: the DOCX's core properties are the
    PDF's document information and catalogue language."""
    properties = docx.Document(io.BytesIO(rendered(kind, "docx", engine))).core_properties
    reader = PdfReader(io.BytesIO(rendered(kind, "pdf", engine)))
    info = reader.metadata
    assert info is not None
    assert info.title == properties.title and properties.title
    assert info.author == properties.author and properties.author
    assert info.subject == properties.subject
    assert info["/Keywords"].split(", ") == properties.keywords.split("; ")
    assert reader.trailer["/Root"]["/Lang"] == properties.language == "zh-CN"
