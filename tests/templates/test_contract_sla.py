"""contract.md.j2 and sla.md.j2: every engagement of both examples renders into a sound contract
and SLA annex whose wording follows the profile (amounts, parties, levels, metrics, credits,
arbitration or court, personal information or not)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, build_tree, writer_options
from policygen.profile.engagement import Engagement
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.templating.context import build_context
from policygen.templating.environment import environment_for
from policygen.templating.filters import cn_date, duration, label, money, percent, quantity
from policygen.transforms.voice import party_voice
from policygen.writers import WRITERS
from sample_profiles import RECIPIENT

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KINDS = ("contract", "sla")
_REF = re.compile(r"\[\]\(#([A-Za-z][\w-]*)\)")


@functools.cache
def profile(example: str) -> Profile:
    return load_profile(EXAMPLES / f"{example}.yaml")


def engagement(example: str, contract_no: str) -> Engagement:
    return next(e for e in profile(example).engagements if e.contract_no == contract_no)


@functools.cache
def markdown(example: str, contract_no: str, kind: str) -> str:
    """The Markdown the template writes, before it is read into the tree."""
    p = profile(example)
    context = build_context(p, DOCUMENT_KINDS[kind], engagement(example, contract_no))
    return environment_for([]).render(DOCUMENT_KINDS[kind].template, context)


@functools.cache
def rendered(example: str, contract_no: str, kind: str) -> tuple[str, dict[str, str]]:
    """The plain text of the numbered document, and how each id is referred to."""
    p = profile(example)
    job = Job(DOCUMENT_KINDS[kind], engagement(example, contract_no))
    document, refs = build_tree(p, job)
    return WRITERS["txt"](document, writer_options()).decode(), refs


def text(example: str, contract_no: str, kind: str) -> str:
    return rendered(example, contract_no, kind)[0]


def voiced(example: str, value: str) -> str:
    """`value`, a text of the organisation's profile, as an agreement prints it (本行 → 甲方)."""
    return party_voice(value, profile(example).organisation.short_name)


CASES = [
    ("bank", "MY-ITO-2026-001"),
    ("bank", "MY-ITO-2026-002"),
    ("bank", "MY-ITO-2026-003"),
    ("manufacturer", "HY-BPO-2026-01"),
]
DOCUMENTS = [(ex, no, kind) for ex, no in CASES for kind in KINDS]


def test_cases_cover_every_engagement() -> None:
    for example in ("bank", "manufacturer"):
        numbers = {e.contract_no for e in profile(example).engagements}
        assert numbers == {no for ex, no in CASES if ex == example}


@pytest.mark.parametrize(("example", "contract_no", "kind"), DOCUMENTS)
def test_renders_with_title_and_no_none(example: str, contract_no: str, kind: str) -> None:
    out = text(example, contract_no, kind)
    e = engagement(example, contract_no)
    first, second = out.splitlines()[:2]
    if kind == "contract":
        assert first == e.title
        assert second == f"合同编号：{contract_no}"
    else:
        assert first == "服务水平协议"
        assert second == f"《{e.title}》附件一（合同编号：{contract_no}）"
    assert "None" not in markdown(example, contract_no, kind)
    assert "None" not in out
    assert e.vendor.name in out
    assert profile(example).organisation.name in out
    assert contract_no in out


@pytest.mark.parametrize(("example", "contract_no", "kind"), DOCUMENTS)
def test_every_cross_reference_target_exists(example: str, contract_no: str, kind: str) -> None:
    targets = set(_REF.findall(markdown(example, contract_no, kind)))
    assert targets, "the template cross-references nothing"
    _, refs = rendered(example, contract_no, kind)
    assert targets <= set(refs), f"unknown targets: {sorted(targets - set(refs))}"
    # Every reference reads as a number: 第三条 or 第3.2条, never an empty link.
    assert "[](#" not in text(example, contract_no, kind)


@pytest.mark.parametrize(("example", "contract_no", "kind"), DOCUMENTS)
def test_every_article_has_an_id(example: str, contract_no: str, kind: str) -> None:
    headings = re.findall(r"^## (.*)$", markdown(example, contract_no, kind), re.MULTILINE)
    assert headings
    for heading in headings:
        assert re.search(r"\{(#[\w-]+|\.unnumbered)\}$", heading), heading


