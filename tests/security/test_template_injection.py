"""User templates (``--templates`` folders) that reach for Python internals, files outside the
template folders, unbounded time or memory, or URLs: each is stopped with a clear RenderError.

Every case renders through the public API with `template_dirs`, so it runs the way a user's
template runs: compiled and rendered in a child process under a time and memory limit
(templating.limits), then read, laid out and written by the parent. The environment uses
StrictUndefined, so an access the sandbox refuses raises instead of printing empty text, and a
loopback server counts requests: every test that could make one expects none."""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jinja2 import StrictUndefined
from secutil import MANUFACTURER, counting_server, docx_text, pdf_text

import policygen
from policygen.errors import RenderError, UsageError
from policygen.layout import budget
from policygen.readers.markdown import MAX_LINES
from policygen.templating import limits
from policygen.templating.environment import (
    BUNDLED_TEMPLATES,
    MAX_OUTPUT_CHARS,
    MAX_TEMPLATE_BYTES,
    environment_for,
    md_escape,
)

PROFILE = policygen.load_profile(MANUFACTURER)
TITLE = "{% set title = '用户模板' %}\n"
BODY = TITLE + "## 第一条 {#a}\n\n正文。\n\n1. 项目一\n2. 项目二\n\n- 甲\n- 乙\n"
"""A user template with a heading, an article and both kinds of list, for stylesheets to style."""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, list[str]]]:
    with counting_server() as (port, hits):
        yield port, hits


@pytest.fixture
def hits(server: tuple[int, list[str]]) -> Iterator[list[str]]:
    """The requests the loopback server received during the test: must stay empty."""
    server[1].clear()
    yield server[1]
    assert server[1] == [], "a request left the process"


@pytest.fixture
def port(server: tuple[int, list[str]]) -> int:
    return server[0]


def test_the_hit_counter_counts(server: tuple[int, list[str]]) -> None:
    """Without this, "0 hits" could mean a deaf server rather than no request."""
    port, hits = server
    hits.clear()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe", timeout=5) as answer:
        assert answer.status == 200
    assert hits == ["GET /probe"]
    hits.clear()


def folder_with(tmp_path: Path, sla: str, files: dict[str, str | bytes] | None = None) -> Path:
    """Return a user template folder whose sla.md.j2 is `sla`, plus `files` by relative path."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "sla.md.j2").write_text(sla, encoding="utf-8")
    for name, content in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def render_with(folder: Path, fmt: str = "docx") -> bytes:
    """Render the SLA with the templates of `folder`; a PDF by WeasyPrint, the engine that
    reads a user's stylesheets (and their URLs) through the fetcher."""
    return policygen.render(PROFILE, "sla", fmt, template_dirs=[folder], pdf_engine="weasyprint")


def template_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "policygen-template"]


# --------------------------------------------------------------------------- baseline


def test_versions_carry_the_sandbox_and_fetcher_fixes() -> None:
    """J7/W10: Jinja 3.1.6 fixes |attr('format'); WeasyPrint 70 fixes the fetcher bypasses."""
    jinja = tuple(int(p) for p in version("jinja2").split(".")[:3])
    weasy = int(version("weasyprint").split(".")[0])
    assert jinja >= (3, 1, 6) and weasy >= 70


def test_environment_is_immutable_sandbox_with_strict_undefined(tmp_path: Path) -> None:
    env = environment_for([tmp_path]).jinja
    assert issubclass(env.undefined, StrictUndefined)
    assert env.sandboxed and type(env).__mro__[1].__name__ == "ImmutableSandboxedEnvironment"


def test_a_benign_user_template_renders_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, TITLE + "## 第一条 {#a}\n\n乙方：{{ vendor.name }}。\n")
    started: list[str] = []
    original = limits._render_in_child

    def spy(*args: object) -> object:
        started.append("child")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(limits, "_render_in_child", spy)
    text = docx_text(render_with(folder))
    assert started == ["child"]
    assert f"乙方：{PROFILE.engagements[0].vendor.name}" in text.replace("\u3000", "")
    assert template_children() == []


def test_bundled_templates_render_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("bundled templates must not start a child")

    monkeypatch.setattr(limits, "_render_in_child", refuse)
    assert PROFILE.engagements[0].vendor.name in policygen.render(PROFILE, "sla", "txt").decode()


