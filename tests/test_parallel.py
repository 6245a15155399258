"""Rendering a set in worker processes gives the bytes and the errors rendering in-process gives."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from policygen.errors import InvalidInputError, Issue, Location, RenderError, UsageError
from policygen.parallel import render_jobs
from policygen.pipeline import Job, jobs
from policygen.profile.load import load_profile

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError([Issue("vendor.name", "不能为空", Location("p.yaml", 3, 5))], "p.yaml"),
        RenderError("模板 x 出错"),
        UsageError("未知的输出格式 y"),
    ],
)
def test_errors_survive_pickling(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.exit_code == error.exit_code  # type: ignore[attr-defined]
    if isinstance(error, InvalidInputError):
        assert copy.issues == error.issues and copy.source == error.source


def test_workers_give_the_in_process_bytes_in_job_order() -> None:
    profile = load_profile(BANK)
    todo = jobs(profile, ["sla"])
    done: list[Job] = []
    here = render_jobs(profile, todo, ["pdf", "docx"], jobs=1)
    there = render_jobs(profile, todo, ["pdf", "docx"], jobs=2, on_done=done.append)
    assert list(there) == list(here)
    assert there == here
    assert sorted(j.filename("x") for j in done) == sorted(j.filename("x") for j in todo)


def test_a_failing_job_raises_the_in_process_error() -> None:
    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["engagements"][1]["vendor"]["name"] = "深圳\ue000信息技术服务有限公司"
    profile = load_profile(data)
    todo = jobs(profile, ["sla"])
    with pytest.raises(RenderError) as here:
        render_jobs(profile, todo, ["pdf"], jobs=1)
    with pytest.raises(RenderError) as there:
        render_jobs(profile, todo, ["pdf"], jobs=2)
    assert str(there.value) == str(here.value)


def test_jobs_below_one_is_a_usage_error() -> None:
    profile = load_profile(BANK)
    with pytest.raises(UsageError):
        render_jobs(profile, jobs(profile, ["sla"]), ["pdf"], jobs=0)
