"""Render a batch's rows on a Dask distributed cluster: the Scheduler of a run with ``--scheduler``.

Input: a scheduler's address (``tcp://HOST:PORT``, or ``local:N`` for a cluster of N worker
processes started here) and the run's worker (workers._Worker: the organisation, the kinds,
the formats). Output: each row's result, its files written by this process, the client, or
by the workers to an fsspec URL.

The organisation and the run's settings reach each worker once, in a worker plugin that also
starts the worker's engine session; a task is a batch of rows. On a cluster of one's own
(a scheduler's address) each row is sent with its folder's state (manifest.folder_state, read
here), and the task returns the rows' files, rendered and not written: this process writes
them and their manifests (workers.write_row), as a worker process of a local run does, so
resume, errors and bytes are those of a local run. The workers of a ``local:N`` cluster share
this machine's folders: they read the rows' folders and write the files themselves, as the
local pool's workers do, and only the rows' results come back: no file's bytes are
pickled, sent and written a second time here. When the output is an fsspec URL (``s3://…``) the workers read the rows' folders there and write the files there
themselves (UrlOutput), and again only the results come back. A worker
that dies leaves its tasks to the scheduler, which runs them elsewhere (Dask's resilience); a
task that raises is run once more (``retries=1``), and one that fails again, or whose workers
keep dying (the scheduler's ``allowed-failures``, 1 in CONFIG), fails its rows, reported as
any failed row."""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import CancelledError
from functools import partial
from pathlib import Path
from typing import Any

import dask
import fsspec
from distributed import Client, Future, LocalCluster, WorkerPlugin, get_worker, wait

from policygen.batch.constants import MANIFEST
from policygen.batch.manifest import FolderState, folder_state, manifest_bytes, read_state
from policygen.batch.results import RowResult, _contract_no, _failed
from policygen.batch.scheduling import WORKER_DIED
from policygen.batch.workers import (
    RowFiles,
    _Worker,
    never,
    render_and_write,
    render_rows,
    store_row,
    warmed_engines,
    write_row,
    written,
)
from policygen.bilingual import kind_lang
from policygen.errors import UsageError
from policygen.layout.engine import Engines
from policygen.parallel import thaw_heap
from policygen.pipeline import file_stem
from policygen.profile.engagement import _CONTRACT_NO
from policygen.readers.engagements import Row

LOCAL = "local:"
"""The prefix of ``--scheduler local:N``."""

CONNECT_SECONDS = 5
"""How long to try reaching a scheduler before the run stops with a usage error."""

CONFIG = Path(__file__).with_name("dask.yaml")
"""Dask's settings for a policygen cluster (allowed failures, the worker's environment, quieter
background intervals): applied by ``local:N``, read by a cluster of one's own from the file
(DASK_CONFIG, or /etc/dask in the Docker image)."""

RETRIES = 1
"""Times a task that raised is run again before its rows are reported failed."""

COUNT_SECONDS = 5.0
"""How often a run counts the cluster's workers again, to keep two tasks in flight each."""


