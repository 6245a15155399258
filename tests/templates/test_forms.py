"""The two forms rendered per engagement: 服务提供商评估表 (scorecard.md.j2) and 外包风险评估表
(risk_register.md.j2). Each must render for every engagement of both examples, in every format,
and print the profile's figures: criteria and weights, the pass score, the grade bands, the risk
categories, the warning indicators and a correctly scored risk matrix."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from ruamel.yaml import YAML

from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.pipeline import Job, build_document, writer_options
from policygen.profile.engagement import Engagement
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.templating.filters import quantity
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.writers import WRITERS
from policygen.writers.text import document_text
from sample_profiles import MINIMAL

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("bank", "manufacturer")
FORMS = ("scorecard", "risk_register")
QUICK_FORMATS = ("txt", "md", "html", "docx")
T = TypeVar("T")

SCORECARD_IDS = {
    "sc-subject",
    "sc-guidance",
    "sc-scoring",
    "sc-sla",
    "sc-other",
    "sc-grading",
    "sc-conclusion",
}
RISK_REGISTER_IDS = {
    "rr-subject",
    "rr-likelihood",
    "rr-impact",
    "rr-matrix",
    "rr-rating",
    "rr-assessment",
    "rr-treatment",
    "rr-indicators",
    "rr-concentration",
    "rr-conclusion",
}


# --------------------------------------------------------------------------- helpers


def kind(name: str) -> Kind:
    """The form's document kind: the registered one if the kind list has it, else built here."""
    return DOCUMENT_KINDS.get(name) or Kind(name, f"{name}.md.j2", "contract", True)


def example(name: str) -> Profile:
    return load_profile(ROOT / "examples" / f"{name}.yaml")


