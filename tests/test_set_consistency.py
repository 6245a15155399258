"""The documents of one engagement read as one instrument: every deadline after termination is
stated once, in the contract, counted from one event, and the NDA and DPA refer to it; the
contract lists exactly the annexes the set holds; nothing is organisation-wide that differs per
engagement; the organisation is 甲方 in every agreement."""

from __future__ import annotations

import functools
import itertools
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, build_tree, jobs, writer_options
from policygen.profile.critical import months_between, year_amount
from policygen.profile.engagement import Engagement
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.templating.context import availability_allowances
from policygen.templating.filters import duration, frequency_noun, money, quantity
from policygen.writers import WRITERS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AGREEMENTS = ("contract", "sla", "nda", "dpa")
ANNEX_TITLES = {
    "sla": "服务水平协议",
    "nda": "保密协议",
    "dpa": "个人信息委托处理协议",
    "safety": "安全生产管理协议",
}

_NUMERAL = "[零一二两三四五六七八九十百千万0-9.]+"
_PERIOD = re.compile(rf"{_NUMERAL}(?:个工作日|个月|日|天|年|小时|分钟|周)")


@functools.cache
def profile(example: str) -> Profile:
    return load_profile(EXAMPLES / f"{example}.yaml")


def engagements() -> list[tuple[str, str]]:
    return [
        (example, e.contract_no)
        for example in ("bank", "manufacturer", "securities")
        for e in profile(example).engagements
    ]


def engagement(example: str, contract_no: str) -> Engagement:
    return next(e for e in profile(example).engagements if e.contract_no == contract_no)


@functools.cache
def documents(example: str, contract_no: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Each document of the engagement's set: kind → (plain text, how its ids are numbered)."""
    p = profile(example)
    out = {}
    for job in jobs(p):
        if job.engagement is not None and job.engagement.contract_no == contract_no:
            document, refs = build_tree(p, job)
            out[job.kind.name] = (WRITERS["txt"](document, writer_options()).decode(), refs)
    return out


def clause(text: str, refs: dict[str, str], clause_id: str) -> str:
    """The lines of the numbered clause `clause_id` and of the items under it."""
    number = re.search(r"[\d.]+", refs[clause_id]).group()  # type: ignore[union-attr]
    return "\n".join(
        line for line in text.splitlines() if re.match(rf"{re.escape(number)}(\.\d+)*\u3000", line)
    )


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_deadlines_after_termination_are_stated_once_and_agree(
    example: str, contract_no: str
) -> None:
    p, e = profile(example), engagement(example, contract_no)
    exit_ = p.section("exit", e)
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]

    # The contract states every deadline in one clause, counted from one event.
    deadlines = clause(contract, refs, "contract-exit-deadlines")
    assert "过渡期届满之日为退出起算日" in deadlines
    expected = [exit_.data_return_within, exit_.confidential_return_within]
    if p.section("data_protection", e).processes_personal_info:
        expected.append(exit_.personal_info_deletion_within)
    expected.append(exit_.certify_within)
    assert _PERIOD.findall(deadlines.split("\n", 1)[1]) == [duration(d) for d in expected]
    # The transition the event closes is the contract's own, and the renewal clause points to it.
    transition = clause(contract, refs, "contract-transition-period")
    assert (
        f"甲方确定的过渡期不超过{duration(exit_.transition_period)}的，乙方不得拒绝" in transition
    )

    # Every other clause that speaks of returning, destroying or deleting refers to that clause.
    number = refs["contract-exit-deadlines"]
    for other in ("contract-confidentiality-return", "contract-pi-deletion"):
        if other in refs:
            text = clause(contract, refs, other)
            assert f"在{number}约定的期限内" in text
            assert not _PERIOD.search(text), text

    # The NDA and the DPA refer to the contract instead of restating a number.
    nda, nda_refs = docs["nda"]
    returned = clause(nda, nda_refs, "nda-return-duty") + clause(
        nda, nda_refs, "nda-return-confirmation"
    )
    assert "服务合同约定的退出期限内（自服务合同约定的退出起算日起计算）" in returned
    assert not _PERIOD.search(returned), returned
    if "dpa" in docs:
        dpa, dpa_refs = docs["dpa"]
        deleted = clause(dpa, dpa_refs, "dpa-deletion") + clause(
            dpa, dpa_refs, "dpa-deletion-confirmation"
        )
        assert (
            "服务合同约定的个人信息返还或者删除期限内（自服务合同约定的退出起算日起计算）"
            in deleted
        )
        assert not _PERIOD.search(deleted), deleted
        assert "退出起算日" in clause(dpa, dpa_refs, "dpa-term")
    # The SLA lasts as long as the service does: until the transition ends.
    sla, _ = docs["sla"]
    assert "至服务合同终止且过渡期届满之日终止" in sla


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_drills_are_one_value_stated_in_the_contract(example: str, contract_no: str) -> None:
    p, e = profile(example), engagement(example, contract_no)
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]
    drills = p.section("information_security", e).drill_frequency
    assert f"乙方应当{_frequency(drills)}配合甲方开展信息安全应急演练" in contract
    if "contract-pi-measures" in refs:
        measures = clause(contract, refs, "contract-pi-measures")
        assert f"纳入{refs['contract-security-assessment']}约定的信息安全应急演练" in measures
    if "dpa" in docs:
        dpa, _ = docs["dpa"]
        assert "纳入服务合同约定的信息安全应急演练" in dpa
        assert "至少组织一次演练" not in dpa


