"""The sandboxed Jinja environment that renders Markdown templates with profile data.

Input: template folders and a context. Output: Markdown text in which every value from the
profile is escaped for Markdown, so a vendor called ``*A* [B](#x)`` stays literal text."""

from __future__ import annotations

import hashlib
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.reading import read_file
from policygen.templating.messages import (
    FieldUndefined,
    syntax_excerpt,
    syntax_message,
    template_frame,
    undefined_message,
)

BUNDLED_TEMPLATES = Path(str(resources.files("policygen") / "templates" / "zh"))
"""The templates shipped with policygen; a user's folders are searched before it."""

MAX_TEMPLATE_BYTES = 1024 * 1024
"""Largest template file read; the longest bundled one is about 20 KB."""

MAX_OUTPUT_CHARS = 10_000_000
"""Longest Markdown a document template may produce (the bank's regulation is about 20,000)."""

MAX_SEQUENCE = 1_000_000
"""Longest string or list a template may build with ``*`` or ``+``."""

MAX_INT_BITS = 65_536
"""Largest integer, in bits, a template may compute with ``*`` or ``**`` (about 20,000 digits)."""

# Any ASCII punctuation may be backslash-escaped in CommonMark and markdown-it turns the escape
# back into the character. Escaping every character that can start structure anywhere (line
# starts, emphasis, links, table cells, entities, setext underlines, our {#id} attributes,
# ``::: signature`` containers and ``Table:`` captions) is simpler and safer than deciding which
# are special where.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:=])")
_SPACES = re.compile(r"\s+")


def _one_line(match: re.Match[str]) -> str:
    run = match.group()
    return " " if "\n" in run or "\r" in run else run


def md_escape(text: str) -> str:
    """Return `text` as Markdown that reads back as exactly `text` on one line: every run of
    whitespace holding a line break becomes one space (in linear time: a pattern such as
    ``\\s*[\\r\\n]+\\s*`` backtracks quadratically over a long run of spaces)."""
    return _MD_SPECIAL.sub(r"\\\1", _SPACES.sub(_one_line, text))