def test_amounts_in_figures_and_words() -> None:
    out = text("bank", "MY-ITO-2026-002", "contract")
    assert "人民币1,234,567.89元（大写：人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分）" in out
    out = text("bank", "MY-ITO-2026-001", "contract")
    assert "人民币12,680,000.00元（大写：人民币壹仟贰佰陆拾捌万元整）" in out
    # 不含税价 and 税额 come from the context, which splits the total.
    context = build_context(
        profile("bank"), DOCUMENT_KINDS["contract"], engagement("bank", "MY-ITO-2026-001")
    )
    amounts = context["amounts"]
    assert f"不含税价为人民币{money(amounts.net)}元" in out
    assert f"增值税税额为人民币{money(amounts.tax)}元" in out
    # Liquidated damages print in figures and words when set, and are left out when not.
    assert "人民币500,000.00元（大写：人民币伍拾万元整）" in out
    assert "人民币12,680,000.00元（大写：人民币壹仟贰佰陆拾捌万元整）" in out  # the cap
    bpo = text("manufacturer", "HY-BPO-2026-01", "contract")
    assert "人民币50,000.00元（大写：人民币伍万元整）" in bpo
    assert "因乙方原因发生信息安全事件的，乙方应当赔偿甲方因此遭受的实际损失" in bpo


@pytest.mark.parametrize(("example", "contract_no"), CASES)
def test_payment_schedule(example: str, contract_no: str) -> None:
    out = text(example, contract_no, "contract")
    schedule = engagement(example, contract_no).fee.payment_schedule
    if len(schedule) == 1:
        assert "付款安排" not in out
        assert f"支付服务费：{voiced(example, schedule[0].milestone)}" in out
    else:
        assert "付款安排" in out
        for installment in schedule:
            milestone = voiced(example, installment.milestone)
            assert f"{milestone} | {percent(installment.percent)}" in out


@pytest.mark.parametrize(("example", "contract_no"), CASES)
def test_sla_tables_follow_the_profile(example: str, contract_no: str) -> None:
    out = text(example, contract_no, "sla")
    sla = profile(example).section("sla", engagement(example, contract_no))
    unit = next(m.unit for m in sla.metrics if m.name == sla.credits.metric)
    for severity in sla.severities:
        row = f"{severity.level} | {severity.name} | {voiced(example, severity.definition)} | "
        row += f"{duration(severity.response)} | {duration(severity.resolution)}"
        assert row in out
    for metric in sla.metrics:
        covers = "、".join(metric.covers) or "全部服务对象"
        shown = any(m.covers for m in sla.metrics)
        full = metric.comparison == ">=" and metric.unit == "%" and metric.target == 100
        word = "达到" if full else label(metric.comparison)
        row = f"{metric.name} | {covers + ' | ' if shown else ''}{word}"
        assert row in out
        assert voiced(example, metric.method) in out
    for tier in sla.credits.tiers:
        assert f"低于{quantity(tier.below, unit)}" in out
        assert f" | {percent(tier.credit)}" in out
    assert f"不超过当期服务费的{percent(sla.credits.cap)}" in out
    assert f"{duration(sla.credits.claim_within)}内" in out


def test_sla_targets_read_with_their_comparison() -> None:
    out = text("bank", "MY-ITO-2026-001", "sla")
    assert "生产服务器、存储和网络设备 | 不低于99.95% | 月度 | " in out
    assert "生产服务器、存储和网络设备 | 不超过两小时 | 月度 | " in out
    assert "用户满意度 | 全部服务对象 | 不低于80% | 季度 | " in out
    assert "低于99.95%，且不低于99.9% | 5%" in out
    assert "低于99% | 20%" in out
    # The manufacturer sets no progress-update intervals: the column is left out.
    assert "进展通报" in out
    assert "进展通报" not in text("manufacturer", "HY-BPO-2026-01", "sla")


def test_contract_summarises_the_sla() -> None:
    out = text("bank", "MY-ITO-2026-001", "contract")
    assert "服务水平及服务费扣减按照附件一《服务水平协议》执行。" in out
    bank = profile("bank")
    for metric in bank.section("sla", bank.engagements[0]).metrics:
        assert metric.name in out
    assert "P1级（紧急）事件的响应时限为十五分钟，解决时限为四小时" in out
    assert "乙方在任意连续六个月内累计三次未达到服务水平要求" in out


def test_termination_refers_to_chronic_failure() -> None:
    _, refs = rendered("bank", "MY-ITO-2026-001", "contract")
    out = text("bank", "MY-ITO-2026-001", "contract")
    assert f"乙方构成{refs['contract-chronic-failure']}所述的持续未达标" in out
    assert f"甲方有权依照{refs['contract-termination-by-client']}解除本合同" in out
    assert f"按照{refs['contract-confidentiality-damages']}承担责任" in out
    # The contract states its own grounds, each with its test; the regulation's triggers stay
    # in the regulation.
    assert "乙方被宣告破产、解散、被吊销营业执照或者被责令停产停业" in out
    assert profile("bank").exit.triggers[0].replace("服务提供商", "乙方").rstrip("。；") not in out


