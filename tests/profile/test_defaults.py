"""The Chinese defaults live in templates/zh/defaults.yaml (policygen.profile.defaults), not in
the section modules; each validates, and a broken one is reported by file and key."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from policygen.errors import InvalidInputError
from policygen.profile import defaults
from policygen.profile.base import Section
from policygen.profile.model import Profile
from policygen.profile.sla import Metric
from policygen.profile.types import Name
from policygen.profile.vendor_selection import GradeBand
from sample_profiles import MINIMAL

PROFILE_SOURCES = Path(defaults.__file__).parent
DATA_FILE = resources.files("policygen").joinpath(defaults.DEFAULTS_RESOURCE)

_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

BEING_REDESIGNED: set[tuple[str, str, str]] = set()
"""Chinese defaults left in Python on purpose (none)."""


def _data_keys(node: Any, prefix: str = "") -> set[str]:
    """Return the dotted key of every value in the data file that is not itself a mapping."""
    if not isinstance(node, dict):
        return {prefix}
    return {key for k, v in node.items() for key in _data_keys(v, f"{prefix}.{k}" if prefix else k)}


def _keys_read_by_sections() -> set[str]:
    """Return the keys the section modules pass to defaults.field / defaults.factory."""
    keys = set()
    for path in PROFILE_SOURCES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "defaults"
                and node.func.attr in ("field", "factory")
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path.name}: key must be a literal"
                keys.add(first.value)
    return keys


def test_every_default_validates_through_its_whole_field() -> None:
    profile = Profile.model_validate(MINIMAL)
    # Defaults are not validated by pydantic (validate_default=False); written out and read
    # back, each is checked against its field as a user's value would be: types, length
    # limits, the rules of its section and the profile's.
    assert Profile.model_validate(profile.model_dump()) == profile
    assert profile.sla.metrics[0].target == Decimal("99.9")
    assert profile.sla.severities[2].resolution.minutes == 3 * 1440
    assert profile.engagements[0].title == "服务外包合同"


def test_the_data_file_holds_exactly_the_keys_the_sections_read() -> None:
    data, _ = defaults._data()
    assert _data_keys(data) == _keys_read_by_sections()


def test_no_chinese_default_is_written_in_python() -> None:
    found = []
    for path in sorted(PROFILE_SOURCES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for stmt in cls.body:
                if not (isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
                    continue
                assert isinstance(stmt.target, ast.Name)
                if (path.name, cls.name, stmt.target.id) in BEING_REDESIGNED:
                    continue
                # The default itself, and any module function named as its default_factory.
                nodes = [stmt.value] + [
                    functions[n.id]
                    for n in ast.walk(stmt.value)
                    if isinstance(n, ast.Name) and n.id in functions
                ]
                texts = [
                    c.value
                    for node in nodes
                    for c in ast.walk(node)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                ]
                if any(_CJK.search(t) for t in texts):
                    found.append(f"{path.name}: {cls.name}.{stmt.target.id}")
    assert not found, "Chinese defaults belong in templates/zh/defaults.yaml"


def test_models_are_imported_without_reading_the_file() -> None:
    # The pure-Python YAML parser takes tens of milliseconds: a process pays for it when it
    # first needs a default, not when it imports policygen.
    script = (
        "import policygen.profile.model; from policygen.profile import defaults; "
        "assert defaults._data.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_a_text_default_is_a_field_with_its_default_in_the_schema() -> None:
    class Probe(Section):
        title: Name = defaults.field("policy.title", Name)

    assert Probe().title == "外包服务管理制度"
    assert Probe.model_json_schema()["properties"]["title"]["default"] == "外包服务管理制度"


def _issues(error: pytest.ExceptionInfo[InvalidInputError]) -> list[tuple[str, str, str]]:
    return [(i.path, i.message, str(i.location)) for i in error.value.issues]


@pytest.mark.parametrize(
    ("data", "key", "kind", "path", "message"),
    [
        (
            {
                "sla": {
                    "metrics": [
                        {"name": "可用率", "target": 99, "method": "m"},
                        {"name": "x", "target": "abc", "method": "m"},
                    ]
                }
            },
            "sla.metrics",
            list[Metric],
            "sla.metrics[1].target",
            "默认值无效",
        ),
        (
            {"sla": {"metrics": [{"name": "可用率", "target": 120, "method": "m"}]}},
            "sla.metrics",
            list[Metric],
            "sla.metrics[0].target",
            "百分比指标的目标值应在 0–100 之间",
        ),
        (
            {
                "vendor_selection": {
                    "grading": [
                        {"grade": "A", "label": "优", "min": 90, "max": 80, "consequence": "c"}
                    ]
                }
            },
            "vendor_selection.grading",
            list[GradeBand],
            "vendor_selection.grading[0].max",
            "分数上限应高于下限",
        ),
        ({"policy": {"title": ""}}, "policy.title", Name, "policy.title", "默认值无效"),
        ({"policy": {}}, "policy.title", Name, "policy.title", "缺少该项默认值"),
        ({"policy": "外包"}, "policy.title", Name, "policy.title", "缺少该项默认值"),
    ],
)
def test_a_broken_default_names_the_file_and_the_key(
    data: dict[str, Any], key: str, kind: Any, path: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        defaults.lookup(data, key, kind, "broken.yaml")
    ((got_path, got_message, where),) = _issues(error)
    assert (got_path, where) == (path, "broken.yaml")
    assert message in got_message


def test_a_broken_default_stops_the_first_profile_that_needs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = {"policy": {"title": "\x07外包服务管理制度"}}
    monkeypatch.setattr(defaults, "_data", lambda: (broken, "broken.yaml"))

    class Probe(Section):
        title: Name = defaults.field("policy.title", Name)

    with pytest.raises(InvalidInputError) as error:
        Probe()
    ((path, message, where),) = _issues(error)
    assert (path, where) == ("policy.title", "broken.yaml")
    assert "U+0007" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [("sla: [metrics\n", "不是有效的 YAML"), ("- 外包\n", "应为键值映射")],
)
def test_a_file_that_is_not_a_mapping_is_named(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        defaults.read(text, "broken.yaml")
    ((path, got, where),) = _issues(error)
    assert (path, where) == ("", "broken.yaml")
    assert message in got


def test_the_data_file_is_found_beside_terms_yaml() -> None:
    assert DATA_FILE.name == "defaults.yaml"
    assert DATA_FILE.is_file()
    assert defaults._data()[1] == str(DATA_FILE)
