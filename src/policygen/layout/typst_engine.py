"""The Typst engine: lay a document out and print it with Typst (the default engine).

Input: a numbered, reference-resolved Document. Output: its Layout and its A4 PDF, dated
``doc.meta.date`` (Typst's creation timestamp), its file identifier from the document; Typst
subsets fonts without timestamps. The Typst source is writers.pdf_typst's (`typst_source`);
this module compiles it.

An engine runs up to TYPST_LANES lanes, each a Typst compiler in a layout process of its own
(layout.process, the child side in layout.typst_compiler) fed by one thread of the engine's:
each writes its source to its own private file for every document, and Typst's memoisation
reuses fonts, shaping and the layout of what did not change. A document goes to the lane with
the least work waiting; its Layout, when asked for, is asked first and its PDF right after in
the same lane, which lays it out once. A document that takes longer than the layout budget,
or more memory, stops its process with an error naming the document; the lane starts another.
While the lanes lay out, the calling thread builds the next documents: a single process keeps
two cores busy.

The compiler's project root is a private folder holding only the generated source, the package
folders are private and empty (the source never imports a package), and the only fonts it sees
are the files fonts.py resolves for the house style's roles, linked into a private folder, so
the output does not depend on what else is installed."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from policygen.fonts import FONT_ROLES, LATIN, LATIN_ROLE, FontMatch, match_family, resolve_role
from policygen.layout.budget import LayoutBudget, check_layout
from policygen.layout.engine import Layout, PdfEngine, Printing
from policygen.layout.process import START_SECONDS, Answer, LayoutProcess
from policygen.layout.typst_compiler import FontSet, typst_task
from policygen.procs import available_cpus
from policygen.tree import nodes as n
from policygen.writers.font_faces import single_face
from policygen.writers.options import PDF_STANDARDS, WriterOptions
from policygen.writers.pdf_typst import typst_source

T = TypeVar("T")

FONT_ROLE_FALLBACKS: dict[str, tuple[str, ...]] = {
    **{key: role.chain for key, role in FONT_ROLES.items()},
    LATIN: LATIN_ROLE.chain,
}
"""The roles each role's font list tries, in order: an optional role falls back as the style
file says (fonts.FONT_ROLES: 仿宋 and 小标宋 to the 宋体-like body face, 楷体 to the 黑体-like
one). The Latin face (fonts.LATIN_ROLE) has no fallback: without it, the list is empty and
Latin letters stay in each role's CJK face."""

TYPST_LANES = 2
"""Typst layout processes an engine runs side by side, each fed by a thread of its own (fewer
on fewer CPUs, or as the engine is made): with two a long document (a regulation) no longer
holds up the contracts queued behind it, and the calling thread builds the next trees
meanwhile."""


@dataclass
class Lane:
    """One Typst layout process, and the one thread that feeds it (all of its work, in
    order)."""

    index: int
    executor: ThreadPoolExecutor
    process: LayoutProcess
    """The child process holding this lane's fonts and compiler (layout.typst_compiler),
    started on the lane's first task and again after a document broke the layout budget."""
    queued: int = 0
    """The work submitted and not yet finished, counted in characters of Typst source: the
    next document goes to the lane with the least."""
    folder: Path | None = None
    """The private folder of the lane's process, once it has answered."""
    compilations: int = 0
    """Sources the lane's process has compiled, as it last said."""
    warmed: bool = False
    """True once `warm_up` has asked the lane's process to start."""


