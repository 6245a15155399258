"""Scope and industry packs: wording that fits the work and the organisation, never another's."""

from __future__ import annotations

import itertools
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from policygen.errors import PolicygenError
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile import packs
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.profile.packs import PACKS_RESOURCE, layered, pack
from policygen.profile.types import Industry, Scope
from policygen.writers import WRITERS
from sample_profiles import MINIMAL

ROOT = Path(__file__).resolve().parents[1]
IT_WORDS = ("源代码", "漏洞扫描", "开源", "网络拓扑")
"""Words of IT outsourcing that have no place in logistics, cleaning or consulting work."""


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _texts(profile: Profile) -> dict[str, str]:
    out = {}
    for job in jobs(profile):
        document, _ = build_tree(profile, job)
        out[job.filename("txt")] = WRITERS["txt"](document, writer_options()).decode()
    return out


@cache
def _mixed() -> Profile:
    """The bank doing IT and business-process outsourcing; its third engagement is a BPO one."""
    data = _data("bank")
    data["policy"]["scope"] = ["ITO", "BPO"]
    data["engagements"][2]["scope"] = "BPO"
    return load_profile(data)


def test_the_manufacturers_set_speaks_of_its_own_work() -> None:
    for filename, text in _texts(load_profile(_data("manufacturer"))).items():
        for word in (*IT_WORDS, "监管", "本行", "回退方案", "稳健运营"):
            assert word not in text, (filename, word)


def test_an_engagement_of_another_scope_gets_its_own_wording() -> None:
    profile = _mixed()
    texts = _texts(profile)
    # the application operations contract: the data-centre one lists its own confidential
    # information, without source code
    it, bpo = profile.engagements[1].contract_no, profile.engagements[2].contract_no
    assert all(word in texts[f"contract-{it}.txt"] for word in ("源代码", "漏洞扫描", "网络拓扑"))
    for kind in ("contract", "nda", "sla"):
        for word in IT_WORDS:
            assert word not in texts[f"{kind}-{bpo}.txt"], (kind, word)
    assert "交还系统账号、证件和设备" in texts[f"contract-{bpo}.txt"]
    # The regulation speaks for both kinds of work: both lists, in order, without repeats.
    controls = profile.information_security.controls
    assert "定期开展漏洞扫描和安全检查，发现的高危漏洞限期修复" in controls
    assert "甲方的纸质和电子业务记录按甲方要求保管、交接和销毁" in controls
    assert len(controls) == len(set(controls))


@cache
def _set(example: str) -> dict[str, str]:
    return _texts(load_profile(_data(example)))


CSRC = "中国证券监督管理委员会及其派出机构"
BANK_REGULATORS = ("国家金融监督管理总局", "银行保险机构", "银保监", "141号", "银行业保险业")


def test_a_securities_firm_is_supervised_by_the_csrc_in_every_contract() -> None:
    """The securities firm's contracts (IT and call centre alike) name the CSRC as regulator,
    have the vendor accept its inspection and the auditors', and let it order a change or an
    end; the regulation reports to it under the CSRC's IT rule, cited without an article."""
    texts = _set("securities")
    contracts = {name: text for name, text in texts.items() if name.startswith("contract-")}
    assert len(contracts) == 2
    for name, text in contracts.items():
        assert "甲方系经依法批准设立并有效存续的证券基金经营机构" in text, name
        assert f"“监管机构”：指依法对甲方履行监督管理职责的机构，包括{CSRC}等" in text, name
        assert "乙方应当接受并配合监管机构依法对甲方外包活动" in text, name
        assert "甲方聘请的外部审计机构为审计甲方财务报告或者内部控制需要" in text, name
        assert "监管机构要求甲方终止本合同，或者认定本合同项下外包不符合监管要求" in text, name
        assert "或者监管机构要求甲方调整本合同项下的外包安排" in text, name
        assert "甲方因乙方原因受到监管机构处罚而遭受的损失" in text, name
    filing = "向中国证券监督管理委员会和国务院有关主管部门备案，并在本合同签订前向甲方提供备案证明"
    assert filing in contracts["contract-MC-ITO-2026-01.txt"]  # IT systems service: 《证券法》
    assert filing not in contracts["contract-MC-BPO-2026-02.txt"]
    regulation = texts["regulation.txt"]
    assert f"监管部门，是指依法对本公司履行监督管理职责的{CSRC}" in regulation
    assert (
        "本公司依照《证券基金经营机构信息技术管理办法》（中国证券监督管理委员会令第152号）"
        "等监管规定，向监管部门报告下列事项" in regulation
    )
    assert f"或者{CSRC}要求变更或者终止外包" in regulation
    assert (
        "已依照《中华人民共和国证券法》的规定向中国证券监督管理委员会和国务院有关主管部门备案"
        in (regulation)
    )
    for name, text in texts.items():
        # its article numbers were not checked against the official text: never printed
        assert "（中国证券监督管理委员会令第152号）第" not in text, name
        for word in BANK_REGULATORS:
            assert word not in text, (name, word)


