"""The command line: exit codes, located messages, init, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.cli import main
from policygen.profile.schema import schema_json

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policygen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("policygen ")


def test_validate_ok_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "examples" / "bank.yaml")]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "examples" / "manufacturer.yaml")
        .read_text(encoding="utf-8")
        .replace("  pass_score: 70", "  pass_scroe: 70"),
        encoding="utf-8",
    )
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "vendor_selection.pass_scroe" in err and "pass_score" in err


def test_validate_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: {}\n", encoding="utf-8")
    assert main(["validate", "--json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    paths = {e["path"] for e in report["errors"]}
    assert {"meta.effective_date", "organisation"} <= paths


def _three_mistakes(tmp_path: Path) -> tuple[Path, dict[str, tuple[int, int]]]:
    """Return the bank example with an unknown clause id, 2026-02-30 and a payment schedule
    summing to 105, and where each mistake is (line, column)."""
    text = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")
    text = text.replace("effective_date: 2027-01-01", "effective_date: 2026-02-30", 1)
    first = text.index("          percent: 30\n")  # the first engagement's first installment
    text = text[:first] + "          percent: 35\n" + text[first + len("          percent: 30\n") :]
    text += "\nclauses:\n  exclude:\n    - vendor-critera\n"
    lines = text.splitlines()
    third = lines.index("          percent: 30") + 1  # the first now left: the third
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    return bad, {
        "meta.effective_date": (lines.index("  effective_date: 2026-02-30") + 1, 3),
        "engagements[0].fee.payment_schedule[2].percent": (third, 11),
        "clauses.exclude[0]": (lines.index("    - vendor-critera") + 1, 7),
    }


def test_validate_lists_every_mistake_at_once_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, where = _three_mistakes(tmp_path)
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "发现 3 处错误" in err
    for path, (line, column) in where.items():
        assert f"{bad}:{line}:{column}: {path}: " in err, err
    assert "2026年2月只有28天 (February 2026 has 28 days)" in err
    assert "付款比例合计应为 100，现为 105" in err
    assert (
        "「vendor-critera」，是否想写「vendor-criteria」？ (unknown clause id; did you mean vendor-criteria?)"
        in err
    )

    assert main(["validate", "--json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    found = {e["path"]: (e["file"], e["line"], e["column"]) for e in report["errors"]}
    assert found == {path: (str(bad), *at) for path, at in where.items()}


def test_render_reports_the_same_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, where = _three_mistakes(tmp_path)
    out = tmp_path / "out"
    assert main(["render", str(bad), "-f", "md", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    for path, (line, column) in where.items():
        assert f"{bad}:{line}:{column}: {path}: " in err, err
    assert not out.exists()


def test_render_refuses_to_remove_a_clause_others_refer_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "examples" / "manufacturer.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "\nclauses:\n  exclude: [approval-tiers]\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    said = capsys.readouterr().err
    assert main(["render", str(bad), "-d", "regulation", "-f", "md", "-o", str(tmp_path)]) == 1
    assert capsys.readouterr().err == said
    assert "clauses.exclude[0]: regulation 中条款「critical-approval」" in said
    assert "引用了条款「approval-tiers」，删除后引用将无所指" in said
    assert not (tmp_path / "regulation.md").exists()


def test_validate_from_stdin() -> None:
    text = (ROOT / "examples" / "manufacturer.yaml").read_text(encoding="utf-8")
    result = run("validate", "-", stdin=text)
    assert result.returncode == 0, result.stderr


def test_usage_errors_exit_2() -> None:
    assert run("validate").returncode == 2
    assert run("no-such-command").returncode == 2


def test_init_writes_a_valid_commented_profile(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "policygen.yaml").read_text(encoding="utf-8")
    assert "# 施行日期" in text or "施行日期" in text
    for section in ("meta:", "vendor_selection:", "sla:", "exit:", "engagements:"):
        assert section in text
    assert "breach_notification:" in text  # defaults are visible, even empty ones
    assert main(["validate", str(tmp_path / "policygen.yaml")]) == 0
    assert main(["init", str(tmp_path)]) == 1  # never overwrites silently


def test_validate_warns_while_the_starters_sample_values_are_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    path = tmp_path / "policygen.yaml"
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    warned = capsys.readouterr().err
    for where in ("organisation.name", "organisation.legal_representative",
                  "engagements[0].vendor.name"):  # fmt: skip
        assert f"{where}: 仍是起始配置的示例值" in warned, warned
    assert main(["validate", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True and len(report["warnings"]) == 6
    path.write_text(path.read_text(encoding="utf-8").replace("【请替换】", ""), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "提示" not in capsys.readouterr().err


def test_checked_in_schema_is_current() -> None:
    checked_in = (ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8")
    assert checked_in == schema_json(), "schemas/ is stale: run `policygen schema -o schemas`"


def test_schema_command_writes_the_same_file(tmp_path: Path) -> None:
    assert main(["schema", "-o", str(tmp_path)]) == 0
    written = (tmp_path / "profile.schema.json").read_text(encoding="utf-8")
    assert written == schema_json()
    schema = json.loads(written)
    assert "vendor_selection" in schema["properties"]


def test_schema_goes_to_standard_output_unless_a_folder_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"]
    assert not (tmp_path / "schemas").exists()  # nothing written silently


# --------------------------------------------------------------------------- at 80 columns


def _invoke_at(width: int, *args: str) -> str:
    """Return what the command line prints for `args`, run by Click's CliRunner (piped) on a
    console `width` columns wide."""
    from rich.console import Console
    from typer.testing import CliRunner

    from policygen import cli

    original = cli.out
    cli.out = Console(highlight=False, soft_wrap=True, width=width, color_system=None)
    try:
        env = {"COLUMNS": str(width), "TERMINAL_WIDTH": str(width)}
        result = CliRunner().invoke(cli.app, list(args), env=env)
    finally:
        cli.out = original
    assert result.exit_code == 0, result.output
    return result.output


def _commands() -> list[str]:
    from typer.main import get_command

    from policygen.cli import app

    return ["", *get_command(app).commands]  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", _commands())
def test_help_is_whole_at_80_columns(command: str) -> None:
    """Every option's and command's help is printed whole: wrapped, never cut with …; flags
    show no type, options a short placeholder (DIR, N) instead of <list[Path]>."""
    from rich.cells import cell_len

    shown = _invoke_at(80, *([command] if command else []), "--help")
    lines = shown.splitlines()
    assert "…" not in shown, "\n".join(line for line in lines if "…" in line)
    assert max(cell_len(line) for line in lines) <= 80
    options = [line for line in lines if " --" in line and "--help" not in line]
    types = ("<bool>", "<str>", "<path>", "<int", "<list")
    assert not [line for line in options if any(t in line for t in types)], options


def test_list_aligns_its_columns_by_display_width_and_names_conditions() -> None:
    from rich.cells import cell_len

    from policygen.kinds import DOCUMENT_KINDS

    lines = _invoke_at(80, "list").splitlines()
    rows = {line.split()[0]: line for line in lines if line.split()[0] in DOCUMENT_KINDS}
    assert set(rows) == set(DOCUMENT_KINDS)
    for column in (1, 2):  # the template and the scope start at the same display column
        starts = set()
        for name, line in rows.items():
            word = line.split()[column]
            starts.add(cell_len(line[: line.index(word, len(name))]))
        assert len(starts) == 1, (column, rows)
    assert "（仅委托处理个人信息时）" in rows["dpa"]
    assert "（仅乙方人员在甲方场所工作时）" in rows["safety"]
    assert max(cell_len(line) for line in lines) <= 80


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["--version"], ("typer", "rich", "policygen.cli", "policygen.pipeline")),
        (["--help"], ("policygen.pipeline", "policygen.tree.nodes", "jinja2", "pydantic")),
    ],
)
def test_version_and_help_start_without_the_pipeline(
    args: list[str], absent: tuple[str, ...]
) -> None:
    """``policygen --version`` loads no command line at all, ``--help`` no pipeline (their
    time is in bench/RESULTS.md, not asserted here)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "policygen", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    assert not imported & set(absent), sorted(imported & set(absent))
    assert ("policygen 0.1.0" in run.stdout) == (args == ["--version"])
