"""The whole profile: every section, plus rules that span sections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal, overload

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.clauses import Clauses
from policygen.profile.critical import Classification, classify, evaluate
from policygen.profile.engagement import Engagement
from policygen.profile.legal import Confidentiality, DataProtection, Ip
from policygen.profile.meta import Meta
from policygen.profile.operations import Exit, InformationSecurity, Risk
from policygen.profile.organisation import Organisation
from policygen.profile.packs import apply_packs
from policygen.profile.policy import Policy
from policygen.profile.sla import Sla
from policygen.profile.types import shift_months
from policygen.profile.vendor_selection import VendorSelection

MAX_ENGAGEMENTS = 1000
"""Most engagements one profile may hold; larger sets go through `policygen batch`."""

ENGAGEMENT_SECTIONS = (
    "sla",
    "data_protection",
    "confidentiality",
    "information_security",
    "ip",
    "exit",
)
"""Sections an engagement may override field by field; the regulation keeps the organisation's."""

REGULATION_LIMITS: tuple[tuple[str, str, str, bool], ...] = (
    ("exit", "notice_period", "at_least", False),
    ("exit", "transition_period", "at_least", True),
    ("exit", "data_return_within", "at_most", False),
    ("exit", "confidential_return_within", "at_most", False),
    ("exit", "personal_info_deletion_within", "at_most", False),
    ("exit", "certify_within", "at_most", False),
    ("sla", "record_retention_years", "at_least", False),
    ("confidentiality", "term_after_termination", "at_least", False),
    ("information_security", "log_retention", "at_least", False),
)
"""Values the regulation states as the organisation's rule (不少于 / 不超过), each with whether
the rule binds 重要外包 only: an engagement's override may be stricter, never looser."""


_BOOL = TypeAdapter(bool)


def _false(value: Any) -> bool:
    """Return whether `value` is false as the model reads booleans (false, "false", 0, "no")."""
    try:
        return value is not None and not _BOOL.validate_python(value)
    except ValidationError:
        return False


def _merged(organisation: Any, given: dict[str, Any], section: str) -> dict[str, Any]:
    """Return the fields of `given` over those of `organisation` (a mapping or a section)."""
    if isinstance(organisation, BaseModel):
        base = {name: getattr(organisation, name) for name in type(organisation).model_fields}
    elif isinstance(organisation, dict):
        base = dict(organisation)
    else:
        base = {}
    if section == "data_protection" and _false(given.get("processes_personal_info")):
        for name in DataProtection.PERSONAL_INFO_ONLY:
            base.pop(name, None)
    return {**base, **given}


def _field_default(section: str, name: str) -> Any:
    """Return the value field `name` of `section` takes when nothing states it."""
    model = Profile.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model.model_fields[name].get_default(call_default_factory=True)


