"""The regulation template (templates/zh/regulation.md.j2 and partials/regulation/).

Renders the Markdown for both examples and for variants that take the other branches, and checks
that every parameter the regulation promises appears, that the bank gets its regulator and
personal-information articles and the manufacturer does not, and that every cross-reference
names an id the output defines."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from policygen.kinds import DOCUMENT_KINDS
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.templating.context import build_context
from policygen.templating.environment import environment_for
from policygen.templating.filters import cn_date, percent
from sample_profiles import RECIPIENT

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REGULATOR_RULES = "《银行保险机构信息科技外包风险监管办法》"
PI_ENTRUSTMENT = "委托处理个人信息"

ID_DEF = re.compile(r"\{#([A-Za-z0-9_-]+)\}")
ID_REF = re.compile(r"\[\]\(#([A-Za-z0-9_-]+)\)")
ARTICLE = re.compile(r"^## \{#[A-Za-z0-9_-]+\}$", re.MULTILINE)


def render(profile: Profile) -> str:
    context = build_context(profile, DOCUMENT_KINDS["regulation"], None)
    return environment_for([]).render("regulation.md.j2", context)


def plain(markdown: str) -> str:
    """`markdown` without the backslash escapes values carry (99\\.9% → 99.9%)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def example_data(name: str) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load((EXAMPLES / f"{name}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def variant(name: str, **changes: dict[str, Any]) -> Profile:
    """The example `name` with each section in `changes` updated key by key."""
    data = copy.deepcopy(example_data(name))
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    return Profile.model_validate(data)


@pytest.fixture(scope="module")
def bank() -> Profile:
    return load_profile(EXAMPLES / "bank.yaml")


@pytest.fixture(scope="module")
def manufacturer() -> Profile:
    return load_profile(EXAMPLES / "manufacturer.yaml")


@pytest.fixture(scope="module")
def bank_md(bank: Profile) -> str:
    return render(bank)


@pytest.fixture(scope="module")
def manufacturer_md(manufacturer: Profile) -> str:
    return render(manufacturer)


# --------------------------------------------------------------------------- structure


def check_structure(md: str) -> None:
    defined = ID_DEF.findall(md)
    duplicates = {i for i in defined if defined.count(i) > 1}
    assert not duplicates, f"ids defined twice: {sorted(duplicates)}"
    missing = set(ID_REF.findall(md)) - set(defined)
    assert not missing, f"cross-references to undefined ids: {sorted(missing)}"
    assert "None" not in md
    assert "{{" not in md and "{%" not in md


def test_bank_structure(bank_md: str) -> None:
    check_structure(bank_md)
    assert 45 <= len(ARTICLE.findall(bank_md)) <= 75


def test_manufacturer_structure(manufacturer_md: str) -> None:
    check_structure(manufacturer_md)
    assert 45 <= len(ARTICLE.findall(manufacturer_md)) <= 70


@pytest.mark.parametrize(
    "chapter",
    [
        "# 总则 {#general}",
        "# 组织与职责 {#organisation}",
        "# 规划与决策 {#planning}",
        "# 服务提供商选择与管理 {#vendors}",
        "# 合同管理 {#contracts}",
        "# 服务质量管理 {#service-quality}",
        "# 风险管理 {#risk}",
        "# 信息安全 {#information-security}",
        "# 保密 {#confidentiality}",
        "# 知识产权 {#ip}",
        "# 退出管理 {#exit}",
        "# 监督检查与责任追究 {#supervision}",
        "# 附则 {#final}",
    ],
)
def test_chapters(chapter: str, bank_md: str, manufacturer_md: str) -> None:
    assert chapter in bank_md
    assert chapter in manufacturer_md


def test_no_typed_numbers(bank_md: str) -> None:
    """Article and item numbers come from the numbering scheme, never from the template."""
    assert not re.search(r"^第[一二三四五六七八九十百]+[章条]", bank_md, re.MULTILINE)
    assert not re.search(r"^（[一二三四五六七八九十]+）", bank_md, re.MULTILINE)
    assert not re.search(r"^## (?!\{#)", bank_md, re.MULTILINE)  # articles are untitled


def test_self_name_follows_the_title(bank_md: str, manufacturer_md: str) -> None:
    assert "制定本办法。" in bank_md and "本制度" not in bank_md
    assert "制定本制度。" in manufacturer_md and "本办法" not in manufacturer_md
    rule = render(
        variant("manufacturer", policy={"title": "华岳外包管理规定（试行）", "scope_note": None})
    )
    assert "制定本规定。" in rule and "本制度" not in rule


# --------------------------------------------------------------------------- conditional content


def test_bank_regulator_and_personal_information(bank_md: str) -> None:
    assert REGULATOR_RULES in bank_md
    assert PI_ENTRUSTMENT in bank_md
    for anchor in (
        "{#regulatory-reporting}",
        "{#pi-entrustment}",
        "{#pi-processor-duties}",
        "{#pi-impact-assessment}",
        "{#pi-sensitive}",
        "{#def-regulator}",
    ):
        assert anchor in bank_md
    assert "第二十一条" in bank_md
    assert "第五十五条、第五十六条" in bank_md
    assert "单独同意" in bank_md
    assert "至少保存三年" in bank_md
    assert "三年内覆盖全部重要外包" in bank_md
    assert "经高级管理层审议后报董事会" in bank_md
    assert "{#pi-future}" not in bank_md
    # No engagement sends personal information abroad: the article states the rule.
    assert "{#pi-cross-border}" in bank_md
    assert "应当存储在中华人民共和国境内。确需向境外提供的" in bank_md


def test_manufacturer_has_no_regulator_or_entrustment(manufacturer_md: str) -> None:
    assert REGULATOR_RULES not in manufacturer_md
    assert PI_ENTRUSTMENT not in manufacturer_md
    assert "监管部门" not in manufacturer_md
    assert "{#personal-information}" not in manufacturer_md
    # A future entrustment must still follow the PIPL.
    assert "{#pi-future}" in manufacturer_md
    assert "《中华人民共和国个人信息保护法》" in manufacturer_md


def test_critical_outsourcing(bank_md: str, manufacturer_md: str) -> None:
    for md in (bank_md, manufacturer_md):
        assert "重要外包的审批层级不得低于" in md
        assert "事先取得" in md and "书面同意" in md
        assert "检查和审计权利不得受到实质限制" in md
    assert "本行及监管部门的检查和审计权利" in bank_md
    # Both have a 重要外包 engagement: existing contracts get a supplementary agreement.
    assert "补充协议" in bank_md and "补充协议" in manufacturer_md


# --------------------------------------------------------------------------- parameters


def test_bank_parameters(bank: Profile, bank_md: str) -> None:
    md = plain(bank_md)
    org, policy, vs = bank.organisation, bank.policy, bank.vendor_selection
    assert f"（以下简称{org.short_name}）" in md
    assert "本办法自2027年1月1日起施行。" in md
    assert f"本办法自{cn_date(bank.meta.effective_date)}起施行。" in md
    assert "《明远商业银行信息科技外包管理暂行办法》（明银发〔2023〕45号）同时废止。" in md
    assert f"本办法由{org.departments.lead}负责解释。" in md
    for name in policy.legal_basis:
        assert name in md
    assert policy.scope_note and policy.scope_note in md
    assert "控股子公司参照本办法执行" in md
    for item in (*policy.categories, *policy.prohibited_functions):
        assert item in md
    for principle in policy.principles:
        assert principle.replace("本单位", org.short_name) in md
    for criterion in policy.critical_criteria:
        assert criterion.text in md
    for tier in policy.approval_tiers:
        assert f"| {tier.approver} |" in md
    assert "| 不超过50万元 |" in md and "| 超过1000万元 |" in md
    for c in vs.criteria:
        assert f"| {c.name} | {percent(c.weight)} |" in md
        assert c.description and c.description in md
    assert "不满75分的，不得准入" in md
    for method in vs.procurement_methods:
        assert method in md
    for item in vs.due_diligence:
        assert item in md
    assert "有效期为十二个月" in md
    for band in vs.grading:
        assert f"| {band.grade}（{band.label}） |" in md
    assert "每季度对服务提供商进行一次评价" in md
    for m in bank.sla.metrics:
        assert f"| {m.name} |" in md
    assert "| 不低于99.95% | 月度 |" in md
    assert "| 不超过两小时 | 月度 |" in md
    assert "| 不低于80% | 季度 |" in md
    assert "每月向本行提交服务报告" in md
    assert "每季度组织一次服务水平评审" in md
    assert "服务结束后三年" in md
    assert "任意连续六个月内累计三次" in md
    for i in bank.risk.indicators:
        assert f"| {i.name} |" in md
    assert "| 不低于25% | 黄色 |" in md
    assert "| 不超过95% | 橙色 |" in md
    assert "| 不低于两次 | 红色 |" in md
    for category in bank.risk.categories:
        assert category in md
    assert "风险值达到15分的，为高风险" in md
    assert "年度总金额的30%" in md
    # A bank-wide rule: each system by its own grade, the highest grade being the contracts' fact.
    assert "按照各自的网络安全等级保护定级落实安全保护要求。" in md and "其中最高为" not in md
    assert "最小授权和职责分离的原则" in md
    assert "留存不少于六个月" in md
    assert "每半年至少组织服务提供商开展一次信息安全应急演练" in md
    assert "背景审查" in md
    # The regulation states the rules of the portfolio; what each engagement entrusts is in its
    # own contract and DPA.
    dp = bank.data_protection
    for purpose in dp.purposes:
        assert purpose not in md
    assert "在外包合同约定的时限内（不超过两小时）通知本行" in md
    assert "在[](#exit-transition)规定的期限内将个人信息返还本行或者予以删除" in md
    assert "未经本行事先书面同意，不得转委托" in md
    assert "终止后五年" in md and "在[](#exit-transition)规定的期限内返还或者销毁保密信息" in md
    assert "不低于人民币50万元" in md
    assert "公开、内部、秘密、机密四个级别" in md
    assert "机密级信息" in md
    assert "知识产权归本行所有" in md
    for engagement in bank.engagements:  # vendors belong in the register, not in the regulation
        assert engagement.vendor.name not in md
        for vendor in bank.section("exit", engagement).alternate_vendors:
            assert vendor not in md
    for trigger in bank.exit.triggers:
        assert trigger.replace("本单位", org.short_name).rstrip("。；") in md
    assert "不少于九十日的提前通知期" in md
    assert "过渡期不少于六个月" in md
    assert "1. 返还全部数据、文档和资料：三十日；" in md
    assert "退出计划每年至少评估和测试一次" in md
    assert "每年对本办法进行一次审阅" in md
    assert "报董事会审批" in md
    for revision in bank.meta.revision_history:
        assert revision.summary in md


def test_manufacturer_parameters(manufacturer: Profile, manufacturer_md: str) -> None:
    md = plain(manufacturer_md)
    org = manufacturer.organisation
    assert "（以下简称本公司）" in md
    assert "本制度自2027年3月1日起施行。" in md
    assert "同时废止" not in md
    assert "本制度由行政管理部负责解释。" in md
    for tier in manufacturer.policy.approval_tiers:
        assert f"| {tier.approver} |" in md
    assert "| 超过100万元 | 总经理办公会 |" in md
    for c in manufacturer.vendor_selection.criteria:
        assert f"| {c.name} | {percent(c.weight)} |" in md
    assert "不满70分的，不得准入" in md
    assert "年度总金额的50%" in md
    assert "| 不低于一起 | 红色 |" in md
    assert "终止后三年" in md and "不低于人民币5万元" in md
    assert "不少于六十日的提前通知期" in md and "过渡期不少于一个月" in md
    # 审计与风控部 is both the risk and the audit department: named once per supervision line.
    assert "行政管理部、信息技术部按照职责实施专业监督，审计与风控部实施审计监督" in md
    assert org.departments.procurement in md
    assert "网络安全等级保护" not in md


# --------------------------------------------------------------------------- other branches


def test_other_branches() -> None:
    profile = variant(
        "bank",
        organisation={"industry": "insurance", "short_name": "本公司"},
        policy={
            "title": "外包服务管理办法",
            "legal_basis": ["《中华人民共和国保险法》"],
            "scope": ["ITO", "BPO"],
            "scope_note": None,
            "subsidiaries_follow": False,
            "categories": [],
            "prohibited_functions": [],
            "critical_criteria": [],
            "approval_tiers": [{"approver": "总经理办公会"}],
            "repeals": ["《甲办法》", "《乙办法》"],
        },
        vendor_selection={
            "criteria": [{"name": "价格", "weight": 100}],
            "evaluation_frequency": "annual",
            "grading": [
                {"grade": "合格", "label": "合格", "min": 0, "max": 100, "consequence": "续约"}
            ],
        },
        confidentiality={"liquidated_damages": None, "classification_levels": ["internal"]},
        data_protection={
            "breach_notification": None,
            "cross_border": True,
            "overseas_recipients": [RECIPIENT],
        },
        information_security={"mlps_level": None, "background_checks": False},
        ip={"deliverables_owner": "vendor"},
        risk={"indicators": []},
        exit={"alternate_vendors": []},
        meta={"document_no": None, "revision_history": []},
    )
    md = plain(render(profile))
    check_structure(render(profile))
    assert REGULATOR_RULES in md  # insurers are regulated too, even if they do not cite it
    assert (
        "《中华人民共和国保险法》《保险机构信息化监管规定》（国家金融监督管理总局令2023年第2号）、"
        "《银行保险机构信息科技外包风险监管办法》（银保监办发〔2021〕141号）等" in md
    )
    assert "包括信息技术外包（ITO）和业务流程外包（BPO）" in md
    assert "控股子公司" not in md
    assert "| 不论金额 | 总经理办公会 |" in md
    assert "| 合格（合格） | 全部分值 | 续约 |" in md
    assert "以各期评价结果为基础" not in md
    assert "违约金" not in md
    assert "并立即通知本公司" in md
    assert "{#pi-cross-border}" in md and "第三十八条" in md and "第三十九条" in md
    assert "逐一写明境外接收方的名称、所在国家或者地区、联系方式" in md
    assert "应当存储在中华人民共和国境内" not in md
    assert "网络安全等级保护" not in md and "背景审查" not in md
    assert "归服务提供商所有的，应当同时约定本公司享有" in md
    assert "设置外包风险预警指标" in md and "表6" not in md
    assert "应当为重要外包储备备选服务提供商" in md
    assert "《甲办法》《乙办法》同时废止。" in md
    assert "{#prohibited-functions}" in md and "核心竞争力的职能外包" in md
    assert "# 修订记录" not in md


def test_no_personal_information_wording_without_entrustment() -> None:
    data = copy.deepcopy(example_data("bank"))
    data["data_protection"].update(
        processes_personal_info=False,
        pi_categories=[],
        purposes=[],
        sensitive_pi=False,
        sensitive_categories=[],
    )
    data["meta"]["revision_history"] = []
    for engagement in data["engagements"]:  # none entrusts personal information of its own
        engagement.pop("data_protection", None)
    profile = Profile.model_validate(data)
    md = render(profile)
    check_structure(md)
    assert PI_ENTRUSTMENT not in md
    assert "{#pi-future}" in md
    assert REGULATOR_RULES in md


def test_amounts_not_in_whole_wan() -> None:
    profile = variant(
        "manufacturer",
        policy={
            "approval_tiers": [
                {"up_to": Decimal("12345.67"), "approver": "部门负责人"},
                {"up_to": 200000000, "approver": "总经理"},
                {"approver": "董事会"},
            ]
        },
    )
    md = plain(render(profile))
    assert "| 不超过12,345.67元 | 部门负责人 |" in md
    assert "| 超过12,345.67元，不超过2亿元 | 总经理 |" in md
    assert "| 超过2亿元 | 董事会 |" in md


# --------------------------------------------------------------------------- through the pipeline


def walk(node: Any) -> Any:
    yield node
    for field in ("blocks", "items", "inlines", "children", "title"):
        for child in getattr(node, field, ()) or ():
            if not isinstance(child, str):
                yield from walk(child)


@pytest.mark.parametrize("name", ["bank", "manufacturer"])
def test_numbered_tree(name: str) -> None:
    from policygen.pipeline import build_document, jobs
    from policygen.tree import nodes as n

    profile = load_profile(EXAMPLES / f"{name}.yaml")
    (job,) = jobs(profile, ["regulation"])
    document = build_document(profile, job)
    assert document.title == profile.policy.title
    nodes = list(walk(document))
    articles = [x for x in nodes if isinstance(x, n.Article)]
    assert articles[0].label == "第一条"
    assert articles[0].id == "purpose"
    assert all(not a.title for a in articles)
    chapters = [x for x in nodes if isinstance(x, n.Chapter)]
    assert chapters[0].label == "第一章" and chapters[-1].title == (n.Text("附则"),)
    refs = [x for x in nodes if isinstance(x, n.Ref)]
    assert refs and all(r.text.startswith("第") for r in refs)
    tables = [x for x in nodes if isinstance(x, n.Table)]
    assert [t.caption.split("　")[0] for t in tables[:6]] == [
        "表1",
        "表2",
        "表3",
        "表4",
        "表5",
        "表6",
    ]
