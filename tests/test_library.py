"""The clause library: every chapter and article has a catalogued id, title and legal basis."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from policygen import load_profile
from policygen.check import requirements
from policygen.cli import main
from policygen.errors import RenderError
from policygen.instruments import catalogue as instruments
from policygen.library import CATALOGUE, catalogue, library, uncatalogued
from policygen.pipeline import build_tree, jobs
from policygen.profile.load import parse
from policygen.profile.model import Profile
from policygen.profile.types import Scope
from policygen.tree import nodes as n
from sample_profiles import MINIMAL, RECIPIENT

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "policygen" / "templates" / "zh"

# Every instrument the catalogue cites, so that a misspelt title fails here.
INSTRUMENTS = {
    "《中华人民共和国民法典》",
    "《中华人民共和国个人信息保护法》",
    "《中华人民共和国数据安全法》",
    "《中华人民共和国网络安全法》（2025年修正）",
    "《中华人民共和国反不正当竞争法》",
    "《中华人民共和国著作权法》",
    "《中华人民共和国招标投标法》",
    "《中华人民共和国仲裁法》",
    "《中华人民共和国民事诉讼法》",
    "《银行保险机构信息科技外包风险监管办法》（银保监办发〔2021〕141号）",
    "《商业银行信息科技风险管理指引》（银监发〔2009〕19号）",
    "《个人信息出境标准合同办法》（国家互联网信息办公室令第13号）",
    "《中华人民共和国安全生产法》",
    "《中华人民共和国固体废物污染环境防治法》",
    "《生产安全事故报告和调查处理条例》（国务院令第493号）",
    "《劳务派遣暂行规定》（人力资源和社会保障部令第22号）",
    "《中华人民共和国证券法》",
    "《证券基金经营机构信息技术管理办法》（中国证券监督管理委员会令第152号）",
}
# Instruments whose article numbers the reference checklist marks only S or M: cite no number.
UNNUMBERED = {
    "《中华人民共和国数据安全法》",
    "《中华人民共和国网络安全法》（2025年修正）",
    "《银行保险机构信息科技外包风险监管办法》（银保监办发〔2021〕141号）",
    "《商业银行信息科技风险管理指引》（银监发〔2009〕19号）",
    "《个人信息出境标准合同办法》（国家互联网信息办公室令第13号）",
    "《中华人民共和国安全生产法》",
    "《中华人民共和国固体废物污染环境防治法》",
    "《生产安全事故报告和调查处理条例》（国务院令第493号）",
    "《劳务派遣暂行规定》（人力资源和社会保障部令第22号）",
    "《中华人民共和国证券法》",
    "《证券基金经营机构信息技术管理办法》（中国证券监督管理委员会令第152号）",
}


def _data(example: str) -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


def _variant() -> dict:
    """The bank example with every conditional branch on: an insurer, personal information
    with sensitive categories leaving the country, an impact assessment, a 等保 level, 重要外包."""
    data = _data("bank")
    data["organisation"]["industry"] = "insurance"
    data["policy"]["legal_basis"] = ["《中华人民共和国保险法》", "《中华人民共和国个人信息保护法》"]
    data["data_protection"]["cross_border"] = True
    data["data_protection"]["overseas_recipients"] = [RECIPIENT]
    data["data_protection"]["impact_assessment"] = True
    data["data_protection"]["sensitive_pi"] = True
    data["information_security"]["mlps_level"] = 3
    return data


@cache
def _profile(name: str) -> Profile:
    return load_profile(_variant() if name == "variant" else _data(name))


PROFILES = ["bank", "manufacturer", "variant"]


def _template_sources() -> str:
    """Return the template sources with the id prefixes of shared macros filled in: a macro
    `disputes(prefix)` writing `{#{{ prefix }}-disputes}` and called as `disputes("nda")`
    gives `{#nda-disputes}`."""
    sources = [p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.rglob("*.j2"))]
    text = "\n".join(sources)
    expanded = []
    for source in sources:
        for name, param in re.findall(r"\{%-?\s*macro\s+(\w+)\((\w+)[^)]*\)", source):
            body = source.split(f"macro {name}(", 1)[1].split("endmacro", 1)[0]
            pattern = "{#{{ " + param + " }}-"
            if pattern not in body:
                continue
            for value in set(re.findall(rf'\b{name}\(\s*"(\w+)"', text)):
                expanded.append(body.replace(pattern, "{#" + value + "-"))
    return "\n".join([text, *expanded])


def _heading_ids() -> set[str]:
    """Return every chapter and article id the templates declare (`#`/`##` headings)."""
    return set(re.findall(r"^#{1,2} [^\n]*\{#([A-Za-z][\w-]*)\}", _template_sources(), re.M))


def _rendered_structural_ids(profile: Profile) -> dict[str, set[str]]:
    """Return the chapter and article ids of each kind's documents, by walking the trees."""
    out: dict[str, set[str]] = {}

    def walk(blocks: tuple[n.Block, ...], into: set[str]) -> None:
        for block in blocks:
            if isinstance(block, n.Chapter | n.Article) and block.id:
                into.add(block.id)
            if isinstance(block, n.Chapter):
                walk(block.blocks, into)

    for job in jobs(profile):
        document, _ = build_tree(profile, job)
        walk(document.blocks, out.setdefault(job.kind.name, set()))
    return out


