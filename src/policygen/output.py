"""Put rendered bytes on disk: atomically, never leaving a partial file behind.

`write_atomic` replaces one file; `write_all` replaces a set of files together, so that a run
that fails half-way (a full disk, a read-only file, SIGTERM) leaves the previous set as it was."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DEFERRED = frozenset({signal.SIGTERM, signal.SIGINT})
"""Signals held back while a temporary file is being created: the command line turns them into
exceptions, and one raised between creating the file and knowing its name would leak it."""


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or pieces of them written one after the other) to `path` so
    readers see the old file or the whole new one, never a part.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed over
    `path`; on any failure (a full disk, SIGTERM) the temporary file is removed and `path` is
    untouched. Nothing else in the folder is touched."""
    path = Path(path)
    temp = _stage(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_all(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write each of `files` (file name → bytes) into `directory`, all of them or none.

    Every file first goes to a temporary file beside its final name and is flushed to disk;
    only when all are written are they renamed into place, one after the other with SIGTERM
    and SIGINT held back. If anything fails, the temporary files are removed and every file
    in `directory` is as it was: one already replaced is put back from a hard link kept while
    renaming (on a file system without hard links it stays replaced). Nothing else in
    `directory` is touched. Return the paths written, in the order of `files`."""
    directory = Path(directory)
    targets = [directory / name for name in files]
    staged: list[Path] = []
    try:
        for path, data in zip(targets, files.values(), strict=True):
            staged.append(_stage(path, data))
        for path in targets:
            _check_replaceable(path)
        held = _hold_signals()
        try:
            _replace_all(list(zip(staged, targets, strict=True)))
        finally:
            _release_signals(held)  # a signal held meanwhile is raised here, all files in place
    except BaseException:
        for temp in staged:
            temp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(path.parent for path in targets):
        _sync_folder(folder)
    return targets


def _stage(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """Return a temporary file beside `path` holding `data` (bytes, or pieces of them),
    flushed to disk, mode 0644.

    On any failure (a full disk, SIGTERM) the temporary file is removed before raising."""
    held = _hold_signals()
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except BaseException:
        _release_signals(held)
        raise
    temp = Path(name)
    opened = False
    try:
        _release_signals(held)  # a signal that came meanwhile is raised here, inside the try
        with os.fdopen(fd, "wb") as stream:
            opened = True
            for piece in (data,) if isinstance(data, bytes) else data:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
    except BaseException:
        if not opened:
            with contextlib.suppress(OSError):
                os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    return temp


def _check_replaceable(path: Path) -> None:
    """Raise OSError when a file cannot be renamed over `path` (a folder stands there)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))


def _replace_all(moves: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file over its target; on failure put back those already renamed."""
    done: list[tuple[Path, bool, Path | None]] = []
    """(target, whether it existed, a hard link to its previous contents or None)."""
    try:
        for temp, path in moves:
            existed = os.path.lexists(path)
            backup = _link_aside(path) if existed else None
            try:
                os.replace(temp, path)
            except BaseException:
                if backup is not None:
                    backup.unlink(missing_ok=True)
                raise
            done.append((path, existed, backup))
    except BaseException:
        for path, existed, backup in reversed(done):
            if backup is not None:
                os.replace(backup, path)
            elif not existed:
                path.unlink(missing_ok=True)
        raise
    finally:
        for _, _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)


def _link_aside(path: Path) -> Path | None:
    """Return a new hard link to `path` beside it; None when the file system has none."""
    while True:
        backup = path.with_name(f".{path.name}.{secrets.token_hex(6)}.old")
        try:
            os.link(path, backup, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
                return None
            raise
        return backup


@dataclass
class _Held:
    """SIGTERM and SIGINT held back: the handlers they had, and those that came meanwhile."""

    handlers: dict[int, Any]
    caught: list[int] = field(default_factory=list)


def _hold_signals() -> _Held | None:
    """Hold SIGTERM and SIGINT back until `_release_signals`: their Python handlers are
    swapped for one that notes them. None (nothing held) outside the main thread, which alone
    runs Python's signal handlers, and for a signal whose handler was not set from Python.

    Held at the handler, not with pthread_sigmask: a mask is the calling thread's own, and
    the kernel gives a process's signal to any thread not blocking it — a progress bar's or
    an engine's — after which Python runs the handler in the main thread all the same."""
    if threading.current_thread() is not threading.main_thread():
        return None
    handlers = {int(sig): signal.getsignal(sig) for sig in _DEFERRED}
    if any(handler is None for handler in handlers.values()):
        return None  # installed from C: it could not be put back
    held = _Held(handlers)
    for sig in handlers:
        signal.signal(sig, lambda signum, _frame: held.caught.append(signum))
    return held


def _release_signals(held: _Held | None) -> None:
    """Put back the handlers `held` replaced and raise each signal that came meanwhile, once."""
    if held is None:
        return
    for sig, handler in held.handlers.items():
        signal.signal(sig, handler)
    for signum in dict.fromkeys(held.caught):
        signal.raise_signal(signum)


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
