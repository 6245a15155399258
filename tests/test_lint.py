"""`policygen lint`: the wording rules of wording.yaml, each named in the findings it gives."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from policygen.cli import main
from policygen.errors import RenderError
from policygen.kinds import DOCUMENT_KINDS
from policygen.lint import (
    RULES,
    LintContext,
    Wording,
    WordingFinding,
    lint_document,
    wording_rules,
)
from policygen.readers.markdown import read_markdown
from policygen.transforms.numbering import number
from policygen.transforms.punctuation import normalise
from policygen.transforms.references import resolve
from policygen.tree import nodes as n

ROOT = Path(__file__).resolve().parents[1]
BANK = LintContext(
    kind="contract",
    name="contract-T-1",
    industry="banking",
    self_names=("本行",),
    keep=("明远商业银行股份有限公司", "深圳智维信息技术服务有限公司"),
)


def document(markdown: str, kind: str = "contract") -> n.Document:
    """Return the tree of `markdown` as the pipeline builds it for a document of `kind`."""
    blocks = normalise(read_markdown(markdown, source="test"))
    blocks, refs = number(blocks, DOCUMENT_KINDS[kind].scheme)
    meta = n.DocumentMeta(
        organisation="明远商业银行股份有限公司", version="V1.0", date=date(2026, 1, 1)
    )
    return n.Document(kind, "测试文档", resolve(blocks, refs, source="test"), meta)


def lint(
    markdown: str,
    kind: str = "contract",
    *,
    industry: str = "banking",
    rules: Wording | None = None,
) -> list[WordingFinding]:
    context = LintContext(
        kind=kind, industry=industry, self_names=BANK.self_names, keep=BANK.keep, name=BANK.name
    )
    return lint_document(document(markdown, kind), context, rules)


def texts(findings: list[WordingFinding], rule: str) -> list[str]:
    return [f.text for f in findings if f.rule == rule]


def article(text: str) -> str:
    return f"## 条款 {{#a}}\n\n{text}\n"


# --------------------------------------------------------------------------- text rules

TEXT_CASES = [
    # numerals: periods and counts in Chinese numerals
    ("numerals", "乙方应当在收到发票后15个工作日内支付。", ["15个工作日"]),
    ("numerals", "过渡期为十二个月，延长期为6个月。", ["6个月"]),
    ("numerals", "应当提前90天通知，并在九十日内完成交接。", ["90天"]),
    (
        "numerals",
        "应当提前72小时提交申请，每年演练1次，保存3年，每2周报告。",
        ["72小时", "1次", "3年", "2周"],
    ),
    ("numerals", "在１５日内答复。", ["１５日"]),
    ("numerals", "在十五日内答复，至少演练三次，保存两年。", []),
    ("numerals", "服务期限自2026年1月1日起至2028年12月31日止。", []),
    ("numerals", "甲方于每月15日前支付上月服务费；2026年度预算另行确定。", []),
    ("numerals", "第1期付款在第3次验收后支付，第5日视为送达。", []),
    ("numerals", "P1级事件的响应时限为十五分钟。", []),
    ("numerals", "通过ISO 27001认证，提供7×24小时服务，工作时间9:00—18:00。", []),
    ("numerals", "提供7 × 24小时服务，在第 3 次验收后付款。", []),
    ("numerals", "平均修复时间不超过1.5小时，可用率不低于99.95%。", []),
    ("numerals", "违约金为人民币50万元，按照第9.7条处理。", []),
    # day-unit: 日, not 天
    ("day-unit", "在90天内返还，或者三十天内删除。", ["90天", "三十天"]),
    ("day-unit", "离岗当天注销账号，每天检查日志。", ["当天", "每天"]),
    ("day-unit", "以“日”或者“天”计算的期限为自然日；服务地点为天津市。", []),
    # or: 或者, not bare 或
    ("or", "甲方或乙方均可提出。", ["或"]),
    ("or", "由法定代表人或其授权代表签字。", ["或"]),
    ("or", "甲方或者乙方、和/或其关联方，或许不可或缺。", []),
    # space: no half-width space inside Chinese
    ("space", "付款节点为验收后 15 个工作日内。", ["后 1", "5 个"]),
    ("space", "甲方 乙方", ["方 乙"]),
    ("space", "通过ISO 27001认证，使用Windows Server系统；甲方　乙方。", []),
    # glossary: 信息科技外包 for a bank
    ("glossary", "本合同项下服务属于信息技术外包（ITO）。", ["信息技术外包"]),
    ("glossary", "本合同项下服务属于信息科技外包。", []),
    ("glossary", "参照《信息技术外包服务规范》执行。", []),
    # self-name: 甲方 in an agreement
    ("self-name", "服务地点为本行数据中心，按本公司要求执行。", ["本行", "本公司"]),
    ("self-name", "乙方具有本行业的从业经验，甲方明远商业银行股份有限公司。", []),
]


@pytest.mark.parametrize(("rule", "text", "expected"), TEXT_CASES)
def test_text_rule(rule: str, text: str, expected: list[str]) -> None:
    findings = lint(article(text))
    assert texts(findings, rule) == expected, findings


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("15个工作日", "十五个工作日"),
        ("2小时", "两小时"),
        ("90天", "九十日"),
        ("12个月", "十二个月"),
        ("110次", "一百一十次"),
    ],
)
def test_numerals_message_names_the_style_and_the_chinese_form(text: str, suggestion: str) -> None:
    (finding,) = [f for f in lint(article(f"期限为{text}。")) if f.rule == "numerals"]
    assert f"「{text}」应写作「{suggestion}」" in finding.message
    assert "汉字数字" in finding.message and "Chinese numerals" in finding.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("在三十日内答复，演练两次。", ["三十日", "两次"]),
        ("演练一次，第三次验收，二〇二六年，二次开发。", []),
        ("在30日内答复。", []),
    ],
)
def test_numerals_in_arabic_style(text: str, expected: list[str]) -> None:
    bundled = wording_rules()
    rules = bundled.model_copy(
        update={"numerals": bundled.numerals.model_copy(update={"kinds": {"contract": "arabic"}})}
    )
    findings = lint(article(text), rules=rules)
    assert texts(findings, "numerals") == expected
    assert all("阿拉伯数字" in f.message for f in findings if f.rule == "numerals")


def test_a_table_cell_holding_one_measure_keeps_arabic_numerals() -> None:
    markdown = article(
        "Table: 表1　事件分级\n\n"
        "| 级别 | 响应时限 | 解决时限 | 进展通报 | 应对措施 |\n"
        "|:-:|:-:|:-:|:-:|:--|\n"
        "| P1 | 15分钟 | 不超过2小时 | 每30分钟 | 要求在30日内补足人员 |\n"
        "| P3 | 4小时 | 3个工作日 | 每天 | 达到或者超过2次的，约谈 |\n"
    )
    findings = lint(markdown)
    assert texts(findings, "numerals") == ["30日", "2次"]
    assert texts(findings, "day-unit") == ["每天"]


@pytest.mark.parametrize(
    ("industry", "kind", "text", "expected"),
    [
        ("insurance", "contract", "信息技术外包", ["信息技术外包"]),
        ("manufacturing", "contract", "信息技术外包", []),
        ("manufacturing", "regulation", "向供应商采购", ["供应商"]),
        ("manufacturing", "contract", "分包方或者供应商违约", []),
    ],
)
def test_glossary_entries_hold_for_their_industries_and_kinds(
    industry: str, kind: str, text: str, expected: list[str]
) -> None:
    assert texts(lint(article(f"{text}。"), kind, industry=industry), "glossary") == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("contract", ["本行"]),
        ("sla", ["本行"]),
        ("nda", ["本行"]),
        ("dpa", ["本行"]),
        ("regulation", []),
        ("scorecard", []),
        ("risk_register", []),
    ],
)
def test_self_name_only_in_agreements(kind: str, expected: list[str]) -> None:
    assert texts(lint(article("由本行负责。"), kind), "self-name") == expected


def test_self_name_includes_the_organisations_short_name() -> None:
    context = LintContext(kind="nda", self_names=("明远银行",), keep=("明远银行股份有限公司",))
    doc = document(article("明远银行股份有限公司（以下简称明远银行）。"), "nda")
    assert texts(lint_document(doc, context), "self-name") == ["明远银行"]


# --------------------------------------------------------------------------- list rules

LIST_CASES = [
    # an enumeration after a lead-in: ；…；。
    ("regulation", "包括下列内容：\n\n1. 甲；\n1. 乙；\n1. 丙。", []),
    ("regulation", "包括下列内容：\n\n1. 甲；\n1. 乙。\n1. 丙。", ["（二）"]),
    ("regulation", "包括下列内容：\n\n1. 甲。\n1. 乙。\n1. 丙。", ["（一）、（二）"]),
    ("regulation", "包括下列内容：\n\n1. 甲；\n1. 乙；\n1. 丙；", ["（三）"]),
    ("regulation", "包括下列内容：\n\n1. 甲；\n1. 乙\n1. 丙。", ["（二）"]),
    ("contract", "乙方应当：\n\n1. 甲；\n1. 乙。", []),
    # a nested list: its lead-in item ends with ：, its last item with ； unless it ends all
    ("regulation", "包括：\n\n1. 甲：\n   1. 子一；\n   1. 子二；\n1. 乙。", []),
    ("regulation", "包括：\n\n1. 甲：\n   1. 子一；\n   1. 子二。\n1. 乙。", ["2."]),
    ("regulation", "包括：\n\n1. 甲；\n   1. 子一；\n   1. 子二；\n1. 乙。", ["（一）"]),
    # clauses directly under an article's title are sentences, each ending with 。
    ("contract", "1. 第一句。\n1. 第二句。", []),
    ("contract", "1. 第一句；\n1. 第二句。", ["1.1"]),
]


@pytest.mark.parametrize(("kind", "body", "where"), LIST_CASES)
def test_item_punctuation(kind: str, body: str, where: list[str]) -> None:
    findings = [f for f in lint(article(body), kind) if f.rule == "item-punctuation"]
    assert [f.message.split("以「")[0].split("没有")[0] for f in findings] == where, findings


def test_recitals_after_a_heading_are_an_enumeration() -> None:
    markdown = "## 鉴于 {.unnumbered}\n\n1. 甲方系银行；\n1. 乙方系企业。\n1. 双方同意。\n"
    (finding,) = [f for f in lint(markdown) if f.rule == "item-punctuation"]
    assert finding.where == "鉴于 （二）"
    assert "应以「；」结尾" in finding.message


def test_lead_ins_listed_in_sentences_after_introduce_sentences() -> None:
    # The bundled rules take definitions (…具有如下含义：) as sentences.
    body = "下列用语具有如下含义：\n\n1. 甲：指甲方。\n1. 乙：指乙方。"
    assert texts(lint(article(body)), "item-punctuation") == []
    bundled = wording_rules()
    rules = bundled.model_copy(
        update={"items": bundled.items.model_copy(update={"sentences_after": ()})}
    )
    assert texts(lint(article(body), rules=rules), "item-punctuation") == ["。"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("乙方应当：\n\n1. 按时提交报告。", ["按时提交报告。"]),
        ("包括：\n\n1. 甲：\n   1. 唯一的子项；\n1. 乙。", ["唯一的子项；"]),
        ("乙方应当：\n\n1. 按时提交报告；\n1. 配合检查。", []),
    ],
)
def test_single_item_list(body: str, expected: list[str]) -> None:
    assert texts(lint(article(body), "regulation"), "single-item-list") == expected


# --------------------------------------------------------------------------- where


def test_findings_name_the_clause_as_printed() -> None:
    markdown = (
        "## 服务 {#s}\n\n第一款。\n\n服务期为6个月。\n\n1. 甲；\n1. 乙在90天内完成。\n\n"
        "## 期限 {#t}\n\n期限为3年。\n"
    )
    findings = lint(markdown)
    assert [(f.where, f.text) for f in findings if f.rule == "numerals"] == [
        ("1.2", "6个月"),
        ("1.2.2", "90天"),
        ("第二条", "3年"),
    ]
    regulation = lint("# 总则\n\n## {#p}\n\n包括：\n\n1. 甲；\n1. 在90天内。\n", "regulation")
    assert {f.where for f in regulation} == {"第一条 （二）"}


# --------------------------------------------------------------------------- counsel's findings

COUNSEL = """
## 鉴于 {.unnumbered}

