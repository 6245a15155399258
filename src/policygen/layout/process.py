"""Lay out documents in a child process that serves one after another, under a time and a
memory budget.

Input: a module-level task and its arguments (what one document's layout needs: its HTML, or
its Typst source); the child calls it with `kept` first, the dictionary the child keeps between
tasks (an engine's fonts, its compiler), so no engine holds state at module level. Output: the task's answer, a JSON header and bytes (the PDF); or
BudgetExceeded when the task outlives its time or the process its memory, after which the
child is killed and the next task starts a new one.

The child lives across documents, so an engine loads its fonts and caches once (WeasyPrint's
FontConfiguration, Typst's memoised layout) and a document costs one pipe round trip more than
in this process. It is a new Python interpreter running `serve` (subprocess), not a
multiprocessing child: it neither re-runs the caller's main module, so a script need not guard
its entry point to print a PDF, nor minds a daemonic parent. It sets its own ``RLIMIT_AS`` to
the memory budget, ignores SIGINT (its parent decides), and exits when its parent goes. The
parent sends pickles of its own data; the child answers with JSON and bytes, so the parent
unpickles nothing a document produced. Messages are length-prefixed on the child's standard
input and a copy of its standard output; what the child prints goes to standard error."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from multiprocessing.util import Finalize
from typing import IO, Any

from policygen.errors import PolicygenError, RenderError
from policygen.layout.budget import LayoutBudget, out_of_memory, out_of_time, timed_out

Answer = tuple[dict[str, Any], bytes]
"""A task's answer: JSON data (page numbers, refused URLs…) and bytes (the PDF, or empty)."""

MAX_HEADER_BYTES = 64 * 1024 * 1024
"""Largest JSON header accepted from the child (a page map of every id of a long document)."""

MAX_DATA_BYTES = 1024 * 1024 * 1024
"""Largest PDF accepted from the child."""

_LENGTH = struct.Struct("<Q")

START_SECONDS = 120.0
"""Seconds a child may take to start and import its engine, before any budget runs."""

_CHILD = "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
_CHILD += (
    "from policygen.layout.process import serve; serve(int(sys.argv[2]), json.loads(sys.argv[3]))"
)


_live: weakref.WeakSet[LayoutProcess] = weakref.WeakSet()
"""Every LayoutProcess of this process that has a child, stopped at exit."""


def _stop_all() -> None:
    for process in list(_live):
        process.stop()


# Before other exit work (a scratch folder's removal); also in a multiprocessing worker,
# which ends without atexit.
Finalize(None, _stop_all, exitpriority=10)


class _ChildGone(Exception):
    """The child closed its end, or sent more than was allowed."""