def test_a_securities_firm_reports_as_the_csrc_rules_say_and_only_where_they_apply() -> None:
    """The bank's day counts (141号文: twenty working days before signing, twenty-four hours
    after an incident) are never the CSRC's: the securities regulation reports as the CSRC's
    rules say, and the lead time it states is the firm's own. The IT-only rule needs no report
    of the call centre; the bank keeps its lead time and deadline."""
    texts = _set("securities")
    regulation = texts["regulation.txt"]
    article = regulation[regulation.index("向监管部门报告下列事项") :][:600]
    assert "按照监管规定的内容、时限和方式报告" in article
    assert "二十四小时" not in article and "二十个工作日前报告" not in article
    assert "本公司规定：需求部门应当至迟在重要外包合同签订二十个工作日前" in article
    it_line = _register_line(texts["risk_register-MC-ITO-2026-01.txt"])
    assert it_line.startswith(
        "依照监管规定：本外包为重要外包，适用《证券基金经营机构信息技术管理办法》"
    )
    assert "报告后方可签订合同" not in it_line
    bpo_line = _register_line(texts["risk_register-MC-BPO-2026-02.txt"])
    assert bpo_line.startswith("不需要：《证券基金经营机构信息技术管理办法》")
    assert "不适用于业务流程外包（BPO）" in bpo_line
    bank = _set("bank")
    assert "在合同签订二十个工作日前报告" in bank["regulation.txt"]
    assert "报告后方可签订合同" in _register_line(bank["risk_register-MY-ITO-2026-002.txt"])


def test_the_call_centre_speaks_for_the_firm_records_calls_and_stores_where_agreed() -> None:
    """The call centre calls clients in the firm's name within its scripts; its recordings hold
    the ID and account numbers clients speak, marked sensitive and masked, under conditional
    consent; the regulation lets data be stored where the contract agrees and the DPA lists, so
    the call centre's storage is one text in contract, DPA and register (review 3 items 4–7)."""
    texts = _set("securities")
    contract, dpa = texts["contract-MC-BPO-2026-02.txt"], texts["dpa-MC-BPO-2026-02.txt"]
    assert (
        "除按照甲方授权的名单、话术和业务规则以甲方名义开展新开户客户回访、适当性回访和客户咨询受理外"
        in contract
    )
    assert "乙方不得以甲方名义对外从事任何活动" in texts["contract-MC-ITO-2026-01.txt"]
    assert "除按照甲方授权" not in texts["contract-MC-ITO-2026-01.txt"]
    # recordings: sensitive categories marked, masking and access control, never "stop at once"
    assert "| 身份证件号码 | 是" in dpa and "| 资金账号 | 是" in dpa
    assert "不得记录、复制或者留存" not in dpa
    assert "客户在通话中提供的身份证件号码和资金账号随录音保存" in dpa
    assert "质检记录、工单、回访报告和服务报告中出现的敏感个人信息予以屏蔽或者去标识化" in dpa
    assert "客户在通话中提供的身份证件号码和资金账号随录音保存" in contract
    # PIPL 29: consent only where processing relies on it
    assert (
        "依照《个人信息保护法》第二十九条应当取得个人单独同意的，甲方应当在委托乙方处理前取得"
        in dpa
    )
    assert "第三十条，就敏感个人信息的处理取得个人的单独同意" not in dpa
    # storage: the regulation permits what the contract agrees and the DPA lists
    regulation = texts["regulation.txt"]
    assert "或者外包合同约定并在个人信息委托处理协议中列明的其他境内地点" in regulation
    storage = "乙方呼叫中心系统，录音按月传输至甲方数据中心保存"
    assert f"存储地点：中华人民共和国境内（{storage}）" in contract
    assert f"个人信息的存储地点为中华人民共和国境内（{storage}）" in dpa
    register = texts["risk_register-MC-BPO-2026-02.txt"]
    assert (
        "数据存储地点 | 中华人民共和国境内（乙方呼叫中心系统，录音按月传输至本公司数据中心保存）"
        in register
    )