1. 甲方系依法设立的商业银行；
1. 甲方拟将信息技术外包（ITO）服务委托乙方提供。

## 服务期限 {#term}

服务期限为十二个月；到期前90天协商续签，过渡期为6个月。

乙方应当在付款节点后 15 个工作日内开具发票，甲方在十五日内付款。

甲方或者乙方均可提出变更，或书面通知对方。

## 乙方义务 {#duties}

乙方应当：

1. 按本行要求提供服务；
1. 九十日内提交报告。

乙方还应当：

1. 建立管理制度。
1. 配合检查。
1. 定期报告。

乙方应当：

1. 接受培训。
"""


def test_counsel_inconsistencies_are_each_named() -> None:
    findings = lint(COUNSEL)
    by_rule = {rule: texts(findings, rule) for rule in RULES}
    assert by_rule == {
        "numerals": ["90天", "6个月", "15 个工作日"],
        "day-unit": ["90天"],
        "or": ["或"],
        "space": ["后 1", "5 个"],
        "glossary": ["信息技术外包"],
        "self-name": ["本行"],
        "item-punctuation": ["。"],
        "single-item-list": ["接受培训。"],
    }
    assert all(f.document == "contract-T-1" for f in findings)
    glossary = next(f for f in findings if f.rule == "glossary")
    assert glossary.where == "鉴于 （二）" and "信息科技外包" in glossary.message


# --------------------------------------------------------------------------- rules file, CLI


def test_bundled_rules_load() -> None:
    rules = wording_rules()
    assert rules.numerals.style == "chinese"
    assert "信息科技外包" in {entry.use for entry in rules.glossary}
    assert set(rules.self_name.kinds) == {"contract", "sla", "nda", "dpa", "safety"}


def test_rules_naming_an_unknown_kind_are_refused(tmp_path: Path) -> None:
    bundled = (ROOT / "src" / "policygen" / "templates" / "zh" / "wording.yaml").read_text(
        encoding="utf-8"
    )
    (tmp_path / "wording.yaml").write_text(
        bundled.replace("kinds: [contract, sla, nda, dpa, safety]", "kinds: [contract, agreement]"),
        encoding="utf-8",
    )
    with pytest.raises(RenderError, match="agreement"):
        wording_rules([tmp_path])


def test_lint_json_names_each_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundled = (ROOT / "src" / "policygen" / "templates" / "zh" / "wording.yaml").read_text(
        encoding="utf-8"
    )
    extra = "  - use: 受托方\n    avoid: [乙方]\n    kinds: [nda]\n"
    (tmp_path / "wording.yaml").write_text(
        bundled.replace("glossary:\n", "glossary:\n" + extra, 1), encoding="utf-8"
    )
    profile = str(ROOT / "examples" / "manufacturer.yaml")
    code = main(["lint", "--json", "--templates", str(tmp_path), profile])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False and report["count"] == len(report["findings"])
    ours = [f for f in report["findings"] if f["rule"] == "glossary" and f["text"] == "乙方"]
    assert ours and {f["document"] for f in ours} == {"nda-HY-BPO-2026-01"}
    assert set(ours[0]) == {"document", "rule", "where", "text", "excerpt", "message"}
    assert "受托方" in ours[0]["message"]


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_examples_have_no_wording_findings(example: str) -> None:
    from policygen.lint import lint_set
    from policygen.profile.load import load_profile

    assert lint_set(load_profile(ROOT / "examples" / f"{example}.yaml")) == []


def test_the_starter_profile_has_no_wording_findings() -> None:
    """Every default wording, as `policygen init` hands it out, is in the house style."""
    from policygen.lint import lint_set
    from policygen.profile.load import load_profile_text
    from policygen.profile.starter import starter_yaml

    assert lint_set(load_profile_text(starter_yaml())) == []
