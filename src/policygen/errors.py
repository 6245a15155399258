"""The few exceptions policygen raises, and the exit codes the command line maps them to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; a public contract for scripts."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2


@dataclass(frozen=True)
class Location:
    """Where in a source file a value sits. Lines and columns count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

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

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class PolicygenError(Exception):
    """Base class of every error policygen raises on purpose."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT


class InvalidInputError(PolicygenError):
    """The input cannot be used; `issues` lists every problem found, each located."""

    def __init__(self, issues: list[Issue], source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        count = len(issues)
        head = f"{source}: " if source else ""
        super().__init__(
            f"{head}发现 {count} 处错误 ({count} error{'s' if count != 1 else ''})\n"
            + "\n".join(f"  - {issue}" for issue in issues)
        )

    def __reduce__(self) -> tuple[type[InvalidInputError], tuple[list[Issue], str | None]]:
        # Rebuilt from its issues when sent back from a worker process (parallel.py):
        # Exception's own pickling would pass the formatted message as `issues`.
        return (type(self), (self.issues, self.source))


class UsageError(PolicygenError):
    """The command was called wrongly (unknown document kind, format, option)."""

    exit_code = ExitCode.USAGE


class RenderError(PolicygenError):
    """A template or writer could not produce the document; the message says where."""
