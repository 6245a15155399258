"""The loader: formats, located syntax errors, unknown and duplicate keys, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policygen.errors import InvalidInputError
from policygen.profile.load import load_profile, load_profile_text, parse
from policygen.profile.types import credit_code_check_char

ROOT = Path(__file__).resolve().parents[2]
BANK_TEXT = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")


def _issues(text: str, fmt: str = "yaml") -> list:
    with pytest.raises(InvalidInputError) as caught:
        load_profile_text(text, fmt=fmt, name="p." + fmt)
    return caught.value.issues


def test_both_examples_load(bank_path: Path, manufacturer_path: Path) -> None:
    bank = load_profile(bank_path)
    maker = load_profile(manufacturer_path)
    assert bank.organisation.industry == "banking"
    assert bank.data_protection.processes_personal_info is True
    assert [bank.classification(e).critical for e in bank.engagements] == [True, True, False]
    assert [
        bank.section("data_protection", e).processes_personal_info for e in bank.engagements
    ] == [
        True,
        True,
        False,
    ]
    assert maker.data_protection.processes_personal_info is False
    assert [maker.classification(e).critical for e in maker.engagements] == [True]
    assert maker.policy.scope == ["BPO"]
    assert len(maker.engagements) == 1


def test_money_is_decimal_exactly_as_written(bank_path: Path) -> None:
    from decimal import Decimal

    amount = load_profile(bank_path).engagements[1].fee.amount
    assert isinstance(amount, Decimal)
    assert amount == Decimal("1234567.89")


def test_yaml_syntax_error_points_at_its_line() -> None:
    text = BANK_TEXT.replace("  short_name: 本行\n", "  short_name: [本行\n", 1)
    line = BANK_TEXT.splitlines().index("  short_name: 本行") + 1
    (issue,) = _issues(text)
    assert issue.location is not None
    assert issue.location.line is not None and abs(issue.location.line - line) <= 1
    assert "YAML" in issue.message


def test_tab_indentation_is_explained() -> None:
    (issue,) = _issues("meta:\n\tversion: V1\n")
    assert "制表符" in issue.message
    assert issue.location is not None and issue.location.line == 2


def test_unknown_key_suggests_the_right_one() -> None:
    text = BANK_TEXT.replace("  legal_representative: 周明远", "  legal_represntative: 周明远")
    issues = _issues(text)
    unknown = [i for i in issues if i.path == "organisation.legal_represntative"]
    assert unknown and "legal_representative" in unknown[0].message
    assert "是否想写" in unknown[0].message
    line = text.splitlines().index("  legal_represntative: 周明远") + 1
    assert unknown[0].location is not None and unknown[0].location.line == line
    # the now-missing real key is reported too
    assert any(i.path == "organisation.legal_representative" for i in issues)


def test_duplicate_yaml_key_is_an_error_with_its_line() -> None:
    text = BANK_TEXT.replace("  short_name: 本行\n", "  short_name: 本行\n  short_name: 我行\n", 1)
    (issue,) = _issues(text)
    assert "重复的键" in issue.message and "short_name" in issue.message
    assert issue.location is not None
    assert issue.location.line == text.splitlines().index("  short_name: 我行") + 1


def test_json_errors_are_located_and_duplicates_caught() -> None:
    data = parse(BANK_TEXT, fmt="yaml", name="x").data
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    assert load_profile_text(text, fmt="json").organisation.short_name == "本行"
    broken = text.replace('"short_name": "本行",', '"short_name": "本行",,', 1)
    (issue,) = _issues(broken, "json")
    assert issue.location is not None and issue.location.line is not None
    dup = text.replace('"short_name": "本行",', '"short_name": "本行", "short_name": "我行",', 1)
    (issue,) = _issues(dup, "json")
    assert "重复的键" in issue.message


def test_json_value_errors_carry_line_and_column() -> None:
    data = parse(BANK_TEXT, fmt="yaml", name="x").data
    data["vendor_selection"]["criteria"][2]["weight"] = 99
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    issues = _issues(text, "json")
    (issue,) = [i for i in issues if i.path == "vendor_selection.criteria[4].weight"]
    assert issue.location is not None and issue.location.column is not None
    assert '"weight"' in text.splitlines()[issue.location.line - 1]


def test_toml_loads_and_reports_syntax_errors() -> None:
    text = """
[meta]
effective_date = 2026-01-01
[organisation]
name = "示例科技股份有限公司"
credit_code = "91310000MA1K4X7B33"
address = "上海市"
legal_representative = "张三"
"""
    profile = load_profile_text(text, fmt="toml")
    assert profile.organisation.name == "示例科技股份有限公司"
    (issue,) = _issues(text.replace('address = "上海市"', "address = 上海市"), "toml")
    assert issue.location is not None and issue.location.line == 7


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BANK_TEXT.encode())))
    assert load_profile("-").organisation.name == "明远商业银行股份有限公司"


def test_missing_file_and_bad_extension(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="找不到文件"):
        load_profile(tmp_path / "none.yaml")
    other = tmp_path / "p.txt"
    other.write_text("meta: {}", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="扩展名"):
        load_profile(other)


def test_alias_bomb_fails_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    (issue,) = _issues("\n".join(lines) + "\n")
    assert "超过" in issue.message


def test_top_level_must_be_a_mapping() -> None:
    (issue,) = _issues("- a\n- b\n")
    assert "顶层" in issue.message


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=16, max_size=16))
def test_credit_code_check_characters_round_trip(first16: str) -> None:
    """Both check characters: position 17 (the embedded organisation code, GB 11714) and
    position 18 (the whole code, GB 32100)."""
    from pydantic import TypeAdapter

    from policygen.profile.types import CreditCode, organisation_code_check_char

    adapter = TypeAdapter(CreditCode)
    first17 = first16 + organisation_code_check_char(first16[8:16])
    code = first17 + credit_code_check_char(first17)
    assert adapter.validate_python(code) == code
    wrong = next(c for c in "0123456789" if c != code[-1])
    with pytest.raises(ValueError, match="第18位"):
        adapter.validate_python(first17 + wrong)
    wrong17 = next(c for c in "0123456789" if c != first17[-1])
    with pytest.raises(ValueError, match="第17位"):
        adapter.validate_python(first16 + wrong17 + credit_code_check_char(first16 + wrong17))


def test_organisation_code_check_character_vectors() -> None:
    """GB 11714-1997 worked examples: D2143569 → X; 12345678 → 8 (11 − 3 = 8)."""
    from policygen.profile.types import organisation_code_check_char

    assert organisation_code_check_char("D2143569") == "X"
    assert organisation_code_check_char("12345678") == "8"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("2小时", "2小时"),
        ("2h", "2小时"),
        ("15 min", "15分钟"),
        ("5个工作日", "5个工作日"),
        ({"value": 3, "unit": "month"}, "3个月"),
        ("1.5小时", "1.5小时"),
    ],
)
def test_durations_carry_units(raw: object, text: str) -> None:
    from policygen.profile.types import Duration

    assert str(Duration.parse(raw)) == text
