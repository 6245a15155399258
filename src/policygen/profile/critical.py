"""重要外包: the organisation's criteria as checkable rules, the facts an engagement states for
them, and the classification derived from both.

Input: `policy.critical_criteria` (each criterion its wording and the test that decides it), one
engagement with its facts and its effective `data_protection`. Output: a Classification — whether
the engagement is 重要外包, which criteria it meets, and, when the profile sets `critical` against
the rules, the reason it records. Nothing here is asserted: a criterion that is a fact about the
engagement is evaluated; the rest are questions the engagement answers."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from policygen.profile.base import Section, check_rules
from policygen.profile.clauses import ClauseId
from policygen.profile.types import MAX_SHORT_ITEMS, Money, Name, Text

if TYPE_CHECKING:
    from policygen.profile.engagement import Engagement, Term
    from policygen.profile.legal import DataProtection

_CENT = Decimal("0.01")


class CriticalTest(StrEnum):
    """How a criterion of 重要外包 is decided for an engagement."""

    ANNUAL_AMOUNT = "annual_amount"
    """年度合同金额（按服务期限折算）不低于 `amount`"""
    DATA_CENTRE = "data_centre"
    """数据中心（机房）整体外包：facts.data_centre"""
    CORE_SYSTEM = "core_system"
    """涉及核心业务系统或重要业务系统：facts.core_system"""
    CUSTOMER_FACING = "customer_facing"
    """涉及对客户提供服务的系统或渠道：facts.customer_facing"""
    REMOTE_PRODUCTION_ACCESS = "remote_production_access"
    """服务提供商可以远程访问生产环境：facts.remote_production_access"""
    IMPORTANT_DATA = "important_data"
    """服务提供商可以接触重要数据：facts.important_data"""
    MAJOR_INTERRUPTION = "major_interruption"
    """服务中断将产生重大影响：facts.interruption_impact 为 major"""
    PERSONAL_INFO_AT_SCALE = "personal_info_at_scale"
    """委托处理的个人信息涉及的自然人不少于 `individuals`：data_protection.individuals"""
    SENSITIVE_PERSONAL_INFO = "sensitive_personal_info"
    """委托处理敏感个人信息：data_protection.sensitive_pi"""
    CROSS_BORDER = "cross_border"
    """向境外提供个人信息：data_protection.cross_border"""
    QUESTION = "question"
    """无法由合同事实判定：每份合同在 facts.answers 中按 `id` 回答"""


class InterruptionImpact(StrEnum):
    """How badly an interruption of the service would hit the organisation."""

    MAJOR = "major"
    """重大：影响核心业务持续运营或大面积影响客户服务"""
    SIGNIFICANT = "significant"
    """较大：影响部分业务，有替代方案"""
    LIMITED = "limited"
    """有限：对业务影响轻微"""


FACT_TESTS: dict[CriticalTest, str] = {
    CriticalTest.DATA_CENTRE: "data_centre",
    CriticalTest.CORE_SYSTEM: "core_system",
    CriticalTest.CUSTOMER_FACING: "customer_facing",
    CriticalTest.REMOTE_PRODUCTION_ACCESS: "remote_production_access",
    CriticalTest.IMPORTANT_DATA: "important_data",
    CriticalTest.MAJOR_INTERRUPTION: "interruption_impact",
}
"""Tests decided by one field of `engagements[].facts`, and that field."""


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _one_or_many_schema(schema: dict[str, Any]) -> None:
    """Publish in the JSON Schema what `_one_or_many` accepts: one item, or a list of them."""
    listed = {k: v for k, v in schema.items() if k not in ("description", "title")}
    one = listed["items"]
    for key in listed:
        del schema[key]
    schema["anyOf"] = [one, listed]


class CriticalCriterion(Section):
    """One criterion of 重要外包 in the regulation, and how it is decided."""

    text: Text
    """认定标准的表述（印在管理制度中），如 年度合同金额在1000万元以上的外包"""
    test: Annotated[
        list[CriticalTest],
        BeforeValidator(_one_or_many),
        Field(min_length=1, max_length=MAX_SHORT_ITEMS, json_schema_extra=_one_or_many_schema),
    ]
    """判定方式，可写一项或多项（任一项成立即符合）"""
    id: ClauseId | None = None
    """标准的 id；test 为 question 时必填，各合同在 facts.answers 中按此 id 回答"""
    amount: Money | None = None
    """annual_amount 的金额标准（元，含本数）"""
    individuals: int | None = Field(default=None, ge=1)
    """personal_info_at_scale 的人数标准（自然人数量，含本数）"""

    @model_validator(mode="after")
    def _complete(self) -> CriticalCriterion:
        def violations() -> Iterator[tuple[str, str]]:
            if CriticalTest.ANNUAL_AMOUNT in self.test and self.amount is None:
                yield (
                    "amount",
                    "按年度合同金额认定时须写明金额标准 amount（元） (annual_amount needs amount)",
                )
            if CriticalTest.PERSONAL_INFO_AT_SCALE in self.test and self.individuals is None:
                yield (
                    "individuals",
                    "按个人信息规模认定时须写明人数标准 individuals "
                    "(personal_info_at_scale needs individuals)",
                )
            if CriticalTest.QUESTION in self.test:
                if self.id is None:
                    yield (
                        "id",
                        "需逐项回答的认定标准（test: question）须有 id，供各合同在 facts.answers "
                        "中回答 (a question needs an id)",
                    )
                if len(self.test) > 1:
                    yield (
                        "test",
                        "question 不能与其他判定方式并列：可由事实判定的部分请拆为单独一项 "
                        "(question stands alone)",
                    )

        check_rules(violations())
        return self


class Facts(Section):
    """What an engagement is, stated once, from which 重要外包 is derived."""

    data_centre: bool | None = None
    """是否为数据中心（机房）整体外包"""
    data_centre_basis: Text | None = None
    """数据中心（机房）整体外包与否的判断理由（涉及数据中心服务时写明，印入外包风险评估表）"""
    core_system: bool | None = None
    """是否涉及核心业务系统或重要业务系统的开发测试或运行维护"""
    core_systems: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """涉及的核心业务系统或重要业务系统的名称（印入外包风险评估表的认定依据）"""
    customer_facing: bool | None = None
    """是否涉及对客户提供服务的系统或渠道"""
    remote_production_access: bool | None = None
    """服务提供商能否远程访问生产环境"""
    important_data: bool | None = None
    """服务提供商能否接触重要数据（《中华人民共和国数据安全法》所称重要数据）"""
    interruption_impact: InterruptionImpact | None = None
    """服务中断对本单位业务的影响"""
    off_site_centralised: bool | None = None
    """是否为非驻场集中式外包：服务提供商在其自有场所集中为多家机构提供服务（如远程运维中心）"""
    related_party: bool | None = None
    """服务提供商是否为本单位的关联方（关联外包）"""
    offshore_service: bool | None = None
    """服务是否在中华人民共和国境外提供（跨境外包；向境外提供个人信息见 data_protection.cross_border）"""
    answers: dict[ClauseId, bool] = Field(default_factory=dict, max_length=MAX_SHORT_ITEMS)
    """对需逐项回答的重要外包认定标准（test: question）的回答：标准 id → true/false"""


# --------------------------------------------------------------------------- the term
#
# One annualisation rule, used by every document that speaks of an engagement's fee per year (the
# 重要外包 amount criterion, the risk register's concentration, the SLA's 当期服务费): the fee
# accrues evenly over the months of the term, and a calendar month the term covers only in part
# counts the share of its days that the term covers. So a year's part of a fee is
# fee × (the term's months in that year) ÷ (the term's months), and the parts of all years add
# up to the fee.


def months_between(first: date, last: date) -> Decimal:
    """Return the months from `first` to `last`, both days included, under the annualisation
    rule: each calendar month counts the share of its days that fall in the span. 2026-03-01 to
    2027-02-28 is 12; 2026-01-01 to 2028-12-31 is 36; 2026-03-16 to 2026-04-15 is 16/31 + 15/30.
    Zero when `last` is before `first`."""
    months = Decimal(0)
    day = first
    while day <= last:
        length = calendar.monthrange(day.year, day.month)[1]
        month_end = date(day.year, day.month, length)
        through = min(last, month_end)
        covered = (through - day).days + 1
        months += Decimal(1) if covered == length else Decimal(covered) / Decimal(length)
        day = _next_day(month_end)
    return months


def term_months(term: Term) -> Decimal:
    """Return the length of `term` in months under the annualisation rule (`months_between`)."""
    return months_between(term.start, term.end)


def annual_amount(engagement: Engagement) -> Decimal:
    """Return 年度合同金额, the engagement's fee for twelve months of service under the
    annualisation rule: the whole fee when the term is twelve months or shorter, else
    fee × 12 ÷ the term's months, to the cent."""
    months = term_months(engagement.term)
    fee = engagement.fee.amount
    if months <= 12:
        return fee
    return (fee * 12 / months).quantize(_CENT, rounding=ROUND_HALF_UP)


