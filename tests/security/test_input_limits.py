"""Limits on what a profile may hold: size, values, nesting, list lengths, numbers and the
strings some parsers take quadratic time over. Each is refused quickly with InvalidInputError
(exit code 1) and a message saying which limit, never with a traceback or by running out of
memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from secutil import MANUFACTURER, example_data, get_at, to_json

from policygen.cli import main
from policygen.errors import ExitCode, InvalidInputError
from policygen.pipeline import jobs, render_job
from policygen.profile import load
from policygen.profile.load import MAX_DEPTH, MAX_NODES, MAX_PROFILE_BYTES, load_profile_text
from policygen.profile.model import MAX_ENGAGEMENTS
from policygen.profile.types import MAX_DIGITS, MAX_ITEMS, MAX_SHORT_ITEMS, MAX_TEXT


@contextmanager
def within(seconds: float) -> Iterator[None]:
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"


def refused(text: str, fmt: str = "json", seconds: float = 5) -> InvalidInputError:
    with within(seconds), pytest.raises(InvalidInputError) as error:
        load_profile_text(text, fmt=fmt, name="p")
    assert error.value.exit_code == ExitCode.INVALID_INPUT
    return error.value


def paths(error: InvalidInputError) -> dict[str, str]:
    return {issue.path: issue.message for issue in error.issues}


# --------------------------------------------------------------------------- size


@pytest.fixture
def fifty_megabytes(tmp_path: Path) -> Path:
    path = tmp_path / "big.yaml"
    with path.open("wb") as stream:
        stream.write(b"meta:\n  version: V1\n# ")
        stream.truncate(50 * 1024 * 1024)  # sparse: written instantly, reads as zeros
    return path


def test_a_50_mb_profile_is_refused_after_reading_5_mb(fifty_megabytes: Path) -> None:
    tracemalloc.start()
    try:
        with within(2), pytest.raises(InvalidInputError, match="超过 5 MB 上限"):
            load.load_profile(fifty_megabytes)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_PROFILE_BYTES + 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB"


def test_the_command_line_refuses_a_50_mb_profile(
    fifty_megabytes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with within(5):
        assert main(["validate", str(fifty_megabytes)]) == ExitCode.INVALID_INPUT
    assert "超过 5 MB 上限" in capsys.readouterr().err


def test_a_50_mb_profile_on_standard_input_is_refused_quickly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "policygen", "validate", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    chunk = b"# " + b"x" * (1024 * 1024 - 3) + b"\n"
    started = time.monotonic()
    with suppress(BrokenPipeError):  # policygen stops reading after 5 MB: the point
        for _ in range(50):
            process.stdin.write(chunk)
    with suppress(BrokenPipeError):
        process.stdin.close()
    assert process.stderr is not None
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(timeout=60) == ExitCode.INVALID_INPUT
    assert "超过 5 MB 上限" in err
    assert time.monotonic() - started < 30


# --------------------------------------------------------------------------- values and depth


def test_a_million_item_list_is_refused_by_the_value_budget() -> None:
    yaml = "meta:\n  revision_history:\n" + "  - a\n" * 1_000_000
    error = refused(yaml, "yaml", seconds=30)
    assert f"超过 {MAX_NODES} 个" in str(error)
    error = refused('{"policy": {"repeals": [' + '"a",' * 1_000_000 + '"a"]}}', seconds=10)
    assert f"超过 {MAX_NODES} 个" in str(error)


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    refused("\n".join(lines) + "\n", "yaml")


NESTED = {
    "json-shallow": ("json", '{"meta": ' + "[" * 40 + "]" * 40 + "}"),
    "json-deep": ("json", '{"meta": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "json-objects": ("json", '{"meta": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}"),
    "yaml-flow": ("yaml", "meta: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "yaml-block": ("yaml", "meta:\n" + "".join("  " * i + "- \n" for i in range(1, 400))),
    "yaml-mappings": ("yaml", "meta:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400))),
    "toml": ("toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "toml-tables": ("toml", "a = " + "{b = " * 2_000 + "1" + "}" * 2_000 + "\n"),
}


@pytest.mark.parametrize(("fmt", "text"), NESTED.values(), ids=NESTED.keys())
def test_deep_nesting_is_refused_without_recursion_error(fmt: str, text: str) -> None:
    error = refused(text, fmt, seconds=20)
    assert f"最多 {MAX_DEPTH} 层" in str(error)


def test_nesting_within_the_limit_is_read() -> None:
    text = '{"meta": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    error = refused(text)
    assert "嵌套" not in str(error)  # refused for what it is (a list, not a mapping), not depth


NUMBERS = {
    "int-json": ("json", '{"meta": {"version": ' + "1" * 5000 + "}}", "数字过长"),
    "int-yaml": ("yaml", "meta:\n  version: " + "1" * 5000 + "\n", "数字过长"),
    "int-toml": ("toml", "[meta]\nversion = " + "1" * 5000 + "\n", "数字过长"),
    "date-yaml": ("yaml", "meta:\n  effective_date: 2026-02-30\n", "2026年2月只有28天"),
}


@pytest.mark.parametrize(("fmt", "text", "message"), NUMBERS.values(), ids=NUMBERS.keys())
def test_values_the_parser_cannot_build_are_input_errors(fmt: str, text: str, message: str) -> None:
    assert message in str(refused(text, fmt))


def test_invalid_date_is_located() -> None:
    error = refused("meta:\n  effective_date: 2026-13-01\n", "yaml")
    (issue,) = [i for i in error.issues if i.path == "meta.effective_date"]
    assert (issue.location.line, issue.location.column) == (2, 3)  # type: ignore[union-attr]
    assert "月份应在 1–12 之间" in issue.message


# --------------------------------------------------------------------------- fields


def _with(change: Any) -> str:
    data = example_data()
    change(data)
    return to_json(data)


def test_tiny_and_huge_decimals_are_refused_before_they_are_printed() -> None:
    def tiny(data: dict[str, Any]) -> None:
        data["sla"]["metrics"][0]["target"] = "1E-1000000"  # 0 ≤ x ≤ 100, a million digits
        data["engagements"][0]["fee"]["tax_rate"] = "1E-999999"
        data["risk"]["indicators"][2]["threshold"] = "1E+100000"
        data["vendor_selection"]["criteria"][0]["weight"] = "35.00000000000000000000000001"

    found = paths(refused(_with(tiny)))
    for path in (
        "sla.metrics[0].target",
        "engagements[0].fee.tax_rate",
        "risk.indicators[2].threshold",
        "vendor_selection.criteria[0].weight",
    ):
        # refused at its path, by the digit limit or, for a value the published pattern of a
        # number written as text refuses first, as no number; never printed in full
        message = found[path]
        assert f"最多 {MAX_DIGITS} 位" in message or "应为" in message, found
        assert len(message) < 300, message


def test_durations_with_long_or_tiny_values_are_refused_quickly() -> None:
    def durations(data: dict[str, Any]) -> None:
        data["sla"]["severities"][0]["response"] = "1a" + " " * 1_000_000 + "b"
        data["exit"]["notice_period"] = {"value": "1E-100000", "unit": "day"}

    found = paths(refused(_with(durations), seconds=2))
    assert "无法识别的时长" in found["sla.severities[0].response"]
    assert "无法识别的时长" in found["exit.notice_period"]


def test_strings_over_their_limit_are_refused() -> None:
    def long(data: dict[str, Any]) -> None:
        data["organisation"]["name"] = "名" * 201
        data["engagements"][0]["service_location"] = "地" * (MAX_TEXT + 1)
        data["engagements"][0]["contract_no"] = "A" * 65
        data["clauses"]["exclude"] = ["a" * 65]

    found = paths(refused(_with(long)))
    assert "最多 200 个字符" in found["organisation.name"]
    assert f"最多 {MAX_TEXT} 个字符" in found["engagements[0].service_location"]
    assert "最多 64 个字符" in found["engagements[0].contract_no"]
    assert "最多 64 个字符" in found["clauses.exclude[0]"]


def _lists(data: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _lists(value, (*loc, key))
    elif isinstance(data, list):
        if data and loc != ("engagements",):
            yield loc
        for index, value in enumerate(data):
            yield from _lists(value, (*loc, index))


LONG_LISTS = {
    "sla.metrics",
    "risk.indicators",
    "vendor_selection.criteria",
    "engagements[0].services",
    "engagements[0].service_items",
    "information_security.controls",
}
SHORT_LISTS = {"meta.languages": 2}
"""Lists whose own limit is below MAX_SHORT_ITEMS: at most Chinese and English."""


@pytest.mark.parametrize("loc", list(_lists(example_data())), ids=lambda loc: load.dotted(loc))
def test_every_list_has_a_length_limit(loc: tuple[str | int, ...]) -> None:
    path = load.dotted(loc)
    limit = MAX_ITEMS if path in LONG_LISTS else SHORT_LISTS.get(path, MAX_SHORT_ITEMS)

    def grow(data: dict[str, Any]) -> None:
        items = get_at(data, loc)
        items[:] = [items[0]] * (limit + 1)

    found = paths(refused(_with(grow)))
    assert found.get(path, "").startswith(f"最多 {limit} 项"), found


EMPTY_IN_EXAMPLE: dict[str, tuple[tuple[str | int, ...], Any, int]] = {
    "meta.revision_history": (
        ("meta", "revision_history"),
        {"version": "V1.0", "date": "2026-01-01", "summary": "首次发布"},
        MAX_SHORT_ITEMS,
    ),
    "policy.repeals": (("policy", "repeals"), "原外包管理办法", MAX_SHORT_ITEMS),
    "exit.alternate_vendors": (("exit", "alternate_vendors"), "备选公司", MAX_SHORT_ITEMS),
    "data_protection.pi_categories": (
        ("data_protection", "pi_categories"),
        "姓名",
        MAX_SHORT_ITEMS,
    ),
    "data_protection.purposes": (("data_protection", "purposes"), "客户服务", MAX_SHORT_ITEMS),
    "engagements[0].deliverables": (("engagements", 0, "deliverables"), "月报", MAX_ITEMS),
    "clauses.exclude": (("clauses", "exclude"), "sla-metric-targets", MAX_ITEMS),
    "clauses.add": (
        ("clauses", "add"),
        {"id": "own-clause", "after": "sla-metric-targets", "text": "自定条款。"},
        MAX_ITEMS,
    ),
}


@pytest.mark.parametrize(
    ("loc", "item", "limit"), EMPTY_IN_EXAMPLE.values(), ids=EMPTY_IN_EXAMPLE.keys()
)
def test_lists_empty_in_the_example_have_a_limit_too(
    loc: tuple[str | int, ...], item: Any, limit: int
) -> None:
    def grow(data: dict[str, Any]) -> None:
        get_at(data, loc[:-1])[loc[-1]] = [item] * (limit + 1)

    found = paths(refused(_with(grow)))
    assert found.get(load.dotted(loc), "").startswith(f"最多 {limit} 项"), found


def test_clause_replacements_have_a_limit() -> None:
    def grow(data: dict[str, Any]) -> None:
        data["clauses"]["replace"] = {f"c{i}": "新文本" for i in range(MAX_ITEMS + 1)}

    found = paths(refused(_with(grow)))
    assert found.get("clauses.replace", "").startswith(f"最多 {MAX_ITEMS} 项"), found


def test_the_benchmark_sizes_are_within_the_limits() -> None:
    """1,000 SLA metrics (the benchmark) and 1,000 engagements validate; the SLA renders."""
    data = example_data()
    data["sla"]["metrics"] = [
        {**data["sla"]["metrics"][0], "name": f"服务指标{i:04d}"} for i in range(MAX_ITEMS)
    ]
    data["sla"]["credits"]["metric"] = "服务指标0000"
    data["sla"]["credits"]["additional"] = []
    base = data["engagements"][0]
    data["engagements"] = [{**base, "contract_no": f"HY-{i:04d}"} for i in range(MAX_ENGAGEMENTS)]
    with within(60):
        profile = load_profile_text(json.dumps(data, ensure_ascii=False), fmt="json")
        job = jobs(profile, ["sla"])[0]
        text = render_job(profile, job, ["txt"])[job.filename("txt")].decode()
    assert "服务指标0999" in text


def test_one_engagement_too_many_is_refused() -> None:
    data = example_data()
    base = data["engagements"][0]
    data["engagements"] = [
        {**base, "contract_no": f"HY-{i:04d}"} for i in range(MAX_ENGAGEMENTS + 1)
    ]
    found = paths(refused(to_json(data), seconds=30))
    assert found["engagements"].startswith(f"最多 {MAX_ENGAGEMENTS} 项")


def test_manufacturer_example_is_well_within_every_limit() -> None:
    text = MANUFACTURER.read_text(encoding="utf-8")
    assert len(text.encode()) < MAX_PROFILE_BYTES / 100
    load_profile_text(text, fmt="yaml")
