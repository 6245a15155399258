"""Dates: ISO and Chinese spellings read alike; an impossible date is named, with its reason."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from policygen.errors import InvalidInputError
from policygen.profile.load import load_profile_text, parse
from policygen.profile.meta import Meta
from policygen.profile.schema import profile_schema
from policygen.profile.types import date_problem

ROOT = Path(__file__).resolve().parents[2]
BANK_TEXT = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")


def _issues(text: str, fmt: str = "yaml") -> dict[str, tuple[str, int | None, int | None]]:
    with pytest.raises(InvalidInputError) as caught:
        load_profile_text(text, fmt=fmt, name="p." + fmt)
    return {
        i.path: (
            i.message,
            i.location.line if i.location else None,
            i.location.column if i.location else None,
        )
        for i in caught.value.issues
    }


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-01",
        "2026-3-1",
        "2026年3月1日",
        "2026年03月01日",
        "２０２６年３月１日",
        " 2026 年 3 月 1 日 ",
    ],
)
def test_chinese_and_iso_dates_read_alike(written: str) -> None:
    assert Meta.model_validate({"effective_date": written}).effective_date == date(2026, 3, 1)


def test_a_chinese_date_in_a_profile_equals_the_iso_one() -> None:
    iso = load_profile_text(BANK_TEXT, name="bank.yaml")
    chinese = load_profile_text(
        BANK_TEXT.replace("effective_date: 2027-01-01", "effective_date: 2027年1月1日")
        .replace("start: 2027-03-01", "start: 2027年3月1日")
        .replace("date: 2023-06-30", "date: '2023年6月30日'"),
        name="bank.yaml",
    )
    assert chinese == iso


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2026-02-29", "2026年2月只有28天 (February 2026 has 28 days)"),
        ("2026-04-31", "2026年4月只有30天 (April 2026 has 30 days)"),
        ("2026-13-01", "月份应在 1–12 之间，现为 13 (month must be within 1–12)"),
        ("2026年2月30日", "2026年2月只有28天 (February 2026 has 28 days)"),
        ("2026-02-00", "日应从 1 开始，现为 0 (day must be at least 1)"),
    ],
)
def test_an_impossible_date_gives_its_reason(written: str, reason: str) -> None:
    text = BANK_TEXT.replace("effective_date: 2027-01-01", f"effective_date: {written}")
    message, line, column = _issues(text)["meta.effective_date"]
    assert message == f"日期「{written}」无效：{reason}"
    assert (line, column) == (8, 3)


def test_a_leap_day_is_a_date() -> None:
    assert date_problem(2024, 2, 29) is None
    assert date_problem(2100, 2, 29) == "2100年2月只有28天 (February 2100 has 28 days)"


def test_every_date_error_is_listed_with_the_others() -> None:
    text = (
        BANK_TEXT.replace("effective_date: 2027-01-01", "effective_date: 2026-02-30")
        .replace("date: 2023-06-30", "date: 2023-06-31")
        .replace("start: 2027-03-01", "start: 2026-3-1x")
        .replace("legal_representative: 周明远", "legal_representative: ''")
    )
    issues = _issues(text)
    assert "2026年2月只有28天" in issues["meta.effective_date"][0]
    assert "2023年6月只有30天" in issues["meta.revision_history[0].date"][0]
    assert "应为日期，如 2026-03-01 或 2026年3月1日" in issues["engagements[1].term.start"][0]
    assert "不能为空" in issues["organisation.legal_representative"][0]


def test_a_bad_date_in_json_is_located() -> None:
    data = parse(BANK_TEXT, fmt="yaml", name="bank.yaml").data
    data["meta"]["effective_date"] = "2026-02-30"
    data["engagements"][0]["term"]["end"] = "2028年12月31日"
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    issues = _issues(text, "json")
    assert list(issues) == ["meta.effective_date"]
    message, line, _ = issues["meta.effective_date"]
    assert "2026年2月只有28天" in message
    assert text.splitlines()[line - 1].strip().startswith('"effective_date"')  # type: ignore[operator]


def test_toml_takes_date_literals_and_chinese_strings() -> None:
    profile = load_profile_text(_toml(effective_date="2026-03-01"), fmt="toml", name="p.toml")
    chinese = load_profile_text(_toml(effective_date='"2026年3月1日"'), fmt="toml", name="p.toml")
    assert profile.meta.effective_date == chinese.meta.effective_date == date(2026, 3, 1)
    issues = _issues(_toml(effective_date='"2026-02-30"'), "toml")
    assert "2026年2月只有28天" in issues["meta.effective_date"][0]


def _toml(*, effective_date: str) -> str:
    return f"""[meta]
effective_date = {effective_date}

[organisation]
name = "明远商业银行股份有限公司"
credit_code = "91310000MA1K4X7B33"
address = "上海市浦东新区世纪大道1688号"
legal_representative = "周明远"
"""


def test_the_schema_documents_a_date_and_the_chinese_spelling() -> None:
    prop = profile_schema()["$defs"]["Meta"]["properties"]["effective_date"]
    assert {"type": "string", "format": "date"}.items() <= prop["anyOf"][0].items()
    assert "2026年3月1日" in prop["examples"]
    assert prop["description"].startswith("施行日期")
