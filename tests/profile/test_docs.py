"""Field descriptions read lazily from attribute docstrings (policygen.profile.docs)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import ConfigDict, Field

from policygen.profile.base import Section
from policygen.profile.docs import DocumentedJsonSchema, attribute_docstrings, field_description
from policygen.profile.engagement import Engagement, Fee
from policygen.profile.meta import Meta
from policygen.profile.schema import profile_schema
from policygen.profile.starter import starter_yaml


def test_sections_do_not_read_docstrings_at_import() -> None:
    # The point of the module: pydantic's use_attribute_docstrings stays off (import cost).
    assert not Section.model_config.get("use_attribute_docstrings")
    assert Meta.model_fields["version"].description is None
    assert field_description(Meta, "version") == "文档版本号"


def test_attribute_docstrings_reach_the_schema() -> None:
    defs = profile_schema()["$defs"]
    meta = defs["Meta"]["properties"]
    assert meta["version"]["description"] == "文档版本号"
    # a nullable field: the description sits beside the anyOf
    assert "anyOf" in meta["document_no"]
    assert meta["document_no"]["description"] == "发文字号，如 华银发〔2026〕1号；无则省略"
    # a field whose schema is a $ref to another section
    vendor = defs["Engagement"]["properties"]["vendor"]
    assert vendor == {
        "$ref": "#/$defs/Party",
        "description": "乙方（服务提供商）的名称、统一社会信用代码、住所等登记信息",
        "title": "乙方（服务提供商）",  # profile.labels
    }
    assert field_description(Engagement, "vendor") == vendor["description"]


def test_explicit_description_wins_over_the_docstring() -> None:
    # Fee.amount is a Money (Field(description=...)) and has a docstring of its own.
    assert attribute_docstrings(Fee)["amount"] == "合同总价（元，含税）"
    assert field_description(Fee, "amount") == "金额（元），最多两位小数"
    tier = profile_schema()["$defs"]["ApprovalTier"]["properties"]["approver"]
    assert tier["description"] == "审批人或审批机构"  # the docstring, no label description
    # A description in the labels file (templates/zh/schema.yaml) wins over both.
    amount = profile_schema()["$defs"]["Fee"]["properties"]["amount"]
    assert amount["description"] == "合同总价（元，含税），最多两位小数"
    assert amount["title"] == "合同金额"


def test_starter_profile_comments_come_from_the_docstrings() -> None:
    text = starter_yaml()
    assert "version: V1.0  # 文档版本号\n" in text
    assert "# 付款安排，比例合计 100\n" in text


# The same models twice: once described by pydantic itself (use_attribute_docstrings=True),
# once left to DocumentedJsonSchema; their schemas must not differ.


def _models(by_pydantic: bool) -> type[Section]:
    config = ConfigDict(use_attribute_docstrings=by_pydantic)

    class Inner(Section):
        """The inner section."""

        model_config = config
        x: int = 0
        """an x"""

    class Base(Section):
        model_config = config
        inherited: str = ""
        """inherited from the base"""
        redefined: str = ""
        """the base's docstring, lost when a subclass redefines the field"""

    class Outer(Base):
        model_config = config
        plain: str
        """a plain field"""
        optional: int | None = None
        """may be null"""
        explicit: str = Field("", description="the explicit description")
        """loses to Field(description=...)"""
        typed: Annotated[str, Field(description="from the type")] = ""
        """loses to the annotated description"""
        nested: Inner
        """the nested section"""
        same_as_model: Inner = Inner()
        """The inner section."""
        maybe_nested: Inner | None = None
        """a nested section or null"""
        many: list[Inner] = Field(default_factory=list)
        """several"""
        undocumented: int = 1
        redefined: str = "again"
        documented_later: int = 2
        other: int = 3
        """documents `other` only"""

    return Outer


@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_matches_pydantic_use_attribute_docstrings(mode: Any) -> None:
    expected_model, lazy_model = _models(by_pydantic=True), _models(by_pydantic=False)
    expected = expected_model.model_json_schema(mode=mode)
    assert lazy_model.model_json_schema(mode=mode) != expected  # without the generator: no docs
    documented = lazy_model.model_json_schema(mode=mode, schema_generator=DocumentedJsonSchema)
    assert documented == expected
    properties = expected["properties"]
    assert properties["same_as_model"] == {"$ref": "#/$defs/Inner", "default": {"x": 0}}
    assert properties["explicit"]["description"] == "the explicit description"
    assert "description" not in properties["redefined"]
    for name, info in expected_model.model_fields.items():
        assert field_description(lazy_model, name) == info.description, name
