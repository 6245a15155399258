"""Render one contract set per row of an engagements file, in parallel worker processes.

Input: an organisation profile, a JSON Lines or CSV file holding one engagement per row (the
shape of ``engagements[]`` in a profile) and an output folder. Output: for every good row,
``OUT/<contract_no>/<kind>-<contract_no>.<fmt>`` and a manifest ``.policygen.json`` beside them,
so that a second run skips every file whose inputs have not changed; for every bad row, its
issues, named by row number and field path. A bad row never stops the others.

Rows are streamed: the file is read twice (once to count rows and find duplicate contract
numbers, once to render), at most two tasks per worker are in flight (a task is one row, or,
when the engine keeps two cores busy, up to CHUNK rows pipelined in one worker), and each worker writes its rows' files
itself; the failed rows' errors wait in a temporary file (ErrorLog), so memory stays flat
however long the file is and however many rows fail. How rows are read (CSV columns, lists in
cells) is described in readers/engagements.py.

One run holds an output folder at a time (output_lock). SIGINT or SIGTERM stops a run after the
rows in progress, which are reported; the workers end with the run however it ends
(procs.serve_parent)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import heapq
import json
import os
import signal
import stat
import tempfile
import time
import typing
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any, Literal

from policygen import __version__
from policygen.chars import printable
from policygen.errors import InvalidInputError, Issue, PolicygenError, UsageError
from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.layout.engine import Engines, engine_class
from policygen.output import write_all, write_atomic
from policygen.parallel import freeze_heap, warm_up
from policygen.pipeline import (
    Job,
    PendingJob,
    applies,
    check_format,
    kind_named,
    pipelined,
    start_job,
)
from policygen.procs import (
    available_cpus,
    noted_signals,
    serve_parent,
    start_forkserver,
    worker_context,
    writing,
)
from policygen.profile.engagement import Engagement
from policygen.profile.load import Parsed, load_profile, validate
from policygen.profile.model import Profile
from policygen.readers.engagements import Row, read_rows, row_key
from policygen.templating.environment import environment_for
from policygen.validation import checked
from policygen.writers.options import check_pdf_standard, pdf_engine_from

if typing.TYPE_CHECKING:
    from rich.console import Console

DEFAULT_KINDS = ("contract", "sla")
"""The documents rendered per row when none are asked for."""

OUTPUT_FOLDER = "输出目录"
"""What a headline calls the output folder when it cannot be written (输出目录有误)."""

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


MAX_TEMPLATE_FILE_BYTES = 50 * 1024 * 1024
"""Largest file in a template folder that anything reads: a ``styles/house.docx``
(writers.docx_house.MAX_HOUSE_BYTES; a template may be 1 MB, a stylesheet or an image 16 MB).
Every reader refuses a larger file, so its bytes cannot change an output: it is hashed by
name and size, unread."""

_CHUNK = 1024 * 1024
"""Bytes hashed at a time."""


def templates_digest(folders: Sequence[Path], style_file: Path | None = None) -> str:
    """Return a hash of what the templates in `folders` can read, folder by folder: each
    regular file's name and bytes, read in chunks; a symbolic link's name and, when it leads to
    a file inside the folders, that file's bytes (one leading anywhere else, which the
    loaders refuse, is hashed by name alone, so nothing outside the folders is read); a file
    over MAX_TEMPLATE_FILE_BYTES by its name and size. Folders reached through a link are not
    walked (their files are hashed where they lie), nor ``__pycache__``; devices and pipes
    are left out. The house-style file `style_file` (``--style``) counts too, when given."""
    roots = tuple(Path(os.path.realpath(folder)) for folder in folders)
    digest = hashlib.sha256()
    if style_file is not None:
        digest.update(b"style\0" + _file_digest(Path(os.path.realpath(style_file))))
    for position, folder in enumerate(folders):
        for entry, relative in _template_files(Path(folder)):
            digest.update(f"{position}\0{relative}\0".encode())
            digest.update(_entry_digest(entry, roots))
    return digest.hexdigest()


def _template_files(folder: Path) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Yield every file and symbolic link below `folder` with its path relative to `folder`,
    in the order of their paths; folders reached through links and ``__pycache__`` are not
    entered, devices and pipes not yielded."""
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", _entries(folder))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
        elif entry.is_symlink():
            yield entry, prefix + entry.name
        elif entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                stack.append((f"{prefix}{entry.name}/", _entries(Path(entry.path))))
        elif entry.is_file(follow_symlinks=False):
            yield entry, prefix + entry.name


