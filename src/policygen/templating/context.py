"""Turn a validated profile into the variables a template sees.

Input: a Profile, the document kind, and for contracts the engagement. Output: a dict of the
profile's sections by name, the engagement and its vendor, and a few derived facts (flags and
amounts) so that templates branch on names, not on arithmetic."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from policygen.instruments import catalogue
from policygen.kinds import Kind
from policygen.profile.critical import year_amount
from policygen.profile.engagement import Engagement
from policygen.profile.model import Profile
from policygen.profile.sla import Metric, Sla
from policygen.profile.types import Comparison, Frequency, Industry, RiskLevel
from policygen.templating.filters import AS_REGISTERED

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Flags:
    """Facts the templates branch on, computed once here."""

    financial: bool
    """The organisation is a bank or an insurer: the CBIRC outsourcing rules apply."""
    regulated: bool
    """A regulator supervises the organisation's outsourcing (a bank, an insurer, a securities
    firm or fund manager: instruments.yaml `regulators`); `regulator` names it."""
    critical: bool
    """重要外包 as derived from the criteria: for an engagement's documents, this engagement;
    for a regulation, any engagement."""
    personal_info: bool
    """Personal information is entrusted to the vendor (PIPL art. 21 terms apply): for an
    engagement's documents, by this engagement; for a regulation, by default or in any."""
    sensitive_pi: bool
    """Sensitive personal information is involved (PIPL arts. 28–29)."""
    cross_border: bool
    """Personal information leaves the country (PIPL arts. 38–39)."""
    arbitration: bool
    """Disputes go to arbitration rather than to court (contracts only)."""


@dataclass(frozen=True)
class Amounts:
    """An engagement's fee split for the contract's price clause."""

    total: Decimal
    """含税总价."""
    net: Decimal
    """不含税价, rounded to the cent."""
    tax: Decimal
    """税额 = total − net."""
    liability_cap: Decimal | None
    """乙方责任的累计上限 = total × liability.cap_percent, to the cent; None without a cap."""
    performance_bond: Decimal | None
    """履约保函金额 = total × liability.performance_bond_percent, to the cent; None if none."""


@dataclass(frozen=True)
class Concentration:
    """How much of the organisation's outsourcing in one calendar year one vendor and its
    affiliates hold: the year the engagement's term starts."""

    year: int
    """The calendar year."""
    engagement_annual: Decimal
    """The part falling in `year` of this engagement's fee (含税), by the annualisation rule of
    `policygen.profile.critical` like every other amount here."""
    vendor_annual: Decimal
    """The part falling in `year` (by the same rule) of the fees (含税) of every engagement with
    this vendor or a vendor of its group."""
    total_annual: Decimal
    """The organisation's outsourcing in `year`: risk.annual_outsourcing_total, else the parts
    falling in `year` of the fees of the profile's engagements."""
    total_stated: bool
    """Whether `total_annual` is the organisation's own figure (risk.annual_outsourcing_total)."""
    share: Decimal
    """vendor_annual ÷ total_annual, in percent to two decimals."""
    over_limit: bool
    """Whether `share` exceeds risk.concentration_limit."""
    affiliates: tuple[str, ...]
    """The other vendors of the same group whose engagements are counted."""


@dataclass(frozen=True)
class Allowance:
    """The unavailability an availability target (可用率) allows in one month, for the SLA to
    state beside the target, and for the tests to set against the RTO and the penalties."""

    hours: Decimal
    """The hours the service must be available in a month: the metric's `available_hours`,
    else 720 for a round-the-clock service."""
    minutes: Decimal
    """(100 − target) % of `hours`, in minutes, unrounded."""

    @property
    def rounded_minutes(self) -> Decimal:
        """`minutes` to a tenth, without trailing zeros (21.6, 43.2, 5)."""
        tenth = self.minutes.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return tenth.to_integral_value() if tenth == tenth.to_integral_value() else tenth

    @property
    def rounded_seconds(self) -> int:
        """`minutes` in whole seconds, for an allowance under a minute."""
        return int((self.minutes * 60).to_integral_value(rounding=ROUND_HALF_UP))


def availability_allowances(sla: Sla) -> dict[str, Allowance]:
    """Return, by metric name, the monthly allowance of each availability metric of `sla` (a
    percentage to reach at least, named …可用率, counted monthly) whose hours are known: its
    `available_hours`, or 720 when the service hours are 7×24. Other metrics are left out."""
    out = {}
    for metric in sla.metrics:
        if not (
            "可用率" in metric.name
            and metric.unit == "%"
            and metric.comparison == Comparison.AT_LEAST
            and metric.window == Frequency.MONTHLY
        ):
            continue
        hours = metric.available_hours
        if hours is None and sla.service_round_the_clock:
            hours = Decimal(720)
        if hours is not None:
            out[metric.name] = Allowance(hours, (100 - metric.target) * hours * 60 / 100)
    return out


