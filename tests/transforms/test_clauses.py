"""The clause library: a profile excludes, rewords or adds clauses by id; numbers close up."""

from __future__ import annotations

import pytest

from policygen.profile.clauses import Clauses
from policygen.readers.markdown import read_markdown
from policygen.transforms.clauses import adapt
from policygen.transforms.numbering import number
from policygen.transforms.references import resolve
from policygen.writers.text import block_lines

SOURCE = """\
# 总则

## {#purpose}
为了规范。

## {#scope}
适用于：

1. 甲 {#scope-a}
2. 乙 {#scope-b}

## {#basis}
依据[](#scope)。
"""


def _text(clauses: dict, kind: str = "regulation") -> list[str]:
    blocks = adapt(read_markdown(SOURCE), Clauses.model_validate(clauses), kind)
    blocks, refs = number(blocks, "regulation")
    blocks = resolve(blocks, refs, source="t")
    return [line for b in blocks for line in block_lines(b) if line]


def test_exclude_renumbers_the_rest() -> None:
    lines = _text({"exclude": ["purpose", "scope-a"]})
    assert lines[1] == "第一条　适用于："
    assert lines[2] == "（一）乙"
    assert lines[3] == "第二条　依据第一条。"


def test_replace_keeps_the_number_and_escapes_nothing() -> None:
    lines = _text({"replace": {"purpose": "为了*规范*管理。\n\n第二款 [x](#y)。"}})
    assert lines[1:3] == ["第一条　为了*规范*管理。", "第二款 [x](#y)。"]


def test_add_after_and_before() -> None:
    lines = _text(
        {
            "add": [
                {"id": "own", "after": "purpose", "text": "本行自有条款。"},
                {"id": "own-item", "before": "scope-b", "text": "丙"},
            ]
        }
    )
    assert lines[1:4] == ["第一条　为了规范。", "第二条　本行自有条款。", "第三条　适用于："]
    assert lines[4:7] == ["（一）甲", "（二）丙", "（三）乙"]
    assert lines[-1] == "第四条　依据第三条。"


def test_add_only_to_its_document() -> None:
    clauses = {"add": [{"id": "own", "after": "purpose", "text": "x", "document": "contract"}]}
    assert "第二条　x" not in _text(clauses, "regulation")


def test_profile_rules() -> None:
    with pytest.raises(ValueError, match="after"):
        Clauses.model_validate({"add": [{"id": "a", "text": "x"}]})
    with pytest.raises(ValueError, match="同时"):
        Clauses.model_validate({"exclude": ["a"], "replace": {"a": "x"}})


def _one_engagement(profile):
    """`profile` with its first engagement only: the set's checks read every document, and
    the clause rules do not depend on how many contracts there are."""
    return profile.model_copy(update={"engagements": profile.engagements[:1]})


def test_unknown_ids_are_reported_with_their_path(tmp_path, bank_path) -> None:
    from policygen.profile.load import load_profile
    from policygen.validation import check_set

    (tmp_path / "regulation.md.j2").write_text("{% set title = 't' %}\n" + SOURCE, "utf-8")
    for kind in ("contract", "sla"):
        (tmp_path / f"{kind}.md.j2").write_text(
            "{% set title = 't' %}\n## 甲 {#c1}\n乙。\n", "utf-8"
        )
    profile = _one_engagement(load_profile(bank_path)).model_copy(
        update={
            "clauses": Clauses.model_validate(
                {"exclude": ["purpse"], "add": [{"id": "c1", "after": "scope", "text": "x"}]}
            )
        }
    )
    messages = {i.path: i.message for i in check_set(profile, template_dirs=[tmp_path])}
    assert "purpose" in messages["clauses.exclude[0]"]
    assert "已被条款库使用" in messages["clauses.add[0].id"]


def test_a_referred_clause_cannot_be_removed(tmp_path, bank_path) -> None:
    from policygen.profile.load import load_profile
    from policygen.validation import check_set

    source = SOURCE + "\n## {#extra}\n见[](#scope-b)。\n"
    (tmp_path / "regulation.md.j2").write_text("{% set title = 't' %}\n" + source, "utf-8")
    profile = _one_engagement(load_profile(bank_path)).model_copy(
        update={"clauses": Clauses.model_validate({"exclude": ["scope-a", "purpose"]})}
    )
    assert check_set(profile, template_dirs=[tmp_path]) == []
    for clauses, path, message in (
        (
            {"exclude": ["purpose", "scope"]},
            "clauses.exclude[1]",
            "条款「basis」引用了条款「scope」，删除",
        ),
        (
            {"exclude": ["scope-b"]},
            "clauses.exclude[0]",
            "条款「extra」引用了条款「scope-b」，删除",
        ),
        (
            {"replace": {"scope": "新的。"}},
            "clauses.replace.scope",
            "「scope-b」（在「scope」之内），改写",
        ),
    ):
        profile = profile.model_copy(update={"clauses": Clauses.model_validate(clauses)})
        issues = check_set(profile, template_dirs=[tmp_path])
        assert {i.path for i in issues} == {path}
        assert any(message in i.message for i in issues), issues
