"""Open the house-style reference.docx, refusing one that would make Word load anything.

Input: WriterOptions (the template folders) and the reference document's relative path. Output:
the python-docx Document the DOCX writer builds on. A user's template folder may carry its own
``styles/reference.docx``, and what the writer keeps of it (styles, numbering, settings, headers,
footers, the cover) reaches everyone who opens the documents made from it, so it is read through
the same local-only guard as the stylesheets (writers/fetcher.py: inside the template folders,
a regular file of at most 16 MB) and checked before python-docx sees it by writers.docx.guard:
a file that is not a DOCX is a RenderError naming the file, never a traceback, and one with
anything Word or LibreOffice would load or run (an external relationship other than a web or
mail hyperlink, an altChunk, an embedded object, a field not on the allow-list…, in any part
whatever its name) is refused, naming the file, the part and what was refused.

The check of a given file's bytes is remembered, and so is the package read from them (its
parts' bytes, not yet parsed; within a budget), so rendering many documents checks and unzips
it once; each document still gets its own parts, parsed afresh, so nothing one document changes
reaches the next."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.opc.pkgreader import PackageReader

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.writers.docx.guard import check_package
from policygen.writers.docx.oxml.compat import iter_part_blobs, open_package, read_package
from policygen.writers.fetcher import LocalResources
from policygen.writers.options import WriterOptions

_CHECKED: set[str] = set()
"""SHA-256 digests of reference documents that passed the check."""
_MAX_CHECKED = 64
"""Digests remembered before the memory starts over."""
_READ: OrderedDict[str, tuple[PackageReader, int]] = OrderedDict()
"""The packages python-docx read from reference documents that passed the check (immutable:
part names, content types, relationships and each part's bytes) and the bytes of their parts,
by the SHA-256 digest of the document, least recently used first."""
_READ_BUDGET = 32 * 1024 * 1024
"""Most bytes of parts `_READ` keeps (a user's reference may unpack to 64 MB: not kept)."""
_read_size = 0
"""Bytes of parts `_READ` keeps."""
_read_lock = threading.Lock()
"""Held while `_CHECKED`, `_READ` or `_read_size` changes (the service writes from threads)."""


def _forget() -> None:
    """Forget every reference document checked and read (CACHES.clear)."""
    global _read_size
    with _read_lock:
        _CHECKED.clear()
        _READ.clear()
        _read_size = 0


CACHES.register(_forget, files=False)  # keyed by the documents' digests: never stale


def open_reference(options: WriterOptions, relative: str) -> DocxDocument:
    """Return the first `relative` document in `options`' template folders, opened.

    Raise RenderError naming the file when it cannot be read, is not a valid DOCX, or would make
    Word or LibreOffice load or run anything (guard.check_package)."""
    path = options.find(relative)
    shown = str(path)
    data = LocalResources(options.template_dirs).fetch(Path(os.path.abspath(path)).as_uri()).data
    digest = hashlib.sha256(data).hexdigest()
    with _read_lock:
        checked = digest in _CHECKED
    if not checked:
        check_package(data, shown)
        with _read_lock:
            if len(_CHECKED) >= _MAX_CHECKED:
                _CHECKED.clear()
            _CHECKED.add(digest)
    return _open_package(_package(digest, data, shown), shown)


def open_reference_data(data: bytes, shown: str) -> DocxDocument:
    """Return a new Document made from the reference document `data` (one policygen made, so
    not checked), named `shown` in errors; its package is read once, as `open_reference`'s."""
    digest = hashlib.sha256(data).hexdigest()
    return _open_package(_package(digest, data, shown), shown)


# Opening a document in two steps, python-docx's own ``docx.Document`` (Package.open), so the
# first step (unzipping the package, a third of the time) is done once per reference document
# rather than once per document written.


def _package(digest: str, data: bytes, shown: str) -> PackageReader:
    """Return the package read from `data` (whose digest is `digest`), read once while it
    is among the recently used ones that fit in `_READ_BUDGET`."""
    global _read_size
    with _read_lock:
        kept = _READ.get(digest)
        if kept is not None:
            _READ.move_to_end(digest)
            return kept[0]
    reader = _read_package(data, shown)
    size = sum(len(blob) for blob in iter_part_blobs(reader))
    if size <= _READ_BUDGET:
        with _read_lock:
            if digest not in _READ:
                _READ[digest] = (reader, size)
                _read_size += size
            while _read_size > _READ_BUDGET:
                _read_size -= _READ.popitem(last=False)[1][1]
    return reader


def _read_package(data: bytes, shown: str) -> PackageReader:
    """Return the package in `data` read (unzipped, not parsed), as ``Package.open`` reads it."""
    try:
        return read_package(data)
    except Exception as error:  # python-docx raises KeyError, ValueError, … on a broken package
        raise _invalid(shown, f"{type(error).__name__}: {error}") from None


def _open_package(reader: PackageReader, shown: str) -> DocxDocument:
    """Return a new Document made from `reader`'s parts, as ``docx.Document`` does: every
    part parsed from its bytes afresh."""
    try:
        return open_package(reader)
    except Exception as error:  # python-docx raises KeyError, ValueError, … on a broken package
        raise _invalid(shown, f"{type(error).__name__}: {error}") from None


def _invalid(shown: str, reason: str) -> RenderError:
    return RenderError(
        f"参考文档 {shown} 不是有效的 DOCX 文件：{reason} (not a valid DOCX: {shown})"
    )