# --------------------------------------------------------------------------- Python internals

INTERNALS = {
    "class": "{{ ''.__class__ }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "profile-class": "{{ vendor.__class__.__subclasses__() }}",
    "attr-filter": "{{ ''|attr('__class__') }}",
    "attr-chain": "{{ (vendor|attr('__class__'))|attr('__init__') }}",
    "format": "{{ '{0.__class__}'.format(vendor.name) }}",
    "format-map": "{{ '{x.__class__}'.format_map({'x': 1}) }}",
    "attr-format-cve-2025-27516": (
        "{{ '{0.__call__.__builtins__[__import__]}'|attr('format')(vendor.name) }}"
    ),
    "stored-format-cve-2024-56326": (
        "{% set f = '{0.__class__.__base__.__subclasses__}'.format %}{{ f(vendor.name) }}"
    ),
    "cycler-globals": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].popen('touch PWNED') }}",
    "namespace-globals": "{{ namespace.__init__.__globals__ }}",
    "joiner-globals": "{{ joiner.__init__.__globals__ }}",
    "self-init": "{{ self.__init__ }}",
    "self-module": "{{ self._TemplateReference__context }}",
    "range-globals": "{{ range.__self__ }}",
    "func-code": "{{ vendor.model_dump.__func__.__code__ }}",
    "list-append": "{% set l = [] %}{{ l.append(1) }}",
    "dict-update": "{% set d = {} %}{{ d.update({'a': 1}) }}",
    "profile-setattr": "{{ vendor.__setattr__('name', 'x') }}",
    "xmlattr-keys": "{{ {'a onclick': 1}|xmlattr }}",
    "undefined": "{{ nope.deeper }}",
}


@pytest.mark.parametrize("payload", INTERNALS.values(), ids=INTERNALS.keys())
def test_python_internals_are_blocked(tmp_path: Path, payload: str) -> None:
    folder = folder_with(tmp_path, TITLE + payload + "\n")
    with pytest.raises(RenderError, match=r"模板 sla\.md\.j2"):
        render_with(folder)
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_blocked_access_names_the_attribute(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, TITLE + "{{ vendor|attr('__class__') }}\n")
    with pytest.raises(RenderError, match=r"已阻止 \(blocked by the sandbox\).*__class__"):
        render_with(folder)


# --------------------------------------------------------------------------- files

SECRET = "SECRET-MARKER-7f3a"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the template folder holding a marker that must never be printed."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


INCLUDES = {
    "absolute": ("{% include '/etc/passwd' %}", "找不到模板"),
    "dotdot": ("{% include '../../../../../etc/passwd' %}", "找不到模板"),
    "import-dotdot": ("{% import '../secret.txt' as s %}", "找不到模板"),
    "extends-file-url": ("{% extends 'file:///etc/passwd' %}", "找不到模板"),
    "backslash": ("{% include '..\\\\secret.txt' %}", "找不到模板"),
    "symlink-out": ("{% include 'link.md.j2' %}", "模板目录之外"),
    "symlinked-folder": ("{% include 'outdir/secret.txt' %}", "模板目录之外"),
    "device": ("{% include 'zero.md.j2' %}", "找不到模板|模板目录之外"),
    "fifo": ("{% include 'pipe.md.j2' %}", "找不到模板"),
    "huge": ("{% include 'huge.md.j2' %}", "上限"),
    "not-utf8": ("{% include 'latin1.md.j2' %}", "UTF-8"),
}


@pytest.mark.parametrize(("payload", "message"), INCLUDES.values(), ids=INCLUDES.keys())
def test_templates_outside_the_folders_are_refused(
    tmp_path: Path, outside: Path, payload: str, message: str
) -> None:
    folder = folder_with(tmp_path, TITLE + payload + "\n")
    (folder / "link.md.j2").symlink_to(outside)
    (folder / "outdir").symlink_to(outside.parent)
    (folder / "zero.md.j2").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.md.j2")
    (folder / "huge.md.j2").write_text("x" * (MAX_TEMPLATE_BYTES + 1), encoding="utf-8")
    (folder / "latin1.md.j2").write_bytes("价格".encode("gb18030"))
    started = time.monotonic()
    with pytest.raises(RenderError, match=message) as error:
        render_with(folder)
    assert SECRET not in str(error.value)
    assert time.monotonic() - started < 10


