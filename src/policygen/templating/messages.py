"""Say what went wrong in a user's template in terms its author can act on.

Input: a Jinja error (an undefined field, a syntax error) and the template's source or the tag
it failed in. Output: one message naming the field path (``organisation.nmae``) with the
closest field (``organisation.name``), or the failing line with the lines around it and a caret
under the offending token; never a Python class repr."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.parser import Parser
from jinja2.utils import missing
from pydantic import BaseModel

from policygen.errors import suggest

_NAME = r"[A-Za-z_]\w*"
_LEXER_AT = re.compile(r" at (\d+)$")
_CLOSERS = {"variable_end": "}}", "block_end": "%}", "variable_begin": "{{", "block_begin": "{%"}


class UndefinedField(UndefinedError):
    """An undefined variable or field was used: what was looked up, and in what."""

    def __init__(self, message: str, owner: Any = missing, name: Any = None) -> None:
        super().__init__(message)
        self.owner = owner
        """The object the field was looked up in; ``missing`` for a top-level variable."""
        self.name = name
        """The name (or key, or index) looked up."""


class FieldUndefined(StrictUndefined):
    """Jinja's StrictUndefined whose error (UndefinedField) keeps what was looked up and in
    what, and whose message names a type rather than printing its repr."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[Exception] = UndefinedError,
    ) -> None:
        if exc is UndefinedError:
            exc = functools.partial(UndefinedField, owner=obj, name=name)  # type: ignore[assignment]
        super().__init__(hint, obj, name, exc)  # type: ignore[arg-type]

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return f"{self._undefined_name!r} is undefined"
        owner = type(self._undefined_obj).__name__
        return f"{owner} has no field {self._undefined_name!r}"


def fields_of(owner: Any) -> list[str]:
    """Return the names a template may look up in `owner`: a model's or a dataclass's fields
    and properties, a mapping's keys, else its public attributes."""
    if isinstance(owner, Mapping):
        return [str(key) for key in owner]
    kind = type(owner)
    properties = [n for n in dir(kind) if not n.startswith("_") and isinstance(
        getattr(kind, n, None), property | functools.cached_property)]  # fmt: skip
    if isinstance(owner, BaseModel):
        return [*type(owner).model_fields, *properties]
    if dataclasses.is_dataclass(owner):
        return [f.name for f in dataclasses.fields(owner)] + properties
    return [n for n in dir(owner) if not n.startswith("_")]


def undefined_message(error: UndefinedError, text: str, variables: Iterable[str]) -> str:
    """Return what `error` means for a template author: the field path as written in `text`
    (the template line or tag that failed), and the closest name that exists, e.g.
    ``未定义的字段 organisation.nmae，是否想写「organisation.name」？``. `variables` are the
    template's top-level variables, for a misspelt one."""
    owner = getattr(error, "owner", missing)
    name = getattr(error, "name", None)
    if not isinstance(error, UndefinedField) or not isinstance(name, str | int):
        return f"未定义的字段 (undefined field): {error}"
    if owner is missing:
        path, prefix, choices = str(name), "", list(variables)
    else:
        prefix = _prefix(text, name)
        path = f"{prefix}.{name}" if prefix and isinstance(name, str) else (
            f"{prefix}[{name!r}]" if prefix else repr(name))  # fmt: skip
        choices = fields_of(owner)
    if isinstance(name, int):
        return f"「{path}」不存在：序号超出范围 (no item {name} in {prefix or 'the list'})"
    hint = suggest(name, choices, prefix=f"{prefix}." if prefix else "")
    if hint.zh:
        return f"未定义的字段 {path}{hint.zh} (undefined field {path}{hint.en})"
    shown = "、".join(choices[:20]) + ("…" if len(choices) > 20 else "")
    where = f"；此处可用：{shown}" if choices else ""
    return f"未定义的字段 {path}{where} (undefined field {path})"


def _prefix(text: str, name: str | int) -> str:
    """Return the expression `name` was looked up in, as `text` writes it (``organisation``
    in ``{{ organisation.nmae }}``, ``sla.metrics`` in ``{{ sla.metrics[9] }}``); empty when
    `text` does not show it."""
    key = re.escape(str(name))
    if isinstance(name, int):
        lookup = rf"\[\s*{key}\s*\]"
    else:
        lookup = rf"\.{key}\b|\[\s*['\"]{key}['\"]\s*\]"
    found = re.search(rf"(?<![\w.])({_NAME}(?:\.{_NAME}|\[[^\]]*\])*)(?:{lookup})", text)
    return found.group(1) if found else ""


def syntax_message(error: TemplateSyntaxError) -> str:
    """Return `error`'s message without the lexer's character offset (the excerpt's caret
    shows where)."""
    return _LEXER_AT.sub("", str(error.message or ""))


def syntax_excerpt(env: Environment, error: TemplateSyntaxError, source: str | None) -> str:
    """Return the lines of `source` around `error`'s line, numbered, with a caret under the
    token the parser stopped at (re-parsed with `env`'s syntax); empty without a source."""
    if not source or not error.lineno:
        return ""
    lines = source.splitlines()
    if not 0 < error.lineno <= len(lines):
        return ""
    column = _error_column(env, error, source, lines)
    first = max(1, error.lineno - 1)
    last = min(len(lines), error.lineno + 1)
    width = len(str(last))
    shown = []
    for number in range(first, last + 1):
        shown.append(f"  {number:>{width}} | {lines[number - 1]}")
        if number == error.lineno:
            shown.append(f"  {'':>{width}} | {_spaces(lines[number - 1][:column])}^")
    return "\n".join(shown)


def _error_column(env: Environment, error: TemplateSyntaxError, source: str, lines: list[str]
                  ) -> int:  # fmt: skip
    """Return the column (from 0) of `error`'s line at which parsing stopped: the lexer's
    offset when it gives one, else where the token the parser stood at is written, else the
    line's first tag."""
    line = lines[error.lineno - 1]
    offset = _LEXER_AT.search(str(error.message or ""))
    if offset:
        before = source[: int(offset.group(1))]
        if before.count("\n") + 1 == error.lineno:
            return len(before) - (before.rfind("\n") + 1)
    parser = Parser(env, source)
    try:
        parser.parse()
    except TemplateSyntaxError:
        token = parser.stream.current
        text = _CLOSERS.get(token.type, str(token.value))
        if token.lineno == error.lineno and text:
            start = max(line.find("{{"), line.find("{%"), 0)
            at = line.find(text, start)
            if at >= 0:
                return at
    tags = [at for at in (line.find("{{"), line.find("{%")) if at >= 0]
    return min(tags, default=0)


def _spaces(text: str) -> str:
    """Return blanks as wide as `text` on a terminal: a CJK character takes two columns."""
    from rich.cells import cell_len

    return "".join("\t" if char == "\t" else " " * cell_len(char) for char in text)


def template_frame(error: BaseException) -> tuple[Template, int] | None:
    """Return the template, and its line, in which `error` was raised: the innermost compiled
    template frame of its traceback (an imported macro file's, say); None when it has none."""
    found = None
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if isinstance(template, Template):
            found = (template, template.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return found


__all__ = [
    "FieldUndefined",
    "UndefinedField",
    "fields_of",
    "syntax_excerpt",
    "syntax_message",
    "template_frame",
    "undefined_message",
]