def example_data(name: str) -> dict[str, Any]:
    """The example as plain data, to change a field and validate again."""
    text = (ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe", pure=True).load(text)


def render(profile: Profile, form: str, engagement: Engagement) -> n.Document:
    return build_document(profile, Job(kind(form), engagement))


def cases() -> Iterator[tuple[str, int, str]]:
    for name in EXAMPLES:
        for index, _ in enumerate(example(name).engagements):
            for form in FORMS:
                yield name, index, form


def ids(node: object) -> Iterator[str]:
    """Every id in the tree under `node`."""
    if isinstance(node, tuple):
        for child in node:
            yield from ids(child)
    elif is_dataclass(node) and not isinstance(node, type):
        node_id = getattr(node, "id", None)
        if node_id:
            yield node_id
        for f in fields(node):
            yield from ids(getattr(node, f.name))


def blocks_of(doc: n.Document, cls: type[T]) -> Iterator[T]:
    """Every block of type `cls` in the document, however deep."""

    def walk(node: object) -> Iterator[T]:
        if isinstance(node, cls):
            yield node
        elif isinstance(node, tuple):
            for child in node:
                yield from walk(child)
        elif is_dataclass(node) and not isinstance(node, type):
            for f in fields(node):
                yield from walk(getattr(node, f.name))

    yield from walk(doc.blocks)


def tables(doc: n.Document) -> Iterator[n.Table]:
    return blocks_of(doc, n.Table)


def table(doc: n.Document, caption: str) -> list[list[str]]:
    """The rows (header first) of the table captioned `caption`, each cell as plain text."""
    found = [t for t in tables(doc) if t.caption == caption]
    assert len(found) == 1, f"expected one table captioned {caption!r}, got {len(found)}"
    return [
        [inline_text(cell.inlines) for cell in row] for row in (*found[0].header, *found[0].rows)
    ]


def plain(value: Decimal) -> str:
    """A Decimal as the forms print it: 30, 99.95 (no exponent, no trailing zeros)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def measure(value: Decimal, unit: str) -> str:
    return quantity(value, unit)


def rating(score: int, profile: Profile) -> str:
    if score >= profile.risk.high_risk_score:
        return "高"
    if score >= profile.risk.medium_risk_score:
        return "中"
    return "低"


def minimal_profile(**risk: Any) -> dict[str, Any]:
    """A profile with every optional section at its defaults and one engagement."""
    data = copy.deepcopy(MINIMAL)
    data["engagements"][0]["title"] = "信息系统运行维护服务外包合同"
    if risk:
        data["risk"] = risk
    return data


# --------------------------------------------------------------------------- every engagement


@pytest.mark.parametrize(("name", "index", "form"), list(cases()))
def test_renders_in_every_quick_format(name: str, index: int, form: str) -> None:
    profile = example(name)
    engagement = profile.engagements[index]
    doc = render(profile, form, engagement)
    assert doc.title == {"scorecard": "服务提供商评估表", "risk_register": "外包风险评估表"}[form]
    assert engagement.vendor.name in doc.subtitle
    assert f"合同编号：{engagement.contract_no}" in doc.subtitle
    for fmt in QUICK_FORMATS:
        out = WRITERS[fmt](doc, writer_options())
        assert out, fmt
        if fmt != "docx":
            assert b"None" not in out, fmt
    text = document_text(doc)
    assert "None" not in text
    assert "第一条　评估对象" in text
    assert engagement.vendor.credit_code in text
    expected = SCORECARD_IDS if form == "scorecard" else RISK_REGISTER_IDS
    assert expected <= set(ids(doc.blocks))
    assert all(i.startswith("sc-" if form == "scorecard" else "rr-") for i in ids(doc.blocks))
    signature = list(blocks_of(doc, n.SignatureBlock))
    assert len(signature) == 1
    assert any(p.name == profile.organisation.departments.risk for p in signature[0].parties)


@pytest.mark.slow
@pytest.mark.parametrize("form", FORMS)
def test_renders_as_pdf(form: str) -> None:
    profile = example("bank")
    doc = render(profile, form, profile.engagements[0])
    assert WRITERS["pdf"](doc, writer_options()).startswith(b"%PDF")


# --------------------------------------------------------------------------- scorecard


@pytest.mark.parametrize(("name", "index"), [(c[0], c[1]) for c in cases() if c[2] == "scorecard"])
def test_scorecard_prints_criteria_pass_score_and_bands(name: str, index: int) -> None:
    profile = example(name)
    engagement = profile.engagements[index]
    vs = profile.vendor_selection
    doc = render(profile, "scorecard", engagement)
    text = document_text(doc)

    rows = table(doc, "服务提供商评分表")
    assert rows[0] == ["序号", "评价维度", "权重（%）", "评分要点", "得分（0—100）", "加权得分"]
    body = rows[1:-1]
    criteria = vs.performance_criteria
    assert [r[1] for r in body] == [c.name for c in criteria]
    assert [r[0] for r in body] == [str(i) for i in range(1, len(criteria) + 1)]
    short = profile.organisation.short_name
    for row, criterion in zip(body, criteria, strict=True):
        assert row[2] == plain(criterion.weight)
        assert row[3] == (criterion.description or "—").replace("本单位", short)
        assert row[4] == row[5] == ""
    assert rows[-1][1:3] == ["合计", "100"]

    assert "准入分数线" not in text and "不使用本表" in text

    bands = table(doc, "评定等级及结果运用")[1:]
    assert len(bands) == len(vs.grading)
    for row, band in zip(bands, vs.grading, strict=True):
        assert row[0] == f"{band.grade}（{band.label}）"
        assert row[1] == f"{plain(band.min)}（含）—{plain(band.max)}"
        assert row[2]
    lowest = vs.grading[-1]
    assert f"均评定为{lowest.grade}级（{lowest.label}）" in text

    metrics = profile.section("sla", engagement).metrics
    sla = table(doc, "服务水平指标达成情况")[1:]
    assert [r[1] for r in sla] == [m.name for m in metrics]
    for row, metric in zip(sla, metrics, strict=True):
        word = "不低于" if metric.comparison == ">=" else "不超过"
        if metric.comparison == ">=" and metric.unit == "%" and metric.target == 100:
            word = "达到"  # a target of 100% is reached, not exceeded
        assert row[3] == word + measure(metric.target, metric.unit)
        assert row[4] == ""

    subject = dict(table(doc, "评估对象基本信息")[1:])
    assert subject["评估对象（服务提供商）"] == engagement.vendor.name
    assert subject["合同编号"] == engagement.contract_no
    assert subject["是否重要外包"].startswith(
        "是" if profile.classification(engagement).critical else "否"
    )
    assert subject["评估期间"] == "____年__月__日至____年__月__日"
    assert subject["评估周期"].startswith("季度")


def test_scorecard_other_items_follow_the_engagement() -> None:
    bank = example("bank")
    critical, _, ordinary = bank.engagements
    first = [r[0] for r in table(render(bank, "scorecard", critical), "其他评估事项")[1:]]
    second = [r[0] for r in table(render(bank, "scorecard", ordinary), "其他评估事项")[1:]]
    assert "业务连续性" in first and "业务连续性" not in second
    assert "个人信息保护" in first and "个人信息保护" not in second
    maker = example("manufacturer")
    third = [
        r[0] for r in table(render(maker, "scorecard", maker.engagements[0]), "其他评估事项")[1:]
    ]
    assert "个人信息保护" not in third


def test_scorecard_with_defaults_and_no_descriptions() -> None:
    data = minimal_profile()
    data["vendor_selection"] = {
        "performance_criteria": [
            {"name": "服务能力", "weight": 60},
            {"name": "服务质量", "weight": 40},
        ],
        "evaluation_frequency": "annual",
    }
    profile = load_profile(data)
    doc = render(profile, "scorecard", profile.engagements[0])
    rows = table(doc, "服务提供商评分表")
    assert rows[1][1:4] == ["服务能力", "60", "—"]
    assert rows[2][1:4] == ["服务质量", "40", "—"]
    text = document_text(doc)
    assert "年度综合评估" not in text  # annual evaluation: no separate yearly review
    assert "□年度评估" in text
    assert "None" not in text


# --------------------------------------------------------------------------- risk register


@pytest.mark.parametrize(
    ("name", "index"), [(c[0], c[1]) for c in cases() if c[2] == "risk_register"]
)
def test_risk_register_prints_categories_indicators_and_limit(name: str, index: int) -> None:
    profile = example(name)
    engagement = profile.engagements[index]
    risk = profile.risk
    depts = profile.organisation.departments
    doc = render(profile, "risk_register", engagement)
    text = document_text(doc)

    assessed = table(doc, "外包风险评估")[1:]
    assessment = engagement.assessment
    others = list(assessment.other_risks) if assessment else []
    complete = assessment is not None and {r.category for r in assessment.ratings} >= set(
        risk.categories
    )
    # the engagement's own risks follow the categories; a register that rates every category
    # leaves no blank row for another risk
    named = [r[1] for r in assessed]
    assert named[: len(risk.categories)] == list(risk.categories)
    assert named[len(risk.categories) :] == [r.category for r in others] + (
        [] if complete else ["其他风险（请注明）"]
    )
    assessed = assessed[: len(risk.categories)] + ([] if complete else assessed[-1:])
    # inherent risk, controls, residual risk: as the engagement's assessment rates them (scored on
    # the matrix), else marked for the assessor to fill in
    ratings = {
        r.category: r for r in (engagement.assessment.ratings if engagement.assessment else [])
    }
    for row in assessed[: len(risk.categories)]:
        rated = ratings.get(row[1])
        if rated is None:
            assert row[2].startswith("【待填写】_×_＝_") and row[3] == row[5] == "【待填写】"
        else:
            score = rated.likelihood * rated.impact
            assert (
                row[2] == f"{rated.likelihood}×{rated.impact}＝{score}（{rating(score, profile)}）"
            )
            assert row[3] == rated.controls and row[5] == (rated.basis or "【待填写】")
    if not complete:
        assert assessed[-1][2].startswith("_×_＝_") and assessed[-1][3] == ""
    treated = table(doc, "风险应对措施")[1:]
    assert [r[1] for r in treated] == [*risk.categories, *(r.category for r in others)]
    assert {r[3] for r in treated[: len(risk.categories)]} == {depts.lead}

    indicators = table(doc, "风险预警指标")
    assert indicators[0] == ["预警指标", "预警条件", "预警级别", "当期值", "应对措施", "监测部门"]
    assert [r[0] for r in indicators[1:]] == [i.name for i in risk.indicators]
    metrics = {m.name: m for m in profile.section("sla", engagement).metrics}
    for row, indicator in zip(indicators[1:], risk.indicators, strict=True):
        word = "达到或者超过" if indicator.comparison == ">=" else "达到或者低于"
        followed = metrics.get(indicator.metric or "")
        if followed is not None:  # the warning is missing the engagement's own SLA target
            assert (
                row[1] == f"低于{measure(followed.target, followed.unit)}（服务水平协议的目标值）"
            )
        else:
            assert row[1] == word + measure(indicator.threshold, indicator.unit)
        senior = f"报告{profile.organisation.senior_management}，"
        assert (
            row[4] == (senior if indicator.report_to_senior_management else "") + indicator.action
        )
        assert row[5] == f"{depts.lead}、{depts.risk}"  # the regulation's 第四十条
    assert f"不得超过{plain(risk.concentration_limit)}%" in text
    assert f"（上限{plain(risk.concentration_limit)}%）" in text

    subject = dict(table(doc, "外包事项基本信息")[1:])
    assert subject["外包事项"] == engagement.title
    assert subject["服务提供商"] == engagement.vendor.name
    assert subject["是否重要外包"].startswith(
        "是" if profile.classification(engagement).critical else "否"
    )
    pi = profile.section("data_protection", engagement).processes_personal_info
    assert subject["是否涉及个人信息"].startswith("是" if pi else "否")


@pytest.mark.parametrize("name", EXAMPLES)
def test_risk_matrix_scores_every_cell(name: str) -> None:
    profile = example(name)
    risk = profile.risk
    doc = render(profile, "risk_register", profile.engagements[0])
    rows = table(doc, "风险矩阵（风险值及风险等级）")
    assert len(rows) == 1 + risk.likelihood_levels
    assert all(len(r) == 1 + risk.impact_levels for r in rows)
    assert [r[0].split("（")[0] for r in rows[1:]] == [
        str(level) for level in range(risk.likelihood_levels, 0, -1)
    ]
    assert [c.split("（")[0] for c in rows[0][1:]] == [
        str(level) for level in range(1, risk.impact_levels + 1)
    ]
    for row, likelihood in zip(rows[1:], range(risk.likelihood_levels, 0, -1), strict=True):
        for cell, impact in zip(row[1:], range(1, risk.impact_levels + 1), strict=True):
            score = likelihood * impact
            assert cell == f"{score}（{rating(score, profile)}）"
    text = document_text(doc)
    assert "25（高）" in text and "1（低）" in text  # 5 × 5 with the default 15 / 8
    assert f"≥{risk.high_risk_score}" in text and f"＜{risk.medium_risk_score}" in text


def test_risk_register_scales_follow_the_number_of_levels() -> None:
    data = example_data("manufacturer")
    data["risk"].update(
        likelihood_levels=3, impact_levels=4, high_risk_score=9, medium_risk_score=4
    )
    data["engagements"][0].pop("assessment")  # rated on the five-level scales
    profile = load_profile(data)
    doc = render(profile, "risk_register", profile.engagements[0])
    likelihood = table(doc, "可能性评分标准")[1:]
    assert [r[:2] for r in likelihood] == [["1", "低"], ["2", "中"], ["3", "高"]]
    impact = table(doc, "影响程度评分标准")[1:]
    assert [r[:2] for r in impact] == [
        ["1", "轻微"],
        ["2", "中等"],
        ["3", "严重"],
        ["4", "极其严重"],
    ]
    rows = table(doc, "风险矩阵（风险值及风险等级）")
    assert len(rows) == 4 and all(len(r) == 5 for r in rows)
    assert rows[1] == ["3（高）", "3（低）", "6（中）", "9（高）", "12（高）"]
    assert rows[3] == ["1（低）", "1（低）", "2（低）", "3（低）", "4（中）"]
    assert "None" not in document_text(doc)


def test_risk_register_with_defaults_and_no_indicators() -> None:
    profile = load_profile(minimal_profile(indicators=[]))
    doc = render(profile, "risk_register", profile.engagements[0])
    text = document_text(doc)
    assert not [t for t in tables(doc) if t.caption == "风险预警指标"]
    assert "未设定外包风险预警指标" in text
    for category in profile.risk.categories:  # the six default risk types (R14)
        assert category in text
    assert "技术能力丧失风险：过度依赖服务提供商" in text
    assert "□已确定" in text  # no alternate vendors in the profile
    assert "25（高）" in text
    assert "None" not in text


def test_alternate_vendors_leave_out_the_engagement_vendor() -> None:
    data = example_data("bank")
    second = data["engagements"][1]
    second["exit"]["alternate_vendors"].append(second["vendor"]["name"])
    bank = load_profile(data)
    engagement = bank.engagements[1]
    assert engagement.vendor.name in bank.section("exit", engagement).alternate_vendors
    rows = dict(table(render(bank, "risk_register", engagement), "集中度与可替代性评估")[1:])
    assert engagement.vendor.name not in rows["备选服务提供商"]
    assert rows["备选服务提供商"] == "南京云岫信息系统有限公司"


def test_the_regulation_names_no_vendor() -> None:
    bank = example("bank")
    text = document_text(render(bank, "regulation", None))
    for engagement in bank.engagements:
        for name in (engagement.vendor.name, *bank.section("exit", engagement).alternate_vendors):
            assert name not in text
