"""Text extraction from rendered DOCX and PDF, for comparing formats the way a reader would."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import docx.document
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

WORD_JOINER = "\u2060"
"""Invisible: the DOCX puts it between the characters no line may break between."""
_FOOTER = re.compile(r"—\s*\d+\s*—|第\s*\d+\s*页\s*共\s*\d+\s*页")
_SPACE = re.compile(r"\s+")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CHINESE_DIGITS = "一二三四五六七八九"


def _chinese(n: int) -> str:
    """Return 1 … 99 the way Word's chineseCounting writes them (十一, 二十, 二十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_DIGITS[tens - 1] + "十")
    return head + (_CHINESE_DIGITS[ones - 1] if ones else "")


def _format(value: int, fmt: str) -> str:
    if fmt == "chineseCounting" and value < 100:
        return _chinese(value)
    if fmt == "decimalEnclosedCircle" and value <= 20:
        return chr(0x2460 + value - 1)
    return str(value)


class _WordNumbers:
    """The list numbers Word shows, computed from numbering.xml and the styles, paragraph by
    paragraph (independently of the writer's own bookkeeping): counters per list definition,
    shared by its instances; an instance's start override restarts its level on first use; each
    instance shows the levels it overrides (``w:lvlOverride/w:lvl``) its own way."""

    def __init__(self, document: docx.document.Document) -> None:
        root = document.part.numbering_part.element
        abstracts: dict[int, dict[int, etree._Element]] = {}
        for abstract in root.iter(f"{_W}abstractNum"):
            abstracts[int(abstract.get(f"{_W}abstractNumId"))] = {
                int(lvl.get(f"{_W}ilvl")): lvl for lvl in abstract.iter(f"{_W}lvl")
            }
        self.nums: dict[int, tuple[int, dict[int, int]]] = {}
        self.levels: dict[int, dict[int, etree._Element]] = {}
        for num in root.iter(f"{_W}num"):
            abstract = int(num.find(f"{_W}abstractNumId").get(f"{_W}val"))
            overrides = {int(o.get(f"{_W}ilvl")): o for o in num.iter(f"{_W}lvlOverride")}
            starts = {
                level: int(o.find(f"{_W}startOverride").get(f"{_W}val"))
                for level, o in overrides.items()
                if o.find(f"{_W}startOverride") is not None
            }
            num_id = int(num.get(f"{_W}numId"))
            self.nums[num_id] = (abstract, starts)
            self.levels[num_id] = {
                **abstracts[abstract],
                **{level: o.find(f"{_W}lvl") for level, o in overrides.items()
                   if o.find(f"{_W}lvl") is not None},
            }  # fmt: skip
        self.counters: dict[int, list[int | None]] = {}
        self.started: set[tuple[int, int]] = set()

    @staticmethod
    def num_pr(paragraph: Paragraph) -> tuple[int, int] | None:
        """Return the paragraph's (numId, ilvl), from itself or its style chain."""
        found = paragraph._p.find(f"{_W}pPr/{_W}numPr")
        style = paragraph.style
        while found is None and style is not None:
            found = style.element.find(f"{_W}pPr/{_W}numPr")
            style = style.base_style
        if found is None or found.find(f"{_W}numId") is None:
            return None
        num_id = int(found.find(f"{_W}numId").get(f"{_W}val"))
        ilvl = found.find(f"{_W}ilvl")
        return (num_id, 0 if ilvl is None else int(ilvl.get(f"{_W}val"))) if num_id else None

    def label(self, paragraph: Paragraph) -> str:
        """Count `paragraph` and return its list number ("" for none or a bullet)."""
        found = self.num_pr(paragraph)
        if found is None or found[0] not in self.nums:
            return ""
        num_id, level = found
        abstract, starts = self.nums[num_id]
        levels = self.levels[num_id]
        counters = self.counters.setdefault(abstract, [None] * 9)
        start = int(levels[level].find(f"{_W}start").get(f"{_W}val"))
        if (num_id, level) not in self.started and level in starts:
            counters[level] = starts[level]
        else:
            counters[level] = start if counters[level] is None else counters[level] + 1
        self.started.add((num_id, level))
        counters[level + 1 :] = [None] * (8 - level)
        lvl = levels[level]
        fmt = lvl.find(f"{_W}numFmt").get(f"{_W}val")
        if fmt == "bullet":
            return ""
        legal = lvl.find(f"{_W}isLgl") is not None

        def value(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            shown = levels[index].find(f"{_W}numFmt").get(f"{_W}val")
            return _format(counters[index] or 0, "decimal" if legal else shown)

        return re.sub(r"%(\d)", value, lvl.find(f"{_W}lvlText").get(f"{_W}val"))


def docx_lines(data: bytes) -> list[str]:
    """Return the DOCX body as lines in reading order, each paragraph opened by the list number
    Word shows for it; data tables give a line per row ('a | b'), layout tables (a signature
    page) a line per paragraph. The cover and contents pages (the sections before the last)
    are left out, and so are the invisible word joiners that keep a run on one line."""
    document = docx.Document(BytesIO(data))
    numbers = _WordNumbers(document)
    items = list(document.iter_inner_content())
    breaks = [
        index
        for index, item in enumerate(items)
        if isinstance(item, Paragraph) and item._p.find(f"{_W}pPr/{_W}sectPr") is not None
    ]
    lines: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, Paragraph):
            text = numbers.label(item) + item.text
            if breaks and index <= breaks[-1]:
                continue
            lines.extend(part for part in text.split("\n") if part.strip())
        elif isinstance(item, Table):
            if item.style is None or item.style.name == "Normal Table":
                for row in item.rows:
                    for cell in row.cells:
                        lines += [p.text for p in cell.paragraphs if p.text.strip()]
                continue
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    text = "\n".join(p.text for p in cell.paragraphs)
                    if not cells or cells[-1] is not cell:
                        cells.append(text)
                lines.append(" | ".join(cells))
    return [line.replace(WORD_JOINER, "") for line in lines]


