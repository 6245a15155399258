"""`sla`: service hours, severity levels, metrics, service credits, reporting and review."""

from __future__ import annotations

from collections.abc import Iterator
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
    Name,
    Percent,
    Quantity,
    Severity,
    Text,
)


class SeverityLevel(Section):
    """One incident severity level and its time limits."""

    level: Severity
    """级别，P1 最严重"""
    name: Name
    """级别名称，如 紧急"""
    definition: Text
    """属于该级别事件的判定标准"""
    response: Duration
    """乙方接报后作出响应的最长时限"""
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
    """指标名称，如 系统可用率、故障响应时间"""
    target: Quantity
    """应当达到的数值（单位见“单位”一项）"""
    unit: Name = "%"
    """单位，如 %、小时、分钟"""
    comparison: Comparison = Comparison.AT_LEAST
    """>= 表示不低于目标值，<= 表示不高于目标值"""
    window: Frequency = Frequency.MONTHLY
    """指标统计的周期"""
    method: Text
    """计算与计量方法"""
    covers: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """指标计量的对象（系统、设备或者服务），如 核心业务系统、手机银行；不写则为全部服务对象"""
    available_hours: Decimal | None = Field(default=None, gt=0, le=8784)
    """可用率每月应当可用的小时数（如交易时段），用于写明允许的不可用时间；不写时7×24小时服务按720小时计"""

    @model_validator(mode="after")
    def _percent_in_range(self) -> Metric:
        check_percentage(self.unit, self.target, field="target", what="指标的目标值")
        return self


class CreditTier(Section):
    """Service credit due when the measured value falls below `below` (a metric that must be
    at least its target) or rises above `above` (one that must be at most its target)."""

    below: Quantity | None = None
    """实际值低于该值（指标单位）时适用：用于“不低于”型指标，如可用率"""
    above: Quantity | None = None
    """实际值高于该值（指标单位）时适用：用于“不超过”型指标，如修复时间"""
    credit: Percent
    """扣减当期服务费的比例（%）"""

    @model_validator(mode="after")
    def _one_threshold(self) -> CreditTier:
        if (self.below is None) == (self.above is None):
            check_rules(
                [("below", "每一档须写 below 或者 above 之一 (give below or above, not both)")]
            )
        return self

    @property
    def threshold(self) -> Decimal:
        """The value the tier starts at."""
        if self.below is not None:
            return self.below
        assert self.above is not None  # one of the two, checked by the validator above
        return self.above


class CreditRule(Section):
    """The credit schedule of one more metric."""

    metric: Name
    """适用的指标名称（须为 sla.metrics 中的一项）"""
    tiers: list[CreditTier] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """扣减阶梯，服务水平越差扣减越多"""


def _tier_rules(tiers: list[CreditTier], cap: Decimal, where: str) -> Iterator[tuple[str, str]]:
    """Report tiers that do not worsen step by step, mix below and above, or exceed `cap`."""
    for i in range(1, len(tiers)):
        prev, tier = tiers[i - 1], tiers[i]
        if (tier.below is None) != (prev.below is None):
            yield (f"{where}[{i}]", "同一指标的各档须都写 below 或者都写 above (one direction)")
            continue
        if tier.below is not None and prev.below is not None:
            worse = tier.below < prev.below
        else:
            worse = tier.threshold > prev.threshold
        if not worse:
            yield (
                f"{where}[{i}].{'below' if tier.below is not None else 'above'}",
                f"扣减阶梯应按服务水平由好到差排列：{tier.threshold} 不比上一档 {prev.threshold} 差 "
                "(tiers must go from better to worse service)",
            )
        if tier.credit <= prev.credit:
            yield (
                f"{where}[{i}].credit",
                f"扣减比例应随服务水平下降而递增：{tier.credit}% 不高于上一档 {prev.credit}% "
                "(credits must increase as service worsens)",
            )
    for i, tier in enumerate(tiers):
        if tier.credit > cap:
            yield (
                f"{where}[{i}].credit",
                f"扣减比例 {tier.credit}% 超过扣减上限 {cap}% (a credit must not exceed the cap)",
            )


class ServiceCredits(Section):
    """The service-credit schedules, one per metric, and their common cap."""

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
    additional: list[CreditRule] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """其他适用服务费扣减的指标及其阶梯"""
    cap: Percent = Decimal(20)
    """同一统计周期各项扣减合计的上限（占当期服务费的比例）"""
    claim_within: Duration = Field(default_factory=lambda: Duration(30, DurationUnit.DAY))
    """甲方主张扣减的期限（自月度报告提交之日起）"""

    @property
    def rules(self) -> list[CreditRule]:
        """Every metric's schedule: `metric` with `tiers`, then `additional`."""
        return [CreditRule(metric=self.metric, tiers=self.tiers), *self.additional]

    @model_validator(mode="after")
    def _monotonic_and_capped(self) -> ServiceCredits:
        def violations() -> Violations:
            yield from _tier_rules(self.tiers, self.cap, "tiers")
            for j, rule in enumerate(self.additional):
                yield from _tier_rules(rule.tiers, self.cap, f"additional[{j}].tiers")

        check_rules(violations())
        return self


