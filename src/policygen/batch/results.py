"""What a run reports: each row's result, the failed rows' errors held in a temporary file, the summary."""

from __future__ import annotations

import heapq
import json
import os
import tempfile
import typing
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policygen.batch.constants import Status
from policygen.chars import printable
from policygen.errors import Issue
from policygen.readers.engagements import Row


@dataclass(frozen=True)
class RowResult:
    """What became of one row."""

    number: int
    """The row's number (see Row.number)."""
    line: int
    """The line the row starts on."""
    contract_no: str | None
    """The row's contract number, when it has one."""
    status: Status
    """rendered: at least one file was written; skipped: every file was up to date."""
    files: tuple[str, ...] = ()
    """The files written, relative to the output folder."""
    issues: tuple[Issue, ...] = ()
    """Why the row failed."""

    def messages(self) -> list[str]:
        """Return one line per issue, e.g. ``row 17: vendor.credit_code: 统一社会信用代码…``."""
        return [
            f"row {self.number}: {issue.path + ': ' if issue.path else ''}{issue.message}"
            for issue in self.issues
        ]


def _failed(row: Row, message: str, path: str = "") -> RowResult:
    return RowResult(
        row.number, row.line, _contract_no(row.data), "failed", (), (Issue(path, message),)
    )


def _contract_no(data: Mapping[str, Any] | None) -> str | None:
    """Return the contract number a row declares, as it may be printed (chars.printable): a
    row that failed may hold any text there, and it goes into the report and the terminal."""
    number = data.get("contract_no") if data else None
    return printable(number.strip()) if isinstance(number, str) else None


class ErrorLog:
    """The errors of the failed rows, in row order, kept in a temporary file rather than in
    memory, so that memory stays flat however many rows fail.

    Rows are rendered in parallel, so results arrive a little out of order: `add` holds each
    failed row until `settle` says that no earlier row can still come, then writes its
    errors to the file, one JSON line each."""

    def __init__(self) -> None:
        self._held: list[tuple[int, int, RowResult]] = []
        """Failed rows not yet written: (row number, arrival, result), a heap."""
        self._arrivals = 0
        self._file: typing.IO[bytes] | None = None

    @property
    def held(self) -> int:
        """How many failed rows wait for `settle`."""
        return len(self._held)

    def add(self, result: RowResult) -> None:
        """Hold the failed row `result` until `settle` writes it."""
        self._arrivals += 1
        heapq.heappush(self._held, (result.number, self._arrivals, result))

    def settle(self, before: int | None = None) -> None:
        """Write the rows held whose number is below `before` (None: all of them)."""
        while self._held and (before is None or self._held[0][0] < before):
            _, _, result = heapq.heappop(self._held)
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the finalizer
                weakref.finalize(self, self._file.close)
            self._file.seek(0, os.SEEK_END)
            for entry in _entries_of(result):
                self._file.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield every error as JSON-ready data, by row number."""
        self.settle()
        if self._file is None:
            return
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)


def _entries_of(result: RowResult) -> Iterator[dict[str, Any]]:
    for issue in result.issues:
        yield {
            "row": result.number,
            "line": result.line,
            "contract_no": result.contract_no,
            "path": issue.path,
            "message": issue.message,
        }


@dataclass
class BatchSummary:
    """The outcome of a batch run."""

    rows: int = 0
    """Rows in the file."""
    rendered: int = 0
    """Rows for which at least one file was written."""
    skipped: int = 0
    """Rows whose files were all up to date."""
    failed: int = 0
    """Rows reported with issues; nothing of theirs was written unless a writer failed late."""
    files: int = 0
    """Files written."""
    seconds: float = 0.0
    """Wall-clock time of the run."""
    interrupted: bool = False
    """True when SIGINT or SIGTERM stopped the run: every row counted above was finished,
    the others were not started or not finished (`unfinished`)."""
    errors: ErrorLog = field(default_factory=ErrorLog)
    """The failed rows' errors, by row number."""

    @property
    def unfinished(self) -> int:
        """Rows neither rendered, skipped nor failed: left when the run was interrupted."""
        return max(0, self.rows - self.rendered - self.skipped - self.failed)

    def add(self, result: RowResult) -> None:
        """Count `result`."""
        if result.status == "rendered":
            self.rendered += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.errors.add(result)
        self.files += len(result.files)

    def counts(self) -> dict[str, Any]:
        """Return the counts as JSON-ready data; `interrupted` and `unfinished` only when the
        run was interrupted."""
        stopped = {"interrupted": True, "unfinished": self.unfinished} if self.interrupted else {}
        return {
            "rows": self.rows,
            "rendered": self.rendered,
            "skipped": self.skipped,
            "failed": self.failed,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            **stopped,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data, one entry per issue of each failed row."""
        return {**self.counts(), "errors": list(self.errors)}

    def report(self) -> Iterator[bytes]:
        """Yield `as_dict` as indented JSON text in pieces, never holding every error at once."""
        head = json.dumps(self.counts(), ensure_ascii=False, indent=2)
        yield (head[:-2] + ',\n  "errors": [').encode("utf-8")
        separator = "\n"
        for entry in self.errors:
            text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            yield f"{separator}    {text}".encode()
            separator = ",\n"
        yield ("\n  ]\n}\n" if separator == ",\n" else "]\n}\n").encode("utf-8")
