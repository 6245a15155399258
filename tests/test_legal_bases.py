"""Every basis a document, `policygen check` or `policygen clauses` prints is a Chinese
instrument in force that binds the organisation's industry and the engagement's scope.

The lists below are the instruments each industry may see, written out here (not read from
instruments.yaml) so that a catalogue entry given to the wrong industry fails."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from policygen.check import check, requirements
from policygen.errors import InvalidInputError, RenderError
from policygen.instruments import catalogue
from policygen.library import catalogue as clause_entries
from policygen.pipeline import build_tree, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.writers import WRITERS

ROOT = Path(__file__).resolve().parents[1]

GENERAL = {
    "《中华人民共和国民法典》",
    "《民法典》",
    "《中华人民共和国网络安全法》",
    "《网络安全法》",
    "《中华人民共和国数据安全法》",
    "《数据安全法》",
    "《中华人民共和国个人信息保护法》",
    "《个人信息保护法》",
    "《中华人民共和国反不正当竞争法》",
    "《中华人民共和国著作权法》",
    "《中华人民共和国招标投标法》",
    "《中华人民共和国仲裁法》",
    "《中华人民共和国民事诉讼法》",
    "《个人信息出境标准合同办法》",
    "《信息安全技术 个人信息安全规范》",
    "《中华人民共和国安全生产法》",
    "《生产安全事故报告和调查处理条例》",
    "《劳务派遣暂行规定》",
    "《中华人民共和国固体废物污染环境防治法》",
}
IT_OUTSOURCING_2021 = "《银行保险机构信息科技外包风险监管办法》"
ALLOWED = {
    "banking": GENERAL
    | {
        "《中华人民共和国商业银行法》",
        "《中华人民共和国银行业监督管理法》",
        IT_OUTSOURCING_2021,
        "《银行业金融机构外包风险管理指引》",
        "《商业银行信息科技风险管理指引》",
    },
    "insurance": GENERAL
    | {"《中华人民共和国保险法》", "《保险法》", IT_OUTSOURCING_2021, "《保险机构信息化监管规定》"},
    "manufacturing": GENERAL,
    "securities": GENERAL | {"《中华人民共和国证券法》", "《证券基金经营机构信息技术管理办法》"},
}
NUMBERS = {
    IT_OUTSOURCING_2021: "银保监办发〔2021〕141号",
    "《银行业金融机构外包风险管理指引》": "银监发〔2010〕44号",
    "《商业银行信息科技风险管理指引》": "银监发〔2009〕19号",
    "《保险机构信息化监管规定》": "国家金融监督管理总局令2023年第2号",
    "《个人信息出境标准合同办法》": "国家互联网信息办公室令第13号",
    "《生产安全事故报告和调查处理条例》": "国务院令第493号",
    "《劳务派遣暂行规定》": "人力资源和社会保障部令第22号",
    "《证券基金经营机构信息技术管理办法》": "中国证券监督管理委员会令第152号",
}
"""Administrative regulations, rules and normative documents: printed with their 文号 where a
document first cites them."""
FOREIGN = re.compile(r"EBA|CSSF|DORA|CBB|ISO ?37500|GL/20|Solvency|银监发〔2013〕5号")


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _insurer() -> dict:
    data = _data("bank")
    data["organisation"]["industry"] = "insurance"
    data["organisation"]["name"] = "明远人寿保险股份有限公司"
    data["policy"]["legal_basis"] = [
        "《中华人民共和国网络安全法》",
        "《中华人民共和国个人信息保护法》",
    ]
    return data


def _bank_bpo() -> dict:
    """The bank with its third engagement a business-process one (no IT rules apply to it)."""
    data = _data("bank")
    data["policy"]["scope"] = ["ITO", "BPO"]
    data["engagements"][2]["scope"] = "BPO"
    return data


VARIANTS = {
    "bank": ("banking", lambda: _data("bank")),
    "manufacturer": ("manufacturing", lambda: _data("manufacturer")),
    "securities": ("securities", lambda: _data("securities")),
    "insurer": ("insurance", _insurer),
    "bank-bpo": ("banking", _bank_bpo),
}


@cache
def _profile(name: str) -> Profile:
    return load_profile(VARIANTS[name][1]())


@cache
def _texts(name: str) -> dict[str, str]:
    profile = _profile(name)
    out = {}
    for job in jobs(profile):
        document, _ = build_tree(profile, job)
        out[job.filename("txt")] = WRITERS["txt"](document, writer_options()).decode()
    return out


def _own_titles(profile: Profile, texts: dict[str, str]) -> set[str]:
    """Titles of the set's own documents and of the organisation's earlier rules: 《…合同》,
    《服务水平协议》, the regulation it repeals."""
    own = {f"《{e.title}》" for e in profile.engagements} | {f"《{profile.policy.title}》"}
    for text in texts.values():
        own |= set(re.findall(r"《[^》]*(?:协议|合同|制度|办法|暂行办法|附件[^》]*)》", text))
    own |= {t for t in profile.policy.repeals} if profile.policy.repeals else set()
    return {t for t in own if not any(t.startswith(i[:-1]) for i in ALLOWED["banking"])}


def _cited(text: str) -> list[tuple[str, str]]:
    """Every 《title》 in `text` with the text that follows it."""
    return [(m.group(0), text[m.end() : m.end() + 40]) for m in re.finditer(r"《[^《》]+》", text)]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_documents_cite_only_instruments_of_the_industry(name: str) -> None:
    industry = VARIANTS[name][0]
    texts = _texts(name)
    own = _own_titles(_profile(name), texts)
    for filename, text in texts.items():
        assert not FOREIGN.search(text), (filename, FOREIGN.search(text))
        seen: set[str] = set()
        for title, after in _cited(text):
            if title in own:
                continue
            assert title in ALLOWED[industry], (name, filename, title)
            if title in NUMBERS and title not in seen:
                assert after.startswith(f"（{NUMBERS[title]}）"), (filename, title, after)
            seen.add(title)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_check_and_clauses_print_only_instruments_of_the_industry(name: str) -> None:
    industry = VARIANTS[name][0]
    profile = _profile(name)
    printed = [f.source for f in check(profile)]
    printed += ["；".join(e.basis) for e in clause_entries(profile)]
    for source in printed:
        assert not FOREIGN.search(source), source
        for title, after in _cited(source):
            assert title in ALLOWED[industry], (name, title)
            if title in NUMBERS:
                assert after.startswith(f"（{NUMBERS[title]}）"), (title, after)


def test_an_insurer_cites_the_insurance_law_and_its_it_rule() -> None:
    regulation = _texts("insurer")["regulation.txt"]
    first = next(line for line in regulation.splitlines() if line.startswith("第一条"))
    assert "《中华人民共和国保险法》" in first
    assert "《保险机构信息化监管规定》（国家金融监督管理总局令2023年第2号）" in first
    assert f"{IT_OUTSOURCING_2021}（银保监办发〔2021〕141号）" in first
    assert "《中华人民共和国商业银行法》" not in regulation and "银监发" not in regulation
    # laws before the rules below them
    assert first.index("《中华人民共和国保险法》") < first.index("《保险机构信息化监管规定》")


def test_it_rules_stay_out_of_a_business_process_contract() -> None:
    texts = _texts("bank-bpo")
    bpo = _profile("bank-bpo").engagements[2].contract_no
    contract = texts[f"contract-{bpo}.txt"]
    assert IT_OUTSOURCING_2021 not in contract
    # 银监发〔2010〕44号 is in the catalogue as unverified (its being in force is not confirmed):
    # never cited, so a bank's business-process contract cites no IT rule and no general one
    assert "银监发〔2010〕44号" not in contract
    it_contract = texts[f"contract-{_profile('bank-bpo').engagements[0].contract_no}.txt"]
    assert f"{IT_OUTSOURCING_2021}（银保监办发〔2021〕141号）" in it_contract
    findings = {(f.element, f.document): f.source for f in check(_profile("bank-bpo"))}
    assert IT_OUTSOURCING_2021 not in findings[("C06", f"contract-{bpo}")]
    assert findings[("C06", f"contract-{bpo}")] == catalogue().no_applicable_basis


def test_the_manufacturer_sees_practice_where_only_bank_rules_apply() -> None:
    findings = {f.element: f for f in check(_profile("manufacturer"))}
    assert findings["R01"].source == "规章制度惯例"
    assert findings["R01"].verified  # no article number to verify


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        ("《中华人民共和国商业银行法》", "适用于银行业"),
        ("《银行业金融机构信息科技外包风险监管指引》", "已废止"),
    ],
)
def test_a_basis_of_another_industry_or_repealed_is_refused_where_it_is_listed(
    basis: str, words: str
) -> None:
    data = _insurer()
    data["policy"]["legal_basis"] = ["《中华人民共和国个人信息保护法》", basis]
    with pytest.raises(InvalidInputError) as error:
        load_profile(data)
    [issue] = error.value.issues
    assert issue.path == "policy.legal_basis[1]"
    assert words in issue.message


def test_an_organisations_own_or_local_rule_may_be_listed() -> None:
    data = _data("manufacturer")
    data["policy"]["legal_basis"] = ["《中华人民共和国民法典》", "《苏州市安全生产条例》"]
    regulation, _ = build_tree(load_profile(data), jobs(load_profile(data), ["regulation"])[0])
    text = WRITERS["txt"](regulation, writer_options()).decode()
    assert "《中华人民共和国民法典》《苏州市安全生产条例》" in text


def test_a_requirement_citing_an_uncatalogued_or_foreign_source_is_refused(tmp_path: Path) -> None:
    source = (ROOT / "src/policygen/templates/zh/requirements.yaml").read_text(encoding="utf-8")
    for bad, words in (
        ("《某某外包管理办法》第一条", "不在法律依据目录"),
        ("EBA/GL/2019/02 第11节", "informed_by"),
    ):
        folder = tmp_path / words
        folder.mkdir()
        (folder / "requirements.yaml").write_text(
            source.replace(
                "  basis: [规章制度惯例, 《银行保险机构", f"  basis: [{bad}, 《银行保险机构", 1
            ).replace("  confidence: S\n", "  confidence: S / S\n", 1),
            encoding="utf-8",
        )
        with pytest.raises(RenderError, match=words):
            requirements([folder])


def test_every_rule_and_normative_document_in_the_catalogue_has_its_number() -> None:
    for key, instrument in catalogue().instruments.items():
        if instrument.level.value in ("rule", "normative", "standard"):
            assert instrument.number, key
        if instrument.status == "repealed":
            assert instrument.repealed_by in catalogue().instruments, key
