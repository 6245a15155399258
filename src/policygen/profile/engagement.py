"""`engagements`: one contract each — the vendor (乙方), services, term and fees."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.critical import Facts
from policygen.profile.legal import Confidentiality, DataProtection, Ip
from policygen.profile.operations import Exit, InformationSecurity
from policygen.profile.sla import Sla
from policygen.profile.types import (
    MAX_ITEMS,
    MAX_SHORT_ITEMS,
    CnDate,
    CreditCode,
    DisputeResolution,
    Duration,
    DurationUnit,
    Email,
    Money,
    Name,
    Percent,
    RiskLevel,
    Scope,
    Text,
    matching,
)

_CONTRACT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


ContractNo = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    Field(max_length=64, json_schema_extra={"pattern": _CONTRACT_NO.pattern}),
    matching(
        _CONTRACT_NO,
        "contract_no",
        "合同编号「{value}」只能由字母、数字、.、_、- 组成（以字母或数字开头，最长64位），"
        "因为它用于输出文件名 (letters, digits, '.', '_' and '-' only: it names files)",
        70,
    ),
]
"""A contract number; it names output files, so letters, digits, ``.``, ``_`` and ``-`` only."""


class Party(Section):
    """A contracting party's registered details."""

    name: Name
    """全称"""
    credit_code: CreditCode
    """统一社会信用代码"""
    address: Text
    """住所"""
    legal_representative: Name
    """法定代表人"""
    group: Name | None = None
    """所属集团（控股股东或者实际控制人）；同一集团的服务提供商互为关联方，合并计算集中度"""
    contact: Name | None = None
    """联系人"""
    phone: Name | None = None
    """联系电话"""
    email: Email | None = None
    """电子邮箱，合同约定以电子邮件送达通知时使用"""


class Term(Section):
    """The service period."""

    start: CnDate
    """服务期起始日"""
    end: CnDate
    """服务期届满日"""
    auto_renew: bool = False
    """期满是否自动续期一年（任何一方可提前通知不续期）"""

    @model_validator(mode="after")
    def _end_after_start(self) -> Term:
        if self.end <= self.start:
            check_rules(
                [
                    (
                        "end",
                        f"服务期届满日 {self.end} 应晚于起始日 {self.start} (term end must be after start)",
                    )
                ]
            )
        return self


class Installment(Section):
    """One payment in the schedule."""

    milestone: Text
    """付款的条件或者时点，如 合同签订后、验收合格后"""
    percent: Percent
    """占合同总价的比例（%）"""


