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


def test_checked_in_schema_is_current() -> None:
    checked_in = (ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8")
    assert checked_in == schema_json(), "schemas/ is stale: run `policygen schema -o schemas`"


def test_schema_command_writes_the_same_file(tmp_path: Path) -> None:
    assert main(["schema", "-o", str(tmp_path)]) == 0
    written = (tmp_path / "profile.schema.json").read_text(encoding="utf-8")
    assert written == schema_json()
    schema = json.loads(written)
    assert "vendor_selection" in schema["properties"]
