"""Put rendered bytes on disk: atomically, never leaving a partial file behind."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from pathlib import Path

_DEFERRED = frozenset({signal.SIGTERM, signal.SIGINT})
"""Signals held back while a temporary file is being created: the command line turns them into
exceptions, and one raised between creating the file and knowing its name would leak it."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the whole new one, never a part.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed over
    `path`; on any failure (a full disk, SIGTERM) the temporary file is removed and `path` is
    untouched. Nothing else in the folder is touched."""
    path = Path(path)
    held = _hold_signals()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except BaseException:
        _release_signals(held)
        raise
    opened = False
    try:
        _release_signals(held)  # a signal that came meanwhile is raised here, inside the try
        with os.fdopen(fd, "wb") as stream:
            opened = True
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if not opened:
            with contextlib.suppress(OSError):
                os.close(fd)
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _hold_signals() -> set[signal.Signals] | None:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)


def _release_signals(held: set[signal.Signals] | None) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _sync_folder(folder: Path) -> None:
    """Flush `folder`'s entry for the renamed file, so that the new name survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory; the data itself is synced
        pass
    finally:
        os.close(fd)
