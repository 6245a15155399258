"""Writers: each turns a numbered document tree into the bytes of one format.

Every writer is pure: `Writer(doc, options) -> bytes`. What one needs from an earlier stage
is passed to it as a value: `write(fmt, doc, options, layout, house)` — the layout stage's
page numbers for a DOCX contents page, the house stage's filled-in house document
(policygen.house) for a DOCX placed in an organisation's own Word document."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from policygen.writers.options import WriterOptions

if TYPE_CHECKING:
    from policygen.house import HouseDocument
    from policygen.layout.engine import Layout
    from policygen.tree.nodes import Document

Writer = Callable[["Document", WriterOptions], bytes]
"""A writer: the bytes of one format for a document (the tree module is imported by the
writers themselves, so that ``policygen --version`` and ``--help`` load no tree)."""


def _docx(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.docx.writer import write_docx

    return write_docx(doc, options)


def _pdf(doc: Document, options: WriterOptions) -> bytes:
    # Imported on use: the engines load in processes of their own, and most commands never
    # print a PDF.
    from policygen.writers.pdf import write_pdf

    return write_pdf(doc, options)


def _html(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.html import write_html

    return write_html(doc, options)


def _markdown(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.markdown import write_markdown

    return write_markdown(doc, options)


def _text(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.text import write_text

    return write_text(doc, options)


WRITERS: dict[str, Writer] = {
    "docx": _docx,
    "pdf": _pdf,
    "html": _html,
    "md": _markdown,
    "txt": _text,
}
"""Every output format by its file extension. The PDF writer prints one document in an engine
made for it; a run of several documents prints them in the engines of its session
(pipeline.start_job)."""

MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
"""The content type of each output format, as the HTTP service and the editor answer it."""


def needs_layout(fmt: str, doc: Document) -> bool:
    """Return True when writing `doc` in `fmt` takes page numbers from its layout: the DOCX of
    a kind with a contents page."""
    from policygen.kinds import DOCUMENT_KINDS

    kind = DOCUMENT_KINDS.get(doc.kind)
    return fmt == "docx" and kind is not None and kind.contents


def write(
    fmt: str,
    doc: Document,
    options: WriterOptions,
    layout: Layout | None = None,
    house: HouseDocument | None = None,
) -> bytes:
    """Return `doc` written in `fmt`; a DOCX contents page shows the page numbers of `layout`
    (None: none, for Word to fill in when the reader updates the field), and a DOCX is
    placed in `house` when one is given (None: the house style's own cover and pages)."""
    if fmt == "docx" and (layout is not None or house is not None):
        from policygen.writers.docx.writer import write_docx

        return write_docx(doc, options, layout, house)
    return WRITERS[fmt](doc, options)


__all__ = ["MEDIA_TYPES", "WRITERS", "Writer", "WriterOptions", "needs_layout", "write"]