def test_recorded_calls_need_their_sensitive_categories() -> None:
    data = _data("securities")
    data["engagements"][1]["data_protection"].update(sensitive_pi=False, sensitive_categories=[])
    data["engagements"][1]["data_protection"]["pi_categories"] = ["姓名", "手机号码", "通话录音"]
    with pytest.raises(PolicygenError, match="call_recording"):
        load_profile(data)


def test_merged_scope_lists_say_each_thing_once_and_no_factory_work_in_a_securities_firm() -> None:
    """The securities regulation joins the IT and the business-process packs: each item once
    (the packs write what they share in the same words), each scope's own items beside those
    they follow, the catch-all last; the on-premises safety paragraph is a manufacturer's or an
    on-premises engagement's, not a securities firm's or a bank's (review 3 items 15, 16)."""
    regulation = _set("securities")["regulation.txt"]
    for text in ("离岗当日注销", "客户信息、", "知识转移", "移交全部"):
        assert regulation.count(text) == 1, text
    secrets = regulation[regulation.index("属于本公司的保密信息") :].split("\n\n")[1:6]
    assert secrets[-1].endswith("外包合同的内容及履行过程中知悉的其他非公开信息。")
    assert "安全生产管理协议" not in _set("securities")["regulation.txt"]
    assert "特种作业人员" not in _set("securities")["regulation.txt"]
    # the bank's data-centre contract has on-site electrical and fire-system work
    for example in ("manufacturer", "bank"):
        assert "安全生产管理协议" in _set(example)["regulation.txt"], example


def test_the_merge_keeps_each_packs_order() -> None:
    assert packs._joined(["a", "x", "z"], ["a", "b", "z"]) == ["a", "b", "x", "z"]
    assert packs._joined(["a", "z"], ["b", "a", "c"]) == ["b", "a", "c", "z"]
    assert packs._joined(["a", "b"], ["c", "d"]) == ["a", "b", "c", "d"]
    assert packs._joined(["a", "x", "z"], ["b", "z"]) == ["a", "x", "b", "z"]


def test_senior_management_by_its_own_name_and_warnings_before_the_sla_is_missed() -> None:
    """The securities firm says 经营管理层 everywhere (its risk table and registers included),
    the bank 高级管理层; the satisfaction warning of each register is its SLA's own target, and
    the regulation's table says so (review 3 items 22, 27)."""
    for name, text in _set("securities").items():
        assert "高级管理层" not in text, name
    securities = _set("securities")
    assert "| 报告经营管理层，启动应急预案并评估替换服务提供商" in securities["regulation.txt"]
    for contract_no in ("MC-ITO-2026-01", "MC-BPO-2026-02"):
        register = securities[f"risk_register-{contract_no}.txt"]
        assert "用户满意度（季度） | 低于85%（服务水平协议的目标值） |" in register
        assert "达到或者低于80%" not in register
        assert "用户满意度 | 不低于85% |" in securities[f"sla-{contract_no}.txt"].replace(
            "| 全部服务对象 ", ""
        )
    assert "低于服务水平协议约定的用户满意度目标值" in securities["regulation.txt"]
    bank = _set("bank")
    assert "| 报告高级管理层，启动应急预案并评估替换服务提供商" in bank["regulation.txt"]
    assert "经营管理层" not in bank["regulation.txt"]