@dataclass(frozen=True)
class MatrixCell:
    """One cell of the likelihood × impact matrix."""

    likelihood: int
    impact: int
    score: int
    level: RiskLevel


def risk_matrix(profile: Profile) -> list[list[MatrixCell]]:
    """Return the risk matrix, most likely row first, each cell scored and rated."""
    risk = profile.risk
    rows = []
    for likelihood in range(risk.likelihood_levels, 0, -1):
        row = []
        for impact in range(1, risk.impact_levels + 1):
            score = likelihood * impact
            level = (
                RiskLevel.HIGH
                if score >= risk.high_risk_score
                else RiskLevel.MEDIUM
                if score >= risk.medium_risk_score
                else RiskLevel.LOW
            )
            row.append(MatrixCell(likelihood, impact, score, level))
        rows.append(row)
    return rows


def build_context(
    profile: Profile, kind: Kind, engagement: Engagement | None, lang: str = "zh"
) -> dict[str, Any]:
    """Return the template variables for `kind`; `engagement` is None for set-wide documents;
    `lang` the languages the document is rendered in (``zh``, ``en``, ``zh+en``), which
    templates see as ``lang``, with ``prevailing_language`` for the clause on which text
    prevails.

    For an engagement's documents each section an engagement may override (`sla`,
    `data_protection`, …) is the one that applies to it; the regulation sees the organisation's
    sections and speaks of its whole portfolio."""
    sections = {name: profile.section(name, engagement) for name in type(profile).model_fields}
    classification = profile.classification(engagement) if engagement else None
    if engagement:
        dp = sections["data_protection"]
        personal_info = dp.processes_personal_info
        sensitive_pi = personal_info and dp.sensitive_pi
        cross_border = personal_info and dp.cross_border
        critical = bool(classification and classification.critical)
    else:
        portfolio = [profile.data_protection] + [
            profile.section("data_protection", e) for e in profile.engagements
        ]
        personal_info = profile.personal_info
        sensitive_pi = any(d.processes_personal_info and d.sensitive_pi for d in portfolio)
        cross_border = any(d.processes_personal_info and d.cross_border for d in portfolio)
        critical = any(profile.classification(e).critical for e in profile.engagements)
    regulator = catalogue().regulator(profile.organisation.industry)
    flags = Flags(
        financial=profile.organisation.industry in (Industry.BANKING, Industry.INSURANCE),
        regulated=regulator is not None,
        critical=critical,
        personal_info=personal_info,
        sensitive_pi=sensitive_pi,
        cross_border=cross_border,
        arbitration=bool(engagement and engagement.dispute_resolution == "arbitration"),
    )
    context: dict[str, Any] = {
        **sections,
        "kind": kind.name,
        "flags": flags,
        "engagement": engagement,
        "vendor": engagement.vendor if engagement else None,
        "amounts": _amounts(engagement) if engagement else None,
        "classification": classification,
        # Read by the risk register only, and linear in the engagements: computed on request.
        "concentration": functools.partial(concentration, profile, engagement)
        if engagement
        else None,
        "approver": approver(profile, engagement, critical) if engagement else None,
        # The latest date of an advance report to the regulator (risk register).
        "report_due": profile.report_due(engagement) if engagement else None,
        "service_objects": service_objects(engagement) if engagement else (),
        "annexes": annexes(personal_info, engagement.on_premises is not None) if engagement else (),
        "risk_matrix": risk_matrix(profile),
        "legal_bases": catalogue().regulation_bases(
            profile.policy.legal_basis, profile.organisation.industry, profile.policy.scope
        ),
        "regulator": regulator,
        # The risk register's indicators that follow the engagement's own SLA targets.
        "indicator_metrics": indicator_metrics(profile, engagement) if engagement else {},
        "allowances": availability_allowances(sections["sla"]),
        "regulator_rules": catalogue().regulator_rules(
            profile.organisation.industry,
            (engagement.scope,) if engagement else profile.policy.scope,
        ),
        # The risk register says which of the regulation's rules leave an engagement's scope out.
        "policy_regulator_rules": catalogue().regulator_rules(
            profile.organisation.industry, profile.policy.scope
        ),
        "lang": lang,
        "prevailing_language": profile.meta.prevailing_language,
        # The contract has an English version (the languages name English, or the profile
        # translates the engagement's title, which the English texts print): its Chinese text,
        # signed with it, states which prevails as the English does.
        "english_version": "en" in profile.meta.languages
        or (engagement is not None and engagement.title in profile.meta.translations),
        # The English of the profile's Chinese texts, for the en_text filter (filters.TRANSLATIONS).
        "translations": profile.meta.translations,
        # Printed as registered, in Chinese, and never noted as untranslated (en_text).
        AS_REGISTERED: _registered_addresses(profile),
    }
    return context


