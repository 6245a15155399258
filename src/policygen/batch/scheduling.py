"""Where a run's rows are rendered: worker processes on this machine, or a Dask cluster.

Input: batches of rows (a task each). Output: each batch's row results, with the files
written. A run (run._render_all) reads rows, submits batches, collects results and reports
them the same way whatever renders them; a scheduler only says how a batch reaches a worker,
how many may be in flight, what becomes of a batch whose worker died, and how to stop."""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event as EventType
from typing import Protocol

from policygen.batch.results import RowResult, _failed
from policygen.batch.workers import _init_worker, _render_rows, _Worker
from policygen.procs import worker_context
from policygen.readers.engagements import Row

WORKER_DIED = (
    "工作进程意外退出（可能是内存不足），本行未生成；重新运行即可续做 "
    "(worker process died; run again to resume)"
)
"""What a row is reported with when the process rendering it died."""


class Scheduler(Protocol):
    """What renders a run's batches of rows (run._render_all)."""

    @property
    def workers(self) -> int:
        """Batches rendered at once; twice as many are kept in flight."""

    @property
    def stopping(self) -> bool:
        """True once `stop` was called, or a worker asked the run to stop."""

    def submit(self, batch: list[Row]) -> object:
        """Start rendering `batch`; return its task, for `wait` and `results`."""

    def wait(self, tasks: Collection[object], timeout: float) -> set[object]:
        """Return the tasks of `tasks` finished within `timeout` seconds (perhaps none)."""

    def results(self, task: object, batch: list[Row]) -> list[RowResult]:
        """Return the results of the finished `task` of `batch`, its files written: fewer than
        the rows when the run is stopping; a failure per row when its worker died."""

    def stop(self) -> None:
        """Start no further row: the rows in progress finish."""

    def close(self) -> None:
        """Release the workers, waiting for the rows in progress."""


class LocalPool:
    """Worker processes on this machine (concurrent.futures), started without fork; each
    writes its rows' files itself. A pool broken by a dead worker (killed for memory, say)
    fails that worker's rows and is replaced."""

    def __init__(
        self, workers: int, worker: _Worker, tasks_per_worker: int | None, stop: EventType
    ) -> None:
        """Start `workers` processes rendering with `worker`, each replaced after
        `tasks_per_worker` tasks (None: never), sharing `stop` (made in worker_context before
        the forkserver starts: procs.worker_context)."""
        self.workers = workers
        self._worker = worker
        self._tasks_per_worker = tasks_per_worker
        self._stop = stop
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        """Return a pool of `workers` processes sharing the stop event, from worker_context,
        the context the event was made in: forking a parent that runs threads (the progress
        bar's) is unsafe, and workers would inherit its memory."""
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=worker_context(),
            initializer=_init_worker,
            initargs=(self._worker, self._stop),
            max_tasks_per_child=self._tasks_per_worker,
        )

    @property
    def stopping(self) -> bool:
        """True once `stop` was called or a worker was sent SIGTERM."""
        return self._stop.is_set()

    def submit(self, batch: list[Row]) -> Future[list[RowResult]]:
        """Start `batch` in a worker; replace the pool first when a worker of it died."""
        try:
            return self._pool.submit(_render_rows, batch)
        except BrokenProcessPool:
            # The tasks in flight end with BrokenProcessPool (`results` fails their rows).
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(_render_rows, batch)

    def wait(self, tasks: Collection[object], timeout: float) -> set[object]:
        """Return the tasks finished within `timeout` seconds."""
        futures = [task for task in tasks if isinstance(task, Future)]
        done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done)

    def results(self, task: object, batch: list[Row]) -> list[RowResult]:
        """Return what the worker returned for `batch`; a failure per row when it died."""
        assert isinstance(task, Future)
        try:
            results: list[RowResult] = task.result()
        except BrokenProcessPool:
            if self.stopping:  # stopping: a worker gone now only leaves rows unfinished
                return []
            return [_failed(row, WORKER_DIED) for row in batch]
        except Exception as error:  # pragma: no cover - _render_rows catches its own
            message = f"内部错误 (internal error): {type(error).__name__}: {error}"
            return [_failed(row, message) for row in batch]
        return results

    def stop(self) -> None:
        """Have the workers start no further row."""
        self._stop.set()

    def close(self) -> None:
        """Wait for the rows in progress and end the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)