def test_arbitration_only_where_chosen() -> None:
    arbitration = text("bank", "MY-ITO-2026-001", "contract")
    assert "提交上海国际经济贸易仲裁委员会（上海国际仲裁中心）" in arbitration
    assert "仲裁裁决是终局的" in arbitration
    assert "人民法院提起诉讼" not in arbitration
    for example, contract_no in CASES[1:]:
        out = text(example, contract_no, "contract")
        court = engagement(example, contract_no).court
        assert f"向{court}提起诉讼" in out
        assert "仲裁委员会" not in out
        assert "仲裁裁决" not in out


def test_critical_engagement_reads_differently() -> None:
    # The rules of the bank's regulation make 001 and 002 重要外包 and leave 003 out.
    for contract_no, critical in (("001", True), ("002", True), ("003", False)):
        out = text("bank", f"MY-ITO-2026-{contract_no}", "contract")
        for words in (
            "属于甲方的重要外包",
            "每年至少对应急预案进行一次测试，测试应当有甲方参与",
            "分包方不得再行分包",
        ):
            assert (words in out) == critical, (contract_no, words)
        sla = text("bank", f"MY-ITO-2026-{contract_no}", "sla")
        assert ("恢复时间目标（RTO）" in sla) == critical


PI_WORDS = ("《中华人民共和国个人信息保护法》", "委托处理", "敏感个人信息", "个人信息保护影响评估")
REGULATOR_WORDS = ("监管机构", "国家金融监督管理总局", "银行保险机构")


@pytest.mark.parametrize(("example", "contract_no"), CASES)
def test_personal_information_and_regulators_only_for_the_bank(
    example: str, contract_no: str
) -> None:
    out = text(example, contract_no, "contract")
    bank = example == "bank"
    dp = profile(example).section("data_protection", engagement(example, contract_no))
    for words in PI_WORDS:
        expected = dp.processes_personal_info and (words != "敏感个人信息" or dp.sensitive_pi)
        assert (words in out) == expected, words
    for words in REGULATOR_WORDS:
        assert (words in out) == bank, words
    if dp.processes_personal_info:
        assert "在发现之时起两小时内书面通知甲方" in out
        assert "19.3.3　个人信息：十五日内按照甲方的选择返还甲方或者予以删除" in out
        for category in dp.pi_categories:
            assert category in out
    else:
        assert "本合同项下服务不涉及甲方委托乙方处理个人信息" in out


@pytest.mark.parametrize(("example", "contract_no"), CASES)
def test_profile_values_reach_the_contract(example: str, contract_no: str) -> None:
    p = profile(example)
    e = engagement(example, contract_no)
    out = text(example, contract_no, "contract")

    def section(name: str):  # type: ignore[no-untyped-def]
        return p.section(name, e)

    for value in (
        e.vendor.credit_code,
        e.vendor.address,
        e.vendor.legal_representative,
        voiced(example, e.service_location),
        *(voiced(example, service) for service in e.services),
        *(voiced(example, deliverable) for deliverable in e.deliverables),
        p.organisation.credit_code,
        section("ip").background_ip,
        section("ip").infringement,
        *(voiced(example, item) for item in section("confidentiality").scope),
        *(voiced(example, c).rstrip("。；") for c in section("information_security").controls),
        f"不少于{duration(section('information_security').log_retention)}",
        f"解除或者终止后{duration(section('confidentiality').term_after_termination)}内",
        f"甲方确定的过渡期不超过{duration(section('exit').transition_period)}的，乙方不得拒绝",
        f"{duration(section('exit').data_return_within)}内按照甲方要求的格式完整返还甲方",
        f"{duration(section('exit').confidential_return_within)}内按照甲方的要求返还或者销毁",
        f"完成前述各项之日起{duration(section('exit').certify_within)}内",
        f"合同总价的{percent(e.penalties.delay_rate_per_day)}",
        f"不超过合同总价的{percent(e.penalties.cap)}",
        f"增值税税率为{percent(e.fee.tax_rate)}",
        e.fee.invoice,
    ):
        assert value in out, value
    if e.vendor.contact:
        assert f"联系人：{e.vendor.contact}" in out
    if e.signing_place and e.signing_date:
        assert f"本合同于{cn_date(e.signing_date)}在{e.signing_place}签订" in out
    elif e.signing_place:
        assert f"本合同的签订地点为{e.signing_place}" in out
    assert "甲乙双方各执二份" in out
    assert ("本合同自动续期一年" in out) == e.term.auto_renew
    assert ("第三级" in out) == (section("information_security").mlps_level == 3)


NULL = object()
"""Set a key to null in `_variant` (None drops the key, leaving the default)."""


def _variant(**changes: object) -> Profile:
    """The bank example with its first engagement and a few sections changed: each keyword is a
    path with ``__`` between keys (``engagements__0__copies``)."""
    import io

    from ruamel.yaml import YAML

    from policygen.profile.load import load_profile_text

    yaml = YAML(typ="safe", pure=True)
    data = yaml.load((EXAMPLES / "bank.yaml").read_text(encoding="utf-8"))
    data["engagements"] = data["engagements"][:1]
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is None:
            node.pop(last, None)
        elif value is NULL:
            node[last] = None
        else:
            node[last] = value
    out = io.StringIO()
    yaml.dump(data, out)
    return load_profile_text(out.getvalue())


