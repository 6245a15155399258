"""A scope the counsel can hold the vendor to: a service list with quantities, hours, headcount
and qualifications, an acceptance procedure with consequences, and prices for changes."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.writers import WRITERS
from sample_profiles import MINIMAL

ROOT = Path(__file__).resolve().parents[2]


def _contract(profile: Profile, index: int = 0) -> tuple[str, dict[str, str]]:
    job = jobs(profile, ["contract"])[index]
    document, refs = build_tree(profile, job)
    return WRITERS["txt"](document, writer_options()).decode(), refs


@cache
def _bank() -> tuple[str, dict[str, str]]:
    text = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")
    return _contract(load_profile(parse(text, fmt="yaml", name="bank").data))


def test_the_service_list_states_quantities_hours_and_people() -> None:
    text, refs = _bank()
    assert "contract-service-list" in refs
    row = next(
        line for line in text.splitlines() if line.startswith("2 | 服务器、存储和网络设备运维")
    )
    assert "服务器约320台" in row and "7×24小时" in row
    assert "不少于8人；具有三年以上金融行业运维经验" in row


def test_acceptance_has_a_deadline_a_retry_and_a_consequence() -> None:
    text, refs = _bank()
    number = refs["contract-acceptance"].strip("第条")
    clause = next(line for line in text.splitlines() if line.startswith(number + "　"))
    assert "十个工作日内组织验收" in clause and "经两次验收仍不合格" in clause
    assert "视为该次验收合格" in clause
    assert f"按照{refs['contract-acceptance']}验收" in text  # deliverables point to it
    grounds = text[text.index(refs["contract-termination-by-client"].strip("第条") + "　") :]
    assert f"依照{refs['contract-acceptance']}经两次验收仍不合格" in grounds


def test_changes_are_priced_from_the_schedule() -> None:
    text, refs = _bank()
    assert "contract-change-rates" in refs
    assert "高级运维工程师 | 人·日 | 3,200.00" in text


def test_without_a_list_or_rates_neither_table_appears() -> None:
    profile = load_profile(copy.deepcopy(MINIMAL))
    _, refs = _contract(profile)
    assert "contract-service-list" not in refs and "contract-change-rates" not in refs
    assert "contract-acceptance" in refs  # acceptance applies to every contract
