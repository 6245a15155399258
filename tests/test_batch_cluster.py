"""policygen batch --scheduler: the same run on a real Dask cluster, a worker killed midway."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import policygen
from policygen.batch import MANIFEST
from policygen.batch import cluster as batch_cluster
from policygen.batch.workers import RowFiles, write_row
from policygen.cli import main
from policygen.readers.engagements import Row
from test_batch import BANK, write_engagements_csv

SRC = Path(policygen.__file__).resolve().parents[1]
"""The policygen the cluster's processes import: this one."""

BAD = {7: "vendor.credit_code", 23: "vendor.name"}
"""The rows `_engagements` spoils, by number, with the field each row's error names."""


def _engagements(path: Path, rows: int) -> None:
    """Write `rows` good engagements to `path`, then spoil the rows in BAD it has."""
    write_engagements_csv(path, rows, spoil=False)
    with path.open(encoding="utf-8", newline="") as stream:
        header, *cells = list(csv.reader(stream))
    col = {name: i for i, name in enumerate(header)}
    code = cells[6][col["vendor.credit_code"]]
    cells[6][col["vendor.credit_code"]] = code[:17] + ("0" if code[17] != "0" else "1")
    if len(cells) >= 23:
        cells[22][col["vendor.name"]] = ""
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *cells])


def _dask(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck process
            process.kill()
            process.wait()


@contextlib.contextmanager
def _cluster(
    folder: Path, workers: tuple[str, ...], *options: str
) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """Start a Dask scheduler and a worker process (one thread, `options` added) for each of
    `workers` on 127.0.0.1, configured by policygen's Dask file (DASK_CONFIG, as README's
    recipe does); yield the scheduler's address and the workers, ended with the block."""
    from distributed import Client

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "DASK_CONFIG": str(batch_cluster.CONFIG),
    }
    file = folder / "scheduler.json"
    processes = [
        _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(file), env=env),
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not file.is_file() or not file.read_text(encoding="utf-8").strip():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert processes[0].poll() is None, "the scheduler exited"
            time.sleep(0.05)
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        for name in workers:
            processes.append(
                _dask("worker", address, "--name", name, "--nthreads", "1", *options,
                      "--host", "127.0.0.1", "--no-dashboard", env=env)
            )  # fmt: skip
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(len(workers), timeout=30)
        yield address, processes[1:]
    finally:
        for process in reversed(processes):
            _end(process)


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A Dask scheduler and two worker processes (no nanny, so a killed worker stays dead) on
    127.0.0.1: yield the scheduler's address and the workers."""
    with _cluster(tmp_path, ("a", "b"), "--no-nanny") as started:
        yield started


