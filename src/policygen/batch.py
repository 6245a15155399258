"""Render one contract set per row of an engagements file, in parallel worker processes.

Input: an organisation profile, a JSON Lines or CSV file holding one engagement per row (the
shape of ``engagements[]`` in a profile) and an output folder. Output: for every good row,
``OUT/<contract_no>/<kind>-<contract_no>.<fmt>`` and a manifest ``.policygen.json`` beside them,
so that a second run skips every file whose inputs have not changed; for every bad row, its
issues, named by row number and field path. A bad row never stops the others.

Rows are streamed: the file is read twice (once to count rows and find duplicate contract
numbers, once to render), at most two tasks per worker are in flight (a task is one row, or with
Typst up to TYPST_CHUNK rows pipelined in one worker), and each worker writes its rows' files
itself, so memory stays flat however long the file is. How rows are read (CSV
columns, lists in cells) is described in readers/engagements.py."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from policygen import __version__
from policygen.errors import InvalidInputError, Issue, PolicygenError, UsageError
from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.output import write_all, write_atomic
from policygen.parallel import freeze_heap, warm_up
from policygen.pipeline import (
    Job,
    PendingJob,
    check_format,
    kind_named,
    start_job,
)
from policygen.profile.engagement import Engagement
from policygen.profile.load import Parsed, load_profile, validate
from policygen.profile.model import Profile
from policygen.readers.engagements import Row, read_rows, row_key
from policygen.templating.environment import environment_for
from policygen.validation import checked
from policygen.writers.options import pdf_engine_from

if typing.TYPE_CHECKING:
    from rich.console import Console

DEFAULT_KINDS = ("contract", "sla")
"""The documents rendered per row when none are asked for."""

MANIFEST = ".policygen.json"
"""The file in each row's folder recording, per output, the hash of its inputs and its bytes."""

Status = Literal["rendered", "skipped", "failed"]


# --------------------------------------------------------------------------- validation


def engagement_profile(
    organisation: Mapping[str, Any], row: Mapping[str, Any], *, source: str = "<row>"
) -> Profile:
    """Return the profile made of `organisation` (plain data, without engagements) with `row` as
    its only engagement. Raise InvalidInputError whose issue paths are relative to the row, e.g.
    ``vendor.credit_code``; the profile's cross-field rules apply as they would in one file."""
    data = dict(organisation)
    data["engagements"] = [dict(row)]
    try:
        return validate(Parsed(data, source))
    except InvalidInputError as error:
        issues = [Issue(_relative(issue.path), issue.message) for issue in error.issues]
        raise InvalidInputError(issues, source) from None


def _relative(path: str) -> str:
    prefix = "engagements[0]"
    if path == prefix:
        return ""
    return path.removeprefix(prefix + ".") if path.startswith(prefix + ".") else path


def organisation_data(profile: Profile) -> dict[str, Any]:
    """Return `profile` as plain data without its engagements: what every row is added to."""
    return profile.model_dump(mode="python", exclude={"engagements"})


# --------------------------------------------------------------------------- up to date


def templates_digest(folders: Sequence[Path], style_file: Path | None = None) -> str:
    """Return a hash of every file in the template `folders` (names and bytes), in order, and
    of the house-style file `style_file` when one is given (``--style``)."""
    digest = hashlib.sha256()
    if style_file is not None:
        digest.update(b"style\0" + hashlib.sha256(Path(style_file).read_bytes()).digest())
    for position, folder in enumerate(folders):
        for file in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            if "__pycache__" in file.parts:
                continue
            digest.update(f"{position}\0{file.relative_to(folder).as_posix()}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(
    organisation: str, engagement: Engagement, templates: str, pdf_engine: str = "weasyprint"
) -> str:
    """Return the hash an output is up to date against: policygen's version, the templates'
    digest, the organisation's digest and the validated engagement (so formatting, column
    order or YAML vs CSV do not matter, but any value or default does), and the PDF engine
    when it is not WeasyPrint (so a file printed by one engine is stale for the other)."""
    digest = hashlib.sha256()
    engine = () if pdf_engine == "weasyprint" else (f"pdf_engine={pdf_engine}",)
    for part in (__version__, templates, organisation, engagement.model_dump_json(), *engine):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Return the manifest entries in `folder` by file name; empty when missing or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(v, dict)}


