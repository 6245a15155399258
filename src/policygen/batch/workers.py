"""The worker processes: each renders and writes whole rows, one document ahead, under its parent's signals."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from policygen.batch.manifest import FolderState, _write_manifest, folder_state, inputs_digest
from policygen.batch.results import RowResult, _contract_no, _failed
from policygen.batch.rows import _relative, engagement_profile
from policygen.bilingual import kind_lang
from policygen.errors import InvalidInputError, Issue, PolicygenError
from policygen.kinds import Kind
from policygen.layout.engine import Engines
from policygen.output import write_all
from policygen.parallel import freeze_heap, warm_up
from policygen.pipeline import (
    Job,
    PendingJob,
    applies,
    pipelined,
    start_job,
)
from policygen.procs import (
    serve_parent,
    writing,
)
from policygen.readers.engagements import Row
from policygen.templating.environment import environment_for
from policygen.validation import checked


@dataclass(frozen=True)
class _Worker:
    """What a worker process keeps between rows: set once by `_init_worker`."""

    organisation: dict[str, Any]
    organisation_digest: str
    templates_digest: str
    kinds: tuple[Kind, ...]
    formats: tuple[str, ...]
    template_dirs: tuple[Path, ...]
    out: Path
    force: bool
    pdf_engine: str = "weasyprint"
    claimed: frozenset[str] = frozenset()
    """Names (casefolded) of the folders in `out` that hold a template folder: a row with
    one of them as its contract number would write its files among the templates."""
    style_file: Path | None = None
    pdf_standard: str | None = None
    lang: str = "zh"
    """The organisation's meta.languages (Meta.lang): each row's documents are rendered in them."""

    # Long by design: one row from its data to its first document started, each failure
    # turned into that row's result where it happens.
    def start(
        self, row: Row, engines: Engines, state: FolderState | None = None
    ) -> _Started | RowResult:
        """Validate `row`, build the trees of its documents that are not up to date and start
        writing them (laid out by the engines of `engines` meanwhile); return what `produce`
        completes, or the row's result when there is nothing to write. `state` is the row's
        folder as the writer of its files found it (None: read it here, from `out`)."""
        assert row.data is not None
        try:
            profile = engagement_profile(self.organisation, row.data, source=f"row {row.number}")
        except InvalidInputError as error:
            return RowResult(
                row.number, row.line, _contract_no(row.data), "failed", (), tuple(error.issues)
            )
        except Exception as error:  # a bug must not stop the rows pipelined with this one
            return _row_failure(row, _contract_no(row.data), self.out, error)
        engagement = profile.engagements[0]
        number = engagement.contract_no
        if number.casefold() in self.claimed:
            return _failed(
                row,
                f"合同编号 {number} 的输出目录中有模板目录，本行未生成 "
                "(this row's folder would hold a template folder)",
                "contract_no",
            )
        folder = self.out / number
        key = inputs_digest(
            self.organisation_digest,
            engagement,
            self.templates_digest,
            self.pdf_engine,
            self.pdf_standard,
        )
        jobs = [
            Job(
                kind,
                engagement,
                kind_lang(kind.name, self.lang, named=False, template_dirs=self.template_dirs),
            )
            for kind in self.kinds
            if applies(kind, profile, engagement)
        ]  # in the organisation's meta.languages, as a full set is rendered
        if state is None:  # e.g. no DPA when no personal information is entrusted: not asked
            names = () if self.force else (j.filename(f) for j in jobs for f in self.formats)
            state = folder_state(folder, names)
        todo: list[tuple[Job, list[str]]] = []
        for job in jobs:
            stale = [fmt for fmt in self.formats if not self._current(job, fmt, state, key)]
            if stale:
                todo.append((job, stale))
        if not todo:
            return RowResult(row.number, row.line, number, "skipped")
        try:
            checked(profile, template_dirs=self.template_dirs)
            pending = [
                start_job(
                    profile,
                    job,
                    formats,
                    engines=engines,
                    template_dirs=self.template_dirs,
                    pdf_engine=self.pdf_engine,
                    style_file=self.style_file,
                    pdf_standard=self.pdf_standard,
                )
                for job, formats in todo
            ]
        except Exception as error:  # a bug must not stop the other rows either
            return _row_failure(row, number, folder, error)
        return _Started(row, number, folder, key, state.manifest, pending)

    def produce(self, started: _Started) -> RowFiles | RowResult:
        """Wait for the files of `started`; return them, or the row's result when one failed."""
        try:
            files: dict[str, bytes] = {}
            for pending in started.pending:
                files.update(pending.result())
        except Exception as error:
            return _row_failure(started.row, started.number, started.folder, error)
        return RowFiles(started.row, started.number, started.key, started.manifest, files)

    def _current(self, job: Job, fmt: str, state: FolderState, key: str) -> bool:
        if self.force:
            return False
        name = job.filename(fmt)
        return name in state.intact and state.manifest[name].get("inputs") == key


