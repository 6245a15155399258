"""engagements[].on_premises: work on the organisation's premises and its safety agreement."""

from __future__ import annotations

import copy

import pytest

from policygen.errors import InvalidInputError, UsageError
from policygen.pipeline import jobs
from policygen.profile.load import load_profile
from sample_profiles import MINIMAL

ON_SITE = {
    "site": "本公司厂区仓库",
    "activities": ["货物搬运"],
    "licensed_operations": [{"operation": "叉车驾驶", "certificate": "叉车司机证"}],
}


def _with(on_premises: dict | None) -> dict:
    data = copy.deepcopy(MINIMAL)
    if on_premises is not None:
        data["engagements"][0]["on_premises"] = on_premises
    return data


def test_a_safety_agreement_is_rendered_only_for_work_on_the_premises() -> None:
    assert [j.kind.name for j in jobs(load_profile(_with(ON_SITE)), ["safety"])] == ["safety"]
    with pytest.raises(UsageError, match="on_premises"):
        jobs(load_profile(_with(None)), ["safety"])
    assert "safety" not in {j.kind.name for j in jobs(load_profile(_with(None)))}


def test_the_vendor_reports_an_accident_within_the_hour_the_organisation_has() -> None:
    with pytest.raises(InvalidInputError) as error:
        load_profile(_with({**ON_SITE, "accident_report_within": "2小时"}))
    [issue] = error.value.issues
    assert issue.path == "engagements[0].on_premises.accident_report_within"
    assert "1小时" in issue.message
    assert load_profile(_with({**ON_SITE, "accident_report_within": "1小时"}))


def test_work_on_the_premises_names_its_activities() -> None:
    with pytest.raises(InvalidInputError) as error:
        load_profile(_with({"site": "厂区", "activities": []}))
    assert [i.path for i in error.value.issues] == ["engagements[0].on_premises.activities"]