def _write_manifest(folder: Path, contract_no: str, files: dict[str, dict[str, str]]) -> None:
    text = json.dumps(
        {"policygen": __version__, "contract_no": contract_no, "files": files},
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    )
    write_atomic(folder / MANIFEST, (text + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RowResult:
    """What became of one row."""

    number: int
    """The row's number (see Row.number)."""
    line: int
    """The line the row starts on."""
    contract_no: str | None
    """The row's contract number, when it has one."""
    status: Status
    """rendered: at least one file was written; skipped: every file was up to date."""
    files: tuple[str, ...] = ()
    """The files written, relative to the output folder."""
    issues: tuple[Issue, ...] = ()
    """Why the row failed."""

    def messages(self) -> list[str]:
        """Return one line per issue, e.g. ``row 17: vendor.credit_code: 统一社会信用代码…``."""
        return [
            f"row {self.number}: {issue.path + ': ' if issue.path else ''}{issue.message}"
            for issue in self.issues
        ]


def _failed(row: Row, message: str, path: str = "") -> RowResult:
    return RowResult(
        row.number, row.line, _contract_no(row.data), "failed", (), (Issue(path, message),)
    )


def _contract_no(data: Mapping[str, Any] | None) -> str | None:
    number = data.get("contract_no") if data else None
    return number.strip() if isinstance(number, str) else None


@dataclass
class BatchSummary:
    """The outcome of a batch run."""

    rows: int = 0
    """Rows in the file."""
    rendered: int = 0
    """Rows for which at least one file was written."""
    skipped: int = 0
    """Rows whose files were all up to date."""
    failed: int = 0
    """Rows reported with issues; nothing of theirs was written unless a writer failed late."""
    files: int = 0
    """Files written."""
    seconds: float = 0.0
    """Wall-clock time of the run."""
    failures: list[RowResult] = field(default_factory=list)
    """The failed rows, by row number."""

    def add(self, result: RowResult) -> None:
        """Count `result`."""
        if result.status == "rendered":
            self.rendered += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(result)
        self.files += len(result.files)

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data, one entry per issue of each failed row."""
        return {
            "rows": self.rows,
            "rendered": self.rendered,
            "skipped": self.skipped,
            "failed": self.failed,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "errors": [
                {
                    "row": r.number,
                    "line": r.line,
                    "contract_no": r.contract_no,
                    "path": issue.path,
                    "message": issue.message,
                }
                for r in sorted(self.failures, key=lambda r: r.number)
                for issue in r.issues
            ],
        }


# --------------------------------------------------------------------------- options


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class BatchOptions:
    """How a batch is rendered."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    """Per-engagement document kinds rendered for each row."""
    formats: tuple[str, ...] = ("docx", "pdf")
    """Output formats."""
    jobs: int = field(default_factory=_default_jobs)
    """Worker processes."""
    template_dirs: tuple[Path, ...] = ()
    """User template folders, searched before the bundled ones."""
    force: bool = False
    """Render every row even when its outputs are up to date."""
    pdf_engine: str | None = None
    """What prints the PDFs: ``weasyprint`` or ``typst``; None: the one
    ``POLICYGEN_PDF_ENGINE`` names, else WeasyPrint."""
    style_file: Path | None = None
    """A house-style file every document is written in; None: the profile's ``meta.style``."""
    tasks_per_worker: int | None = 250
    """Rows a worker renders before it is replaced, bounding any growth of its memory; None:
    never replaced."""


def batch_kinds(names: Sequence[str]) -> tuple[Kind, ...]:
    """Return the kinds `names`; raise UsageError for a kind that is not per engagement. A kind
    that needs personal information is rendered for the rows that entrust some."""
    kinds = tuple(kind_named(name) for name in dict.fromkeys(names))
    for kind in kinds:
        if not kind.per_engagement:
            per_row = ", ".join(k.name for k in DOCUMENT_KINDS.values() if k.per_engagement)
            raise UsageError(
                f"batch 只生成每份合同一份的文档（{per_row}）；{kind.name} 请用 policygen render "
                "(batch renders per-engagement documents only)"
            )
    return kinds


# --------------------------------------------------------------------------- workers


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
    style_file: Path | None = None

    def start(self, row: Row) -> _Started | RowResult:
        """Validate `row`, build the trees of its documents that are not up to date and start
        writing them (a Typst PDF is laid out in a Typst thread meanwhile); return what
        `finish` completes, or the row's result when there is nothing to write."""
        assert row.data is not None
        try:
            profile = engagement_profile(self.organisation, row.data, source=f"row {row.number}")
        except InvalidInputError as error:
            return RowResult(
                row.number, row.line, _contract_no(row.data), "failed", (), tuple(error.issues)
            )
        engagement = profile.engagements[0]
        number = engagement.contract_no
        folder = self.out / number
        key = inputs_digest(
            self.organisation_digest, engagement, self.templates_digest, self.pdf_engine
        )
        manifest = read_manifest(folder)
        todo: list[tuple[Job, list[str]]] = []
        entrusts = profile.section("data_protection", engagement).processes_personal_info
        for kind in self.kinds:
            if kind.needs_personal_info and not entrusts:
                continue  # no personal information entrusted under this row: no DPA
            job = Job(kind, engagement)
            stale = [
                fmt for fmt in self.formats if not self._current(folder, job, fmt, manifest, key)
            ]
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
                    template_dirs=self.template_dirs,
                    pdf_engine=self.pdf_engine,
                    style_file=self.style_file,
                )
                for job, formats in todo
            ]
        except Exception as error:  # a bug must not stop the other rows either
            return _row_failure(row, number, folder, error)
        return _Started(row, number, folder, key, manifest, pending)

    def finish(self, started: _Started) -> RowResult:
        """Wait for the files of `started` and write them with its manifest."""
        row, number, folder, manifest = (
            started.row,
            started.number,
            started.folder,
            started.manifest,
        )
        written: list[str] = []
        try:
            files: dict[str, bytes] = {}
            for pending in started.pending:
                files.update(pending.result())
            folder.mkdir(parents=True, exist_ok=True)
            write_all(folder, files)  # the row's files together, or none of them
            for name, data in files.items():
                manifest[name] = {"inputs": started.key, "sha256": hashlib.sha256(data).hexdigest()}
                written.append(f"{number}/{name}")
        except Exception as error:
            return _row_failure(row, number, folder, error)
        finally:
            if written:
                _write_manifest(folder, number, manifest)
        return RowResult(row.number, row.line, number, "rendered", tuple(written))

    def _current(
        self, folder: Path, job: Job, fmt: str, manifest: dict[str, dict[str, str]], key: str
    ) -> bool:
        if self.force:
            return False
        name = job.filename(fmt)
        entry = manifest.get(name, {})
        return entry.get("inputs") == key and _sha256_file(folder / name) == entry.get("sha256")


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


