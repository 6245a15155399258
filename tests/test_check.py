"""`policygen check`: each required element is covered by a numbered clause, or named missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.check import check, requirements
from policygen.profile.load import load_profile, parse

ROOT = Path(__file__).resolve().parents[1]


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_examples_pass(example: str) -> None:
    findings = check(load_profile(ROOT / "examples" / f"{example}.yaml"))
    missing = [f for f in findings if not f.covered]
    assert findings and not missing, missing
    for finding in findings:
        assert finding.number, finding
    assert sum(f.number.startswith("第") for f in findings) > len(findings) * 0.9


def test_rules_that_apply_differ_by_organisation() -> None:
    bank = {f.element for f in check(load_profile(ROOT / "examples" / "bank.yaml"))}
    maker = {f.element for f in check(load_profile(ROOT / "examples" / "manufacturer.yaml"))}
    assert {"R20", "C21", "D01", "D08", "R24"} <= bank
    assert not {"R20", "C21", "D01", "D08", "R24"} & maker
    assert {"R01", "C02", "S05"} <= maker


def test_missing_breach_notification_fails_naming_the_element(tmp_path: Path) -> None:
    data = _data("bank")
    del data["data_protection"]["breach_notification"]
    profile = tmp_path / "bank.json"
    profile.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "policygen", "check", "--json", str(profile)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    missing = [f for f in report["findings"] if not f["covered"]]
    assert {f["element"] for f in missing} == {"D08"}
    assert all("breach_notification" in f["reason"] for f in missing)
    assert report["ok"] is False


def test_an_excluded_clause_leaves_its_element_missing() -> None:
    data = _data("manufacturer")
    data["clauses"] = {"exclude": ["contract-governing-law"]}
    missing = [f for f in check(load_profile(data)) if not f.covered]
    assert [f.element for f in missing] == ["C14"]


def test_terminal_table_lists_clause_numbers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "policygen", "check", str(ROOT / "examples" / "manufacturer.yaml")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "R01" in result.stdout and "第一条" in result.stdout


def test_requirements_name_only_known_flags_and_kinds() -> None:
    from policygen.kinds import DOCUMENT_KINDS

    for key, element in requirements().items():
        assert element.document in DOCUMENT_KINDS, key


def test_every_bundled_element_records_how_its_source_was_read() -> None:
    table = requirements()
    assert all(element.confidence for element in table.values() if element.marks())
    assert table["D08"].confidence == "V"  # 个人信息保护法, read in its own text
    assert "V" not in table["R05"].confidence  # article numbers from a law-firm summary


def test_check_marks_sources_read_only_in_secondary_summaries() -> None:
    findings = check(load_profile(ROOT / "examples" / "bank.yaml"))
    by_element = {f.element: f.as_dict() for f in findings}
    assert by_element["R05"]["verified"] is False
    assert by_element["D08"]["verified"] is True