def _round_the_clock(hours: str) -> bool:
    """Whether `hours` states a 7×24 service (7×24, 7*24, 7x24, 全天候)."""
    compact = hours.replace(" ", "").replace("＊", "*").replace("Ｘ", "x").lower()
    return any(mark in compact for mark in ("7×24", "7*24", "7x24", "全天候", "24×7", "24*7"))


class ChronicFailure(Section):
    """When repeated failure lets the client terminate."""

    breaches: int = Field(default=3, ge=1, le=24)
    """统计期间内服务水平未达标的次数达到此数时，甲方可以解除合同"""
    within_months: int = Field(default=6, ge=1, le=36)
    """统计期间（连续月数）"""


class Sla(Section):
    """The service-level agreement annexed to every contract."""

    service_hours: Name = defaults.field("sla.service_hours", Name)
    """服务时间，如 7×24小时、工作日 9:00—18:00"""
    support_hours: Name = defaults.field("sla.support_hours", Name)
    """现场（人工）支持时间"""
    severities: list[SeverityLevel] = Field(
        default_factory=defaults.factory("sla.severities", list[SeverityLevel]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """事件分级：各级别的判定标准及响应、解决时限"""
    metrics: list[Metric] = Field(
        default_factory=defaults.factory("sla.metrics", list[Metric]),
        min_length=1,
        max_length=MAX_ITEMS,
    )
    """服务水平指标：名称、目标值、单位、统计周期和计量方法"""
    credits: ServiceCredits = Field(default_factory=ServiceCredits)
    """服务费扣减（服务信用）"""
    maintenance_notice: Duration = Field(default_factory=lambda: Duration(72, DurationUnit.HOUR))
    """计划维护提前通知时间"""
    reporting_frequency: Frequency = Frequency.MONTHLY
    """乙方提交服务报告的频率"""
    review_frequency: Frequency = Frequency.QUARTERLY
    """双方评审服务水平的频率"""
    record_retention_years: int = Field(default=3, ge=1, le=30)
    """监控与评价数据在服务结束后的保存年限"""
    chronic_failure: ChronicFailure = Field(default_factory=ChronicFailure)
    """持续未达标的解约条件"""
    recovery_time_objective: Duration | None = None
    """恢复时间目标（RTO）：服务中断后恢复服务的最长时间；不填则以甲方业务连续性计划确定的为准"""
    recovery_point_objective: Duration | None = None
    """恢复点目标（RPO）：服务中断时可以接受的最大数据丢失时间；不填则以甲方业务连续性计划确定的为准"""
    recovery_point_scope: Text | None = None
    """恢复点目标依赖甲方的数据复制或者灾备架构时写明其适用范围，如 在甲方灾备架构支持的范围内"""

    @property
    def service_round_the_clock(self) -> bool:
        """Whether the service runs at any hour (service_hours states 7×24)."""
        return _round_the_clock(self.service_hours)

    @property
    def support_round_the_clock(self) -> bool:
        """Whether people support the service at any hour (support_hours states 7×24)."""
        return _round_the_clock(self.support_hours)

    @model_validator(mode="after")
    def _rules(self) -> Sla:
        def violations() -> Violations:
            seen: set[str] = set()
            for i, sev in enumerate(self.severities):
                if sev.level in seen:
                    yield (f"severities[{i}].level", f"事件级别 {sev.level} 重复 (duplicate level)")
                seen.add(sev.level)
            names = [m.name for m in self.metrics]
            for i, metric in enumerate(self.metrics):
                if metric.name in names[:i]:
                    yield (f"metrics[{i}].name", f"指标「{metric.name}」重复 (duplicate metric)")
            if _round_the_clock(self.service_hours) and not _round_the_clock(self.support_hours):
                yield (
                    "support_hours",
                    f"服务时间为{self.service_hours}，现场（人工）支持时间「{self.support_hours}」"
                    "应当同为7×24小时：全天候服务的故障随时需要人员处置 (a 7×24 service needs "
                    "7×24 support)",
                )
            by_name = {m.name: m for m in self.metrics}
            credited: set[str] = set()
            for j, rule in enumerate(self.credits.rules):
                where = "credits" if j == 0 else f"credits.additional[{j - 1}]"
                target = by_name.get(rule.metric)
                if target is None:
                    yield (
                        f"{where}.metric",
                        f"服务费扣减适用的指标「{rule.metric}」不在 sla.metrics 中；可选："
                        f"{'、'.join(names[:10])}{f'等{len(names)}项' if len(names) > 10 else ''} "
                        "(credits.metric must name one of sla.metrics)",
                    )
                    continue
                if rule.metric in credited:
                    yield (f"{where}.metric", f"指标「{rule.metric}」的扣减重复 (duplicate)")
                credited.add(rule.metric)
                wanted = "below" if target.comparison == Comparison.AT_LEAST else "above"
                for i, tier in enumerate(rule.tiers):
                    if getattr(tier, wanted) is None:
                        yield (
                            f"{where}.tiers[{i}].{wanted}",
                            f"「{rule.metric}」要求{'不低于' if wanted == 'below' else '不超过'}目标值，"
                            f"扣减阶梯应写 {wanted} (the tier must say {wanted})",
                        )

        check_rules(violations())
        return self
