"""State what laying out one document may cost, and check a document before it is laid out.

Input: a numbered Document about to be laid out (its PDF, or the page numbers of a DOCX's
contents page). Output: the document's size, or BudgetExceeded naming the document and the
place that breaks the budget.

A template within its output limits can still make an engine lay out for hours: a 9.6-million
character document kept WeasyPrint busy for more than ten minutes at 2.7 GB, and Typst took
4.2 GB. So every layout runs in a child process under a time and a memory budget
(layout.process), set by POLICYGEN_LAYOUT_TIMEOUT and POLICYGEN_LAYOUT_MEMORY_MB. What is known
to cost more than its size is refused before any layout: WeasyPrint shapes the rest of a run
without a line-break opportunity again for every line it breaks it into, so a run of 20,000
letters takes 11 s, and a profile of 213 KB with ten of them took 71 s. A run longer than
MAX_UNBROKEN_RUN characters is an error at its place; no real clause has one."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from policygen.errors import RenderError, UsageError

if TYPE_CHECKING:
    from policygen.tree import nodes as n

TIMEOUT_VARIABLE = "POLICYGEN_LAYOUT_TIMEOUT"
"""Environment variable overriding the seconds one document's layout may take."""

MEMORY_VARIABLE = "POLICYGEN_LAYOUT_MEMORY_MB"
"""Environment variable overriding the address space of a layout process, in MiB."""

MAX_UNBROKEN_RUN = 1000
"""Most characters a document may hold in a row without a place to break a line (a space, or
a CJK character). The longest identifier a contract prints (a URL, an account) is far shorter;
a run this long costs WeasyPrint about 10 ms."""

_RUN = re.compile(
    r"[^\s\u200b\u2e80-\u2fff\u3000-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
    rf"\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]{{{MAX_UNBROKEN_RUN + 1},}}"
)
"""A run of more than MAX_UNBROKEN_RUN characters none of which offers a line break: not a
space, not a CJK ideograph, kana, hangul, CJK or full-width punctuation. Latin punctuation
counts as part of the run (a comma between letters is no break opportunity), so the run found
is never shorter than the one the engine sees."""


class BudgetExceeded(RenderError):
    """A document, or a request, needs more than its budget; the message names the document
    and the limit, and how to raise it."""

    http_status = 413
    code = "too_costly"
    """(A request whose own time ran out, ``deadline``, the HTTP service answers 503.)"""

    def __init__(self, message: str, limit: str = "time") -> None:
        super().__init__(message, limit)
        self.limit = limit
        """Which limit: ``time``, ``memory``, ``size`` (refused before layout) or
        ``deadline`` (the request's own time budget ran out)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class LayoutBudget:
    """What laying out one document may use."""

    timeout: float = 60.0
    """Wall-clock seconds the layout of one document (PDF, or page numbers) may take."""
    memory_bytes: int = 2048 * 1024**2
    """Address space of the process that lays it out (``RLIMIT_AS``), in bytes."""

    @classmethod
    def from_environment(cls) -> LayoutBudget:
        """Return the default budget, overridden by POLICYGEN_LAYOUT_TIMEOUT (seconds) and
        POLICYGEN_LAYOUT_MEMORY_MB; raise UsageError when either is not a positive number."""
        return limits_from_environment(cls, TIMEOUT_VARIABLE, MEMORY_VARIABLE)

    def seconds(self, deadline: float | None, what: str) -> tuple[float, bool]:
        """Return the seconds the next layout of `what` may take, and whether the request's
        `deadline` (a time.monotonic() value; None: none) rather than `timeout` sets them;
        raise BudgetExceeded when the deadline has passed."""
        if deadline is None:
            return self.timeout, False
        left = deadline - time.monotonic()
        if left <= 0:
            raise out_of_time(what)
        return (left, True) if left < self.timeout else (self.timeout, False)


def positive_setting(variable: str, default: float) -> float:
    """Return the number environment variable `variable` holds, or `default` when it is unset
    or empty; raise UsageError when it is not a positive finite number."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise UsageError(f"环境变量 {variable}={raw!r} 应为正数 (must be a positive number)")
    return value


