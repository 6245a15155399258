"""Keep the processes policygen starts tied to the process that started them.

Input: a child process started by multiprocessing (a worker of `render` or `batch`, a child
rendering a user's template), calling `serve_parent` first thing. Output: a child that

- leaves Ctrl-C (SIGINT) to its parent, which stops the work;
- exits within a moment of its parent's death, even one by SIGKILL, instead of rendering on
  for nobody. It watches the pipe multiprocessing keeps from the parent to each child (the
  parent's sentinel), which reads end of file once no process holds the parent's end, and
  needs neither polling nor Linux's parent-death signal. A file being put in place
  (`writing`) is finished first, so no temporary file is left behind;
- with `on_terminate`, takes a SIGTERM from anyone but its parent (``timeout``, systemd, a
  user signalling the process group) as a request to stop after the work in progress, whose
  results then still reach the parent. A SIGTERM from the parent itself (a pool ending its
  workers) ends the child at once, as it would without policygen.

The forkserver and the resource tracker that multiprocessing starts need nothing of their own:
the forkserver exits when no process holds its "alive" pipe and the tracker when no process
holds its pipe, and the holders are the parent and its workers (tests/security/test_processes.py
shows both gone within seconds of a SIGKILL to the parent).

`noted_signals` is the parent's half: it turns SIGINT and SIGTERM into a note the parent reads
at points of its choosing, and acts on the first one when the block ends. `worker_context`
chooses how workers start, and `start_forkserver` starts the forkserver so that a SIGTERM to
the whole process group leaves it running."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.context import BaseContext

ORPHANED_EXIT = 128 + signal.SIGHUP
"""Exit status of a child whose parent died: the status of one ended by SIGHUP (129)."""

_writing = threading.Lock()
"""Held while a child puts files in place; an exit for a dead parent waits for it."""


def worker_context() -> BaseContext:
    """Return the start method for worker pools: forkserver, or spawn where there is none.
    Workers are never forked from a parent that may run threads (a progress bar, Typst's).
    A caller starting a pool calls `start_forkserver` first, after making what its workers
    share (a batch's stop event): started earlier, a group SIGTERM was seen to lose the
    results of the rows in progress."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def start_forkserver() -> None:
    """Start multiprocessing's forkserver now, unless it runs already or there is none, with
    SIGINT ignored and SIGTERM blocked.

    Ignored SIGINT: a process started ignoring it keeps ignoring it, so the forkserver and every
    process forked from it (workers, template children) are deaf to Ctrl-C from birth, and the
    command line alone answers it and stops them; otherwise a Ctrl-C in the tenth of a second a
    new forkserver spends importing prints its traceback. (A mask would not do: multiprocessing
    unblocks SIGINT on its way; only the main thread can swap the handler, and it is back
    within milliseconds.)

    Blocked SIGTERM: a SIGTERM to the whole process group (``timeout``, systemd) would otherwise
    end the forkserver, which closes the pipes by which a pool learns that its workers ended:
    the pool would take every worker for dead and drop their results. Blocked, the signal stays
    pending and unseen; the forkserver still exits when the last process using it does. Its
    children inherit the blocked signal, which `serve_parent` settles."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    import threading
    from multiprocessing import forkserver

    main = threading.current_thread() is threading.main_thread()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            forkserver.ensure_running()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def serve_parent(on_terminate: Callable[[], None] | None = None) -> None:
    """Tie this child process to its parent: ignore SIGINT, exit when the parent dies, and,
    when `on_terminate` is given, call it (in a thread of its own) for a SIGTERM sent by any
    process but the parent. None: SIGTERM acts as it would otherwise (the process ends).

    Do nothing in a process that multiprocessing did not start (a test calling a worker's
    initializer in its own process). Call it before starting any thread of the child's own,
    so that they inherit the blocked SIGTERM."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if on_terminate is not None and hasattr(signal, "sigwaitinfo"):  # not on macOS
        # Blocked in this thread, hence in every thread started after: only the waiting
        # thread takes it, and learns who sent it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        _start(_take_sigterm, parent.pid, on_terminate)
    else:  # a forkserver started by start_forkserver passes it on blocked
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    _start(_exit_with_parent, parent.sentinel)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Hold off an exit for a dead parent while the block puts files in place."""
    with _writing:
        yield


@contextlib.contextmanager
def noted_signals() -> Iterator[list[int]]:
    """Within the block, note SIGINT and SIGTERM in the list yielded instead of acting on
    them, so that the caller stops where it chooses (a batch: after the rows in progress).
    On leaving, put the previous handlers back and raise the first signal noted, which then
    acts as it would have: KeyboardInterrupt, the command line's exit 143, the end of a
    process that kept the default. Outside the main thread, and for a signal that is
    ignored, nothing changes."""
    noted: list[int] = []
    previous: dict[int, signal.Handlers | Callable[..., object] | int | None] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if handler in (signal.SIG_IGN, None):
                continue
            previous[signum] = signal.signal(signum, lambda signum, frame: noted.append(signum))
    try:
        yield noted
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if noted:
            signal.raise_signal(noted[0])


def _start(target: Callable[..., None], *args: object) -> None:
    """Start `target(*args)` in a daemon thread with a small stack: it only waits, and a
    template's child counts every thread's stack against its address-space limit."""
    size = threading.stack_size(256 * 1024)
    try:
        name = "policygen-" + target.__name__.strip("_").replace("_", "-")
        threading.Thread(target=target, args=args, name=name, daemon=True).start()
    finally:
        threading.stack_size(size)


def _exit_with_parent(sentinel: int) -> None:
    """Wait until the parent's end of the pipe `sentinel` is closed, then exit."""
    with contextlib.suppress(OSError):
        while os.read(sentinel, 512):  # nothing is sent after the start: this waits for EOF
            pass
    _writing.acquire()  # a file being put in place is finished; none is started after
    os._exit(ORPHANED_EXIT)


def _take_sigterm(parent: int | None, on_terminate: Callable[[], None]) -> None:
    """Wait for SIGTERMs: from `parent`, end the process; from anyone else, `on_terminate`."""
    while True:
        info = signal.sigwaitinfo({signal.SIGTERM})
        if info.si_pid == parent:
            _writing.acquire()
            os._exit(128 + signal.SIGTERM)
        on_terminate()


def available_cpus() -> int:
    """Return how many CPUs this process may run on (its affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)