def _frequency(value: object) -> str:
    from policygen.templating.filters import frequency

    return frequency(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_the_contract_lists_exactly_the_annexes_of_its_set(example: str, contract_no: str) -> None:
    docs = documents(example, contract_no)
    annexed = [kind for kind in ("sla", "nda", "dpa", "safety") if kind in docs]
    contract, refs = docs["contract"]
    numerals = "一二三四"
    listed = [f"附件{numerals[i]}《{ANNEX_TITLES[kind]}》" for i, kind in enumerate(annexed)]
    assert f"本合同的附件为{'、'.join(listed)}。" in clause(contract, refs, "contract-annexes")
    tail = contract[contract.rindex("\n附件\n") :]
    assert [line for line in tail.splitlines() if line.startswith("附件")][1:] == [
        f"附件{numerals[i]}：《{ANNEX_TITLES[kind]}》" for i, kind in enumerate(annexed)
    ]
    # Each annex calls itself by the same number and title.
    for i, kind in enumerate(annexed):
        title, subtitle = docs[kind][0].splitlines()[:2]
        assert title == ANNEX_TITLES[kind]
        assert f"附件{numerals[i]}（合同编号：{contract_no}）" in subtitle


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_precedence_rule(example: str, contract_no: str) -> None:
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]
    assert "本合同正文与附件约定不一致的" in clause(contract, refs, "contract-precedence")
    for kind in ("sla", "nda", "dpa"):
        if kind in docs:
            text = docs[kind][0]
            assert "按照" in text and "关于合同文件效力顺序的约定处理" in text
            assert "以本协议为准" not in text
            assert "以对甲方保护更为严格的约定为准" not in text


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_agreements_call_the_organisation_party_a(example: str, contract_no: str) -> None:
    p = profile(example)
    names = {"本行", "本公司", "本单位", p.organisation.short_name}
    for kind, (text, _) in documents(example, contract_no).items():
        if kind in AGREEMENTS:
            found = {name for name in names if re.search(f"{name}(?!业|政)", text)}
            assert not found, f"{kind}: {found}"


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_notices_reach_the_named_contacts(example: str, contract_no: str) -> None:
    """The organisation's contact (organisation.contact) and the vendor's are printed where
    the parties are named — the contract, the NDA, the DPA, the safety agreement — and the
    contract's notices clause sends notices to them."""
    p, e = profile(example), engagement(example, contract_no)
    client, vendor = p.organisation.contact, e.vendor
    assert client is not None
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]
    # Each detail on a line of its own, as in the parties block: no long justified sentence
    # around an unbreakable e-mail address.
    number = refs["contract-notice-methods"][1:-1]
    section = contract.split(f"\n{number}.1\u3000甲方：\n", 1)[1].split("\n\n\n", 1)[0]
    section = re.split(r"\n\d+\.\d+\u3000", section, maxsplit=1)[0]
    client_block, vendor_block = section.split(f"\n{number}.2\u3000乙方：\n")
    client_lines = [
        f"通知地址：{p.organisation.address}",
        f"联系人：{client.name}（{client.department}）",
    ]
    client_lines += [f"联系电话：{client.phone}"] if client.phone else []
    client_lines += [f"电子邮箱：{client.email}"] if client.email else []
    client_lines[-1] += "；"
    assert client_block.strip().splitlines() == client_lines
    vendor_lines = [f"通知地址：{vendor.address}", f"联系人：{vendor.contact}"]
    vendor_lines += [f"联系电话：{vendor.phone}"] if vendor.phone else []
    vendor_lines += [f"电子邮箱：{vendor.email}"] if vendor.email else []
    vendor_lines[-1] += "。"
    assert vendor_block.strip().splitlines() == vendor_lines
    assert "contract-notice-delivery" in refs
    for kind, (text, _) in docs.items():
        if kind in ("contract", "nda", "dpa", "safety"):
            head = text.split("\n乙方（", 1)[0]
            assert f"联系人：{client.name}（{client.department}）" in head, kind
            if client.phone:
                assert f"联系电话：{client.phone}" in head, kind
            if client.email:
                assert f"电子邮箱：{client.email}" in head, kind
            if vendor.email:
                assert f"电子邮箱：{vendor.email}" in text.split("\n鉴于", 1)[0], kind
    if "dpa" in docs:
        assert "以书面形式通知甲方本协议首部所列的联系人" in docs["dpa"][0]