def test_every_entry_has_a_title_and_a_known_basis() -> None:
    table = library()
    assert len(table) > 150
    for clause_id, clause in table.items():
        assert clause.title.strip(), clause_id
        assert clause.basis, clause_id
        for basis in clause.basis:
            if basis in instruments().practices:
                continue
            instrument = re.match(r"《[^》]+》(（[^）]*）)?", basis)
            assert instrument and instrument.group(0) in INSTRUMENTS, (clause_id, basis)
            rest = basis[instrument.end() :]
            if instrument.group(0) in UNNUMBERED:
                assert rest == "", (clause_id, basis)
            else:
                assert rest == "" or rest.startswith("第"), (clause_id, basis)


def test_every_catalogued_id_occurs_in_a_template() -> None:
    sources = _template_sources()
    missing = [c for c in library() if "{#" + c + "}" not in sources]
    assert not missing


def test_catalogue_covers_exactly_the_templates_headings() -> None:
    headings = _heading_ids()
    table = library()
    assert headings - set(table) == set()
    clause_level = set(table) - headings
    required = {c for e in requirements().values() for c in e.clauses}
    assert clause_level <= required, clause_level - required


def test_every_clause_the_requirements_name_is_catalogued_for_its_document() -> None:
    table = library()
    for key, element in requirements().items():
        for clause_id in element.clauses:
            assert clause_id in table, (key, clause_id)
            assert table[clause_id].document == element.document, (key, clause_id)


@pytest.mark.parametrize("name", PROFILES)
def test_every_rendered_chapter_and_article_is_catalogued(name: str) -> None:
    profile = _profile(name)
    assert uncatalogued(profile) == []
    table = library()
    for kind, ids in _rendered_structural_ids(profile).items():
        for clause_id in ids:
            assert clause_id in table, (kind, clause_id)
            assert table[clause_id].document == kind, (kind, clause_id)


def test_the_profiles_render_every_heading_the_templates_declare() -> None:
    rendered: set[str] = set()
    for name in PROFILES:
        for ids in _rendered_structural_ids(_profile(name)).values():
            rendered |= ids
    assert _heading_ids() - rendered == set()


@pytest.mark.parametrize("name", PROFILES)
def test_entries_carry_the_document_stem_and_number(name: str) -> None:
    profile = _profile(name)
    entries = catalogue(profile)
    stems = {job.filename("x").removesuffix(".x") for job in jobs(profile)}
    assert {e.document for e in entries} == stems
    table = library()
    for e in entries:
        assert e.title == table[e.id].title
        # as written, less what does not bind the organisation, each rule with its 文号
        shown = instruments().applicable(
            table[e.id].basis, profile.organisation.industry, [s for s in Scope]
        )
        assert set(e.basis) <= set(shown) | {instruments().no_applicable_basis}, e
        assert e.kind == table[e.id].document
        assert e.number.startswith("第") or e.id == "contract-party-client", e
    seen = [(e.document, e.id) for e in entries]
    assert len(seen) == len(set(seen))


def test_conditional_clauses_follow_the_profile() -> None:
    def ids(name: str) -> set[str]:
        return {e.id for e in catalogue(_profile(name))}

    variant, maker = ids("variant"), ids("manufacturer")
    conditional = {
        "personal-information",
        "pi-sensitive",
        "pi-cross-border",
        "regulatory-reporting",
        "contract-regulator-access",
        "contract-pi-deletion",
        "dpa-sensitive",
        "dpa-pia",
        "dpa-mlps",
    }
    assert conditional <= variant
    assert not conditional & maker
    assert "pi-future" in maker and "pi-future" not in variant
    numbers = {e.id: e.number for e in catalogue(_profile("bank")) if e.document == "regulation"}
    assert numbers["purpose"] == "第一条" and numbers["general"] == "第一章"
    assert numbers["def-critical"].endswith("第（三）项")


def test_profile_adaptations_show_in_the_catalogue() -> None:
    data = _data("manufacturer")
    data["clauses"] = {
        "exclude": ["complaints"],
        "replace": {"contract-notices": "通知以书面形式送达。"},
        "add": [{"id": "own-rule", "after": "purpose", "text": "本公司自定条款。"}],
    }
    profile = load_profile(data)
    entries = catalogue(profile)
    ids = {e.id for e in entries}
    assert "complaints" not in ids
    (own,) = [e for e in entries if e.id == "own-rule"]  # the organisation's own, listed
    assert (own.document, own.number, own.title, own.basis, own.added) == (
        "regulation", "第二条", "", (), True,
    )  # fmt: skip
    assert not any(e.added for e in entries if e.id != "own-rule")
    assert all(e.replaced for e in entries if e.id == "contract-notices")
    assert not any(e.replaced for e in entries if e.id != "contract-notices")
    numbers = {e.id: e.number for e in entries if e.document == "regulation"}
    assert numbers["scope"] == "第三条"  # the added article takes 第二条
    assert uncatalogued(profile) == []


