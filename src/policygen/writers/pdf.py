"""Write a document tree as a PDF, printed by the engine WriterOptions.pdf_engine names.

Input: a numbered, reference-resolved Document. Output: PDF bytes. The engines are objects
(layout.engine): a run of several documents holds one `Engines` session and asks it
(pipeline); `write_pdf` is the writer for one document alone, in an engine made for it. What
both engines print alike lives here: the PDF's keywords and its file identifier."""

from __future__ import annotations

import hashlib

from policygen.tree import nodes as n
from policygen.writers.options import WriterOptions
from policygen.writers.page_values import document_keywords


def pdf_keywords(meta: n.DocumentMeta) -> tuple[str, ...]:
    """Return the keywords of a PDF of a document with `meta`: the DOCX's
    (page_values.document_keywords), its number last."""
    return document_keywords(meta)


def pdf_identifier(html: bytes) -> bytes:
    """Return the PDF file identifier for a document printed from `html`: a hash of it."""
    return hashlib.sha256(html).hexdigest()[:32].encode("ascii")


def write_pdf(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` printed by the engine `options.pdf_engine` names, in an engine made for
    this document and closed after it; raise RenderError (BudgetExceeded beyond the layout
    budget) when it cannot be printed."""
    from policygen.layout.engine import engine_for

    with engine_for(options.pdf_engine, processes=1) as engine:
        return engine.print(doc, options)


__all__ = ["pdf_identifier", "pdf_keywords", "write_pdf"]
