"""Render the documents of a set in worker processes, one document per task.

Input: a validated Profile, the jobs to render (pipeline.jobs), the formats, the template
folders and how many workers may run. Output: the bytes of every file by file name, in job
order, exactly as calling pipeline.render_job for each job in this process gives them; or the
error the first failing job (in job order) raises, as that loop would raise it, so messages
and exit codes do not depend on how the work was spread.

Laying out PDF pages is what costs (WeasyPrint, about 50 ms a page, holding the GIL), so the
workers are used only when a PDF is asked for, there is more than one job and more than one
worker is allowed; otherwise everything renders in this process, which is faster than starting
workers. Typst lays out outside the GIL in a thread of its own, so with Typst this process
already uses two cores and workers pay only for large sets (TYPST_WORKERS_FROM). Workers
come from a forkserver (spawn where there is none), never forked from this process, which may
run threads (the progress bar, Typst's); each receives the profile once, imports
the writers and compiles the templates before its first document, and exits if this process
dies (procs.serve_parent). Results travel back as bytes; errors as the exceptions themselves
(PolicygenError and its subclasses pickle)."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from policygen.errors import PolicygenError, RenderError, UsageError
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, PendingJob, render_job, start_job
from policygen.procs import serve_parent, start_forkserver, worker_context
from policygen.profile.model import Profile
from policygen.writers.options import check_pdf_standard, pdf_engine_from

PARALLEL_FORMATS = frozenset({"pdf"})
"""Formats expensive enough to be worth worker processes."""

TYPST_WORKERS_FROM = 16
"""Fewest jobs worth worker processes when Typst prints the PDFs. Typst lays out in a thread of
its own, outside the GIL, beside this process's Python work (`_render_here`), which keeps two
cores busy without the half second a worker takes to start and warm up; the bank's set of
five documents renders in 0.8 s in one process against 1.0 s in two workers."""

HEAVY_MODULES: dict[str, tuple[str, ...]] = {
    "docx": ("policygen.writers.docx",),
    "pdf": ("policygen.writers.pdf",),  # WeasyPrint itself loads in a layout process
    "pdf:typst": ("policygen.writers.pdf_typst", "typst"),
}
"""Modules a worker imports before its first job, by format (``pdf:typst``: a PDF printed by
Typst, which never needs WeasyPrint)."""


def heavy_modules(fmt: str, pdf_engine: str) -> tuple[str, ...]:
    """Return the modules worth importing before rendering `fmt` with `pdf_engine`."""
    if fmt == "pdf" and pdf_engine != "weasyprint":
        return HEAVY_MODULES.get(f"pdf:{pdf_engine}", ())
    return HEAVY_MODULES.get(fmt, ())


def warm_up(formats: Sequence[str], pdf_engine: str, *, typst_lanes: int | None = None) -> None:
    """Import the writers `formats` need and, for Typst, load its fonts and compiler, so that
    a worker's first document costs what the others do; `typst_lanes` sets how many Typst
    compilers the process may run (pdf_typst.TYPST_LANES when None)."""
    for fmt in formats:
        for module in heavy_modules(fmt, pdf_engine):
            importlib.import_module(module)
    if "pdf" in formats and pdf_engine == "typst":
        from policygen.writers.pdf_typst import warm_up as warm_typst

        with contextlib.suppress(PolicygenError):  # the first document reports it, located
            warm_typst(lanes=typst_lanes)
    elif "pdf" in formats:
        from policygen.writers.pdf import warm_up as warm_weasyprint

        with contextlib.suppress(PolicygenError):
            warm_weasyprint(wait=False)  # its layout process loads WeasyPrint meanwhile


def freeze_heap() -> None:
    """Tell the garbage collector that what exists now lives as long as the run: the imported
    modules (pydantic's validators, typing's caches), a loaded profile, a warm worker's
    templates and fonts. Each full collection that rendering triggers would otherwise walk all
    of it again (``gc.freeze``: 8% off rendering the bank set with Typst). Does nothing when
    the process already keeps frozen objects of its own; `thaw_heap` undoes it."""
    global _frozen
    if gc.get_freeze_count() == 0:
        gc.freeze()
        _frozen = True


def thaw_heap() -> None:
    """Give back to the garbage collector what `freeze_heap` froze (a command run in-process
    by a caller who goes on: its objects become collectable again)."""
    global _frozen
    if _frozen:
        gc.unfreeze()
        _frozen = False


_frozen = False
"""True while objects frozen by `freeze_heap` are kept from the collector."""


Task = tuple[str, int | None]
"""A job as sent to a worker: its kind's name and the index of its engagement (None: none)."""


