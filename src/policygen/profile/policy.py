"""`policy`: what the regulation governs, on what basis, and who approves what."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from policygen.profile import defaults
from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.critical import CriticalCriterion
from policygen.profile.types import (
    MAX_SHORT_ITEMS,
    Duration,
    DurationUnit,
    Frequency,
    Money,
    Name,
    Scope,
    Text,
)


class ApprovalTier(Section):
    """Who approves an outsourcing up to an amount (审批权限)."""

    up_to: Money | None = None
    """合同金额上限（元，含）；最后一档不填表示不设上限"""
    approver: Name
    """审批人或审批机构"""


def _text_criterion(value: Any) -> Any:
    if isinstance(value, str):
        raise PydanticCustomError(
            "critical_criterion_text",
            "重要外包认定标准「{text}」须写成 text（表述）与 test（判定方式）两项；test 可为 "
            "annual_amount、data_centre、core_system、customer_facing、remote_production_access、"
            "important_data、major_interruption、personal_info_at_scale、"
            "sensitive_personal_info、cross_border，不能由合同事实判定的写 question 并给出 id，"
            "由各合同在 facts.answers 中回答 (each criterion needs text and test; see policygen init)",
            {"text": value[:60]},
        )
    return value


CriticalCriterionItem = Annotated[CriticalCriterion, BeforeValidator(_text_criterion)]
"""A criterion of 重要外包; a bare text is refused with a hint, since it cannot be evaluated."""


class Policy(Section):
    """The regulation's frame: title, legal basis, scope, principles, approvals."""

    title: Name = defaults.field("policy.title", Name)
    """管理制度的名称，如 外包管理办法"""
    legal_basis: list[Name] = Field(
        default_factory=defaults.factory("policy.legal_basis", list[Name]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """制定依据（法律法规名称，带书名号）"""
    scope: list[Scope] = Field(
        default_factory=lambda: [Scope.ITO], min_length=1, max_length=MAX_SHORT_ITEMS
    )
    """外包类型，可写多项"""
    scope_note: Text | None = None
    """适用范围的补充说明"""
    subsidiaries_follow: bool = True
    """子公司是否参照执行"""
    categories: list[Name] = Field(
        default_factory=defaults.factory("policy.categories", list[Name]),
        max_length=MAX_SHORT_ITEMS,
    )
    """制度中列明的外包分类，如 信息技术外包、业务流程外包"""
    principles: list[Text] = Field(
        default_factory=defaults.factory("policy.principles", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """制度中的外包管理基本原则，逐项列明"""
    prohibited_functions: list[Text] = Field(
        default_factory=defaults.factory("policy.prohibited_functions", list[Text]),
        max_length=MAX_SHORT_ITEMS,
    )
    """不得外包的职能，逐项列明，如 决策管理、内部审计"""
    approval_tiers: list[ApprovalTier] = Field(
        default_factory=defaults.factory("policy.approval_tiers", list[ApprovalTier]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """按合同金额划分的审批权限，金额自低至高"""
    critical_criteria: list[CriticalCriterionItem] = Field(
        default_factory=defaults.factory("policy.critical_criteria", list[CriticalCriterion]),
        max_length=MAX_SHORT_ITEMS,
    )
    """重要外包的认定标准：每项写明表述（text）和判定方式（test），由各合同的事实判定"""
    review_frequency: Frequency = Frequency.ANNUAL
    """对本制度进行评估、必要时修订的频率"""
    repeals: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """本制度施行后废止的原制度名称"""
    regulatory_report_lead_time: Duration = Field(
        default_factory=lambda: Duration(20, DurationUnit.BUSINESS_DAY)
    )
    """银行保险机构：重要外包合同签订前向监管部门报告的提前期；证券基金经营机构：本机构自定的、需求部门在合同签订前提交报告资料的提前期（向监管部门报告的时限依照监管规定）"""
    regulatory_incident_report_within: Duration = Field(
        default_factory=lambda: Duration(24, DurationUnit.HOUR)
    )
    """银行保险机构：外包重大风险事件向监管部门报告的最长时限（监管规定更短的，从其规定）"""

    @model_validator(mode="after")
    def _tiers_ascend(self) -> Policy:
        def violations() -> Violations:
            tiers = self.approval_tiers
            for i, tier in enumerate(tiers):
                if tier.up_to is None and i != len(tiers) - 1:
                    yield (
                        f"approval_tiers[{i}].up_to",
                        "只有最后一档审批权限可以不设金额上限 (only the last tier may be open-ended)",
                    )
            for i in range(1, len(tiers)):
                low, high = tiers[i - 1].up_to, tiers[i].up_to
                if low is not None and high is not None and high <= low:
                    yield (
                        f"approval_tiers[{i}].up_to",
                        f"审批权限应按金额由低到高排列：本档上限 {high} 元不高于上一档 {low} 元 "
                        "(tiers must ascend by amount)",
                    )
            ids = [c.id for c in self.critical_criteria]
            for i, criterion_id in enumerate(ids):
                if criterion_id is not None and criterion_id in ids[:i]:
                    yield (
                        f"critical_criteria[{i}].id",
                        f"认定标准 id {criterion_id} 重复 (duplicate criterion id)",
                    )

        check_rules(violations())
        return self
