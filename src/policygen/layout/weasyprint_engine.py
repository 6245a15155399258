"""The WeasyPrint engine: print the HTML writer's page to PDF, loading nothing from outside the
templates (``--pdf-engine weasyprint``, the HTML-and-CSS path).

Input: a numbered, reference-resolved Document. Output: its Layout and its PDF, byte-identical
for identical input: dates come from ``doc.meta.date`` (``dcterms.created``/``modified``), the
file identifier from a hash of the HTML, and fonts are subset by HarfBuzz, which writes no
timestamps. The PDF's keywords end with the document's number (writers.pdf.pdf_keywords).

The HTML is made in the calling thread; WeasyPrint lays it out and writes the PDF in a layout
process (layout.process, the child side in layout.weasyprint_layout) under the layout budget
(layout.budget): a document that takes longer or more memory is stopped with an error naming
it, and one with a run of letters too long to break is refused before. The engine's processes
(one per CPU at most, started as needed) keep their fonts between documents, each fed by a
thread of the engine's, so the caller builds the next document meanwhile; this process never
imports WeasyPrint to print. A document asked for both its Layout and its PDF is laid out
once."""

from __future__ import annotations

import logging
import signal
import threading
from calendar import timegm
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

from policygen.errors import RenderError
from policygen.layout.budget import LayoutBudget, check_layout
from policygen.layout.engine import Layout, PdfEngine, Printing
from policygen.layout.process import LayoutPool
from policygen.layout.weasyprint_layout import PAGE_COUNT_KEY, lay_out
from policygen.procs import available_cpus
from policygen.tree import nodes as n
from policygen.writers.fetcher import LocalResources
from policygen.writers.html import render_html
from policygen.writers.options import PDF_STANDARDS, WriterOptions
from policygen.writers.pdf import pdf_identifier, pdf_keywords
from policygen.writers.stylesheets import style_folder, stylesheet_paths


class WeasyPrintEngine(PdfEngine):
    """WeasyPrint in up to `processes` layout processes (None: one per CPU)."""

    name: ClassVar[str] = "weasyprint"
    cores: ClassVar[int] = 1
    workers_from: ClassVar[int] = 2
    """WeasyPrint holds the GIL of its process for its whole layout (about 50 ms a page), so
    a set of two documents or more is worth worker processes."""

    def __init__(self, *, processes: int | None = None) -> None:
        self.size = max(1, processes or available_cpus())
        """Most layout processes the engine runs at once."""
        self._pool = LayoutPool(
            "weasyprint", self.size, ("weasyprint", "policygen.layout.weasyprint_layout")
        )
        self._threads: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(
        self, doc: n.Document, options: WriterOptions, *, pdf: bool = True, layout: bool = False
    ) -> Printing:
        want = "both" if pdf and layout else "pdf" if pdf else "pages"
        what = check_layout(doc)
        resources = LocalResources(options.template_dirs)
        html = render_html(doc, options, resources)
        args = (
            want,
            html,
            style_folder(options).as_uri() + "/",
            options.template_dirs,
            tuple(stylesheet_paths(doc, options)),
            list(pdf_keywords(doc.meta)),
            pdf_identifier(html),
            timegm(doc.meta.date.timetuple()),
            PDF_STANDARDS[options.pdf_standard].weasyprint if options.pdf_standard else None,
        )
        done = self._executor().submit(self._run, args, what, options.deadline, resources)
        laid_out: Future[Layout] | None = Future() if layout else None
        printed: Future[bytes] | None = Future() if pdf else None
        done.add_done_callback(lambda future: _settle(future, laid_out, printed))
        return Printing(laid_out, printed)

    def _run(
        self,
        args: tuple[Any, ...],
        what: str,
        deadline: float | None,
        resources: LocalResources,
    ) -> tuple[Layout | None, bytes]:
        """Lay out in a layout process (in one of the engine's threads) and return the layout
        (when asked) and the PDF (empty when not asked). Raise RenderError naming every
        resource refused, BudgetExceeded beyond the layout budget."""
        with self._pool.lend() as process:
            answer, data = process.run(
                lay_out, args, what=what, budget=LayoutBudget.from_environment(), deadline=deadline
            )
        for name, level, message in answer.get("log", ()):
            logging.getLogger(name).log(level, "%s", message)
        refused = [*resources.refused, *answer["refused"]]
        if refused and args[0] == "pages":
            raise RenderError(f"排版 PDF 时拒绝加载资源：{refused[0][:200]} (blocked URL)")
        if refused:
            shown = ", ".join(url if len(url) <= 200 else url[:200] + "…" for url in refused)
            raise RenderError(f"生成 PDF 时拒绝加载资源：{shown} (blocked URL)")
        found = answer.get("pages")
        if found is None:
            return None, data
        anchors = {key: int(page) for key, page in found.items() if key != PAGE_COUNT_KEY}
        return Layout(int(found[PAGE_COUNT_KEY]), anchors), data

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(
                    self.size, thread_name_prefix="policygen-weasyprint", initializer=_quiet
                )
            return self._threads

    def warm_up(self, *, wait: bool = True) -> None:
        self._pool.warm(LayoutBudget.from_environment().memory_bytes, wait=wait)

    def close(self) -> None:
        with self._lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)
        self._pool.close()


def _quiet() -> None:
    """Leave SIGINT and SIGTERM to the main thread (as Typst's lanes: layout.typst_engine)."""
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _settle(
    done: Future[tuple[Layout | None, bytes]],
    laid_out: Future[Layout] | None,
    printed: Future[bytes] | None,
) -> None:
    """Pass what `done` holds (a layout and a PDF, or an error) on to the futures asked for."""
    error = (
        RenderError("排版已取消：PDF 引擎已关闭 (the PDF engine was closed)")
        if done.cancelled()
        else done.exception()
    )
    for future in (laid_out, printed):
        if future is not None and error is not None:
            future.set_exception(error)
    if error is not None:
        return
    layout, pdf = done.result()
    if laid_out is not None:
        assert layout is not None
        laid_out.set_result(layout)
    if printed is not None:
        printed.set_result(pdf)


__all__ = ["WeasyPrintEngine"]
