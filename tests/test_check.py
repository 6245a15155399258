"""`policygen check`: each required element is covered by a numbered clause, or named missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.check import check, requirements
from policygen.errors import PolicygenError
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
    for finding in findings:  # the article number; the parties block at the head has none
        assert finding.number.startswith("第") or finding.clause == "contract-party-client"
        assert finding.number or finding.element == "C02", finding
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


def test_an_excluded_clause_leaves_its_element_missing_and_says_so() -> None:
    data = _data("manufacturer")
    data["clauses"] = {"exclude": ["contract-governing-law"]}
    missing = [f for f in check(load_profile(data)) if not f.covered]
    assert [f.element for f in missing] == ["C14"]
    (finding,) = missing
    assert finding.reason == "已按配置排除（clauses.exclude: contract-governing-law）"
    assert finding.as_dict()["excluded"] == finding.clause == "contract-governing-law"


def test_the_parties_block_has_no_article_number() -> None:
    """C02 is covered by the parties block at the contract's head: it has no number, and the
    number column does not show the party line instead."""
    findings = check(load_profile(ROOT / "examples" / "manufacturer.yaml"))
    (c02,) = [f for f in findings if f.element == "C02"]
    assert c02.covered and c02.clause == "contract-party-client" and c02.number == ""


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


# --------------------------------------------------------------------------- the terminal


def _run_check(args: list[str], *, width: int, terminal: bool, env: dict[str, str]) -> str:
    """Return what ``policygen check`` prints, run by Click's CliRunner (piped) with a console
    `width` columns wide that is a terminal when `terminal`."""
    from rich.console import Console
    from typer.testing import CliRunner

    from policygen import cli

    original = cli.out
    cli.out = Console(highlight=False, soft_wrap=True, width=width, force_terminal=terminal,
                      color_system=None)  # fmt: skip
    try:
        result = CliRunner().invoke(cli.app, args, env={"COLUMNS": str(width), **env})
    finally:
        cli.out = original
    assert result.exit_code in (0, 1), result.output
    return result.output


def _widths(text: str) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for line in text.splitlines())


def _intact(text: str, *words: str) -> None:
    """Assert that each of `words` is printed whole on some line."""
    for word in words:
        assert any(word in line for line in text.splitlines()), word


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
def test_check_at_80_columns_fits_and_keeps_ids_whole(terminal: bool) -> None:
    bank = ROOT / "examples" / "bank.yaml"
    shown = _run_check(["check", str(bank)], width=80, terminal=terminal, env={})
    findings = check(load_profile(bank))
    assert _widths(shown) <= 80
    assert len(shown.splitlines()) < 2 * len(findings)  # one line an element, titles wrapping
    for f in findings:
        _intact(shown, f.element, f.clause, f.document, f.number or "—")
    assert "missing" not in shown and "缺失" not in shown


def test_check_names_an_exclusion_in_chinese_at_80_columns(tmp_path: Path) -> None:
    data = _data("manufacturer")
    data["clauses"] = {"exclude": ["contract-governing-law"]}
    profile = tmp_path / "excluded.json"
    profile.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    shown = _run_check(["check", str(profile)], width=80, terminal=False, env={})
    assert _widths(shown) <= 80
    (row,) = [line for line in shown.splitlines() if " C14 " in f" {line} "]
    assert row.startswith("缺失") and "contract-governing-law" in row
    assert "已按配置排除（clauses.exclude:" in shown and "可能已被删除" not in shown
    _intact(shown, "contract-governing-law）")
    assert "missing" not in shown


def test_check_on_a_wide_terminal_shows_the_basis_in_one_table() -> None:
    shown = _run_check(["check", str(ROOT / "examples" / "manufacturer.yaml")], width=200,
                       terminal=True, env={})  # fmt: skip
    assert _widths(shown) <= 200
    header = next(line for line in shown.splitlines() if "依据" in line)
    assert all(name in header for name in ("要素", "名称", "文档", "条款", "条号", "结果"))
    (c02,) = [line for line in shown.splitlines() if "│ C02 " in line]
    assert "contract-party-client" in c02 and "│ —" in c02 and "甲方" not in c02
    _intact(shown, "contract-HY-BPO-2026-01", "sla-recovery-objectives")


def test_the_readmes_example_is_the_commands_output() -> None:
    """README.md shows `COLUMNS=80 policygen check examples/manufacturer.yaml` as it prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = "`COLUMNS=80 policygen check examples/manufacturer.yaml`):\n\n```\n"
    shown = readme[readme.index(head) + len(head) :].split("```", 1)[0]
    printed = _run_check(["check", str(ROOT / "examples" / "manufacturer.yaml")], width=80,
                         terminal=False, env={})  # fmt: skip
    assert shown.splitlines() == [line.rstrip() for line in printed.splitlines()]


