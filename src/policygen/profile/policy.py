"""`policy`: what the regulation governs, on what basis, and who approves what."""

from __future__ import annotations

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, check_rules
from policygen.profile.types import MAX_SHORT_ITEMS, Frequency, Money, Name, Scope, Text


class ApprovalTier(Section):
    """Who approves an outsourcing up to an amount (审批权限)."""

    up_to: Money | None = None
    """合同金额上限（元，含）；最后一档不填表示不设上限"""
    approver: Name
    """审批人或审批机构"""


class Policy(Section):
    """The regulation's frame: title, legal basis, scope, principles, approvals."""

    title: Name = defaults.field("policy.title", Name)
    """制度名称"""
    legal_basis: list[Name] = Field(
        default_factory=defaults.factory("policy.legal_basis", list[Name]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """制定依据（法律法规名称，带书名号）"""
    scope: list[Scope] = Field(
        default_factory=lambda: [Scope.ITO], min_length=1, max_length=MAX_SHORT_ITEMS
    )
    """外包类型：ITO、BPO、KPO、other"""
    scope_note: Text | None = None
    """适用范围的补充说明"""
    subsidiaries_follow: bool = True
    """子公司是否参照执行"""
    categories: list[Name] = Field(
        default_factory=defaults.factory("policy.categories", list[Name]),
        max_length=MAX_SHORT_ITEMS,
    )
    """外包分类"""
    principles: list[Text] = Field(
        default_factory=defaults.factory("policy.principles", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """基本原则"""
    prohibited_functions: list[Text] = Field(
        default_factory=defaults.factory("policy.prohibited_functions", list[Text]),
        max_length=MAX_SHORT_ITEMS,
    )
    """不得外包的职能"""
    approval_tiers: list[ApprovalTier] = Field(
        default_factory=defaults.factory("policy.approval_tiers", list[ApprovalTier]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """按合同金额划分的审批权限，金额自低至高"""
    critical_criteria: list[Text] = Field(
        default_factory=lambda: [
            "外包服务中断将对本单位核心业务的持续运营产生重大影响的",
            "服务提供商可以接触大量重要数据或个人信息的",
            "涉及数据中心、核心系统运行维护等关键信息基础设施的",
            "年度合同金额超过审批权限最高一档下限的",
        ],
        max_length=MAX_SHORT_ITEMS,
    )
    """重要外包的认定标准"""
    review_frequency: Frequency = Frequency.ANNUAL
    """制度审阅频率"""
    repeals: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """本制度施行后废止的原制度名称"""

    @model_validator(mode="after")
    def _tiers_ascend(self) -> Policy:
        def violations():
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

        check_rules(violations())
        return self
