"""Where the 2021 measures (银保监办发〔2021〕141号) are specific, a bank's or insurer's regulation is
too; one exclusion rule with one name and one term for every organisation."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

from policygen.lint import lint_set
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.writers import WRITERS

ROOT = Path(__file__).resolve().parents[2]


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


@cache
def _regulation(example: str) -> tuple[str, dict[str, str]]:
    profile = load_profile(_data(example))
    document, refs = build_tree(profile, jobs(profile, ["regulation"])[0])
    return WRITERS["txt"](document, writer_options()).decode(), refs


def test_a_bank_reports_to_its_regulator_with_a_lead_time_and_a_deadline() -> None:
    text, _ = _regulation("bank")
    assert "在合同签订二十个工作日前报告" in text
    assert "在知悉后二十四小时内报告，监管规定的报告时限更短的，从其规定" in text
    assert "重要外包合同变更、提前终止或者更换服务提供商的" in text


def test_a_bank_has_its_it_committee_review_critical_it_contracts() -> None:
    text, _ = _regulation("bank")
    assert "并提交信息科技管理委员会审议" in text
    maker, _ = _regulation("manufacturer")
    assert "信息科技管理委员会" not in maker


def test_special_kinds_of_outsourcing_for_banks_and_insurers_only() -> None:
    text, refs = _regulation("bank")
    assert "special-outsourcing" in refs
    for words in ("非驻场集中式外包", "跨境外包", "同业外包", "关联外包", "独立交易原则"):
        assert words in text, words
    _, maker_refs = _regulation("manufacturer")
    assert "special-outsourcing" not in maker_refs


def test_one_exclusion_rule_with_one_name_and_one_term() -> None:
    for example in ("bank", "manufacturer"):
        text, _ = _regulation(example)
        assert "黑名单" not in text, example
        assert "列入禁止合作名单的期限为三年" in text, example
        assert "实施细则中规定" not in text, example
    data = copy.deepcopy(_data("manufacturer"))
    data["vendor_selection"]["exclusion_term"] = "5年"
    profile = load_profile(data)
    document, _ = build_tree(profile, jobs(profile, ["regulation"])[0])
    assert "列入禁止合作名单的期限为五年" in WRITERS["txt"](document, writer_options()).decode()


def test_lint_reports_blacklist_as_another_name_for_the_exclusion_list() -> None:
    data = copy.deepcopy(_data("manufacturer"))
    data.setdefault("vendor_selection", {})["grading"] = [
        {"grade": "A", "label": "合格", "min": 60, "max": 100, "consequence": "继续合作"},
        {"grade": "B", "label": "不合格", "min": 0, "max": 60, "consequence": "列入黑名单"},
    ]
    profile = load_profile(data)
    findings = lint_set(profile)
    assert any(f.rule == "glossary" and f.text == "黑名单" for f in findings), findings


def test_a_bank_names_its_regulator_as_it_now_is() -> None:
    """Since 2023 the bank's outsourcing regulator is 国家金融监督管理总局 and its local offices,
    not the former 银行业保险业监督管理机构 (review 3 item 31)."""
    text, _ = _regulation("bank")
    assert "监管部门，是指依法对本行履行监督管理职责的国家金融监督管理总局及其派出机构" in text
    assert "银行业保险业监督管理机构" not in text
