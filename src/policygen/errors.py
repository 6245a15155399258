"""The few exceptions policygen raises, and the exit codes the command line maps them to."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from policygen.chars import printable


def closest_name(name: str, names: Iterable[str]) -> str | None:
    """Return the one of `names` that `name` most likely misspells, for a message's "did you
    mean"; None when none is close (difflib's ratio below 0.6)."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return close[0] if close else None


class Suggestion(NamedTuple):
    """The "did you mean" of a message, in its Chinese text and in its English gloss; both
    empty when there is nothing to suggest."""

    zh: str
    """``，是否想写「organisation.name」？``"""
    en: str
    """``; did you mean organisation.name?``"""


def suggest(name: str, names: Iterable[str], *, prefix: str = "") -> Suggestion:
    """Return the "did you mean" for `name` among `names` (closest_name), shown after
    `prefix` (``organisation.``); empty strings when none is close."""
    close = closest_name(name, names)
    if close is None:
        return Suggestion("", "")
    shown = f"{prefix}{close}"
    return Suggestion(f"，是否想写「{shown}」？", f"; did you mean {shown}?")


NOTHING_TO_RENDER = "没有可生成的文档：所选类型需要 engagements 中至少一份合同 (nothing to render)"
"""What a request whose kinds give no document is told (per-engagement kinds, no engagement)."""


class ExitCode(IntEnum):
    """Process exit codes; a public contract for scripts."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INTERRUPTED = 130
    """Ctrl-C (SIGINT): 128 + 2, as a shell reports a command it interrupted."""


@dataclass(frozen=True)
class Location:
    """Where in a source file a value sits. Lines and columns count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        # A file name from the command line may hold what cannot be printed (a byte that is
        # not UTF-8 arrives as a lone surrogate).
        object.__setattr__(self, "file", printable(self.file))

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Issue:
    """One problem in the input: its dotted path, a message for a Chinese legal reader, its place."""

    path: str
    message: str
    location: Location | None = None

    def __post_init__(self) -> None:
        # Paths and messages quote keys and values as written; every control, lone surrogate
        # and bidirectional control among them is shown as <U+XXXX>, so no input can break the
        # JSON, report or terminal line an issue is printed on, or reorder the text around it.
        object.__setattr__(self, "path", printable(self.path))
        object.__setattr__(self, "message", printable(self.message, keep="\n\t"))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class PolicygenError(Exception):
    """Base class of every error policygen raises on purpose."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT
    http_status = 500
    """The HTTP service's and the editor's status for it."""
    code = "render_failed"
    """A stable name of what failed: the ``error`` of the HTTP service's and the editor's
    answer."""

    def __str__(self) -> str:
        return printable(super().__str__(), keep="\n\t")


class InvalidInputError(PolicygenError):
    """The input cannot be used; `issues` lists every problem found, each located."""

    http_status = 422
    code = "invalid_input"
    """(The HTTP answer lists the issues instead: a ValidationReport.)"""

    def __init__(self, issues: list[Issue], source: str | None = None, what: str = "配置") -> None:
        self.issues = issues
        self.source = None if source is None else printable(source)
        self.what = what
        """What the input is, for a headline such as 配置有误: the profile (配置), the
        engagements file of a batch (合同清单), its output folder (输出目录)…"""
        count = len(issues)
        head = f"{self.source}: " if self.source else ""
        super().__init__(
            f"{head}发现 {count} 处错误 ({count} error{'s' if count != 1 else ''})\n"
            + "\n".join(f"  - {issue}" for issue in issues)
        )

    def __reduce__(self) -> tuple[type[InvalidInputError], tuple[list[Issue], str | None, str]]:
        # Rebuilt from its issues when sent back from a worker process (parallel.py):
        # Exception's own pickling would pass the formatted message as `issues`.
        return (type(self), (self.issues, self.source, self.what))


class UsageError(PolicygenError):
    """The command was called wrongly (unknown document kind, format, option)."""

    exit_code = ExitCode.USAGE
    http_status = 400

    def __init__(
        self, message: str, *, code: str = "bad_request", allowed: Iterable[str] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        """A stable name of the check that failed (unknown_kind, unknown_format…): the
        ``error`` of the HTTP service's answer."""
        self.allowed = tuple(allowed)
        """The values accepted, when a value was not among them; empty otherwise."""


class TooManyDocuments(UsageError):
    """A request for more documents than one answer may carry (api.render_zip); the HTTP
    service answers it 413."""

    http_status = 413

    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_many_documents")


class RenderError(PolicygenError):
    """A template or writer could not produce the document; the message says where."""
