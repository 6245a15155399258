"""PDF engines as objects: lay a document out into a Layout, and print it.

Input: a numbered, reference-resolved Document and the WriterOptions it is written with.
Output: its `Layout` (how many pages, the page each heading and anchor id fell on) and its PDF
bytes, each a Future, so that the caller builds the next document while the engine works.

An engine owns what it lays out with: its layout processes (layout.process), the threads that
feed them, its fonts and its scratch folder. Whoever schedules the documents of a run holds
one `Engines` session (the command line for a render, each batch worker, the HTTP service for
its life) and closes it at the end; nothing here is kept at module level. The engines
themselves are imported only when a document needs one (a PDF, or a DOCX contents page), so a
DOCX-only render of a contract never imports a PDF engine."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

from policygen.writers.options import PDF_ENGINES, check_pdf_engine

if TYPE_CHECKING:
    from policygen.tree import nodes as n
    from policygen.writers.options import WriterOptions


@dataclass(frozen=True)
class Layout:
    """Where a document's pages fell when an engine laid it out."""

    pages: int
    """The number of pages."""
    anchors: Mapping[str, int]
    """The page (from 1) on which each id of the document starts: headings, articles,
    clauses, tables; an id the engine placed on no page is absent."""


@dataclass(frozen=True)
class Printing:
    """A document on its way through an engine: what was asked of it, each a Future holding
    the value or the error (a RenderError, BudgetExceeded beyond the layout budget)."""

    layout: Future[Layout] | None
    """Its layout; None when not asked for."""
    pdf: Future[bytes] | None
    """Its PDF; None when not asked for."""


class PdfEngine(ABC):
    """A PDF engine: lays documents out and prints them, in processes of its own, under the
    layout budget (layout.budget). Thread-safe: any thread may start a document."""

    name: ClassVar[str]
    """The name WriterOptions.pdf_engine, ``--pdf-engine`` and POLICYGEN_PDF_ENGINE use."""
    cores: ClassVar[int]
    """Cores one process printing with this engine keeps busy: its own work, beside the
    caller's thread building the next documents."""
    workers_from: ClassVar[int]
    """Fewest documents of a set worth worker processes (parallel.render_jobs): below, one
    process renders them all, its engine laying out beside it."""

    @abstractmethod
    def start(
        self, doc: n.Document, options: WriterOptions, *, pdf: bool = True, layout: bool = False
    ) -> Printing:
        """Start laying `doc` out: for its PDF when `pdf`, for its Layout when `layout` (both:
        laid out once). Raise what is wrong with `doc` before any layout (BudgetExceeded for a
        run too long to break); what goes wrong later is in the futures."""

    def lay_out(self, doc: n.Document, options: WriterOptions) -> Layout:
        """Return the Layout of `doc` printed in `options`' house style."""
        printing = self.start(doc, options, pdf=False, layout=True)
        assert printing.layout is not None
        return printing.layout.result()

    def print(self, doc: n.Document, options: WriterOptions) -> bytes:
        """Return `doc` printed as a PDF."""
        printing = self.start(doc, options)
        assert printing.pdf is not None
        return printing.pdf.result()

    @abstractmethod
    def warm_up(self, *, wait: bool = True) -> None:
        """Start the engine's layout processes and load their fonts now (with `wait` false,
        while the caller goes on), so the first document does not wait for them. A failure is
        left for the first document to meet and report."""

    @abstractmethod
    def close(self) -> None:
        """Stop the engine's processes and threads and remove its scratch files. A document
        started after this starts them again."""

    def __enter__(self) -> PdfEngine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _weasyprint() -> type[PdfEngine]:
    from policygen.layout.weasyprint_engine import WeasyPrintEngine

    return WeasyPrintEngine


def _typst() -> type[PdfEngine]:
    from policygen.layout.typst_engine import TypstEngine

    return TypstEngine


ENGINES: dict[str, Callable[[], type[PdfEngine]]] = {
    "weasyprint": _weasyprint,
    "typst": _typst,
}
"""Each PDF engine's class by name, imported on first use."""
assert tuple(ENGINES) == PDF_ENGINES


def engine_class(name: str) -> type[PdfEngine]:
    """Return the class of the engine `name`; raise UsageError for an unknown name."""
    return ENGINES[check_pdf_engine(name)]()


def engine_for(name: str, *, processes: int | None = None) -> PdfEngine:
    """Return a new engine `name`, running at most `processes` layout processes (None: as
    many as it finds worth it on this machine). Close it when done (it is a context
    manager)."""
    return engine_class(name)(processes=processes)  # type: ignore[call-arg]


class Engines:
    """The PDF engines of one run (a render, a batch worker, the HTTP service): one of each,
    made when first asked for, closed together. Thread-safe."""

    def __init__(self, *, processes: int | None = None) -> None:
        self.processes = processes
        """Layout processes each engine may run (None: as many as it finds worth it)."""
        self._made: dict[str, PdfEngine] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> PdfEngine:
        """Return the engine `name`, made now if it was not; raise UsageError for an unknown
        name."""
        with self._lock:
            engine = self._made.get(name)
            if engine is None:
                engine = self._made[name] = engine_for(name, processes=self.processes)
            return engine

    def close(self) -> None:
        """Close every engine made."""
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for engine in made:
            engine.close()

    def __enter__(self) -> Engines:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


__all__ = [
    "ENGINES",
    "Engines",
    "Layout",
    "PdfEngine",
    "Printing",
    "engine_class",
    "engine_for",
]