def _entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # unreadable: the templates cannot read it either
        return iter(())
    return iter(entries)


def _entry_digest(entry: os.DirEntry[str], roots: Sequence[Path]) -> bytes:
    """Return what stands for `entry` in the templates' digest (see templates_digest)."""
    path = entry.path
    if entry.is_symlink():
        real = Path(os.path.realpath(path))
        inside = next((root for root in roots if real.is_relative_to(root)), None)
        if inside is None:
            return b"link leading outside the template folders"
        if real.is_dir():
            return f"link to {roots.index(inside)}:{real.relative_to(inside).as_posix()}".encode()
        path = str(real)
    return _file_digest(Path(path))


def _file_digest(path: Path) -> bytes:
    """Return the hash of the regular file `path`, read in chunks and never past
    MAX_TEMPLATE_FILE_BYTES (a larger file stands by its size), or what stands for it when it
    is none (a device, a pipe) or cannot be read. A link is not followed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return b"unreadable"
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return b"not a regular file"
        if status.st_size > MAX_TEMPLATE_FILE_BYTES:
            return f"too large: {status.st_size} bytes".encode()
        content = hashlib.sha256()
        read = 0
        try:
            while chunk := file.read(_CHUNK):
                read += len(chunk)
                if read > MAX_TEMPLATE_FILE_BYTES:  # it grew meanwhile
                    return f"too large: over {MAX_TEMPLATE_FILE_BYTES} bytes".encode()
                content.update(chunk)
        except OSError:
            return b"unreadable"
    return content.digest()


def check_outside_templates(path: Path, folders: Sequence[Path], what: tuple[str, str]) -> None:
    """Raise UsageError when `path` lies in one of the template `folders`: what a run writes
    there would change the templates' digest, so that every later run would render every row
    again, and could overwrite a template. `what` names the path in Chinese and in English."""
    real = Path(os.path.realpath(path))
    for folder in folders:
        if real.is_relative_to(os.path.realpath(folder)):
            raise UsageError(
                f"{what[0]} {path} 位于模板目录 {folder} 之内，请换一个位置 "
                f"(the {what[1]} lies inside a template folder)"
            )


def inputs_digest(
    organisation: str,
    engagement: Engagement,
    templates: str,
    pdf_engine: str = "weasyprint",
    pdf_standard: str | None = None,
) -> str:
    """Return the hash an output is up to date against: policygen's version, the templates'
    digest, the organisation's digest and the validated engagement (so formatting, column
    order or YAML vs CSV do not matter, but any value or default does), the PDF engine
    when it is not WeasyPrint (so a file printed by one engine is stale for the other), and
    the PDF standard when one is asked (so a plain PDF is stale for an archival one)."""
    digest = hashlib.sha256()
    engine = () if pdf_engine == "weasyprint" else (f"pdf_engine={pdf_engine}",)
    if pdf_standard is not None:
        engine += (f"pdf_standard={pdf_standard}",)
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
    """Return the contract number a row declares, as it may be printed (chars.printable): a
    row that failed may hold any text there, and it goes into the report and the terminal."""
    number = data.get("contract_no") if data else None
    return printable(number.strip()) if isinstance(number, str) else None


class ErrorLog:
    """The errors of the failed rows, in row order, kept in a temporary file rather than in
    memory, so that memory stays flat however many rows fail.

    Rows are rendered in parallel, so results arrive a little out of order: `add` holds each
    failed row until `settle` says that no earlier row can still come, then writes its
    errors to the file, one JSON line each."""

    def __init__(self) -> None:
        self._held: list[tuple[int, int, RowResult]] = []
        """Failed rows not yet written: (row number, arrival, result), a heap."""
        self._arrivals = 0
        self._file: typing.IO[bytes] | None = None

    @property
    def held(self) -> int:
        """How many failed rows wait for `settle`."""
        return len(self._held)

    def add(self, result: RowResult) -> None:
        """Hold the failed row `result` until `settle` writes it."""
        self._arrivals += 1
        heapq.heappush(self._held, (result.number, self._arrivals, result))

    def settle(self, before: int | None = None) -> None:
        """Write the rows held whose number is below `before` (None: all of them)."""
        while self._held and (before is None or self._held[0][0] < before):
            _, _, result = heapq.heappop(self._held)
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the finalizer
                weakref.finalize(self, self._file.close)
            self._file.seek(0, os.SEEK_END)
            for entry in _entries_of(result):
                self._file.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield every error as JSON-ready data, by row number."""
        self.settle()
        if self._file is None:
            return
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)


