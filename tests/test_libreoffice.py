"""LibreOffice reads policygen's DOCX as Word would: well-formed, Chinese list numbering that it
counts itself (contract clauses 1.1 and their references 第1.1条 included, which LibreOffice 7
shows right although it ignores w:isLgl), pages where the PDF has them, and numbering that
follows an inserted article.

Each conversion runs ``soffice --headless`` with its own user profile and tests/fonts.conf
(宋体 → Noto Serif CJK SC, 黑体 → Noto Sans CJK SC), so it neither touches nor depends on the
user's LibreOffice settings. Skipped only when LibreOffice is not installed."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import docx
import pytest
from lxml import etree
from pypdf import PdfReader

import policygen
from libreoffice import convert, needs_libreoffice
from pdffaces import embedded_cjk_fonts, pdffonts
from policygen.fonts import match_family
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile
from policygen.style import bundled_style
from policygen.style.fontconfig import fontconfig
from policygen.templating.filters import cn_number
from policygen.tree import nodes as n
from textutil import in_order, squeeze

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
DOCUMENTS = {
    "regulation": ("regulation", None),
    "contract": ("contract", "MY-ITO-2026-001"),
    "sla": ("sla", "MY-ITO-2026-001"),
    "nda": ("nda", "MY-ITO-2026-001"),
    "dpa": ("dpa", "MY-ITO-2026-001"),
}
FRONT_PAGES = {"regulation": 2, "contract": 1, "sla": 1, "nda": 1, "dpa": 1}
"""Cover (and contents) pages before the body."""
CONTRACTS = ["contract", "sla", "nda", "dpa"]
"""The documents numbered in articles and clauses (第一条, 1.1, 1.1.1)."""
CLAUSE = r"\d+\.\d+(?:\.\d+)?"
CHINESE_CLAUSE = re.compile(r"(?<![\d.])[一二三四五六七八九十]+\.\d")
"""A clause number with the article's in Chinese (一.1, 第十一.9条): what LibreOffice 7 shows
for a level that relies on w:isLgl."""

pytestmark = [
    pytest.mark.slow,
    needs_libreoffice,
]


def lo_text(path: Path) -> str:
    """Return LibreOffice's text export without its BOM."""
    return path.read_text(encoding="utf-8-sig")


def pdf_pages(path: Path) -> list[str]:
    """Return the text of each page of the PDF at `path`."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


@dataclass(frozen=True)
class Converted:
    """The example documents as policygen writes them and as LibreOffice converts them."""

    folder: Path
    docx: dict[str, bytes]
    text_writer: dict[str, str]
    weasyprint_pages: dict[str, int]

    def text(self, name: str) -> str:
        return lo_text(self.folder / f"{name}.txt")

    def pdf(self, name: str) -> Path:
        return self.folder / f"{name}.pdf"


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    """Render the bank's regulation, first contract and SLA, and convert them with LibreOffice."""
    folder = tmp_path_factory.mktemp("lo-documents")
    written: dict[str, bytes] = {}
    texts: dict[str, str] = {}
    pages: dict[str, int] = {}
    for name, (kind, contract_no) in DOCUMENTS.items():
        written[name] = policygen.render(BANK, kind, "docx", contract_no=contract_no)
        texts[name] = policygen.render(BANK, kind, "txt", contract_no=contract_no).decode()
        pdf = policygen.render(BANK, kind, "pdf", contract_no=contract_no)
        pages[name] = len(PdfReader(BytesIO(pdf)).pages)
        (folder / f"{name}.docx").write_bytes(written[name])
    sources = [folder / f"{name}.docx" for name in DOCUMENTS]
    profile = tmp_path_factory.mktemp("lo-profile")
    convert(sources, "pdf", folder, profile)
    convert(sources, "txt:Text", folder, profile)
    return Converted(folder, written, texts, pages)


