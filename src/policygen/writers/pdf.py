"""Print the HTML writer's page to PDF with WeasyPrint, loading nothing from outside the templates.

Input: a numbered, reference-resolved Document. Output: PDF bytes, byte-identical for identical
input: dates come from ``doc.meta.date`` (``dcterms.created``/``modified``), the file identifier
from a hash of the HTML, and fonts are subset by HarfBuzz, which writes no timestamps. The
PDF's keywords end with the document's number (`pdf_keywords`).

The HTML is made here; WeasyPrint lays it out and writes the PDF in a layout process
(layout.process) under the layout budget (layout.budget): a document that takes longer or
more memory is stopped with an error naming it, and one with a run of letters too long to
break is refused before. The processes (one per CPU at most, started as needed) keep their
fonts between documents, and this process never imports WeasyPrint to print."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from calendar import timegm
from typing import Any

from policygen.errors import RenderError
from policygen.layout.budget import LayoutBudget, check_layout
from policygen.layout.process import LayoutPool, LayoutProcess
from policygen.layout.weasyprint_layout import (
    PAGE_COUNT_KEY,
    lay_out,
    subsetting_path,
    weasyprint_error,
)
from policygen.tree import nodes as n
from policygen.writers.fetcher import LocalResources
from policygen.writers.html import render_html, style_folder, stylesheet_paths
from policygen.writers.options import PDF_STANDARDS, WriterOptions


def pdf_keywords(meta: n.DocumentMeta) -> tuple[str, ...]:
    """Return the keywords of a PDF of a document with `meta`: its keywords, then its number
    (合同编号 or 发文字号), which the PDF's document information has no field of its own for."""
    if meta.number and meta.number not in meta.keywords:
        return (*meta.keywords, meta.number)
    return meta.keywords


def pdf_identifier(html: bytes) -> bytes:
    """Return the PDF file identifier for a document printed from `html`: a hash of it."""
    return hashlib.sha256(html).hexdigest()[:32].encode("ascii")


def _layout_key(html: bytes, base_url: str) -> bytes:
    return hashlib.sha256(html + b"\0" + base_url.encode("utf-8")).digest()


# --------------------------------------------------------------------------- this process

_pool: tuple[int, LayoutPool] | None = None
"""The layout processes of this process (a forked child makes its own), by its pid."""

_POOL_LOCK = threading.Lock()

_laid_out: tuple[bytes, LayoutProcess] | None = None
"""The layout process that holds the layout `page_map` made last, by `_layout_key`: the next
`write_pdf` of the same HTML asks it first. Read and written under `_POOL_LOCK`."""


def _layout_pool() -> LayoutPool:
    global _pool
    with _POOL_LOCK:
        if _pool is None or _pool[0] != os.getpid():
            try:
                cpus = len(os.sched_getaffinity(0))
            except AttributeError:  # pragma: no cover - macOS, Windows
                cpus = os.cpu_count() or 1
            engine = ("weasyprint", "policygen.layout.weasyprint_layout")
            _pool = (os.getpid(), LayoutPool("weasyprint", cpus, engine))
        return _pool[1]


def warm_up(*, wait: bool = True) -> None:
    """Start a layout process now, if none is running (with `wait` false, while the caller goes
    on), so that the first document does not wait for WeasyPrint to load."""
    _layout_pool().warm(LayoutBudget.from_environment().memory_bytes, wait=wait)


def _print(doc: n.Document, options: WriterOptions, want: str) -> tuple[dict[str, Any], bytes]:
    """Return what the layout process answers for `doc`: with `want` ``pdf`` the PDF's bytes,
    with ``pages`` the page map (and the layout kept there for the next `write_pdf`). Raise
    RenderError naming every resource refused, BudgetExceeded beyond the layout budget."""
    global _laid_out
    what = check_layout(doc)
    resources = LocalResources(options.template_dirs)
    html = render_html(doc, options, resources)
    base_url = style_folder(options).as_uri() + "/"
    key = _layout_key(html, base_url)
    with _POOL_LOCK:
        holder = _laid_out[1] if _laid_out is not None and _laid_out[0] == key else None
    args = (
        want,
        html,
        base_url,
        options.template_dirs,
        tuple(stylesheet_paths(doc, options)),
        key,
        list(pdf_keywords(doc.meta)),
        pdf_identifier(html),
        timegm(doc.meta.date.timetuple()),
        PDF_STANDARDS[options.pdf_standard].weasyprint if options.pdf_standard else None,
    )
    with _layout_pool().lend(prefer=holder) as process:
        answer, data = process.run(
            lay_out,
            args,
            what=what,
            budget=LayoutBudget.from_environment(),
            deadline=options.deadline,
        )
        with _POOL_LOCK:
            _laid_out = (key, process) if want == "pages" and answer.get("kept") else None
    for name, level, message in answer.get("log", ()):
        logging.getLogger(name).log(level, "%s", message)
    refused = [*resources.refused, *answer["refused"]]
    if refused and want == "pages":
        raise RenderError(f"排版 PDF 时拒绝加载资源：{refused[0][:200]} (blocked URL)")
    if refused:
        shown = ", ".join(url if len(url) <= 200 else url[:200] + "…" for url in refused)
        raise RenderError(f"生成 PDF 时拒绝加载资源：{shown} (blocked URL)")
    return answer, data


def write_pdf(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as an A4 PDF (to ``options.pdf_standard`` when set); raise RenderError if a resource outside the templates is
    asked, BudgetExceeded when laying it out breaks the layout budget."""
    return _print(doc, options, "pdf")[1]


def page_map(doc: n.Document, options: WriterOptions) -> dict[str, int]:
    """Return the page (from 1) each id of `doc` starts on when printed by `write_pdf`, and
    under PAGE_COUNT_KEY the number of pages.

    The layout is the PDF's own: same HTML, stylesheets, fetcher and fonts, so a DOCX table
    of contents built from it gives the PDF's page numbers. The layout is kept for the next
    `write_pdf` of the same document, which prints it without laying it out again."""
    pages: dict[str, int] = _print(doc, options, "pages")[0]["pages"]
    return pages


__all__ = [
    "PAGE_COUNT_KEY",
    "page_map",
    "pdf_identifier",
    "pdf_keywords",
    "subsetting_path",
    "warm_up",
    "weasyprint_error",
    "write_pdf",
]