@functools.cache
def regulation_text(example: str) -> str:
    p = profile(example)
    document, _ = build_tree(p, jobs(p, ["regulation"])[0])
    return WRITERS["txt"](document, writer_options()).decode()


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_term_for_the_vendors_people(example: str, contract_no: str) -> None:
    """The contract defines 外包人员; its annexes use that term, the NDA and the DPA with the
    contract's meaning, and none says 乙方人员."""
    docs = documents(example, contract_no)
    contract, _ = docs["contract"]
    assert "“外包人员”：指乙方为履行本合同而派驻甲方或者参与提供服务的全部人员" in contract
    meaning = "具有服务合同所述的含义，即乙方为履行服务合同而派驻甲方或者参与提供服务的全部人员"
    assert meaning in docs["nda"][0]
    if "dpa" in docs:
        assert f"“外包人员”：{meaning}" in docs["dpa"][0]
    # one definition everywhere (the regulation's in its own words), one word for subcontractors
    who = "包括经{}书面同意使用的分包方的人员"
    for kind in ("contract", "nda", "dpa"):
        if kind in docs:
            assert who.format("甲方") in docs[kind][0], kind
    regulation = regulation_text(example)
    short = profile(example).organisation.short_name
    assert (
        f"外包人员，是指服务提供商为履行外包合同而派驻{short}或者参与提供服务的全部人员，"
        f"{who.format(short)}" in regulation
    )
    for text in (regulation, *(t for t, _ in docs.values())):
        assert "分包商" not in text
    for kind, (text, _) in docs.items():
        if kind in (*AGREEMENTS, "safety"):
            assert "乙方人员" not in text, kind
    if "safety" in docs:
        assert "外包人员进场前" in docs["safety"][0]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_the_register_shows_the_facts_behind_each_criterion_met(
    example: str, contract_no: str
) -> None:
    """One row per 重要外包 criterion, met or not: a met one holds one fact per test it passed,
    one not met the fact that rules out each of its tests; the regulator's advance report and
    the exit plan are stated from the classification."""
    p, e = profile(example), engagement(example, contract_no)
    classification = p.classification(e)
    register, _ = documents(example, contract_no)["risk_register"]
    rows = [
        line
        for line in register.splitlines()
        if re.match(r"第（[一二三四五六七八九十]+）项：", line)
    ]
    # Every criterion is assessed from the facts, met or not (数据中心整体外包 included).
    criteria = p.policy.critical_criteria
    assert len(rows) == len(criteria)
    met = {m.number: m for m in classification.met}
    for number, (row, criterion) in enumerate(zip(rows, criteria, strict=True), start=1):
        text, verdict, facts = row.split(" | ")
        assert text.endswith(criterion.text.rstrip("。；"))
        assert verdict == ("符合" if number in met else "不符合")
        tests = met[number].held if number in met else criterion.test
        assert len(facts.split("；")) == len(tests)
    report = next(
        (line for line in register.splitlines() if line.startswith("监管事前报告 | ")), None
    )
    if p.organisation.industry.value in ("banking", "insurance", "securities"):
        assert report is not None
        lead = duration(p.policy.regulatory_report_lead_time)
        if classification.critical and p.organisation.industry.value != "securities":
            # the banking rule's cases decide: a prior report names the case it rests on, and a
            # 重要外包 outside them says which cases it is not
            if report.startswith("监管事前报告 | 需要："):
                assert "规定应当事前报告的情形（" in report
                assert (
                    f"依照《{p.policy.title}》的规定，应当在合同签订{lead}前向监管部门报告"
                    in report
                )
            else:
                assert "不需要事前报告：本外包虽为重要外包" in report
                assert "不是数据中心（机房）整体外包" in report
        elif classification.critical:  # the CSRC's rules set the timing; the lead time is its own
            assert f"在合同签订{lead}前将报告所需资料提交" in report or "不适用于" in report
        else:
            assert report == "监管事前报告 | 不需要：本外包为一般外包"
    else:
        assert report is None
    plan = next(line for line in register.splitlines() if line.startswith("退出计划 | "))
    assert plan.startswith("退出计划 | 需要" if classification.critical else "退出计划 | 不要求")
    assert "未制定" not in plan


def test_the_facts_the_registers_print() -> None:
    app, _ = documents("bank", "MY-ITO-2026-002")["risk_register"]
    assert (
        "| 服务清单所列服务对象为手机银行系统、网上银行系统，涉及本行的核心业务系统或者重要业务系统\n"
        in app
    )
    assert "服务提供商可以远程访问本行的生产环境，服务地点为本行指定的办公场所" in app
    assert "委托服务提供商处理约五百万人的个人信息" in app and "达到十万人以上的标准" in app
    assert "服务中断对本行业务的影响评定为重大，服务水平协议约定的恢复时间目标为两小时" in app
    maker, _ = documents("manufacturer", "HY-BPO-2026-01")["risk_register"]
    assert "年度合同金额（按服务期限折算）为2,160,000.00元，达到1,000,000.00元的标准" in maker
    datacentre, _ = documents("bank", "MY-ITO-2026-001")["risk_register"]
    # The infrastructure serves no system by name in the service list: the facts name them.
    assert (
        "核心业务系统或者重要业务系统（核心账务系统、支付系统、手机银行系统和网上银行系统）"
        in datacentre
    )
    assert (
        "第（一）项：数据中心（机房）整体外包 | 不符合 | 本外包不是本行数据中心（机房）的整体外包\n"
        in datacentre
    )
    assert "需求部门逐项核对后认定本外包符合该项标准" in maker


