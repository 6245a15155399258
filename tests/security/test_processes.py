"""The processes a run starts end with it: no worker, forkserver or resource tracker outlives a
SIGKILL of `render` or `batch` by more than a few seconds, and a batch stopped by SIGTERM or
Ctrl-C reports every row it finished, in its summary and its report.

Each test starts policygen as a child process (with this checkout's sources first on the path,
so that its own children run them too) and finds the processes it started through /proc."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from secutil import BANK, ROOT

from policygen.batch import MANIFEST
from test_batch import write_engagements_csv

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

OUTLIVES = 6.0
"""Seconds a process started by a run may outlive the run's SIGKILL."""

Processes = dict[int, tuple[str, bytes]]
"""Process id → (start time, command line): a start time tells a process from a later one that
reuses its id."""


def _stat(pid: int) -> tuple[int, str, str] | None:
    """Return the parent, state and start time of process `pid`; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], fields[19]


def descendants(root: int) -> Processes:
    """Return the processes below `root` now."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _stat(int(name))) is not None:
            parents.setdefault(stat[0], []).append(int(name))
            starts[int(name)] = stat[2]
    found: Processes = {}
    frontier = [root]
    while frontier:
        for child in parents.get(frontier.pop(), []):
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            found[child] = (starts[child], command)
            frontier.append(child)
    return found


def alive(processes: Processes) -> Processes:
    """Return those of `processes` still running (a zombie has ended)."""
    still = {}
    for pid, (start, command) in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[2] == start and stat[1] != "Z":
            still[pid] = (start, command)
    return still


def policygen(
    *args: str, new_session: bool = False, output: int | None = subprocess.PIPE
) -> subprocess.Popen[bytes]:
    """Start ``policygen *args`` running this checkout's sources; `output` takes its standard
    output and error (a process that outlived the command would hold a pipe open)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.Popen(
        [sys.executable, "-m", "policygen", *args],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
        start_new_session=new_session,
    )


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def finished_rows(out: Path) -> list[Path]:
    """Return the row folders of `out` that hold a manifest: the rows written whole."""
    if not out.is_dir():
        return []
    return [d for d in out.iterdir() if (d / MANIFEST).is_file()]


def kill_and_watch(process: subprocess.Popen[bytes], ready: Callable[[Processes], bool]) -> None:
    """Once `ready` holds for the processes below `process`, SIGKILL it and assert that every
    one of them is gone within OUTLIVES seconds."""
    seen: Processes = {}

    def workers_busy() -> bool:
        assert process.poll() is None, "the command ended early"
        seen.update(descendants(process.pid))
        return ready(seen)

    try:
        wait_for(workers_busy, 90, "the workers")
        seen.update(descendants(process.pid))
        process.kill()
        process.wait()
        killed = time.monotonic()
        while alive(seen) and time.monotonic() - killed < OUTLIVES + 30:
            time.sleep(0.1)
        outlived = time.monotonic() - killed
    finally:
        for pid in alive(seen):  # do not leave them to the next test
            os.kill(pid, signal.SIGKILL)
    left = sorted(command.decode(errors="replace")[:80] for _, command in alive(seen).values())
    assert outlived < OUTLIVES, f"{len(seen)} processes, some alive {outlived:.1f} s: {left}"
    kinds = b" ".join(command for _, command in seen.values())
    assert b"forkserver" in kinds and b"resource_tracker" in kinds  # they too were watched


def workers(processes: Processes) -> int:
    """Return how many of `processes` are forkserver children (pool workers)."""
    forkservers = {pid for pid, (_, command) in processes.items() if b"forkserver" in command}
    return sum(1 for pid in processes if (_stat(pid) or (0,))[0] in forkservers)


def test_sigkill_of_a_batch_leaves_no_process_behind(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    write_engagements_csv(rows, 200, spoil=False)
    out = tmp_path / "out"
    process = policygen(
        "batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "docx,pdf", "-d", "contract",
        "-j", "2", "--pdf-engine", "typst", output=subprocess.DEVNULL,
    )  # fmt: skip
    kill_and_watch(process, lambda seen: workers(seen) >= 1 and len(finished_rows(out)) >= 3)
    written = len(finished_rows(out))
    time.sleep(1)
    assert len(finished_rows(out)) == written  # nobody renders on for a dead parent
    assert list(out.rglob("*.part")) == []


def test_sigkill_of_a_render_with_workers_leaves_no_process_behind(tmp_path: Path) -> None:
    process = policygen(
        "render", str(BANK), "-o", str(tmp_path), "-f", "pdf", "-j", "2", output=subprocess.DEVNULL
    )
    kill_and_watch(process, lambda seen: workers(seen) >= 2)


@pytest.mark.parametrize(
    ("sent", "code"),
    [("SIGTERM", 143), ("SIGTERM to the process group", 143), ("SIGINT to the group", 130)],
)
def test_a_stopped_typst_batch_reports_every_row_it_finished(
    tmp_path: Path, sent: str, code: int
) -> None:
    """The rows in progress finish, the summary and the report count exactly the rows whose
    files are on disk, and a second run renders the rest."""
    rows = tmp_path / "rows.csv"
    write_engagements_csv(rows, 200, spoil=False)
    out, report = tmp_path / "out", tmp_path / "report.json"
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "docx,pdf", "-d",
            "contract", "-j", "2", "--pdf-engine", "typst"]  # fmt: skip
    group = "group" in sent
    process = policygen(*args, "--report", str(report), new_session=group)
    try:
        wait_for(lambda: len(finished_rows(out)) >= 5, 90, "five rows")
        signum = signal.SIGINT if "SIGINT" in sent else signal.SIGTERM
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr.decode()[-2000:]
    on_disk = len(finished_rows(out))
    assert 5 <= on_disk < 200
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert summary["rendered"] == on_disk, (summary, stderr.decode()[-2000:])
    assert summary["interrupted"] is True and summary["unfinished"] == 200 - on_disk
    assert f"rendered {on_disk}, skipped 0, failed 0" in stdout.decode()
    assert f"{200 - on_disk} rows not done" in stdout.decode()
    assert list(out.rglob("*.part")) == []
    if sent != "SIGTERM":
        return
    again = policygen(*args)
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr.decode()[-2000:]
    assert f"rendered {200 - on_disk}, skipped {on_disk}, failed 0" in stdout.decode()
