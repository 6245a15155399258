"""A cover title never breaks inside a word, and the parties block at an agreement's head is
flush with the margin on every line (the 甲方 line no more indented than the lines under it):
in the DOCX as LibreOffice sets it, and in both PDF engines."""

from __future__ import annotations

from pathlib import Path

import pytest

import policygen
from libreoffice import convert, needs_libreoffice
from linebreaks import Line, pdf_lines
from policygen.profile.load import parse
from policygen.writers.front import MIN_TITLE_SCALE, _title_rules, title_lines

ROOT = Path(__file__).resolve().parents[2]
MANUFACTURER = ROOT / "examples" / "manufacturer.yaml"
LONG = "苏州华岳精密机械制造有限公司外包服务管理办法"
"""22 characters: one line only when set a little smaller than the cover title's 26 pt."""
LONGER = "苏州华岳精密机械制造有限公司及其境内全资子公司信息技术外包服务管理办法"
"""34 characters: three lines, broken after each company name."""
PARTY_STARTS = ("甲方（", "统一社会信用代码", "住所", "法定代表人", "乙方（")


@pytest.mark.parametrize(
    ("title", "lines", "smaller"),
    [
        ("外包服务管理制度", ("外包服务管理制度",), False),
        (LONG, (LONG,), True),
        (LONGER, ("苏州华岳精密机械制造有限公司", "及其境内全资子公司", "信息技术外包服务管理办法"),
         False),
        ("《数据中心运行维护服务外包合同》之补充协议（二〇二六年第一号）",
         ("《数据中心运行维护服务外包合同》", "之补充协议（二〇二六年第一号）"), False),
    ],
)  # fmt: skip
def test_a_title_is_set_smaller_or_broken_only_between_words(
    title: str, lines: tuple[str, ...], smaller: bool
) -> None:
    width = 17 * 26  # seventeen characters at 26 pt
    shown = title_lines(title, 26, width)
    assert shown.lines == lines
    assert (shown.size < 26) == smaller and shown.size >= 26 * MIN_TITLE_SCALE


def _line_of(lines: list[Line], page: int, start: str) -> Line:
    return next(line for line in lines if line.page == page and line.text.startswith(start))


def _assert_parties_flush(lines: list[Line], page: int) -> None:
    """Assert that every line of the parties block on `page` starts at one left edge."""
    lefts = [_line_of(lines, page, start).left for start in PARTY_STARTS]
    assert max(lefts) - min(lefts) < 1.0, dict(zip(PARTY_STARTS, lefts, strict=True))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regulation with LONGER and with LONG as its title, and a contract, as DOCX
    converted to PDF by LibreOffice (one conversion)."""
    folder = tmp_path_factory.mktemp("cover")
    data = parse(MANUFACTURER.read_text(encoding="utf-8"), fmt="yaml", name="m").data
    data["policy"]["title"] = LONGER
    (folder / "regulation.docx").write_bytes(policygen.render(data, "regulation", "docx"))
    data["policy"]["title"] = LONG
    (folder / "smaller.docx").write_bytes(policygen.render(data, "regulation", "docx"))
    (folder / "contract.docx").write_bytes(policygen.render(MANUFACTURER, "contract", "docx"))
    sources = [folder / "regulation.docx", folder / "smaller.docx", folder / "contract.docx"]
    convert(sources, "pdf", folder, folder / ".lo-profile")
    return folder


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_breaks_the_docx_cover_title_only_between_words(converted: Path) -> None:
    lines = [line for line in pdf_lines(converted / "regulation.pdf") if line.page == 1]
    title = [line.text for line in lines if line.text and line.text in LONGER]
    assert "".join(title[:3]) == LONGER, title
    allowed = {m.start() for m in _title_rules()[0].finditer(LONGER)} | {LONGER.rfind("管理办法")}
    breaks = [len("".join(title[:i])) for i in range(1, 3)]
    assert set(breaks) <= allowed, (title, breaks)
    smaller = [line for line in pdf_lines(converted / "smaller.pdf") if line.page == 1]
    assert smaller[0].text == LONG  # set smaller, on one line
    assert smaller[0].width < len(LONG) * 26 * 0.9  # each character narrower than 26 pt


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_sets_the_docx_parties_block_flush(converted: Path) -> None:
    lines = pdf_lines(converted / "contract.pdf")
    page = _line_of(lines, 2, "甲方（").page
    _assert_parties_flush(lines, page)


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_the_pdf_engines_set_the_parties_block_flush(engine: str, tmp_path: Path) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(policygen.render(MANUFACTURER, "contract", "pdf", pdf_engine=engine))
    lines = pdf_lines(path)
    page = next(line.page for line in lines if line.text.startswith("甲方（"))
    _assert_parties_flush(lines, page)


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_the_pdf_engines_break_the_cover_title_only_between_words(
    engine: str, tmp_path: Path
) -> None:
    """Both PDFs print the title in the lines front.title_lines chose, as the DOCX does."""
    data = parse(MANUFACTURER.read_text(encoding="utf-8"), fmt="yaml", name="m").data
    data["policy"]["title"] = LONGER
    path = tmp_path / "regulation.pdf"
    path.write_bytes(policygen.render(data, "regulation", "pdf", pdf_engine=engine))
    first = [line.text for line in pdf_lines(path) if line.page == 1]
    assert first[:3] == [
        "苏州华岳精密机械制造有限公司",
        "及其境内全资子公司",
        "信息技术外包服务管理办法",
    ]