def test_the_bank_set_follows_each_engagement() -> None:
    """The consulting engagement entrusts no personal information: no DPA, no entrustment
    clause; 002 is 重要外包 by the bank's own criteria wherever that matters."""
    bank = profile("bank")
    consulting = documents("bank", "MY-ITO-2026-003")
    assert "dpa" not in consulting
    contract, refs = consulting["contract"]
    assert "contract-pi-entrustment" not in refs
    assert "本合同项下服务不涉及甲方委托乙方处理个人信息" in contract
    sla, _ = consulting["sla"]
    assert "系统可用率" not in sla and "交付成果按期提交率" in sla

    app = documents("bank", "MY-ITO-2026-002")
    assert bank.classification(engagement("bank", "MY-ITO-2026-002")).critical
    contract, refs = app["contract"]
    for clause_id in (
        "contract-critical-outsourcing",
        "contract-critical-audit",
        "contract-critical-subcontracting",
        "contract-exit-plan",
    ):
        assert clause_id in refs
    register, _ = app["risk_register"]
    assert "是否重要外包 | 是。符合《明远商业银行信息科技外包管理办法》重要外包认定标准" in register


def test_the_application_engagement_states_its_own_facts() -> None:
    """MY-ITO-2026-002 (application operations of the mobile and internet banking systems):
    a service list of those systems, professional and cyber insurance, a performance bond and
    tiered penalties; its P1 is about those systems, recovered within the RTO, and it promises
    no RPO, since backups and replication are the data centre contract's."""
    e = engagement("bank", "MY-ITO-2026-002")
    docs = documents("bank", "MY-ITO-2026-002")
    contract, refs = docs["contract"]
    assert "服务清单" in clause(contract, refs, "contract-service-list")
    assert "| 对客渠道系统应用运维和监控 | 手机银行系统、网上银行系统 |" in contract
    for clause_id in ("contract-insurance", "contract-performance-bond", "contract-change-rates"):
        assert clause_id in refs, clause_id
    insurance = clause(contract, refs, "contract-insurance")
    assert "职业责任保险" in insurance and "网络安全保险" in insurance
    assert "即人民币61,728.39元" in clause(contract, refs, "contract-performance-bond")
    assert "信息安全事件违约金" in contract
    sla_section = profile("bank").section("sla", e)
    top = sla_section.severities[0]
    assert "手机银行系统或者网上银行系统" in top.definition
    assert "核心业务系统" not in top.definition
    assert top.resolution == sla_section.recovery_time_objective
    assert sla_section.recovery_point_objective is None
    sla, _ = docs["sla"]
    assert f"P1 | 紧急 | {top.definition} |" in sla
    assert "恢复点目标（RPO）不超过" not in sla


def test_the_manufacturers_amount_rule_makes_its_contract_critical() -> None:
    maker = profile("manufacturer")
    (e,) = maker.engagements
    classification = maker.classification(e)
    assert classification.critical
    assert classification.annual_amount == e.fee.amount  # a one-year term
    assert [m.number for m in classification.met] == [1, 2]
    register, _ = documents("manufacturer", e.contract_no)["risk_register"]
    assert "年度合同金额（按服务期限折算） | 2,160,000.00元" in register


def test_kinds_in_a_set_are_those_that_apply() -> None:
    for example, contract_no in engagements():
        p, e = profile(example), engagement(example, contract_no)
        kinds = set(documents(example, contract_no))
        entrusts = p.section("data_protection", e).processes_personal_info
        expected = {k for k, kind in DOCUMENT_KINDS.items() if kind.per_engagement}
        expected -= set() if entrusts else {"dpa"}
        expected -= set() if e.on_premises else {"safety"}
        assert kinds == expected
        assert Job(DOCUMENT_KINDS["contract"], e).filename("txt") == f"contract-{contract_no}.txt"


