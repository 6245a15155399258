"""The sandboxed Jinja environment that renders Markdown templates with profile data.

Input: template folders and a context. Output: Markdown text in which every value from the
profile is escaped for Markdown, so a vendor called ``*A* [B](#x)`` stays literal text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from policygen.errors import RenderError

BUNDLED_TEMPLATES = Path(str(resources.files("policygen") / "templates" / "zh"))
"""The templates shipped with policygen; a user's folders are searched before it."""

# Any ASCII punctuation may be backslash-escaped in CommonMark and markdown-it turns the escape
# back into the character. Escaping every character that can start structure anywhere (line
# starts, emphasis, links, table cells, entities, our {#id} attributes) is simpler and safer
# than deciding which are special where.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def md_escape(text: str) -> str:
    """Return `text` as Markdown that reads back as exactly `text` on one line."""
    return _MD_SPECIAL.sub(r"\\\1", _NEWLINES.sub(" ", text))


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
        with self._errors(template.name or "<template>", template):
            module = template.make_module(context)
            return module, str(module)
        raise AssertionError("unreachable")  # pragma: no cover

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Return template `name` rendered with `context` as Markdown text."""
        return self.render_module(self.template(name), context)[1]

    @contextmanager
    def _errors(self, name: str, template: Template | None = None) -> Iterator[None]:
        try:
            yield
        except TemplateNotFound as exc:
            raise RenderError(f"找不到模板 {exc.name}（查找目录：{self._searched()}）") from None
        except RenderError as exc:  # a None printed: say where
            line = _template_line(exc, template)
            raise RenderError(f"模板 {name}:{line or '?'} 出错: {exc}") from None
        except SecurityError as exc:
            raise RenderError(
                f"模板 {name} 试图执行不允许的操作，已阻止 (blocked by the sandbox): {exc}"
            ) from None
        except TemplateError as exc:
            line = getattr(exc, "lineno", None) or _template_line(exc, template)
            where = f"{getattr(exc, 'filename', None) or name}:{line or '?'}"
            raise RenderError(f"模板 {where} 出错 (template error): {exc}") from None

    def _searched(self) -> str:
        return "、".join(str(f) for f in self.folders)


@lru_cache(maxsize=16)
def _environment(folders: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    from policygen.templating.filters import FILTERS

    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(f) for f in folders]),
        undefined=StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        # Markdown ids are written {#id}, which is Jinja's comment syntax; comments become {## ##}.
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.filters["join"] = _join
    env.filters["md"] = lambda value: Markup(md_escape(str(value)))
    return env


def _template_line(exc: BaseException, template: Template | None) -> int | None:
    """Return the template line a runtime error happened on, from its traceback.

    make_module() does not rewrite tracebacks as render() does, so the compiled template's
    Python line is mapped back through the template's debug information."""
    if template is None:
        return None
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template.filename:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def environment_for(folders: Sequence[Path] = ()) -> TemplateEnvironment:
    """Return the (cached) environment for a user's template `folders` plus the bundled ones."""
    return TemplateEnvironment(tuple(Path(f).resolve() for f in folders))
