"""Each cross-field rule rejects a crafted bad profile, naming the right path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from policygen.errors import InvalidInputError
from policygen.profile.load import load_profile

ROOT = Path(__file__).resolve().parents[2]


def _bank() -> dict[str, Any]:
    from policygen.profile.load import parse

    text = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name="bank.yaml").data


BANK = _bank()


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    from policygen.profile.load import split_path

    parts = split_path(path)
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def _del(data: dict[str, Any], path: str) -> None:
    from policygen.profile.load import split_path

    parts = split_path(path)
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    del node[parts[-1]]


def _errors(mutate: Callable[[dict[str, Any]], None]) -> dict[str, str]:
    data = copy.deepcopy(BANK)
    mutate(data)
    with pytest.raises(InvalidInputError) as caught:
        load_profile(data)
    return {issue.path: issue.message for issue in caught.value.issues}


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "weights must sum to 100",
        lambda d: _set(d, "vendor_selection.criteria[2].weight", 25),
        "vendor_selection.criteria[4].weight",
        "合计应为 100",
    ),
    (
        "grading bands ordered",
        lambda d: _set(
            d,
            "vendor_selection.grading",
            [
                {"grade": "A", "label": "优", "min": 80, "max": 100, "consequence": "续约"},
                {"grade": "B", "label": "良", "min": 60, "max": 85, "consequence": "整改"},
            ],
        ),
        "vendor_selection.grading[1].max",
        "重叠",
    ),
    (
        "grading band within 0–100",
        lambda d: _set(
            d,
            "vendor_selection.grading",
            [{"grade": "A", "label": "优", "min": 90, "max": 120, "consequence": "续约"}],
        ),
        "vendor_selection.grading[0].max",
        "100",
    ),
    (
        "grading band min below max",
        lambda d: _set(
            d,
            "vendor_selection.grading",
            [{"grade": "A", "label": "优", "min": 90, "max": 80, "consequence": "续约"}],
        ),
        "vendor_selection.grading[0].max",
        "高于下限",
    ),
    (
        "credit tiers monotonic",
        lambda d: _set(d, "sla.credits.tiers[2].credit", 8),
        "sla.credits.tiers[2].credit",
        "递增",
    ),
    (
        "credit tiers descend by threshold",
        lambda d: _set(d, "sla.credits.tiers[1].below", 99.99),
        "sla.credits.tiers[1].below",
        "由好到差",
    ),
    (
        "credit tiers capped",
        lambda d: _set(d, "sla.credits.cap", 15),
        "sla.credits.tiers[3].credit",
        "上限",
    ),
    (
        "credits name an existing metric",
        lambda d: _set(d, "sla.credits.metric", "不存在的指标"),
        "sla.credits.metric",
        "不在 sla.metrics 中",
    ),
    (
        "response within resolution",
        lambda d: _set(d, "sla.severities[1].resolution", "20分钟"),
        "sla.severities[1].response",
        "响应时限",
    ),
    (
        "term end after start",
        lambda d: _set(d, "engagements[0].term.end", "2025-12-31"),
        "engagements[0].term.end",
        "应晚于起始日",
    ),
    (
        "effective date present",
        lambda d: _del(d, "meta.effective_date"),
        "meta.effective_date",
        "缺少必填项",
    ),
    (
        "organisation credit code check character",
        lambda d: _set(d, "organisation.credit_code", "91310000MA1K4X7B31"),
        "organisation.credit_code",
        "校验位",
    ),
    (
        "vendor credit code charset",
        lambda d: _set(d, "engagements[1].vendor.credit_code", "91330100MA2H7Q9TO6"),
        "engagements[1].vendor.credit_code",
        "非法字符",
    ),
    (
        "approval tiers ascending",
        lambda d: _set(d, "policy.approval_tiers[1].up_to", 400000),
        "policy.approval_tiers[1].up_to",
        "由低到高",
    ),
    (
        "only the last approval tier is open-ended",
        lambda d: _del(d, "policy.approval_tiers[0].up_to"),
        "policy.approval_tiers[0].up_to",
        "最后一档",
    ),
    (
        "percentages within 0–100",
        lambda d: _set(d, "risk.concentration_limit", 130),
        "risk.concentration_limit",
        "不大于 100",
    ),
    (
        "percent metric target within 0–100",
        lambda d: _set(d, "sla.metrics[0].target", 100.5),
        "sla.metrics[0].target",
        "0–100",
    ),
    (
        "payment schedule sums to 100",
        lambda d: _set(d, "engagements[0].fee.payment_schedule[2].percent", 20),
        "engagements[0].fee.payment_schedule[2].percent",
        "合计应为 100",
    ),
    (
        "arbitration needs a commission",
        lambda d: _del(d, "engagements[0].arbitration_commission"),
        "engagements[0].arbitration_commission",
        "仲裁机构",
    ),
    (
        "money has at most two decimals",
        lambda d: _set(d, "engagements[1].fee.amount", "100.001"),
        "engagements[1].fee.amount",
        "两位小数",
    ),
    (
        "duration needs a unit",
        lambda d: _set(d, "sla.severities[0].response", "15"),
        "sla.severities[0].response",
        "时长",
    ),
    (
        "contract numbers unique",
        lambda d: _set(d, "engagements[1].contract_no", "MY-ITO-2026-001"),
        "engagements[1].contract_no",
        "重复",
    ),
    (
        "contract number is file-name safe",
        lambda d: _set(d, "engagements[1].contract_no", "../etc/passwd"),
        "engagements[1].contract_no",
        "字母、数字",
    ),
    (
        "sensitive PI needs PI",
        lambda d: _set(d, "data_protection.processes_personal_info", False),
        "data_protection.sensitive_pi",
        "processes_personal_info",
    ),
    (
        "a contact's phone is a phone number",
        lambda d: _set(d, "organisation.contact.phone", "请致电王敏"),
        "organisation.contact.phone",
        "电话号码",
    ),
    (
        "a contact's e-mail is an address",
        lambda d: _set(d, "engagements[1].vendor.email", "wanglei@anheng"),
        "engagements[1].vendor.email",
        "电子邮箱",
    ),
    (
        "a contact can be reached",
        lambda d: _set(d, "organisation.contact", {"name": "王敏"}),
        "organisation.contact.phone",
        "联系电话",
    ),
    (
        "control characters rejected",
        lambda d: _set(d, "organisation.address", "上海市\x07浦东"),
        "organisation.address",
        "U+0007",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "path", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_rule_rejects_with_path(
    name: str, mutate: Callable[[dict[str, Any]], None], path: str, fragment: str
) -> None:
    errors = _errors(mutate)
    assert path in errors, f"{name}: expected an error at {path}, got {errors}"
    assert fragment in errors[path]


def test_the_untouched_example_is_valid() -> None:
    assert load_profile(copy.deepcopy(BANK)).organisation.short_name == "本行"


def test_five_mistakes_are_all_listed_with_lines(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")
    replacements = [
        ("credit_code: 91310000MA1K4X7B33", "credit_code: 91310000MA1K4X7B31"),
        ("      weight: 10\n", "      weight: 15\n"),
        ("\n      resolution: 8小时", "\n      resolution: 20分钟"),
        ("  pass_score: 75", "  pass_scor: 75"),
        ("      amount: 1234567.89", "      amount: 12.345"),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_profile(bad)
    issues = caught.value.issues
    lines = text.splitlines()
    assert len(issues) == 5
    for issue in issues:
        assert issue.location is not None and issue.location.line is not None
        assert issue.location.file == str(bad)
    by_path = {i.path: i.location.line for i in issues if i.location}
    assert "organisation.credit_code" in by_path
    assert "credit_code: 91310000MA1K4X7B31" in lines[by_path["organisation.credit_code"] - 1]
    assert "pass_scor" in lines[by_path["vendor_selection.pass_scor"] - 1]
    assert "amount: 12.345" in lines[by_path["engagements[1].fee.amount"] - 1]


def test_rules_still_run_beside_a_section_that_failed() -> None:
    """pydantic skips a model's rules when any of its fields fails; the loader runs them on the
    parts that validated, so that one pass lists everything."""

    def mutate(d: dict[str, Any]) -> None:
        _set(d, "meta.effective_date", "2026-02-30")  # Profile itself fails
        _set(d, "engagements[1].contract_no", "MY-ITO-2026-001")  # Profile's rule
        _set(d, "engagements[0].fee.payment_schedule[0].percent", 35)  # Fee's rule
        _set(d, "engagements[0].dispute_resolution", "arbitration")  # Engagement's rule …
        _del(d, "engagements[0].arbitration_commission")
        _set(d, "engagements[0].term.end", "2028-02-30")  # … beside its bad term
        _set(d, "engagements[1].vendor.credit_code", BANK["organisation"]["credit_code"])

    errors = _errors(mutate)
    assert "2026年2月只有28天" in errors["meta.effective_date"]
    assert "2028年2月只有29天" in errors["engagements[0].term.end"]
    assert "重复" in errors["engagements[1].contract_no"]
    assert "现为 105" in errors["engagements[0].fee.payment_schedule[2].percent"]
    assert "仲裁机构" in errors["engagements[0].arbitration_commission"]
    assert "与甲方相同" in errors["engagements[1].vendor.credit_code"]
    assert len(errors) == 6


def test_a_rule_needing_a_failed_field_waits_for_it() -> None:
    def mutate(d: dict[str, Any]) -> None:
        _set(d, "engagements[1].contract_no", "../x")  # Profile's rule reads every number
        _set(d, "engagements[0].contract_no", "MY-ITO-2026-001")

    assert list(_errors(mutate)) == ["engagements[1].contract_no"]


def test_yaml_round_trip_of_example_is_stable() -> None:
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load((ROOT / "examples" / "manufacturer.yaml").read_text(encoding="utf-8"))
    assert data["organisation"]["industry"] == "manufacturing"