def test_development_wording_only_for_development() -> None:
    """Registering rights, open-source licences and handing over source code belong to software
    development; IT operations and the call centre have none, nor patents on software, on-site
    attendance or 服务对象 in a call centre's SLA (review 3 item 25). IT operations get the
    open-source clause only as far as it applies: to the scripts and tools the vendor uses or
    delivers (the regulation's 第五十八条(三))."""
    securities, bank = _set("securities"), _set("bank")
    operations = [securities["contract-MC-ITO-2026-01.txt"], bank["contract-MY-ITO-2026-002.txt"]]
    call_centre = securities["contract-MC-BPO-2026-02.txt"]
    for text in (*operations, call_centre):
        for word in ("权利登记", "乙方使用开源软件的", "移交源代码", "开发或者形成"):
            assert word not in text, word
    for text in operations:
        assert "乙方在提供服务中使用或者向甲方交付的脚本、工具含有开源软件的" in text
    assert "开源" not in call_centre and "开源" not in bank["contract-MY-ITO-2026-003.txt"]
    assert "各类报告、文档、记录和数据。" in call_centre
    assert "各类报告、文档、记录、数据、脚本和配置信息" in operations[0]
    assert "申请专利或者其他知识产权" in securities["nda-MC-BPO-2026-02.txt"]
    assert "软件著作权" not in securities["nda-MC-BPO-2026-02.txt"]
    sla = securities["sla-MC-BPO-2026-02.txt"]
    assert "乙方的人工服务时间为工作日9:00—21:00" in sla
    for word in ("现场（人工）支持", "到场", "服务对象"):
        assert word not in sla, word
    data = _data("bank")
    data["engagements"][0]["category"] = "开发测试类"
    development = _contract(load_profile(data), data["engagements"][0]["contract_no"])
    assert "办理相关权利登记手续" in development and "乙方使用开源软件的" in development
    assert "制作、开发或者形成的全部成果" in development


def test_the_call_centre_keeps_recordings_whole_gives_no_advice_and_states_its_rto() -> None:
    """Recordings are handed over in full, and 甲方 confirms it, before the vendor deletes
    them; a securities firm's call centre gives no investment advice and leaves suitability to
    the firm; the critical call centre states its RTO; the bank's DPA lets personal information
    be processed where the contract's service is given (review 3 items 13, 14, 20, 21)."""
    texts = _set("securities")
    dpa, contract = texts["dpa-MC-BPO-2026-02.txt"], texts["contract-MC-BPO-2026-02.txt"]
    for text in (dpa, contract):
        assert "经甲方书面确认接收完整后方可删除" in text
    assert (
        "业务记录依照法律、行政法规和监管规定应当保存更长期限的，从其规定"
        in texts["regulation.txt"]
    )
    assert "外包人员不得向客户提供投资建议" in contract and "由甲方作出最终判定" in contract
    assert "恢复时间目标（RTO）不超过四小时" in texts["sla-MC-BPO-2026-02.txt"]
    bank = _set("bank")["dpa-MY-ITO-2026-002.txt"]
    assert "存储个人信息，仅在第2.4条约定的地点访问和处理个人信息" in bank
    assert "投资建议" not in _set("bank")["contract-MY-ITO-2026-002.txt"]


def test_the_categories_cover_every_kind_of_work_of_the_regulation() -> None:
    """A securities firm doing IT and business-process outsourcing classifies both, so its call
    centre's 客户服务类 is one of the regulation's categories (review 3 item 10)."""
    profile = load_profile(_data("securities"))
    for engagement in profile.engagements:
        assert engagement.category in profile.policy.categories, engagement.category
    categories = list(profile.policy.categories)
    assert categories.index("业务支持类") < categories.index("客户服务类")


def test_the_trading_system_is_served_where_the_contract_says_and_fined_beyond_its_rto() -> None:
    """Outside trading hours the vendor answers by telephone and comes on site: no remote work
    from a site the contract never names; the outage penalty starts where the SLA's 30-minute
    RTO ends (review 3 items 8, 24)."""
    texts = _set("securities")
    contract, sla = texts["contract-MC-ITO-2026-01.txt"], texts["sla-MC-ITO-2026-01.txt"]
    for text in (contract, sla):
        assert "远程响应" not in text
    assert "其余时间7×24小时电话响应、需要时两小时内到场" in sla
    assert "恢复时间目标（RTO）不超过三十分钟" in sla
    assert "中断超过三十分钟（恢复时间目标）" in contract and "十五分钟" not in contract
    # batch processing, fault handling and upgrades edit and delete data (review 3 item 17)
    assert (
        "乙方仅可以存储、使用、加工、传输和删除的方式处理个人信息"
        in texts["dpa-MC-ITO-2026-01.txt"]
    )


