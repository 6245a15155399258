"""nda.md.j2 (保密协议) and dpa.md.j2 (个人信息委托处理协议): both render for every engagement of
the examples and of profiles varied around them, the DPA carries every element 《个人信息保护法》
第二十一条 requires with the profile's own data, optional fields never print None or invent a
number, and every cross-reference points at an id the document has."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policygen.errors import InvalidInputError
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, build_document
from policygen.profile.engagement import Engagement
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.templating.context import build_context
from policygen.templating.environment import environment_for
from policygen.templating.filters import cn_list, duration, money, rmb_upper
from policygen.transforms.voice import party_voice
from policygen.tree import nodes as n
from policygen.writers.text import document_text
from sample_profiles import RECIPIENT

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KINDS = {name: DOCUMENT_KINDS[name] for name in ("nda", "dpa")}

_REF = re.compile(r"\[\]\(#([A-Za-z][\w-]*)\)")
_ID = re.compile(r"(?<!\\)\{#([A-Za-z][\w-]*)\}")


def _data(example: str) -> dict[str, Any]:
    text = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8")
    return copy.deepcopy(parse(text, fmt="yaml", name=example).data)


def _profile(example: str, change: Callable[[dict[str, Any]], None] | None = None) -> Profile:
    data = _data(example)
    if change:
        change(data)
    return load_profile(data)


def _document(profile: Profile, name: str, engagement: Engagement) -> n.Document:
    built: Any = build_document(profile, Job(KINDS[name], engagement))
    # build_document may also hand back the reference map alongside the document.
    return built[0] if isinstance(built, tuple) else built


def _text(profile: Profile, name: str, engagement: Engagement) -> str:
    return document_text(_document(profile, name, engagement))


def _markdown(profile: Profile, name: str, engagement: Engagement) -> str:
    env = environment_for(())
    context = build_context(profile, KINDS[name], engagement)
    return env.render_module(env.template(KINDS[name].template), context)[1]


def _article(text: str, title: str) -> str:
    """Return the article titled `title` in `text`: its heading line up to the next article."""
    match = re.search(
        rf"^第[一二三四五六七八九十]+条\u3000{title}\n(.*?)(?=^第[一二三四五六七八九十]+条\u3000|\Z)",
        text,
        re.M | re.S,
    )
    assert match, f"no article {title}"
    return match.group(1)


def _has_article(text: str, title: str) -> bool:
    return re.search(rf"^第[一二三四五六七八九十]+条\u3000{title}$", text, re.M) is not None


# --------------------------------------------------------------------------- variants


def _no_breach_deadline(data: dict[str, Any]) -> None:
    data["data_protection"]["breach_notification"] = None


def _no_sensitive(data: dict[str, Any]) -> None:
    data["data_protection"]["sensitive_pi"] = False
    data["data_protection"]["sensitive_categories"] = []
    data["data_protection"]["pi_categories"] = ["姓名", "手机号码", "电子邮箱"]
    for engagement in data["engagements"]:
        if engagement.get("data_protection"):
            engagement["data_protection"]["pi_categories"] = ["姓名", "手机号码"]
            engagement["data_protection"]["sensitive_categories"] = []
            engagement["data_protection"].pop("sensitive_pi", None)
            # The categories are replaced: so are the methods and names agreed for the old ones.
            engagement["data_protection"].pop("processing_by_category", None)
            engagement["data_protection"].pop("category_descriptions", None)


def _cross_border(data: dict[str, Any]) -> None:
    data["data_protection"]["cross_border"] = True
    data["data_protection"]["overseas_recipients"] = [RECIPIENT]


def _sparse(data: dict[str, Any]) -> None:
    """Every optional switch the other way, every optional value absent."""
    dp = data["data_protection"]
    dp.update(sub_processing_requires_consent=False, breach_notification=None)
    data["confidentiality"].update(
        liquidated_damages=None, classification_levels=["internal", "secret"]
    )
    data["information_security"].update(background_checks=False, mlps_level=None)
    for engagement in data["engagements"]:
        engagement["vendor"].pop("contact", None)
        engagement["vendor"].pop("phone", None)
        engagement.pop("signing_place", None)
        engagement.setdefault("penalties", {})["security_breach"] = None
        engagement["copies"] = 5
        engagement["term"]["auto_renew"] = True


def _no_personal_info(data: dict[str, Any]) -> None:
    data["data_protection"] = {"processes_personal_info": False}
    for engagement in data["engagements"]:
        engagement.pop("data_protection", None)  # none entrusts its own


VARIANTS: dict[str, tuple[str, Callable[[dict[str, Any]], None] | None]] = {
    "bank": ("bank", None),
    "manufacturer": ("manufacturer", None),
    "bank-no-breach-deadline": ("bank", _no_breach_deadline),
    "bank-no-sensitive": ("bank", _no_sensitive),
    "bank-cross-border": ("bank", _cross_border),
    "bank-sparse": ("bank", _sparse),
    "bank-no-personal-info": ("bank", _no_personal_info),
}


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    return {key: _profile(example, change) for key, (example, change) in VARIANTS.items()}


@pytest.fixture(scope="module")
def bank(profiles: dict[str, Profile]) -> Profile:
    return profiles["bank"]


@pytest.fixture(scope="module")
def bank_dpas(bank: Profile) -> dict[str, str]:
    return {e.contract_no: _text(bank, "dpa", e) for e in _entrusting(bank)}


def _entrusting(profile: Profile) -> list[Engagement]:
    """The engagements that entrust personal information: those that get a DPA."""
    return [
        e
        for e in profile.engagements
        if profile.section("data_protection", e).processes_personal_info
    ]


def _jobs(profile: Profile) -> list[tuple[str, Engagement]]:
    entrusting = _entrusting(profile)
    return [
        (name, e)
        for e in profile.engagements
        for name in (["nda", "dpa"] if e in entrusting else ["nda"])
    ]


# --------------------------------------------------------------------------- every variant


@pytest.mark.parametrize("variant", VARIANTS)
def test_renders_without_none_and_every_reference_resolves(
    profiles: dict[str, Profile], variant: str
) -> None:
    profile = profiles[variant]
    jobs = _jobs(profile)
    assert jobs
    for name, engagement in jobs:
        markdown = _markdown(profile, name, engagement)
        ids = _ID.findall(markdown)
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids"
        assert all(i.startswith(f"{name}-") for i in ids), f"{name}: ids must start with {name}-"
        missing = set(_REF.findall(markdown)) - set(ids)
        assert not missing, f"{name} {engagement.contract_no}: unknown targets {missing}"
        text = _text(profile, name, engagement)
        assert "None" not in text
        assert "[" not in text and "{#" not in text, "an unresolved reference or id leaked"
        assert engagement.contract_no in text.splitlines()[1]
        for article in ("争议解决", "适用法律", "其他"):
            assert _has_article(text, article), f"{name}: no article {article}"
        assert text.rstrip().endswith("日期：")


def test_every_bank_engagement_gets_both_and_the_manufacturer_an_nda(
    profiles: dict[str, Profile],
) -> None:
    bank = profiles["bank"]
    assert len(bank.engagements) == 3
    assert [e.contract_no for e in _entrusting(bank)] == ["MY-ITO-2026-001", "MY-ITO-2026-002"]
    for engagement in bank.engagements:
        assert _text(bank, "nda", engagement).startswith(
            f"保密协议\n《{engagement.title}》附件二（合同编号："
        )
    for engagement in _entrusting(bank):
        assert _text(bank, "dpa", engagement).startswith(
            f"个人信息委托处理协议\n《{engagement.title}》附件三（合同编号："
        )
    maker = profiles["manufacturer"]
    assert not maker.data_protection.processes_personal_info
    text = _text(maker, "nda", maker.engagements[0])
    assert text.startswith(
        "保密协议\n《厂区物流与保洁服务外包合同》附件二（合同编号：HY-BPO-2026-01）"
    )


# --------------------------------------------------------------------------- NDA


def test_nda_articles_in_order(bank: Profile) -> None:
    text = _text(bank, "nda", bank.engagements[0])
    titles = re.findall(r"^第[一二三四五六七八九十]+条\u3000(.+)$", text, re.M)
    assert titles == [
        "保密信息的定义与范围",
        "保密义务",
        "例外情形",
        "信息的返还与销毁",
        "保密期限",
        "违约责任",
        "个人信息",
        "争议解决",
        "适用法律",
        "其他",
    ]
    assert "甲方（信息披露方）：明远商业银行股份有限公司" in text
    assert "乙方（信息接收方）：深圳智维信息技术服务有限公司" in text


def test_nda_carries_the_confidentiality_section(bank: Profile) -> None:
    # the application operations contract keeps the organisation's confidential information (the
    # data-centre contract lists its own)
    conf = bank.section("confidentiality", bank.engagements[1])
    text = _text(bank, "nda", bank.engagements[1])
    scope = _article(text, "保密信息的定义与范围")
    for item in conf.scope:
        assert item.replace("本合同", "服务合同") in scope
    assert "公开、内部、秘密和机密四级" in scope
    assert "机密级信息仅限" in scope
    returned = _article(text, "信息的返还与销毁")
    assert "服务合同约定的退出期限内（自服务合同约定的退出起算日起计算）" in returned
    assert "个工作日" not in returned  # the deadline is stated once, in the contract
    assert "服务合同解除或者终止后五年内" in _article(text, "保密期限")
    assert "背景审查" in _article(text, "保密义务")
    assert "保密承诺书" in _article(text, "保密义务")


def test_nda_liquidated_damages_in_figures_and_words(profiles: dict[str, Profile]) -> None:
    for variant, amount in (("bank", Decimal(500000)), ("manufacturer", Decimal(50000))):
        profile = profiles[variant]
        assert profile.confidentiality.liquidated_damages == amount
        liability = _article(_text(profile, "nda", profile.engagements[0]), "违约责任")
        assert f"人民币{money(amount)}元（大写：{rmb_upper(amount, prefix=True)}）" in liability
        assert "赔偿差额部分" in liability
    assert "人民币500,000.00元（大写：人民币伍拾万元整）" in _text(
        profiles["bank"], "nda", profiles["bank"].engagements[1]
    )
    sparse = profiles["bank-sparse"]
    liability = _article(_text(sparse, "nda", sparse.engagements[0]), "违约责任")
    assert "违约金人民币" not in liability and "大写" not in liability
    assert "全部损失" in liability


def test_nda_dispute_resolution_follows_the_engagement(bank: Profile) -> None:
    first, second, _ = bank.engagements
    arbitration = _article(_text(bank, "nda", first), "争议解决")
    assert (
        "上海国际经济贸易仲裁委员会（上海国际仲裁中心）" in arbitration
        and "诉讼" not in arbitration
    )
    court = _article(_text(bank, "nda", second), "争议解决")
    assert "向上海市浦东新区人民法院提起诉讼" in court and "仲裁" not in court


def test_nda_personal_information_article(profiles: dict[str, Profile]) -> None:
    bank = profiles["bank"]
    article = _article(_text(bank, "nda", bank.engagements[0]), "个人信息")
    assert "《个人信息委托处理协议》" in article
    for variant in ("manufacturer", "bank-no-personal-info"):
        profile = profiles[variant]
        article = _article(_text(profile, "nda", profile.engagements[0]), "个人信息")
        assert "不涉及甲方委托乙方处理个人信息" in article
        assert "《个人信息委托处理协议》" not in article


# --------------------------------------------------------------------------- DPA: PIPL art. 21


def test_dpa_has_every_article_21_element(bank: Profile, bank_dpas: dict[str, str]) -> None:
    for engagement in _entrusting(bank):
        dp = bank.section("data_protection", engagement)
        text = bank_dpas[engagement.contract_no]
        assert "甲方（委托方）" in text and "乙方（受托方）" in text
        # purpose
        entrustment = _article(text, "委托处理的目的、期限和方式")
        for purpose in dp.purposes:
            assert party_voice(purpose, bank.organisation.short_name) in entrustment
        # term: the service contract's, to the end of its transition
        start, end = engagement.term.start, engagement.term.end
        assert "委托处理的期限自服务合同生效之日起至服务合同约定的退出起算日" in entrustment
        assert (
            f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
            in entrustment
        )
        # method and place: per category where the profile agrees them so
        if dp.processing_by_category:
            for entry in dp.processing_by_category:
                if entry.incidental:
                    assert "仅可在提供服务所必需的范围内偶然接触，不得查阅、复制、导出或者留存" in (
                        entrustment
                    )
                else:
                    listed = "、".join(entry.methods[:-1]) + "和" + entry.methods[-1]
                    assert f"仅可以{listed.lstrip('和')}的方式处理" in entrustment
        else:
            methods = dp.processing_methods
            assert "、".join(methods[:-1]) + "和" + methods[-1] in entrustment
        assert dp.storage_location.replace("本行", "甲方") in entrustment
        # categories, with the sensitive ones marked
        categories = _article(text, "个人信息的种类")
        for category in dp.pi_categories:
            expected = "是" if category in dp.sensitive_categories else "否"
            assert re.search(rf"^\d+ \| {category} \| {expected}$", categories, re.M), category
        for category in dp.sensitive_categories:
            assert re.search(rf"^\d+ \| {category} \| 是$", categories, re.M), category
        # protection measures (第五十一条)
        measures = _article(text, "保护措施")
        for words in ("加密", "去标识化", "操作权限", "教育培训", "应急预案", "六个月"):
            assert words in measures, words
        for control in bank.section("information_security", engagement).controls:
            assert control in measures
        # rights and obligations: supervision, instructions, requests, compliance audit
        duties = _article(text, "双方的权利和义务")
        for words in (
            "甲方有权对乙方的个人信息处理活动进行监督",
            "现场检查",
            "审计",
            "不得超出约定的处理目的、处理方式",
            "第四十四条至第五十条",
            "第五十四条",
        ):
            assert words in duties, words
        # sub-entrustment only with prior written consent
        assert "未经甲方事先书面同意，乙方不得转委托" in _article(text, "转委托")
        # return or deletion, keeping nothing, also when the contract is invalid
        ending = _article(text, "委托关系的终止")
        assert "不生效、无效、被撤销或者终止" in ending
        assert "服务合同约定的个人信息返还或者删除期限内" in ending
        assert "返还" in ending and "删除" in ending
        assert "不得保留" in ending and "书面确认" in ending


def test_dpa_breach_notice_uses_the_profile_deadline(
    bank: Profile, bank_dpas: dict[str, str]
) -> None:
    assert duration(bank.data_protection.breach_notification) == "两小时"
    for text in bank_dpas.values():
        incident = _article(text, "个人信息安全事件")
        assert "在发现个人信息安全事件之时起两小时内以书面形式通知甲方" in incident
        for words in (
            "个人信息种类",
            "原因",
            "可能造成的危害",
            "补救措施",
            "个人可以采取的减轻危害的措施",
            "联系方式",
        ):
            assert words in incident, words


def test_dpa_without_a_deadline_says_immediately_and_invents_none(
    profiles: dict[str, Profile],
) -> None:
    profile = profiles["bank-no-breach-deadline"]
    assert profile.data_protection.breach_notification is None
    for engagement in _entrusting(profile):
        text = _text(profile, "dpa", engagement)
        incident = _article(text, "个人信息安全事件")
        assert "在发现个人信息安全事件后立即以书面形式通知甲方" in incident
        assert "小时" not in text
        notice = next(line for line in incident.splitlines() if "以书面形式通知甲方" in line)
        assert not re.search(
            r"\d|[一二三四五六七八九十]+(小时|日|天)", notice.split("\u3000", 1)[1]
        )


def test_dpa_sensitive_article_follows_the_flag(
    profiles: dict[str, Profile], bank_dpas: dict[str, str]
) -> None:
    bank = profiles["bank"]
    for engagement in _entrusting(bank):
        text = bank_dpas[engagement.contract_no]
        # the data-centre contract entrusts only the security systems' records: none sensitive
        if not bank.section("data_protection", engagement).sensitive_pi:
            assert not _has_article(text, "敏感个人信息")
            continue
        assert _has_article(text, "敏感个人信息")
        sensitive = _article(text, "敏感个人信息")
        categories = bank.section("data_protection", engagement).sensitive_categories
        assert f"{cn_list(categories)}属于敏感个人信息" in sensitive
        assert "单独同意" in sensitive and "第二十九条" in sensitive
    profile = profiles["bank-no-sensitive"]
    for engagement in _entrusting(profile):
        text = _text(profile, "dpa", engagement)
        assert not _has_article(text, "敏感个人信息")
        assert "dpa-sensitive}" not in _markdown(profile, "dpa", engagement)
        assert "甲方不委托乙方处理敏感个人信息" in _article(text, "个人信息的种类")
        assert not re.search(r"\| 是$", text, re.M)


def test_dpa_cross_border_and_impact_assessment(
    profiles: dict[str, Profile], bank_dpas: dict[str, str]
) -> None:
    for text in bank_dpas.values():
        abroad = _article(text, "个人信息出境")
        assert "不得向中华人民共和国境外提供个人信息" in abroad
        assert "第三十八条" not in abroad
        assessment = _article(text, "个人信息保护影响评估")
        assert "第五十五条、第五十六条" in assessment and "至少保存三年" in assessment
    profile = profiles["bank-cross-border"]
    # the application operations contract: the data-centre one keeps its records at home
    abroad = _article(_text(profile, "dpa", profile.engagements[1]), "个人信息出境")
    assert "第三十八条" in abroad and "第三十九条" in abroad and "单独同意" in abroad
    assert "恒云数据服务（新加坡）有限公司 | 新加坡 |" in abroad
    assert "《个人信息出境标准合同办法》" in abroad and "第五十五条、第五十六条" in abroad
    assert "不得向第三方再提供个人信息" in abroad
    sparse = profiles["bank-sparse"]
    text = _text(sparse, "dpa", sparse.engagements[0])
    assert "未经甲方同意，乙方不得转委托" in _article(text, "转委托")
    assert "立即以书面形式通知甲方" in _article(text, "个人信息安全事件")


def test_dpa_without_personal_information_still_has_a_title(profiles: dict[str, Profile]) -> None:
    for variant in ("manufacturer", "bank-no-personal-info"):
        profile = profiles[variant]
        document = _document(profile, "dpa", profile.engagements[0])
        assert document.title == "个人信息委托处理协议"
        text = document_text(document)
        assert "不涉及委托服务提供商处理个人信息" in text
        assert "None" not in text


# --------------------------------------------------------------------------- per-category methods


def test_incidental_customer_data_is_only_come_across(
    bank: Profile, bank_dpas: dict[str, str]
) -> None:
    """The data-centre contract's customer data is met incidentally: no export on approval, no
    use in testing, no display controls of the bank's own systems; the application-maintenance
    contract, which processes customer data, keeps them."""
    datacentre, apps = bank_dpas["MY-ITO-2026-001"], bank_dpas["MY-ITO-2026-002"]
    sensitive = _article(datacentre, "敏感个人信息")
    assert "不得查阅、查询、复制、导出、下载、打印" in sensitive
    for words in ("逐次取得甲方书面批准", "展示时进行去标识化"):
        assert words not in sensitive and words in _article(apps, "敏感个人信息")
    measures = _article(datacentre, "保护措施")
    assert "测试、培训" not in measures and "测试、培训" in _article(apps, "保护措施")
    # The CCTV and access records sit in the bank's own systems: their encryption is kept, not
    # supplied, by the vendor; the application contract's data it encrypts itself.
    kept = "门禁通行记录所在的甲方系统的加密传输和存储功能，不得关闭或者绕过"
    assert kept in measures and "在传输和存储过程中均应当加密" not in measures
    assert "在传输和存储过程中均应当加密" in _article(apps, "保护措施")
    assert (
        "调阅（限于安防运维所必需）的方式处理，并按照甲方的书面指示进行查询、更正、删除和返还"
        in (datacentre)
    )
    duties = _article(datacentre, "双方的权利和义务")
    assert "但不得为此查阅、复制或者导出偶然接触的客户信息" in duties
    # The short name is defined once, where the categories are first named, then used alone.
    definition = "包括客户金融账户信息（以下简称“偶然接触的客户信息”）"
    assert datacentre.count(definition) == 1
    assert datacentre.index(definition) < datacentre.index("| 偶然接触的客户信息 | 是")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda dp: dp["processing_by_category"][0]["categories"].pop(),
            "门禁通行记录」的处理方式",
        ),
        (
            lambda dp: dp["processing_by_category"][1].update(methods=["存储"]),
            "偶然接触的种类不列处理方式",
        ),
        (lambda dp: dp["processing_by_category"][0].update(methods=[]), "其他种类须列明处理方式"),
        (
            lambda dp: dp["processing_by_category"][1].update(party_a_system=True),
            "不适用甲方系统的加密约定",
        ),
        (
            lambda dp: dp["category_descriptions"].update({"客户信息": "…"}),
            "「客户信息」须为委托处理",
        ),
    ],
)
def test_per_category_methods_cover_every_listed_category_once(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = _data("bank")
    change(data["engagements"][0]["data_protection"])
    with pytest.raises(InvalidInputError, match=message):
        load_profile(data)