def test_work_on_the_premises_gets_a_safety_agreement_the_contract_names() -> None:
    """安全生产法 第四十九条: a safety-management agreement for work contracted out on the
    premises, annexed to the contract; the SLA keeps accidents out of its ticket ladder and the
    risk register rates injuries."""
    docs = documents("manufacturer", "HY-BPO-2026-01")
    safety, refs = docs["safety"]
    for clause_id in (
        "safety-client-duties",
        "safety-vendor-duties",
        "safety-licences",
        "safety-waste",
        "safety-accidents",
        "safety-labour",
    ):
        assert clause_id in refs, clause_id
    assert "叉车驾驶 | 特种设备安全管理和作业人员证（叉车司机）" in safety
    assert "危险废物经营许可证" in clause(safety, refs, "safety-hazardous-waste")
    assert "最迟不得超过十五分钟" in clause(safety, refs, "safety-accident-report")
    assert "不是劳务派遣" in clause(safety, refs, "safety-no-dispatch")
    assert "考勤" in clause(safety, refs, "safety-employer")
    contract, contract_refs = docs["contract"]
    assert "附件三《安全生产管理协议》" in clause(contract, contract_refs, "contract-safety")
    assert "实际价值赔偿" in clause(contract, contract_refs, "contract-goods-damage")
    sla, sla_refs = docs["sla"]
    assert "附件三《安全生产管理协议》" in clause(sla, sla_refs, "sla-safety-accidents")
    register, _ = docs["risk_register"]
    assert "人身安全" in register and "人员重伤" in register
    # No safety agreement, and none of its clauses, where nobody works on the premises.
    bank = documents("bank", "MY-ITO-2026-003")
    assert "safety" not in bank and "contract-safety" not in bank["contract"][1]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_annualisation_rule(example: str, contract_no: str) -> None:
    """The 重要外包 amount criterion, the register's concentration and the SLA's 当期服务费 all
    spread the fee over the term's months: a year's parts add up to the fee, a term starting on
    1 January has its first calendar year's part equal its 年度合同金额, and the register prints
    for the same engagement no second annual figure."""
    p, e = profile(example), engagement(example, contract_no)
    years = range(e.term.start.year, e.term.end.year + 1)
    assert sum(year_amount(e, y) for y in years).quantize(Decimal("0.01")) == e.fee.amount
    annual = p.classification(e).annual_amount
    register, _ = documents(example, contract_no)["risk_register"]
    assert f"年度合同金额（按服务期限折算） | {money(annual)}元" in register
    this_year = re.search(r"(\d{4})年本合同金额（含税） \| ([\d,.]+)元", register)
    assert this_year is not None
    year = int(this_year.group(1))
    assert this_year.group(2) == money(year_amount(e, year).quantize(Decimal("0.01")))
    if e.term.start == date(year, 1, 1):
        assert this_year.group(2) == money(annual)
    assert "日数折算其年度金额" not in register
    sla, _ = documents(example, contract_no)["sla"]
    assert "该统计周期的服务月数占服务期限总月数的比例" in sla


def test_the_annualisation_rule_counts_part_months_by_their_days() -> None:
    assert months_between(date(2026, 3, 1), date(2027, 2, 28)) == 12
    assert months_between(date(2026, 1, 1), date(2028, 12, 31)) == 36
    assert months_between(date(2026, 3, 16), date(2026, 4, 15)) == Decimal(16) / 31 + Decimal(
        15
    ) / Decimal(30)
    bank = profile("bank")
    datacentre = engagement("bank", "MY-ITO-2026-001")
    assert bank.classification(datacentre).annual_amount == Decimal("4226666.67")
    register, _ = documents("bank", "MY-ITO-2026-001")["risk_register"]
    assert "2027年该服务提供商承接本行外包合同金额合计 | 3,874,444.44元" in register


# What each of the regulation's baseline indicators (表5) measures, as the services name it: an
# engagement whose services include it states the indicator in its SLA, at least as strict.
_BASELINE_SUBJECTS = {
    "系统可用率": ("运行维护", "运维"),
    "平均故障修复时间": ("故障",),
    "事件响应及时率": ("故障", "事件"),
    "变更成功率": ("变更",),
}


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_indicators_follow_the_services_in_scope(example: str, contract_no: str) -> None:
    """The regulation lets an SLA replace a baseline indicator only where it does not apply to
    the engagement: the data centre contract implements production changes, so it keeps
    变更成功率 beside its own 巡检计划完成率."""
    p, e = profile(example), engagement(example, contract_no)
    work = " ".join([*e.services, *(item.name for item in e.service_items)])
    mine = {m.name: m for m in p.section("sla", e).metrics}
    regulation = regulation_text(example)
    for baseline in p.sla.metrics:
        assert f"\n{baseline.name} | " in regulation
        subjects = _BASELINE_SUBJECTS.get(baseline.name, ())
        if not any(s in work for s in subjects):
            continue
        metric = mine.get(baseline.name)
        assert metric is not None, f"{contract_no} lacks {baseline.name}"
        if baseline.comparison == ">=":
            assert metric.target >= baseline.target, baseline.name
        else:
            assert metric.target <= baseline.target or metric.unit != baseline.unit
    if contract_no == "MY-ITO-2026-001":
        assert {"变更成功率", "巡检计划完成率"} <= set(mine)