@dataclass(frozen=True)
class RowFiles:
    """A row's files, rendered and not yet written: what the holder of the output folder
    writes with the row's manifest (write_row) — the worker itself, or a cluster's client."""

    row: Row
    number: str
    """The row's contract number, its folder's name."""
    key: str
    """The digest of its inputs (inputs_digest)."""
    manifest: dict[str, dict[str, str]]
    """Its folder's manifest as read before rendering."""
    files: dict[str, bytes]
    """File name → bytes."""


def write_row(out: Path, rendered: RowFiles) -> RowResult:
    """Write the files of `rendered` into its folder in `out`, all or none, and record them in
    the folder's manifest; return the row's result (failed when they cannot be written)."""
    folder = out / rendered.number

    def write(files: dict[str, bytes]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        write_all(folder, files)  # the row's files together, or none of them

    with writing():  # a worker whose parent dies finishes this first
        save = partial(_write_manifest, folder, rendered.number)
        return store_row(rendered, folder, write, save, together=True)


def store_row(
    rendered: RowFiles,
    folder: Path | str,
    write: Callable[[dict[str, bytes]], None],
    save: Callable[[dict[str, dict[str, str]]], None],
    *,
    together: bool,
) -> RowResult:
    """Write the files of `rendered` into `folder` with `write`: all in one call when
    `together` (a local folder puts them in place at once: `write_row`), else a file a call
    (an object store: batch.cluster.UrlOutput). Record each file written in the folder's
    manifest, which `save` writes last, a write failing or not, once any file is written;
    return the row's result (failed when a file cannot be written)."""
    row, number, manifest = rendered.row, rendered.number, dict(rendered.manifest)
    files = rendered.files
    groups = [files] if together else [{name: data} for name, data in files.items()]
    written: list[str] = []
    try:
        try:
            for group in groups:
                write(group)
                for name, data in group.items():
                    digest = hashlib.sha256(data).hexdigest()
                    manifest[name] = {"inputs": rendered.key, "sha256": digest}
                    written.append(f"{number}/{name}")
        finally:
            if written:
                save(manifest)
    except Exception as error:
        return _row_failure(row, number, Path(folder), error)
    return RowResult(row.number, row.line, number, "rendered", tuple(written))


@dataclass(frozen=True)
class _Started:
    """A row whose documents are being written (`_Worker.start`)."""

    row: Row
    number: str
    """The row's contract number."""
    folder: Path
    """Where its files go."""
    key: str
    """The digest of its inputs (inputs_digest)."""
    manifest: dict[str, dict[str, str]]
    """Its folder's manifest as read before rendering."""
    pending: list[PendingJob]

    def write_ready(self) -> None:
        """Write now the files of the row that need no layout still being made."""
        for job in self.pending:
            job.write_ready()


@dataclass(frozen=True)
class _Done:
    """A row finished as it started: failed, or skipped (nothing to write)."""

    result: RowResult

    def write_ready(self) -> None:
        """Nothing to write."""


def _row_failure(row: Row, number: str | None, folder: Path, error: Exception) -> RowResult:
    """Return the result of `row` when rendering or writing it raised `error`."""
    if isinstance(error, InvalidInputError):  # e.g. a character no font draws, at its field
        issues = tuple(
            Issue("、".join(_relative(p) for p in i.path.split("、")), i.message, i.location)
            for i in error.issues
        )
        return RowResult(row.number, row.line, number, "failed", (), issues)
    if isinstance(error, PolicygenError):
        return _failed(row, str(error))
    if isinstance(error, OSError):
        return _failed(row, f"无法写入 {folder}：{error.strerror} (cannot write output)")
    return _failed(row, f"内部错误 (internal error): {type(error).__name__}: {error}")


_worker: _Worker | None = None
"""The worker process's state; set by `_init_worker`, never used in the parent."""


_stop: EventType | None = None
"""Set when the batch is to stop after the rows in progress: by the parent on SIGINT or
SIGTERM, or by a worker on a SIGTERM of its own; shared by the parent and its workers."""


_engines: Engines | None = None
"""The worker process's engine session; set by `_init_worker`, never used in the parent."""


def _init_worker(worker: _Worker, stop: EventType) -> None:
    """Keep `worker` for the rows to come and warm what every row needs: the compiled
    templates, the writers' modules and one engine session. Ctrl-C is left to the parent,
    which sets `stop`; a SIGTERM from elsewhere sets it too; the worker exits when the parent
    dies, its engines' processes with it."""
    global _worker, _stop, _engines
    serve_parent(on_terminate=stop.set)
    # One layout process per engine: rows are pipelined one ahead (_render_rows), so the
    # second core is busy with the next row's tree and DOCX; a second Typst compiler measured
    # slower (20.5 against 22 contracts a second) and 20 MB larger.
    _worker, _stop, _engines = worker, stop, warmed_engines(worker)


def warmed_engines(worker: _Worker) -> Engines:
    """Return the engine session of a process that renders `worker`'s rows (one layout
    process per engine), with what every row needs warmed first: the kinds' compiled
    templates, the writers' modules and the engines; then freeze the heap warmed
    (parallel.freeze_heap). A local pool's worker (`_init_worker`) and a Dask worker
    (cluster.WorkerSetup) start alike."""
    engines = Engines(processes=1)
    env = environment_for(worker.template_dirs)
    for kind in worker.kinds:
        env.template(kind.template)
    warm_up(worker.formats, worker.pdf_engine, engines)
    freeze_heap()
    return engines


def _render_rows(rows: list[Row]) -> list[RowResult]:
    """Render and write `rows` in a worker process (render_rows), with the state `_init_worker`
    set; once the batch is to stop (`_stop`), start no further row: the results cover the
    first rows of `rows`, each of them finished."""
    worker, engines, stop = _worker, _engines, _stop
    if worker is None or engines is None:  # pragma: no cover - the initializer runs first
        raise RuntimeError("worker not initialised")
    return render_and_write(worker, engines, rows, lambda: stop is not None and stop.is_set())


def render_and_write(
    worker: _Worker, engines: Engines, rows: list[Row], stopped: Callable[[], bool]
) -> list[RowResult]:
    """Render `rows` (render_rows, each row's folder read from `worker.out`) and write their
    files there (write_row), in a process that holds the output folder; return the rows'
    results. Once `stopped()`, start no further row."""
    rendered = render_rows(worker, engines, [(row, None) for row in rows], stopped)
    return written(rendered, partial(write_row, worker.out))


def written(
    rendered: Iterable[RowFiles | RowResult], write: Callable[[RowFiles], RowResult]
) -> list[RowResult]:
    """Return the result of each of `rendered`: a row's result as it is, a row's files as
    `write` writes them (write_row into a folder, cluster.UrlOutput.write_row)."""
    return [r if isinstance(r, RowResult) else write(r) for r in rendered]


def never() -> bool:
    """The `stopped` of rows that are never stopped midway: a Dask task's (a stopping run
    cancels the tasks not begun)."""
    return False


def render_rows(
    worker: _Worker,
    engines: Engines,
    rows: Iterable[tuple[Row, FolderState | None]],
    stopped: Callable[[], bool],
) -> Iterator[RowFiles | RowResult]:
    """Yield, for each of `rows` (a row and its folder's state, None: read from `worker.out`),
    in order, its files rendered and not yet written, or its result. Rows are pipelined one
    ahead (pipeline.pipelined): each row's PDFs are laid out in the engine's process while the
    next row's trees and DOCX are made here, so one worker keeps two cores busy with one copy
    of the engine's fonts and caches in memory. Once `stopped()`, start no further row."""

    def start(item: tuple[Row, FolderState | None]) -> _Started | _Done:
        started = worker.start(item[0], engines, item[1])
        return _Done(started) if isinstance(started, RowResult) else started

    def finish(started: _Started | _Done) -> RowFiles | RowResult:
        return started.result if isinstance(started, _Done) else worker.produce(started)

    def unstopped() -> Iterator[tuple[Row, FolderState | None]]:
        for item in rows:
            if stopped():
                return
            yield item

    return pipelined(unstopped(), start, finish, ahead=1)


CHUNK = 16
"""Rows a worker renders per task when its engine keeps two cores busy: within a task the
rows are pipelined (`_render_rows`), so the cores idle only at a task's first and last row; a
longer task makes coarser progress."""


def _plan(jobs: int, rows: int, cores: int) -> tuple[int, int]:
    """Return how many worker processes to start for `jobs` jobs and `rows` rows, and how many
    rows each task holds, when a worker keeps `cores` cores busy (PdfEngine.cores). An engine
    laying out beside the worker (Typst) makes a worker count as two jobs, and one worker
    holds one copy of its fonts and caches (some 200 MB) where two would hold two."""
    if cores < 2:
        return max(1, min(jobs, rows)), 1
    workers = max(1, min((jobs + 1) // 2, rows))
    return workers, max(1, min(CHUNK, -(-rows // (2 * workers))))