def _entries_of(result: RowResult) -> Iterator[dict[str, Any]]:
    for issue in result.issues:
        yield {
            "row": result.number,
            "line": result.line,
            "contract_no": result.contract_no,
            "path": issue.path,
            "message": issue.message,
        }


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
    interrupted: bool = False
    """True when SIGINT or SIGTERM stopped the run: every row counted above was finished,
    the others were not started or not finished (`unfinished`)."""
    errors: ErrorLog = field(default_factory=ErrorLog)
    """The failed rows' errors, by row number."""

    @property
    def unfinished(self) -> int:
        """Rows neither rendered, skipped nor failed: left when the run was interrupted."""
        return max(0, self.rows - self.rendered - self.skipped - self.failed)

    def add(self, result: RowResult) -> None:
        """Count `result`."""
        if result.status == "rendered":
            self.rendered += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.errors.add(result)
        self.files += len(result.files)

    def counts(self) -> dict[str, Any]:
        """Return the counts as JSON-ready data; `interrupted` and `unfinished` only when the
        run was interrupted."""
        stopped = {"interrupted": True, "unfinished": self.unfinished} if self.interrupted else {}
        return {
            "rows": self.rows,
            "rendered": self.rendered,
            "skipped": self.skipped,
            "failed": self.failed,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            **stopped,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data, one entry per issue of each failed row."""
        return {**self.counts(), "errors": list(self.errors)}

    def report(self) -> Iterator[bytes]:
        """Yield `as_dict` as indented JSON text in pieces, never holding every error at once."""
        head = json.dumps(self.counts(), ensure_ascii=False, indent=2)
        yield (head[:-2] + ',\n  "errors": [').encode("utf-8")
        separator = "\n"
        for entry in self.errors:
            text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            yield f"{separator}    {text}".encode()
            separator = ",\n"
        yield ("\n  ]\n}\n" if separator == ",\n" else "]\n}\n").encode("utf-8")


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class BatchOptions:
    """How a batch is rendered."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    """Per-engagement document kinds rendered for each row."""
    formats: tuple[str, ...] = ("docx", "pdf")
    """Output formats."""
    jobs: int = field(default_factory=available_cpus)
    """Worker processes."""
    template_dirs: tuple[Path, ...] = ()
    """User template folders, searched before the bundled ones."""
    force: bool = False
    """Render every row even when its outputs are up to date."""
    pdf_engine: str | None = None
    """What prints the PDFs: ``typst`` or ``weasyprint``; None: the one
    ``POLICYGEN_PDF_ENGINE`` names, else DEFAULT_PDF_ENGINE (Typst)."""
    style_file: Path | None = None
    """A house-style file every document is written in; None: the profile's ``meta.style``."""
    pdf_standard: str | None = None
    """The archival standard PDFs are printed to (writers.options.PDF_STANDARDS); None: a
    plain PDF."""
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
    claimed: frozenset[str] = frozenset()
    """Names (casefolded) of the folders in `out` that hold a template folder: a row with
    one of them as its contract number would write its files among the templates."""
    style_file: Path | None = None
    pdf_standard: str | None = None

    def start(self, row: Row, engines: Engines) -> _Started | RowResult:
        """Validate `row`, build the trees of its documents that are not up to date and start
        writing them (laid out by the engines of `engines` meanwhile); return what `finish`
        completes, or the row's result when there is nothing to write."""
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
        manifest = read_manifest(folder)
        todo: list[tuple[Job, list[str]]] = []
        for kind in self.kinds:
            if not applies(kind, profile, engagement):
                continue  # e.g. no personal information entrusted under this row: no DPA
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
            with writing():  # a worker whose parent dies finishes this first
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    write_all(folder, files)  # the row's files together, or none of them
                    for name, data in files.items():
                        digest = hashlib.sha256(data).hexdigest()
                        manifest[name] = {"inputs": started.key, "sha256": digest}
                        written.append(f"{number}/{name}")
                finally:
                    if written:
                        _write_manifest(folder, number, manifest)
        except Exception as error:
            return _row_failure(row, number, folder, error)
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
    _worker, _stop, _engines = worker, stop, Engines(processes=1)
    env = environment_for(worker.template_dirs)
    for kind in worker.kinds:
        env.template(kind.template)
    warm_up(worker.formats, worker.pdf_engine, _engines)
    freeze_heap()


def _render_rows(rows: list[Row]) -> list[RowResult]:
    """Render `rows` in a worker process, in order, one row ahead (pipeline.pipelined): each
    row's PDFs are laid out in the engine's process while the next row's trees and DOCX are
    made here, so one worker keeps two cores busy with one copy of the engine's fonts and
    caches in memory.

    Once the batch is to stop (`_stop`), start no further row: the results cover the first
    rows of `rows`, each of them finished."""
    worker, engines = _worker, _engines
    if worker is None or engines is None:  # pragma: no cover - the initializer runs first
        raise RuntimeError("worker not initialised")

    def start(row: Row) -> _Started | _Done:
        started = worker.start(row, engines)
        return _Done(started) if isinstance(started, RowResult) else started

    def finish(started: _Started | _Done) -> RowResult:
        return started.result if isinstance(started, _Done) else worker.finish(started)

    def unstopped() -> Iterator[Row]:
        for row in rows:
            if _stop is not None and _stop.is_set():
                return
            yield row

    return list(pipelined(unstopped(), start, finish, ahead=1))


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


def _pool(
    jobs: int, worker: _Worker, tasks_per_worker: int | None, stop: EventType
) -> ProcessPoolExecutor:
    """Return a pool of `jobs` worker processes sharing `stop`, started without fork (forking
    a parent that runs threads, the progress bar's, is unsafe, and workers would inherit its
    memory): from worker_context, the context `stop` was made in."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=worker_context(),
        initializer=_init_worker,
        initargs=(worker, stop),
        max_tasks_per_child=tasks_per_worker,
    )


# --------------------------------------------------------------------------- the run


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


def run_batch(
    engagements: Path,
    profile: str | Path,
    out: Path,
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
    returns."""
    options = options or BatchOptions()
    summary = summary or BatchSummary()
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
    check_pdf_standard(options.pdf_standard, pdf_engine)
    environment = environment_for(options.template_dirs)
    check_outside_templates(out, environment.folders, ("输出目录", "output folder"))
    organisation = load_profile(profile)
    kinds = batch_kinds(options.kinds)
    engagements = Path(engagements)
    total, duplicates = _scan(engagements)
    summary.rows = total
    if on_start:
        on_start(total)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            [Issue("", f"无法创建输出目录：{exc.strerror} (cannot create output folder)")],
            str(out),
            OUTPUT_FOLDER,
        ) from None
    with output_lock(out):
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
            claimed=_claimed(out, environment.folders),
            style_file=options.style_file,
            pdf_standard=options.pdf_standard,
        )
        try:
            _render_all(engagements, worker, options, duplicates, summary, on_result)
        finally:
            summary.seconds = time.perf_counter() - started
    return summary


