"""English typography (issue 24): English set in the house style's Latin serif in both PDF
engines, never hyphenated, and never holding CJK punctuation."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policygen.bilingual import english_kinds
from policygen.fonts import LATIN_ROLE, resolve_role
from policygen.layout.engine import Engines
from policygen.pipeline import build_document, jobs, render_job
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.tree.walk import document_texts, walk

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("bank", "manufacturer", "securities")
CJK_LETTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
CJK_PUNCTUATION = re.compile(r"[，。；：、（）“”‘’《》〔〕【】！？　…—]")
"""Full-width punctuation no English sentence holds (“” and ‘’ are the Latin quotes too, but
the en_* filters print straight ones)."""


@pytest.fixture(scope="module")
def bank() -> Profile:
    return load_profile(ROOT / "examples" / "bank.yaml")


def _texts(doc: n.Document) -> list[str]:
    """Return the text of every paragraph and table cell of `doc`."""
    out = []
    for node, _ in walk(doc.blocks):
        match node:
            case n.Paragraph(inlines=inlines):
                out.append(inline_text(inlines))
            case n.Table(header=header, rows=rows):
                out += [inline_text(cell.inlines) for row in (*header, *rows) for cell in row]
    return out


@pytest.mark.parametrize("example", EXAMPLES)
def test_english_paragraphs_hold_no_cjk_punctuation(example: str) -> None:
    """Every paragraph and cell of every English document of every example that holds no
    Chinese letter (a name, an address, a law's Chinese title) holds no CJK punctuation."""
    profile = load_profile(ROOT / "examples" / f"{example}.yaml")
    checked = 0
    for job in [j for j in jobs(profile, lang="en") if j.lang == "en"]:
        assert job.kind.name in english_kinds()
        for text in _texts(build_document(profile, job)):
            if not CJK_LETTER.search(text):
                assert not CJK_PUNCTUATION.search(text), (job.stem, text)
                checked += 1
    assert checked > 200


def _pdffonts(pdf: bytes, folder: Path) -> str:
    path = folder / "english.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def _pdftext(pdf: bytes, folder: Path) -> str:
    path = folder / "english.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")
@pytest.mark.skipif(resolve_role(LATIN_ROLE) is None, reason="needs fonts-liberation2")
@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_an_english_contract_is_set_in_the_latin_serif_and_never_hyphenated(
    bank: Profile, engines: Engines, engine: str, tmp_path: Path
) -> None:
    (job,) = [j for j in jobs(bank, ["nda"], lang="en") if j.stem.endswith("001-en")]
    (pdf,) = render_job(bank, job, ["pdf"], engines=engines, pdf_engine=engine).values()
    fonts = _pdffonts(pdf, tmp_path)
    assert re.search(r"LiberationSerif|Liberation-Serif", fonts), fonts
    text = _pdftext(pdf, tmp_path)
    # The page furniture in English (the style file's english section).
    assert re.search(r"Page 2 of \d+", text) and "Date of signing: 15 January 2027" in text
    assert (
        "Confidentiality Agreement\u2003Contract No.: MY-ITO-2026-001"
        in text.replace("   ", "\u2003")
        or "Contract No.: MY-ITO-2026-001" in text
    )
    assert not re.search(r"第 \d+ 页|合同编号|签订日期", text)
    words = re.findall(r"[A-Za-z]{3,}", text)
    assert len(words) > 500
    # A line ending in a word and a hyphen is a hyphen of the text, never one of hyphenation.
    written = " ".join(text for text, _ in document_texts(build_document(bank, job)))
    for head, tail in re.findall(r"([A-Za-z]+)-\s*\n\s*([a-z]+)", text):
        assert f"{head}-{tail}" in written, (head, tail)
    # The Chinese text alone keeps its CJK faces' Latin letters.
    (zh_job,) = [j for j in jobs(bank, ["nda"]) if j.stem.endswith("001")]
    (chinese,) = render_job(bank, zh_job, ["pdf"], engines=engines, pdf_engine=engine).values()
    assert "Liberation" not in _pdffonts(chinese, tmp_path)


def test_an_english_docx_has_english_furniture_and_a_bilingual_one_chinese(
    bank: Profile, engines: Engines
) -> None:
    import io

    import docx

    def opened(lang: str) -> docx.document.Document:
        (job,) = [j for j in jobs(bank, ["nda"], lang=lang) if j.stem.endswith(f"001-{lang}")]
        (data,) = render_job(bank, job, ["docx"], engines=engines).values()
        return docx.Document(io.BytesIO(data))

    english = opened("en")
    cover = [p.text.replace("\u2060", "") for p in english.paragraphs[:8]]
    assert "Date of signing: 15 January 2027" in cover  # its number is in the subtitle
    assert "Party A: 明远商业银行股份有限公司" in cover  # the registered name as registered
    section = english.sections[-1]
    assert [p.text for p in section.header.paragraphs] == [
        "Confidentiality Agreement\u2003Contract No.: MY-ITO-2026-001"
    ]
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("Page ") and " of " in footer.text
    assert re.findall(r"<w:instrText[^>]*>\s*(\w+)", footer._p.xml) == ["PAGE", "NUMPAGES"]
    both = opened("zh+en")
    cover = [p.text.replace("\u2060", "") for p in both.paragraphs[:8]]
    assert any(line.startswith("签订日期：") for line in cover)
    assert "Confidentiality Agreement" in cover  # the English title under the Chinese
    assert both.sections[-1].footer.paragraphs[0].text.startswith("第 ")