def _sentence(text: str, words: str) -> str:
    """The one sentence of `text` holding `words`, without its clause number and its 。."""
    (found,) = {s for s in re.split(r"。|\n", text) if words in s}
    return found.split("\u3000")[-1]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_rule_for_an_unlawful_instruction(example: str, contract_no: str) -> None:
    """PIPL art. 21: the vendor processes as agreed; an instruction it considers unlawful it
    reports at once and may hold until 甲方 confirms or changes it — the same words in the
    contract and the DPA."""
    docs = documents(example, contract_no)
    if "dpa" not in docs:
        return
    rule = "乙方认为甲方的指示违反法律、行政法规的，应当立即书面告知甲方，并可以在甲方书面确认或者修改该指示前暂停执行该指示"
    contract, refs = docs["contract"]
    dpa, dpa_refs = docs["dpa"]
    in_contract = clause(contract, refs, "contract-pi-instructions")
    in_dpa = clause(dpa, dpa_refs, "dpa-instructions")
    assert _sentence(in_contract, "指示违反") == _sentence(in_dpa, "指示违反") == rule
    for text in (contract, dpa):
        assert text.count("指示违反") == 1
        assert "有权在甲方作出答复前暂停" not in text


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_background_check_clause(example: str, contract_no: str) -> None:
    """Who is checked and what is checked is one fact, in the same words in the contract, the
    NDA and the DPA; a credit-status check only with the person's written consent (征信业管理条例
    第十八条), wherever a document of the set mentions one."""
    p, e = profile(example), engagement(example, contract_no)
    docs = documents(example, contract_no)
    ids = {"contract": "contract-background-checks", "nda": "nda-background-checks"}
    ids |= {"dpa": "dpa-background-checks"} if "dpa" in docs else {}
    if not p.section("information_security", e).background_checks:
        assert not any(i in docs[k][1] for k, i in ids.items())
        return
    texts = {k: clause(docs[k][0], docs[k][1], i).split("\u3000", 1)[1] for k, i in ids.items()}
    assert len(set(texts.values())) == 1, texts
    (text,) = set(texts.values())
    assert "对其身份、学历、从业经历和违法犯罪记录进行背景审查" in text
    for document in (*(t for t, _ in docs.values()), regulation_text(example)):
        for sentence in re.split("[。；]", document):
            if "个人信用状况" in sentence:
                assert "本人书面同意" in sentence, sentence


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_security_images_are_entrusted_where_security_systems_are_in_scope(
    example: str, contract_no: str
) -> None:
    """An engagement that runs the site's security systems (安防: CCTV, access control) handles
    the images and access records of the people on the site: its DPA lists them among the
    personal information entrusted; any other DPA does not mention them."""
    p, e = profile(example), engagement(example, contract_no)
    docs = documents(example, contract_no)
    if "dpa" not in docs:
        return
    work = " ".join([*e.services, *(c for item in e.service_items for c in item.covers)])
    security = any(word in work for word in ("安防", "门禁", "视频监控"))
    categories = p.section("data_protection", e).pi_categories
    dpa, _ = docs["dpa"]
    if security:
        assert any("图像" in c for c in categories) and any("门禁" in c for c in categories)
        for c in categories:
            assert f" | {c} | " in dpa
    else:
        assert not any("图像" in c or "门禁" in c for c in categories)
        assert "监控图像" not in dpa and "门禁" not in dpa
    assert (example, contract_no) != ("bank", "MY-ITO-2026-001") or security


def _items(text: str, refs: dict[str, str], clause_id: str) -> list[str]:
    """The texts of `clause_id` and its items, without their numbers."""
    return [line.split("\u3000", 1)[1] for line in clause(text, refs, clause_id).splitlines()]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_one_set_of_confidentiality_exceptions_and_dates(example: str, contract_no: str) -> None:
    """The contract and the NDA hold the same exceptions (独立开发 included, each proved in
    writing), the same compelled disclosure, and the same start and end of the duty (依法为公众所
    知悉之日), in the same words but for how each names the contract and itself."""
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]
    nda, nda_refs = docs["nda"]
    exceptions = _items(contract, refs, "contract-confidentiality-exceptions")
    assert exceptions == _items(nda, nda_refs, "nda-exclusions")
    assert len(exceptions) == 5 and any("独立开发" in line for line in exceptions)
    assert exceptions[0].startswith("乙方能够以书面证据证明")
    assert _items(contract, refs, "contract-compelled-disclosure") == _items(
        nda, nda_refs, "nda-compelled-disclosure"
    )
    (term,) = _items(contract, refs, "contract-confidentiality-term")
    (nda_term,) = _items(nda, nda_refs, "nda-term-duration")
    assert term.replace("本合同", "服务合同", 3).replace("服务合同签订前", "本协议签订前") == (
        nda_term
    )
    for text in (contract, nda):
        assert "依法公开之日" not in text
    assert "自乙方首次知悉或者接触保密信息之日起生效" in term
    # what is confidential: learnt from the negotiation on, in both
    assert "乙方在磋商、订立和履行本合同过程中" in contract
    assert "乙方在服务合同的磋商、订立和履行过程中" in nda
    if "dpa" in docs:
        assert "依法公开之日" not in docs["dpa"][0]


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_outage_remedies_escalate_with_the_outage(example: str, contract_no: str) -> None:
    """How the SLA's numbers relate, each remedy starting where the one before ends: the month's
    unavailability an availability target allows (stated in the SLA) ≤ the P1 resolution time ≤
    the RTO ≤ the outage after which the contract's security-incident penalty is due. So an
    outage recovered within the RTO costs service credits (the RTO is no exemption from the
    availability target, and the SLA says so), never the penalty; and the regulation's 表5
    baseline holds (test_indicators_follow_the_services_in_scope)."""
    p, e = profile(example), engagement(example, contract_no)
    sla_section = p.section("sla", e)
    sla, _ = documents(example, contract_no)["sla"]
    contract, _ = documents(example, contract_no)["contract"]
    allowances = availability_allowances(sla_section)
    rto = sla_section.recovery_time_objective
    p1 = sla_section.severities[0]
    for name, allowance in allowances.items():
        assert f"{name}不低于" in sla and "即每月累计不可用时间不超过当月应当可用时间的" in sla
        assert allowance.minutes <= p1.resolution.minutes, name
    if rto is None:
        return
    assert p1.resolution.minutes <= rto.minutes
    if allowances and p.classification(e).critical:
        assert "恢复时间目标是单次服务中断恢复服务的最长时间，不是对" in sla
    for incident in e.penalties.security_incidents:
        if "中断超过" not in incident.consequence:
            continue
        if "恢复时间目标" in incident.consequence:
            threshold = rto
            assert "中断超过服务水平协议规定的恢复时间目标" in incident.consequence or (
                f"中断超过{duration(rto)}（恢复时间目标）" in incident.consequence
            )
        else:
            assert "P1级事件解决时限" in incident.consequence, incident.consequence
            threshold = p1.resolution
        assert threshold.minutes >= rto.minutes, incident.consequence
        assert incident.consequence in contract


