"""The Jinja environment: values are escaped for Markdown, the sandbox holds, errors are located."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen.errors import RenderError
from policygen.readers.markdown import read_markdown
from policygen.templating.environment import environment_for, md_escape
from policygen.tree import nodes as n
from policygen.tree.text import inline_text


def _render(tmp_path: Path, source: str, **context: object) -> str:
    (tmp_path / "t.md.j2").write_text(source, encoding="utf-8")
    return environment_for([tmp_path]).render("t.md.j2", dict(context))


@pytest.mark.parametrize(
    "value",
    [
        "*A* [B](#x) `c` <b>d</b> &amp; e_f_ # h",
        "1. 不是列表",
        "- 也不是",
        "| 管道 | 符号 |",
        "名称 {#fake-id}",
        "{{ 7*7 }} {% if %}",
        "A&B <公司> \"引号\" '单引' 𠮷野家",
        "\\ 反斜杠 \\*",
    ],
)
def test_values_print_literally(tmp_path: Path, value: str) -> None:
    markdown = _render(tmp_path, "## {#a}\n名称：{{ v }}\n", v=value)
    (article,) = read_markdown(markdown)
    assert isinstance(article, n.Article) and article.id == "a"
    (para,) = article.blocks
    assert inline_text(para.inlines) == f"名称：{value}"


def test_values_in_table_cells_stay_in_their_cell(tmp_path: Path) -> None:
    markdown = _render(tmp_path, "| 甲 | 乙 |\n|--|--|\n| {{ a }} | {{ b }} |\n", a="x|y", b="*z*")
    (table,) = read_markdown(markdown)
    assert [inline_text(c.inlines) for c in table.rows[0]] == ["x|y", "*z*"]


def test_join_escapes_each_item(tmp_path: Path) -> None:
    markdown = _render(tmp_path, "{{ items|join('、') }}\n", items=["*a*", "[b]"])
    (para,) = read_markdown(markdown)
    assert inline_text(para.inlines) == "*a*、[b]"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_md_escape_round_trips(text: str) -> None:
    stripped = " ".join(text.split())
    if not stripped:
        return
    blocks = read_markdown(md_escape(stripped) + "\n")
    assert len(blocks) == 1
    assert inline_text(blocks[0].inlines) == stripped


def test_none_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="None"):
        _render(tmp_path, "{{ v }}\n", v=None)


def test_undefined_is_an_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"t\.md\.j2:2"):
        _render(tmp_path, "第一行\n{{ nope.x }}\n")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ x.__class__.__subclasses__() }}",
        "{{ x|attr('__class__') }}",
        "{{ '{0.__class__}'.format(x) }}",
        "{% set _ = l.append(1) %}",
    ],
)
def test_sandbox_blocks_python_internals(tmp_path: Path, source: str) -> None:
    with pytest.raises(RenderError, match="模板"):
        _render(tmp_path, source + "\n", x="s", l=[])


def test_include_outside_template_folders_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="找不到模板"):
        _render(tmp_path, "{% include '../../../../etc/passwd' %}\n")


def test_user_folder_overrides_bundled_template(tmp_path: Path) -> None:
    (tmp_path / "regulation.md.j2").write_text("{% set title = '自定义' %}\n正文\n", "utf-8")
    env = environment_for([tmp_path])
    assert env.render("regulation.md.j2", {}) == "正文\n"