class TypstEngine(PdfEngine):
    """Typst in up to `processes` lanes (None: TYPST_LANES, fewer on fewer CPUs)."""

    name: ClassVar[str] = "typst"
    cores: ClassVar[int] = 2
    workers_from: ClassVar[int] = 16
    """Typst lays out in processes of its own beside this process's Python work, which keeps
    two cores busy without the half second a worker takes to start and warm up: the bank's
    set of five documents renders in 0.8 s in one process against 1.0 s in two workers."""

    def __init__(self, *, processes: int | None = None) -> None:
        self.lane_count = max(1, min(processes or TYPST_LANES, available_cpus()))
        """How many lanes the engine runs."""
        self._lanes: list[Lane] | None = None
        self._lock = threading.Lock()
        """Guards making the lanes, the fonts and the scratch folder, and the lanes' `queued`
        counts (never held while Typst works)."""
        self._families: dict[str, tuple[str, ...]] | None = None
        self._font_set: FontSet | None = None
        self._scratch: tuple[Path, Finalize] | None = None

    # ----------------------------------------------------------------- documents

    def start(
        self, doc: n.Document, options: WriterOptions, *, pdf: bool = True, layout: bool = False
    ) -> Printing:
        what = check_layout(doc)
        source = typst_source(doc, options, self.families())
        lane = None
        laid_out = printed = None
        if layout:
            lane, query = self._submit(None, len(source), self._pages, source, what, options)
            laid_out = query
        if pdf:
            when = datetime(doc.meta.date.year, doc.meta.date.month, doc.meta.date.day, tzinfo=UTC)
            work = 0 if lane is not None else len(source)  # laid out already in that lane
            printed = self._submit(lane, work, self._pdf, source, when, what, options)[1]
        return Printing(laid_out, printed)

    def _pdf(
        self, lane: Lane, source: str, when: datetime, what: str, options: WriterOptions
    ) -> bytes:
        standard = PDF_STANDARDS[options.pdf_standard] if options.pdf_standard else None
        standards = standard.typst or () if standard is not None else ()
        when_iso = when.isoformat()
        return self._in_lane(lane, "pdf", source, what, options.deadline, when_iso, standards)[1]

    def _pages(self, lane: Lane, source: str, what: str, options: WriterOptions) -> Layout:
        answer, _ = self._in_lane(lane, "pages", source, what, options.deadline)
        anchors: dict[str, int] = {}
        for node_id, page in answer["found"]:
            if isinstance(node_id, str):
                anchors.setdefault(node_id, int(page))
        return Layout(int(answer["count"]), anchors)

    # ----------------------------------------------------------------- lanes

    def lanes(self) -> list[Lane]:
        """Return the engine's lanes, making them (not their processes) on first use.

        The threads that feed the layout processes block SIGINT and SIGTERM, as the main
        thread blocks them while it renames a set of files into place (output.write_all): a
        process-directed signal then waits for the main thread instead of reaching a lane's
        thread, which would let it stop the process half-way through the renames."""
        with self._lock:
            return self._made_lanes()

    def _made_lanes(self) -> list[Lane]:
        if self._lanes is None:
            made: list[Lane] = []
            for index in range(self.lane_count):
                executor = ThreadPoolExecutor(
                    1, thread_name_prefix=f"policygen-typst-{index}", initializer=_quiet
                )
                process = LayoutProcess(
                    f"typst-{index}", ("typst", "policygen.layout.typst_compiler")
                )
                made.append(Lane(index, executor, process))
            self._lanes = made
        return self._lanes

    def _submit(
        self, lane: Lane | None, work: int, task: Callable[..., T], *args: Any
    ) -> tuple[Lane, Future[T]]:
        """Run `task(lane, *args)` in `lane`'s thread (None: the lane with the least work
        waiting); `work` estimates its cost (the length of the source it lays out, 0 when
        laid out)."""
        with self._lock:
            lanes = self._made_lanes()
            if lane is None:
                lane = min(lanes, key=lambda each: each.queued)
            lane.queued += work
        future = lane.executor.submit(task, lane, *args)
        future.add_done_callback(functools.partial(self._finished, lane, work))
        return lane, future

    def _finished(self, lane: Lane, work: int, _future: Future[Any]) -> None:
        with self._lock:
            lane.queued -= work

    def _in_lane(
        self,
        lane: Lane,
        op: str,
        source: str,
        what: str,
        deadline: float | None,
        when: str = "",
        standards: tuple[str, ...] = (),
    ) -> Answer:
        """Return what `lane`'s layout process answers to `op` for `source` (in the lane's
        thread), under the layout budget and before `deadline`; a PDF is printed to Typst's
        PDF `standards` (empty: a plain PDF). Reading the fonts (``families``) is the
        process's start-up, not a document's layout: it has START_SECONDS."""
        budget = LayoutBudget.from_environment()
        if op == "families":
            budget = replace(budget, timeout=START_SECONDS)
        answer, data = lane.process.run(
            typst_task,
            (op, source, when, str(self.scratch()), self.font_set(), standards),
            what=what,
            budget=budget,
            deadline=deadline,
        )
        lane.folder = Path(answer["folder"])
        lane.compilations = answer["compilations"]
        return answer, data

    def families(self) -> dict[str, tuple[str, ...]]:
        """Return the font families Typst prints each role in, as the lanes' processes found
        them (asked of one on first use)."""
        with self._lock:
            if self._families is not None:
                return self._families
        return self._submit(None, 0, self._read_families)[1].result()

    def _read_families(self, lane: Lane) -> dict[str, tuple[str, ...]]:
        answer, _ = self._in_lane(lane, "families", "", "Typst 字体", None)
        families = {role: tuple(names) for role, names in answer["families"].items()}
        with self._lock:
            self._families = families
        return families

    def warm_up(self, *, wait: bool = True) -> None:
        """Start every lane's layout process and have it read the fonts and make its compiler
        now, unless asked before; with `wait` false, while the caller goes on."""
        with self._lock:
            cold = [lane for lane in self._made_lanes() if not lane.warmed]
            for lane in cold:
                lane.warmed = True
        made = [self._submit(lane, 0, self._read_families)[1] for lane in cold]
        if wait:
            for each in made:
                each.result()

    def close(self) -> None:
        with self._lock:
            lanes, self._lanes = self._lanes or [], None
            scratch, self._scratch = self._scratch, None
            self._families = None
        for lane in lanes:
            lane.executor.shutdown(wait=True, cancel_futures=True)
            lane.process.stop()
        if scratch is not None:
            scratch[1]()  # removes the folder now, and not again at exit

    # ----------------------------------------------------------------- files

    def scratch(self) -> Path:
        """Return the engine's scratch folder, where its layout processes keep their fonts and
        sources: made on first use, removed by `close` or at exit, with whatever a stopped
        layout process left in it."""
        with self._lock:
            if self._scratch is None:
                folder = Path(tempfile.mkdtemp(prefix="policygen-typst-"))
                # Removed at exit, also in a worker process, which multiprocessing ends without
                # atexit; after the layout processes are stopped (layout.process).
                remove = Finalize(
                    self,
                    shutil.rmtree,
                    args=(folder,),
                    kwargs={"ignore_errors": True},
                    exitpriority=1,
                )
                self._scratch = (folder, remove)
            return self._scratch[0]

    def font_set(self) -> FontSet:
        """Return the font files of the house style's roles for a Typst layout process: each
        role's face alone when the cache has it out of its collection (font_faces: Typst then
        reads four faces, not forty), else the whole collection. Resolved here once, where
        fontconfig is loaded already, so that the layout process imports only Typst."""
        with self._lock:
            if self._font_set is not None:
                return self._font_set
        files: dict[str, None] = {}
        faces: dict[str, tuple[str, int]] = {}
        for key, matches in _role_fonts().items():
            for number, found in enumerate(matches):
                alone = single_face(Path(found.file), found.index)
                real = os.path.realpath(alone or found.file)
                files.setdefault(real, None)
                if number == 0:
                    faces[key] = (real, 0 if alone else found.index)
        missing = {
            key: f"Typst 找不到{role.label}字体（{'、'.join(role.families)}）；"
            "请安装 fonts-noto-cjk，并运行 policygen doctor 检查 (no font for Typst)"
            for key, role in FONT_ROLES.items()
        }
        made = FontSet(tuple(files), faces, dict(FONT_ROLE_FALLBACKS), missing)
        with self._lock:
            self._font_set = made
        return made


def _quiet() -> None:
    """Leave SIGINT and SIGTERM to the main thread (see TypstEngine.lanes)."""
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _role_fonts() -> dict[str, list[FontMatch]]:
    """Return the regular and bold font files fontconfig gives each role; a role with no
    installed family has none (required roles are checked by the font preflight)."""
    out: dict[str, list[FontMatch]] = {}
    for key, role in {**FONT_ROLES, LATIN: LATIN_ROLE}.items():
        found = resolve_role(role)
        if found is None:
            out[key] = []
            continue
        bold = match_family(found.requested, bold=True)
        out[key] = [found] + ([bold] if bold.installed and bold.file != found.file else [])
    return out


def typst_version() -> str:
    """Return the version of the Typst compiler the binding carries, e.g. ``0.15.1``; raise
    ImportError when the binding is not installed."""
    import typst

    compiler = typst.Compiler(b"", ignore_system_fonts=True)
    found = re.findall(r"\d+", compiler.eval("sys.version"))
    return ".".join(found) or "?"


__all__ = ["FONT_ROLE_FALLBACKS", "TYPST_LANES", "Lane", "TypstEngine", "typst_version"]
