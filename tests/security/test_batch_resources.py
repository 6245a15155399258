"""What a batch reads and holds: the templates' digest reads only what templates can read, in
bounded memory; its own outputs never land among the templates; the parent's memory stays flat
however many rows fail; one output folder serves one run at a time."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from secutil import BANK, ROOT

from policygen import batch
from policygen.batch import (
    LOCK,
    MANIFEST,
    BatchSummary,
    RowResult,
    output_lock,
    templates_digest,
)
from policygen.batch import manifest as batch_manifest
from policygen.cli import main
from policygen.errors import ExitCode, Issue
from policygen.house import MAX_HOUSE_BYTES
from policygen.templating.environment import MAX_TEMPLATE_BYTES, environment_for
from policygen.writers.fetcher import MAX_FILE_BYTES
from test_batch import write_engagements_csv


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter with this checkout's sources first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def old_digest(folders: list[Path]) -> str:
    """The digest as policygen computed it before symlinks and sizes were looked at."""
    digest = hashlib.sha256()
    for position, folder in enumerate(folders):
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" not in file.parts:
                digest.update(f"{position}\0{file.relative_to(folder).as_posix()}\0".encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


# --------------------------------------------------------------------------- the digest


def test_the_digest_of_plain_folders_is_unchanged(tmp_path: Path) -> None:
    """Outputs rendered before stay up to date: for regular files the digest is as it was."""
    (tmp_path / "partials" / "deep").mkdir(parents=True)
    (tmp_path / "contract.md.j2").write_text("合同", encoding="utf-8")
    (tmp_path / "partials" / "a.md.j2").write_bytes(b"a")
    (tmp_path / "partials" / "deep" / "b.md.j2").write_bytes(b"b")
    (tmp_path / "partials-x.md.j2").write_bytes(b"x")  # sorts after partials/…, as paths do
    folders = [tmp_path, *environment_for(()).folders]
    assert templates_digest(folders) == old_digest(folders)


def test_a_huge_file_in_a_template_folder_is_not_read(tmp_path: Path) -> None:
    """A 3 GB sparse file: hashed by its size in a blink, in a process that may not grow by
    even 200 MB (it used to be read whole: 3.2 GB, or a MemoryError)."""
    folder = tmp_path / "templates"
    folder.mkdir()
    with (folder / "huge.bin").open("wb") as file:
        file.truncate(3 * 1024**3)
    done = run_python(
        f"""
        import resource, time
        from pathlib import Path
        from policygen.batch import templates_digest
        size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (size + 200 * 1024**2, resource.RLIM_INFINITY))
        started = time.monotonic()
        print(templates_digest([Path({str(folder)!r})]), time.monotonic() - started)
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[1]) < 5


def test_the_size_limit_is_the_largest_any_reader_takes() -> None:
    assert max(MAX_TEMPLATE_BYTES, MAX_FILE_BYTES, MAX_HOUSE_BYTES) == batch.MAX_TEMPLATE_FILE_BYTES


def test_a_file_over_the_limit_counts_by_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_manifest, "MAX_TEMPLATE_FILE_BYTES", 1000)
    big = tmp_path / "big.bin"
    big.write_bytes(b"a" * 1001)
    before = templates_digest([tmp_path])
    big.write_bytes(b"b" * 1001)  # never read: no reader would take it
    assert templates_digest([tmp_path]) == before
    big.write_bytes(b"b" * 1002)
    assert templates_digest([tmp_path]) != before
    big.write_bytes(b"b" * 1000)  # within the limit: its bytes count
    within = templates_digest([tmp_path])
    big.write_bytes(b"c" * 1000)
    assert templates_digest([tmp_path]) != within


def test_a_link_out_of_the_template_folders_is_not_followed(tmp_path: Path) -> None:
    """A link to a file elsewhere is hashed by name: its target is neither read (nor can a
    template read it) nor is a FIFO or device behind it opened."""
    folder, outside = tmp_path / "templates", tmp_path / "secret.txt"
    folder.mkdir()
    outside.write_text("one", encoding="utf-8")
    (folder / "secret.md.j2").symlink_to(outside)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (folder / "fifo.md.j2").symlink_to(fifo)
    (folder / "etc").symlink_to("/etc")
    os.mkfifo(folder / "pipe")  # inside, but not a file: left out, never opened
    before = templates_digest([folder])
    outside.write_text("two", encoding="utf-8")
    assert templates_digest([folder]) == before


def test_a_link_inside_the_template_folders_counts_its_target(tmp_path: Path) -> None:
    (tmp_path / "real.md.j2").write_text("one", encoding="utf-8")
    (tmp_path / "alias.md.j2").symlink_to("real.md.j2")
    (tmp_path / "other.md.j2").write_text("one", encoding="utf-8")
    before = templates_digest([tmp_path])
    (tmp_path / "real.md.j2").write_text("two", encoding="utf-8")
    changed = templates_digest([tmp_path])
    assert changed != before
    (tmp_path / "alias.md.j2").unlink()
    (tmp_path / "alias.md.j2").symlink_to("other.md.j2")
    assert templates_digest([tmp_path]) != changed


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("where", ["-o", "--report"])
def test_output_inside_a_template_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    out = tmp_path / "out"
    target = {"-o": templates / "out", "--report": templates / "report.json"}[where]
    args = ["batch", str(ROOT / "examples" / "engagements.csv"), "-p", str(BANK), "-f", "txt",
            "--templates", str(templates), "-o", str(out), where, str(target)]  # fmt: skip
    assert main(args) == ExitCode.USAGE
    assert "位于模板目录" in capsys.readouterr().err
    assert list(templates.iterdir()) == []
    assert not out.exists()