def test_a_critical_engagement_without_its_assessment_leaves_the_register_incomplete() -> None:
    """A 重要外包 whose pre-signing assessment is not given: the register prints 【待填写】 and
    `policygen check` names the assessment, the exit plan and the PI impact assessment missing,
    each with the profile value it needs; a general engagement is not asked for them."""
    data = _data("bank")
    del data["engagements"][0]["assessment"]
    profile = load_profile(data)
    missing = {(f.element, f.document): f for f in check(profile) if not f.covered}
    register = "risk_register-MY-ITO-2026-001"
    assert set(missing) == {("R10a", register), ("R21a", register), ("R24a", register)}
    assert missing["R10a", register].reason == "配置未填写 engagement.assessment.date"
    assert missing["R21a", register].reason == "配置未填写 engagement.assessment.exit_plan"
    assert missing["R24a", register].reason == "配置未填写 engagement.assessment.pia_date"
    assert missing["R10a", register].number == "第六条"


def test_an_assessment_is_checked_against_the_scales_and_the_signing_date() -> None:
    data = _data("bank")
    data["engagements"][0]["assessment"]["ratings"][0]["category"] = "操作风险"
    with pytest.raises(PolicygenError, match=r"ratings\[0\]\.category.*操作风险"):
        load_profile(data)
    data = _data("bank")
    assessment = data["engagements"][0]["assessment"]
    assessment["ratings"][1]["likelihood"] = 6
    assessment["pia_date"] = "2027-02-01"  # after the signing date, 2027-01-15
    with pytest.raises(PolicygenError) as raised:
        load_profile(data)
    text = str(raised.value)
    assert "engagements[0].assessment.ratings[1].likelihood" in text
    assert "engagements[0].assessment.pia_date" in text and "签约前" in text


def _register(data: dict) -> str:
    from policygen.pipeline import build_document, jobs
    from policygen.writers.text import document_text

    profile = load_profile(data)
    job = next(j for j in jobs(profile, ["risk_register"]) if j.stem.endswith("MY-ITO-2026-001"))
    return document_text(build_document(profile, job))


def test_a_register_reports_steps_done_by_its_date_and_the_report_due() -> None:
    """A register dated before the steps it reports done is refused; an advance report later
    than the regulation's twenty working days before signing is refused; where a report is due
    the register prints its latest date, counted Monday to Friday back from the signing date."""
    data = _data("bank")
    data["engagements"][0]["assessment"]["exit_plan_tested"] = "2026-12-20"  # after 2026-12-04
    with pytest.raises(PolicygenError, match=r"assessment\.exit_plan_tested.*评估日期"):
        load_profile(data)
    data = _data("bank")
    data["engagements"][0]["facts"]["data_centre"] = True
    data["engagements"][0]["assessment"]["report_date"] = "2026-12-21"
    with pytest.raises(PolicygenError, match=r"report_date.*2026-12-18"):
        load_profile(data)
    data["engagements"][0]["assessment"]["report_date"] = "2026-12-16"
    text = _register(data)
    assert "报告至迟于2026年12月18日提交" in text and "报告日期：2026年12月16日" in text


def test_a_completed_register_ticks_its_recipients_and_leaves_no_blank_row() -> None:
    text = _register(_data("bank"))
    assert "评估结果报送 | 高级管理层、董事会" in text  # 12,680,000 yuan: the board approves
    assert "其他风险（请注明）" not in text and "□" not in text.split("第十条")[1]
    assert "于2026年12月3日以桌面推演方式测试，计划于2028年1月31日前完成首次实地测试" in text
    assert "签约前不适用" in text  # the indicators' current values, before any service
    conditional = text.split("有条件同意。条件：")[1].split(" |")[0]
    assert conditional.startswith("服务期开始后三个月内完成一次同城灾备中心切换演练")
    assert "会同风险管理部、法律合规部等部门" in text


def test_a_register_prints_a_first_exit_plan_test_still_planned_and_unnamed_conditions() -> None:
    data = _data("bank")
    done = data["engagements"][0]["assessment"]
    for name in ("exit_plan_tested", "exit_plan_test_method", "exit_plan_next_test"):
        del done[name]
    done["exit_plan_test_due"] = "2027-01-08"
    del done["conditions"]
    text = _register(data)
    assert "尚未测试，计划于2027年1月8日前完成首次测试" in text
    assert "有条件同意。条件：【待填写：同意签约的条件】" in text