def test_symlinks_inside_the_folders_still_work(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, TITLE + "{% include 'part.md.j2' %}\n")
    (tmp_path / "real.md.j2").write_text("不应读取\n", encoding="utf-8")
    (folder / "inner.md.j2").write_text("## 第一条 {#a}\n\n内部文件。\n", encoding="utf-8")
    (folder / "part.md.j2").symlink_to(folder / "inner.md.j2")
    assert "内部文件。" in docx_text(render_with(folder))


# --------------------------------------------------------------------------- time and memory

EXHAUSTING = {
    "range-1e9": ("{{ range(10**9)|length }}", "Range too big"),
    "repeat-1e9": ("{{ 'a' * 10**9 }}", "结果过长"),
    "list-repeat": ("{{ ([1] * 10**6) * 10**6 }}", "结果过长"),
    "power-tower": ("{{ 9**(9**9) }}", "数值过大"),  # Jinja's ** is left-associative
    "concat-lists": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(30) %}{% set ns.l = ns.l + ns.l %}"
        "{% endfor %}",
        "结果过长",
    ),
    "recursive-macro": ("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}", "递归过深"),
    "division": ("{{ 1 / 0 }}", "ZeroDivisionError"),
}


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("0 * 0", "0"),
        ("3 * 4", "12"),
        ("2 ** 10", "1024"),
        ("(-2) ** 3", "-8"),
        ("2 ** -1", "0.5"),
        ("'ab' * 3", "ababab"),
        ("3 * 'ab'", "ababab"),
        ("([1] + [2])|length", "2"),
        ("'甲' + '乙'", "甲乙"),
        ("1.5 * 2", "3.0"),
        ("true * 2", "2"),
    ],
)
def test_ordinary_arithmetic_still_works(tmp_path: Path, expression: str, value: str) -> None:
    (tmp_path / "t.md.j2").write_text(f"{{{{ {expression} }}}}\n", encoding="utf-8")
    assert environment_for([tmp_path]).render("t.md.j2", {}) == md_escape(value) + "\n"


@pytest.mark.parametrize(("payload", "message"), EXHAUSTING.values(), ids=EXHAUSTING.keys())
def test_exhausting_expressions_fail_fast(tmp_path: Path, payload: str, message: str) -> None:
    folder = folder_with(tmp_path, TITLE + payload + "\n")
    started = time.monotonic()
    with pytest.raises(RenderError, match=message):
        render_with(folder)
    assert time.monotonic() - started < 10


def test_endless_loops_are_killed_at_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.TIMEOUT_VARIABLE, "2")
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    folder = folder_with(tmp_path, TITLE + loops + "\n")
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"模板 sla\.md\.j2 渲染超时"):
        render_with(folder)
    assert 2 <= time.monotonic() - started < 8
    assert template_children() == []


def test_memory_bombs_are_stopped_at_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.MEMORY_VARIABLE, "400")
    # ~ is concatenation, which no operator hook sees: 2**40 characters unless stopped.
    doubling = (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}"
    )
    folder = folder_with(tmp_path, TITLE + doubling + "\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(RenderError, match="超出内存上限"):
        render_with(folder)
    assert time.monotonic() - started < 20
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, "the template ran in this process"
    assert template_children() == []


def test_huge_output_is_refused(tmp_path: Path) -> None:
    rows = "{% for i in range(100000) %}{{ 'x' * 120 }}\n{% endfor %}"
    folder = folder_with(tmp_path, TITLE + rows)
    with pytest.raises(RenderError, match=f"输出超过 {MAX_OUTPUT_CHARS}"):
        render_with(folder)


def test_a_million_row_table_is_refused(tmp_path: Path) -> None:
    table = (
        "| 序号 | 值 |\n|---|---|\n"
        "{% for i in range(100000) %}{% for j in range(10) %}| {{ i }} | {{ j }} |\n"
        "{% endfor %}{% endfor %}"
    )
    folder = folder_with(tmp_path, TITLE + table)
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"上限|过长"):
        render_with(folder)
    assert time.monotonic() - started < 30


