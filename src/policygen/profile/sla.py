"""`sla`: service hours, severity levels, metrics, service credits, reporting and review."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, check_percentage, check_rules
from policygen.profile.types import (
    MAX_ITEMS,
    MAX_SHORT_ITEMS,
    Comparison,
    Duration,
    Frequency,
    Name,
    Percent,
    Quantity,
    Severity,
    Text,
)


class SeverityLevel(Section):
    """One incident severity level and its time limits."""

    level: Severity
    """级别：P1–P4"""
    name: Name
    """级别名称，如 紧急"""
    definition: Text
    """判定标准"""
    response: Duration
    """响应时限"""
    resolution: Duration
    """解决（恢复）时限"""
    update_interval: Duration | None = None
    """处理进展通报间隔"""

    @model_validator(mode="after")
    def _response_within_resolution(self) -> SeverityLevel:
        if self.response.minutes > self.resolution.minutes:
            check_rules(
                [
                    (
                        "response",
                        f"{self.level} 的响应时限 {self.response} 长于解决时限 {self.resolution} "
                        "(response time must not exceed resolution time)",
                    )
                ]
            )
        return self


class Metric(Section):
    """A measurable service-level target."""

    name: Name
    """指标名称"""
    target: Quantity
    """目标值"""
    unit: Name = "%"
    """单位，如 %、小时、分钟"""
    comparison: Comparison = Comparison.AT_LEAST
    """>= 表示不低于目标值，<= 表示不高于目标值"""
    window: Frequency = Frequency.MONTHLY
    """统计周期"""
    method: Text
    """计算与计量方法"""

    @model_validator(mode="after")
    def _percent_in_range(self) -> Metric:
        check_percentage(self.unit, self.target, field="target", what="指标的目标值")
        return self


class CreditTier(Section):
    """Service credit due when the measured value falls below `below`."""

    below: Quantity
    """实际值低于该值（指标单位）时适用"""
    credit: Percent
    """扣减当期服务费的比例（%）"""


class ServiceCredits(Section):
    """The service-credit schedule for one metric, and its cap."""

    metric: Name = defaults.field("sla.credits.metric", Name)
    """适用的指标名称（须为 sla.metrics 中的一项）"""
    tiers: list[CreditTier] = Field(
        default_factory=lambda: [
            CreditTier(below=Decimal("99.9"), credit=Decimal(5)),
            CreditTier(below=Decimal("99.5"), credit=Decimal(10)),
            CreditTier(below=Decimal("99"), credit=Decimal(15)),
            CreditTier(below=Decimal("98"), credit=Decimal(20)),
        ],
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """扣减阶梯，实际值越低扣减越多"""
    cap: Percent = Decimal(20)
    """单月扣减上限（占当月服务费的比例）"""
    claim_within: Duration = Field(default_factory=lambda: Duration(30, "day"))
    """甲方主张扣减的期限（自月度报告提交之日起）"""

    @model_validator(mode="after")
    def _monotonic_and_capped(self) -> ServiceCredits:
        def violations():
            for i in range(1, len(self.tiers)):
                prev, tier = self.tiers[i - 1], self.tiers[i]
                if tier.below >= prev.below:
                    yield (
                        f"tiers[{i}].below",
                        f"扣减阶梯应按实际值由高到低排列：{tier.below} 不低于上一档 {prev.below} "
                        "(tiers must descend by threshold)",
                    )
                if tier.credit <= prev.credit:
                    yield (
                        f"tiers[{i}].credit",
                        f"扣减比例应随服务水平下降而递增：{tier.credit}% 不高于上一档 {prev.credit}% "
                        "(credits must increase as service worsens)",
                    )
            for i, tier in enumerate(self.tiers):
                if tier.credit > self.cap:
                    yield (
                        f"tiers[{i}].credit",
                        f"扣减比例 {tier.credit}% 超过扣减上限 {self.cap}% "
                        "(a credit must not exceed the cap)",
                    )

        check_rules(violations())
        return self


class ChronicFailure(Section):
    """When repeated failure lets the client terminate."""

    breaches: int = Field(default=3, ge=1, le=24)
    """未达标次数"""
    within_months: int = Field(default=6, ge=1, le=36)
    """统计期间（连续月数）"""


class Sla(Section):
    """The service-level agreement annexed to every contract."""

    service_hours: Name = defaults.field("sla.service_hours", Name)
    """服务时间"""
    support_hours: Name = defaults.field("sla.support_hours", Name)
    """现场（人工）支持时间"""
    severities: list[SeverityLevel] = Field(
        default_factory=defaults.factory("sla.severities", list[SeverityLevel]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """事件分级"""
    metrics: list[Metric] = Field(
        default_factory=defaults.factory("sla.metrics", list[Metric]),
        min_length=1,
        max_length=MAX_ITEMS,
    )
    """服务水平指标"""
    credits: ServiceCredits = Field(default_factory=ServiceCredits)
    """服务费扣减（服务信用）"""
    maintenance_notice: Duration = Field(default_factory=lambda: Duration(72, "hour"))
    """计划维护提前通知时间"""
    reporting_frequency: Frequency = Frequency.MONTHLY
    """服务报告频率"""
    review_frequency: Frequency = Frequency.QUARTERLY
    """服务水平评审频率"""
    record_retention_years: int = Field(default=3, ge=1, le=30)
    """监控与评价数据在服务结束后的保存年限"""
    chronic_failure: ChronicFailure = Field(default_factory=ChronicFailure)
    """持续未达标的解约条件"""
    recovery_time_objective: Duration | None = None
    """恢复时间目标（RTO）：服务中断后恢复服务的最长时间；不填则以甲方业务连续性计划确定的为准"""
    recovery_point_objective: Duration | None = None
    """恢复点目标（RPO）：服务中断时可以接受的最大数据丢失时间；不填则以甲方业务连续性计划确定的为准"""

    @model_validator(mode="after")
    def _rules(self) -> Sla:
        def violations():
            seen: set[str] = set()
            for i, sev in enumerate(self.severities):
                if sev.level in seen:
                    yield (f"severities[{i}].level", f"事件级别 {sev.level} 重复 (duplicate level)")
                seen.add(sev.level)
            names = [m.name for m in self.metrics]
            for i, metric in enumerate(self.metrics):
                if metric.name in names[:i]:
                    yield (f"metrics[{i}].name", f"指标「{metric.name}」重复 (duplicate metric)")
            if self.credits.metric not in names:
                yield (
                    "credits.metric",
                    f"服务费扣减适用的指标「{self.credits.metric}」不在 sla.metrics 中；可选："
                    f"{'、'.join(names)} (credits.metric must name one of sla.metrics)",
                )

        check_rules(violations())
        return self
