"""One run over an engagements file: scan, lock the output folder, render every row in the workers, settle."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policygen.batch.constants import OUTPUT_FOLDER
from policygen.batch.manifest import check_outside_templates, templates_digest
from policygen.batch.options import BatchOptions, batch_kinds
from policygen.batch.results import BatchSummary, RowResult, _contract_no, _failed
from policygen.batch.rows import organisation_data
from policygen.batch.scheduling import LocalPool, Scheduler
from policygen.batch.workers import _plan, _Worker
from policygen.errors import InvalidInputError, Issue, UsageError
from policygen.layout.engine import engine_class
from policygen.procs import (
    noted_signals,
    start_forkserver,
    worker_context,
)
from policygen.profile.load import load_profile
from policygen.readers.engagements import Row, read_rows, row_key
from policygen.request import RenderOptions
from policygen.templating.environment import environment_for

if TYPE_CHECKING:
    from policygen.batch.cluster import Cluster

URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
"""An output given as an fsspec URL (``s3://…``, ``file://…``), not a path."""

SHOWN_DUPLICATES = 10
"""Other rows named in the message of a row whose contract number they share."""


@dataclass
class _Shared:
    """The rows using one contract number, when more than one does."""

    count: int
    """How many rows use it."""
    numbers: list[int]
    """The first of them, at most SHOWN_DUPLICATES + 1, so a message can name ten others."""


def _scan(path: Path) -> tuple[int, dict[str, _Shared]]:
    """Return how many rows `path` holds and, by row_key, the contract numbers more than one
    row uses. Raise InvalidInputError for a bad file."""
    rows = 0
    first: dict[str, int] = {}
    shared: dict[str, _Shared] = {}
    for row in read_rows(path):
        rows += 1
        key = row_key(row.data)
        if key is None:
            continue
        if key not in first:
            first[key] = row.number
            continue
        entry = shared.setdefault(key, _Shared(1, [first[key]]))
        entry.count += 1
        if len(entry.numbers) <= SHOWN_DUPLICATES:
            entry.numbers.append(row.number)
    return rows, shared


def _duplicate(row: Row, shared: _Shared) -> RowResult:
    others = [n for n in shared.numbers if n != row.number][:SHOWN_DUPLICATES]
    more = "…" if shared.count - 1 > SHOWN_DUPLICATES else ""
    return _failed(
        row,
        f"合同编号 {_contract_no(row.data)} 与第 {'、'.join(map(str, others))}{more} 行重复"
        "（不区分大小写）；各行的合同编号须唯一 (duplicate contract number)",
        "contract_no",
    )


LOCK = ".policygen.lock"
"""The file in the output folder a run holds a lock on (fcntl.flock), holding its process id."""


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output folder `out` for the block, so that two runs never write one manifest
    at once. Raise UsageError naming the process that holds it, at once rather than waiting:
    a second run on one folder is a mistake (two cron jobs overlapping), and waiting would
    only render the same rows twice. Where the file system has no locks, do without."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise InvalidInputError(
            [Issue("", f"无法写入输出目录：{exc.strerror} (cannot write to the output folder)")],
            str(out),
            OUTPUT_FOLDER,
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise UsageError(
                f"输出目录 {out} 正由另一个 policygen batch（进程 {holder}）使用；请等它结束或"
                f"换一个输出目录 (output folder in use by process {holder})"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
        else:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


POLL_SECONDS = 0.2
"""How often the parent, waiting for rows, looks whether it is to stop."""

MAX_HELD_ERRORS = 1000
"""Failed rows the parent holds in memory, waiting for an earlier row still in flight, before
it stops reading to wait for that row."""


# Long by design: the steps of one run in order (check, scan, lock, render, settle).
def run_batch(
    engagements: Path,
    profile: str | Path,
    out: Path | str,
    options: BatchOptions | None = None,
    *,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[RowResult], None] | None = None,
    summary: BatchSummary | None = None,
) -> BatchSummary:
    """Render every row of `engagements` with the organisation `profile` into `out`; return
    `summary` (None: a new one) filled in.

    `on_start` is called with the number of rows once the file is checked, `on_result` with
    each row's result as it completes (in the calling thread). Raise InvalidInputError when the
    profile or the file as a whole is bad, UsageError for bad options, for `out` inside a
    template folder, or when another run holds `out` (output_lock); a bad row is only
    reported. Workers are started with forkserver (spawn where there is none), so a script
    calling this needs the usual ``if __name__ == "__main__":`` guard.

    SIGINT or SIGTERM while rows render stops the run after the rows in progress: their
    results are counted, `summary.interrupted` is set, and the signal then acts as it would
    have (KeyboardInterrupt, say), so a caller that reports an interrupted run passes its own
    `summary`. A SIGTERM sent to a worker alone stops the run the same way, and the call then
    returns.

    With `options.scheduler`, the rows are rendered on that Dask cluster (batch.cluster), which
    is reached before anything is written (UsageError naming it when it cannot be); the rest
    is as above, the files written by this process — or, when `out` is an fsspec URL
    (``s3://bucket/contracts``), by the workers, there (a URL needs a cluster)."""
    options = options or BatchOptions()
    summary = summary or BatchSummary()
    started = time.perf_counter()
    asked = RenderOptions.of(  # checked as every front end's render request
        formats=options.formats,
        template_dirs=options.template_dirs,
        pdf_engine=options.pdf_engine,
        pdf_standard=options.pdf_standard,
        style=options.style_file,
    )
    formats, pdf_engine = asked.formats, asked.pdf_engine
    if options.jobs < 1:
        raise UsageError("--jobs 至少为 1 (at least one job)")
    environment = environment_for(options.template_dirs)
    url = out if isinstance(out, str) and URL.match(out) else None
    if url is not None and options.scheduler is None:
        raise UsageError(
            f"输出到 {url} 需要 --scheduler：由集群的工作进程写入 "
            "(an output URL is written by a cluster's workers: give --scheduler)"
        )
    out = Path(out if url is None else ".")
    if url is None:
        check_outside_templates(out, environment.folders, ("输出目录", "output folder"))
    organisation = load_profile(profile)
    kinds = batch_kinds(options.kinds)
    engagements = Path(engagements)
    total, duplicates = _scan(engagements)
    summary.rows = total
    with contextlib.ExitStack() as resources:
        cluster = None
        if options.scheduler is not None:  # before anything is written: a bad address stops
            cluster = resources.enter_context(_connect(options.scheduler))
        if on_start:
            on_start(total)
        if url is None:
            _make_folder(out)
            resources.enter_context(output_lock(out))
        worker = _Worker(
            organisation=organisation_data(organisation),
            lang=organisation.meta.lang,
            organisation_digest=hashlib.sha256(
                organisation.model_dump_json(exclude={"engagements"}).encode("utf-8")
            ).hexdigest(),
            templates_digest=templates_digest(environment.folders, options.style_file),
            kinds=kinds,
            formats=formats,
            template_dirs=tuple(Path(f).resolve() for f in options.template_dirs),
            out=out.resolve(),
            force=options.force,
            pdf_engine=pdf_engine,
            claimed=frozenset() if url else _claimed(out, environment.folders),
            style_file=options.style_file,
            pdf_standard=options.pdf_standard,
        )
        cores = engine_class(worker.pdf_engine).cores if "pdf" in worker.formats else 1
        try:
            if cluster is not None:
                scheduler: Scheduler = cluster.scheduler(worker, url)
                _, chunk = _plan(scheduler.workers * cores, total, cores)
            else:
                workers, chunk = _plan(options.jobs, total, cores)
                per_child = options.tasks_per_worker
                stop = worker_context().Event()  # before the forkserver (worker_context)
                start_forkserver()
                scheduler = LocalPool(
                    workers, worker, None if per_child is None else max(1, per_child // chunk), stop
                )
            _render_all(engagements, scheduler, chunk, duplicates, summary, on_result)
        finally:
            summary.seconds = time.perf_counter() - started
    return summary


def _make_folder(out: Path) -> None:
    """Create the output folder `out`; raise InvalidInputError when it cannot be."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            [Issue("", f"无法创建输出目录：{exc.strerror} (cannot create output folder)")],
            str(out),
            OUTPUT_FOLDER,
        ) from None


def _connect(address: str) -> contextlib.AbstractContextManager[Cluster]:
    """Return batch.cluster.connect(`address`); raise UsageError when Dask is not installed."""
    try:
        from policygen.batch.cluster import connect
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in ("dask", "distributed"):
            raise
        raise UsageError(
            "--scheduler 需要 Dask：pip install 'policygen[cluster]' (Dask is not installed)"
        ) from None
    return connect(address)


def _claimed(out: Path, folders: Sequence[Path]) -> frozenset[str]:
    """Return the names (casefolded) of the folders in `out` that hold one of `folders`."""
    real = Path(os.path.realpath(out))
    names = set()
    for folder in folders:
        inner = Path(os.path.realpath(folder))
        if inner.is_relative_to(real) and inner != real:
            names.add(inner.relative_to(real).parts[0].casefold())
    return frozenset(names)


# Long: the run's loop and its two closures share the scheduler, the pending tasks and the
# rows not yet sent.
def _render_all(
    engagements: Path,
    scheduler: Scheduler,
    chunk: int,
    duplicates: Mapping[str, _Shared],
    summary: BatchSummary,
    on_result: Callable[[RowResult], None] | None,
) -> None:
    """Render the rows of `engagements` with `scheduler`, `chunk` rows a task, into `summary`.

    SIGINT and SIGTERM are noted, not acted on at once (procs.noted_signals): the workers
    are told to start no further row (`scheduler.stop`), the rows in flight are collected, and
    only then the signal acts. The errors of failed rows go to the summary's log as soon as no
    earlier row is in flight, so that they are held in memory only while rows are."""
    pending: dict[object, list[Row]] = {}
    rows: list[Row] = []
    """Rows read but not yet sent to a worker."""

    def record(result: RowResult) -> None:
        summary.add(result)
        if on_result:
            on_result(result)

    def settle(reading: int) -> None:
        """Write the errors of rows before any still in flight; `reading`: the row being read."""
        waiting = [batch[0].number for batch in (*pending.values(), rows) if batch]
        summary.errors.settle(min([reading, *waiting]))

    with noted_signals() as noted:

        def collect() -> None:
            done = scheduler.wait(list(pending), POLL_SECONDS)
            if noted:
                scheduler.stop()
            for task in sorted(done, key=lambda t: pending[t][0].number):
                for result in scheduler.results(task, pending.pop(task)):
                    record(result)  # fewer than the rows when the batch is stopping

        def submit(batch: list[Row]) -> None:
            while len(pending) >= 2 * scheduler.workers and not scheduler.stopping:
                collect()
            if not scheduler.stopping:
                pending[scheduler.submit(batch)] = batch

        try:
            for row in read_rows(engagements):
                if noted:
                    scheduler.stop()
                if scheduler.stopping:
                    break
                if row.data is None:
                    record(RowResult(row.number, row.line, None, "failed", (), row.issues))
                elif (shared := duplicates.get(row_key(row.data) or "")) is not None:
                    record(_duplicate(row, shared))
                else:
                    rows.append(row)
                    if len(rows) == chunk:
                        submit(rows)
                        rows = []
                settle(row.number + 1)
                if summary.errors.held > MAX_HELD_ERRORS:  # bad rows pile up behind good ones
                    if rows:
                        submit(rows)
                        rows = []
                    while summary.errors.held > MAX_HELD_ERRORS and pending:
                        collect()
                        settle(row.number + 1)
            if rows:
                submit(rows)
                rows = []
            while pending:
                collect()
                settle(summary.rows + 1)
        finally:
            scheduler.close()
            summary.interrupted = scheduler.stopping or bool(noted)
    summary.errors.settle()
