"""The Python API: small, typed, documented, stateless and safe to call from several threads."""

from __future__ import annotations

import inspect
import threading
import typing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import policygen
from policygen.profile.load import parse

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-002"


@pytest.fixture(scope="module")
def profile() -> policygen.Profile:
    return policygen.load_profile(BANK)


def test_the_public_api_is_small_typed_and_documented() -> None:
    assert set(policygen.__all__) == {
        "InvalidInputError",
        "PolicygenError",
        "Profile",
        "RenderError",
        "UsageError",
        "__version__",
        "load_profile",
        "load_profile_text",
        "render",
        "render_set",
    }
    for function in (
        policygen.load_profile,
        policygen.load_profile_text,
        policygen.render,
        policygen.render_set,
    ):
        hints = typing.get_type_hints(function)
        parameters = inspect.signature(function).parameters
        assert "return" in hints, function.__name__
        assert set(parameters) <= set(hints), function.__name__
        assert function.__doc__ and len(function.__doc__) > 40, function.__name__


def test_load_from_a_dict_a_yaml_string_and_a_path(profile: policygen.Profile) -> None:
    text = BANK.read_text(encoding="utf-8")
    data = parse(text, fmt="yaml", name="bank.yaml").data
    assert isinstance(data, dict)
    assert policygen.load_profile(data) == profile
    assert policygen.load_profile_text(text) == profile
    assert policygen.load_profile(str(BANK)) == profile
    as_json = profile.model_dump_json()
    assert policygen.load_profile_text(as_json, fmt="json") == profile


def test_invalid_input_lists_every_problem_located() -> None:
    text = BANK.read_text(encoding="utf-8").replace("pass_score:", "pass_scroe:", 1)
    with pytest.raises(policygen.InvalidInputError) as caught:
        policygen.load_profile_text(text, name="bank.yaml")
    issue = caught.value.issues[0]
    assert issue.path == "vendor_selection.pass_scroe"
    assert issue.location is not None and issue.location.file == "bank.yaml"
    assert issue.location.line and issue.location.column


def test_render_one_kind_to_bytes(profile: policygen.Profile) -> None:
    docx = policygen.render(profile, "sla", "docx", contract_no=CONTRACT_NO)
    assert docx.startswith(b"PK\x03\x04")
    text = policygen.render(BANK, "contract", "txt", contract_no=CONTRACT_NO).decode("utf-8")
    assert CONTRACT_NO in text and "杭州安衡数据科技有限公司" in text
    with pytest.raises(policygen.UsageError, match="contract_no"):
        policygen.render(profile, "contract", "txt")  # two engagements: say which
    with pytest.raises(policygen.UsageError, match="unknown document kind"):
        policygen.render(profile, "memo", "txt")
    with pytest.raises(policygen.UsageError, match="unknown format"):
        policygen.render(profile, "regulation", "odt")


def test_render_a_whole_set(profile: policygen.Profile) -> None:
    files = policygen.render_set(profile, formats=["txt"])
    numbers = [e.contract_no for e in profile.engagements]
    assert "regulation.txt" in files
    for number in numbers:
        assert f"contract-{number}.txt" in files and f"sla-{number}.txt" in files
    assert all(isinstance(data, bytes) and data for data in files.values())
    only = policygen.render_set(profile, kinds=["sla"], formats=["txt", "md"])
    assert sorted(only) == sorted(f"sla-{n}.{f}" for n in numbers for f in ("txt", "md"))


def test_render_from_four_threads_matches_a_serial_run(profile: policygen.Profile) -> None:
    kinds = ("sla", "nda")
    serial = {
        (kind, fmt): policygen.render(profile, kind, fmt, contract_no=CONTRACT_NO)
        for kind in kinds
        for fmt in ("docx", "pdf")
    }
    start = threading.Barrier(4)

    def work(index: int) -> dict[tuple[str, str], bytes]:
        kind = kinds[index % 2]
        start.wait(timeout=30)
        return {
            (kind, fmt): policygen.render(profile, kind, fmt, contract_no=CONTRACT_NO)
            for fmt in ("docx", "pdf")
        }

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(4), timeout=120))
    for result in results:
        for key, data in result.items():
            assert data == serial[key], key
    assert {key for result in results for key in result} == set(serial)