def test_the_allowance_of_an_availability_target() -> None:
    securities = profile("securities")
    trading = engagement("securities", "MC-ITO-2026-01")
    (allowance,) = availability_allowances(securities.section("sla", trading)).values()
    assert allowance.hours == 84 and allowance.rounded_seconds == 30
    sla, _ = documents("securities", "MC-ITO-2026-01")["sla"]
    assert (
        "系统可用率不低于99.99%，即每月累计不可用时间不超过当月应当可用时间的0.01%（按每月应当可用八十四小时计，约为三十秒）"
        in sla
    )
    datacentre = documents("bank", "MY-ITO-2026-001")["sla"][0]
    assert (
        "不超过当月应当可用时间的0.05%（按当月总分钟数计算，以三十日的月份为例约为21.6分钟）"
        in datacentre
    )


def test_contracts_are_signed_under_the_regulation_in_force() -> None:
    """A contract states the date it is signed; the regulation it is approved under is in force
    by then (the examples' regulations take effect before any contract of theirs is signed)."""
    for example, contract_no in engagements():
        p, e = profile(example), engagement(example, contract_no)
        if e.signing_date is not None:
            assert e.signing_date >= p.meta.effective_date, (example, contract_no)


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_revisions_cite_what_came_after_the_version_before(example: str) -> None:
    """A revision made 依据 an instrument cites one issued after the version it revises (its
    文号's year is not before that version's), and the history ends at the current version."""
    history = profile(example).meta.revision_history
    for before, after in itertools.pairwise(history):
        assert before.date < after.date
        for year in re.findall(r"〔(\d{4})〕", after.summary):
            cited = int(year)
            assert cited >= before.date.year or "依据" not in after.summary, after.summary
    if history:
        assert history[-1].version == profile(example).meta.version


