"""`vendor_selection`: how vendors are chosen, evaluated and graded."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from policygen.profile.base import Section, check_rules
from policygen.profile.types import (
    MAX_DIGITS,
    MAX_ITEMS,
    MAX_SHORT_ITEMS,
    Frequency,
    Name,
    Score,
    Text,
)


class Criterion(Section):
    """One weighted evaluation criterion."""

    name: Name
    """评价维度"""
    weight: Decimal = Field(gt=0, le=100, max_digits=MAX_DIGITS)
    """权重（%），各项合计 100"""
    description: Text | None = None
    """评分要点"""


class GradeBand(Section):
    """A grade and the score range that earns it: min ≤ score < max (the top band includes 100)."""

    grade: Name
    """等级，如 A"""
    label: Name
    """等级名称，如 优秀"""
    min: Score
    """分数下限（含）"""
    max: Score
    """分数上限（不含；最高一档含 100）"""
    consequence: Text
    """评定结果的运用"""

    @model_validator(mode="after")
    def _min_below_max(self) -> GradeBand:
        if self.min >= self.max:
            check_rules(
                [
                    (
                        "max",
                        f"等级 {self.grade} 的分数上限应高于下限 {self.min} (max must exceed min)",
                    )
                ]
            )
        return self


def _default_criteria() -> list[Criterion]:
    return [
        Criterion(
            name="技术能力与服务方案",
            weight=Decimal(30),
            description="技术实力、方案可行性、人员资质与稳定性",
        ),
        Criterion(
            name="服务质量与行业经验",
            weight=Decimal(25),
            description="同类项目案例、客户评价、行业口碑",
        ),
        Criterion(name="价格", weight=Decimal(20), description="报价合理性与总体拥有成本"),
        Criterion(
            name="财务状况与经营稳定性",
            weight=Decimal(15),
            description="近三年财务报表、资信状况、诉讼情况",
        ),
        Criterion(
            name="信息安全与合规管理",
            weight=Decimal(10),
            description="安全认证、保密措施、合规记录",
        ),
    ]


def _default_grading() -> list[GradeBand]:
    return [
        GradeBand(
            grade="A",
            label="优秀",
            min=Decimal(90),
            max=Decimal(100),
            consequence="优先续约，可适当扩大合作范围",
        ),
        GradeBand(
            grade="B",
            label="良好",
            min=Decimal(80),
            max=Decimal(90),
            consequence="正常合作，对扣分项提出改进要求",
        ),
        GradeBand(
            grade="C",
            label="合格",
            min=Decimal(60),
            max=Decimal(80),
            consequence="约谈服务提供商，限期整改，整改期间不得扩大合作范围",
        ),
        GradeBand(
            grade="D",
            label="不合格",
            min=Decimal(0),
            max=Decimal(60),
            consequence="启动退出程序，列入服务提供商黑名单，三年内不得再参与本单位采购",
        ),
    ]


class VendorSelection(Section):
    """Vendor admission, due diligence and periodic evaluation."""

    criteria: list[Criterion] = Field(
        default_factory=_default_criteria, min_length=1, max_length=MAX_ITEMS
    )
    """加权评价标准，权重合计 100"""
    pass_score: Score = Decimal(70)
    """准入最低综合得分"""
    procurement_methods: list[Name] = Field(
        default_factory=lambda: ["公开招标", "邀请招标", "竞争性谈判", "询价", "单一来源采购"],
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """采购方式"""
    due_diligence: list[Text] = Field(
        default_factory=lambda: [
            "主体资格、经营范围及相关业务资质",
            "财务状况、经营稳定性及重大诉讼、行政处罚情况",
            "技术能力、服务能力及同类项目经验",
            "信息安全管理体系、保密措施及数据保护能力",
            "业务连续性管理能力及应急处置能力",
            "关联关系及利益冲突情况",
        ],
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """尽职调查事项"""
    due_diligence_validity_months: int = Field(default=12, ge=1, le=60)
    """尽职调查结果有效期（月）"""
    grading: list[GradeBand] = Field(
        default_factory=_default_grading, min_length=1, max_length=MAX_SHORT_ITEMS
    )
    """评价等级，自高至低排列"""
    evaluation_frequency: Frequency = Frequency.QUARTERLY
    """服务提供商评价频率"""

    @model_validator(mode="after")
    def _rules(self) -> VendorSelection:
        def violations():
            total = sum((c.weight for c in self.criteria), Decimal(0))
            if total != 100:
                last = len(self.criteria) - 1
                yield (
                    f"criteria[{last}].weight",
                    f"评价标准权重合计应为 100，现为 {total.normalize():f} "
                    f"(criteria weights must sum to 100, got {total.normalize():f})",
                )
            names = [c.name for c in self.criteria]
            for i, name in enumerate(names):
                if name in names[:i]:
                    yield (f"criteria[{i}].name", f"评价维度「{name}」重复 (duplicate criterion)")
            bands = self.grading
            for i in range(1, len(bands)):
                upper, lower = bands[i - 1], bands[i]
                if lower.max > upper.min:
                    yield (
                        f"grading[{i}].max",
                        f"等级 {lower.grade} 的分数区间与 {upper.grade} 重叠或顺序颠倒：等级应自高至低"
                        f"排列，{lower.grade} 的上限不得高于 {upper.grade} 的下限 {upper.min} "
                        "(bands must be ordered high to low and must not overlap)",
                    )

        check_rules(violations())
        return self