def xml_parts(data: bytes) -> Iterator[tuple[str, bytes]]:
    with ZipFile(BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                yield name, package.read(name)


# --------------------------------------------------------------------------- opening


def test_every_part_is_well_formed_xml(converted: Converted) -> None:
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    for name, data in converted.docx.items():
        parts = dict(xml_parts(data))
        assert {"[Content_Types].xml", "word/document.xml", "word/numbering.xml"} <= set(parts)
        for part, xml in parts.items():
            etree.fromstring(xml, parser=parser), (name, part)


def test_libreoffice_converts_every_document(converted: Converted) -> None:
    for name in DOCUMENTS:
        assert converted.pdf(name).stat().st_size > 10_000, name
        assert converted.text(name).strip(), name


# --------------------------------------------------------------------------- numbering


def labels(text: str, pattern: str) -> list[str]:
    """Return the list labels LibreOffice put at line starts that match `pattern`."""
    return re.findall(rf"^\s*({pattern}) ", text, flags=re.M)


def test_regulation_numbers_chapters_articles_and_items(converted: Converted) -> None:
    text = converted.text("regulation")
    chapters = labels(text, "第[一二三四五六七八九十]+章")
    articles = labels(text, "第[一二三四五六七八九十百]+条")
    doc = build_document(load_profile(BANK), jobs(load_profile(BANK), ["regulation"])[0])
    expected_chapters = [b for b in doc.blocks if isinstance(b, n.Chapter)]
    assert chapters == [f"第{cn_number(i)}章" for i in range(1, len(expected_chapters) + 1)]
    assert articles == [f"第{cn_number(i)}条" for i in range(1, len(articles) + 1)]
    assert {"第一条", "第十条", "第十一条", "第二十条"} <= set(articles)
    assert len(articles) == text_writer_count(converted.text_writer["regulation"], "条")
    items = labels(text, "（[一二三四五六七八九十]+）")
    expected_items = re.findall(
        r"^（[一二三四五六七八九十]+）", converted.text_writer["regulation"], re.M
    )
    assert items == expected_items and "（一）" in items


def text_writer_count(text: str, unit: str) -> int:
    return len(re.findall(rf"^第[一二三四五六七八九十百]+{unit}\u3000", text, flags=re.M))


@pytest.mark.parametrize("name", CONTRACTS)
def test_contract_numbers_articles_and_clauses(converted: Converted, name: str) -> None:
    text = converted.text(name)
    expected = re.findall(rf"^({CLAUSE})\u3000", converted.text_writer[name], re.M)
    assert expected and "1.1" in expected
    assert labels(text, r"[\d一二三四五六七八九十]+\.\d+(?:\.\d+)?") == expected
    assert not CHINESE_CLAUSE.search(text), CHINESE_CLAUSE.search(text)
    articles = labels(text, "第[一二三四五六七八九十]+条")
    assert articles == [f"第{cn_number(i)}条" for i in range(1, len(articles) + 1)]
    assert len(articles) == text_writer_count(converted.text_writer[name], "条")


@pytest.mark.parametrize("name", CONTRACTS)
def test_clause_references_read_as_in_the_text(converted: Converted, name: str) -> None:
    """REF fields to clauses: LibreOffice recomputes them from its own numbers when it lays the
    document out (its text export keeps the results policygen wrote), and they must read 第1.1条
    as the text writer has them, never 第一.1条."""
    pattern = rf"第{CLAUSE}条"
    expected = re.findall(pattern, converted.text_writer[name])
    laid_out = squeeze("".join(pdf_pages(converted.pdf(name))))
    assert expected and re.findall(pattern, laid_out) == expected
    assert not CHINESE_CLAUSE.search(laid_out), CHINESE_CLAUSE.search(laid_out)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_libreoffice_text_matches_the_text_writer(converted: Converted, name: str) -> None:
    lines = [line for line in converted.text_writer[name].splitlines() if line]
    assert not in_order(lines, squeeze(converted.text(name)))


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_page_count_is_close_to_the_pdf(converted: Converted, name: str) -> None:
    """The PDF has the DOCX's cover and contents page too (tests/test_libreoffice_pages.py
    checks every kind in both styles and engines)."""
    pages = len(PdfReader(converted.pdf(name)).pages)
    weasyprint = converted.weasyprint_pages[name]
    assert abs(pages - weasyprint) <= 1, (pages, weasyprint)


def test_contents_page_numbers_match_libreoffice_pages(converted: Converted) -> None:
    pages = pdf_pages(converted.pdf("regulation"))
    contents = squeeze(pages[1])
    listed = dict(re.findall(r"(第[一二三四五六七八九十]+章)[^.第]*\.{3,}(\d+)", contents))
    assert len(listed) >= 10, contents
    # Pages are numbered from the cover (the house style's footer.numbering: all).
    front = FRONT_PAGES["regulation"]
    actual = {}
    for number, page in enumerate(pages[front:], start=front + 1):
        for chapter in re.findall(r"^(第[一二三四五六七八九十]+章)\s*$", page, flags=re.M):
            actual.setdefault(chapter, number)
    assert set(actual) == set(listed)
    assert all(abs(actual[chapter] - int(page)) <= 1 for chapter, page in listed.items()), (
        actual,
        listed,
    )
    footer = re.search(rf"第 {front + 1} 页 共 (\d+) 页", pages[front])
    assert footer and int(footer.group(1)) == len(pages)


# --------------------------------------------------------------------------- editing in Word


def test_inserting_an_article_renumbers_the_rest(converted: Converted, tmp_path: Path) -> None:
    """Insert an article before 第三条 as a Word user would (a new paragraph in the Article
    style), round-trip through LibreOffice, and read the numbers and references again."""
    doc = build_document(load_profile(BANK), jobs(load_profile(BANK), ["regulation"])[0])
    articles = [b for c in doc.blocks if isinstance(c, n.Chapter) for b in c.blocks]
    articles = [a for a in articles if isinstance(a, n.Article)]
    third = articles[2].blocks[0]
    assert isinstance(third, n.Paragraph)
    third_text = "".join(t.text for t in third.inlines if isinstance(t, n.Text))[:12]
    document = docx.Document(BytesIO(converted.docx["regulation"]))
    target = next(p for p in document.paragraphs if p.text.startswith("\u3000" + third_text))
    target.insert_paragraph_before("\u3000新增的一条。", style="Article")
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    profile = tmp_path / "lo-profile"
    roundtrip = tmp_path / "roundtrip"
    convert([edited], "docx:MS Word 2007 XML", roundtrip, profile)
    convert([roundtrip / "edited.docx"], "txt:Text", tmp_path, profile)
    text = lo_text(tmp_path / "edited.txt")
    assert re.search(r"^\s*第三条 \u3000新增的一条。", text, flags=re.M)
    assert re.search(rf"^\s*第四条 \u3000{re.escape(third_text)}", text, flags=re.M)
    numbers = labels(text, "第[一二三四五六七八九十百]+条")
    assert numbers == [f"第{cn_number(i)}条" for i in range(1, len(articles) + 2)]
    # References to moved articles follow: LibreOffice updates the REF fields when it lays out.
    index = {article.id: number for number, article in enumerate(articles, start=1) if article.id}
    moved = [(index[ref.target], after) for ref, after in refs_with_text(doc.blocks)
             if index.get(ref.target, 0) >= 3 and len(after) >= 2]  # fmt: skip
    assert moved
    for number, after in moved:
        assert f"第{cn_number(number + 1)}条{after[:2]}" in text, (number, after)


def refs_with_text(node: object) -> Iterator[tuple[n.Ref, str]]:
    """Yield each cross-reference in `node` with the text right after it (may be empty)."""
    if isinstance(node, tuple):
        for position, child in enumerate(node):
            if isinstance(child, n.Ref):
                after = node[position + 1] if position + 1 < len(node) else None
                yield child, after.text if isinstance(after, n.Text) else ""
            else:
                yield from refs_with_text(child)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            yield from refs_with_text(getattr(node, name))


def shifted(label: str, after: int) -> str:
    """Return clause number `label` (2.1.3) as it reads once an article is inserted before
    article `after`: that article's clauses and those after it move up by one (3.1.3)."""
    head, _, rest = label.partition(".")
    return f"{int(head) + (int(head) >= after)}.{rest}"


def test_inserting_an_article_renumbers_the_clauses(converted: Converted, tmp_path: Path) -> None:
    """Insert an article before 第二条 of the contract as a Word user would (a paragraph in the
    Article style), round-trip through LibreOffice: the clauses after it and the references to
    them follow (2.1 → 3.1, 第2.2条 → 第3.2条), as Word's shared list counters make them."""
    document = docx.Document(BytesIO(converted.docx["contract"]))
    articles = [p for p in document.paragraphs
                if p.style.name == "Heading 2" and p._p.xpath("w:pPr/w:numPr/w:numId[@w:val!='0']")]  # fmt: skip
    second = articles[1]
    title = second.text.strip()
    second.insert_paragraph_before("\u3000新增的一条。", style="Article")
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    profile = tmp_path / "lo-profile"
    roundtrip = tmp_path / "roundtrip"
    convert([edited], "docx:MS Word 2007 XML", roundtrip, profile)
    convert([roundtrip / "edited.docx"], "txt:Text", tmp_path, profile)
    convert([roundtrip / "edited.docx"], "pdf", tmp_path, profile)
    text = lo_text(tmp_path / "edited.txt")
    assert re.search(r"^\s*第二条 \u3000新增的一条。", text, flags=re.M)
    assert re.search(rf"^\s*第三条 \u3000{re.escape(title)}", text, flags=re.M)
    written = converted.text_writer["contract"]
    clauses = re.findall(rf"^({CLAUSE})\u3000", written, re.M)
    assert labels(text, CLAUSE) == [shifted(label, 2) for label in clauses]
    references = re.findall(rf"第({CLAUSE})条", written)
    assert any(int(label.split(".")[0]) >= 2 for label in references)
    moved = [f"第{shifted(label, 2)}条" for label in references]
    laid_out = squeeze("".join(pdf_pages(tmp_path / "edited.pdf")))
    assert re.findall(rf"第{CLAUSE}条", laid_out) == moved
    assert not CHINESE_CLAUSE.search(text) and not CHINESE_CLAUSE.search(laid_out)


# --------------------------------------------------------------------------- fonts


@pytest.fixture(scope="module")
def without_songti(
    converted: Converted, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Convert the contract and the regulation to PDF on this machine as it is, where 宋体,
    黑体, 仿宋 and 楷体 are not installed (only Noto CJK): once with its own fontconfig set-up
    (no tests/fonts.conf), once with the rules `policygen doctor --fontconfig` writes, in a
    user's conf.d. Return the PDFs by ``<name>`` and ``<name>-rules``."""
    if match_family("宋体").installed or match_family("SimSun").installed:
        pytest.skip("宋体 is installed here: LibreOffice substitutes nothing")
    folder = tmp_path_factory.mktemp("lo-fonts")
    sources = []
    for name in ("contract", "regulation"):
        (folder / f"{name}.docx").write_bytes(converted.docx[name])
        sources.append(folder / f"{name}.docx")
    convert(sources, "pdf", folder / "plain", folder / "profile-plain", fonts={})
    config = folder / "config"
    (config / "fontconfig" / "conf.d").mkdir(parents=True)
    rules = fontconfig(bundled_style("default"))
    (config / "fontconfig" / "conf.d" / "60-policygen.conf").write_text(rules, encoding="utf-8")
    fonts = {"XDG_CONFIG_HOME": str(config)}
    convert(sources, "pdf", folder / "rules", folder / "profile-rules", fonts=fonts)
    pdfs = {}
    for name in ("contract", "regulation"):
        pdfs[name] = folder / "plain" / f"{name}.pdf"
        pdfs[f"{name}-rules"] = folder / "rules" / f"{name}.pdf"
    return pdfs


def chinese(text: str) -> set[str]:
    return {char for char in text if "\u4e00" <= char <= "\u9fff"}


@pytest.mark.parametrize("name", ["contract", "regulation"])
def test_without_songti_the_faces_are_simplified_chinese(
    without_songti: dict[str, Path], name: str
) -> None:
    """The DOCX's zh-CN language tag makes LibreOffice take the Simplified Chinese face of
    Noto CJK, with or without policygen's fontconfig rules (pdffonts says NotoSansCJKjp either
    way: every face of the collection shares that CFF name, so the glyphs tell)."""
    for pdf in (without_songti[name], without_songti[f"{name}-rules"]):
        fonts = embedded_cjk_fonts(pdf)
        assert fonts and all(font.glyphs for font in fonts)
        for font in fonts:
            faces = font.faces()
            assert any(face.endswith(" SC") for face in faces), (pdf, font.name, faces)
            assert not any(face.endswith(" JP") for face in faces), (pdf, font.name, faces)


@pytest.mark.parametrize("name", ["contract", "regulation"])
def test_with_the_fontconfig_rules_body_is_serif_and_headings_sans(
    converted: Converted, without_songti: dict[str, Path], name: str
) -> None:
    """LibreOffice reads neither the font table's alternate names nor its PANOSE numbers: on
    Linux it asks fontconfig for 宋体, which, not knowing the name, answers sans-serif. With
    policygen's rules 宋体 body text is set in Noto Serif CJK SC, 黑体 headings in Noto Sans
    CJK SC, as in the PDFs."""
    listed = pdffonts(without_songti[f"{name}-rules"])
    assert any(font.startswith("NotoSerifCJK") for font in listed), listed
    assert any(font.startswith("NotoSansCJK") for font in listed), listed
    plain = pdffonts(without_songti[name])
    assert not any(font.startswith("NotoSerifCJK") for font in plain), plain  # what the rules fix
    fonts = embedded_cjk_fonts(without_songti[f"{name}-rules"])
    serif = set().union(*(font.glyphs for font in fonts if font.serif))
    sans = set().union(*(font.glyphs for font in fonts if not font.serif))
    written = converted.text_writer[name]
    body = next(line for line in written.splitlines() if len(chinese(line)) > 30)
    assert chinese(body) <= serif, chinese(body) - serif
    heading = "服务内容" if name == "contract" else "总则"
    assert chinese(heading) <= sans
