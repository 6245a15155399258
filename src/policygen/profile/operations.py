"""`information_security`, `risk` and `exit`: controls over the vendor while the service runs
and when it ends."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, Violations, check_percentage, check_rules
from policygen.profile.types import (
    MAX_ITEMS,
    MAX_SHORT_ITEMS,
    Comparison,
    Duration,
    DurationUnit,
    Frequency,
    Money,
    Name,
    Percent,
    Quantity,
    Text,
    WarningLevel,
)


class InformationSecurity(Section):
    """Security controls the vendor must keep."""

    controls: list[Text] = Field(
        default_factory=defaults.factory("information_security.controls", list[Text]),
        min_length=1,
        max_length=MAX_ITEMS,
    )
    """乙方应当落实的信息安全控制措施，逐项列明"""
    access_principle: Text = defaults.field("information_security.access_principle", Text)
    """乙方人员访问甲方系统和数据的授权原则，如 最小授权、按需知悉"""
    background_checks: bool = True
    """是否对关键岗位外包人员进行背景审查"""
    drill_frequency: Frequency = Frequency.ANNUAL
    """信息安全应急演练的频率"""
    assessment_frequency: Frequency = Frequency.ANNUAL
    """甲方对乙方开展信息安全评估的频率"""
    log_retention: Duration = Field(default_factory=lambda: Duration(6, DurationUnit.MONTH))
    """操作日志留存期限（不少于六个月）"""
    mlps_level: int | None = Field(default=None, ge=1, le=5)
    """涉及的信息系统中最高的网络安全等级保护级别（各系统按其定级保护）；不涉及则为 null"""


class Indicator(Section):
    """A risk warning indicator and what happens when it is crossed."""

    name: Name
    """预警指标的名称，如 服务可用率"""
    threshold: Quantity
    """触发预警的数值（单位见“单位”一项）"""
    unit: Name = "%"
    """阈值的单位，如 %、次"""
    comparison: Comparison = Comparison.AT_LEAST
    """>= 表示达到或超过阈值即预警，<= 表示达到或低于阈值即预警"""
    level: WarningLevel = WarningLevel.YELLOW
    """触发时的预警级别"""
    action: Text
    """触发预警后采取的措施"""
    report_to_senior_management: bool = False
    """预警时报告 organisation.senior_management（应对措施之前写“报告经营管理层”“报告高级管理层”等，按本机构的称谓）"""
    metric: Name | None = None
    """对应的服务水平指标名称（如 用户满意度）：写出时，各合同的外包风险评估表以该合同服务水平协议的目标值为预警条件，未达到目标值即预警；服务水平协议未列该指标的合同仍以 threshold 为准"""

    @model_validator(mode="after")
    def _percent_in_range(self) -> Indicator:
        check_percentage(self.unit, self.threshold, field="threshold", what="阈值")
        return self


class Risk(Section):
    """How outsourcing risk is identified, scored and watched."""

    categories: list[Name] = Field(
        default_factory=defaults.factory("risk.categories", list[Name]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """外包风险的类别，如 操作风险、信息安全风险"""
    likelihood_levels: int = Field(default=5, ge=3, le=5)
    """可能性分为几级（风险分值 = 可能性 × 影响程度）"""
    impact_levels: int = Field(default=5, ge=3, le=5)
    """影响程度分级数"""
    high_risk_score: int = Field(default=15, ge=1, le=25)
    """可能性×影响程度达到该分值即为高风险"""
    medium_risk_score: int = Field(default=8, ge=1, le=25)
    """达到该分值即为中风险"""
    indicators: list[Indicator] = Field(
        default_factory=defaults.factory("risk.indicators", list[Indicator]), max_length=MAX_ITEMS
    )
    """外包风险预警指标：指标、阈值、预警级别和应对措施"""
    concentration_limit: Percent = Decimal(30)
    """单一服务提供商及其关联方承接的外包合同年度金额占外包合同年度总金额的上限（%）"""
    annual_outsourcing_total: Money | None = None
    """本单位外包合同年度总金额（元，含税），用于计算集中度；不写则以本配置所列合同的年度金额合计计算"""
    assessment_frequency: Frequency = Frequency.ANNUAL
    """外包风险全面评估频率"""
    contingency_drill_frequency: Frequency = Frequency.ANNUAL
    """外包应急预案的演练频率"""

    @model_validator(mode="after")
    def _rules(self) -> Risk:
        def violations() -> Violations:
            top = self.likelihood_levels * self.impact_levels
            if self.high_risk_score > top:
                yield (
                    "high_risk_score",
                    f"高风险分值 {self.high_risk_score} 超过最高可能得分 {top} (exceeds the maximum)",
                )
            if self.medium_risk_score >= self.high_risk_score:
                yield (
                    "medium_risk_score",
                    f"中风险分值 {self.medium_risk_score} 应低于高风险分值 {self.high_risk_score} "
                    "(medium must be below high)",
                )

        check_rules(violations())
        return self


class Exit(Section):
    """How an outsourcing ends without disrupting the business."""

    notice_period: Duration = Field(default_factory=lambda: Duration(90, DurationUnit.DAY))
    """提前通知期（不续期、无过错解除的通知期限）"""
    transition_period: Duration = Field(default_factory=lambda: Duration(6, DurationUnit.MONTH))
    """过渡期上限：合同解除或者终止后乙方按原服务水平继续服务、协助交接的最长期间"""
    data_return_within: Duration = Field(default_factory=lambda: Duration(30, DurationUnit.DAY))
    """返还甲方数据、文档和资料的期限（自退出起算日起：过渡期届满之日，无过渡期的为合同解除或者终止之日）"""
    confidential_return_within: Duration = Field(
        default_factory=lambda: Duration(10, DurationUnit.BUSINESS_DAY)
    )
    """返还或者销毁保密信息的期限（自退出起算日起）"""
    personal_info_deletion_within: Duration = Field(
        default_factory=lambda: Duration(15, DurationUnit.DAY)
    )
    """返还或者删除个人信息的期限（自退出起算日起）"""
    certify_within: Duration = Field(default_factory=lambda: Duration(5, DurationUnit.BUSINESS_DAY))
    """返还、销毁或者删除完成后出具书面确认的期限"""
    triggers: list[Text] = Field(
        default_factory=defaults.factory("exit.triggers", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """甲方启动退出的情形，如 乙方严重违约、经营状况恶化"""
    transition_assistance: list[Text] = Field(
        default_factory=defaults.factory("exit.transition_assistance", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """过渡期内乙方应当提供的协助，如 移交文档、培训接替人员"""
    alternate_vendors: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """可以接替本服务的备选服务提供商，逐项列明"""
    plan_test_frequency: Frequency = Frequency.ANNUAL
    """退出计划评估与测试频率"""