def test_a_batch_on_a_cluster_survives_a_killed_worker_and_matches_a_local_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scheduler: tuple[str, list[subprocess.Popen[bytes]]],
) -> None:
    address, workers = scheduler
    rows = tmp_path / "engagements.csv"
    _engagements(rows, 40)
    out, local = tmp_path / "out", tmp_path / "local"
    common = ["-p", str(BANK), "-f", "txt,docx"]
    written: Counter[str] = Counter()

    def counted(out: Path, rendered: RowFiles) -> object:
        written[rendered.number] += 1
        return write_row(out, rendered)

    monkeypatch.setattr(batch_cluster, "write_row", counted)
    killed: list[int] = []

    def kill_when_rows_are_done() -> None:
        """Kill worker a (SIGKILL: no goodbye to the scheduler) once 4 rows are written."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(written.values()) < 4:
            time.sleep(0.02)
        killed.append(sum(written.values()))
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_rows_are_done)
    killer.start()
    args = ["batch", str(rows), *common, "-o", str(out), "--scheduler", address]
    assert main([*args, "--report", str(tmp_path / "report.json")]) == 1
    killer.join()
    captured = capsys.readouterr()

    # The worker died midway, and its rows were rendered by the other one.
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert killed and killed[0] < 38, killed
    assert "rendered 38, skipped 0, failed 2" in captured.out, captured.out + captured.err
    good = [f"BT-2026-{n:04d}" for n in range(1, 41) if n not in BAD]
    assert written == Counter(good)  # every good row written once, none twice
    for number, field in BAD.items():
        assert any(
            line.startswith(f"row {number}: {field}: ") for line in captured.err.splitlines()
        ), captured.err
        assert not (out / f"BT-2026-{number:04d}").exists()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {(e["row"], e["path"]) for e in report["errors"]} == set(BAD.items())

    # Byte for byte what a local run writes, manifests included.
    assert main(["batch", str(rows), *common, "-o", str(local), "-j", "2"]) == 1
    capsys.readouterr()
    cluster_files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.parent != out}
    local_files = {
        p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.parent != local
    }
    assert len(cluster_files) == 38 * 5  # contract and SLA as txt and docx, and a manifest
    assert all((out / n / MANIFEST).is_file() for n in good)
    assert cluster_files == local_files

    # A rerun renders nothing.
    written.clear()
    assert main(args) == 1
    assert "rendered 0, skipped 38, failed 2" in capsys.readouterr().out
    assert not written


def test_an_unreachable_scheduler_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_cluster, "CONNECT_SECONDS", 0.5)
    rows = tmp_path / "engagements.csv"
    write_engagements_csv(rows, 2, spoil=False)
    out = tmp_path / "out"
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "txt", "--scheduler"]
    assert main([*args, address]) == 2
    err = capsys.readouterr().err
    assert f"无法连接 Dask 调度器 {address}" in err and "cannot reach" in err
    assert not out.exists()
    assert main([*args, "local:0"]) == 2
    assert "local:N" in capsys.readouterr().err
    assert not out.exists()


def test_a_task_that_fails_twice_fails_its_rows_and_is_not_retried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dask runs a task that raised once more (retries=1); when it raises again its rows are
    reported failed, each by its row, and the other tasks' rows are written as usual. The
    cluster's worker runs in this process here, so that the task can be made to fail."""
    from distributed import Client, LocalCluster

    from policygen.batch import batch_kinds, organisation_data
    from policygen.readers.engagements import read_rows

    rows_file = tmp_path / "rows.csv"
    write_engagements_csv(rows_file, 3, spoil=False)
    rows = list(read_rows(rows_file))
    worker = batch_cluster._Worker(
        organisation=organisation_data(policygen.load_profile(BANK)),
        organisation_digest="o",
        templates_digest="t",
        kinds=batch_kinds(["contract"]),
        formats=("txt",),
        template_dirs=(),
        out=tmp_path / "out",
        force=False,
    )
    attempts: Counter[int] = Counter()
    real = batch_cluster.render_rows

    def flaky(worker: object, engines: object, items: list[tuple[Any, Any]], stopped: Any) -> Any:
        attempts[items[0][0].number] += 1
        if items[0][0].number == 2:
            raise RuntimeError("a fault in the task")
        return real(worker, engines, items, stopped)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_cluster, "render_rows", flaky)
    with (
        LocalCluster(
            n_workers=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
        ) as local,
        Client(local, set_as_default=False) as client,
    ):
        scheduler = batch_cluster.Cluster(client).scheduler(worker)
        tasks = {scheduler.submit([row]): [row] for row in rows}
        done: set[object] = set()
        while len(done) < len(tasks):
            done |= scheduler.wait(list(tasks), 1.0)
        results = {r.number: r for task, batch in tasks.items() for r in scheduler.results(task, batch)}  # fmt: skip
        scheduler.close()

    assert attempts == Counter({1: 1, 2: 2, 3: 1})  # run twice, then given up
    assert results[2].status == "failed" and "a fault in the task" in results[2].issues[0].message
    assert results[1].status == results[3].status == "rendered"
    assert (tmp_path / "out" / "BT-2026-0003" / "contract-BT-2026-0003.txt").is_file()
    assert not (tmp_path / "out" / "BT-2026-0002").exists()