class Fee(Section):
    """Price and payment."""

    amount: Money
    """合同总价（元，含税）"""
    currency: Literal["CNY"] = "CNY"
    """币种：人民币"""
    tax_rate: Percent = Decimal(6)
    """增值税税率（%）"""
    payment_schedule: list[Installment] = Field(
        default_factory=defaults.factory("engagements.fee.payment_schedule", list[Installment]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """付款安排，比例合计 100"""
    invoice: Name = defaults.field("engagements.fee.invoice", Name)
    """乙方开具的发票类型，如 增值税专用发票"""

    @model_validator(mode="after")
    def _schedule_complete(self) -> Fee:
        total = sum((i.percent for i in self.payment_schedule), Decimal(0))
        if total != 100:
            check_rules(
                [
                    (
                        f"payment_schedule[{len(self.payment_schedule) - 1}].percent",
                        f"付款比例合计应为 100，现为 {total.normalize():f} "
                        "(payment percentages must sum to 100)",
                    )
                ]
            )
        return self


class IncidentPenalty(Section):
    """Liquidated damages for an information-security incident with a stated consequence."""

    consequence: Text
    """事件造成的后果，如 造成甲方数据泄露、丢失或者篡改"""
    amount: Money
    """违约金（元）"""


class Penalties(Section):
    """Liquidated damages for breach."""

    delay_rate_per_day: Percent = Decimal("0.05")
    """逾期履行违约金：每日按合同总价的比例（%）"""
    cap: Percent = Decimal(20)
    """逾期违约金累计上限（占合同总价的比例，%）"""
    security_breach: Money | None = None
    """信息安全事件违约金（元）：事件造成 serious_consequence 所述后果时支付；分级约定写 security_incidents；都不约定则按实际损失赔偿"""
    serious_consequence: Text = defaults.field("engagements.penalties.serious_consequence", Text)
    """security_breach 适用的事件后果"""
    security_incidents: list[IncidentPenalty] = Field(
        default_factory=list, max_length=MAX_SHORT_ITEMS
    )
    """按后果分级的信息安全事件违约金，自轻至重（与 security_breach 二选一）"""

    @property
    def incident_tiers(self) -> list[IncidentPenalty]:
        """The incident penalties the contract states, lightest first: `security_incidents`,
        or `security_breach` for `serious_consequence`, or none."""
        if self.security_incidents:
            return self.security_incidents
        if self.security_breach is not None:
            return [
                IncidentPenalty(consequence=self.serious_consequence, amount=self.security_breach)
            ]
        return []

    @model_validator(mode="after")
    def _rules(self) -> Penalties:
        def violations() -> Violations:
            if self.security_breach is not None and self.security_incidents:
                yield (
                    "security_breach",
                    "security_breach 与 security_incidents 只能写一项：分级约定时把金额写入 "
                    "security_incidents (give one or the other)",
                )
            for i in range(1, len(self.security_incidents)):
                if self.security_incidents[i].amount < self.security_incidents[i - 1].amount:
                    yield (
                        f"security_incidents[{i}].amount",
                        "分级违约金应当自轻至重排列，金额不得低于上一级 "
                        "(tiers go from the lightest consequence to the gravest)",
                    )

        check_rules(violations())
        return self


class Insurance(Section):
    """Insurance the vendor keeps for the term, each with its minimum limit (元)."""

    professional_indemnity: Money | None = None
    """职业责任保险的累计赔偿限额（元）；不写则不要求"""
    cyber: Money | None = None
    """网络安全保险的累计赔偿限额（元）；不写则不要求"""
    public_liability: Money | None = None
    """公众责任保险的累计赔偿限额（元），乙方人员在甲方场所作业时适用；不写则不要求"""


class Liability(Section):
    """How far the vendor's liability goes, and what secures it."""

    cap_percent: Percent | None = Decimal(100)
    """乙方违约金和赔偿责任的累计上限（占合同总价的比例，%）；故意、重大过失、保密、数据和个人信息保护、知识产权侵权和人身伤亡不受限；不写（null）则不设上限"""
    insurance: Insurance = Field(default_factory=Insurance)
    """乙方应当投保的保险"""
    performance_bond_percent: Percent | None = None
    """履约保函金额（占合同总价的比例，%）；不写则不要求"""


class ServiceItem(Section):
    """One line of the service list (服务清单): what is serviced, how much, when, by whom, where."""

    name: Text
    """服务项目"""
    covers: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """服务对象：系统、设备或者场所，如 核心业务系统、叉车"""
    quantity: Name | None = None
    """数量或者工作量，如 服务器约320台、每日约1,500单"""
    hours: Name | None = None
    """服务时间，如 7×24小时、每日两班（7:00—23:00）"""
    headcount: int | None = Field(default=None, ge=1, le=100_000)
    """乙方为该项服务投入的人数"""
    qualifications: Text | None = None
    """人员资质，如 具有三年以上数据中心运维经验，持电工证"""
    site: Text | None = None
    """服务地点（与合同的服务地点不同时写）"""


class Acceptance(Section):
    """How deliverables and periodic service are accepted (验收)."""

    within: Duration = Field(default_factory=lambda: Duration(10, DurationUnit.BUSINESS_DAY))
    """甲方收到交付成果或者服务报告后组织验收的期限"""
    fix_within: Duration = Field(default_factory=lambda: Duration(10, DurationUnit.BUSINESS_DAY))
    """验收不合格时乙方整改并重新提交的期限"""
    attempts: int = Field(default=2, ge=1, le=5)
    """验收不合格的次数达到此数时，甲方可以解除合同"""


class ChangeRate(Section):
    """A unit price for changes to the service (变更单价)."""

    item: Name
    """计价项目，如 高级工程师、叉车司机"""
    unit: Name
    """计价单位，如 人·日、台·月"""
    price: Money
    """单价（元，含税）"""


class LicensedOperation(Section):
    """An operation on the premises that only a certified worker may do."""

    operation: Name
    """作业，如 叉车驾驶"""
    certificate: Name
    """须持有的证书，如 特种设备安全管理和作业人员证（叉车司机）"""


ACCIDENT_REPORT_LIMIT = Duration(1, DurationUnit.HOUR)
"""The longest a vendor may take to report an accident to the organisation: the organisation
itself must report to the authorities within one hour (生产安全事故报告和调查处理条例 第九条)."""


class OnPremises(Section):
    """Work the vendor's people do on the organisation's premises in production, logistics or
    facilities: the contract gets a safety-management agreement (安全生产管理协议) as an annex
    (安全生产法 第四十九条) and the clauses on licensed operators, waste and goods."""

    site: Text
    """作业场所，如 本公司苏州工业园区厂区的仓库、生产车间和办公区域"""
    activities: list[Text] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """在甲方场所从事的作业，逐项列明"""
    workers: int | None = Field(default=None, ge=1, le=100_000)
    """驻场作业人数（约数）"""
    licensed_operations: list[LicensedOperation] = Field(
        default_factory=list, max_length=MAX_SHORT_ITEMS
    )
    """须持证上岗的作业（特种作业、特种设备作业）及其证书"""
    hazardous_waste: bool = False
    """作业是否涉及危险废物的收集、贮存或者转运"""
    goods_custody: bool = False
    """乙方是否保管、搬运或者运输甲方的物品（约定货损货差责任）"""
    accident_report_within: Duration = Field(
        default_factory=lambda: Duration(15, DurationUnit.MINUTE)
    )
    """乙方向甲方报告生产安全事故的最长时限（立即报告，最迟不超过此时限；不得超过1小时）"""

    @model_validator(mode="after")
    def _rules(self) -> OnPremises:
        if self.accident_report_within.minutes > ACCIDENT_REPORT_LIMIT.minutes:
            check_rules(
                [
                    (
                        "accident_report_within",
                        f"{self.accident_report_within} 超过1小时：甲方须在1小时内向安全生产监督"
                        "管理部门报告（《生产安全事故报告和调查处理条例》第九条），乙方的报告时限"
                        "应当更短 (the vendor must report within the hour)",
                    )
                ]
            )
        return self


class RiskRating(Section):
    """One risk category as the assessment before signing rated it (外包风险评估表)."""

    category: Name
    """风险类别（risk.categories 中的一项）"""
    likelihood: int = Field(ge=1, le=5)
    """固有风险的可能性等级（不考虑控制措施，按评分标准）"""
    impact: int = Field(ge=1, le=5)
    """固有风险的影响程度等级（不考虑控制措施，按评分标准）"""
    controls: Text | None = None
    """现有控制措施（合同约定、本单位的管理措施和服务提供商的控制措施）"""
    residual: RiskLevel
    """控制措施发挥作用后的剩余风险等级：high、medium 或 low"""
    basis: Text | None = None
    """主要风险点及评估依据"""
    treatment: Text | None = None
    """应对措施及计划（剩余风险为中、高的须填写）"""
    owner: Name | None = None
    """应对措施的责任人"""
    due: CnDate | None = None
    """应对措施的完成期限"""


class SigningDecision(StrEnum):
    """Whether the assessment agrees to signing."""

    APPROVE = "approve"
    CONDITIONAL = "conditional"
    REFUSE = "refuse"


class Assessment(Section):
    """What the assessments before signing found: the risk register prints them, and
    `policygen check` reports a 重要外包 whose register they leave incomplete."""

    date: CnDate | None = None
    """签约前风险评估的完成日期"""
    assessor: Name | None = None
    """评估人（姓名及部门）"""
    ratings: list[RiskRating] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """各类风险的评级，按 risk.categories 逐项填写"""
    opinion: Text | None = None
    """主要风险及评估意见"""
    decision: SigningDecision | None = None
    """是否同意签约：approve 同意、conditional 有条件同意、refuse 不同意"""
    conditions: list[Text] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """有条件同意的，同意签约的条件（如 签约前落实的事项、服务期开始后限期完成的措施），逐项列明"""
    autonomy: Text | None = None
    """关键技术、知识产权和数据的自主掌控能力的评估结论"""
    pia_date: CnDate | None = None
    """个人信息保护影响评估的完成日期（委托处理个人信息的），不晚于评估日期"""
    pia_owner: Name | None = None
    """个人信息保护影响评估的负责部门或者人员"""
    pia_conclusion: Text | None = None
    """个人信息保护影响评估的结论"""
    exit_plan: Text | None = None
    """退出计划的摘要（替代安排、数据迁移、过渡期服务）"""
    exit_plan_date: CnDate | None = None
    """退出计划的制定日期，不晚于评估日期"""
    exit_plan_tested: CnDate | None = None
    """退出计划最近一次测试（含桌面推演）的日期，不晚于评估日期；未测试不填"""
    exit_plan_test_method: Name | None = None
    """退出计划最近一次测试的方式，如 桌面推演；不填则只写测试日期"""
    exit_plan_test_due: CnDate | None = None
    """退出计划下一次（尚未测试的，为首次）测试的计划完成日期"""
    exit_plan_next_test: Name | None = None
    """已测试的，计划的下一次测试，如 首次实地切换测试；与 exit_plan_test_due 一并填写"""
    report_date: CnDate | None = None
    """向监管部门事前报告的日期（须事前报告的）"""
    due_diligence_date: CnDate | None = None
    """对服务提供商的尽职调查的完成日期，不晚于评估日期"""
    due_diligence: Text | None = None
    """尽职调查的结论，重要外包写明现场核查的情况"""
    other_risks: list[RiskRating] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """risk.categories 以外、本外包特有的其他风险（如 驻场作业的安全生产风险）的评级"""


class Engagement(Section):
    """One outsourcing contract with one vendor."""

    contract_no: ContractNo
    """合同编号（用于文件名：字母、数字、.、_、-）"""
    title: Name = defaults.field("engagements.title", Name)
    """合同名称，如 信息系统运行维护服务外包合同"""
    vendor: Party
    """乙方（服务提供商）的名称、统一社会信用代码、住所等登记信息"""
    scope: Scope = Scope.ITO
    """本合同的外包类型（信息技术外包、业务流程外包等）"""
    category: Name | None = None
    """外包分类，如 运行维护类"""
    department: Name | None = None
    """本合同的需求（使用）部门，如 信息科技部数据中心管理处；不填则为 organisation.departments.business"""
    facts: Facts = Field(default_factory=Facts)
    """本合同的事实（是否涉及核心系统、远程访问生产环境、中断影响等），据以认定重要外包"""
    critical: bool | None = None
    """是否属于重要外包：不填则按制度的认定标准（policy.critical_criteria）由 facts 判定；与判定结果不一致时须填写 critical_reason"""
    critical_reason: Text | None = None
    """手工认定与规则判定不一致的理由（写入外包风险评估表）；与规则一致时不使用"""
    services: list[Text] = Field(min_length=1, max_length=MAX_ITEMS)
    """服务内容，逐项列明"""
    service_items: list[ServiceItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    """服务清单：服务项目逐项列明服务对象、数量、服务时间、人员和地点；写出时合同以服务清单表列明"""
    deliverables: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    """乙方应当交付的成果（文档、软件、报告等），逐项列明"""
    on_behalf: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """乙方经授权、按甲方话术以甲方名义开展的活动（如 客户回访、咨询受理）；不写则乙方不得以甲方名义从事任何活动"""
    acceptance: Acceptance = Field(default_factory=Acceptance)
    """验收程序"""
    change_rates: list[ChangeRate] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """服务变更的计价单价（变更单价表）"""
    service_location: Text
    """乙方提供服务的地点，如 甲方指定办公场所"""
    term: Term
    """服务期的起止日期，以及期满是否自动续期"""
    fee: Fee
    """合同金额、税率、发票和付款安排"""
    penalties: Penalties = Field(default_factory=Penalties)
    """逾期履行、信息安全事件等违约情形的违约金及其上限"""
    liability: Liability = Field(default_factory=Liability)
    """责任上限、保险和履约保函"""
    sub_outsourcing_allowed: bool = False
    """是否允许分包（允许时仍须事先书面同意）"""
    dispute_resolution: DisputeResolution = DisputeResolution.LITIGATION
    """协商不成时的争议解决方式；选择仲裁时须填写仲裁机构"""
    arbitration_commission: Name | None = None
    """仲裁机构，选择仲裁时必填"""
    court: Name = defaults.field("engagements.court", Name)
    """管辖法院，选择诉讼时适用"""
    governing_law: Text = defaults.field("engagements.governing_law", Text)
    """合同适用的法律，如 中华人民共和国法律"""
    signing_place: Name | None = None
    """签订地点"""
    signing_date: CnDate | None = None
    """签订日期（印于合同、服务水平协议等文件的封面；无则不印）"""
    copies: int = Field(default=4, ge=2, le=20)
    """合同份数（双方各执一半）"""
    on_premises: OnPremises | None = None
    """乙方人员在甲方场所从事生产、物流或者后勤作业的安排；填写时生成《安全生产管理协议》"""
    sla: Sla | None = None
    """本合同的服务水平；写出的字段覆盖组织的 sla 默认值（仅对本合同），未写的沿用默认值"""
    data_protection: DataProtection | None = None
    """本合同的个人信息保护安排；写出的字段覆盖组织的 data_protection 默认值（仅对本合同）。processes_personal_info 为 false 时不沿用默认的个人信息种类、目的和境外接收方"""
    confidentiality: Confidentiality | None = None
    """本合同的保密约定；写出的字段覆盖组织的 confidentiality 默认值（仅对本合同）"""
    information_security: InformationSecurity | None = None
    """本合同的信息安全要求；写出的字段覆盖组织的 information_security 默认值（仅对本合同）"""
    ip: Ip | None = None
    """本合同的知识产权约定；写出的字段覆盖组织的 ip 默认值（仅对本合同）"""
    exit: Exit | None = None
    """本合同的退出安排；写出的字段覆盖组织的 exit 默认值（仅对本合同），期限不得突破制度的规定"""
    assessment: Assessment | None = None
    """签约前的风险评估、个人信息保护影响评估和退出计划（印入外包风险评估表）；重要外包未填写的，policygen check 提示评估表不完整"""

    @model_validator(mode="after")
    def _rules(self) -> Engagement:
        def violations() -> Violations:
            if (
                self.dispute_resolution == DisputeResolution.ARBITRATION
                and not self.arbitration_commission
            ):
                yield (
                    "arbitration_commission",
                    "选择仲裁时须写明仲裁机构，否则仲裁条款可能无效 "
                    "(name the arbitration commission)",
                )
            cap = self.liability.cap_percent
            if cap is not None:
                limit = self.fee.amount * cap / 100
                if self.penalties.cap > cap:
                    yield (
                        "penalties.cap",
                        f"逾期违约金上限 {self.penalties.cap}% 超过责任上限 liability.cap_percent "
                        f"{cap}% (a penalty above the liability cap)",
                    )
                for j, tier in enumerate(self.penalties.incident_tiers):
                    if tier.amount > limit:
                        where = (
                            f"penalties.security_incidents[{j}].amount"
                            if self.penalties.security_incidents
                            else "penalties.security_breach"
                        )
                        yield (
                            where,
                            f"违约金 {tier.amount} 元超过责任上限（合同总价的 {cap}%，即 "
                            f"{limit.quantize(Decimal('0.01'))} 元）；请降低违约金或者提高 "
                            "liability.cap_percent (a penalty above the liability cap)",
                        )
            dp = self.data_protection
            for i, recipient in enumerate(dp.overseas_recipients if dp else ()):
                if recipient.assessment_date > self.term.start:
                    yield (
                        f"data_protection.overseas_recipients[{i}].assessment_date",
                        f"个人信息保护影响评估应在向境外提供前完成：{recipient.assessment_date} "
                        f"晚于服务期起始日 {self.term.start}（《个人信息保护法》第五十五条） "
                        "(the assessment must precede the transfer)",
                    )

            done = self.assessment
            for name in ("pia_date", "exit_plan_date", "exit_plan_tested", "due_diligence_date"):
                when = getattr(done, name) if done else None
                if done and done.date and when is not None and when > done.date:
                    yield (
                        f"assessment.{name}",
                        f"评估表只记录评估日期前已完成的事项：{when} 晚于评估日期 {done.date}；"
                        "尚未完成的，作为计划事项填写 (a register reports steps done by its date)",
                    )
            deadline = self.signing_date or self.term.start
            for name in ("date", "pia_date", "exit_plan_date", "report_date"):
                when = getattr(done, name) if done else None
                if when is not None and when > deadline:
                    yield (
                        f"assessment.{name}",
                        f"签约前的评估和报告应在签约前完成：{when} 晚于"
                        f"{'签订日期' if self.signing_date else '服务期起始日'} {deadline} "
                        "(assessments precede signing)",
                    )

        check_rules(violations())
        return self
