"""`vendor_selection`: how vendors are chosen, evaluated and graded."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.types import (
    MAX_DIGITS,
    MAX_ITEMS,
    MAX_SHORT_ITEMS,
    Duration,
    DurationUnit,
    Frequency,
    Name,
    Score,
    Text,
)


class Criterion(Section):
    """One weighted evaluation criterion."""

    name: Name
    """评价维度的名称，如 技术能力、服务质量"""
    weight: Decimal = Field(gt=0, le=100, max_digits=MAX_DIGITS)
    """权重（%），各项合计 100"""
    description: Text | None = None
    """该维度的评分要点，印在评价表中"""


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
    """评为该等级的后果，如 优先续约、限期整改、终止合作"""

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


class VendorSelection(Section):
    """Vendor admission, due diligence and periodic evaluation."""

    criteria: list[Criterion] = Field(
        default_factory=defaults.factory("vendor_selection.criteria", list[Criterion]),
        min_length=1,
        max_length=MAX_ITEMS,
    )
    """加权评价标准，权重合计 100"""
    pass_score: Score = Decimal(70)
    """准入最低综合得分"""
    procurement_methods: list[Name] = Field(
        default_factory=defaults.factory("vendor_selection.procurement_methods", list[Name]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """可以采用的采购方式，如 公开招标、邀请招标、竞争性谈判"""
    due_diligence: list[Text] = Field(
        default_factory=defaults.factory("vendor_selection.due_diligence", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """准入前对服务提供商开展尽职调查的事项，逐项列明"""
    due_diligence_validity_months: int = Field(default=12, ge=1, le=60)
    """尽职调查结果有效期（月）"""
    grading: list[GradeBand] = Field(
        default_factory=defaults.factory("vendor_selection.grading", list[GradeBand]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """评价等级，自高至低排列"""
    evaluation_frequency: Frequency = Frequency.QUARTERLY
    """服务提供商评价频率"""
    exclusion_term: Duration = Field(default_factory=lambda: Duration(3, DurationUnit.YEAR))
    """列入禁止合作名单的期限"""
    performance_criteria: list[Criterion] = Field(
        default_factory=defaults.factory("vendor_selection.performance_criteria", list[Criterion]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """定期评价（服务提供商评估表）的评价维度及权重（%），各项合计 100；准入评价用 criteria"""

    @model_validator(mode="after")
    def _rules(self) -> VendorSelection:
        def violations() -> Violations:
            for field in ("criteria", "performance_criteria"):
                criteria = getattr(self, field)
                total = sum((c.weight for c in criteria), Decimal(0))
                if total != 100:
                    yield (
                        f"{field}[{len(criteria) - 1}].weight",
                        f"评价标准权重合计应为 100，现为 {total.normalize():f} "
                        f"(criteria weights must sum to 100, got {total.normalize():f})",
                    )
                names = [c.name for c in criteria]
                for i, name in enumerate(names):
                    if name in names[:i]:
                        yield (
                            f"{field}[{i}].name",
                            f"评价维度「{name}」重复 (duplicate criterion)",
                        )
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
