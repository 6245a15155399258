"""The DOCX, converted by LibreOffice, lands within one page of the PDF: every kind, in both
bundled styles, from the bank's example (the manufacturer's for a kind the bank has not, the
safety agreement), and from the minimal sample profile, against the PDF of either engine; its
cover and contents page are the PDF's.

All the DOCX are converted in one ``soffice`` call (tests/libreoffice.py: a private user
profile, tests/fonts.conf). Skipped only when LibreOffice is not installed."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

import policygen
from libreoffice import convert, needs_libreoffice
from policygen.api import as_profile
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import jobs
from sample_profiles import MINIMAL

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
MANUFACTURER = ROOT / "examples" / "manufacturer.yaml"
ENGINES = ("weasyprint", "typst")

pytestmark = [pytest.mark.slow, needs_libreoffice]


@dataclass(frozen=True)
class Case:
    """One document to render and convert."""

    name: str
    source: Any
    kind: str
    contract_no: str | None
    style: str


def _first_jobs(source: Any) -> dict[str, str | None]:
    """Return the kinds `source` renders, each with its first engagement's contract number."""
    out: dict[str, str | None] = {}
    for job in jobs(as_profile(source)):
        out.setdefault(job.kind.name, job.engagement.contract_no if job.engagement else None)
    return out


def _cases() -> list[Case]:
    cases = []
    examples = {BANK: _first_jobs(BANK), MANUFACTURER: _first_jobs(MANUFACTURER)}
    for style in ("default", "gongwen"):
        for kind in DOCUMENT_KINDS:
            source = next(path for path, kinds in examples.items() if kind in kinds)
            number = examples[source][kind]
            cases.append(Case(f"{source.stem}-{kind}-{style}", source, kind, number, style))
    for kind, number in _first_jobs(MINIMAL).items():
        cases.append(Case(f"minimal-{kind}-default", MINIMAL, kind, number, "default"))
    return cases


CASES = _cases()


@dataclass(frozen=True)
class Converted:
    """The page counts of every case: LibreOffice's, and each engine's PDF's."""

    folder: Path
    libreoffice: dict[str, int]
    pdf: dict[tuple[str, str], int]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    folder = tmp_path_factory.mktemp("lo-pages")
    sources = []
    pdf: dict[tuple[str, str], int] = {}
    for case in CASES:
        common = {"contract_no": case.contract_no, "style": case.style}
        path = folder / f"{case.name}.docx"
        path.write_bytes(policygen.render(case.source, case.kind, "docx", **common))
        sources.append(path)
        for engine in ENGINES:
            data = policygen.render(case.source, case.kind, "pdf", pdf_engine=engine, **common)
            pdf[(case.name, engine)] = len(PdfReader(io.BytesIO(data)).pages)
            if case.name == "bank-regulation-default":  # for the side-by-side test
                (folder / f"regulation-{engine}.pdf").write_bytes(data)
                docx = policygen.render(case.source, case.kind, "docx", pdf_engine=engine)
                (folder / f"regulation-{engine}-docx.docx").write_bytes(docx)
                sources.append(folder / f"regulation-{engine}-docx.docx")
    convert(sources, "pdf", folder, tmp_path_factory.mktemp("lo-profile"))
    pages = {case.name: len(PdfReader(folder / f"{case.name}.pdf").pages) for case in CASES}
    return Converted(folder, pages, pdf)


def test_every_kind_and_style_is_converted() -> None:
    kinds = {(case.kind, case.style) for case in CASES if case.source in (BANK, MANUFACTURER)}
    assert kinds == {(kind, style) for kind in DOCUMENT_KINDS for style in ("default", "gongwen")}
    assert len({case.kind for case in CASES if case.source is MINIMAL}) >= 5


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_libreoffice_lands_within_one_page_of_the_pdf(
    converted: Converted, case: Case, engine: str
) -> None:
    lo, printed = converted.libreoffice[case.name], converted.pdf[(case.name, engine)]
    assert abs(lo - printed) <= 1, (case.name, engine, lo, printed)


def _text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return re.sub(r"\.{3,}", "…", re.sub(r"[\s\u3000]", "", out))  # leaders of any length


@pytest.mark.parametrize("engine", ENGINES)
def test_cover_and_contents_read_as_the_pdfs(converted: Converted, engine: str) -> None:
    """The regulation's first two pages, cover and 目录, read the same in LibreOffice's
    conversion of the DOCX and in the PDF of the engine that paged the DOCX, page numbers
    included."""
    docx_pdf = converted.folder / f"regulation-{engine}-docx.pdf"
    printed = converted.folder / f"regulation-{engine}.pdf"
    for page in (1, 2):
        assert _text(docx_pdf, page) == _text(printed, page), page
    assert "目录" in _text(printed, 2)
