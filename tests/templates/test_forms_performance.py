"""Forms that measure what the regulation says is reviewed: the scorecard scores periodic
performance from the engagement's own SLA metrics; the risk register is pre-filled from the
engagement's facts, computes concentration per year with affiliates, and is signed business →
independent risk review → the approving authority."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from policygen.errors import InvalidInputError
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.templating.context import year_amount
from policygen.writers import WRITERS

ROOT = Path(__file__).resolve().parents[2]


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _text(profile: Profile, kind: str, contract_no: str) -> str:
    job = next(j for j in jobs(profile, [kind]) if j.engagement.contract_no == contract_no)
    document, _ = build_tree(profile, job)
    return WRITERS["txt"](document, writer_options()).decode()


def test_the_scorecard_scores_performance_not_selection() -> None:
    profile = load_profile(_data("bank"))
    text = _text(profile, "scorecard", "MY-ITO-2026-002")
    for criterion in profile.vendor_selection.performance_criteria:
        assert f"| {criterion.name} | {criterion.weight.normalize():f} |" in text
    for criterion in profile.vendor_selection.criteria:
        assert f"| {criterion.name} |" not in text  # selection stays with selection
    assert "准入评估" not in text and "准入分数线" not in text
    engagement = profile.engagements[1]
    for metric in profile.section("sla", engagement).metrics:
        assert f"| {metric.name} |" in text
    assert "使用部门：" in text


def test_work_on_the_premises_is_evaluated_for_safety_and_labour_compliance() -> None:
    text = _text(load_profile(_data("manufacturer")), "scorecard", "HY-BPO-2026-01")
    assert "安全生产 |" in text and "劳动用工合规 |" in text
    assert "重大信息安全事件" not in text and "生产安全事故" in text


def _share(profile: Profile, numbers: set[str], year: int) -> Decimal:
    mine = sum(year_amount(e, year) for e in profile.engagements if e.contract_no in numbers)
    total = sum(year_amount(e, year) for e in profile.engagements)
    return (mine * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _listed_only() -> dict:
    """The bank without its stated yearly total: concentration from the listed contracts."""
    data = copy.deepcopy(_data("bank"))
    data["risk"].pop("annual_outsourcing_total", None)
    return data


def test_the_risk_register_computes_concentration_per_year() -> None:
    profile = load_profile(_listed_only())
    text = _text(profile, "risk_register", "MY-ITO-2026-002")
    share = _share(profile, {"MY-ITO-2026-002"}, 2027)
    assert "2027年该服务提供商承接本行外包合同金额合计" in text
    assert f"占本行外包合同年度总金额的比例 | {share.normalize():f}%（上限30%）" in text
    assert "是否超过集中度上限 | 否" in text
    assert "审定：高级管理层" in text and "独立复核：风险管理部" in text
    assert "固有风险" in text and "剩余风险等级" in text


def test_affiliates_of_one_group_are_counted_together() -> None:
    data = _listed_only()
    for engagement in data["engagements"][:2]:
        engagement["vendor"]["group"] = "智维控股集团"
    profile = load_profile(data)
    text = _text(profile, "risk_register", "MY-ITO-2026-002")
    first, second = (e.contract_no for e in profile.engagements[:2])
    share = _share(profile, {first, second}, 2027)
    assert f"及其关联方（{profile.engagements[0].vendor.name}）" in text
    assert f"{share.normalize():f}%（上限30%）" in text
    assert share > 30 and "是否超过集中度上限 | 是：应当在签约前经高级管理层批准" in text


def test_an_organisation_total_replaces_the_profiles_own_sum() -> None:
    data = copy.deepcopy(_data("bank"))
    data["risk"]["annual_outsourcing_total"] = 100_000_000
    text = _text(load_profile(data), "risk_register", "MY-ITO-2026-002")
    assert "2027年本行外包合同总金额 | 100,000,000.00元\n" in text


def test_a_sensitive_category_must_be_marked_sensitive() -> None:
    data = copy.deepcopy(_data("bank"))
    data["data_protection"]["sensitive_categories"] = ["身份证件号码", "银行账号"]
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    messages = {i.path: i.message for i in error.value.issues}
    assert "data_protection.pi_categories[4]" in messages  # 交易记录
    assert "个人财产信息" in messages["data_protection.pi_categories[4]"]


def test_performance_weights_sum_to_one_hundred() -> None:
    data = copy.deepcopy(_data("manufacturer"))
    data["vendor_selection"]["performance_criteria"] = [
        {"name": "服务水平达成", "weight": 60},
        {"name": "安全生产", "weight": 30},
    ]
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    assert [i.path for i in error.value.issues] == [
        "vendor_selection.performance_criteria[1].weight"
    ]