def year_amount(engagement: Engagement, year: int) -> Decimal:
    """Return the part of `engagement`'s fee that falls in calendar `year` under the
    annualisation rule: fee × (the term's months in `year`) ÷ (the term's months), unrounded.
    Zero when the term does not reach into `year`."""
    start, end = engagement.term.start, engagement.term.end
    months = term_months(engagement.term)
    inside = months_between(max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
    if not months or not inside:
        return Decimal(0)
    if inside == months:
        return engagement.fee.amount
    return engagement.fee.amount * inside / months


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


# --------------------------------------------------------------------------- the classification


@dataclass(frozen=True)
class MetCriterion:
    """A criterion an engagement meets."""

    number: int
    """Its position in `policy.critical_criteria`, from 1 (the regulation's 第（N）项)."""
    criterion: CriticalCriterion
    held: tuple[CriticalTest, ...] = ()
    """The criterion's tests the engagement passes, in the criterion's order: the facts the
    determination rests on (the risk register prints each)."""


@dataclass(frozen=True)
class Classification:
    """Whether an engagement is 重要外包, and why."""

    critical: bool
    """What every document of the engagement treats it as."""
    derived: bool
    """What the organisation's criteria decide."""
    met: tuple[MetCriterion, ...]
    """The criteria the engagement meets, in the regulation's order."""
    annual_amount: Decimal
    """年度合同金额, as the amount criterion compares it."""
    reason: str | None = None
    """Why `critical` differs from `derived`, as the profile records it; None when they agree."""


@dataclass(frozen=True)
class Missing:
    """A fact a criterion needs that the engagement does not state."""

    path: str
    """Its path below the engagement, e.g. ``facts.core_system``."""
    number: int
    criterion: CriticalCriterion


def evaluate(
    criteria: list[CriticalCriterion], engagement: Engagement, dp: DataProtection
) -> tuple[tuple[MetCriterion, ...], tuple[Missing, ...]]:
    """Return the criteria `engagement` meets, and the facts it leaves unstated that some
    criterion needs; `dp` is the engagement's effective data protection."""
    met: list[MetCriterion] = []
    missing: list[Missing] = []
    facts = engagement.facts
    for number, criterion in enumerate(criteria, start=1):
        held: list[CriticalTest] = []
        for test in criterion.test:
            holds = False
            if test in FACT_TESTS:
                name = FACT_TESTS[test]
                value = getattr(facts, name)
                if value is None:
                    missing.append(Missing(f"facts.{name}", number, criterion))
                elif test is CriticalTest.MAJOR_INTERRUPTION:
                    holds = value is InterruptionImpact.MAJOR
                else:
                    holds = bool(value)
            elif test is CriticalTest.ANNUAL_AMOUNT:
                holds = annual_amount(engagement) >= (criterion.amount or 0)
            elif test is CriticalTest.PERSONAL_INFO_AT_SCALE:
                if dp.processes_personal_info:
                    if dp.individuals is None:
                        missing.append(Missing("data_protection.individuals", number, criterion))
                    else:
                        holds = dp.individuals >= (criterion.individuals or 0)
            elif test is CriticalTest.SENSITIVE_PERSONAL_INFO:
                holds = dp.processes_personal_info and dp.sensitive_pi
            elif test is CriticalTest.CROSS_BORDER:
                holds = dp.processes_personal_info and dp.cross_border
            elif test is CriticalTest.QUESTION:
                answer = facts.answers.get(criterion.id or "")
                if answer is None:
                    missing.append(Missing(f"facts.answers.{criterion.id}", number, criterion))
                else:
                    holds = answer
            if holds:
                held.append(test)
        if held:
            met.append(MetCriterion(number, criterion, tuple(held)))
    return tuple(met), tuple(missing)


def classify(
    criteria: list[CriticalCriterion], engagement: Engagement, dp: DataProtection
) -> Classification:
    """Return the classification of `engagement` under `criteria`; a fact left unstated counts
    as not meeting its criterion (validation reports it before any document is rendered)."""
    met, _ = evaluate(criteria, engagement, dp)
    derived = bool(met)
    set_by_hand = engagement.critical
    critical = derived if set_by_hand is None else set_by_hand
    return Classification(
        critical=critical,
        derived=derived,
        met=met,
        annual_amount=annual_amount(engagement),
        reason=engagement.critical_reason if critical != derived else None,
    )