class _MarkdownText:
    """A value on its way into a template's output: markupsafe's escape() asks for its
    ``__html__``, which here means "escaped for Markdown". This is how autoescaping is pointed at
    Markdown instead of HTML while macros and ``|safe`` output (Markup) pass through untouched."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return md_escape(self.text)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        raise RenderError("模板输出了空值（None）：请在模板中用 {% if %} 判断可选字段")
    return _MarkdownText(str(value))


def _join(items: Iterable[Any], separator: str = "") -> Markup:
    """Join `items` with `separator`, escaping each for Markdown (Jinja's join escapes for HTML)."""
    return Markup(
        md_escape(separator).join(
            item if isinstance(item, Markup) else md_escape(str(item)) for item in items
        )
    )


@dataclass(frozen=True)
class Rendered:
    """A document template's output as plain data, safe to send from a child process."""

    markdown: str
    """The Markdown text."""
    title: str
    """What the template set as ``title``; empty when it set none."""
    subtitle: str
    """What the template set as ``subtitle``; empty when it set none."""
    subject: str
    """What the template set as ``subject``; empty when it set none."""
    keywords: tuple[str, ...]
    """What the template set as ``keywords``; empty when it set none."""
    untranslated: tuple[str, ...] = ()
    """The profile's Chinese texts an English template printed with no English in
    ``meta.translations`` (filters.en_text_of), each once, in the order printed."""


class TemplateEnvironment:
    """Compiled templates for a list of folders; safe to share between threads."""

    def __init__(self, folders: Sequence[Path] = ()) -> None:
        self.folders: tuple[Path, ...] = (*(Path(f) for f in folders), BUNDLED_TEMPLATES)
        self.jinja = _environment(self.folders)

    def template(self, name: str) -> Template:
        """Return the compiled template `name`; raise RenderError when missing or invalid."""
        with self._errors(name):
            return self.jinja.get_template(name)
        raise AssertionError("unreachable")  # pragma: no cover

    def render_module(self, template: Template, context: dict[str, Any]) -> tuple[Any, str]:
        """Return `template` rendered with `context`: its module (``{% set %}`` values such as
        ``title``) and its Markdown text. Raise RenderError naming the template and line when
        rendering fails or reaches for anything the sandbox forbids."""
        with self._errors(template.name or "<template>", template, context):
            module = template.make_module(context)
            return module, str(module)
        raise AssertionError("unreachable")  # pragma: no cover

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Return template `name` rendered with `context` as Markdown text."""
        return self.render_module(self.template(name), context)[1]

    def render_document(self, name: str, context: dict[str, Any]) -> Rendered:
        """Return document template `name` rendered with `context`, with the values it set,
        all as plain strings. Raise RenderError when the Markdown exceeds MAX_OUTPUT_CHARS."""
        from policygen.templating.filters import NOTED, UNTRANSLATED

        template = self.template(name)
        untranslated: list[str] = []  # this render's own: filled by the en_text filter
        noted: set[str] = set()
        module, markdown = self.render_module(
            template, {**context, UNTRANSLATED: untranslated, NOTED: noted}
        )
        if len(markdown) > MAX_OUTPUT_CHARS:
            raise RenderError(
                f"模板 {name} 输出超过 {MAX_OUTPUT_CHARS} 个字符上限 "
                f"(template output longer than {MAX_OUTPUT_CHARS} characters)"
            )
        with self._errors(name, template):
            keywords = getattr(module, "keywords", ()) or ()
            return Rendered(
                markdown=markdown,
                title=str(getattr(module, "title", "") or ""),
                subtitle=str(getattr(module, "subtitle", "") or ""),
                subject=str(getattr(module, "subject", "") or ""),
                keywords=tuple(str(k) for k in keywords),
                untranslated=tuple(untranslated),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _errors(
        self, name: str, template: Template | None = None, context: dict[str, Any] | None = None
    ) -> Iterator[None]:
        """Turn what rendering `template` (named `name`) with `context` raised into a
        RenderError naming the template file and line, and what to change there."""
        try:
            yield
        except TemplateNotFound as exc:
            raise RenderError(f"找不到模板 {exc.name}（查找目录：{self._searched()}）") from None
        except RenderError as exc:  # a None printed: say where
            raise RenderError(f"模板 {self._where(exc, name)} 出错: {exc}") from None
        except SecurityError as exc:
            raise RenderError(
                f"模板 {name} 试图执行不允许的操作，已阻止 (blocked by the sandbox): {exc}"
            ) from None
        except TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name or name}:{exc.lineno}"
            source = exc.source if exc.source is not None else self._source(exc.name or name)
            excerpt = syntax_excerpt(self.jinja, exc, source)
            raise RenderError(
                f"模板 {where} 语法错误 (template syntax error): {syntax_message(exc)}"
                + (f"\n{excerpt}" if excerpt else "")
            ) from None
        except UndefinedError as exc:
            found = template_frame(exc)
            line = self._line(found[0].name, found[1]) if found else ""
            message = undefined_message(exc, line, context or {})
            raise RenderError(f"模板 {self._where(exc, name)} 出错：{message}") from None
        except TemplateError as exc:
            raise RenderError(
                f"模板 {self._where(exc, name)} 出错 (template error): {exc}"
            ) from None
        except RecursionError:
            raise RenderError(
                f"模板 {name} 嵌套或递归过深，已停止 (recursion too deep, e.g. a macro calling "
                "itself)"
            ) from None
        except MemoryError:
            raise RenderError(
                f"模板 {name} 渲染超出内存上限 (template rendering ran out of memory)"
            ) from None
        except Exception as exc:  # whatever else a template's expression raised: 1/0, 'a' + 1
            raise RenderError(
                f"模板 {self._where(exc, name)} 出错 ({type(exc).__name__}): {exc}"
            ) from None

    @staticmethod
    def _where(exc: BaseException, name: str) -> str:
        """Return ``file:line`` of the template (an imported one, say) `exc` was raised in."""
        found = template_frame(exc)
        if found is None:
            return f"{name}:?"
        template, line = found
        return f"{template.name or name}:{line}"

    def _source(self, name: str | None) -> str | None:
        """Return the source of template `name`; None when it cannot be read."""
        loader = self.jinja.loader
        if not name or loader is None:
            return None
        try:
            return loader.get_source(self.jinja, name)[0]
        except (TemplateError, RenderError, OSError):
            return None

    def _line(self, name: str | None, line: int) -> str:
        """Return line `line` of template `name`; empty when it cannot be read."""
        lines = (self._source(name) or "").splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _searched(self) -> str:
        return "、".join(str(f) for f in self.folders)


class _FolderLoader(FileSystemLoader):
    """Load templates from folders, but only regular files whose real path lies inside one of
    them and that are at most MAX_TEMPLATE_BYTES: a symlink in a template pack cannot pull in
    ``~/.ssh/id_rsa``, and a device or a huge file cannot stall rendering. Names with ``..``
    or an absolute path are refused by Jinja itself (split_template_path)."""

    def __init__(self, folders: Sequence[Path]) -> None:
        super().__init__([str(f) for f in folders])
        self.roots = tuple(Path(os.path.realpath(f)) for f in folders)

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            filename = posixpath.join(searchpath, *pieces)
            if os.path.isfile(filename):
                break
        else:
            raise TemplateNotFound(template)
        real = Path(os.path.realpath(filename))
        if not any(real.is_relative_to(root) for root in self.roots):
            raise RenderError(
                f"模板 {template} 指向模板目录之外的文件，已拒绝 "
                f"(template {template!r} links outside the template folders)"
            )
        data = read_file(real, MAX_TEMPLATE_BYTES)
        if data is None:
            raise RenderError(
                f"模板 {template} 超过 {MAX_TEMPLATE_BYTES // 1024} KB 上限 (template too large)"
            )
        try:
            source = data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise RenderError(
                f"模板 {template} 不是 UTF-8 编码（第 {exc.start + 1} 字节） (not UTF-8)"
            ) from None
        CACHES.watch(real, data)  # an edited template renews the environment (CACHES.refresh)
        return source, os.path.normpath(filename), lambda: True


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with ``*``, ``**`` and ``+`` bounded.

    Jinja intercepts no operator by default, so ``'x' * 10**9`` or ``9**9**9`` would take the
    memory or the CPU before any other check ran; here they stop at once with SecurityError."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_size(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _check_size(operator: str, left: Any, right: Any) -> None:
    """Raise SecurityError when `left` `operator` `right` would be too large to build."""
    if _is_int(left) and _is_int(right):
        if operator == "**" and right > 0 and abs(left) > 1:
            bits = right * math.log2(abs(left))
        elif operator == "*":
            bits = left.bit_length() + right.bit_length()
        else:
            return
        if bits > MAX_INT_BITS:
            raise SecurityError(
                f"数值过大：运算 {operator} 的结果超过 {MAX_INT_BITS} 位 (result too large)"
            )
        return
    sequence = (str, list, tuple)
    if operator == "*" and _is_int(left) and isinstance(right, sequence):
        length = left * len(right)
    elif operator == "*" and _is_int(right) and isinstance(left, sequence):
        length = right * len(left)
    elif operator == "+" and isinstance(left, sequence) and isinstance(right, sequence):
        length = len(left) + len(right)
    else:
        return
    if length > MAX_SEQUENCE:
        raise SecurityError(
            f"结果过长：运算 {operator} 生成的文本或列表超过 {MAX_SEQUENCE} 项 (result too long)"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@CACHES.memo(maxsize=16, files=True)
def _environment(folders: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    from policygen.templating.filters import FILTERS

    env = _Sandbox(
        loader=_FolderLoader(folders),
        undefined=FieldUndefined,
        autoescape=True,
        finalize=_finalize,
        # Markdown ids are written {#id}, which is Jinja's comment syntax; comments become {## ##}.
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # an edited template renews the whole environment: CACHES.refresh
    )
    env.filters.update(FILTERS)
    env.filters["join"] = _join
    env.filters["md"] = lambda value: Markup(md_escape(str(value)))
    env.bytecode_cache = _bytecode_cache(env)
    return env


def _bytecode_cache(env: Environment) -> FileSystemBytecodeCache | None:
    """Return a cache of compiled templates shared by later processes (policygen.cache), in a
    folder of its own for every Jinja version and setting that changes the compiled code: Jinja
    checks each entry against its template's source and the Python version only."""
    from policygen import __version__
    from policygen.cache import cache_dir

    settings = repr(
        (
            jinja2.__version__,
            __version__,
            type(env).__name__,
            sorted(getattr(env, "intercepted_binops", ())),
            sorted(getattr(env, "intercepted_unops", ())),
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            env.finalize is not None,
            env.is_async,
            sorted(env.extensions),
            # A filter that takes the context (pass_context) is called with it by the code
            # compiled for it: a filter turned into one needs its templates compiled anew.
            sorted(
                (name, str(getattr(f, "jinja_pass_arg", ""))) for name, f in env.filters.items()
            ),
        )
    )
    folder = cache_dir("jinja-" + hashlib.sha256(settings.encode()).hexdigest()[:16])
    return None if folder is None else FileSystemBytecodeCache(str(folder))


def environment_for(folders: Sequence[Path] = ()) -> TemplateEnvironment:
    """Return the (cached) environment for a user's template `folders` plus the bundled ones."""
    return TemplateEnvironment(tuple(Path(f).resolve() for f in folders))