def test_workers_write_to_an_fsspec_url_and_a_rerun_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o memory://…` with `--scheduler`: the workers read the rows' manifests and write the
    files there themselves (the cluster's worker runs in this process, whose memory file
    system the test can read): the bytes of a local run, and a second run renders nothing."""
    import contextlib

    import fsspec
    from distributed import Client, LocalCluster

    from policygen.batch import run as batch_run

    @contextlib.contextmanager
    def in_process(address: str) -> Iterator[batch_cluster.Cluster]:
        with (
            LocalCluster(
                n_workers=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
            ) as local,
            Client(local, set_as_default=False) as client,
        ):
            yield batch_cluster.Cluster(client)

    monkeypatch.setattr(batch_run, "_connect", in_process)
    rows = tmp_path / "engagements.csv"
    _engagements(rows, 8)
    url = f"memory://policygen-test-{tmp_path.name}/out"
    common = ["batch", str(rows), "-p", str(BANK), "-f", "txt,docx", "-d", "contract"]
    assert main([*common, "-o", url]) == 2  # a URL is for a cluster's workers
    assert "--scheduler" in capsys.readouterr().err
    assert main([*common, "-o", url, "--scheduler", "in-process"]) == 1
    assert "rendered 7, skipped 0, failed 1" in capsys.readouterr().out
    assert main([*common, "-o", str(tmp_path / "local"), "-j", "1"]) == 1
    capsys.readouterr()

    fs = fsspec.filesystem("memory")
    root = url.removeprefix("memory://")
    remote = {path.removeprefix(f"/{root}/"): fs.cat_file(path) for path in fs.find(f"/{root}")}
    local = {
        str(p.relative_to(tmp_path / "local")): p.read_bytes()
        for p in (tmp_path / "local").rglob("*")
        if p.is_file() and p.parent != tmp_path / "local"
    }
    assert len(remote) == 7 * 3 and remote == local  # txt, docx and the manifest per row

    assert main([*common, "-o", url, "--scheduler", "in-process"]) == 1
    assert "rendered 0, skipped 7, failed 1" in capsys.readouterr().out
    fs.rm(f"/{root}", recursive=True)


def test_the_workers_of_a_local_cluster_write_the_files_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--scheduler local:1`: the cluster's worker process shares this machine's folders and
    writes the rows' files itself (no file's bytes reach this process, which writes none),
    the bytes of a local run, manifests included; a rerun renders nothing."""

    def not_here(out: Path, rendered: RowFiles) -> object:
        raise AssertionError(f"row {rendered.number} written by the client")

    monkeypatch.setattr(batch_cluster, "write_row", not_here)
    rows = tmp_path / "engagements.csv"
    _engagements(rows, 8)
    out, local = tmp_path / "out", tmp_path / "local"
    common = ["batch", str(rows), "-p", str(BANK), "-f", "txt,docx", "-d", "contract"]
    args = [*common, "-o", str(out), "--scheduler", "local:1"]
    assert main(args) == 1
    assert "rendered 7, skipped 0, failed 1" in capsys.readouterr().out
    assert main([*common, "-o", str(local), "-j", "1"]) == 1
    capsys.readouterr()
    cluster_files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.parent != out}
    local_files = {
        p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.parent != local
    }
    assert len(cluster_files) == 7 * 3 and cluster_files == local_files
    assert main(args) == 1
    assert "rendered 0, skipped 7, failed 1" in capsys.readouterr().out


def _worker_settings() -> list[Any]:
    """What a worker would run with if policygen's Dask file (cluster.CONFIG) applies: glibc's
    own trimming (the environment this test runs in) and the quieter background intervals."""
    return [os.environ.get("MALLOC_TRIM_THRESHOLD_"), "1s", "5s", "1s", False]


def _seen_by_worker() -> Callable[[], list[Any]]:
    """Return a function telling, in a Dask worker, what _worker_settings lists (nested: sent
    by value, as a worker cannot import this module)."""

    def seen() -> list[Any]:
        import dask

        names = [
            "distributed.admin.tick.interval",
            "distributed.admin.system-monitor.interval",
            "distributed.worker.memory.monitor-interval",
            "distributed.worker.profile.enabled",
        ]
        return [os.environ.get("MALLOC_TRIM_THRESHOLD_"), *(dask.config.get(n) for n in names)]

    return seen


def _assert_dask_file_applies(client: Any) -> None:
    """Assert that the workers and the scheduler `client` reaches run with cluster.CONFIG."""
    import dask

    found = client.run(_seen_by_worker())
    allowed = client.run_on_scheduler(
        lambda: dask.config.get("distributed.scheduler.allowed-failures")
    )
    assert list(found.values()) == [_worker_settings()] and allowed == 1


