"""Render a document template from a user's folders in a child process, under a time and a
memory limit.

Input: the user's template folders, a template name and its context. Output: `Rendered`, the
Markdown text and the values the template set, as plain strings.

The sandbox (templating.environment) keeps a template away from Python's internals, but not from
looping for hours or building a gigabyte of text: Jinja's documentation leaves resource limits to
the caller. So when template folders are given, the template is compiled and rendered in a child
process that has ``RLIMIT_AS`` and ``RLIMIT_CPU`` set and is killed when it outlives its
wall-clock budget. The child comes from a forkserver (or is spawned), never forked from a parent
that may be running threads, and answers with JSON bytes, so the parent unpickles nothing a
template produced. The bundled templates are ours and render in this process, which costs
nothing. run_limited runs any other user-template task the same way (a user's Word template:
word_template)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from policygen.caches import CACHES
from policygen.errors import PolicygenError, RenderError
from policygen.layout.budget import limits_from_environment
from policygen.procs import serve_parent
from policygen.templating.environment import MAX_OUTPUT_CHARS, Rendered, environment_for

TIMEOUT_VARIABLE = "POLICYGEN_TEMPLATE_TIMEOUT"
"""Environment variable overriding the wall-clock limit, in seconds."""

MEMORY_VARIABLE = "POLICYGEN_TEMPLATE_MEMORY_MB"
"""Environment variable overriding the address-space limit, in MiB."""


@dataclass(frozen=True)
class TemplateLimits:
    """The resources one rendering of a user's template may use."""

    timeout: float = 30.0
    """Wall-clock seconds, counted from the start of the child; it is killed after that."""
    memory_bytes: int = 1024**3
    """Address space of the child (``RLIMIT_AS``), in bytes."""

    @classmethod
    def from_environment(cls) -> TemplateLimits:
        """Return the default limits, overridden by POLICYGEN_TEMPLATE_TIMEOUT (seconds) and
        POLICYGEN_TEMPLATE_MEMORY_MB; raise UsageError when either is not a positive number."""
        return limits_from_environment(cls, TIMEOUT_VARIABLE, MEMORY_VARIABLE)


def render_template(
    name: str,
    context: dict[str, Any],
    *,
    template_dirs: Sequence[Path] = (),
    limits: TemplateLimits | None = None,
) -> Rendered:
    """Return template `name` rendered with `context`.

    With no `template_dirs`, render the bundled template in this process. Otherwise render in a
    child process under `limits` (None: TemplateLimits.from_environment()); raise RenderError
    when it times out, runs out of memory or fails."""
    if not template_dirs:
        return environment_for(()).render_document(name, context)
    folders = tuple(Path(f).resolve() for f in template_dirs)
    return _render_in_child(folders, name, context, limits or TemplateLimits.from_environment())


# --------------------------------------------------------------------------- the child


def _timed_out(name: str, limits: TemplateLimits) -> RenderError:
    return RenderError(
        f"模板 {name} 渲染超时（超过 {limits.timeout:g} 秒），已终止；可用环境变量 "
        f"{TIMEOUT_VARIABLE} 调整 (template rendering timed out)"
    )


def _out_of_memory(name: str, limits: TemplateLimits) -> RenderError:
    return RenderError(
        f"模板 {name} 渲染超出内存上限（{limits.memory_bytes // 1024**2} MB），已终止；"
        f"可用环境变量 {MEMORY_VARIABLE} 调整 (template rendering exceeded the memory limit)"
    )


def _died(name: str, limits: TemplateLimits, exitcode: int | None) -> RenderError:
    if exitcode == -signal.SIGXCPU:
        return _timed_out(name, limits)
    if exitcode == -signal.SIGKILL:  # the kernel's OOM killer
        return _out_of_memory(name, limits)
    return RenderError(
        f"模板 {name} 渲染进程异常退出（退出码 {exitcode}），可能超出内存上限；从 Python 脚本"
        "调用时，请把调用写在 if __name__ == '__main__': 之下 (the template process died; "
        "a script that renders user templates must guard its entry point)"
    )


def _render_in_child(
    folders: tuple[Path, ...], name: str, context: dict[str, Any], limits: TemplateLimits
) -> Rendered:
    answer = run_limited(_render_markdown, (folders, name, context), name=name, limits=limits)
    fields = answer["rendered"]
    return Rendered(
        **{
            **fields,
            "keywords": tuple(fields["keywords"]),
            "untranslated": tuple(fields["untranslated"]),
        }
    )