def test_a_table_longer_than_the_reader_allows_is_refused(tmp_path: Path) -> None:
    rows = MAX_LINES + 10
    table = f"| 序号 |\n|---|\n{{% for i in range({rows}) %}}| {{{{ i }}}} |\n{{% endfor %}}"
    folder = folder_with(tmp_path, TITLE + table)
    with pytest.raises(RenderError, match=f"文档过长.*上限为 {MAX_LINES} 行"):
        render_with(folder)


@pytest.mark.parametrize(
    ("module", "kind", "defaults"),
    [(limits, limits.TemplateLimits, (30.0, 1024**3)),
     (budget, budget.LayoutBudget, (60.0, 2048 * 1024**2))],
    ids=["template", "layout"],
)  # fmt: skip
def test_limits_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, kind: Any, defaults: tuple[float, int]
) -> None:
    monkeypatch.delenv(module.TIMEOUT_VARIABLE, raising=False)
    monkeypatch.delenv(module.MEMORY_VARIABLE, raising=False)
    assert kind.from_environment() == kind(*defaults)
    monkeypatch.setenv(module.TIMEOUT_VARIABLE, "2.5")
    monkeypatch.setenv(module.MEMORY_VARIABLE, "512")
    assert kind.from_environment() == kind(2.5, 512 * 1024**2)
    for variable in (module.TIMEOUT_VARIABLE, module.MEMORY_VARIABLE):
        for bad in ("0", "-1", "abc", "inf", "nan"):
            monkeypatch.setenv(variable, bad)
            with pytest.raises(UsageError, match=variable):
                kind.from_environment()
        monkeypatch.setenv(variable, "2.5")


def test_a_child_that_dies_is_reported(tmp_path: Path) -> None:
    """A child killed from outside (the OOM killer) is a RenderError, not a hang or a crash."""

    def kill_soon() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for child in template_children():
                os.kill(child.pid, 9)  # type: ignore[arg-type]
                return
            time.sleep(0.005)

    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    folder = folder_with(tmp_path, TITLE + loops + "\n")
    killer = threading.Thread(target=kill_soon)
    killer.start()
    try:
        with pytest.raises(RenderError, match="内存上限"):
            render_with(folder)
    finally:
        killer.join()


# --------------------------------------------------------------------------- URLs from CSS


def _base_css() -> str:
    return (BUNDLED_TEMPLATES / "styles" / "base.css").read_text(encoding="utf-8")


CSS = {
    "import-http": ("@import url(http://127.0.0.1:{port}/a.css);\n", "http://127.0.0.1"),
    "import-string": ('@import "http://127.0.0.1:{port}/b.css";\n', "http://127.0.0.1"),
    "font-face": (
        "@font-face {{ font-family: Evil; src: url(http://127.0.0.1:{port}/f.woff) }}\n"
        "body {{ font-family: Evil, serif }}\n",
        "http://127.0.0.1",
    ),
    "list-style-image": (
        "li {{ list-style-image: url(http://127.0.0.1:{port}/l.png) }}\n",
        "http://127.0.0.1",
    ),
    "border-image": (
        "h1 {{ border: 5px solid; border-image: url(http://127.0.0.1:{port}/b.png) 30 }}\n",
        "http://127.0.0.1",
    ),
    "content-url": ("h1::after {{ content: url(http://127.0.0.1:{port}/c.png) }}\n", "http"),
    "page-background": (
        "@page {{ background: url(http://127.0.0.1:{port}/p.png) }}\n",
        "http://127.0.0.1",
    ),
    "scheme-relative": (
        "body {{ background: url(//127.0.0.1:{port}/x.png) }}\n",
        "127.0.0.1",
    ),
    "ftp": ("body {{ background: url(ftp://127.0.0.1:{port}/x.png) }}\n", "ftp://"),
    "file-url": ("body {{ background: url(file:///etc/passwd) }}\n", "file:///etc/passwd"),
    "file-one-slash": ("body {{ background: url(file:/etc/hostname) }}\n", "etc/hostname"),
    "dev-zero": ("@import url(file:///dev/zero);\n", "/dev/zero"),
    "symlink-out": ("@import url(link-out.css);\n", "link-out.css"),
    "huge-data": (
        "body {{ background: url(data:image/png;base64,{huge}) }}\n",
        "data:image/png",
    ),
    "svg-data-http": (
        'body {{ background: url(\'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"'
        ' width="9" height="9"><image href="http://127.0.0.1:{port}/s.png" width="9"'
        ' height="9"/></svg>\') }}\n',
        "http://127.0.0.1",
    ),
}