def _render_variant(p: Profile, kind: str) -> tuple[str, str]:
    job = Job(DOCUMENT_KINDS[kind], p.engagements[0])
    context = build_context(p, job.kind, job.engagement)
    md = environment_for([]).render(job.kind.template, context)
    document, _ = build_tree(p, job)
    return md, WRITERS["txt"](document, writer_options()).decode()


def test_optional_values_left_out_and_alternatives_chosen() -> None:
    p = _variant(
        organisation__industry="insurance",
        policy__legal_basis=["《中华人民共和国保险法》"],
        data_protection__cross_border=True,
        data_protection__overseas_recipients=[RECIPIENT],
        data_protection__breach_notification=None,
        engagements__0__data_protection=None,  # the organisation's: sensitive, abroad
        ip__deliverables_owner="joint",
        confidentiality__liquidated_damages=NULL,
        information_security__mlps_level=None,
        information_security__background_checks=False,
        risk__indicators=[],
        engagements__0__sub_outsourcing_allowed=True,
        engagements__0__copies=5,
        engagements__0__term__auto_renew=True,
        engagements__0__category=None,
        engagements__0__deliverables=None,
        engagements__0__vendor__contact=None,
        engagements__0__vendor__phone=None,
        engagements__0__vendor__email=None,
        organisation__contact=None,
        engagements__0__signing_place=None,
        engagements__0__penalties__security_breach=None,
        engagements__0__dispute_resolution="litigation",
        engagements__0__arbitration_commission=None,
    )
    for kind in KINDS:
        md, out = _render_variant(p, kind)
        assert "None" not in md
        assert "None" not in out
    _, out = _render_variant(p, "contract")
    assert "保险机构" in out
    assert "立即书面通知甲方" in out
    assert "单独同意" in out
    assert "甲乙双方共有" in out
    assert "违约金人民币" not in out
    assert "等级保护" not in out
    assert "背景审查" not in out
    assert "流失率" not in out
    assert "经甲方事先书面同意，乙方可以将本合同项下非核心的辅助性服务分包" in out
    assert "本合同一式五份，甲方执三份，乙方执二份" in out
    assert "本合同自动续期一年" in out
    assert "联系人：" not in out
    assert "签订地点" not in out
    assert "向甲方住所地有管辖权的人民法院提起诉讼" in out


def test_overseas_recipients_are_named_in_the_contract() -> None:
    p = _variant(
        data_protection__cross_border=True,
        data_protection__overseas_recipients=[RECIPIENT],
        engagements__0__data_protection=None,  # the organisation's, sent abroad
    )
    _, out = _render_variant(p, "contract")
    assert "乙方可以向下列境外接收方提供个人信息" in out
    assert "乙方仅在收到甲方关于前述条件已经具备的书面确认和书面指示后" in out
    row = "恒云数据服务（新加坡）有限公司 | 新加坡 | dpo@hengyun.example.sg，新加坡滨海大道1号"
    assert row in out
    assert "| 订立个人信息出境标准合同（备案编号：示例-2025-001） | 2025年11月20日完成" in out
    assert "上表所列境外接收方视为经甲方同意的转委托的受托方" in out
    assert "具体约定见附件三《个人信息委托处理协议》" in out


def test_vendor_owned_deliverables_are_licensed_to_the_client() -> None:
    p = _variant(ip__deliverables_owner="vendor")
    _, out = _render_variant(p, "contract")
    assert "交付成果的知识产权（包括著作权、技术秘密等）归乙方所有，甲方享有使用许可" in out
    assert "永久、不可撤销、免许可费的权利" in out


def test_profile_text_cannot_become_structure() -> None:
    p = _variant(engagements__0__vendor__name="*乙* [公司](#ip) {#x} | 1. 有限公司")
    for kind in KINDS:
        _, out = _render_variant(p, kind)
        assert "*乙* [公司](#ip) {#x} | 1. 有限公司" in out


@pytest.mark.parametrize(("example", "contract_no", "kind"), DOCUMENTS)
def test_ids_are_prefixed_by_kind(example: str, contract_no: str, kind: str) -> None:
    # Clause adaptations apply by id to every document of the set, so a contract clause must
    # never share an id with a regulation or SLA clause.
    ids = re.findall(r"(?<!\\)\{#([A-Za-z][\w-]*)\}", markdown(example, contract_no, kind))
    assert ids
    assert all(i.startswith(f"{kind}-") for i in ids), [i for i in ids if not i.startswith(kind)]