def _registered_addresses(profile: Profile) -> frozenset[str]:
    """Return the parties' registered addresses, which an English text prints as registered."""
    return frozenset(
        address.strip()
        for address in (
            profile.organisation.address,
            *(e.vendor.address for e in profile.engagements),
        )
        if address
    )


def indicator_metrics(profile: Profile, engagement: Engagement) -> dict[str, Metric]:
    """Return, by indicator name, the metric of `engagement`'s SLA that each risk indicator
    naming a `metric` follows (same name and unit): its warning condition is missing that
    metric's target. Indicators whose metric the SLA lacks are left out."""
    metrics = {m.name: m for m in profile.section("sla", engagement).metrics}
    out = {}
    for indicator in profile.risk.indicators:
        metric = metrics.get(indicator.metric or "")
        if metric is not None and metric.unit == indicator.unit:
            out[indicator.name] = metric
    return out


def concentration(profile: Profile, engagement: Engagement) -> Concentration | None:
    """Return the concentration of `engagement`'s vendor and its affiliates (vendors naming the
    same `group`) in the organisation's outsourcing in the calendar year the engagement's term
    starts (later years' contracts are not yet all signed). Each contract counts the part of its
    fee that falls in the year. None when nothing else is known to compare with: no
    organisation total is stated and every contract of the profile is this vendor's."""
    vendor = engagement.vendor

    def related(other: Engagement) -> bool:
        theirs = other.vendor
        return theirs.credit_code == vendor.credit_code or bool(
            vendor.group and theirs.group == vendor.group
        )

    mine = [e for e in profile.engagements if related(e)]
    stated = profile.risk.annual_outsourcing_total
    if stated is None and len(mine) == len(profile.engagements):
        return None
    # The year the term starts: the contracts known for later years are not yet all signed.
    year = engagement.term.start.year
    vendor_year = sum((year_amount(e, year) for e in mine), Decimal(0))
    total = (
        stated
        if stated is not None
        else sum((year_amount(e, year) for e in profile.engagements), Decimal(0))
    )
    if not total:
        return None
    share = (vendor_year * 100 / total).quantize(_CENT, rounding=ROUND_HALF_UP)
    affiliates = tuple(
        dict.fromkeys(e.vendor.name for e in mine if e.vendor.credit_code != vendor.credit_code)
    )
    return Concentration(
        year=year,
        engagement_annual=year_amount(engagement, year).quantize(_CENT, rounding=ROUND_HALF_UP),
        vendor_annual=vendor_year.quantize(_CENT, rounding=ROUND_HALF_UP),
        total_annual=total.quantize(_CENT, rounding=ROUND_HALF_UP),
        total_stated=stated is not None,
        share=share,
        over_limit=share > profile.risk.concentration_limit,
        affiliates=affiliates,
    )


def approver(profile: Profile, engagement: Engagement, critical: bool) -> str:
    """Return who approves `engagement` under the regulation: the approval tier its amount falls
    in; for 重要外包 not below senior management (the tier naming it, or senior management when
    no tier does and the amount's tier is not the highest)."""
    tiers = profile.policy.approval_tiers
    amount = engagement.fee.amount
    index = next(
        (i for i, t in enumerate(tiers) if t.up_to is None or amount <= t.up_to), len(tiers) - 1
    )
    if critical:
        senior = profile.organisation.senior_management
        at = next((i for i, t in enumerate(tiers) if t.approver == senior), None)
        if at is None:
            return tiers[index].approver if index == len(tiers) - 1 else senior
        index = max(index, at)
    return tiers[index].approver


def service_objects(engagement: Engagement) -> tuple[str, ...]:
    """Return what the engagement's service list covers (its systems, equipment or sites), each
    once, in the list's order; empty without a service list."""
    return tuple(dict.fromkeys(name for line in engagement.service_items for name in line.covers))


def annexes(personal_info: bool, on_premises: bool = False) -> tuple[str, ...]:
    """Return the kinds annexed to an engagement's contract, in order: the SLA, the NDA, the
    DPA when the engagement entrusts personal information, and the safety agreement when the
    vendor's people work on the organisation's premises."""
    return (
        ("sla", "nda") + (("dpa",) if personal_info else ()) + (("safety",) if on_premises else ())
    )


def _amounts(engagement: Engagement) -> Amounts:
    fee = engagement.fee
    net = (fee.amount / (1 + fee.tax_rate / 100)).quantize(_CENT, rounding=ROUND_HALF_UP)

    def share(percent: Decimal | None) -> Decimal | None:
        if percent is None:
            return None
        return (fee.amount * percent / 100).quantize(_CENT, rounding=ROUND_HALF_UP)

    return Amounts(
        total=fee.amount,
        net=net,
        tax=fee.amount - net,
        liability_cap=share(engagement.liability.cap_percent),
        performance_bond=share(engagement.liability.performance_bond_percent),
    )