@contextlib.contextmanager
def connect(address: str) -> Iterator[Cluster]:
    """Yield the cluster at `address` (``local:N``: N worker processes started here for the
    block), closed when the block ends. Raise UsageError naming the address when `address`
    is malformed or no scheduler answers within CONNECT_SECONDS."""
    with contextlib.ExitStack() as stack:
        if address.startswith(LOCAL):
            count = address.removeprefix(LOCAL)
            if not count.isdigit() or int(count) < 1:
                raise UsageError(
                    f"--scheduler {address}：local: 后应为工作进程数，如 local:4 "
                    "(expected local:N, N ≥ 1)"
                )
            stack.enter_context(dask.config.set(settings()))
            local = stack.enter_context(
                LocalCluster(
                    n_workers=int(count),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(local, set_as_default=False))
        else:
            try:
                client = stack.enter_context(
                    Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
                )
            except (OSError, ValueError, TypeError) as error:
                raise UsageError(
                    f"无法连接 Dask 调度器 {address}：{error}；请检查地址与调度器是否在运行 "
                    f"(cannot reach the Dask scheduler at {address})"
                ) from None
        yield Cluster(client, shares_folders=address.startswith(LOCAL))


def settings() -> dict[str, Any]:
    """Return Dask's configuration with CONFIG's settings over it, whole, for
    ``dask.config.set``: given CONFIG's nested sections alone, it would replace each section
    with the file's few keys."""
    ours = dask.config.collect(paths=[str(CONFIG)], env={})
    return dask.config.update(copy.deepcopy(dask.config.config), ours)  # type: ignore[no-any-return]


class Cluster:
    """A Dask cluster a run's rows can be rendered on."""

    def __init__(self, client: Client, *, shares_folders: bool = False) -> None:
        """Reach the cluster through `client`; `shares_folders`: its workers run on this
        machine (``local:N``) and can write into the output folder themselves."""
        self.client = client
        self.shares_folders = shares_folders

    def scheduler(self, worker: _Worker, url: str | None = None) -> DaskScheduler:
        """Return the scheduler rendering rows with `worker` on this cluster's workers, each
        set up once (WorkerSetup) before its first row; the files written into `worker.out`
        by this process, or by the workers when they share its folders, or, given `url`, by
        the workers there (UrlOutput)."""
        return DaskScheduler(self.client, worker, url, workers_write=self.shares_folders)


class WorkerSetup(WorkerPlugin):
    """A Dask worker plugin: what a worker keeps between a run's rows (the run's worker and an
    engine session), set up when the run starts or when the worker joins, torn down with the
    run. Its `name` is the run's, so that runs sharing a cluster keep apart."""

    idempotent = False

    def __init__(self, name: str, worker: _Worker) -> None:
        self.name = name
        self.worker = worker
        self.engines: Engines | None = None

    def setup(self, worker: Any) -> None:
        """Start the engine session, warm what every row needs and freeze the heap warmed, as
        a local pool's worker does (workers.warmed_engines)."""
        self.engines = warmed_engines(self.worker)

    def teardown(self, worker: Any) -> None:
        """Stop the engine session and give the frozen heap back to the collector."""
        thaw_heap()
        if self.engines is not None:
            self.engines.close()
            self.engines = None


def _render_remote(
    name: str, rows: list[tuple[Row, FolderState | None]], url: str | None = None
) -> list[RowFiles | RowResult]:
    """Render `rows` on a Dask worker set up by the plugin `name`; return their files,
    unwritten, or their results (workers.render_rows). Given `url`, read the rows' folders
    there and write their files there (UrlOutput): only results come back."""
    setup = get_worker().plugins[name]
    assert isinstance(setup, WorkerSetup) and setup.engines is not None
    if url is None:
        return list(render_rows(setup.worker, setup.engines, rows, never))
    output = UrlOutput(url)
    items = [(row, output.state(row, setup.worker)) for row, _ in rows]
    return written(render_rows(setup.worker, setup.engines, items, never), output.write_row)


def _render_and_write(name: str, rows: list[Row]) -> list[RowResult]:
    """Render `rows` on a Dask worker set up by the plugin `name` that shares the output
    folder: read each row's folder and write its files there, as a worker of the local pool
    does (workers.render_and_write); return the rows' results."""
    setup = get_worker().plugins[name]
    assert isinstance(setup, WorkerSetup) and setup.engines is not None
    return render_and_write(setup.worker, setup.engines, rows, never)


def _names(worker: _Worker, number: str) -> list[str]:
    """Return the names every file of the row `number` may have (its kinds × formats, in the
    organisation's languages, as Job.filename names them)."""
    folders = worker.template_dirs
    stems = [
        file_stem(
            k.name, number, kind_lang(k.name, worker.lang, named=False, template_dirs=folders)
        )
        for k in worker.kinds
    ]
    return [f"{stem}.{fmt}" for stem in stems for fmt in worker.formats]


def _row_state(
    row: Row, worker: _Worker, state_of: Callable[[str, Iterable[str]], FolderState]
) -> FolderState:
    """Return the state of `row`'s folder for every file it may have (_names; none with
    `worker.force`), as `state_of(contract number, names)` reads it (manifest.folder_state,
    manifest.read_state); an empty state when its contract number could not name a folder
    (the worker rejects the row)."""
    number = _folder_name(row)
    if number is None:
        return FolderState({}, frozenset())
    return state_of(number, () if worker.force else _names(worker, number))


def _folder_name(row: Row) -> str | None:
    """Return the contract number of `row` when it can name a folder (the worker rejects a
    row whose number cannot)."""
    number = _contract_no(row.data)
    return number if number is not None and _CONTRACT_NO.match(number) else None


class UrlOutput:
    """An output folder given as an fsspec URL (``s3://bucket/contracts``, ``file:///srv/out``,
    ``memory://out``), read and written by the workers: a row's folder is ``URL/<contract_no>``
    with its manifest, as on disk. Object stores cannot replace several files at once, so a
    row's files are written one by one and its manifest last: a row cut short by a fault
    keeps its old manifest entries, whose hashes no longer match, so a rerun renders it again."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url)

    def _path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def state(self, row: Row, worker: _Worker) -> FolderState:
        """Return the state of `row`'s folder for every file it may have (_row_state)."""
        return _row_state(
            row, worker, lambda number, names: read_state(partial(self._read, number), names)
        )

    def _read(self, *parts: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._path(*parts))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    def write_row(self, rendered: RowFiles) -> RowResult:
        """Write the files of `rendered` one by one, then its folder's manifest; return the
        row's result (failed when a file cannot be written: the files written before it are
        recorded)."""
        number = rendered.number
        folder = self._path(number)

        def write(files: dict[str, bytes]) -> None:
            self.fs.makedirs(folder, exist_ok=True)
            for name, data in files.items():
                self.fs.pipe_file(self._path(number, name), data)

        def save(manifest: dict[str, dict[str, str]]) -> None:
            self.fs.pipe_file(self._path(number, MANIFEST), manifest_bytes(number, manifest))

        return store_row(rendered, folder, write, save, together=False)


class DaskScheduler:
    """Render batches of rows as tasks of a Dask cluster (see the module's docstring)."""

    def __init__(
        self, client: Client, worker: _Worker, url: str | None = None, *, workers_write: bool
    ) -> None:
        """Render with `worker` on the cluster of `client`; the files written into `url` by
        the workers, or into `worker.out` by the workers when `workers_write`, else here."""
        self.client = client
        self._worker = worker
        self._url = url
        self._workers_write = workers_write and url is None
        self._name = f"policygen-batch-{uuid.uuid4().hex}"
        self._tasks: set[Future[Any]] = set()
        self._stopping = False
        client.register_plugin(WorkerSetup(self._name, worker), name=self._name)
        self._workers, self._counted = 1, -math.inf

    @property
    def workers(self) -> int:
        """The cluster's worker threads (at least 1), counted again every COUNT_SECONDS: a
        worker that joins gets rows, one that leaves is not waited for."""
        now = time.monotonic()
        if now - self._counted >= COUNT_SECONDS:
            self._workers = max(1, sum(self.client.nthreads().values()))
            self._counted = now
        return self._workers

    @property
    def stopping(self) -> bool:
        """True once `stop` was called."""
        return self._stopping

    def submit(self, batch: list[Row]) -> Future[Any]:
        """Send `batch`, each row with its folder's state (read by the worker when the output
        is a URL, or the workers write the files), as one task."""
        key = f"policygen-rows-{batch[0].number}-{uuid.uuid4().hex}"
        if self._workers_write:
            task = self.client.submit(
                _render_and_write, self._name, batch, retries=RETRIES, pure=False, key=key
            )
        else:
            rows = [(row, None if self._url else self._state(row)) for row in batch]
            task = self.client.submit(
                _render_remote, self._name, rows, self._url, retries=RETRIES, pure=False, key=key
            )
        self._tasks.add(task)
        return task

    def _state(self, row: Row) -> FolderState:
        """Return the state of `row`'s folder in `worker.out` for every file it may have
        (_row_state)."""
        out = self._worker.out
        return _row_state(
            row, self._worker, lambda number, names: folder_state(out / number, names)
        )

    def wait(self, tasks: Collection[object], timeout: float) -> set[object]:
        """Return the tasks finished within `timeout` seconds."""
        futures = [task for task in tasks if isinstance(task, Future) and task in self._tasks]
        with contextlib.suppress(TimeoutError), self.client.as_current():
            wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        return {task for task in futures if task.done()}

    def results(self, task: object, batch: list[Row]) -> list[RowResult]:
        """Return the results of `batch`, writing the files of its rendered rows."""
        assert isinstance(task, Future)
        self._tasks.discard(task)
        try:
            rendered: list[RowFiles | RowResult] = task.result()
        except CancelledError:  # stopping
            return []
        except Exception as error:
            if type(error).__name__ == "KilledWorker":
                return [_failed(row, WORKER_DIED) for row in batch]
            message = f"内部错误 (internal error): {type(error).__name__}: {error}"
            return [_failed(row, message) for row in batch]
        return written(rendered, partial(write_row, Path(self._worker.out)))

    def stop(self) -> None:
        """Cancel the tasks not finished: their rows are left for a rerun."""
        self._stopping = True
        if self._tasks:
            self.client.cancel(list(self._tasks))

    def close(self) -> None:
        """Cancel what is left and take the run's plugin off the workers (their engine
        sessions stop)."""
        if self._tasks:
            self.client.cancel(list(self._tasks))
            self._tasks.clear()
        with contextlib.suppress(Exception):  # a cluster gone meanwhile has nothing to undo
            self.client.unregister_worker_plugin(self._name)