def _claimed(out: Path, folders: Sequence[Path]) -> frozenset[str]:
    """Return the names (casefolded) of the folders in `out` that hold one of `folders`."""
    real = Path(os.path.realpath(out))
    names = set()
    for folder in folders:
        inner = Path(os.path.realpath(folder))
        if inner.is_relative_to(real) and inner != real:
            names.add(inner.relative_to(real).parts[0].casefold())
    return frozenset(names)


def _render_all(
    engagements: Path,
    worker: _Worker,
    options: BatchOptions,
    duplicates: Mapping[str, _Shared],
    summary: BatchSummary,
    on_result: Callable[[RowResult], None] | None,
) -> None:
    """Render the rows of `engagements` with `worker` in worker processes into `summary`.

    SIGINT and SIGTERM are noted, not acted on at once (procs.noted_signals): the workers
    are told to start no further row (`stop`), the rows in flight are collected, and only
    then the signal acts. The errors of failed rows go to the summary's log as soon as no
    earlier row is in flight, so that they are held in memory only while rows are."""
    cores = engine_class(worker.pdf_engine).cores if "pdf" in worker.formats else 1
    workers, chunk = _plan(options.jobs, summary.rows, cores)
    per_child = options.tasks_per_worker
    tasks_per_child = None if per_child is None else max(1, per_child // chunk)
    pending: dict[Future[list[RowResult]], list[Row]] = {}
    rows: list[Row] = []
    """Rows read but not yet sent to a worker."""
    stop = worker_context().Event()

    def record(result: RowResult) -> None:
        summary.add(result)
        if on_result:
            on_result(result)

    def settle(reading: int) -> None:
        """Write the errors of rows before any still in flight; `reading`: the row being read."""
        waiting = [batch[0].number for batch in (*pending.values(), rows) if batch]
        summary.errors.settle(min([reading, *waiting]))

    start_forkserver()
    with noted_signals() as noted:
        pool = _pool(workers, worker, tasks_per_child, stop)

        def collect() -> None:
            done, _ = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            if noted:
                stop.set()
            for future in sorted(done, key=lambda f: pending[f][0].number):
                batch = pending.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    if stop.is_set():  # stopping: a worker gone now only leaves rows unfinished
                        continue
                    results = [
                        _failed(
                            row,
                            "工作进程意外退出（可能是内存不足），本行未生成；重新运行即可续做 "
                            "(worker process died; run again to resume)",
                        )
                        for row in batch
                    ]
                except Exception as error:  # pragma: no cover - _render_rows catches its own
                    message = f"内部错误 (internal error): {type(error).__name__}: {error}"
                    results = [_failed(row, message) for row in batch]
                for result in results:  # fewer than the rows when the batch is stopping
                    record(result)

        def submit(batch: list[Row]) -> None:
            nonlocal pool
            while len(pending) >= 2 * workers and not stop.is_set():
                collect()
            if stop.is_set():
                return
            try:
                future = pool.submit(_render_rows, batch)
            except BrokenProcessPool:
                # A worker died (e.g. killed for memory): fail what was in flight, start afresh.
                while pending:
                    collect()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _pool(workers, worker, tasks_per_child, stop)
                future = pool.submit(_render_rows, batch)
            pending[future] = batch

        try:
            for row in read_rows(engagements):
                if noted:
                    stop.set()
                if stop.is_set():
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
            pool.shutdown(wait=True, cancel_futures=True)
            summary.interrupted = stop.is_set() or bool(noted)
    summary.errors.settle()


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
    Return the exit code: 1 when any row failed, 143 when a SIGTERM to a worker stopped it.

    A run stopped by SIGINT or SIGTERM (run_batch) prints and writes the summary of the rows
    it finished, then lets the signal act: KeyboardInterrupt, or the command line's exit 143."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from policygen.errors import ExitCode

    if report is not None:
        folders = environment_for(options.template_dirs).folders
        check_outside_templates(report, folders, ("报告文件", "report file"))
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

    summary = BatchSummary()
    began = time.perf_counter()
    try:
        run_batch(
            engagements, profile, out, options, on_start=start, on_result=result, summary=summary
        )
    except BaseException as error:
        progress.stop()
        # Stopped by a signal once the rows were counted, even before the workers ran (Ctrl-C
        # while they start): say how far it got and that a rerun resumes. An error that is
        # not an interrupt (an Exception) is reported by the caller alone.
        if summary.interrupted or (task is not None and not isinstance(error, Exception)):
            summary.interrupted = True
            summary.seconds = summary.seconds or time.perf_counter() - began
            _conclude(summary, summary_console, report)
        raise
    progress.stop()
    _conclude(summary, summary_console, report)
    if summary.rows == 0:
        console.print("文件中没有合同行 (no rows)", markup=False)
        return ExitCode.INVALID_INPUT
    if summary.interrupted:
        return 128 + signal.SIGTERM
    return ExitCode.INVALID_INPUT if summary.failed else ExitCode.OK


def _conclude(summary: BatchSummary, console: Console, report: Path | None) -> None:
    """Print `summary` on `console` and write it as JSON to `report` when given."""
    console.print(
        f"{'截至中断' if summary.interrupted else '完成'}：生成 {summary.rendered} 行（{summary.files} 个文件），跳过 {summary.skipped} 行"
        f"（已是最新），失败 {summary.failed} 行，用时 {summary.seconds:.1f} 秒 "
        f"(rendered {summary.rendered}, skipped {summary.skipped}, failed {summary.failed}, "
        f"{summary.seconds:.1f} s)",
        markup=False,
        highlight=False,
    )
    if summary.interrupted:
        done = summary.rows - summary.unfinished
        console.print(
            f"已中断：已完成 {done} 行，另有 {summary.unfinished} 行未完成；重新运行同一命令即可"
            f"续做，已完成的行将跳过 (interrupted: {done} rows done, {summary.unfinished} rows "
            "not done; run again to resume)",
            markup=False,
            highlight=False,
        )
    if report is not None:
        write_atomic(report, summary.report())
