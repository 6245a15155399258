"""Calibrated liability: incident penalties by consequence, one liability cap with the customary
exclusions, insurance and a performance bond, and termination grounds each with its test."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from policygen.errors import InvalidInputError
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.writers import WRITERS

ROOT = Path(__file__).resolve().parents[2]


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _contract(profile: Profile, index: int = 0) -> tuple[str, dict[str, str]]:
    job = [j for j in jobs(profile, ["contract"])][index]
    document, refs = build_tree(profile, job)
    return WRITERS["txt"](document, writer_options()).decode(), refs


@cache
def _bank() -> tuple[str, dict[str, str]]:
    return _contract(load_profile(_data("bank")))


def _paragraph(text: str, number: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(number + "　"))


def test_incident_penalties_follow_the_consequence_not_the_mere_possibility() -> None:
    text, refs = _bank()
    clause = _paragraph(text, refs["contract-security-penalty"].strip("第条"))
    assert "并造成下表所列后果的" in clause and "按照金额最高的一项计算，不累加" in clause
    assert "未造成下表所列后果的，乙方应当赔偿甲方因此遭受的实际损失" in clause
    assert "造成甲方数据泄露、丢失或者篡改 | 500,000.00" in text


def test_one_cap_with_the_customary_exclusions() -> None:
    text, refs = _bank()
    cap = _paragraph(text, refs["contract-liability-cap"].strip("第条"))
    assert "累计不超过合同总价的100%，即人民币12,680,000.00元" in cap
    exclusions = _paragraph(text, refs["contract-cap-exceptions"].strip("第条"))
    for words in ("故意或者重大过失", "保密", "个人信息保护", "侵犯知识产权", "人身伤亡"):
        assert words in exclusions, words


def test_insurance_and_bond_are_stated_with_their_amounts() -> None:
    text, refs = _bank()
    assert "职业责任保险，累计赔偿限额不低于人民币5,000,000.00元" in text
    assert "网络安全保险" in text and "公众责任保险" not in text
    bond = _paragraph(text, refs["contract-performance-bond"].strip("第条"))
    assert "合同总价的5%，即人民币634,000.00元" in bond
    maker, _ = _contract(load_profile(_data("manufacturer")))
    assert "公众责任保险" in maker and "履约保函" not in maker and "职业责任保险" not in maker


def test_bond_and_policies_come_before_the_service_and_the_bond_has_a_fixed_expiry() -> None:
    """The registers' condition asks for them before the service starts (2027-02-01); the
    guarantee runs to a date, a month after the six-month transition from the term's end, and
    is extended while the exit duties remain."""
    text, refs = _bank()
    bond = _paragraph(text, refs["contract-performance-bond"].strip("第条"))
    assert "签订之日起十五个工作日内，且在服务期开始之日（2027年2月1日）前" in bond
    assert "有效期至2030年8月31日；" in bond and "延长保函有效期或者提交同等条件的替代保函" in bond
    policies = _paragraph(text, refs["contract-insurance-evidence"].strip("第条"))
    assert "签订之日起三十日内，且在服务期开始之日（2027年2月1日）前" in policies


def test_an_evaluation_passed_is_the_lowest_passing_grade_and_a_fail_defers_payment() -> None:
    text, refs = _bank()
    passed = _paragraph(text, refs["contract-evaluation-pass"].strip("第条"))
    assert "综合得分不低于60分，即评定为C级（合格）以上" in passed
    assert "评定为D级（不合格）的，甲方有权暂缓支付该期服务费" in passed
    # The grades are the profile's: a table with another passing grade gives its words.
    data = _data("bank")
    data.setdefault("vendor_selection", {})["grading"] = [
        {"grade": "甲", "label": "优秀", "min": 85, "max": 100, "consequence": "优先续约"},
        {"grade": "乙", "label": "合格", "min": 65, "max": 85, "consequence": "正常合作"},
        {"grade": "丙", "label": "不合格", "min": 0, "max": 65, "consequence": "启动退出程序"},
    ]
    other, refs = _contract(load_profile(data))
    assert "综合得分不低于65分，即评定为乙级（合格）以上" in other
    assert "评定为丙级（不合格）的" in other


def test_survival_adds_logs_law_notices_and_audit_for_three_years() -> None:
    text, refs = _bank()
    survival = _paragraph(text, refs["contract-survival"].strip("第条"))
    for ref in ("contract-logs", "contract-governing-law", "contract-notices"):
        assert refs[ref] in survival, ref
    assert f"{refs['contract-audit']}在退出起算日后三年内继续有效" in survival


def test_confidentiality_and_incident_damages_do_not_add_up() -> None:
    text, refs = _bank()
    damages = _paragraph(text, refs["contract-confidentiality-damages"].strip("第条"))
    assert "金额较高的一项计算，不累加" in damages


def test_termination_grounds_are_the_contracts_own_each_with_its_test() -> None:
    text, refs = _bank()
    start = text.index(_paragraph(text, refs["contract-termination-by-client"].strip("第条")))
    grounds = text[
        start : text.index(
            _paragraph(text, refs["contract-termination-consequences"].strip("第条"))
        )
    ]
    assert "持续未达标" in grounds and "所列后果" in grounds
    # the regulation's wording is not pasted into the contract
    for words in ("严重违约或者连续未达到服务水平要求", "监管政策变化导致外包无法继续", "本单位"):
        assert words not in grounds, words


def _one(**penalties: object) -> dict:
    data = copy.deepcopy(_data("bank"))
    data["engagements"] = data["engagements"][:1]
    data["engagements"][0]["penalties"] = {"delay_rate_per_day": 0.05, "cap": 20, **penalties}
    return data


@pytest.mark.parametrize(
    ("changes", "cap", "path", "words"),
    [
        ({"security_breach": 1, "security_incidents": [{"consequence": "泄露", "amount": 1}]}, 100,
         "engagements[0].penalties.security_breach", "只能写一项"),
        ({"security_incidents": [{"consequence": "重", "amount": 9}, {"consequence": "轻", "amount": 1}]},
         100, "engagements[0].penalties.security_incidents[1].amount", "自轻至重"),
        ({"security_breach": 20_000_000}, 100, "engagements[0].penalties.security_breach",
         "超过责任上限"),
        ({"cap": 20}, 10, "engagements[0].penalties.cap", "超过责任上限"),
    ],
)  # fmt: skip
def test_penalties_that_contradict_themselves_or_the_cap_are_refused(
    changes: dict, cap: int, path: str, words: str
) -> None:
    data = _one(**changes)
    data["engagements"][0]["liability"] = {"cap_percent": cap}
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    messages = {i.path: i.message for i in error.value.issues}
    assert path in messages and words in messages[path], messages


def test_without_a_cap_no_cap_clause_and_no_cap_check() -> None:
    data = _one(security_breach=50_000_000)
    data["engagements"][0]["liability"] = {"cap_percent": None}
    profile = load_profile(data)
    assert profile.engagements[0].penalties.incident_tiers[0].amount == Decimal(50_000_000)
    text, refs = _contract(profile)
    assert "contract-liability-cap" not in refs
    assert "不适用于乙方因故意或者重大过失造成的损失" in text