class Profile(Section):
    """One organisation's outsourcing parameters: the single input of every document."""

    meta: Meta
    """文档版本、施行日期与修订记录"""
    organisation: Organisation
    """甲方（本单位）信息"""
    policy: Policy = Field(default_factory=Policy)
    """制度框架：名称、依据、范围、原则、审批权限"""
    vendor_selection: VendorSelection = Field(default_factory=VendorSelection)
    """服务提供商的准入评价、尽职调查、采购方式和定期评价"""
    sla: Sla = Field(default_factory=Sla)
    """附于每份合同的服务水平协议：事件分级、指标、服务费扣减和报告评审；各合同可以另行约定"""
    ip: Ip = Field(default_factory=Ip)
    """交付成果的知识产权归属、背景知识产权的许可和侵权责任；各合同可以另行约定"""
    confidentiality: Confidentiality = Field(default_factory=Confidentiality)
    """保密信息的范围、分级、合同终止后的保密期间和违约金；各合同可以另行约定"""
    data_protection: DataProtection = Field(default_factory=DataProtection)
    """服务提供商接触的个人信息和数据，以及委托处理个人信息的约定（《个人信息保护法》第二十一条）；各合同可以另行约定"""
    information_security: InformationSecurity = Field(default_factory=InformationSecurity)
    """服务提供商应当遵守的信息安全要求：控制措施、访问授权、演练和评估；各合同可以另行约定"""
    risk: Risk = Field(default_factory=Risk)
    """外包风险的类别、评分方法、预警指标和集中度上限"""
    exit: Exit = Field(default_factory=Exit)
    """外包终止时的退出安排：通知期、过渡期、数据和资料的返还与删除；各合同可以另行约定"""
    clauses: Clauses = Field(default_factory=Clauses)
    """条款库调整：删除、改写或新增条款"""
    engagements: list[Engagement] = Field(default_factory=list, max_length=MAX_ENGAGEMENTS)
    """外包合同（每项生成一份合同及服务水平协议）"""

    @model_validator(mode="before")
    @classmethod
    def _engagement_overrides(cls, data: Any) -> Any:
        """Fill each section an engagement overrides with the organisation's values for the
        fields it leaves out, so that the engagement's section is complete and its own rules
        (credits.metric among metrics …) are checked on what the engagement will print.
        First, the fields the profile leaves out take the wording of its industry's and its
        scopes' packs (profile.packs), an engagement's own scope's where it differs."""
        if not isinstance(data, dict):
            return data
        data = apply_packs(data, ENGAGEMENT_SECTIONS, _field_default)
        if not isinstance(data.get("engagements"), list):
            return data
        engagements = []
        for engagement in data["engagements"]:
            if isinstance(engagement, dict):
                engagement = dict(engagement)
                for section in ENGAGEMENT_SECTIONS:
                    given = engagement.get(section)
                    if isinstance(given, dict):
                        engagement[section] = _merged(data.get(section), given, section)
            engagements.append(engagement)
        return {**data, "engagements": engagements}

    @overload
    def section(self, name: Literal["sla"], engagement: Engagement | None) -> Sla: ...
    @overload
    def section(
        self, name: Literal["data_protection"], engagement: Engagement | None
    ) -> DataProtection: ...
    @overload
    def section(
        self, name: Literal["confidentiality"], engagement: Engagement | None
    ) -> Confidentiality: ...
    @overload
    def section(
        self, name: Literal["information_security"], engagement: Engagement | None
    ) -> InformationSecurity: ...
    @overload
    def section(self, name: Literal["ip"], engagement: Engagement | None) -> Ip: ...
    @overload
    def section(self, name: Literal["exit"], engagement: Engagement | None) -> Exit: ...
    @overload
    def section(self, name: str, engagement: Engagement | None) -> Any: ...

    def section(self, name: str, engagement: Engagement | None) -> Any:
        """Return the section `name` as it applies to `engagement`: its override when it has one,
        else the organisation's; the organisation's when `engagement` is None."""
        own = getattr(engagement, name, None) if name in ENGAGEMENT_SECTIONS else None
        return own if own is not None else getattr(self, name)

    def classification(self, engagement: Engagement) -> Classification:
        """Return whether `engagement` is 重要外包 under the regulation's criteria, and why."""
        return classify(
            self.policy.critical_criteria, engagement, self.section("data_protection", engagement)
        )

    @property
    def personal_info(self) -> bool:
        """Whether the organisation entrusts personal information by default or in any
        engagement: what the regulation speaks of."""
        return self.data_protection.processes_personal_info or any(
            self.section("data_protection", e).processes_personal_info for e in self.engagements
        )

    @model_validator(mode="after")
    def _rules(self) -> Profile:
        def violations() -> Violations:
            # Compared without case, as batch compares rows: a contract number names files and
            # zip entries, which collide on a case-insensitive file system (macOS, Windows).
            first: dict[str, int] = {}
            for i, engagement in enumerate(self.engagements):
                number = engagement.contract_no
                seen = first.setdefault(number.casefold(), i)
                if seen != i:
                    other = self.engagements[seen].contract_no
                    same = "" if other == number else f"（{other}，不区分大小写）"
                    yield (
                        f"engagements[{i}].contract_no",
                        f"合同编号 {number} 与 engagements[{seen}] 重复{same}；合同编号用于文件名，"
                        "须各不相同 (duplicate contract number, compared without case: it names "
                        "files)",
                    )
            yield from self._basis_rules()
            for i, engagement in enumerate(self.engagements):
                if engagement.vendor.credit_code == self.organisation.credit_code:
                    yield (
                        f"engagements[{i}].vendor.credit_code",
                        "乙方的统一社会信用代码与甲方相同 (vendor and organisation are the same)",
                    )
            for i, engagement in enumerate(self.engagements):
                try:
                    found = [
                        *self._classification_rules(i, engagement),
                        *self._limit_rules(i, engagement),
                        *self._assessment_rules(i, engagement),
                    ]
                except AttributeError:
                    # Checked on a profile some of whose fields failed (profile.partial): these
                    # rules read the engagement's term, fee and facts; they are judged once
                    # those validate.
                    continue
                yield from found

        check_rules(violations())
        return self

    def _basis_rules(self) -> Iterator[tuple[str, str]]:
        """Report a regulation basis (policy.legal_basis) that is repealed or binds another
        industry or another kind of outsourcing (instruments.yaml)."""
        from policygen.instruments import catalogue

        for i, basis in enumerate(self.policy.legal_basis):
            why = catalogue().refused(basis, self.organisation.industry, self.policy.scope)
            if why:
                yield (
                    f"policy.legal_basis[{i}]",
                    f"{why}；请删除或改为适用的依据 (not a basis of this organisation)",
                )

    def _classification_rules(self, i: int, engagement: Engagement) -> Iterator[tuple[str, str]]:
        """Report the facts a criterion needs that `engagement` leaves unstated, and a hand-set
        `critical` that contradicts the criteria without a recorded reason."""
        where = f"engagements[{i}]"
        met, missing = evaluate(
            self.policy.critical_criteria, engagement, self.section("data_protection", engagement)
        )
        for gap in missing:
            yield (
                f"{where}.{gap.path}",
                f"重要外包认定标准第{gap.number}项（{gap.criterion.text}）需要此项事实，请填写 "
                f"(criterion {gap.number} needs this fact)",
            )
        derived = bool(met)
        if missing or engagement.critical is None or engagement.critical == derived:
            return
        if not engagement.critical_reason:
            numbers = "、".join(f"第{m.number}项" for m in met)
            why = f"符合认定标准{numbers}" if met else "不符合任何一项认定标准"
            yield (
                f"{where}.critical",
                f"按制度的重要外包认定标准，本合同{why}，应{'' if derived else '不'}属于重要外包，"
                f"与 critical: {str(engagement.critical).lower()} 不一致；请删除 critical 由规则认定，"
                "或在 critical_reason 中写明理由 (contradicts the criteria: remove it or give "
                "critical_reason)",
            )

    def report_due(self, engagement: Engagement) -> date | None:
        """Return the latest date of an advance report to the regulator on `engagement`: the
        regulation's lead time before its signing (None without a signing date)."""
        if engagement.signing_date is None:
            return None
        return self.policy.regulatory_report_lead_time.before(engagement.signing_date)

    def _assessment_rules(self, i: int, engagement: Engagement) -> Iterator[tuple[str, str]]:
        """Report a rating of `engagement`'s assessment outside the organisation's risk
        categories or scales, and an advance report to the regulator dated later than the
        regulation's lead time before signing (policy.regulatory_report_lead_time)."""
        risk = self.risk
        done = engagement.assessment
        if done is None:
            return
        due = self.report_due(engagement)
        if done.report_date and due and done.report_date > due:
            yield (
                f"engagements[{i}].assessment.report_date",
                f"监管事前报告应当在合同签订{self.policy.regulatory_report_lead_time}前提交，"
                f"即不晚于 {due}：{done.report_date} 晚于该日期 (the advance report is late)",
            )
        if done.due_diligence_date and engagement.signing_date:
            months = self.vendor_selection.due_diligence_validity_months
            if shift_months(engagement.signing_date, -months) > done.due_diligence_date:
                yield (
                    f"engagements[{i}].assessment.due_diligence_date",
                    f"尽职调查结果的有效期为{months}个月：{done.due_diligence_date} 完成的尽职调查"
                    f"至签订日期 {engagement.signing_date} 已超过有效期 (due diligence expired)",
                )
        for j, rating in enumerate(done.other_risks):
            if rating.category in risk.categories:
                yield (
                    f"engagements[{i}].assessment.other_risks[{j}].category",
                    f"风险类别「{rating.category}」已在 risk.categories 中，请在 ratings 中评级 "
                    "(rate a listed category under ratings)",
                )
        rated = [("ratings", j, r) for j, r in enumerate(done.ratings)]
        rated += [("other_risks", j, r) for j, r in enumerate(done.other_risks)]
        for field, j, rating in rated:
            where = f"engagements[{i}].assessment.{field}[{j}]"
            if field == "ratings" and rating.category not in risk.categories:
                yield (
                    f"{where}.category",
                    f"风险类别「{rating.category}」不在 risk.categories 中 (not a risk category)",
                )
            if rating.likelihood > risk.likelihood_levels:
                yield (
                    f"{where}.likelihood",
                    f"可能性等级不得超过 {risk.likelihood_levels} (above the likelihood scale)",
                )
            if rating.impact > risk.impact_levels:
                yield (
                    f"{where}.impact",
                    f"影响程度等级不得超过 {risk.impact_levels} (above the impact scale)",
                )

    def _limit_rules(self, i: int, engagement: Engagement) -> Iterator[tuple[str, str]]:
        """Report an engagement override looser than the regulation's rule."""
        critical: bool | None = None
        for section, name, bound, critical_only in REGULATION_LIMITS:
            own = getattr(engagement, section)
            if own is None:
                continue
            if critical_only:
                if critical is None:
                    critical = self.classification(engagement).critical
                if not critical:
                    continue
            value, rule = getattr(own, name), getattr(getattr(self, section), name)
            low = value.minutes if hasattr(value, "minutes") else value
            high = rule.minutes if hasattr(rule, "minutes") else rule
            if (bound == "at_least" and low < high) or (bound == "at_most" and low > high):
                word = "不少于" if bound == "at_least" else "不超过"
                scope = "重要外包" if critical_only else ""
                yield (
                    f"engagements[{i}].{section}.{name}",
                    f"{value} 突破了制度对{scope}合同的规定（{section}.{name}：{word}{rule}）；"
                    "合同只能比制度更严 (an engagement may be stricter than the regulation, "
                    "not looser)",
                )
        yield from self._baseline_rules(i, engagement)

    def _baseline_rules(self, i: int, engagement: Engagement) -> Iterator[tuple[str, str]]:
        """Report an engagement's service-level metric that is looser than the regulation's
        baseline of the same name (the regulation's table of 服务水平指标基准)."""
        if engagement.sla is None:
            return
        baselines = {m.name: m for m in self.sla.metrics}
        for j, metric in enumerate(engagement.sla.metrics):
            base = baselines.get(metric.name)
            if base is None or base.unit != metric.unit or base.comparison != metric.comparison:
                continue
            looser = (
                metric.target < base.target
                if metric.comparison == ">="
                else metric.target > base.target
            )
            if looser:
                word = "不低于" if metric.comparison == ">=" else "不超过"
                yield (
                    f"engagements[{i}].sla.metrics[{j}].target",
                    f"「{metric.name}」的目标值 {metric.target}{metric.unit} 低于制度的服务水平指标"
                    f"基准（{word}{base.target}{base.unit}） (looser than the regulation's baseline)",
                )