@pytest.mark.parametrize(("css", "blocked"), CSS.values(), ids=CSS.keys())
def test_user_css_cannot_load_urls_into_the_pdf(
    tmp_path: Path, outside: Path, hits: list[str], port: int, css: str, blocked: str
) -> None:
    rule = css.format(port=port, huge="QUFB" * 30_000)
    # @import is only valid before every other rule; elsewhere CSS ignores it (and loads nothing).
    styles = rule + _base_css() if rule.startswith("@import") else _base_css() + rule
    folder = folder_with(tmp_path, BODY, {"styles/base.css": styles})
    (folder / "styles" / "link-out.css").symlink_to(outside)
    with pytest.raises(RenderError, match=r"拒绝加载资源|blocked URL") as error:
        render_with(folder, "pdf")
    assert blocked in str(error.value)
    assert SECRET not in str(error.value)


def test_kind_stylesheet_is_fetched_through_the_same_guard(
    tmp_path: Path, hits: list[str], port: int
) -> None:
    folder = folder_with(
        tmp_path,
        TITLE + "正文。\n",
        {
            "styles/base.css": _base_css(),
            "styles/sla.css": f"@import url(http://127.0.0.1:{port}/kind.css);\n",
        },
    )
    with pytest.raises(RenderError, match=r"http://127\.0\.0\.1"):
        render_with(folder, "pdf")


def test_a_clean_user_stylesheet_is_used(tmp_path: Path, hits: list[str]) -> None:
    folder = folder_with(
        tmp_path, TITLE + "正文。\n", {"styles/base.css": _base_css() + "@page { size: A5 }\n"}
    )
    pdf = render_with(folder, "pdf")
    assert "正文" in pdf_text(pdf)


def test_user_css_cannot_make_the_html_load_urls(tmp_path: Path, port: int) -> None:
    rule = f"@import url(http://127.0.0.1:{port}/a.css);\n"
    folder = folder_with(tmp_path, BODY, {"styles/base.css": rule + _base_css()})
    try:
        html = render_with(folder, "html")
    except RenderError as error:
        assert "http://127.0.0.1" in str(error)
        return
    assert f"127.0.0.1:{port}".encode() not in html


CSS_FOR_HTML = {
    **CSS,
    "image-set": (
        'body {{ background: image-set("http://127.0.0.1:{port}/i.png" 1x) }}\n',
        "http://127.0.0.1",
    ),
    "url-function-string": (
        'body {{ background: url("http://127.0.0.1:{port}/q.png") }}\n',
        "http://127.0.0.1",
    ),
    "escaped-url": ("body {{ background: u\\72 l(http://127.0.0.1:{port}/e.png) }}\n", "http"),
    "nested-import": ('@media print {{ @import "x.css"; }}\n', "@import"),
    "local-import": ("@import url(kind.css);\n", "kind.css"),
    "svg-file-http": ("body {{ background: url(evil.svg) }}\n", "http://127.0.0.1"),
}
"""The PDF cases, plus what only the HTML writer has to find itself."""


@pytest.mark.parametrize(("css", "blocked"), CSS_FOR_HTML.values(), ids=CSS_FOR_HTML.keys())
def test_user_css_cannot_make_the_html_load_urls_anyhow(
    tmp_path: Path, outside: Path, hits: list[str], port: int, css: str, blocked: str
) -> None:
    rule = css.format(port=port, huge="QUFB" * 30_000)
    styles = rule + _base_css() if rule.startswith("@import") else _base_css() + rule
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image xlink:href="http://127.0.0.1:{port}/s.png" width="9" height="9"/></svg>'
    )
    folder = folder_with(
        tmp_path, BODY, {"styles/base.css": styles, "kind.css": "p {}", "evil.svg": svg}
    )
    (folder / "styles" / "link-out.css").symlink_to(outside)
    with pytest.raises(RenderError, match=r"styles/base\.css") as error:
        render_with(folder, "html")
    assert blocked in str(error.value)
    assert SECRET not in str(error.value)