def test_a_row_whose_folder_would_hold_templates_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o .`` beside ``--templates ./t``: a row numbered ``T`` would write into the
    templates; it fails, the other rows render."""
    templates = tmp_path / "t"
    templates.mkdir()
    rows = tmp_path / "rows.jsonl"
    lines = (ROOT / "examples" / "engagements.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["contract_no"] = "T"
    rows.write_text(json.dumps(first, ensure_ascii=False) + "\n" + lines[1] + "\n", "utf-8")
    args = ["batch", str(rows), "-p", str(BANK), "-f", "txt", "-d", "contract", "-j", "1",
            "--templates", str(templates), "-o", str(tmp_path)]  # fmt: skip
    assert main(args) == ExitCode.INVALID_INPUT
    captured = capsys.readouterr()
    assert "row 1: contract_no: " in captured.err and "模板目录" in captured.err
    assert "rendered 1, skipped 0, failed 1" in captured.out
    assert list(templates.iterdir()) == []


# --------------------------------------------------------------------------- memory


MEMORY = """
    import json, sys
    from pathlib import Path
    from policygen.batch import BatchOptions, BatchSummary, run_batch
    from policygen.output import write_atomic

    rows, tmp = int(sys.argv[1]), Path(sys.argv[2])
    good = json.loads(Path("examples/engagements.jsonl").read_text("utf-8").splitlines()[0])
    path = tmp / f"rows-{rows}.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for number in range(1, rows + 1):
            if number % 2:
                file.write('["not an engagement"]\\n')  # fails in the parent
            else:  # one contract number for all: every one a duplicate of the others
                file.write(json.dumps(good, ensure_ascii=False) + "\\n")
        bad = {**good, "contract_no": "LATE-1", "vendor": {**good["vendor"], "name": ""}}
        file.write(json.dumps(bad, ensure_ascii=False) + "\\n")  # fails in a worker
    options = BatchOptions(kinds=("contract",), formats=("txt",), jobs=1)
    summary = run_batch(path, "examples/bank.yaml", tmp / f"out-{rows}", options)
    write_atomic(tmp / f"report-{rows}.json", summary.report())
    status = Path("/proc/self/status").read_text()
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    print(summary.failed, int(peak.split()[1]) // 1024)
"""


def test_memory_stays_flat_however_many_rows_fail(tmp_path: Path) -> None:
    """The parent's peak memory for 10,000 failed rows and for 40,000: within a few MB
    (it used to grow by some 700 bytes a row, 20 MB here; 293 MB for 100,000 rows)."""
    peaks = {}
    for rows in (10_000, 40_000):
        arguments = f"import sys; sys.argv[1:] = ['{rows}', {str(tmp_path)!r}]\n"
        done = run_python(arguments + textwrap.dedent(MEMORY), timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        failed, peaks[rows] = map(int, done.stdout.split())
        assert failed == rows + 1
        report = json.loads((tmp_path / f"report-{rows}.json").read_text(encoding="utf-8"))
        numbers = [error["row"] for error in report["errors"]]
        assert numbers == sorted(numbers) and numbers[-1] == rows + 1
        assert report["failed"] == rows + 1 and "interrupted" not in report
    assert peaks[40_000] - peaks[10_000] < 8, peaks


def test_the_streamed_report_is_the_summary_as_indented_json() -> None:
    summary = BatchSummary(rows=3, rendered=1, seconds=0.1234)
    assert b"".join(summary.report()).decode() == json.dumps(summary.as_dict(), indent=2) + "\n"
    for number in (3, 2):  # out of order, as results arrive
        summary.add(RowResult(number, number + 1, f"N-{number}", "failed", (), (
            Issue("vendor.name", "缺少必填项"), Issue("", "第二个问题"))))  # fmt: skip
    summary.interrupted = True
    data = summary.as_dict()
    assert [e["row"] for e in data["errors"]] == [2, 2, 3, 3]
    assert data["unfinished"] == 0 and data["failed"] == 2
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert b"".join(summary.report()).decode() == text


# --------------------------------------------------------------------------- one run a folder


def test_a_second_batch_on_a_held_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    args = ["batch", str(ROOT / "examples" / "engagements.csv"), "-p", str(BANK), "-o",
            str(out), "-f", "txt"]  # fmt: skip
    with output_lock(out):
        assert main(args) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "正由另一个 policygen batch" in err and f"process {os.getpid()}" in err
    assert [p.name for p in out.iterdir()] == [LOCK]
    assert main(args) == ExitCode.OK  # released: the next run goes ahead


def test_two_concurrent_batches_lose_no_manifest_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.csv"
    write_engagements_csv(rows, 30, spoil=False)
    out = tmp_path / "out"
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "docx,txt", "-j", "1"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    first = subprocess.Popen(
        [sys.executable, "-m", "policygen", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(f"*/{MANIFEST}")):
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        assert main([*args, "--force"]) == ExitCode.USAGE  # while the first one renders
        assert f"process {first.pid}" in capsys.readouterr().err
        stdout, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr.decode()[-2000:]
    assert "rendered 30, skipped 0, failed 0" in stdout.decode()
    for number in range(1, 31):
        folder = out / f"BT-2026-{number:04d}"
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        assert len(manifest["files"]) == 4, folder  # contract and SLA, DOCX and text
