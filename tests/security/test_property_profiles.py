"""Property: any Unicode in any free-text field of a profile either renders, literally, into a
DOCX that python-docx opens and a PDF that pypdf reads, or is refused with InvalidInputError
(exit code 1) naming that field and its line. Nothing else escapes: no traceback, ever.

Values are drawn from arbitrary Unicode (controls, lone surrogates, bidi overrides, zero-width
joiners, astral characters, noncharacters), Markdown, HTML and Jinja syntax, policygen's own
``{#id}`` attributes, and strings just under and just over each field's length limit."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from secutil import (
    SMALL,
    TextField,
    docx_text,
    example_data,
    expected_text,
    fold,
    get_at,
    pdf_text,
    set_text,
    shown_in,
    text_fields,
    to_json,
)

from policygen.chars import REFUSED as REFUSED_CHARS
from policygen.errors import ExitCode, InvalidInputError, PolicygenError, RenderError
from policygen.layout.budget import BudgetExceeded
from policygen.pipeline import Job, jobs, render_job
from policygen.profile.load import dotted, load_profile_text
from policygen.profile.model import Profile

SCALE = float(os.environ.get("POLICYGEN_PROPERTY_SCALE", "1"))
"""Multiplies every test's number of examples: the default run takes well under a minute; set
POLICYGEN_PROPERTY_SCALE=20 for a longer search."""


def examples(count: int) -> int:
    return max(1, round(count * SCALE))


SPECIAL = (
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # other bidi controls
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width space, (non-)joiner, word joiner, BOM
    "\U00020bb7\U0002a6a5\U00030000",  # CJK extensions B, C, G
    "\U0001f44d\U0001f3fd",  # emoji with a skin-tone modifier
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a ZWJ family
    "e\u0301\u0323",  # combining marks
    "\u00a0\u3000\u2028\u2029\u0085",  # no-break and ideographic space, line separators, NEL
    "\u0080\u009f\u007f",  # C1 controls and DEL (XML 1.0 allows them)
    "\ufdd0\ue000\U000e0001\ufe0f\U0010fffd",  # noncharacter, private use, tag, selector
    "\x00",
    "\x0b\x0c",
    "\x1b[31m",
    "\ufffe",
    "\uffff",
    "\ud800",
    "\udfff",
    "\t",
    "\n\n",
    "\r\n",
    "\r",
)
MARKUP = (
    "*a* _b_ `c` ~~d~~",
    "[x](#purpose)",
    "[](#sla-metric-targets)",
    "![i](file:///etc/passwd)",
    "<b>粗</b><img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "&amp; &#x202E; &lt;",
    "{{ 7*7 }}",
    "{{ ''.__class__.__mro__ }}",
    "{% for x in range(9) %}{{ x }}{% endfor %}",
    "{# comment #}",
    "{## comment ##}",
    "名称 {#fake-id}",
    "{.unnumbered}",
    "| a | b |\n|---|---|",
    "::: signature",
    ":::",
    "===",
    "---",
    "# 标题",
    "1. 项",
    "- 项",
    "> 引用",
    "    代码",
    "\\ \\* \\\\",
    "]]></w:t></w:r><w:r><w:t>",
    "Table: 表",
    "${x} %s {0} %(x)s",
    "甲方,乙方;联系人: 张三(经理)\"引号\"'单引'<书名>",
    "http://127.0.0.1:9/x a@b.cn",
)
WORDS_TEMPLATES_REWRITE = ("甲方", "乙方", "本单位", "服务提供商", "本合同", "本公司")
"""Words some templates replace in profile text (甲方 → 本公司): not checked literally."""


def fields_in(kinds: tuple[str, ...]) -> list[TextField]:
    shown = shown_in()
    return [f for f in text_fields() if set(shown[f.path]) & set(kinds)]


def other_fields() -> list[TextField]:
    shown = shown_in()
    return [f for f in text_fields() if not set(shown[f.path]) & set(SMALL)]


_REFUSED = tuple(piece for piece in SPECIAL if REFUSED_CHARS.search(piece))
_ACCEPTED = tuple(piece for piece in SPECIAL if not REFUSED_CHARS.search(piece))

_ascii = st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), min_size=1, max_size=12)
_cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6)
_unicode = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)

accepted_pieces = st.one_of(
    # Repeated entries weigh the draw: arbitrary scripts and symbols often have no glyph in the
    # CJK fonts, and the font preflight then refuses the document before DOCX is written.
    _ascii,
    _ascii,
    _cjk,
    _cjk,
    st.sampled_from(MARKUP),
    st.sampled_from(MARKUP),
    st.sampled_from(_ACCEPTED),
    _unicode,
)
"""Pieces of text a document can hold."""

any_pieces = st.one_of(
    accepted_pieces,
    st.text(st.characters(), min_size=1, max_size=12),
    st.sampled_from(_REFUSED),
)
"""Pieces including the characters policygen must refuse (chars.REFUSED: XML-invalid controls,
surrogates, noncharacters, bidirectional controls)."""


@st.composite
def values(draw: st.DrawFn, field: TextField) -> str:
    """Return a value for `field`: a short mix of hostile pieces, or one just around its limit;
    about one in four may hold characters that must be refused."""
    pieces = any_pieces if draw(st.integers(0, 3)) == 0 else accepted_pieces
    if draw(st.integers(0, 7)) == 0:
        # The chunk ends in a separator, so that no run of ASCII letters grows to thousands of
        # characters: the quadratic cost of such runs is pinned by test_profile_text, and here it
        # would only make each example take seconds.
        chunk = "".join(draw(st.lists(pieces, min_size=1, max_size=4)))
        chunk += draw(st.sampled_from(" ，、。\u3000"))
        length = draw(st.integers(field.max_length - 2, field.max_length + 1))
        return (chunk * (length // len(chunk) + 1))[:length]
    return "".join(draw(st.lists(pieces, min_size=0, max_size=6)))


def expected_problem(field: TextField, value: str) -> bool:
    """Return whether policygen must refuse `value` in `field`."""
    stripped = value.strip()
    return (
        not field.min_length <= len(stripped) <= field.max_length
        # A control character is refused wherever it is, even where str.strip() would drop it
        # (U+001C–U+001F count as whitespace to Python).
        or REFUSED_CHARS.search(value) is not None
    )


@st.composite
def mutations(draw: st.DrawFn, fields: list[TextField]) -> list[tuple[TextField, str]]:
    """Return 1–3 distinct fields with a value each."""
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    return [(field, draw(values(field))) for field in chosen]


def _load(changes: list[tuple[TextField, str]]) -> Profile | None:
    """Return the example with `changes`, or None after checking the refusal names exactly the
    fields that had to be refused, each with its line in the JSON text."""
    data = example_data()
    wrong: set[str] = set()
    for field, value in changes:
        paths = set_text(data, field.loc, value)
        if expected_problem(field, value):
            wrong.update(paths)
    try:
        profile = load_profile_text(to_json(data), fmt="json", name="profile.json")
    except InvalidInputError as error:
        event("refused")
        assert error.exit_code == ExitCode.INVALID_INPUT
        assert {issue.path for issue in error.issues} == wrong, str(error)
        for issue in error.issues:
            assert issue.location is not None and issue.location.line, issue
            assert f"profile.json:{issue.location.line}" in str(error)
        return None
    assert not wrong, f"accepted {wrong}"
    event("accepted")
    return profile


def _glyph_problem(
    error: RenderError | InvalidInputError, changes: list[tuple[TextField, str]]
) -> bool:
    """Return whether `error` is the font preflight naming a character of the new values."""
    message = str(error)
    return any(
        f"U+{ord(char):04X}" in message.upper() or char in message
        for _, value in changes
        for char in value
        if not char.isascii()
    )


def _assume_literal(changes: list[tuple[TextField, str]]) -> None:
    for _, value in changes:
        assume(not any(word in value for word in WORDS_TEMPLATES_REWRITE))
    # Two metrics (or criteria) given the same name are a duplicate, reported at the second.
    stripped = [value.strip() for _, value in changes if value.strip()]
    assume(len(set(stripped)) == len(stripped))


def _engagement_job(profile: Profile, kind: str) -> Job:
    return jobs(profile, [kind])[0]


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sampled_from(SMALL).flatmap(
        lambda kind: st.tuples(st.just(kind), mutations(fields_in((kind,))))
    )
)
def test_text_fields_render_literally_or_are_refused_by_path(
    case: tuple[str, list[tuple[TextField, str]]],
) -> None:
    kind, changes = case
    _assume_literal(changes)
    try:
        profile = _load(changes)
        if profile is None:
            return
        job = _engagement_job(profile, kind)
        files = render_job(profile, job, ["docx", "pdf"])
    except BudgetExceeded as error:  # a long text in a narrow cell: WeasyPrint's time grows
        # with its length times its lines; refused, naming the document and the longest text
        assert error.limit in ("time", "size"), error
        event("over the layout budget")
        return
    except (RenderError, InvalidInputError) as error:  # the font preflight, at the field
        assert _glyph_problem(error, changes), f"unexpected {type(error).__name__}: {error}"
        event("no glyph")
        return
    except PolicygenError as error:  # pragma: no cover - reported with its message
        pytest.fail(f"unexpected {type(error).__name__}: {error}")
    text = fold(docx_text(files[job.filename("docx")]))
    pdf_text(files[job.filename("pdf")])
    for field, value in changes:
        assert expected_text(value) in text, (field.path, value)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_fields_of_other_documents_reach_their_text(data: st.DataObject) -> None:
    fields = other_fields()
    changes = data.draw(mutations(fields))
    _assume_literal(changes)
    profile = _load(changes)
    if profile is None:
        return
    shown = shown_in()
    kinds = {kind for field, _ in changes for kind in shown[field.path]}
    for kind in sorted(kinds):
        job = _engagement_job(profile, kind)
        text = fold(render_job(profile, job, ["txt"])[job.filename("txt")].decode())
        for field, value in changes:
            if kind in shown[field.path]:
                assert expected_text(value) in text, (kind, field.path, value)


def _list_paths() -> list[tuple[str | int, ...]]:
    """Return the path of every list of the example (not items in lists of models)."""
    out: list[tuple[str | int, ...]] = []

    def walk(node: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*loc, key))
        elif isinstance(node, list):
            out.append(loc)
            for index, value in enumerate(node):
                walk(value, (*loc, index))

    walk(example_data(), ())
    return out


@settings(max_examples=examples(25), deadline=None)
@given(st.sampled_from(_list_paths()), st.sampled_from(SMALL))
def test_emptied_lists_render_or_name_the_list(loc: tuple[str | int, ...], kind: str) -> None:
    data = example_data()
    get_at(data, loc[:-1])[loc[-1]] = []
    try:
        profile = load_profile_text(to_json(data), fmt="json", name="profile.json")
    except InvalidInputError as error:
        assert dotted(loc) in {issue.path for issue in error.issues}, str(error)
        return
    if not profile.engagements:
        return
    job = _engagement_job(profile, kind)
    files = render_job(profile, job, ["docx"])
    docx_text(files[job.filename("docx")])