class LayoutProcess:
    """One child process that runs layout tasks one at a time. Not thread-safe: whoever runs a
    task holds it (a Typst lane, or a LayoutPool's borrower)."""

    def __init__(self, name: str, preload: tuple[str, ...] = ()) -> None:
        self.name = name
        """Names the process in errors."""
        self.preload = preload
        """Modules the child imports before its first task (the engine), so that their
        import is not counted against a document's budget."""
        self._child: subprocess.Popen[bytes] | None = None
        self._memory_bytes = 0

    @property
    def pid(self) -> int | None:
        """The child's process id; None while none runs."""
        return self._child.pid if self._child is not None else None

    def run(
        self,
        task: Callable[..., Answer],
        args: tuple[Any, ...],
        *,
        what: str,
        budget: LayoutBudget,
        deadline: float | None = None,
    ) -> Answer:
        """Return `task(kept, *args)` computed in the child (`kept`: what the child keeps
        between tasks) under `budget` and before `deadline`
        (time.monotonic(); None: the budget's timeout alone). `what` names the document in
        errors. Raise BudgetExceeded when a limit is broken (the child is then stopped),
        RenderError with the task's message when it fails (the child is kept)."""
        budget.seconds(deadline, what)  # a deadline already past starts nothing
        request = pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            child = self._running(what, budget.memory_bytes)
            _send(child.stdin, request)
        except (_ChildGone, OSError):  # it went away since its last task: start another
            self.stop()
            child = self._running(what, budget.memory_bytes)
            _send(child.stdin, request)
        seconds, by_deadline = budget.seconds(deadline, what)  # counted once it has started
        assert child.stdout is not None
        try:
            ready, _, _ = select.select([child.stdout], [], [], seconds)
            if not ready:
                self.stop()
                raise out_of_time(what) if by_deadline else timed_out(what, seconds)
            header = _receive(child.stdout, MAX_HEADER_BYTES)
            data = _receive(child.stdout, MAX_DATA_BYTES)
        except (_ChildGone, OSError):
            exitcode = self.stop()
            raise _died(what, budget.memory_bytes, exitcode) from None
        except BaseException:  # Ctrl-C while waiting: its answer must not reach the next task
            self.stop()
            raise
        answer: dict[str, Any] = json.loads(header)
        if answer.get("memory"):
            self.stop()  # a process that ran out of memory may be left half-updated
            raise out_of_memory(what, budget.memory_bytes)
        if "error" in answer:
            raise RenderError(answer["error"])
        return answer, data

    def start(self, memory_bytes: int) -> None:
        """Start the child now, with a limit of `memory_bytes`, unless it runs with that limit;
        raise RenderError when it cannot start."""
        self._running("排版进程", memory_bytes)

    def stop(self) -> int | None:
        """Stop the child, if one runs, and return its exit code (None: there was none)."""
        child, self._child = self._child, None
        if child is None:
            return None
        if child.poll() is None:
            child.kill()
        exitcode = child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return exitcode

    def _running(self, what: str, memory_bytes: int) -> subprocess.Popen[bytes]:
        """Return the child, started now (and its engine imported) if none runs or it has
        another memory limit; raise RenderError when it cannot start, BudgetExceeded when
        its engine does not fit in `memory_bytes`."""
        if self._child is not None and (
            self._child.poll() is not None or self._memory_bytes != memory_bytes
        ):
            self.stop()
        if self._child is None:
            command = [
                sys.executable,
                "-c",
                _CHILD,
                json.dumps(sys.path),
                str(memory_bytes),
                json.dumps(self.preload),
            ]
            try:
                child = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
                )
            except OSError as error:
                raise RenderError(
                    f"无法启动排版进程 (cannot start the layout process): {error}"
                ) from None
            self._child, self._memory_bytes = child, memory_bytes
            _live.add(self)
            self._ready(child, what, memory_bytes)
            return child
        return self._child

    def _ready(self, child: subprocess.Popen[bytes], what: str, memory_bytes: int) -> None:
        """Wait for the new `child` to say it has imported its engine."""
        assert child.stdout is not None
        try:
            ready, _, _ = select.select([child.stdout], [], [], START_SECONDS)
            if not ready:
                raise _ChildGone
            answer = json.loads(_receive(child.stdout, MAX_HEADER_BYTES))
            _receive(child.stdout, 0)
        except (_ChildGone, OSError, ValueError):  # it died, or was stopped meanwhile (an exit)
            exitcode = self.stop()
            raise RenderError(
                f"排版进程未能启动（退出码 {exitcode}） (the layout process did not start)"
            ) from None
        except BaseException:  # Ctrl-C meanwhile
            self.stop()
            raise
        if "error" in answer:
            self.stop()
            if answer.get("memory"):
                raise out_of_memory(what, memory_bytes)
            raise RenderError(
                f"排版进程未能启动 (the layout process did not start): {answer['error']}"
            )


_OUT_OF_MEMORY_SIGNALS = frozenset(
    -int(getattr(signal, name))
    for name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS", "SIGTRAP")
    if hasattr(signal, name)
)
"""Exit codes of a child ended by the kernel's OOM killer, or by an allocation that failed at
its memory limit (Rust and GLib abort, C code may crash)."""


def _died(what: str, memory_bytes: int, exitcode: int | None) -> RenderError:
    """Return the error for a child that died during the layout of `what`: most likely at its
    memory limit when a signal of _OUT_OF_MEMORY_SIGNALS ended it, else ended or exited."""
    if exitcode in _OUT_OF_MEMORY_SIGNALS:
        return out_of_memory(what, memory_bytes, exitcode)
    return RenderError(
        f"{what} 的排版进程异常退出（退出码 {exitcode}） (the layout process exited)"
    )


def _send(stream: IO[bytes] | None, payload: bytes) -> None:
    if stream is None:
        raise _ChildGone
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes], limit: int) -> bytes:
    size = _LENGTH.unpack(_read(stream, _LENGTH.size))[0]
    if size > limit:
        raise _ChildGone
    return _read(stream, size)


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise _ChildGone
    return data