class _Limits(Protocol):
    """The limits of a child process: LayoutBudget, templating.limits.TemplateLimits."""

    @property
    def timeout(self) -> float:
        """Wall-clock seconds."""

    @property
    def memory_bytes(self) -> int:
        """Address space (``RLIMIT_AS``), in bytes."""


_L = TypeVar("_L", bound=_Limits)


def limits_from_environment(
    kind: Callable[..., _L], timeout_variable: str, memory_variable: str
) -> _L:
    """Return the default limits of `kind` (``kind()``), overridden by the seconds environment
    variable `timeout_variable` holds and the megabytes `memory_variable` holds; raise
    UsageError when either is not a positive finite number."""
    defaults = kind()
    seconds = positive_setting(timeout_variable, defaults.timeout)
    megabytes = positive_setting(memory_variable, defaults.memory_bytes / 1024**2)
    return kind(timeout=seconds, memory_bytes=int(megabytes * 1024**2))


def document_name(doc: n.Document) -> str:
    """Return how errors name `doc`: its title, and its contract number when it has one."""
    number = f"（{doc.meta.contract_no}）" if doc.meta.contract_no else ""
    return f"《{doc.title}》{number}"


def check_layout(doc: n.Document) -> str:
    """Return how a layout error names `doc`: its title and contract number, its size and where
    its longest piece of text is (``《…》（HY-001；全文 45210 个字符，最长一段 20000 个字符，在
    第四条／表1 第6行）``), for a document too costly to lay out is most often one long text in
    a narrow place (WeasyPrint's time grows with a text's length times its lines). Raise
    BudgetExceeded at the first run of more than MAX_UNBROKEN_RUN characters without a
    line-break opportunity, naming its place."""
    from policygen.tree.walk import document_texts  # a layout process checks no document

    total, longest, longest_at = 0, 0, ""
    for text, place in document_texts(doc):
        total += len(text)
        if len(text) > longest:
            longest, longest_at = len(text), "／".join(place)
        run = _RUN.search(text)
        if run is not None:
            shown = run.group()[:24]
            raise BudgetExceeded(
                f"{document_name(doc)} {'／'.join(place)}：有一串 {len(run.group())} 个字符"
                f"（“{shown}…”）中间没有可以换行的地方，超过排版上限 {MAX_UNBROKEN_RUN} 个；"
                "请在其中加空格或拆分 (a run of characters with no line-break opportunity, "
                f"longer than {MAX_UNBROKEN_RUN}: laying it out costs more than its size)",
                "size",
            )
    number = f"{doc.meta.contract_no}；" if doc.meta.contract_no else ""
    return (
        f"《{doc.title}》（{number}全文 {total} 个字符，最长一段 {longest} 个字符，"
        f"在 {longest_at}）"
    )


def timed_out(what: str, seconds: float) -> BudgetExceeded:
    """Return the error for the layout of `what` stopped after `seconds`."""
    return BudgetExceeded(
        f"{what} 的 PDF 排版超时（超过 {seconds:g} 秒），已终止；可用环境变量 "
        f"{TIMEOUT_VARIABLE} 调整 (PDF layout timed out)",
        "time",
    )


def out_of_memory(what: str, memory_bytes: int, exitcode: int | None = None) -> BudgetExceeded:
    """Return the error for the layout of `what` stopped at its memory limit (or, with
    `exitcode`, for the layout process that died, most likely of it)."""
    limit = f"内存上限（{memory_bytes // 1024**2} MB）"
    happened = (
        f"排版超出{limit}，已终止"
        if exitcode is None
        else f"排版进程异常退出（退出码 {exitcode}），很可能超出了{limit}"
    )
    return BudgetExceeded(
        f"{what} 的 PDF {happened}；可用环境变量 {MEMORY_VARIABLE} 调整 "
        "(PDF layout exceeded its memory limit)",
        "memory",
    )


def out_of_time(what: str) -> BudgetExceeded:
    """Return the error for a request whose time budget ran out before `what` was laid out."""
    return BudgetExceeded(
        f"{what}：本次请求的处理时间已用完，未完成排版 (the request ran out of its time budget)",
        "deadline",
    )