def pdf_text(data: bytes, tmp: Path) -> str:
    """Return the PDF's text as pdftotext reads it (layout order), pages separated by form feeds."""
    assert shutil.which("pdftotext"), "poppler-utils is required (make test installs it)"
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def without_running_header(text: str, title: str) -> str:
    """Return `text` (a PDF's, as pdftotext reads it) without the running header atop its
    pages: each line that is the document's `title` followed by a full-width space and more
    (``标题　V1.0``, ``标题　合同编号：…``), also right after a page's form feed; the title
    line itself stays."""
    header = re.compile(rf"(?:^|(?<=\f)){re.escape(title)}[\u3000 ]+\S.*\n?", re.MULTILINE)
    return header.sub("", text)


def visible(text: str) -> str:
    """Return `text` without the word joiners a DOCX keeps runs on one line with."""
    return text.replace(WORD_JOINER, "")


def squeeze(text: str) -> str:
    """Return `text` without whitespace, word joiners and page-number footers, for
    order-preserving matching."""
    return _SPACE.sub("", _FOOTER.sub("", text)).replace(WORD_JOINER, "")


def in_order(lines: list[str], haystack: str) -> list[str]:
    """Return the `lines` (each squeezed; table rows by cell) not found in `haystack` in order."""
    missing: list[str] = []
    position = 0
    for line in lines:
        for piece in line.split(" | "):
            needle = squeeze(piece)
            if not needle:
                continue
            found = haystack.find(needle, position)
            if found < 0:
                missing.append(piece)
            else:
                position = found + len(needle)
    return missing


def embedded_fonts(pages: Iterable[Any]) -> dict[str, list[str]]:
    """Return each font the PDF `pages` (pypdf) use, by base name, with the keys of its
    embedded font files (``/FontFile2``…; empty when the font is not embedded)."""
    embedded: dict[str, list[str]] = {}
    for page in pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                files = [key for key in descriptor if key.startswith("/FontFile")]
                embedded[str(font["/BaseFont"])] = files
    return embedded
