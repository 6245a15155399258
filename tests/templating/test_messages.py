"""Template errors an author can act on: an undefined field names the template file, the line,
the field path and the closest field; a syntax error shows the lines around it with a caret
under the token; no message holds a Python class repr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policygen.errors import RenderError
from policygen.kinds import DOCUMENT_KINDS
from policygen.profile.load import load_profile
from policygen.templating.context import build_context
from policygen.templating.environment import environment_for

BANK = Path(__file__).resolve().parents[2] / "examples" / "bank.yaml"


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    """What a contract template sees for the bank's first engagement."""
    profile = load_profile(BANK)
    return build_context(profile, DOCUMENT_KINDS["contract"], profile.engagements[0])


def error_of(folder: Path, files: dict[str, str], context: dict[str, Any]) -> str:
    """Write `files` into `folder`, render the first, and return the RenderError's message."""
    for name, source in files.items():
        (folder / name).write_text(source, encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        environment_for([folder]).render(next(iter(files)), context)
    message = str(caught.value)
    assert "object" not in message and "policygen." not in message and "<" not in message
    return message


def test_a_misspelt_field_names_file_line_path_and_the_field_meant(
    tmp_path: Path, context: dict[str, Any]
) -> None:
    message = error_of(tmp_path, {"mine.md.j2": "# 标题\n\n第一段\n{{ organisation.nmae }}\n"},
                       context)  # fmt: skip
    assert message.startswith("模板 mine.md.j2:4 出错")
    assert "organisation.nmae" in message
    assert (
        "是否想写「organisation.name」" in message and "did you mean organisation.name" in message
    )


@pytest.mark.parametrize(
    ("source", "path", "meant"),
    [
        ("{{ organisaton.name }}", "organisaton", "organisation"),
        ("{% if flags.finacial %}x{% endif %}", "flags.finacial", "flags.financial"),
        ("{{ engagement.vendor.nmae }}", "engagement.vendor.nmae", "engagement.vendor.name"),
        ("{% for m in sla.metrics %}{{ m.nmae }}{% endfor %}", "m.nmae", "m.name"),
        ("{{ engagement['titel'] }}", "engagement.titel", "engagement.title"),
    ],
)
def test_the_path_is_as_written_and_the_suggestion_exists(
    tmp_path: Path, context: dict[str, Any], source: str, path: str, meant: str
) -> None:
    message = error_of(tmp_path, {"t.md.j2": f"第一行\n{source}\n"}, context)
    assert message.startswith("模板 t.md.j2:2 出错")
    assert f"未定义的字段 {path}，是否想写「{meant}」？" in message


def test_an_index_past_the_end_names_the_list(tmp_path: Path, context: dict[str, Any]) -> None:
    message = error_of(tmp_path, {"t.md.j2": "第一行\n{{ sla.metrics[99].name }}\n"}, context)
    assert message.startswith("模板 t.md.j2:2 出错")
    assert "「sla.metrics[99]」不存在：序号超出范围 (no item 99 in sla.metrics)" in message


def test_nothing_close_lists_the_fields_there(tmp_path: Path, context: dict[str, Any]) -> None:
    message = error_of(tmp_path, {"t.md.j2": "{{ vendor.zzzzzz }}\n"}, context)
    assert "未定义的字段 vendor.zzzzzz；此处可用：" in message and "credit_code" in message


def test_an_error_in_an_imported_macro_names_the_macro_file(
    tmp_path: Path, context: dict[str, Any]
) -> None:
    files = {
        "t.md.j2": '{% from "macros.md.j2" import party %}\n正文\n{{ party(vendor) }}\n',
        "macros.md.j2": "{% macro party(p) %}\n\n{{ p.nmae }}\n{% endmacro %}\n",
    }
    message = error_of(tmp_path, files, context)
    assert message.startswith("模板 macros.md.j2:3 出错")
    assert "未定义的字段 p.nmae，是否想写「p.name」？" in message


@pytest.mark.parametrize(
    ("line", "caret_under", "said"),
    [
        ("{{ organisation.name / }}", "}}", "unexpected 'end of print statement'"),
        ("甲方：{{ 1 + / 2 }}", "/", "unexpected '/'"),
        ('乙方：{{ vendor.name }} {{ "未闭合 }}', '"未', "unexpected char"),
        ("{% fi flags.financial %}", "fi", "unknown tag 'fi'"),
    ],
)
def test_a_syntax_error_shows_its_line_with_a_caret(
    tmp_path: Path, context: dict[str, Any], line: str, caret_under: str, said: str
) -> None:
    from rich.cells import cell_len

    source = f"# 标题\n\n{line}\n后文\n"
    message = error_of(tmp_path, {"t.md.j2": source}, context)
    head, *excerpt = message.splitlines()
    assert f"{tmp_path / 't.md.j2'}:3 语法错误" in head and said in head
    assert " at " not in head  # the lexer's character offset is the caret's job
    assert excerpt[:2] == ["  2 | ", f"  3 | {line}"] and excerpt[3] == "  4 | 后文"
    caret = excerpt[2]
    assert caret.startswith("    | ") and caret.endswith("^") and caret.count("^") == 1
    # The caret stands under the token, counting a CJK character as two columns.
    column = cell_len(caret) - 1 - len("    | ")
    assert column == cell_len(line[: line.index(caret_under)])


def test_an_unclosed_block_points_at_the_end(tmp_path: Path, context: dict[str, Any]) -> None:
    message = error_of(tmp_path, {"t.md.j2": "{% if flags.financial %}\n金融\n"}, context)
    assert "t.md.j2:2 语法错误" in message and "'endif'" in message
    assert "  1 | {% if flags.financial %}\n  2 | 金融\n    | ^" in message