def test_a_template_article_missing_from_the_catalogue_is_reported(tmp_path: Path) -> None:
    text = (TEMPLATES / CATALOGUE).read_text(encoding="utf-8")
    start = text.index("\ncomplaints:\n")
    end = text.index("\noutsourced-staff:\n")
    (tmp_path / CATALOGUE).write_text(text[:start] + text[end:], encoding="utf-8")
    profile = _profile("manufacturer")
    number = next(e.number for e in catalogue(profile) if e.id == "complaints")
    gaps = uncatalogued(profile, template_dirs=[tmp_path])
    assert [(g.id, g.document, g.number) for g in gaps] == [("complaints", "regulation", number)]
    assert "complaints" not in {e.id for e in catalogue(profile, template_dirs=[tmp_path])}


@pytest.mark.parametrize(
    "entry",
    [
        "purpose: {document: regulation, title: 目的, basis: []}",
        "purpose: {document: charter, title: 目的, basis: [管理惯例]}",
        "purpose: {document: regulation, title: ' ', basis: [管理惯例]}",
        "purpose: {document: regulation, title: 目的, basis: [民法典第五百条]}",
        "purpose: {document: regulation, title: 目的, basis: [管理惯例], note: x}",
        "1purpose: {document: regulation, title: 目的, basis: [管理惯例]}",
    ],
)
def test_an_invalid_catalogue_is_an_error(tmp_path: Path, entry: str) -> None:
    (tmp_path / CATALOGUE).write_text(entry + "\n", encoding="utf-8")
    with pytest.raises(RenderError, match="clause library"):
        library([tmp_path])


def test_cli_prints_the_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "examples" / "manufacturer.yaml")
    assert main(["clauses", example]) == 0
    captured = capsys.readouterr()
    assert "条款库" in captured.out and "contract-governing-law" in captured.out
    assert "第一条" in captured.out and "管理惯例" in captured.out
    assert "未编入条款库" not in captured.err

    assert main(["clauses", "--json", example]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["uncatalogued"] == []
    first = report["clauses"][0]
    assert first == {
        "id": "general",
        "document": "regulation",
        "kind": "regulation",
        "number": "第一章",
        "title": "总则",
        "basis": ["管理惯例"],
        "condition": "",
        "replaced": False,
        "added": False,
    }
    assert {"contract-HY-BPO-2026-01", "sla-HY-BPO-2026-01"} <= {
        c["document"] for c in report["clauses"]
    }


def test_cli_lists_added_clauses_at_80_columns(tmp_path: Path) -> None:
    """Piped at 80 columns: one short table per document, ids and document names whole, the
    organisation's own clauses marked."""
    from rich.cells import cell_len
    from rich.console import Console
    from typer.testing import CliRunner

    from policygen import cli

    data = _data("manufacturer")
    data["clauses"] = {"add": [
        {"id": "own-rule", "after": "purpose", "text": "本公司自定条款。"},
        {"id": "own-contract-insurance", "after": "contract-price", "title": "保险",
         "text": "乙方应投保职业责任险。"},
    ]}  # fmt: skip
    profile = tmp_path / "own.json"
    profile.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    original = cli.out
    cli.out = Console(highlight=False, soft_wrap=True, width=80, color_system=None)
    try:
        result = CliRunner().invoke(cli.app, ["clauses", str(profile)], env={"COLUMNS": "80"})
    finally:
        cli.out = original
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    (rule,) = [line for line in lines if line.startswith("own-rule ")]
    assert "第二条" in rule and "（本机构新增）" in rule
    (insurance,) = [line for line in lines if line.startswith("own-contract-insurance ")]
    assert "保险（本机构新增）" in insurance
    for entry in catalogue(load_profile(profile)):
        assert any(line.startswith(entry.id + " ") for line in lines), entry.id
    assert {"regulation", "contract-HY-BPO-2026-01", "sla-HY-BPO-2026-01"} <= set(lines)


def test_cli_warns_about_uncatalogued_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (TEMPLATES / CATALOGUE).read_text(encoding="utf-8")
    (tmp_path / CATALOGUE).write_text(
        text.replace("\ncomplaints:\n", "\nold-complaints:\n"), "utf-8"
    )
    profile = tmp_path / "minimal.json"  # the smallest set: the warning is the catalogue's
    profile.write_text(json.dumps(MINIMAL, default=str, ensure_ascii=False), "utf-8")
    assert main(["clauses", "--templates", str(tmp_path), str(profile)]) == 0
    assert "complaints" in capsys.readouterr().err