def test_a_local_cluster_s_workers_run_with_policygen_s_dask_file() -> None:
    """`local:N` applies cluster.CONFIG: Dask's nanny would set MALLOC_TRIM_THRESHOLD_=65536
    in each worker's environment, which its Typst process inherits (about 10% of a set's
    time), and its background intervals would wake the worker's event loop every 20 ms."""
    import dask

    with batch_cluster.connect("local:1") as cluster:
        _assert_dask_file_applies(cluster.client)
    assert dask.config.get("distributed.admin.tick.interval") == "20ms"  # restored


def test_a_cluster_of_one_s_own_reads_policygen_s_dask_file(tmp_path: Path) -> None:
    """README's recipe: `dask scheduler` and `dask worker` (with its nanny) given
    DASK_CONFIG=cluster.CONFIG run with its settings — which environment variables could not
    give: Dask lowers their names, and the nanny would still set MALLOC_TRIM_THRESHOLD_."""
    from distributed import Client

    with (
        _cluster(tmp_path, ("a",)) as (address, _),
        Client(address, timeout=30, set_as_default=False) as client,
    ):
        _assert_dask_file_applies(client)


def test_a_row_s_file_names_follow_the_organisation_s_languages(tmp_path: Path) -> None:
    """The names a row's folder is checked for (resume) are the names the worker writes, a
    bilingual organisation's included (contract-X-zh+en.docx), so a rerun renders nothing."""
    from dataclasses import replace

    from policygen.batch import workers as batch_workers
    from policygen.batch.options import batch_kinds
    from policygen.bilingual import kind_lang
    from policygen.pipeline import Job
    from policygen.profile.load import load_profile

    organisation = load_profile(Path(policygen.__file__).parents[2] / "examples" / "bank.yaml")
    kinds = batch_kinds(["contract", "sla"])
    worker = batch_workers._Worker(
        organisation={}, organisation_digest="o", templates_digest="t", kinds=kinds,
        formats=("docx", "pdf"), template_dirs=(), out=tmp_path, force=False,
    )  # fmt: skip
    engagement = organisation.engagements[0]
    for lang in ("zh", "zh+en", "en"):
        expected = [
            Job(kind, engagement, kind_lang(kind.name, lang, named=False)).filename(fmt)
            for kind in kinds
            for fmt in ("docx", "pdf")
        ]
        names = batch_cluster._names(replace(worker, lang=lang), engagement.contract_no)
        assert names == expected


def test_a_row_cut_short_records_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL's row whose second file cannot be written fails, its manifest recording the
    first; a local row goes all or none: a folder that cannot be made writes no manifest."""
    files = {"a.txt": b"one", "b.txt": b"two"}
    old = {"old.txt": {"inputs": "0", "sha256": "0"}}
    rendered = RowFiles(Row(3, 4, {}), "C-1", "key", old, files)
    output = batch_cluster.UrlOutput(f"memory://policygen-test-{tmp_path.name}/out")
    pipe_file = output.fs.pipe_file

    def failing(path: str, data: bytes) -> None:
        if path.endswith("b.txt"):
            raise OSError(28, "No space left on device")
        pipe_file(path, data)

    monkeypatch.setattr(output.fs, "pipe_file", failing)
    result = output.write_row(rendered)
    assert (result.status, result.files) == ("failed", ())
    assert "无法写入" in result.messages()[0] and "No space left" in result.messages()[0]
    manifest = json.loads(output.fs.cat_file(f"{output.root}/C-1/{MANIFEST}"))
    assert manifest["files"] == {
        **old, "a.txt": {"inputs": "key", "sha256": hashlib.sha256(b"one").hexdigest()}
    }  # fmt: skip
    monkeypatch.undo()
    assert output.write_row(rendered).files == ("C-1/a.txt", "C-1/b.txt")
    output.fs.rm(output.root, recursive=True)
    (tmp_path / "C-1").write_text("a file where the folder goes", encoding="utf-8")
    result = write_row(tmp_path, rendered)
    assert (result.status, result.files) == ("failed", ())
    assert "无法写入" in result.messages()[0]