def test_html_inlines_what_the_pdf_may_load(tmp_path: Path, hits: list[str]) -> None:
    """A local image becomes a data: URL, a small data: URL and a fragment stay: the page
    loads nothing, and looks as the PDF does."""
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><defs><linearGradient '
        'id="g"/></defs><rect width="9" height="9" fill="url(#g)"/></svg>'
    )
    rules = (
        "h1 { background: url(styles/logo.png) }\n"
        'h2 { background: url("styles/mark.svg") }\n'
        "p { background: url(data:image/gif;base64,R0lGODlhAQABAAAAACw=) }\n"
        "li { filter: url(#blur) }\n"
    )
    folder = folder_with(
        tmp_path,
        BODY,
        {"styles/base.css": _base_css() + rules, "styles/logo.png": png, "styles/mark.svg": svg},
    )
    html = render_with(folder, "html").decode()
    assert "url(styles/logo.png)" not in html and "mark.svg" not in html
    assert 'url("data:image/png;base64,' + base64.b64encode(png).decode() + '")' in html
    assert 'url("data:image/svg+xml;base64,' in html
    assert "url(data:image/gif;base64,R0lGODlhAQABAAAAACw=)" in html
    assert "url(#blur)" in html


def test_bundled_css_is_inlined_as_written() -> None:
    html = policygen.render(PROFILE, "sla", "html").decode()
    assert _base_css().replace("</", "<\\/") in html


def _reference_with_external_template(port: int) -> bytes:
    original = (BUNDLED_TEMPLATES / "styles" / "reference.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                evil = (
                    '<Relationship Id="rIdEvil" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/attachedTemplate" '
                    f'Target="http://127.0.0.1:{port}/evil.dotm" TargetMode="External"/>'
                )
                data = data.replace(b"</Relationships>", evil.encode() + b"</Relationships>")
            target.writestr(item, data)
    return out.getvalue()


def test_user_reference_docx_cannot_make_the_docx_load_urls(tmp_path: Path, port: int) -> None:
    folder = folder_with(
        tmp_path,
        TITLE + "正文。\n",
        {"styles/reference.docx": _reference_with_external_template(port)},
    )
    try:
        data = render_with(folder, "docx")
    except RenderError:
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".rels"))
    assert not re.search(rb'TargetMode="External"', rels)