def _row_failure(row: Row, number: str, folder: Path, error: Exception) -> RowResult:
    """Return the result of `row` when rendering or writing it raised `error`."""
    if isinstance(error, InvalidInputError):
        return RowResult(row.number, row.line, number, "failed", (), tuple(error.issues))
    if isinstance(error, PolicygenError):
        return _failed(row, str(error))
    if isinstance(error, OSError):
        return _failed(row, f"无法写入 {folder}：{error.strerror} (cannot write output)")
    return _failed(row, f"内部错误 (internal error): {type(error).__name__}: {error}")


_worker: _Worker | None = None
"""The worker process's state; set by `_init_worker`, never used in the parent."""


def _init_worker(worker: _Worker) -> None:
    """Keep `worker` for the rows to come and warm what every row needs: the compiled
    templates and the writers' modules. Ctrl-C is left to the parent, which stops the pool."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = worker
    env = environment_for(worker.template_dirs)
    for kind in worker.kinds:
        env.template(kind.template)
    # One Typst compiler: rows are pipelined one ahead (_render_rows), so the second core is
    # busy with the next row's tree and DOCX; a second compiler measured slower (20.5 against
    # 22 contracts a second) and 20 MB larger.
    warm_up(worker.formats, worker.pdf_engine, typst_lanes=1)
    freeze_heap()


def _render_rows(rows: list[Row]) -> list[RowResult]:
    """Render `rows` in a worker process, in order. With Typst, each row's PDFs are laid out in
    a Typst thread (outside the GIL) while the next row's trees and DOCX are made here, so one
    worker keeps two cores busy with one copy of Typst's fonts and caches in memory."""
    if _worker is None:  # pragma: no cover - the pool always runs the initializer first
        raise RuntimeError("worker not initialised")
    results: list[RowResult] = []
    previous: _Started | None = None
    for row in rows:
        started = _worker.start(row)
        if previous is not None:
            results.append(_worker.finish(previous))
            previous = None
        if isinstance(started, RowResult):
            results.append(started)
        else:
            previous = started
    if previous is not None:
        results.append(_worker.finish(previous))
    return results


