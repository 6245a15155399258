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

The check of a given file's bytes is remembered, so rendering many documents checks it once;
each document is opened from the bytes afresh with python-docx's own ``docx.Document``, so
nothing one document changes reaches the next. (Keeping the unzipped package between documents
took python-docx's private reader and earned nothing measurable: bench/RESULTS.md.)"""

from __future__ import annotations

import hashlib
import os
import threading
from io import BytesIO
from pathlib import Path

import docx
from docx.document import Document as DocxDocument

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.writers.docx.guard import check_package
from policygen.writers.fetcher import LocalResources
from policygen.writers.options import WriterOptions

_CHECKED: set[str] = set()
"""SHA-256 digests of reference documents that passed the check."""
_MAX_CHECKED = 64
"""Digests remembered before the memory starts over."""
_checked_lock = threading.Lock()
"""Held while `_CHECKED` changes (the service writes from threads)."""


def _forget() -> None:
    """Forget every reference document checked (CACHES.clear)."""
    with _checked_lock:
        _CHECKED.clear()


CACHES.register(_forget, files=False)  # keyed by the documents' digests: never stale


def open_reference(options: WriterOptions, relative: str) -> DocxDocument:
    """Return the first `relative` document in `options`' template folders, opened.

    Raise RenderError naming the file when it cannot be read, is not a valid DOCX, or would make
    Word or LibreOffice load or run anything (guard.check_package)."""
    path = options.find(relative)
    shown = str(path)
    data = LocalResources(options.template_dirs).fetch(Path(os.path.abspath(path)).as_uri()).data
    digest = hashlib.sha256(data).hexdigest()
    with _checked_lock:
        checked = digest in _CHECKED
    if not checked:
        check_package(data, shown)
        with _checked_lock:
            if len(_CHECKED) >= _MAX_CHECKED:
                _CHECKED.clear()
            _CHECKED.add(digest)
    return _open(data, shown)


def open_reference_data(data: bytes, shown: str) -> DocxDocument:
    """Return a new Document made from the reference document `data` (one policygen made, so
    not checked), named `shown` in errors."""
    return _open(data, shown)


def _open(data: bytes, shown: str) -> DocxDocument:
    """Return a new Document made from `data`, as ``docx.Document`` opens it; raise
    RenderError naming `shown` when it is not a Word document."""
    try:
        return docx.Document(BytesIO(data))
    except Exception as error:  # python-docx raises KeyError, ValueError, … on a broken package
        raise _invalid(shown, f"{type(error).__name__}: {error}") from None


def _invalid(shown: str, reason: str) -> RenderError:
    return RenderError(
        f"参考文档 {shown} 不是有效的 DOCX 文件：{reason} (not a valid DOCX: {shown})"
    )
