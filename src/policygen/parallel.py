"""Render the documents of a set in worker processes, one document per task.

Input: a validated Profile, the jobs to render (pipeline.jobs), the formats, the template
folders and how many workers may run. Output: the bytes of every file by file name, in job
order, exactly as calling pipeline.render_job for each job in this process gives them; or the
error the first failing job (in job order) raises, as that loop would raise it, so messages
and exit codes do not depend on how the work was spread.

Laying out PDF pages is what costs, and each engine does it in layout processes of its own
(layout.engine) beside this process, which meanwhile builds the next documents
(pipeline.pipelined). Worker processes are used only when a PDF is asked for, more than one
worker is allowed and the set holds at least as many documents as the engine finds worth them
(PdfEngine.workers_from: WeasyPrint holds its process's GIL, Typst does not); otherwise
everything renders in this process, which is faster than starting workers. Workers come from
a forkserver (spawn where there is none), never forked from this process, which may run
threads (the progress bar, the engines'); each receives the profile once, holds an engine
session of its own, imports the writers and compiles the templates before its first document,
and exits if this process dies (procs.serve_parent). Results travel back as bytes; errors as
the exceptions themselves (PolicygenError and its subclasses pickle)."""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from policygen.errors import PolicygenError, RenderError, UsageError
from policygen.kinds import DOCUMENT_KINDS
from policygen.layout.engine import Engines, engine_class
from policygen.pipeline import Files, Job, render_job, render_pipelined
from policygen.procs import available_cpus, serve_parent, start_forkserver, worker_context
from policygen.profile.model import Profile
from policygen.writers.options import check_pdf_standard, pdf_engine_from

PARALLEL_FORMATS = frozenset({"pdf"})
"""Formats expensive enough to be worth worker processes."""

HEAVY_MODULES: dict[str, tuple[str, ...]] = {
    "docx": ("policygen.writers.docx.writer",),
}
"""Modules a worker imports before its first job, by format (a PDF engine loads in its own
layout processes: `warm_up`)."""


def warm_up(formats: Sequence[str], pdf_engine: str, engines: Engines) -> None:
    """Import the writers `formats` need and, when a PDF is among them, start the engine
    `pdf_engine` of `engines` (its fonts and compiler load meanwhile), so that a worker's
    first document costs what the others do."""
    for fmt in formats:
        for module in HEAVY_MODULES.get(fmt, ()):
            importlib.import_module(module)
    if "pdf" in formats:
        with contextlib.suppress(PolicygenError):  # the first document reports it, located
            engines.get(pdf_engine).warm_up(wait=False)


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


Task = tuple[str, int | None, str]
"""A job as sent to a worker: its kind's name, the index of its engagement (None: none) and
its languages."""


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
    engines: Engines | None = None,
) -> Files:
    """Return every job of `todo` rendered in each of `formats`, by file name, in job order
    (Files: with the texts their English prints in Chinese), PDFs printed by `pdf_engine`
    (None: as pipeline.writer_options chooses) to the archival standard `pdf_standard`
    (None: a plain PDF), in the house style of `style_file` (None: the profile's
    ``meta.style``), by the engines of `engines` (None: a session made for this call and
    closed after it).

    Up to `jobs` worker processes render at once (None: one per CPU; 1: all in this process).
    `on_done` is called in this thread with each job as it completes. Raise UsageError when
    `jobs` is below 1, the engine or standard is unknown or the engine cannot print the
    standard, and whatever the first failing job raises."""
    engine = pdf_engine_from(pdf_engine)  # chosen here, so workers never read the environment
    check_pdf_standard(pdf_standard, engine)
    workers = available_cpus() if jobs is None else jobs
    if workers < 1:
        raise UsageError("--jobs 至少为 1 (at least one job)")
    workers = min(workers, len(todo))
    if (
        workers < 2
        or not PARALLEL_FORMATS.intersection(formats)
        or len(todo) < engine_class(engine).workers_from
    ):
        with contextlib.ExitStack() as stack:
            if engines is None:
                engines = stack.enter_context(Engines())
            rendered = Files()
            for job, files in render_pipelined(
                profile,
                todo,
                formats,
                engines=engines,
                template_dirs=template_dirs,
                pdf_engine=engine,
                style_file=style_file,
                pdf_standard=pdf_standard,
            ):
                rendered.add(files)
                if on_done:
                    on_done(job)
            return rendered
    return _render_in_workers(
        profile, todo, formats, template_dirs, workers, on_done, engine, style_file, pdf_standard
    )


def _task(profile: Profile, job: Job) -> Task:
    if job.engagement is None:
        return job.kind.name, None, job.lang
    index = next(i for i, e in enumerate(profile.engagements) if e is job.engagement)
    return job.kind.name, index, job.lang


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
) -> Files:
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
    futures: list[Future[Files]] = []
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
        rendered = Files()
        for future in futures:  # in job order: the first failure is the one raised
            rendered.add(future.result())
        return rendered
    except BrokenProcessPool:
        raise RenderError(
            "工作进程意外退出（可能是内存不足），未生成任何文件；可用 --jobs 1 在单个进程中生成 "
            "(a worker process died; nothing was written)"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WorkerState = tuple[
    Profile, tuple[str, ...], tuple[Path, ...], str, Path | None, str | None, Engines
]

_state: _WorkerState | None = None
"""A worker's profile, formats, template folders, PDF engine, style file, PDF standard and
engine session; set by `_init_worker`."""


def _init_worker(
    profile: Profile,
    formats: tuple[str, ...],
    template_dirs: tuple[Path, ...],
    kinds: tuple[str, ...],
    pdf_engine: str,
    style_file: Path | None = None,
    pdf_standard: str | None = None,
) -> None:
    """Keep what every job needs and warm up: the writers' modules, the engine and the
    compiled templates. Ctrl-C is left to the parent, which stops the pool; the worker exits
    when the parent dies (procs.serve_parent), its engines' processes with it."""
    global _state
    serve_parent()
    engines = Engines()
    _state = (profile, formats, template_dirs, pdf_engine, style_file, pdf_standard, engines)
    from policygen.templating.environment import environment_for

    warm_up(formats, pdf_engine, engines)
    if not template_dirs:  # a user's templates render in a child process (templating.limits)
        environment = environment_for(template_dirs)
        for kind in kinds:
            environment.template(DOCUMENT_KINDS[kind].template)
    freeze_heap()


def _render_task(task: Task) -> Files:
    """Render one job in a worker."""
    if _state is None:  # pragma: no cover - the pool always runs the initializer first
        raise RuntimeError("worker not initialised")
    profile, formats, template_dirs, pdf_engine, style_file, pdf_standard, engines = _state
    kind, engagement, lang = task
    job = Job(
        DOCUMENT_KINDS[kind],
        None if engagement is None else profile.engagements[engagement],
        lang,
    )
    return render_job(
        profile,
        job,
        formats,
        engines=engines,
        template_dirs=template_dirs,
        pdf_engine=pdf_engine,
        style_file=style_file,
        pdf_standard=pdf_standard,
    )