# Words that describe an application's behaviour, out of place in an SLA whose services are
# infrastructure and equipment only.
_APPLICATION_WORDS = ("界面", "功能异常", "主要功能受损", "应用")


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_severities_speak_of_the_kind_of_service(example: str, contract_no: str) -> None:
    """An engagement whose service list covers only infrastructure and equipment (no
    application system) defines its incidents by failures of that infrastructure, not of
    application functions; the data centre contract is one."""
    p, e = profile(example), engagement(example, contract_no)
    objects = [c for item in e.service_items for c in item.covers]
    infrastructure = bool(objects) and all(
        any(word in c for word in ("供配电", "空调", "消防", "机房", "服务器", "存储", "网络"))
        or c == "生产系统"
        for c in objects
    )
    if not infrastructure:
        return
    sla, _ = documents(example, contract_no)["sla"]
    table = [line for line in sla.splitlines() if re.match(r"P\d \| ", line)]
    assert len(table) == len(p.section("sla", e).severities)
    for line in table:
        assert not any(word in line for word in _APPLICATION_WORDS), line
    assert (example, contract_no) != ("bank", "MY-ITO-2026-001") or "基础设施" in table[0]


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_no_enumeration_comma_between_book_titles(example: str) -> None:
    """GB/T 15834: consecutive 《》 titles take no 、 between them, in every document of a set;
    the regulation repeals the predecessor its profile names, in its effective-date article."""
    texts = [regulation_text(example)] + [
        text
        for e in profile(example).engagements
        for text, _ in documents(example, e.contract_no).values()
    ]
    for text in texts:
        assert "》、《" not in text
        assert not re.search(r"》（[^（）]*）《", text)  # but 、 after a bracketed note
    p = profile(example)
    last = regulation_text(example).split("修订记录")[0].rstrip().splitlines()[-1]
    assert (
        f"起施行。{''.join(p.policy.repeals)}同时废止。" in last
        if p.policy.repeals
        else (last.endswith("起施行。"))
    )


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_indicators_warn_at_the_slas_own_targets(example: str, contract_no: str) -> None:
    """A risk indicator that follows an SLA metric (用户满意度) warns at that SLA's target, in the
    register and the scorecard alike: never at the organisation's default."""
    p, e = profile(example), engagement(example, contract_no)
    metrics = {m.name: m for m in p.section("sla", e).metrics}
    docs = documents(example, contract_no)
    register, scorecard = docs["risk_register"][0], docs["scorecard"][0]
    for indicator in p.risk.indicators:
        metric = metrics.get(indicator.metric or "")
        if metric is None:
            continue
        target = quantity(metric.target, metric.unit)
        assert f"{indicator.name} | 低于{target}（服务水平协议的目标值） |" in register
        assert f"| {metric.name} | {frequency_noun(metric.window)} | 不低于{target} |" in (
            scorecard
        )


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_early_termination_settles_and_refunds(example: str, contract_no: str) -> None:
    """Fees paid ahead (the first instalment at signing) are refunded when the contract ends
    early, on the same months rule the SLA's 当期服务费 uses; the clauses that settle fees on
    termination refer to that one clause."""
    contract, refs = documents(example, contract_no)["contract"]
    settlement = clause(contract, refs, "contract-termination-settlement")
    assert "合同总价乘以已提供服务的月数占服务期限总月数的比例" in settlement
    assert "超过结算金额的，乙方应当自本合同解除或者终止之日起十五日内将超出部分退还甲方" in (
        settlement
    )
    number = refs["contract-termination-settlement"]
    for other in ("contract-termination-for-convenience", "contract-termination-consequences"):
        assert f"按照{number}结算费用" in clause(contract, refs, other)


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_mlps_level_binds_the_organisations_systems_only(example: str, contract_no: str) -> None:
    """等级保护: the organisation's level binds the vendor on the organisation's systems; a system
    the vendor runs itself is held to the level it is graded at (定级), in the contract, the DPA
    and the regulation."""
    p, e = profile(example), engagement(example, contract_no)
    level = p.section("information_security", e).mlps_level
    docs = documents(example, contract_no)
    contract, refs = docs["contract"]
    if level is None:
        assert "contract-mlps" not in refs
        return
    mlps = clause(contract, refs, "contract-mlps")
    assert "涉及的甲方信息系统按照各自的网络安全等级保护定级实施保护，其中最高为第" in mlps
    assert "按照其定级的安全保护等级履行安全保护义务" in mlps
    assert "服务涉及的信息系统的网络安全等级保护级别为" not in contract
    if "dpa" in docs:
        dpa, dpa_refs = docs["dpa"]
        text = clause(dpa, dpa_refs, "dpa-mlps")
        assert "按照其定级的安全保护等级履行安全保护义务" in text
        assert "或者与其相连的" not in text
    assert "服务提供商使用自有信息系统提供服务的，应当依法对该系统开展定级" in regulation_text(
        example
    )


@pytest.mark.parametrize(("example", "contract_no"), engagements())
def test_off_site_centralised_outsourcing_follows_the_facts(example: str, contract_no: str) -> None:
    """非驻场集中式外包 (the vendor serves several institutions from its own site, e.g. the
    application contract's remote operations centre): where the regulation defines it (banks and
    insurers) the register states it from facts.off_site_centralised with the regulation's
    inspection duty, and the contract lets 甲方 inspect the site and requires isolation."""
    p, e = profile(example), engagement(example, contract_no)
    docs = documents(example, contract_no)
    register, _ = docs["risk_register"]
    contract, refs = docs["contract"]
    centralised = e.facts.off_site_centralised
    row = next(
        (line for line in register.splitlines() if line.startswith("非驻场集中式外包 | ")), None
    )
    if p.organisation.industry.value not in ("banking", "insurance"):
        assert row is None
    elif centralised:
        assert row is not None and row.startswith("非驻场集中式外包 | 是：服务提供商在其自有场所")
        assert "现场检查或者委托第三方评估" in row
        assert "非驻场集中式外包，即服务提供商在其自有场所集中为多家机构提供服务" in (
            regulation_text(example)
        )
    else:
        assert row == ("非驻场集中式外包 | 否" if centralised is False else row)
    assert ("contract-off-site-centre" in refs) == bool(centralised)
    if centralised:
        assert "对甲方的服务团队、网络、终端和数据与其他客户实施有效隔离" in contract
    if (example, contract_no) == ("bank", "MY-ITO-2026-002"):
        assert centralised
