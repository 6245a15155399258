"""Writers: each turns a numbered document tree into the bytes of one format."""

from __future__ import annotations

from collections.abc import Callable

from policygen.tree.nodes import Document
from policygen.writers.options import WriterOptions

Writer = Callable[[Document, WriterOptions], bytes]


def _docx(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.docx import write_docx

    return write_docx(doc, options)


def _pdf(doc: Document, options: WriterOptions) -> bytes:
    # Imported on use: WeasyPrint takes a second to import and most commands never need it.
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
"""Every output format by its file extension."""

__all__ = ["WRITERS", "Writer", "WriterOptions"]
