"""`policy`: what the regulation governs, on what basis, and who approves what."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from policygen.profile.base import Section, check_rules
from policygen.profile.critical import CriticalCriterion, CriticalTest
from policygen.profile.types import MAX_SHORT_ITEMS, Frequency, Money, Name, Scope, Text


class ApprovalTier(Section):
    """Who approves an outsourcing up to an amount (审批权限)."""

    up_to: Money | None = None
    """合同金额上限（元，含）；最后一档不填表示不设上限"""
    approver: Name
    """审批人或审批机构"""


def _default_tiers() -> list[ApprovalTier]:
    return [
        ApprovalTier(up_to=Decimal("500000"), approver="归口管理部门负责人"),
        ApprovalTier(up_to=Decimal("5000000"), approver="分管高级管理人员"),
        ApprovalTier(up_to=None, approver="高级管理层"),
    ]


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


def _default_criteria() -> list[CriticalCriterion]:
    return [
        CriticalCriterion(
            text="外包服务中断将对本单位核心业务的持续运营产生重大影响的",
            test=[CriticalTest.MAJOR_INTERRUPTION],
        ),
        CriticalCriterion(
            text="服务提供商可以接触重要数据或者十万人以上个人信息的",
            test=[CriticalTest.IMPORTANT_DATA, CriticalTest.PERSONAL_INFO_AT_SCALE],
            individuals=100000,
        ),
        CriticalCriterion(
            text="涉及数据中心、核心业务系统运行维护等关键信息基础设施的",
            test=[CriticalTest.DATA_CENTRE, CriticalTest.CORE_SYSTEM],
        ),
        CriticalCriterion(
            text="年度合同金额在500万元以上的",
            test=[CriticalTest.ANNUAL_AMOUNT],
            amount=Decimal(5000000),
        ),
    ]


class Policy(Section):
    """The regulation's frame: title, legal basis, scope, principles, approvals."""

    title: Name = "外包服务管理制度"
    """制度名称"""
    legal_basis: list[Name] = Field(
        default_factory=lambda: [
            "《中华人民共和国民法典》",
            "《中华人民共和国网络安全法》",
            "《中华人民共和国数据安全法》",
            "《中华人民共和国个人信息保护法》",
        ],
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
        default_factory=lambda: [
            "咨询规划类",
            "开发测试类",
            "运行维护类",
            "安全服务类",
            "业务支持类",
        ],
        max_length=MAX_SHORT_ITEMS,
    )
    """外包分类"""
    principles: list[Text] = Field(
        default_factory=lambda: [
            "管理责任不外包：外包不转移本单位对外包活动承担的管理责任和主体责任",
            "风险可控：外包前充分评估风险，外包中持续监测，风险与成本、效益相平衡",
            "安全保密：保障网络与信息安全，保护重要数据和个人信息",
            "事前控制与持续监督相结合",
            "持续改进：定期评价外包效果，不断完善外包管理",
        ],
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """基本原则"""
    prohibited_functions: list[Text] = Field(
        default_factory=lambda: [
            "战略规划与决策职能",
            "风险管理职能",
            "内部审计职能",
            "其他涉及核心竞争力的职能",
        ],
        max_length=MAX_SHORT_ITEMS,
    )
    """不得外包的职能"""
    approval_tiers: list[ApprovalTier] = Field(
        default_factory=_default_tiers, min_length=1, max_length=MAX_SHORT_ITEMS
    )
    """按合同金额划分的审批权限，金额自低至高"""
    critical_criteria: list[CriticalCriterionItem] = Field(
        default_factory=_default_criteria, max_length=MAX_SHORT_ITEMS
    )
    """重要外包的认定标准：每项写明表述（text）和判定方式（test），由各合同的事实判定"""
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
            ids = [c.id for c in self.critical_criteria]
            for i, criterion_id in enumerate(ids):
                if criterion_id is not None and criterion_id in ids[:i]:
                    yield (
                        f"critical_criteria[{i}].id",
                        f"认定标准 id {criterion_id} 重复 (duplicate criterion id)",
                    )

        check_rules(violations())
        return self
