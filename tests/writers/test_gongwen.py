"""The 公文 house style (``meta.style: gongwen``, GB/T 9704-2012): 仿宋 三号 on a grid of 22
lines of 28 characters, in the DOCX (gongwen.docx) and in the PDF (the CSS made from gongwen.style.yaml)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from ruamel.yaml import YAML

import policygen
from libreoffice import convert_one, needs_libreoffice
from policygen.profile.model import Profile

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
FANGSONG = {"仿宋", "FangSong", "仿宋_GB2312", "FangSong_GB2312"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
FOOTER = re.compile(r"^\s*—\s*\d+\s*—\s*$")


def pdf_pages(pdf: Path) -> list[list[str]]:
    """Return the text lines of each page of `pdf`, blank lines and the page number left out."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [line for line in page.splitlines() if line.strip() and not FOOTER.match(line)]
        for page in text.split("\f")[:-1]
    ]


@pytest.fixture(scope="module")
def profile() -> Profile:
    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["meta"]["style"] = "gongwen"
    return policygen.load_profile(data)


@pytest.fixture(scope="module")
def document(profile: Profile) -> docx.document.Document:
    return docx.Document(BytesIO(policygen.render(profile, "regulation", "docx")))


def test_docx_body_is_fangsong_16pt(document: docx.document.Document) -> None:
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) in FANGSONG
    article = document.styles["Article"]
    assert article.font.size in (None, Pt(16))
    own = article.element.rPr.rFonts if article.element.rPr is not None else None
    assert own is None or own.get(qn("w:eastAsia")) in FANGSONG  # else Normal's 仿宋


def test_docx_headings_follow_gongwen(document: docx.document.Document) -> None:
    def east_asia(name: str) -> str | None:
        return document.styles[name].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert document.styles["Title"].font.size == Pt(22)
    assert "小标宋" in (east_asia("Title") or "")
    assert east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体"
    assert document.styles["Heading 1"].font.size == Pt(16)


def test_docx_grid_holds_22_lines_of_28_characters(document: docx.document.Document) -> None:
    section = document.sections[-1]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid is not None and grid.get(qn("w:type")) == "lines"
    line_pitch = int(grid.get(qn("w:linePitch")))
    spacing = document.styles["Normal"].element.rPr.find(qn("w:spacing"))
    char_pitch = 16 * 20 + int(spacing.get(qn("w:val")))  # twips
    width = Length(section.page_width - section.left_margin - section.right_margin)
    height = Length(section.page_height - section.top_margin - section.bottom_margin)
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx((210, 297), abs=0.1)
    assert (width.mm, height.mm) == pytest.approx((156, 225), abs=0.1)
    assert (section.top_margin.mm, section.left_margin.mm) == pytest.approx((37, 28), abs=0.1)
    assert int(width.twips // char_pitch) == 28
    assert int(height.twips // line_pitch) == 22


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_sets_22_lines_of_28_characters(profile: Profile, tmp_path: Path) -> None:
    """The DOCX as LibreOffice lays it out: full body pages of 22 lines, lines of 28 characters
    (a character grid, which it draws in square cells, would give 16)."""
    source = tmp_path / "regulation.docx"
    source.write_bytes(policygen.render(profile, "regulation", "docx"))
    pages = pdf_pages(convert_one(source, "pdf"))
    widths = [len(CJK.findall(line)) for page in pages for line in page]
    assert max(widths) == 28
    assert widths.count(28) > len(pages) * 2  # full lines; the rest begin or end a paragraph
    lines = [len(page) for page in pages[3:-1]]
    assert Counter(lines).most_common(1)[0][0] in (21, 22), lines
    assert lines.count(22) >= len(lines) // 5, lines


def test_default_style_is_unchanged() -> None:
    document = docx.Document(BytesIO(policygen.render(BANK, "regulation", "docx")))
    assert document.styles["Normal"].font.size == Pt(12)
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert document.sections[-1]._sectPr.find(qn("w:docGrid")).get(qn("w:type")) is None


def test_pdf_pages_hold_22_lines_of_at_most_28_characters(profile: Profile, tmp_path: Path) -> None:
    """The WeasyPrint PDF (Typst's: test_pdf_typst.test_gongwen_sets_22_lines_…)."""
    pdf = tmp_path / "regulation.pdf"
    pdf.write_bytes(policygen.render(profile, "regulation", "pdf", pdf_engine="weasyprint"))
    pages = pdf_pages(pdf)
    assert len(pages) > 5
    counts = []
    for lines in pages:
        assert max(len(CJK.findall(line)) for line in lines) <= 28
        counts.append(len(lines))
    widest = max(len(CJK.findall(line)) for lines in pages for line in lines)
    assert widest == 28
    # A full page of body text has 22 lines; a page with a table has more (its rows are set
    # in 12 pt, off the grid, and pdftotext splits cells), one ending before a heading or a
    # paragraph kept whole fewer. Which of the last two is commoner depends on the text.
    full = counts[:-1]
    assert Counter(full).most_common(1)[0][0] in (21, 22), counts
    assert full.count(22) >= len(full) // 5, counts
    assert not [c for c in full if c in (23, 24)], counts
