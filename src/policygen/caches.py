"""Every in-memory cache policygen keeps, owned by one object, `CACHES`.

Input: the functions whose results are worth keeping, decorated with `CACHES.memo`, and the
files they read, read through `CACHES.read_text` / `read_yaml` (or named with `watch`). Output:
their results, kept

* by their arguments alone (``memo()``): a numeral by its number, a Markdown fragment by its
  text — what the arguments say everything about, never stale;
* while the files they read are unchanged (``memo(files=True)``): a catalogue, the terms, the
  defaults, a style file, the compiled templates — what a legal editor may edit while a
  service runs. `refresh` (the service calls it before every request) compares each file read
  since the last change with what was read, by a stat and, when the stat moved, by the SHA-256
  digest of its content, and when any differs empties every such cache, so the next document
  is made from the edited files, and all of them at once.

`clear` empties every cache (tests start afresh with it). All of it is thread-safe: the caches
are functools' (safe to call from any thread; a value may be computed twice), and the record
of files read and the clearing are under one lock. A command line process reads its files
once and never refreshes.

The disk caches (compiled templates, font code points: policygen.cache) are keyed by content
already — Jinja checks each compiled template against its source — and need no refreshing."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, overload

from ruamel.yaml import YAML

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class _Read:
    """What a file was when it was read: its stat (modified and changed times, size, inode)
    and digest. The changed time moves on every write, even one that keeps the modified time."""

    stat: tuple[int, int, int, int] | None
    digest: str


def _stat(path: str) -> tuple[int, int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Caches:
    """The caches of one process (see the module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clears: list[tuple[Callable[[], None], bool]] = []
        self._read: dict[str, _Read] = {}

    @overload
    def memo(self, func: Callable[P, R], /) -> Callable[P, R]: ...

    @overload
    def memo(
        self, *, maxsize: int | None = None, files: bool = False
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    # No "/" after `func`: mypy 2.4 rejects a positional-only implementation of these overloads.
    def memo(
        self,
        func: Callable[P, R] | None = None,
        *,
        maxsize: int | None = None,
        files: bool = False,
    ) -> Any:
        """Keep the results of `func` by its arguments (at most `maxsize`, least recently used
        dropped first; None: all); with `files`, only while the files it read are unchanged."""

        def decorate(function: Callable[P, R]) -> Callable[P, R]:
            kept = functools.lru_cache(maxsize=maxsize)(function)
            self.register(kept.cache_clear, files=files)
            # lru_cache's wrapper is typed as taking any arguments; it takes those of `function`.
            return kept  # type: ignore[return-value]

        return decorate(func) if func is not None else decorate

    def register(self, clear: Callable[[], None], *, files: bool = True) -> None:
        """Have `clear` called with the others: by `clear`, and with `files` by `refresh` when
        a file read has changed (for a cache that is not a `memo`, such as a bounded map)."""
        with self._lock:
            self._clears.append((clear, files))

    def watch(
        self,
        path: str | os.PathLike[str],
        data: bytes,
        stat: tuple[int, int, int, int] | None = None,
    ) -> None:
        """Note that `data` was read from `path` for a cache kept while the files are
        unchanged; `stat` is the file's as it was read (None: as it is now)."""
        name = os.fspath(path)
        with self._lock:
            self._read[name] = _Read(stat or _stat(name), _digest(data))

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        """Return the bytes of the file `path`, noting them (`watch`) with its stat taken
        before the read, so an edit while it is read is seen by the next `refresh`."""
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            data = file.read()
        self.watch(path, data, (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino))
        return data

    def read_text(self, path: str | os.PathLike[str]) -> str:
        """Return the UTF-8 text of the file `path`, noting it (`watch`)."""
        return self.read_bytes(path).decode("utf-8")

    def read_yaml(self, path: str | os.PathLike[str]) -> Any:
        """Return the plain data of the YAML file `path` (one of policygen's data files: no
        positions, no custom types), noting it (`watch`). Read by ruamel's C reader when it is
        installed."""
        return _safe_yaml().load(io.StringIO(self.read_text(path)))

    def refresh(self) -> bool:
        """Empty the caches kept while their files are unchanged if any file read has changed
        (or gone); return whether they were emptied."""
        with self._lock:
            changed = any(self._changed(name, read) for name, read in self._read.items())
            if changed:
                self._empty(files_only=True)
            return changed

    def clear(self) -> None:
        """Empty every cache."""
        with self._lock:
            self._empty(files_only=False)

    def _changed(self, name: str, read: _Read) -> bool:
        stat = _stat(name)
        if stat is None:
            return True
        if stat == read.stat:
            return False
        try:
            with open(name, "rb") as file:
                digest = _digest(file.read())
        except OSError:
            return True
        if digest != read.digest:
            return True
        self._read[name] = _Read(stat, digest)  # touched, not changed
        return False

    def _empty(self, *, files_only: bool) -> None:
        for clear, files in self._clears:
            if files or not files_only:
                clear()
        self._read.clear()


def _safe_yaml() -> YAML:
    """A reader of plain YAML data: ruamel's C one when ruamel.yaml.clib is installed, else
    (ruamel's own choice) the pure-Python one."""
    return YAML(typ="safe", pure=False)


CACHES = Caches()
"""The caches of this process."""
