"""`clauses`: how an organisation adapts the clause library — drop a clause, reword it, or add
its own at a named place."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from policygen.chars import printable
from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.types import MAX_ITEMS, Name, Text

_CLAUSE_ID = re.compile(r"^[A-Za-z][\w-]{0,63}$")


def _check_id(value: str) -> str:
    if not _CLAUSE_ID.match(value):
        raise PydanticCustomError(
            "clause_id",
            "条款 id「{value}」只能由字母、数字、- 和 _ 组成并以字母开头 "
            "(letters, digits, '-' and '_', starting with a letter)",
            {"value": printable(value[:70])},
        )
    return value


ClauseId = Annotated[str, Field(max_length=64), AfterValidator(_check_id)]
"""The stable id of a clause in the library, e.g. ``vendor-criteria``."""

DocumentKindName = Literal[
    "regulation", "contract", "sla", "nda", "dpa", "safety", "scorecard", "risk_register"
]


class AddedClause(Section):
    """A clause of the organisation's own, placed before or after a library clause."""

    id: ClauseId
    """新条款的 id（用于交叉引用，不得与条款库重复）"""
    after: ClauseId | None = None
    """放在该条款之后"""
    before: ClauseId | None = None
    """放在该条款之前"""
    title: Name | None = None
    """条标题（合同、协议中使用；制度条文一般不设标题）"""
    text: Text
    """条款正文；空行分段"""
    document: DocumentKindName | None = None
    """只加入该类文档；不填则加入含有定位条款的每份文档"""

    @model_validator(mode="after")
    def _one_anchor(self) -> AddedClause:
        if (self.after is None) == (self.before is None):
            check_rules(
                [
                    (
                        "after",
                        "请用 after 或 before 中的一项指定位置 (give exactly one of after/before)",
                    )
                ]
            )
        return self


class Clauses(Section):
    """Adaptations of the clause library, applied by id to every document that has the clause."""

    exclude: list[ClauseId] = Field(default_factory=list, max_length=MAX_ITEMS)
    """不采用的条款 id"""
    replace: dict[ClauseId, Text] = Field(default_factory=dict, max_length=MAX_ITEMS)
    """改写条款：id → 新的正文（空行分段）"""
    add: list[AddedClause] = Field(default_factory=list, max_length=MAX_ITEMS)
    """本单位自拟的条款，放在条款库中某一条款之前或者之后"""

    @model_validator(mode="after")
    def _consistent(self) -> Clauses:
        def violations() -> Violations:
            for i, clause_id in enumerate(self.exclude):
                if clause_id in self.replace:
                    yield (
                        f"exclude[{i}]",
                        f"条款 {clause_id} 不能同时删除和改写 (excluded and replaced)",
                    )
                if clause_id in self.exclude[:i]:
                    yield (f"exclude[{i}]", f"条款 {clause_id} 重复 (listed twice)")
            added = [a.id for a in self.add]
            for i, clause_id in enumerate(added):
                if clause_id in added[:i]:
                    yield (f"add[{i}].id", f"新增条款 id {clause_id} 重复 (duplicate id)")

        check_rules(violations())
        return self