def _register_line(text: str) -> str:
    """Return the register's 监管事前报告 cell."""
    line = next(line for line in text.splitlines() if line.startswith("监管事前报告"))
    return line.split("|", 1)[1].strip()


def test_only_a_regulated_organisation_speaks_of_a_regulator() -> None:
    for name, text in _set("manufacturer").items():
        assert "证券监督管理" not in text and "监管机构" not in text, name
    for name, text in _set("bank").items():
        assert "证券" not in text.replace("有价证券", ""), name


def _contract(profile: Profile, contract_no: str) -> str:
    for job in jobs(profile):
        engagement = job.engagement
        if job.kind.name == "contract" and engagement and engagement.contract_no == contract_no:
            document, _ = build_tree(profile, job)
            return WRITERS["txt"](document, writer_options()).decode()
    raise AssertionError(contract_no)


def test_the_ip_clause_fits_the_work() -> None:
    """专利申请权 and source code only where software is developed; IT operations and consulting
    yield copyright and know-how; business-process work, copyright."""
    for example in ("bank", "securities", "manufacturer"):
        for name, text in _set(example).items():
            if name.startswith("contract-"):
                assert "专利申请权" not in text, name
                assert "一并交付完整的源代码" not in text, name
    assert "（包括著作权、技术秘密等）" in _set("bank")["contract-MY-ITO-2026-001.txt"]
    assert "（包括著作权等）" in _set("manufacturer")["contract-HY-BPO-2026-01.txt"]
    assert "（包括著作权等）" in _set("securities")["contract-MC-BPO-2026-02.txt"]
    data = _data("bank")
    data["engagements"][2]["category"] = "开发测试类"
    text = _contract(load_profile(data), "MY-ITO-2026-003")
    assert "（包括著作权、专利申请权、技术秘密等）" in text
    assert "乙方应当在交付时一并交付完整的源代码" in text


def test_what_the_profile_writes_wins_over_every_pack() -> None:
    data = _data("bank")
    data["policy"]["scope"] = ["ITO", "BPO"]
    data["engagements"][2]["scope"] = "BPO"
    data["confidentiality"]["scope"] = ["本行的全部非公开信息"]
    data["engagements"][2]["exit"] = {"transition_assistance": ["按交接清单移交"]}
    profile = load_profile(data)
    bpo = profile.engagements[2]
    assert profile.section("confidentiality", bpo).scope == ["本行的全部非公开信息"]
    assert profile.section("exit", bpo).transition_assistance == ["按交接清单移交"]
    # …and the fields it does not write still follow the engagement's scope
    assert "漏洞扫描" not in "".join(profile.section("information_security", bpo).controls)


def _pack_names(kind: str) -> list[str]:
    folder = resources.files("policygen") / PACKS_RESOURCE / kind
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def test_packs_are_named_after_scopes_and_industries_and_state_known_fields() -> None:
    assert set(_pack_names("scope")) <= {s.value for s in Scope}
    assert set(_pack_names("industry")) <= {i.value for i in Industry}
    for kind in ("scope", "industry"):
        for name in _pack_names(kind):
            for section, fields in pack(kind, name).items():
                model = Profile.model_fields[section].annotation
                assert isinstance(model, type), (kind, name, section)
                assert set(fields) <= set(model.model_fields), (kind, name, section)


@pytest.mark.parametrize(
    ("industry", "scope"),
    list(itertools.product([i.value for i in Industry], [s.value for s in Scope])),
)
def test_every_pack_combination_validates(industry: str, scope: str) -> None:
    data = {**MINIMAL, "organisation": {**MINIMAL["organisation"], "industry": industry}}
    data["policy"] = {**MINIMAL.get("policy", {}), "scope": [scope]}
    data["engagements"] = [{**e, "scope": scope} for e in data["engagements"]]
    profile = load_profile(data)
    assert profile.information_security.controls
    stated = layered(industry, [scope])
    for section, fields in stated.items():
        model = type(getattr(profile, section))
        for name, value in fields.items():
            expected = TypeAdapter(model.model_fields[name].annotation).validate_python(value)
            assert getattr(getattr(profile, section), name) == expected, (section, name)
