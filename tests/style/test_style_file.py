"""Style files: the bundled ones, an organisation's (based on one, validated with located errors
like a profile), and the ways a render takes one: ``meta.style``, ``render --style`` (a file or
a name), the API's ``style=`` and ``batch --style``."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from ruamel.yaml import YAML

import policygen
from policygen.cli import main
from policygen.errors import InvalidInputError, UsageError
from policygen.style import bundled_style, find_style, load_style
from policygen.style.load import style_option
from policygen.validation import load_checked

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
EXAMPLES = ROOT / "examples"

ACME = """\
based_on: default
name: acme
description: 示例集团版式
kinds: null
page:
  margins: {top: 20, right: 20, bottom: 20, left: 20}
text:
  body: {size: 11, line: 19}
footer:
  text: "- {page} -"
"""


def style_folder(tmp_path: Path, text: str = ACME, name: str = "acme") -> Path:
    """Return a template folder holding ``styles/<name>.style.yaml`` with `text`."""
    folder = tmp_path / "templates"
    (folder / "styles").mkdir(parents=True, exist_ok=True)
    (folder / "styles" / f"{name}.style.yaml").write_text(text, encoding="utf-8")
    return folder


def bank_with_style(name: str) -> dict[str, object]:
    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["meta"]["style"] = name
    return json.loads(json.dumps(data, default=str))


# --------------------------------------------------------------------------- the bundled styles


def test_the_bundled_styles() -> None:
    default, gongwen = bundled_style("default"), bundled_style("gongwen")
    assert default.margins("regulation").top == 37 and default.margins("contract").top == 25
    assert all(gongwen.margins(kind).top == 37 for kind in ("regulation", "contract", "nda"))
    assert gongwen.fonts == default.fonts  # based on the default style, fonts and all
    body = gongwen.resolved("body")
    assert (body.font, body.size, body.line, body.tracking) == ("fangsong", 16, 28.95, -0.25)
    assert gongwen.resolved("table").font == "fangsong"  # the body's face: it states none
    assert gongwen.resolved("footer").font == "body"  # 4号 宋体 page numbers
    assert gongwen.page.grid_lines == 22 and not gongwen.header.lines
    assert default.resolved("table_heading").size == 10.5  # based on table


def test_a_grid_the_text_block_cannot_hold_is_refused(tmp_path: Path) -> None:
    folder = style_folder(tmp_path, "based_on: gongwen\nname: tight\ndescription: x\n"
                          "text:\n  body: {line: 30}\n", "tight")  # fmt: skip
    with pytest.raises(InvalidInputError, match="22"):
        find_style("tight", [folder])


# --------------------------------------------------------------------------- located errors


def test_errors_are_located_and_every_one_is_listed(tmp_path: Path) -> None:
    folder = style_folder(
        tmp_path,
        "based_on: default\n"
        "name: acme\n"
        "description: x\n"
        "page:\n"
        "  margins: {top: -1, right: 20, bottom: 20, left: 20}\n"
        "text:\n"
        "  title: {sise: 20}\n"
        "  chapter: {font: songti}\n",
    )
    with pytest.raises(InvalidInputError) as caught:
        load_style(folder / "styles" / "acme.style.yaml")
    issues = {issue.path: issue for issue in caught.value.issues}
    assert set(issues) == {"page.margins.top", "text.title.sise", "text.chapter.font"}
    assert "size" in issues["text.title.sise"].message  # did you mean
    assert issues["text.title.sise"].location is not None
    assert issues["text.title.sise"].location.line == 7
    assert issues["page.margins.top"].location.line == 5  # type: ignore[union-attr]
    assert str(issues["text.chapter.font"].location).endswith("acme.style.yaml:8:13")


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("based_on: nowhere\nname: acme\ndescription: x\n", "based_on", "找不到版式「nowhere」"),
        ("based_on: default\ndescription: x\n", "name", "须给出自己的 name"),
        ("name: acme\ndescription: x\n", "page", "缺少"),
        ("based_on: acme\nname: acme\ndescription: x\n", "based_on", "找不到版式"),
    ],
)
def test_a_bad_base_or_a_missing_value_is_located(
    tmp_path: Path, text: str, path: str, words: str
) -> None:
    folder = style_folder(tmp_path, text)
    with pytest.raises(InvalidInputError) as caught:
        load_style(folder / "styles" / "acme.style.yaml", [folder])
    assert any(i.path == path and words in i.message for i in caught.value.issues), caught.value


def test_a_users_default_style_may_be_based_on_the_bundled_one(tmp_path: Path) -> None:
    folder = style_folder(
        tmp_path, "based_on: default\nname: default\ntext:\n  body: {size: 13}\n", "default"
    )
    style = find_style("default", [folder])
    assert style.resolved("body").size == 13 and style.resolved("chapter").size == 16


def test_meta_style_naming_no_style_is_a_located_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        BANK.read_text(encoding="utf-8").replace("  version:", "  style: acme\n  version:", 1),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        load_checked(path)
    (issue,) = caught.value.issues
    assert issue.path == "meta.style" and "acme" in issue.message
    assert issue.location is not None and issue.location.line is not None
    assert load_checked(path, template_dirs=[style_folder(tmp_path)]).meta.style == "acme"


def test_meta_style_naming_an_invalid_style_reports_the_style_files_errors(tmp_path: Path) -> None:
    folder = style_folder(tmp_path, ACME.replace("size: 11", "size: eleven"))
    with pytest.raises(InvalidInputError) as caught:
        load_checked(bank_with_style("acme"), template_dirs=[folder])
    (issue,) = caught.value.issues
    assert issue.path == "text.body.size"
    assert str(issue.location).startswith(str(folder / "styles" / "acme.style.yaml"))


# --------------------------------------------------------------------------- taking a style


def _docx_margins(data: bytes) -> tuple[float, ...]:
    section = docx.Document(BytesIO(data)).sections[-1]
    return tuple(round(m.mm, 1) for m in (section.top_margin, section.left_margin))  # type: ignore[union-attr]


def test_meta_style_names_an_organisations_style(tmp_path: Path) -> None:
    folder = style_folder(tmp_path)
    data = policygen.render(bank_with_style("acme"), "nda", "docx", contract_no="MY-ITO-2026-001",
                            template_dirs=[folder])  # fmt: skip
    document = docx.Document(BytesIO(data))
    assert document.styles["Normal"].font.size == Pt(11)
    assert _docx_margins(data) == (20, 20)
    html = policygen.render(bank_with_style("acme"), "nda", "html", contract_no="MY-ITO-2026-001",
                            template_dirs=[folder]).decode()  # fmt: skip
    assert "margin: 20mm 20mm 20mm 20mm" in html and '"- " counter(page) " -"' in html


def test_the_api_takes_a_style_file_or_name(tmp_path: Path) -> None:
    folder = style_folder(tmp_path)
    by_file = policygen.render(
        BANK, "regulation", "md", style=folder / "styles" / "acme.style.yaml"
    )
    assert by_file == policygen.render(BANK, "regulation", "md")  # the text is the same
    data = policygen.render(BANK, "nda", "docx", contract_no="MY-ITO-2026-001", style="gongwen")
    assert docx.Document(BytesIO(data)).styles["Normal"].font.size == Pt(16)
    files = policygen.render_set(
        BANK, kinds=["nda"], formats=["docx"], style=folder / "styles" / "acme.style.yaml"
    )
    assert {_docx_margins(data) for data in files.values()} == {(20, 20)}
    with pytest.raises(UsageError, match="nowhere"):
        policygen.render(BANK, "regulation", "md", style="nowhere")


def test_style_option_resolves_a_name_in_the_template_folders(tmp_path: Path) -> None:
    folder = style_folder(tmp_path)
    assert style_option("acme", [folder]) == (folder / "styles" / "acme.style.yaml").resolve()
    with pytest.raises(UsageError):
        style_option("acme", [])


def test_cli_render_with_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = style_folder(tmp_path)
    out = tmp_path / "out"
    args = ["render", str(BANK), "-d", "nda", "-f", "docx,html", "-o", str(out), "-j", "1"]
    assert main([*args, "--style", str(folder / "styles" / "acme.style.yaml")]) == 0
    written = sorted(out.glob("nda-*.docx"))
    assert written and all(_docx_margins(p.read_bytes()) == (20, 20) for p in written)
    assert main([*args, "--style", "gongwen"]) == 0
    assert all(_docx_margins(p.read_bytes()) == (37, 28) for p in sorted(out.glob("nda-*.docx")))
    capsys.readouterr()
    bad = style_folder(tmp_path / "bad", ACME.replace("size: 11", "size: -3"))
    assert main([*args, "--style", str(bad / "styles" / "acme.style.yaml")]) == 1
    assert "acme.style.yaml:8:" in capsys.readouterr().err
    assert main([*args, "--style", "nowhere"]) == 2


def test_cli_batch_with_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = style_folder(tmp_path)
    out = tmp_path / "out"
    common = ["--profile", str(BANK), "-o", str(out), "-f", "docx", "-d", "contract", "-j", "1"]
    rows = EXAMPLES / "engagements.jsonl"
    style = ["--style", str(folder / "styles" / "acme.style.yaml")]
    assert main(["batch", str(rows), *common, *style]) == 0
    written = sorted(out.rglob("contract-*.docx"))
    assert written and all(_docx_margins(p.read_bytes()) == (20, 20) for p in written)
    capsys.readouterr()
    assert main(["batch", str(rows), *common]) == 0  # another style: every row is stale
    assert "skipped 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("style", "font", "lang", "expected"),
    [
        ("default", "body", "zh", False), ("default", "heading", "zh", False),
        ("default", "body", "en", True), ("default", "heading", "en", True),
        ("default", "body", "zh+en", False), ("default", "heading", "zh+en", True),
        ("gongwen", "fangsong", "zh+en", False), ("gongwen", "body", "zh+en", True),
    ],
)  # fmt: skip
def test_the_latin_face_first(style: str, font: str, lang: str, expected: bool) -> None:
    # The Latin face before a role's CJK faces in a text with English in it, but for the body
    # text's face in a bilingual one (公文's body text is 仿宋).
    assert bundled_style(style).latin_first(font, lang) is expected