_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _reference_with(edits: dict[str, tuple[bytes, bytes]]) -> bytes:
    """Return the bundled reference.docx with, in each named part, `old` replaced by `new`."""
    original = (BUNDLED_TEMPLATES / "styles" / "reference.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in edits:
                old, new = edits[item.filename]
                assert old in data
                data = data.replace(old, new)
            target.writestr(item, data)
    return out.getvalue()


def _external(kind: str, target: str, part: str = "word/_rels/document.xml.rels") -> bytes:
    rel = f'<Relationship Id="rIdX" Type="{_R}{kind}" Target="{target}" TargetMode="External"/>'
    return _reference_with({part: (b"</Relationships>", rel.encode() + b"</Relationships>")})


def _in_footer(xml: str) -> bytes:
    return _reference_with({"word/footer1.xml": (b"</w:ftr>", xml.encode() + b"</w:ftr>")})


REFERENCES = {
    "image": (lambda port: _external("image", f"http://127.0.0.1:{port}/i.png"), "image"),
    "frame": (lambda port: _external("frame", f"http://127.0.0.1:{port}/f.html"), "frame"),
    "ole-link": (lambda port: _external("oleObject", f"file:///etc/passwd?{port}"), "oleObject"),
    "subdocument": (lambda port: _external("subDocument", f"//127.0.0.1:{port}/s"), "subDocument"),
    "font": (lambda port: _external("font", f"http://127.0.0.1:{port}/f.odttf"), "font"),
    "package-level": (
        lambda port: _external("attachedTemplate", f"http://127.0.0.1:{port}/t", "_rels/.rels"),
        "attachedTemplate",
    ),
    "hyperlink-to-share": (lambda port: _external("hyperlink", r"file://\\host\share"), "host"),
    "alt-chunk": (
        lambda port: _reference_with(
            {
                "word/_rels/document.xml.rels": (
                    b"</Relationships>",
                    f'<Relationship Id="rIdC" Type="{_R}aFChunk" Target="c.html"/>'.encode()
                    + b"</Relationships>",
                )
            }
        ),
        "altChunk",
    ),
    "includepicture-split": (
        lambda port: _in_footer(
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> INCLUDE'
            f'</w:instrText></w:r><w:r><w:instrText>PICTURE "http://127.0.0.1:{port}/p.png" '
            '\\d</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        ),
        "INCLUDEPICTURE",
    ),
    "ddeauto-simple": (
        lambda port: _in_footer('<w:p><w:fldSimple w:instr=" ddeauto c:\\x.exe"/></w:p>'),
        "DDEAUTO",
    ),
    "mail-merge": (
        lambda port: _reference_with(
            {
                "word/settings.xml": (
                    b"</w:settings>",
                    b'<w:mailMerge><w:mainDocumentType w:val="formLetters"/></w:mailMerge>'
                    b"</w:settings>",
                )
            }
        ),
        "mail merge",
    ),
}


@pytest.mark.parametrize(("make", "named"), REFERENCES.values(), ids=REFERENCES.keys())
def test_a_reference_docx_that_would_load_anything_is_refused(
    tmp_path: Path, hits: list[str], port: int, make: Callable[[int], bytes], named: str
) -> None:
    folder = folder_with(tmp_path, TITLE + "正文。\n", {"styles/reference.docx": make(port)})
    with pytest.raises(RenderError, match=r"reference\.docx") as error:
        render_with(folder, "docx")
    assert named in str(error.value)


def test_a_reference_docx_keeps_its_web_hyperlinks(tmp_path: Path, hits: list[str]) -> None:
    """A hyperlink is followed only when clicked, and a letterhead may link to the company."""
    reference = _external("hyperlink", "https://example.com/")
    folder = folder_with(tmp_path, TITLE + "正文。\n", {"styles/reference.docx": reference})
    assert "正文" in docx_text(render_with(folder, "docx"))


BROKEN = {
    "not-a-zip": (b"not a zip at all", "zip"),
    "no-document": (b"", "word/document.xml"),
    "broken-xml": (b"<w:document", "word/document.xml"),
}


@pytest.mark.parametrize(("content", "named"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_reference_docx_is_a_clear_error(
    tmp_path: Path, content: bytes, named: str
) -> None:
    if content.startswith(b"not"):
        reference = content
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            if content:
                archive.writestr("word/document.xml", content)
            archive.writestr("[Content_Types].xml", "<Types/>")
        reference = out.getvalue()
    folder = folder_with(tmp_path, TITLE + "正文。\n", {"styles/reference.docx": reference})
    with pytest.raises(RenderError, match=r"不是有效的 DOCX.*not a valid DOCX") as error:
        render_with(folder, "docx")
    assert named in str(error.value)


def test_a_reference_docx_linking_outside_the_folders_is_refused(
    tmp_path: Path, outside: Path
) -> None:
    folder = folder_with(tmp_path, TITLE + "正文。\n")
    (folder / "styles").mkdir()
    (folder / "styles" / "reference.docx").symlink_to(outside)
    with pytest.raises(RenderError, match="outside the template folders"):
        render_with(folder, "docx")


def test_unguarded_script_gets_a_clear_error(tmp_path: Path) -> None:
    """A script without ``if __name__ == '__main__'`` is re-imported by the child: the error
    says so instead of hanging or printing a bare multiprocessing traceback only."""
    folder = folder_with(tmp_path, TITLE + "正文。\n")
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import multiprocessing, policygen\n"
        f"p = policygen.load_profile({str(MANUFACTURER)!r})\n"
        "try:\n"
        f"    policygen.render(p, 'sla', 'txt', template_dirs=[{str(folder)!r}])\n"
        "except policygen.PolicygenError as e:\n"
        "    if multiprocessing.parent_process() is not None:\n"
        "        raise\n"
        "    print('ERROR', e)\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR" in result.stdout and "__main__" in result.stdout, result.stdout