class LayoutPool:
    """Up to `size` LayoutProcesses, each lent to one caller at a time and kept between
    loans, so that callers in several threads lay out side by side."""

    def __init__(self, name: str, size: int, preload: tuple[str, ...] = ()) -> None:
        self.name = name
        self.size = max(1, size)
        """Most processes the pool starts."""
        self.preload = preload
        """Modules each process imports before its first task (LayoutProcess.preload)."""
        self._made: list[LayoutProcess] = []
        self._free: list[LayoutProcess] = []
        self._starting = 0
        self._changed = threading.Condition()

    def close(self) -> None:
        """Stop every process of the pool; a later loan starts new ones."""
        with self._changed:
            made, self._made, self._free = self._made, [], []
        for process in made:
            process.stop()

    def warm(self, memory_bytes: int, *, wait: bool = True) -> None:
        """Start the pool's first process now, if it has none, with a limit of `memory_bytes`
        (with `wait` false, in a thread while the caller goes on), so that the first document
        does not wait for the engine to load. A failure is left for the first document to
        meet and report."""
        with self._changed:
            if self._made:
                return
            process = LayoutProcess(f"{self.name}-0", self.preload)
            self._made.append(process)
            self._starting += 1

        def start() -> None:
            if not wait and hasattr(signal, "pthread_sigmask"):  # as Typst's lanes
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            try:
                process.start(memory_bytes)
            except Exception:  # the first document starts it again, and reports what fails
                pass
            finally:
                with self._changed:
                    self._starting -= 1
                    self._free.append(process)
                    self._changed.notify_all()

        if wait:
            start()
        else:
            # Not a daemon: an exit meanwhile waits the second it takes, then stops the child.
            threading.Thread(target=start, name=f"policygen-{self.name}-start").start()

    @contextlib.contextmanager
    def lend(self, prefer: LayoutProcess | None = None) -> Iterator[LayoutProcess]:
        """Lend a process: `prefer` when it is free (it holds what the caller laid out
        before), else any free one, else a new one while fewer than `size` exist, else the
        first to come back."""
        with self._changed:
            while True:
                if prefer is not None and prefer in self._free:
                    taken = prefer
                elif self._free:
                    taken = self._free[-1]
                elif self._starting:  # one is on its way: sooner than starting another
                    self._changed.wait()
                    continue
                elif len(self._made) < self.size:
                    taken = LayoutProcess(f"{self.name}-{len(self._made)}", self.preload)
                    self._made.append(taken)
                    break
                else:
                    self._changed.wait()
                    continue
                self._free.remove(taken)
                break
        try:
            yield taken
        finally:
            with self._changed:
                if taken in self._made:
                    self._free.append(taken)
                    self._changed.notify()
                else:  # the pool was closed meanwhile
                    taken.stop()


# --------------------------------------------------------------------------- the child


def serve(memory_bytes: int, preload: list[str]) -> None:
    """Import the `preload` modules, say so, then answer tasks read from standard input until
    it closes (in the child), each on a copy of standard output, which itself now goes to
    standard error. Ctrl-C and a SIGTERM to the process group are its parent's to act on: the
    parent stops it (SIGKILL) or goes, and it follows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _limit_memory(memory_bytes)
    _exit_with_parent()
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    ready: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    """What the tasks keep between documents (each task's first argument)."""
    try:
        for module in preload:
            importlib.import_module(module)
    except MemoryError:
        ready = {"error": "MemoryError", "memory": True}
    except Exception as error:
        ready = {"error": f"{type(error).__name__}: {error}"}
    _send(answers, json.dumps(ready, ensure_ascii=False).encode("utf-8"))
    _send(answers, b"")
    if ready:
        return
    while True:
        try:
            request = _receive(requests, sys.maxsize)
        except (_ChildGone, OSError):
            return
        task, args = pickle.loads(request)
        answer: dict[str, Any]
        data = b""
        try:
            answer, data = task(kept, *args)
        except MemoryError:
            answer = {"error": "MemoryError", "memory": True}
        except PolicygenError as error:
            answer = {"error": str(error), "memory": isinstance(error.__context__, MemoryError)}
        except Exception as error:  # reported, not raised: the parent names the document
            answer = {"error": f"排版失败 (layout failed, {type(error).__name__}): {error}"}
        try:
            _send(answers, json.dumps(answer, ensure_ascii=False).encode("utf-8"))
            _send(answers, data)
        except (MemoryError, OSError):  # the parent sees the pipe close
            return
        if answer.get("memory"):
            return


def _limit_memory(memory_bytes: int) -> None:
    """Cap the address space of this (child) process."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    value = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (value, value))


def _exit_with_parent() -> None:
    """Exit when this process's parent goes (the forkserver, which goes with policygen), even
    in the middle of a task that nobody waits for any more."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="policygen-parent-watch", daemon=True).start()
