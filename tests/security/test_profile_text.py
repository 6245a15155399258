"""Profile text that looks like structure stays text in every document, and costs linear time.

The property tests draw values at random; these pin the cases they found or that matter most:
Markdown block syntax a value might start a line with (``::: signature``, ``Table:``, setext
underlines) used to end the contract and the regulation with a RenderError."""

from __future__ import annotations

import time

import pytest
from secutil import (
    LARGER,
    SMALL,
    example_data,
    expected_text,
    fold,
    set_text,
    shown_in,
    text_fields,
    to_json,
)

from policygen.pipeline import jobs, render_job
from policygen.profile.load import load_profile_text
from policygen.templating.environment import md_escape
from policygen.transforms.punctuation import normalise
from policygen.tree import nodes as n

STRUCTURE = (
    ":::",
    "::: signature",
    "::: right",
    "Table: 表一",
    "===",
    "---",
    "***",
    "# 标题",
    "## {#purpose}",
    "1. 项",
    "- 项",
    "+ 项",
    "> 引用",
    "    代码",
    "```",
    "| a | b |",
    "名称 {#fake-id}",
    "{.unnumbered}",
    "[](#purpose)",
    "<b>粗</b>",
    "&amp;",
    "{{ 7*7 }}",
    "{% if true %}x{% endif %}",
    "{## c ##}",
    "甲\n\n:::\n",
    "乙\n===",
)


@pytest.mark.parametrize("value", STRUCTURE)
def test_structure_in_every_field_stays_text_in_every_document(value: str) -> None:
    shown = shown_in()
    fields = [f for f in text_fields() if shown[f.path]]
    data = example_data()
    for field in fields:
        # names that must differ within their list: criteria and metrics, wherever they are
        named = ("criteria", "performance_criteria", "metrics")
        unique = field.loc[-1] == "name" and len(field.loc) >= 3 and field.loc[-3] in named
        set_text(data, field.loc, value + (str(field.loc[-2]) if unique else ""))
    profile = load_profile_text(to_json(data), fmt="json")
    for kind in (*SMALL, *LARGER):
        job = jobs(profile, [kind])[0]
        text = fold(render_job(profile, job, ["txt"])[job.filename("txt")].decode())
        assert expected_text(value) in text, kind


def test_md_escape_is_linear_in_runs_of_spaces() -> None:
    text = "甲" + " " * 200_000 + "乙" + "\t" * 200_000 + "丙"
    started = time.monotonic()
    escaped = md_escape(text)
    assert time.monotonic() - started < 0.5
    assert escaped == text


def test_punctuation_is_linear_in_long_ascii_runs() -> None:
    block = n.Paragraph((n.Text("甲" + "a" * 20_000 + "，"),))
    started = time.monotonic()
    normalise((block,))
    assert time.monotonic() - started < 0.3


def test_html_identifiers_are_linear_in_long_ascii_runs() -> None:
    from policygen.writers.html import _text

    started = time.monotonic()
    _text("a" * 10_000)
    assert time.monotonic() - started < 0.3