def default_jobs() -> int:
    """Return how many processes may run at once here: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def render_jobs(
    profile: Profile,
    todo: Sequence[Job],
    formats: Sequence[str],
    *,
    template_dirs: Sequence[Path] = (),
    jobs: int | None = None,
    on_done: Callable[[Job], None] | None = None,
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    pdf_standard: str | None = None,
) -> dict[str, bytes]:
    """Return every job of `todo` rendered in each of `formats`, by file name, in job order,
    PDFs printed by `pdf_engine` (None: as pipeline.writer_options chooses) to the archival
    standard `pdf_standard` (None: a plain PDF), in the house style of `style_file` (None:
    the profile's ``meta.style``).

    Up to `jobs` worker processes render at once (None: one per CPU; 1: all in this process).
    `on_done` is called in this thread with each job as it completes. Raise UsageError when
    `jobs` is below 1, the engine or standard is unknown or the engine cannot print the
    standard, and whatever the first failing job raises."""
    engine = pdf_engine_from(pdf_engine)  # chosen here, so workers never read the environment
    check_pdf_standard(pdf_standard, engine)
    workers = default_jobs() if jobs is None else jobs
    if workers < 1:
        raise UsageError("--jobs 至少为 1 (at least one job)")
    workers = min(workers, len(todo))
    if (
        workers < 2
        or not PARALLEL_FORMATS.intersection(formats)
        or (engine == "typst" and len(todo) < TYPST_WORKERS_FROM)
    ):
        return _render_here(
            profile, todo, formats, template_dirs, on_done, engine, style_file, pdf_standard
        )
    return _render_in_workers(
        profile, todo, formats, template_dirs, workers, on_done, engine, style_file, pdf_standard
    )


IN_FLIGHT = 6
"""Jobs rendered in this process that may wait for their PDFs at once (their trees and files
are held in memory meanwhile)."""


def _render_here(
    profile: Profile,
    todo: Sequence[Job],
    formats: Sequence[str],
    template_dirs: Sequence[Path],
    on_done: Callable[[Job], None] | None,
    pdf_engine: str,
    style_file: Path | None = None,
    pdf_standard: str | None = None,
) -> dict[str, bytes]:
    """Render `todo` in this process, each job's Typst PDF laid out in Typst's threads while
    the next jobs' trees and DOCX are made here (writers.start_writing; other writers write at
    once): a job's other files are written once the next job is queued in Typst. Up to
    IN_FLIGHT jobs wait for their PDFs; the first failing job in job order raises."""
    if "pdf" in formats and pdf_engine == "typst":
        from policygen.writers.pdf_typst import warm_up as warm_typst

        warm_typst(wait=False)  # the fonts load while the first tree is built
    rendered: dict[str, bytes] = {}
    pending: deque[PendingJob] = deque()

    def finish() -> None:
        done = pending.popleft()
        rendered.update(done.result())
        if on_done:
            on_done(done.job)

    for job in todo:
        try:
            started = start_job(
                profile,
                job,
                formats,
                template_dirs=template_dirs,
                pdf_engine=pdf_engine,
                style_file=style_file,
                pdf_standard=pdf_standard,
            )
        except Exception:
            while pending:
                finish()  # an earlier job's error comes first
            raise
        for earlier in pending:  # this job is queued in Typst: write theirs meanwhile
            earlier.write_ready()
        pending.append(started)
        if len(pending) > IN_FLIGHT:
            finish()
    for earlier in pending:
        earlier.write_ready()
    while pending:
        finish()
    return rendered


def _task(profile: Profile, job: Job) -> Task:
    if job.engagement is None:
        return job.kind.name, None
    index = next(i for i, e in enumerate(profile.engagements) if e is job.engagement)
    return job.kind.name, index


def _render_in_workers(
    profile: Profile,
    todo: Sequence[Job],
    formats: Sequence[str],
    template_dirs: Sequence[Path],
    workers: int,
    on_done: Callable[[Job], None] | None,
    pdf_engine: str,
    style_file: Path | None = None,
    pdf_standard: str | None = None,
) -> dict[str, bytes]:
    formats = tuple(formats)
    dirs = tuple(Path(d) for d in template_dirs)
    kinds = tuple(dict.fromkeys(job.kind.name for job in todo))
    start_forkserver()  # deaf to Ctrl-C, which this process answers, and to a group SIGTERM
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context(),
        initializer=_init_worker,
        initargs=(profile, formats, dirs, kinds, pdf_engine, style_file, pdf_standard),
    )
    futures: list[Future[dict[str, bytes]]] = []
    try:
        # Documents of the whole organisation (the regulation, the longest) first, so that
        # the long ones start early and the short ones fill in around them.
        order = sorted(range(len(todo)), key=lambda i: todo[i].engagement is not None)
        submitted = {i: pool.submit(_render_task, _task(profile, todo[i])) for i in order}
        futures = [submitted[i] for i in range(len(todo))]
        position = {future: index for index, future in enumerate(futures)}
        for future in as_completed(futures):
            if future.cancelled():
                continue
            index = position[future]
            if future.exception() is None:
                if on_done:
                    on_done(todo[index])
                continue
            # A later job's result can no longer be used: cancel those not started yet.
            for later in futures[index + 1 :]:
                later.cancel()
        rendered: dict[str, bytes] = {}
        for future in futures:  # in job order: the first failure is the one raised
            rendered.update(future.result())
        return rendered
    except BrokenProcessPool:
        raise RenderError(
            "工作进程意外退出（可能是内存不足），未生成任何文件；可用 --jobs 1 在单个进程中生成 "
            "(a worker process died; nothing was written)"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WorkerState = tuple[Profile, tuple[str, ...], tuple[Path, ...], str, Path | None, str | None]

_state: _WorkerState | None = None
"""A worker's profile, formats, template folders, PDF engine, style file and PDF standard; set
by `_init_worker`."""


def _init_worker(
    profile: Profile,
    formats: tuple[str, ...],
    template_dirs: tuple[Path, ...],
    kinds: tuple[str, ...],
    pdf_engine: str,
    style_file: Path | None = None,
    pdf_standard: str | None = None,
) -> None:
    """Keep what every job needs and warm up: the writers' modules and the compiled
    templates. Ctrl-C is left to the parent, which stops the pool; the worker exits when the
    parent dies (procs.serve_parent)."""
    global _state
    serve_parent()
    _state = (profile, formats, template_dirs, pdf_engine, style_file, pdf_standard)
    from policygen.templating.environment import environment_for

    warm_up(formats, pdf_engine)
    if not template_dirs:  # a user's templates render in a child process (templating.limits)
        environment = environment_for(template_dirs)
        for kind in kinds:
            environment.template(DOCUMENT_KINDS[kind].template)
    freeze_heap()


def _render_task(task: Task) -> dict[str, bytes]:
    """Render one job in a worker."""
    if _state is None:  # pragma: no cover - the pool always runs the initializer first
        raise RuntimeError("worker not initialised")
    profile, formats, template_dirs, pdf_engine, style_file, pdf_standard = _state
    kind, engagement = task
    job = Job(DOCUMENT_KINDS[kind], None if engagement is None else profile.engagements[engagement])
    return render_job(
        profile,
        job,
        formats,
        template_dirs=template_dirs,
        pdf_engine=pdf_engine,
        style_file=style_file,
        pdf_standard=pdf_standard,
    )