TYPST_CHUNK = 16
"""Rows a Typst worker renders per task: within a task the rows are pipelined (`_render_rows`),
so the cores idle only at a task's first and last row; a longer task makes coarser progress."""


def _plan(jobs: int, rows: int, typst: bool) -> tuple[int, int]:
    """Return how many worker processes to start for `jobs` jobs and `rows` rows, and how many
    rows each task holds. When Typst prints PDFs (`typst`), a worker counts as two jobs: Typst's
    thread keeps a second core busy, and one worker holds one copy of Typst's fonts and caches
    (some 200 MB) where two would hold two."""
    if not typst:
        return max(1, min(jobs, rows)), 1
    workers = max(1, min((jobs + 1) // 2, rows))
    return workers, max(1, min(TYPST_CHUNK, -(-rows // (2 * workers))))


def _pool(jobs: int, worker: _Worker, tasks_per_worker: int | None) -> ProcessPoolExecutor:
    """Return a pool of `jobs` worker processes, started without fork: forking a parent that
    runs threads (the progress bar) is unsafe, and workers would inherit its memory."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(worker,),
        max_tasks_per_child=tasks_per_worker,
    )


# --------------------------------------------------------------------------- the run


def _scan(path: Path) -> tuple[int, dict[int, list[int]]]:
    """Return how many rows `path` holds and, for each row whose contract number another row
    also uses, every row using it. Raise InvalidInputError for a bad file."""
    rows = 0
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    for row in read_rows(path):
        rows += 1
        key = row_key(row.data)
        if key is None:
            continue
        if key in first:
            shared.setdefault(key, [first[key]]).append(row.number)
        else:
            first[key] = row.number
    return rows, {number: numbers for numbers in shared.values() for number in numbers}


def _duplicate(row: Row, numbers: list[int]) -> RowResult:
    others = [n for n in numbers if n != row.number]
    shown = "、".join(str(n) for n in others[:10]) + ("…" if len(others) > 10 else "")
    return _failed(
        row,
        f"合同编号 {_contract_no(row.data)} 与第 {shown} 行重复（不区分大小写）；"
        "各行的合同编号须唯一 (duplicate contract number)",
        "contract_no",
    )


def run_batch(
    engagements: Path,
    profile: str | Path,
    out: Path,
    options: BatchOptions | None = None,
    *,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[RowResult], None] | None = None,
) -> BatchSummary:
    """Render every row of `engagements` with the organisation `profile` into `out`.

    `on_start` is called with the number of rows once the file is checked, `on_result` with
    each row's result as it completes (in the calling thread). Raise InvalidInputError when the
    profile or the file as a whole is bad, UsageError for bad options; a bad row is only
    reported. Workers are started with forkserver (spawn where there is none), so a script
    calling this needs the usual ``if __name__ == "__main__":`` guard."""
    options = options or BatchOptions()
    started = time.perf_counter()
    formats = tuple(check_format(fmt) for fmt in dict.fromkeys(options.formats))
    if not formats:
        raise UsageError("请至少指定一种输出格式 (no format given)")
    for folder in options.template_dirs:
        if not Path(folder).is_dir():
            raise UsageError(f"模板目录不存在：{folder} (template folder not found)")
    if options.jobs < 1:
        raise UsageError("--jobs 至少为 1 (at least one job)")
    pdf_engine = pdf_engine_from(options.pdf_engine)
    organisation = load_profile(profile)
    kinds = batch_kinds(options.kinds)
    engagements = Path(engagements)
    total, duplicates = _scan(engagements)
    summary = BatchSummary(rows=total)
    if on_start:
        on_start(total)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            [Issue("", f"无法创建输出目录：{exc.strerror} (cannot create output folder)")], str(out)
        ) from None
    environment = environment_for(options.template_dirs)
    worker = _Worker(
        organisation=organisation_data(organisation),
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
        style_file=options.style_file,
    )

    def record(result: RowResult) -> None:
        summary.add(result)
        if on_result:
            on_result(result)

    workers, chunk = _plan(options.jobs, total, pdf_engine == "typst" and "pdf" in formats)
    per_child = options.tasks_per_worker
    tasks_per_child = None if per_child is None else max(1, per_child // chunk)
    pending: dict[Future[list[RowResult]], list[Row]] = {}
    pool = _pool(workers, worker, tasks_per_child)

    def collect() -> None:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: pending[f][0].number):
            rows = pending.pop(future)
            try:
                results = future.result()
            except BrokenProcessPool:
                results = [
                    _failed(
                        row,
                        "工作进程意外退出（可能是内存不足），本行未生成；重新运行即可续做 "
                        "(worker process died; run again to resume)",
                    )
                    for row in rows
                ]
            except Exception as error:  # pragma: no cover - _render_rows catches its own
                message = f"内部错误 (internal error): {type(error).__name__}: {error}"
                results = [_failed(row, message) for row in rows]
            for result in results:
                record(result)

    def submit(rows: list[Row]) -> None:
        nonlocal pool
        while len(pending) >= 2 * workers:
            collect()
        try:
            future = pool.submit(_render_rows, rows)
        except BrokenProcessPool:
            # A worker died (e.g. killed for memory): fail what was in flight, start afresh.
            while pending:
                collect()
            pool.shutdown(wait=True, cancel_futures=True)
            pool = _pool(workers, worker, tasks_per_child)
            future = pool.submit(_render_rows, rows)
        pending[future] = rows

    try:
        rows: list[Row] = []
        for row in read_rows(engagements):
            if row.data is None:
                record(RowResult(row.number, row.line, None, "failed", (), row.issues))
                continue
            if row.number in duplicates:
                record(_duplicate(row, duplicates[row.number]))
                continue
            rows.append(row)
            if len(rows) == chunk:
                submit(rows)
                rows = []
        if rows:
            submit(rows)
        while pending:
            collect()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    summary.failures.sort(key=lambda r: r.number)
    summary.seconds = time.perf_counter() - started
    return summary


# --------------------------------------------------------------------------- presentation


def run_with_progress(
    engagements: Path,
    profile: str | Path,
    out: Path,
    options: BatchOptions,
    *,
    console: Console,
    summary_console: Console,
    report: Path | None = None,
) -> int:
    """Run a batch showing a progress bar and each bad row's issues on `console`, then print the
    summary on `summary_console` and, when `report` is given, write the JSON summary there.
    Return the exit code: 1 when any row failed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from policygen.errors import ExitCode

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("失败 {task.fields[failed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    task = None
    failed = 0

    def start(total: int) -> None:
        nonlocal task
        task = progress.add_task("批量生成", total=total, failed=0)
        progress.start()

    def result(row: RowResult) -> None:
        nonlocal failed
        if row.status == "failed":
            failed += 1
            for message in row.messages():
                progress.console.print(message, markup=False, highlight=False)
        if task is not None:
            progress.update(task, advance=1, failed=failed)

    try:
        summary = run_batch(engagements, profile, out, options, on_start=start, on_result=result)
    finally:
        progress.stop()
    summary_console.print(
        f"完成：生成 {summary.rendered} 行（{summary.files} 个文件），跳过 {summary.skipped} 行"
        f"（已是最新），失败 {summary.failed} 行，用时 {summary.seconds:.1f} 秒 "
        f"(rendered {summary.rendered}, skipped {summary.skipped}, failed {summary.failed}, "
        f"{summary.seconds:.1f} s)",
        markup=False,
        highlight=False,
    )
    if report is not None:
        text = json.dumps(summary.as_dict(), ensure_ascii=False, indent=2) + "\n"
        write_atomic(report, text.encode("utf-8"))
    if summary.rows == 0:
        console.print("文件中没有合同行 (no rows)", markup=False)
        return ExitCode.INVALID_INPUT
    return ExitCode.INVALID_INPUT if summary.failed else ExitCode.OK
