"""The C reader (ruamel.yaml.clib) reads profiles and style files exactly as the pure-Python
reader does: the same values, the same positions; what it does not read plainly (deep nesting,
a key that is not text, a syntax error) is left to the pure-Python reader and its messages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from policygen.errors import InvalidInputError
from policygen.profile import load
from policygen.profile.load import Parsed, parse

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(load.CParser is None, reason="ruamel.yaml.clib not installed")


def _pure(text: str) -> tuple[Any, dict] | None:
    try:
        documents = list(load._yaml().load_all(io.StringIO(text)))
    except Exception:
        return None
    return _plain(documents)


def _fast(text: str) -> tuple[Any, dict] | None:
    try:
        documents = load._fast_documents(text)
    except (load._TooDeep, load._TooManyNodes):
        return None  # refused outright: see the tests below
    return None if documents is None else _plain(documents)


def _plain(documents: list[Any]) -> tuple[Any, dict]:
    parsed = Parsed(None, "x")
    data = [
        load._plain(d, (i,), parsed.positions, load._Budget("x")) for i, d in enumerate(documents)
    ]
    return data, parsed.positions


def _same(text: str) -> None:
    fast = _fast(text)
    if fast is not None:
        assert fast == _pure(text), text


def test_the_fast_reader_reads_every_shipped_yaml_file_as_the_pure_one() -> None:
    files = [
        *ROOT.glob("examples/**/*.yaml"),
        *ROOT.glob("src/policygen/**/*.yaml"),
        *ROOT.glob("tests/**/*.yaml"),
    ]
    read = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = _fast(text)
        if fast is None:
            continue
        assert fast == _pure(text), path
        read += 1
    assert read >= 10


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "? [1]\n: 2\n",  # a key that is a list
        "1: x\n",  # a key that is a number
        "2026-01-01: x\n",  # a key that is a date
        "a:\n\tb: 1\n",  # a tab
        "a: 'unterminated\n",
        "a: &x [1, 2]\nb: *x\nc: *y\n",  # an unknown alias
    ],
)
def test_what_the_fast_reader_does_not_read_plainly_is_left_to_the_pure_one(text: str) -> None:
    assert _fast(text) is None


def test_a_flow_nesting_a_million_deep_is_refused_at_the_level_too_many() -> None:
    """The C composer recurses on the machine stack; the event pass refuses first, located."""
    with pytest.raises(InvalidInputError) as caught:
        parse("a: " + "[" * 1_000_000 + "]" * 1_000_000, fmt="yaml", name="p.yaml")
    (issue,) = caught.value.issues
    assert "嵌套层级过深" in issue.message
    assert (issue.location.line, issue.location.column) == (1, 4 + load.MAX_DEPTH)


def test_a_million_values_are_refused_before_any_is_composed() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse("k:\n" + "  - a\n" * 1_000_000, fmt="yaml", name="p.yaml")
    assert f"超过 {load.MAX_NODES} 个" in caught.value.issues[0].message


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["2026-02-30", "yes", "off", "0o17", "1_000", "6%", "~", "null", ".inf"]),
)
_keys = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8
)
_data = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(_keys, _data, min_size=1, max_size=5), flow=st.booleans())
def test_the_fast_reader_agrees_with_the_pure_one_on_any_profile_like_text(
    data: dict, flow: bool
) -> None:
    yaml = YAML(typ="rt", pure=True)
    yaml.default_flow_style = flow
    stream = io.StringIO()
    yaml.dump(data, stream)
    _same(stream.getvalue())


@given(
    st.text(st.sampled_from("ab:-[]{}'\"#&*!|>?,\n\t 1.%@`"), max_size=40),
    st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_the_fast_reader_agrees_with_the_pure_one_on_any_text(text: str, nested: bool) -> None:
    _same("k:\n  " + text.replace("\n", "\n  ") if nested else text)
