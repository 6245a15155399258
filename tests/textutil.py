"""Text extraction from rendered DOCX and PDF, for comparing formats the way a reader would."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

_FOOTER = re.compile(r"—\s*\d+\s*—|第\s*\d+\s*页\s*共\s*\d+\s*页")
_SPACE = re.compile(r"\s+")


def docx_lines(data: bytes) -> list[str]:
    """Return the DOCX body as lines in reading order: paragraphs, and table rows as 'a | b'."""
    document = docx.Document(BytesIO(data))
    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text.strip():
                lines.extend(part for part in item.text.split("\n") if part.strip())
        elif isinstance(item, Table):
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    text = "\n".join(p.text for p in cell.paragraphs)
                    if not cells or cells[-1] is not cell:
                        cells.append(text)
                lines.append(" | ".join(cells))
    return lines


def pdf_text(data: bytes, tmp: Path) -> str:
    """Return the PDF's text as pdftotext reads it (layout order), pages separated by form feeds."""
    assert shutil.which("pdftotext"), "poppler-utils is required (make test installs it)"
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def squeeze(text: str) -> str:
    """Return `text` without whitespace and page-number footers, for order-preserving matching."""
    return _SPACE.sub("", _FOOTER.sub("", text))


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
