"""policygen batch: reading engagements files, per-row errors, parallel rendering, resuming."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from pathlib import Path

import pytest

import policygen
from policygen import batch as batch_module
from policygen.batch import MANIFEST, engagement_profile, organisation_data
from policygen.batch import run as batch_run
from policygen.batch import workers as batch_workers
from policygen.cli import main
from policygen.errors import InvalidInputError
from policygen.procs import worker_context
from policygen.profile.model import Profile
from policygen.readers.engagements import read_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BANK = EXAMPLES / "bank.yaml"

BAD_ROWS: dict[int, tuple[str, str]] = {
    7: ("vendor.credit_code", "统一社会信用代码校验位错误"),
    12: ("term.end", "应晚于起始日"),
    18: ("", "CSV 语法错误"),
    23: ("vendor.name", "缺少必填项"),
    29: ("arbitration_commission", "仲裁机构"),
    33: ("contract_no", "重复"),
    34: ("contract_no", "重复"),
}
"""Row number → (field path, part of the message) of the rows `write_engagements_csv` spoils."""


def write_engagements_csv(path: Path, rows: int, *, spoil: bool = True) -> None:
    """Write `rows` engagements to `path`, cycling through examples/engagements.csv with fresh
    contract numbers; with `spoil`, the rows in BAD_ROWS (when present) are made bad."""
    with (EXAMPLES / "engagements.csv").open(encoding="utf-8", newline="") as stream:
        header, *samples = list(csv.reader(stream))
    col = {name: i for i, name in enumerate(header)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for number in range(1, rows + 1):
        cells = list(samples[(number - 1) % len(samples)])
        cells[col["contract_no"]] = f"BT-2026-{number:04d}"
        bad = spoil and number in BAD_ROWS
        if bad and number == 7:
            code = cells[col["vendor.credit_code"]]
            cells[col["vendor.credit_code"]] = code[:17] + ("0" if code[17] != "0" else "1")
        elif bad and number == 12:
            cells[col["term.start"]], cells[col["term.end"]] = "2027-01-01", "2026-01-01"
        elif bad and number == 18:
            out.write('BT-2026-0018,"unterminated"oops,x\n')
            continue
        elif bad and number == 23:
            cells[col["vendor.name"]] = ""
        elif bad and number == 29:
            cells[col["dispute_resolution"]] = "arbitration"
            cells[col["arbitration_commission"]] = ""
        elif bad and number == 34:
            cells[col["contract_no"]] = "bt-2026-0033"  # the same number, in other case
        writer.writerow(cells)
    path.write_text(out.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------- reading rows


def test_csv_columns_lists_and_empty_cells() -> None:
    rows = list(read_rows(EXAMPLES / "engagements.csv"))
    assert [(r.number, r.line) for r in rows] == [(n, n + 1) for n in range(1, 6)]
    assert all(r.data is not None and not r.issues for r in rows)
    first, third = rows[0].data, rows[2].data
    assert first is not None and third is not None
    assert first["vendor"]["credit_code"] == "91310115MA1H8P2K27"
    assert len(first["services"]) == 3  # one cell, items separated by ；
    assert first["fee"]["payment_schedule"] == [
        {"milestone": first["fee"]["payment_schedule"][0]["milestone"], "percent": "100"}
    ]
    assert "payment_schedule" not in third["fee"]  # empty cells: the default schedule applies
    assert "arbitration_commission" not in third


def test_csv_and_jsonl_examples_are_the_same_engagements() -> None:
    org = organisation_data(policygen.load_profile(BANK))
    from_csv = [
        engagement_profile(org, r.data or {}) for r in read_rows(EXAMPLES / "engagements.csv")
    ]
    from_jsonl = [
        engagement_profile(org, r.data or {}) for r in read_rows(EXAMPLES / "engagements.jsonl")
    ]
    assert [p.engagements for p in from_csv] == [p.engagements for p in from_jsonl]


def test_csv_header_names_every_bad_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "contract_no,vendor.nmae,vendor,fee.payment_schedule,services,services[0],term.start,"
        "term.start,Fee,deliverables[1000]\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        list(read_rows(path))
    issues = {i.path: i.message for i in caught.value.issues}
    assert "是否想写「name」" in issues["vendor.nmae"]
    assert "vendor.name" in issues["vendor"]
    assert "fee.payment_schedule[0].milestone" in issues["fee.payment_schedule"]
    assert "不能同时使用" in issues["services"]
    assert "重复" in issues["term.start"]
    assert "字段路径" in issues["Fee"]
    assert "过大" in issues["deliverables[1000]"]
    assert all(i.location and i.location.line == 1 for i in caught.value.issues)


def test_csv_row_problems(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "contract_no,services[0],services[1]\n"
        "A-1,,second\n"  # a gap in a list
        "A-2,one,two,three\n"  # more cells than columns
        "\n"  # blank lines are not rows
        'A-3,"multi\nline",x\n'
        "A-4,one,two,,\n",  # empty trailing cells are fine
        encoding="utf-8",
    )
    rows = list(read_rows(path))
    assert [(r.number, r.line) for r in rows] == [(1, 2), (2, 3), (3, 5), (4, 7)]
    assert rows[0].issues[0].path == "services[0]" and "连续" in rows[0].issues[0].message
    assert "多于表头" in rows[1].issues[0].message
    assert rows[2].data == {"contract_no": "A-3", "services": ["multi\nline", "x"]}
    assert rows[3].data == {"contract_no": "A-4", "services": ["one", "two"]}


def test_csv_not_utf8_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("contract_no,title\nA-1,服务外包合同\n".encode("gbk"))
    with pytest.raises(InvalidInputError, match="CSV UTF-8"):
        list(read_rows(path))


def test_jsonl_rows_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"contract_no": "A-1"}\n'
        "\n"
        '{"contract_no": "A-2",}\n'
        '{"contract_no": "A-3", "contract_no": "A-4"}\n'
        "[1, 2]\n"
        '{"fee": {"amount": NaN}}\n'
        '{"fee": {"amount": 12.30}}\n',
        encoding="utf-8",
    )
    rows = list(read_rows(path))
    assert [(r.number, r.line) for r in rows] == [(1, 1), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7)]
    messages = [r.issues[0].message if r.issues else "" for r in rows]
    assert "第 3 行第 23 列 JSON 语法错误" in messages[1]
    assert "重复的键「contract_no」" in messages[2]
    assert "应为一个 JSON 对象" in messages[3]
    assert "NaN" in messages[4]
    assert rows[5].data is not None and str(rows[5].data["fee"]["amount"]) == "12.30"


def test_row_issues_are_relative_to_the_row() -> None:
    org = organisation_data(policygen.load_profile(BANK))
    row = next(read_rows(EXAMPLES / "engagements.jsonl")).data
    assert row is not None
    bad = {**row, "vendor": {**row["vendor"], "credit_code": "91310000MA1K4X7B33", "nmae": "x"}}
    with pytest.raises(InvalidInputError) as caught:
        engagement_profile(org, bad)
    issues = {i.path: i.message for i in caught.value.issues}
    assert "与甲方相同" in issues["vendor.credit_code"]  # a rule of the whole profile
    assert "是否想写「name」" in issues["vendor.nmae"]


# --------------------------------------------------------------------------- the command


def test_batch_renders_good_rows_reports_bad_ones_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "engagements.csv"
    write_engagements_csv(rows, 40)
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    args = ["batch", str(rows), "--profile", str(BANK), "-o", str(out), "-f", "docx", "-j", "2"]

    assert main([*args, "--report", str(report)]) == 1
    captured = capsys.readouterr()
    for number, (path, words) in BAD_ROWS.items():
        prefix = f"row {number}: {path}: " if path else f"row {number}: "
        assert any(
            line.startswith(prefix) and words in line for line in captured.err.splitlines()
        ), (number, captured.err)
    assert "row 18: 第 19 行 CSV 语法错误" in captured.err
    assert "40/40" in captured.err  # the progress bar ran to the end
    assert "rendered 33, skipped 0, failed 7" in captured.out, captured.err
    good = [n for n in range(1, 41) if n not in BAD_ROWS]
    for number in good:
        folder = out / f"BT-2026-{number:04d}"
        assert (folder / f"contract-BT-2026-{number:04d}.docx").stat().st_size > 10_000
        assert (folder / f"sla-BT-2026-{number:04d}.docx").is_file()
        assert (folder / MANIFEST).is_file()
    for number in BAD_ROWS:
        assert not (out / f"BT-2026-{number:04d}").exists()
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert (summary["rendered"], summary["skipped"], summary["failed"]) == (33, 0, 7)
    assert {e["row"] for e in summary["errors"]} == set(BAD_ROWS)
    assert next(e for e in summary["errors"] if e["row"] == 7)["line"] == 8

    # A second run renders only what changed: one row's fee, and one deleted file.
    text = rows.read_text(encoding="utf-8").replace("BT-2026-0001,", "BT-2026-0001,", 1)
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].replace("3860000.00", "3860001.00")
    rows.write_text("".join(lines), encoding="utf-8")
    (out / "BT-2026-0002" / "sla-BT-2026-0002.docx").unlink()
    before = (out / "BT-2026-0003" / "contract-BT-2026-0003.docx").stat().st_mtime_ns

    assert main(args) == 1
    captured = capsys.readouterr()
    assert "rendered 2, skipped 31, failed 7" in captured.out, captured.out
    assert (out / "BT-2026-0002" / "sla-BT-2026-0002.docx").is_file()
    assert (out / "BT-2026-0003" / "contract-BT-2026-0003.docx").stat().st_mtime_ns == before
    manifest = json.loads((out / "BT-2026-0002" / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"contract-BT-2026-0002.docx", "sla-BT-2026-0002.docx"}


def test_batch_jsonl_then_csv_of_the_same_engagements_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    common = ["--profile", str(BANK), "-o", str(out), "-f", "txt", "-d", "contract", "-j", "1"]
    assert main(["batch", str(EXAMPLES / "engagements.jsonl"), *common]) == 0
    assert "rendered 5, skipped 0, failed 0" in capsys.readouterr().out
    assert (out / "MY-ITO-2026-101" / "contract-MY-ITO-2026-101.txt").is_file()
    # The hash is of the validated engagement: the CSV holds the same values, so nothing to do.
    assert main(["batch", str(EXAMPLES / "engagements.csv"), *common]) == 0
    assert "rendered 0, skipped 5, failed 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["-d", "regulation"], 2, "policygen render"),
        (["-f", "odt"], 2, "未知的输出格式"),
        (["-d", "contract", "--profile", "missing.yaml"], 1, "找不到文件"),
    ],
)
def test_batch_usage_and_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], code: int, words: str
) -> None:
    args = ["batch", str(EXAMPLES / "engagements.csv"), "--profile", str(BANK), "-o", str(tmp_path)]
    assert main([*args, *extra]) == code
    assert words in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_batch_unknown_extension_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.xlsx"
    rows.write_bytes(b"")
    assert main(["batch", str(rows), "--profile", str(BANK), "-o", str(tmp_path / "o")]) == 2
    assert ".jsonl 或 .csv" in capsys.readouterr().err


# --------------------------------------------------------------------------- Typst rows pipelined


def test_plan_gives_a_typst_worker_two_jobs() -> None:
    from policygen.batch.workers import CHUNK, _plan
    from policygen.layout.typst_engine import TypstEngine
    from policygen.layout.weasyprint_engine import WeasyPrintEngine

    one, two = WeasyPrintEngine.cores, TypstEngine.cores
    assert (one, two) == (1, 2)
    assert _plan(2, 1000, one) == (2, 1)
    assert _plan(2, 1, one) == (1, 1)
    assert _plan(2, 1000, two) == (1, CHUNK)
    assert _plan(1, 1000, two) == (1, CHUNK)
    assert _plan(4, 1000, two) == (2, CHUNK)
    assert _plan(2, 10, two) == (1, 5)  # two tasks: the second waits in the queue
    assert _plan(8, 1, two) == (1, 1)


def _typst_worker(organisation: Profile, out: Path) -> batch_workers._Worker:
    """A batch worker rendering contracts as DOCX and Typst PDF into `out`."""
    return batch_workers._Worker(
        organisation=organisation_data(organisation),
        organisation_digest="o",
        templates_digest="t",
        kinds=batch_module.batch_kinds(["contract"]),
        formats=("docx", "pdf"),
        template_dirs=(),
        out=out,
        force=False,
        pdf_engine="typst",
    )


def test_typst_rows_pipelined_in_a_worker_keep_order_and_fail_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_render_rows` lays out one row's PDFs while it builds the next row: each row still
    gets its own files (the bytes rendering it alone gives), results come in row order, and a
    row whose PDF fails, or whose data is bad, fails alone and writes nothing."""
    from policygen.batch import workers as batch
    from policygen.layout.engine import Engines
    from policygen.layout.typst_engine import TypstEngine
    from policygen.pipeline import Job, render_job
    from policygen.profile.load import load_profile

    rows_file = tmp_path / "rows.csv"
    write_engagements_csv(rows_file, 8, spoil=False)
    rows = list(read_rows(rows_file))
    assert rows[4].data is not None
    rows[4].data["vendor"] = dict(rows[4].data["vendor"], name="")  # bad data
    organisation = load_profile(BANK)
    worker = _typst_worker(organisation, tmp_path / "out")
    real_compile = TypstEngine._pdf

    def compile_pdf(engine: TypstEngine, lane: object, source: str, *rest: object) -> bytes:
        if "BT-2026-0003" in source:
            raise policygen.errors.RenderError("Typst 排版失败：test")
        return real_compile(engine, lane, source, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(TypstEngine, "_pdf", compile_pdf)
    monkeypatch.setattr(batch, "_worker", worker)
    with Engines(processes=1) as engines:
        monkeypatch.setattr(batch, "_engines", engines)
        results = batch._render_rows(rows)

    assert [r.number for r in results] == [row.number for row in rows]
    status = {r.contract_no: r.status for r in results}
    assert status["BT-2026-0003"] == "failed"
    assert status["BT-2026-0005"] == "failed"
    assert [s for s in status.values() if s == "rendered"] == ["rendered"] * 6
    assert "Typst" in results[2].issues[0].message
    assert not (tmp_path / "out" / "BT-2026-0003").exists()  # nothing of the row, no manifest
    assert not (tmp_path / "out" / "BT-2026-0005").exists()
    row = rows[5]
    assert row.data is not None
    profile = engagement_profile(organisation_data(organisation), row.data)
    job = Job(batch_module.batch_kinds(["contract"])[0], profile.engagements[0])
    alone = render_job(profile, job, ["docx", "pdf"], pdf_engine="typst")
    folder = tmp_path / "out" / "BT-2026-0006"
    assert {name: (folder / name).read_bytes() for name in alone} == alone


def test_cli_batch_with_typst_renders_every_row(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    write_engagements_csv(rows, 20, spoil=False)
    out = tmp_path / "out"
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "docx,pdf", "-d",
            "contract", "-j", "2", "--pdf-engine", "typst"]  # fmt: skip
    assert main(args) == 0
    assert len(list(out.rglob("*.pdf"))) == 20
    assert len(list(out.rglob("*.docx"))) == 20


def test_a_typst_batch_worker_runs_one_typst_compiler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are pipelined one ahead in a worker, so a second Typst compiler would only add
    memory: the worker's engine session runs one layout process per engine."""
    from policygen.batch import workers as batch
    from policygen.layout.typst_engine import TypstEngine
    from policygen.profile.load import load_profile

    organisation = load_profile(BANK)
    worker = _typst_worker(organisation, tmp_path / "out")
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(batch, "warm_up", lambda *args: asked.append(args))
    monkeypatch.setattr(batch, "freeze_heap", lambda: None)  # would outlast the test
    monkeypatch.setattr(batch, "_worker", None)
    monkeypatch.setattr(batch, "_stop", None)
    monkeypatch.setattr(batch, "_engines", None)
    batch._init_worker(worker, worker_context().Event())
    ((formats, engine, engines),) = asked
    assert formats == ("docx", "pdf") and engine == "typst" and engines is batch._engines
    typst = engines.get("typst")
    assert isinstance(typst, TypstEngine) and typst.lane_count == 1
    batch._engines.close()


# --------------------------------------------------------------------------- what a user is told


def test_ctrl_c_while_the_workers_start_says_how_far_it_got(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the rows are counted but before any worker runs (the forkserver is
    starting) still prints the summary: how many rows were done, how many were not, and
    that running the command again resumes; the JSON report says the same."""
    rows = tmp_path / "engagements.csv"
    write_engagements_csv(rows, 6, spoil=False)
    out, report = tmp_path / "out", tmp_path / "report.json"

    def interrupt() -> None:  # Ctrl-C, as the terminal sends it
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(batch_run, "start_forkserver", interrupt)
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "txt", "--report",
            str(report)]  # fmt: skip
    assert main(args) == 130
    captured = capsys.readouterr()
    assert (
        "截至中断：生成 0 行" in captured.out and "rendered 0, skipped 0, failed 0" in captured.out
    )
    assert "已中断：已完成 0 行，另有 6 行未完成；重新运行同一命令即可续做" in captured.out
    assert "(interrupted: 0 rows done, 6 rows not done; run again to resume)" in captured.out
    assert captured.err.strip().splitlines()[-1] == "已中断 (interrupted)"
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert (summary["interrupted"], summary["unfinished"], summary["rows"]) == (True, 6, 6)


def test_an_error_that_is_not_an_interrupt_prints_no_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = tmp_path / "engagements.csv"
    write_engagements_csv(rows, 2, spoil=False)

    def fail() -> None:
        raise InvalidInputError([], "x", "输出目录")

    monkeypatch.setattr(batch_run, "start_forkserver", fail)
    assert (
        main(["batch", str(rows), "-p", str(BANK), "-o", str(tmp_path / "out"), "-f", "txt"]) == 1
    )
    captured = capsys.readouterr()
    assert "已中断" not in captured.out + captured.err and "输出目录有误" in captured.err


def test_a_csv_not_in_utf8_is_the_files_fault_not_the_profiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "gbk.csv"
    rows.write_bytes("contract_no,title\nA-1,服务外包合同\n".encode("gbk"))
    assert (
        main(["batch", str(rows), "-p", str(BANK), "-o", str(tmp_path / "out"), "-f", "txt"]) == 1
    )
    err = capsys.readouterr().err
    assert err.lstrip().startswith("合同清单有误：发现 1 处错误") and "配置有误" not in err
    assert "gbk.csv" in err and "CSV UTF-8" in err
