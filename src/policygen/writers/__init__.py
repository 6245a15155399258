"""Writers: each turns a numbered document tree into the bytes of one format."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from policygen.tree.nodes import Document
from policygen.writers.options import PDF_ENGINES, WriterOptions

Writer = Callable[[Document, WriterOptions], bytes]
PageMap = Callable[[Document, WriterOptions], dict[str, int]]


def _docx(doc: Document, options: WriterOptions) -> bytes:
    from policygen.writers.docx import write_docx

    return write_docx(doc, options)


def _weasyprint_pdf(doc: Document, options: WriterOptions) -> bytes:
    # Imported on use: WeasyPrint takes a second to import and most commands never need it.
    from policygen.writers.pdf import write_pdf

    return write_pdf(doc, options)


def _weasyprint_pages(doc: Document, options: WriterOptions) -> dict[str, int]:
    from policygen.writers.pdf import page_map

    return page_map(doc, options)


def _typst_pdf(doc: Document, options: WriterOptions) -> bytes:
    # Never imports WeasyPrint: a Typst render starts without its second of imports.
    from policygen.writers.pdf_typst import write_pdf_typst

    return write_pdf_typst(doc, options)


def _typst_pages(doc: Document, options: WriterOptions) -> dict[str, int]:
    from policygen.writers.pdf_typst import page_map_typst

    return page_map_typst(doc, options)


PDF_WRITERS: dict[str, tuple[Writer, PageMap]] = {
    "weasyprint": (_weasyprint_pdf, _weasyprint_pages),
    "typst": (_typst_pdf, _typst_pages),
}
"""Each PDF engine's writer and page map (the page each id starts on, and the page count under
pdf.PAGE_COUNT_KEY), by the name WriterOptions.pdf_engine holds."""
assert tuple(PDF_WRITERS) == PDF_ENGINES


def _pdf(doc: Document, options: WriterOptions) -> bytes:
    return PDF_WRITERS[options.pdf_engine][0](doc, options)


def page_map(doc: Document, options: WriterOptions) -> dict[str, int]:
    """Return the page each id of `doc` starts on in the PDF `options.pdf_engine` prints, and
    the number of pages under pdf.PAGE_COUNT_KEY."""
    return PDF_WRITERS[options.pdf_engine][1](doc, options)


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


def start_writing(fmt: str, doc: Document, options: WriterOptions) -> Future[bytes]:
    """Start writing `doc` in `fmt`; the future holds the bytes or the error. A PDF printed by
    Typst is laid out in the background (a Typst layout process, fed by a thread of its own),
    so the caller can go on with the next document; every other format is written before this
    returns."""
    done: Future[bytes] = Future()
    try:
        if fmt == "pdf" and options.pdf_engine == "typst":
            from policygen.writers.pdf_typst import start_pdf_typst

            return start_pdf_typst(doc, options)
        done.set_result(WRITERS[fmt](doc, options))
    except Exception as error:
        done.set_exception(error)
    return done


__all__ = ["PDF_WRITERS", "WRITERS", "Writer", "WriterOptions", "page_map", "start_writing"]