def _render_markdown(
    folders: tuple[Path, ...], name: str, context: dict[str, Any]
) -> dict[str, Any]:
    """Render Markdown template `name` (in the child); return the outcome as JSON data."""
    rendered = environment_for(folders).render_document(name, context)
    return {"rendered": dataclasses.asdict(rendered)}


def run_limited(
    task: Callable[..., dict[str, Any]],
    args: tuple[Any, ...],
    *,
    name: str,
    limits: TemplateLimits | None = None,
    max_bytes: int = 6 * MAX_OUTPUT_CHARS + 1024 * 1024,
) -> dict[str, Any]:
    """Return what `task(*args)` returns, computed in a child process under `limits` (None:
    TemplateLimits.from_environment()).

    `task` must be a module-level function (the child imports it by name), take picklable
    `args` and return JSON data of at most `max_bytes` encoded. RenderError naming template
    `name` is raised when the child times out, runs out of memory, dies, or `task` raises;
    a PolicygenError from `task` keeps its message."""
    limits = limits or TemplateLimits.from_environment()
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(  # type: ignore[attr-defined]
        target=_child,
        args=(sender, task, args, name, limits),
        name="policygen-template",
        daemon=True,
    )
    try:
        try:
            process.start()
        except (OSError, RuntimeError, AssertionError) as error:  # no fork, a daemonic parent
            raise RenderError(
                f"无法启动模板渲染进程 (cannot start the template process): {error}"
            ) from None
        sender.close()
        if not receiver.poll(limits.timeout):
            raise _timed_out(name, limits)
        try:
            # JSON escapes a character in at most 6 bytes; the child checked the length.
            data = receiver.recv_bytes(maxlength=max_bytes)
        except (EOFError, OSError):  # the child died without answering
            process.join(timeout=5)
            raise _died(name, limits, process.exitcode) from None
    finally:
        receiver.close()
        sender.close()
        if process.is_alive():
            process.kill()
        if process.pid is not None:
            process.join()
        process.close()
    answer: dict[str, Any] = json.loads(data)
    if "error" in answer:
        if answer.get("memory"):
            raise _out_of_memory(name, limits)
        raise RenderError(answer["error"])
    return answer


@CACHES.memo
def _context() -> BaseContext:
    """Return the multiprocessing context for template children: a forkserver that has this
    module (hence Jinja, the filters and the profile models) imported, or spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # Only takes effect if the forkserver has not started yet; otherwise each child imports.
        ctx.set_forkserver_preload(["__main__", __name__])
        from policygen.procs import start_forkserver

        start_forkserver()  # deaf to Ctrl-C, which the parent answers
        return ctx
    return multiprocessing.get_context("spawn")


def _limit_resources(limits: TemplateLimits) -> None:
    """Cap the address space and CPU time of this (child) process."""
    import resource

    for which, wanted in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, int(limits.timeout) + 5),
    ):
        _, hard = resource.getrlimit(which)
        value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(which, (value, value))


def _child(
    sender: Connection,
    task: Callable[..., dict[str, Any]],
    args: tuple[Any, ...],
    name: str,
    limits: TemplateLimits,
) -> None:
    """Run `task` in the child and send the outcome to the parent as JSON bytes. The child
    ends with its parent, and leaves SIGINT and SIGTERM to it: the parent stops it when its
    time is up, and a batch stopped by SIGTERM finishes the row this template belongs to."""
    answer: dict[str, Any]
    serve_parent(on_terminate=lambda: None)
    try:
        _limit_resources(limits)
        answer = task(*args)
    except MemoryError:
        answer = {"error": "MemoryError", "memory": True}
    except PolicygenError as error:  # environment turns MemoryError into RenderError
        answer = {"error": str(error), "memory": isinstance(error.__context__, MemoryError)}
    except BaseException as error:  # report anything: the parent turns it into RenderError
        answer = {"error": f"模板 {name} 渲染失败 ({type(error).__name__}): {error}"}
    try:
        # surrogatepass: a message quoting a lone surrogate (an include of "\\ud800") still
        # travels; json.loads in the parent reads bytes with surrogatepass too.
        answer_bytes = json.dumps(answer, ensure_ascii=False).encode("utf-8", "surrogatepass")
        sender.send_bytes(answer_bytes)
    except MemoryError:  # the parent sees the pipe close and reports the memory limit
        pass
    finally:
        sender.close()
