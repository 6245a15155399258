"""An SLA that fits the service: what each metric measures, service hours that match, recovery
objectives where continuity matters, credits on several metrics under one cap, and defaults
that differ by the kind of work."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest

from policygen.errors import InvalidInputError
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.writers import WRITERS
from sample_profiles import MINIMAL

ROOT = Path(__file__).resolve().parents[2]


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _sla(profile: Profile, contract_no: str) -> str:
    job = next(j for j in jobs(profile, ["sla"]) if j.engagement.contract_no == contract_no)
    document, _ = build_tree(profile, job)
    return WRITERS["txt"](document, writer_options()).decode()


@cache
def _bank() -> Profile:
    return load_profile(_data("bank"))


def test_infrastructure_and_application_slas_differ_where_they_should() -> None:
    infra, app = _sla(_bank(), "MY-ITO-2026-001"), _sla(_bank(), "MY-ITO-2026-002")
    assert "系统可用率 | 供配电系统、空调制冷系统" in infra
    assert "系统可用率 | 手机银行系统、网上银行系统" in app
    assert "巡检计划完成率" in infra and "巡检计划完成率" not in app
    assert "恢复时间目标（RTO）不超过四小时" in infra
    assert "恢复时间目标（RTO）不超过两小时" in app
    # credits on two metrics each, under one cap
    assert "系统可用率或者平均故障修复时间在一个统计周期内未达到目标值的" in infra
    assert "系统可用率或者变更成功率在一个统计周期内未达到目标值的" in app
    for text in (infra, app):
        assert "扣减比例累加" in text and "合计不超过当期服务费的20%" in text
    assert "平均故障修复时间 | 超过两小时，且不超过四小时 | 3%" in infra


def test_a_round_the_clock_service_has_round_the_clock_support() -> None:
    text = _sla(_bank(), "MY-ITO-2026-001")
    assert "服务时间为7×24小时" in text and "现场（人工）支持时间为7×24小时" in text
    data = copy.deepcopy(MINIMAL)
    data["sla"] = {"service_hours": "7×24小时", "support_hours": "工作日9:00—18:00"}
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    assert [i.path for i in error.value.issues] == ["sla.support_hours"]


@pytest.mark.parametrize(
    ("additional", "path"),
    [
        ([{"metric": "平均故障修复时间", "tiers": [{"below": 2, "credit": 3}]}],
         "sla.credits.additional[0].tiers[0].above"),
        ([{"metric": "不存在的指标", "tiers": [{"below": 2, "credit": 3}]}],
         "sla.credits.additional[0].metric"),
        ([{"metric": "平均故障修复时间", "tiers": [{"above": 4, "credit": 3}, {"above": 2, "credit": 6}]}],
         "sla.credits.additional[0].tiers[1].above"),
    ],
)  # fmt: skip
def test_credit_schedules_follow_their_metric(additional: list, path: str) -> None:
    data = copy.deepcopy(MINIMAL)
    data["sla"] = {"credits": {"additional": additional}}
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    assert path in [i.path for i in error.value.issues]


def test_business_process_work_gets_its_own_service_levels() -> None:
    data = copy.deepcopy(MINIMAL)
    data["engagements"][0]["scope"] = "BPO"
    profile = load_profile(data)
    sla = profile.section("sla", profile.engagements[0])
    assert [m.name for m in sla.metrics][:2] == ["作业准时完成率", "作业差错率"]
    assert "系统可用率" not in [m.name for m in sla.metrics]
    assert profile.sla.metrics[0].name == "系统可用率"  # the regulation keeps its own (ITO)
    text = _sla(profile, "EX-2026-001")
    assert "作业差错率 | 超过0.5%，且不超过1% | 3%" in text
