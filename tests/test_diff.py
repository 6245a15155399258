"""policygen diff: clause summary, tracked-changes redline, 修订对照表, git revisions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import docx
import pytest
from lxml import etree
from ruamel.yaml import YAML

from conftest import EXAMPLES
from libreoffice import convert_one, needs_libreoffice
from policygen.alignment import line_changes, match_sequences, outline, text_changes
from policygen.api import as_profile
from policygen.cli import main
from policygen.diff import (
    Comparison,
    compare,
    compare_documents,
    describe,
    read_profile,
    render_comparison,
    report,
    revision_table,
    summary,
)
from policygen.errors import InvalidInputError, UsageError
from policygen.pipeline import writer_options
from policygen.tree import nodes as n
from policygen.writers import WRITERS, WriterOptions
from policygen.writers.docx.redline import Segment
from textutil import docx_lines, pdf_text, squeeze, visible

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NEW_DATE = date(2027, 7, 1)
CONTRACT = "MY-ITO-2026-001"

# --------------------------------------------------------------------------- the two versions


def revise(text: str) -> str:
    """Return examples/bank.yaml revised: the changes a bank's V2.1 might make."""
    yaml = YAML()
    data = yaml.load(text)
    meta = data["meta"]
    meta["version"] = "V2.1"
    meta["effective_date"] = NEW_DATE
    meta["revision_history"].append(
        {"version": "V2.1", "date": date(2027, 6, 15), "summary": "缩短个人信息安全事件通知时限"}
    )
    own = [e["sla"]["metrics"] for e in data["engagements"] if e.get("sla", {}).get("metrics")]
    for metrics in [data["sla"]["metrics"], *own]:  # the contracts follow the regulation's rule
        for metric in metrics:
            if metric["name"] == "事件响应及时率" and metric["target"] < 99.5:
                metric["target"] = 99.5
    data["data_protection"]["breach_notification"] = "1小时"
    data["policy"]["prohibited_functions"].insert(3, "客户身份识别和反洗钱核心决策")
    data["vendor_selection"]["due_diligence"] = [
        "主体资格、经营范围及相关业务资质",
        "财务状况、经营稳定性及重大诉讼、行政处罚情况",
        "技术能力、服务能力及同类项目经验",
        "信息安全管理体系、保密措施及数据保护能力",
        "业务连续性管理能力及应急处置能力",
    ]  # the default list without 关联关系及利益冲突情况
    data["clauses"] = {
        "exclude": ["triple-supervision"],
        "add": [
            {
                "id": "ai-services",
                "after": "prohibited-functions",
                "document": "regulation",
                "text": "本行使用外部人工智能模型服务的，应当评估模型的数据来源和可解释性。",
            }
        ],
    }
    out = BytesIO()
    yaml.dump(data, out)
    return out.getvalue().decode("utf-8")


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("versions")
    old = EXAMPLES / "bank.yaml"
    new = folder / "bank-v2.1.yaml"
    new.write_text(revise(old.read_text(encoding="utf-8")), encoding="utf-8")
    return old, new


@pytest.fixture(scope="module")
def regulation(versions: tuple[Path, Path]) -> Comparison:
    old, new = versions
    return compare(as_profile(old), as_profile(new), "regulation")


@pytest.fixture(scope="module")
def files(regulation: Comparison) -> dict[str, bytes]:
    return render_comparison(regulation)


def rows(comparison: Comparison) -> list[tuple[str, str, str]]:
    return [(c.status, c.old_number, c.new_number) for c in comparison.clauses]


# --------------------------------------------------------------------------- summary


def test_regulation_summary_lists_exactly_the_changed_clauses(regulation: Comparison) -> None:
    assert rows(regulation) == [
        ("changed", "第七条", "第七条"),  # a prohibited function added as item （四）
        ("added", "", "第八条"),  # clauses.add
        ("renumbered", "第八条", "第九条"),
        ("renumbered", "第九条", "第十条"),
        ("renumbered", "第十条", "第十一条"),
        ("renumbered", "第十一条", "第十二条"),
        ("renumbered", "第十二条", "第十三条"),
        ("renumbered", "第十三条", "第十四条"),
        ("removed", "第十四条", ""),  # clauses.exclude
        ("changed", "第二十二条", "第二十二条"),  # a due-diligence item removed
        ("changed", "第三十二条", "第三十二条"),  # an SLA metric target
        ("changed", "第五十条", "第五十条"),  # breach notification 2小时 → 1小时
        ("changed", "第七十二条", "第七十二条"),  # the effective date
        ("changed", "修订记录", "修订记录"),  # a revision-history line
    ]
    by_id = {c.id: c for c in regulation.clauses}
    assert by_id["ai-services"].kind == "article"
    assert by_id["triple-supervision"].status == "removed"
    assert "不超过两小时" in by_id["pi-processor-duties"].old_text
    assert "不超过一小时" in by_id["pi-processor-duties"].new_text
    assert "（四）客户身份识别和反洗钱核心决策；" in by_id["prohibited-functions"].new_text
    assert "（六）关联关系及利益冲突情况。" in by_id["due-diligence"].old_text
    assert "关联关系" not in by_id["due-diligence"].new_text


def test_describe_quotes_the_words_around_a_small_change(regulation: Comparison) -> None:
    by_id = {c.id: c for c in regulation.clauses}
    assert describe(by_id["pi-processor-duties"]) == "「不超过两小时」改为「不超过一小时」"
    # a date is one word
    assert describe(by_id["effective-date"]) == "「2027年1月1日」改为「2027年7月1日」"
    assert describe(by_id["prohibited-functions"]).startswith("增加「（四）客户身份识别")
    assert describe(by_id["ai-services"]) == ""


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("contract", [("changed", "第7.2条", "第7.2条"), ("changed", "第10.7条", "第10.7条")]),
        ("sla", [("changed", "第4.1条", "第4.1条")]),
        ("dpa", [("changed", "第7.2条", "第7.2条")]),
        ("nda", []),
    ],
)
def test_per_engagement_summaries(
    versions: tuple[Path, Path], kind: str, expected: list[tuple[str, str, str]]
) -> None:
    old, new = versions
    comparison = compare(as_profile(old), as_profile(new), kind, contract_no=CONTRACT)
    assert rows(comparison) == expected


def test_per_engagement_kind_needs_a_contract_number(versions: tuple[Path, Path]) -> None:
    old, new = versions
    with pytest.raises(UsageError, match="contract-no"):
        compare(as_profile(old), as_profile(new), "contract")


def test_summary_json(regulation: Comparison) -> None:
    data = json.loads(json.dumps(summary(regulation), ensure_ascii=False))
    # Dated by the revision history, not the effective dates (2027-01-01, 2027-07-01); signed
    # by the lead department, for the history names no author.
    assert data["old"] == {"version": "V2.0", "date": "2026-12-18", "author": "信息科技部"}
    assert data["new"] == {"version": "V2.1", "date": "2027-06-15", "author": "信息科技部"}
    assert data["counts"] == {
        "added": 1, "removed": 1, "changed": 6, "renumbered": 6, "references": 0
    }  # fmt: skip
    added = next(c for c in data["clauses"] if c["status"] == "added")
    assert added["old_number"] is None and added["old_text"] is None
    assert added["new_text"].startswith("第八条　本行使用外部人工智能模型服务的")


def test_identical_versions_have_no_changes(versions: tuple[Path, Path]) -> None:
    old, _ = versions
    comparison = compare(as_profile(old), as_profile(old), "regulation")
    assert comparison.clauses == ()
    assert comparison.new.blocks == comparison.old.blocks


# --------------------------------------------------------------------------- alignment


def doc(*blocks: n.Block) -> n.Document:
    meta = n.DocumentMeta("甲公司", "V1", date(2026, 1, 1))
    return n.Document("regulation", "办法", blocks, meta)


def para(text: str, node_id: str | None = None) -> n.Paragraph:
    return n.Paragraph((n.Text(text),), node_id)


def test_unlabelled_paragraphs_match_by_similarity() -> None:
    old = doc(
        para("甲方应当按月支付服务费。"),
        para("乙方应当保守秘密。"),
        para("本办法自印发之日起施行。"),
    )
    new = doc(
        para("甲方应当按季度支付服务费。"),
        para("乙方应当遵守甲方的安全管理制度。"),
        para("乙方应当保守秘密。"),
        para("本办法自印发之日起施行。"),
    )
    pairs = compare_documents(old, new).pairs
    texts = [(p.old.text if p.old else None, p.new.text if p.new else None) for p in pairs[1:]]
    assert texts == [
        ("甲方应当按月支付服务费。", "甲方应当按季度支付服务费。"),
        (None, "乙方应当遵守甲方的安全管理制度。"),
        ("乙方应当保守秘密。", "乙方应当保守秘密。"),
        ("本办法自印发之日起施行。", "本办法自印发之日起施行。"),
    ]


def test_parts_with_different_ids_never_match() -> None:
    old = doc(para("乙方应当保守秘密。", "a"))
    new = doc(para("乙方应当保守秘密。", "b"))
    pairs = compare_documents(old, new).pairs[1:]
    assert [(p.old is None, p.new is None) for p in pairs] == [(False, True), (True, False)]


def test_an_id_out_of_order_is_removed_and_added() -> None:
    old = doc(para("一", "a"), para("二", "b"), para("三", "c"))
    new = doc(para("三", "c"), para("一", "a"), para("二", "b"))
    pairs = compare_documents(old, new).pairs[1:]
    ids = [(p.old.id if p.old else None, p.new.id if p.new else None) for p in pairs]
    assert ids == [(None, "c"), ("a", "a"), ("b", "b"), ("c", None)]


def test_outline_runs_an_article_in_and_groups_contract_clauses(
    regulation: Comparison, versions: tuple[Path, Path]
) -> None:
    parts = outline(regulation.new)
    assert [p.kind for p in parts[:3]] == ["title", "subtitle", "chapter"]
    article = parts[2].children[0]
    assert article.kind == "article" and article.text.startswith("第一条　为了规范")
    old, new = versions
    contract = compare(as_profile(old), as_profile(new), "contract", contract_no=CONTRACT)
    services = next(p for p in outline(contract.new) if p.id == "contract-services")
    clause = services.children[0]
    assert clause.kind == "clause" and clause.label == "2.1"
    assert [item.label for item in clause.children] == ["2.1.1", "2.1.2", "2.1.3", "2.1.4"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("并在2小时内通知", "并在1小时内通知", "并在[-2-]{+1+}小时内通知"),
        ("不低于99%", "不低于99.5%", "不低于[-99%-]{+99.5%+}"),  # a number is one word
        ("第八条　董事会", "第九条　董事会", "[-第八条-]{+第九条+}　董事会"),  # so is a clause
        ("依照第六十条的规定", "依照第五十九条的规定", "依照[-第六十条-]{+第五十九条+}的规定"),
        (
            "自2026年1月1日起施行",
            "自2026年7月1日起施行",
            "自[-2026年1月1日-]{+2026年7月1日+}起施行",
        ),
        ("服务可用率", "服务完好率", "服务[-可用率-]{+完好率+}"),  # 可用率: 可用 率, folded
        # one unchanged character between two changes is folded into them
        ("按月支付服务费", "按季度结算服务费", "按[-月支付-]{+季度结算+}服务费"),
        ("同一文本", "同一文本", "同一文本"),
    ],
)
def test_line_changes(old: str, new: str, expected: str) -> None:
    merged = line_changes((Segment(old),), (Segment(new),))
    marks = {None: "{}", "del": "[-{}-]", "ins": "{{+{}+}}"}
    assert "".join(marks[s.change].format(s.text) for s in merged) == expected


def test_line_changes_keep_character_styles() -> None:
    old = (Segment("第八条　", style="label"), Segment("董事会"))
    new = (Segment("第九条　", style="label"), Segment("董事会"))
    merged = line_changes(old, new)
    assert [(s.text, s.change, s.style) for s in merged] == [
        ("第八条", "del", "label"),
        ("第九条", "ins", "label"),
        ("　", None, "label"),
        ("董事会", None, None),
    ]


def test_match_sequences_keeps_order_and_puts_removals_first() -> None:
    pairs = match_sequences(["甲乙丙丁", "戊己庚辛"], ["子丑寅卯", "甲乙丙戊"], lambda a, b: True)
    assert pairs == [(None, 0), (0, 1), (1, None)]
    assert text_changes("", "新") == [("insert", 0, 0, 0, 1)]


# --------------------------------------------------------------------------- redline


def body(data: bytes) -> etree._Element:
    with ZipFile(BytesIO(data)) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return root.find(f"{W}body")


def resolved(data: bytes, *, accept: bool) -> str:
    """Return the redline's body text with every change accepted (or rejected), squeezed."""
    gone = f"{W}{'del' if accept else 'ins'}"
    root = body(data)
    for row in list(root.iter(f"{W}tr")):
        properties = row.find(f"{W}trPr")
        if properties is not None and properties.find(gone) is not None:
            row.getparent().remove(row)
    pieces = [
        element.text or ""
        for run in root.iter(f"{W}r")
        if run.getparent().tag != gone
        for element in run
        if element.tag in (f"{W}t", f"{W}delText")
    ]
    return squeeze("".join(pieces))


def plain_text(comparison: Comparison, *, new: bool) -> str:
    document = comparison.new if new else comparison.old
    text = WRITERS["txt"](document, WriterOptions()).decode("utf-8")
    return squeeze(text.replace(" | ", ""))


def test_redline_accepted_is_the_new_text_and_rejected_the_old(
    regulation: Comparison, files: dict[str, bytes]
) -> None:
    data = files["regulation-redline.docx"]
    assert resolved(data, accept=True) == plain_text(regulation, new=True)
    assert resolved(data, accept=False) == plain_text(regulation, new=False)


@pytest.mark.parametrize("kind", ["contract", "sla"])
def test_contract_redlines_accept_and_reject(versions: tuple[Path, Path], kind: str) -> None:
    old, new = versions
    comparison = compare(as_profile(old), as_profile(new), kind, contract_no=CONTRACT)
    data = render_comparison(comparison)[f"{kind}-{CONTRACT}-redline.docx"]
    assert resolved(data, accept=True) == plain_text(comparison, new=True)
    assert resolved(data, accept=False) == plain_text(comparison, new=False)


def test_redline_tracks_the_changed_words(files: dict[str, bytes]) -> None:
    root = body(files["regulation-redline.docx"])
    found = False
    for paragraph in root.iter(f"{W}p"):
        deleted = ["".join(d.itertext()) for d in paragraph.iter(f"{W}del")]
        inserted = ["".join(i.itertext()) for i in paragraph.iter(f"{W}ins")]
        if "两" in deleted and "一" in inserted and "小时）" in "".join(paragraph.itertext()):
            found = True
    assert found
    texts = [t.text for t in root.iter(f"{W}delText")]
    assert "（六）关联关系及利益冲突情况。" in "".join(texts)
    inserted = "".join(t.text or "" for i in root.iter(f"{W}ins") for t in i.iter(f"{W}t"))
    assert "客户身份识别和反洗钱核心决策" in inserted
    assert "本行使用外部人工智能模型服务的" in inserted


def test_redline_marks_carry_author_date_and_sequential_ids(files: dict[str, bytes]) -> None:
    root = body(files["regulation-redline.docx"])
    marks = [*root.iter(f"{W}ins"), *root.iter(f"{W}del")]
    assert marks
    assert {m.get(f"{W}author") for m in marks} == {"信息科技部"}  # the lead department
    assert {m.get(f"{W}date") for m in marks} == {"2027-06-15T00:00:00Z"}  # V2.1's revision
    ids = sorted(int(m.get(f"{W}id")) for m in marks)
    assert ids == list(range(1, len(ids) + 1))


def test_redline_marks_whole_paragraphs_and_table_rows(files: dict[str, bytes]) -> None:
    root = body(files["regulation-redline.docx"])
    paragraph_marks = {
        mark.tag
        for mark in root.iterfind(f".//{W}pPr/{W}rPr/*")
        if mark.tag in (f"{W}ins", f"{W}del")
    }
    assert paragraph_marks == {f"{W}ins", f"{W}del"}
    row_marks = {mark.tag for mark in root.iterfind(f".//{W}trPr/*")}
    assert f"{W}ins" in row_marks  # the new revision-history row


def test_redline_reopens_in_python_docx(files: dict[str, bytes]) -> None:
    document = docx.Document(BytesIO(files["regulation-redline.docx"]))
    assert document.paragraphs[0].style.name == "Title"
    assert document.core_properties.title == "明远商业银行信息科技外包管理办法"
    assert document.sections[-1].header.paragraphs[0].text.endswith("V2.1")


# --------------------------------------------------------------------------- 修订对照表


def test_revision_table_docx_holds_old_and_new_text(files: dict[str, bytes]) -> None:
    lines = docx_lines(files["regulation-修订对照表.docx"])
    assert "《明远商业银行信息科技外包管理办法》修订对照表" in lines
    assert "条款 | 修订前 | 修订后" in lines
    row = next(line for line in lines if line.startswith("第五十条 | "))
    _, before, after = row.split(" | ")
    assert "（不超过两小时）通知本行" in before and "（不超过一小时）通知本行" in after
    added = next(line for line in lines if line.startswith("第八条 | "))
    assert added.split(" | ")[1] == "（新增）"
    removed = next(line for line in lines if line.startswith("第十四条 | "))
    assert removed.split(" | ")[2] == "（删除）"
    numbers = [line.split(" | ")[0] for line in lines if " | " in line][1:]
    assert numbers == [
        "第七条", "第八条", "第十四条", "第二十二条", "第三十二条", "第五十条", "第七十二条",
        "修订记录",
    ]  # fmt: skip


def test_revision_table_bolds_the_changes(files: dict[str, bytes]) -> None:
    document = docx.Document(BytesIO(files["regulation-修订对照表.docx"]))
    table = document.tables[0]
    row = next(r for r in table.rows if visible(r.cells[0].text) == "第五十条")
    bold_before = [run.text for p in row.cells[1].paragraphs for run in p.runs if _bold(run)]
    bold_after = [run.text for p in row.cells[2].paragraphs for run in p.runs if _bold(run)]
    assert bold_before == ["两"] and bold_after == ["一"]


def test_revision_table_keeps_a_clause_table_as_a_table(files: dict[str, bytes]) -> None:
    document = docx.Document(BytesIO(files["regulation-修订对照表.docx"]))
    row = next(r for r in document.tables[0].rows if visible(r.cells[0].text) == "第三十二条")
    before, after = (cell.tables for cell in row.cells[1:])
    assert len(before) == len(after) == 1  # 表5 in each version, nested in its cell
    assert [c.text for c in after[0].rows[0].cells] == ["指标", "目标值", "统计周期", "计算方法"]
    old_row = next(r for r in before[0].rows if r.cells[0].text == "事件响应及时率")
    new_row = next(r for r in after[0].rows if r.cells[0].text == "事件响应及时率")
    assert [run.text for run in old_row.cells[1].paragraphs[0].runs if _bold(run)] == ["99%"]
    assert [run.text for run in new_row.cells[1].paragraphs[0].runs if _bold(run)] == ["99.5%"]
    assert "｜" not in "".join(cell.text for cell in row.cells)  # not flattened
    # The clause's text before the table and after it are paragraphs of the same cell.
    assert row.cells[2].paragraphs[0].text.startswith("第三十二条")


def test_revision_table_rows_may_split_and_numbers_do_not_break(tmp_path: Path) -> None:
    long = "乙方应当按照本办法和合同的约定，向甲方报告服务水平、服务事件和整改情况。" * 40
    old = doc(n.Article((para(long),), label="第一百二十三条", id="a"))
    new = doc(n.Article((para(long + "新增一句。"),), label="第一百二十三条", id="a"))
    table = revision_table(compare_documents(old, new))
    pdf = WRITERS["pdf"](table, writer_options())
    pages = pdf_text(pdf, tmp_path).split("\f")
    # The 条款 column holds the number on one line (the clause's text follows on that line).
    assert re.search(r"^第一百二十三条 第一百二十三条 乙方", pages[1], re.MULTILINE)
    # The one row fills the page it starts on and goes on over the next, under the header.
    assert len(pages[1].splitlines()) > 30
    assert pages[2].startswith(f"{table.title} V1\n条款 修订前 修订后\n")
    assert "新增一句" in pages[-2]
    data = WRITERS["docx"](table, writer_options())
    rows = body(data).find(f"{W}tbl").findall(f"{W}tr")
    assert [row.find(f"{W}trPr/{W}tblHeader") is not None for row in rows] == [True, False]
    assert all(row.find(f"{W}trPr/{W}cantSplit") is None for row in rows)  # rows may split


def _bold(run: object) -> bool:
    style = getattr(run, "style", None)
    return bool(getattr(run, "bold", False)) or (style is not None and style.name == "Strong")


@pytest.mark.slow
def test_revision_table_pdf_holds_old_and_new_text(files: dict[str, bytes], tmp_path: Path) -> None:
    text = squeeze(pdf_text(files["regulation-修订对照表.pdf"], tmp_path))
    assert "修订对照表" in text
    assert "（不超过两小时）通知本行" in text and "（不超过一小时）通知本行" in text
    assert "（新增）" in text and "（删除）" in text


def test_output_is_deterministic(regulation: Comparison) -> None:
    first, again = render_comparison(regulation), render_comparison(regulation)
    assert first.keys() == again.keys()
    for name, data in first.items():
        assert again[name] == data, name


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_reads_the_tracked_changes(files: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "regulation-redline.docx"
    source.write_bytes(files["regulation-redline.docx"])
    with ZipFile(convert_one(source, "odt")) as package:
        content = package.read("content.xml").decode("utf-8")
    assert "<text:tracked-changes" in content
    assert content.count("<text:changed-region") >= 10
    assert "<text:insertion>" in content and "<text:deletion>" in content
    assert "信息科技部" in content  # the author of the changes


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_converts_the_redline_to_pdf(files: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "regulation-redline.docx"
    source.write_bytes(files["regulation-redline.docx"])
    pdf = convert_one(source, "pdf")
    text = squeeze(pdf_text(pdf.read_bytes(), tmp_path))
    # With changes shown, both the deleted and the inserted words are on the page.
    assert "客户身份识别和反洗钱核心决策" in text
    assert "关联关系及利益冲突情况" in text


# --------------------------------------------------------------------------- git revisions


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is missing")


@pytest.fixture
def repo(tmp_path: Path, versions: tuple[Path, Path]) -> Path:
    old, new = versions
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    profile = repo / "policygen.yaml"
    profile.write_bytes(old.read_bytes())
    git(repo, "add", "policygen.yaml")
    git(repo, "commit", "-q", "-m", "V2.0")
    profile.write_bytes(new.read_bytes())
    git(repo, "commit", "-q", "-am", "V2.1")
    return repo


@needs_git
def test_git_revisions_read_like_files(
    repo: Path, versions: tuple[Path, Path], regulation: Comparison
) -> None:
    old = read_profile("HEAD~1:policygen.yaml", cwd=repo)
    new = read_profile("HEAD:policygen.yaml", cwd=repo)
    assert old == as_profile(versions[0])
    assert new == as_profile(versions[1])
    assert rows(compare(old, new, "regulation")) == rows(regulation)


@needs_git
def test_cli_diff_against_git_revision(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
) -> None:
    monkeypatch.chdir(repo)
    code = main(["diff", "HEAD~1:policygen.yaml", "policygen.yaml", "-o", "out", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"][0]["counts"]["changed"] == 6
    written = {path.name: path.read_bytes() for path in (repo / "out").iterdir()}
    assert written.keys() == files.keys()
    redline = written["regulation-redline.docx"]
    expected = files["regulation-redline.docx"]
    for accept in (True, False):
        assert resolved(redline, accept=accept) == resolved(expected, accept=accept)


@needs_git
@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("HEAD~5:policygen.yaml", "HEAD~5"),
        ("HEAD:missing.yaml", "missing.yaml"),
    ],
)
def test_missing_revision_is_a_clear_error(
    repo: Path, source: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidInputError, match="无法从 git 读取") as error:
        read_profile(source, cwd=repo)
    assert message in str(error.value)


def test_a_revision_that_looks_like_an_option_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="无效的 git 版本"):
        read_profile(f"--output={tmp_path / 'x'}:policygen.yaml", cwd=tmp_path)
    assert not (tmp_path / "x").exists()


def test_missing_git_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "HEAD~1:policygen.yaml", "HEAD:policygen.yaml", "-o", "out"]) == 1
    assert "找不到 git" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_prints_the_summary_table(
    versions: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new = versions
    code = main(
        ["diff", str(old), str(new), "-o", str(tmp_path), "-d", "sla", "--contract-no", CONTRACT]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "第4.1条" in printed and "修改" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"sla-{CONTRACT}-redline.docx",
        f"sla-{CONTRACT}-修订对照表.docx",
        f"sla-{CONTRACT}-修订对照表.pdf",
    ]


def test_every_status_has_words_in_terms() -> None:
    from typing import get_args

    from policygen.diff import STATUS_WORDS, Status

    assert set(STATUS_WORDS) == set(get_args(Status))


# --------------------------------------------------------------------------- three revisions

AI_ARTICLE = {
    "id": "ai-services",
    "after": "prohibited-functions",
    "document": "regulation",
    "text": "本行使用外部人工智能模型服务的，应当评估模型的数据来源和可解释性。",
}


def three_revisions(text: str) -> list[str]:
    """Return examples/bank.yaml (V2.0) and two revisions of it: V2.1 inserts an article after
    第七条 (every later article, and every reference to one, moves up) and shortens the breach
    notification, its history entry naming an author; V2.2 removes 第十五条 (they move back),
    its entry naming none. Each is effective months after its revision date."""
    yaml = YAML()
    data = yaml.load(text)
    out = [text]
    meta = data["meta"]
    meta["version"], meta["effective_date"] = "V2.1", date(2027, 3, 1)
    meta["revision_history"].append(
        {"version": "V2.1", "date": date(2027, 2, 10), "summary": "增加人工智能模型服务要求",
         "author": "法律合规部 李明"}
    )  # fmt: skip
    data["data_protection"]["breach_notification"] = "1小时"
    data["clauses"] = {"add": [AI_ARTICLE]}
    for version, effective, revised in (("V2.1", None, None), ("V2.2", (2027, 9, 1), (2027, 6, 1))):
        if version == "V2.2":
            meta["version"], meta["effective_date"] = version, date(*effective)
            meta["revision_history"].append(
                {"version": version, "date": date(*revised), "summary": "删除三道防线条款"}
            )
            data["clauses"]["exclude"] = ["triple-supervision"]
        buffer = BytesIO()
        yaml.dump(data, buffer)
        out.append(buffer.getvalue().decode("utf-8"))
    return out


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a git repository whose policygen.yaml has three commits: V2.0, V2.1, V2.2."""
    repo = tmp_path_factory.mktemp("history")
    git(repo, "init", "-q")
    profile = repo / "policygen.yaml"
    for text in three_revisions((EXAMPLES / "bank.yaml").read_text(encoding="utf-8")):
        profile.write_text(text, encoding="utf-8")
        git(repo, "add", "policygen.yaml")
        git(repo, "commit", "-q", "-m", text.split("version: ", 1)[1].split("\n", 1)[0])
    return repo


@pytest.fixture(scope="module")
def v21(history: Path) -> Comparison:
    """V2.0 → V2.1, read from git."""
    old = read_profile("HEAD~2:policygen.yaml", cwd=history)
    new = read_profile("HEAD~1:policygen.yaml", cwd=history)
    return compare(old, new, "regulation")


REFERENCE = re.compile(r"第[〇一二三四五六七八九十百]+条")


@needs_git
def test_three_revisions_are_dated_and_signed_by_their_history(
    history: Path, v21: Comparison
) -> None:
    v22 = read_profile("HEAD:policygen.yaml", cwd=history)
    assert [(r.version, r.date, r.author) for r in v21.revisions] == [
        ("V2.0", date(2026, 12, 18), "信息科技部"),  # no author in the history: lead department
        ("V2.1", date(2027, 2, 10), "法律合规部 李明"),  # not its effective date, 2027-03-01
    ]
    later = compare(read_profile("HEAD~1:policygen.yaml", cwd=history), v22, "regulation")
    assert [(r.version, r.date, r.author) for r in later.revisions] == [
        ("V2.1", date(2027, 2, 10), "法律合规部 李明"),
        ("V2.2", date(2027, 6, 1), "信息科技部"),
    ]
    table = docx_lines(render_comparison(v21)["regulation-修订对照表.docx"])
    assert "修订前：V2.0（2026年12月18日）　修订后：V2.1（2027年2月10日）" in table
    marks = [*body(render_comparison(v21)["regulation-redline.docx"]).iter(f"{W}ins")]
    assert {(m.get(f"{W}author"), m.get(f"{W}date")) for m in marks} == {
        ("法律合规部 李明", "2027-02-10T00:00:00Z")
    }


@needs_git
def test_three_revisions_report_renumbered_references_apart(v21: Comparison) -> None:
    by_id = {c.id: c for c in v21.clauses}
    # Only three clauses changed in words; fifteen only cite articles that moved.
    assert [c.id for c in v21.clauses if c.status == "changed"] == [
        "pi-processor-duties", "effective-date", None,  # None: the 修订记录 section
    ]  # fmt: skip
    assert summary(v21)["counts"] == {
        "added": 1, "removed": 0, "changed": 3, "renumbered": 48, "references": 15
    }  # fmt: skip
    audit = by_id["duty-audit"]
    assert (audit.status, audit.old_number, audit.new_number) == (
        "references",
        "第十三条",
        "第十四条",
    )
    assert describe(audit) == "「第六十五条」改为「第六十六条」"
    # A changed clause lists its renumbered references as whole words too, never its own number.
    assert describe(by_id["pi-processor-duties"]) == (
        "「第五十三条」改为「第五十四条」；「不超过两小时」改为「不超过一小时」；"
        "「第六十二条」改为「第六十三条」"
    )
    # The 修订对照表 lists the three and the added article, and names the fifteen in its note.
    lines = docx_lines(render_comparison(v21)["regulation-修订对照表.docx"])
    numbers = [line.split(" | ")[0] for line in lines if " | " in line][1:]
    assert numbers == [
        "第八条", "第五十一条\n（原第五十条）", "第七十三条\n（原第七十二条）", "修订记录"
    ]  # fmt: skip
    note = next(line for line in lines if line.startswith("注："))
    assert "第十四条、第十八条、第二十条" in note and "条文序号调整" in note
    assert "因条款增删，未列出的条款序号相应调整" in note


@needs_git
def test_three_revisions_change_whole_words(v21: Comparison) -> None:
    root = body(render_comparison(v21)["regulation-redline.docx"])
    deleted = ["".join(mark.itertext()) for mark in root.iter(f"{W}del")]
    inserted = ["".join(mark.itertext()) for mark in root.iter(f"{W}ins")]
    cited = [text.strip() for text in deleted + inserted if "条" in text and len(text) < 8]
    assert len(cited) > 30  # labels and references, each a whole 第…条
    assert all(REFERENCE.fullmatch(text) for text in cited), cited
    assert "两" in deleted and "一" in inserted  # 不超过两小时 → 不超过一小时: a numeral
    history = next(c for c in v21.clauses if c.old_number == "修订记录")
    # A long text is cut after a word (模型), not within one (服务要求).
    assert describe(history) == "增加「V2.1｜2027年2月10日｜增加人工智能模型……」"
    for clause in v21.clauses:
        for fragment in re.findall(r"「([^」]*)」", describe(clause)):
            if "条" in fragment and len(fragment) < 8:
                assert REFERENCE.fullmatch(fragment), fragment


@needs_git
@pytest.mark.parametrize("width", [40, 80])
def test_report_lines_fit_and_break_between_words(v21: Comparison, width: int) -> None:
    lines = report(v21, width)
    assert all(sum(2 if ord(c) > 0x2E7F else 1 for c in line) <= width for line in lines)
    assert not any(line.lstrip()[:1] in "」）。，；、" for line in lines[1:])
    assert not any(line.endswith(("「", "（")) for line in lines)
    text = "".join(lines).replace(" ", "")
    assert text.startswith("明远商业银行信息科技外包管理办法：V2.0（2026年12月18日）→V2.1")
    assert "修改第五十条→第五十一条委托处理个人信息" in text
    assert "「不超过两小时」改为「不超过一小时」" in text  # whatever the width
    assert "另有48条仅序号变化（第八条→第九条等）" in text
    assert "另有15条仅引用的条款序号调整（条文序号调整）：第十四条、第十八条、" in text
    for line in lines:  # a number is never cut
        for piece in re.findall(
            r"第[〇一二三四五六七八九十百]*$|^[〇一二三四五六七八九十百]*条", line
        ):
            assert not piece, line


@needs_git
def test_cli_diff_over_three_revisions_with_author_and_date(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(history)
    args = ["diff", "HEAD~1:policygen.yaml", "HEAD:policygen.yaml", "-o", "out"]
    assert main([*args, "--author", "王芳", "--date", "2027-06-05", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["documents"][0]
    assert data["old"] == {"version": "V2.1", "date": "2027-02-10", "author": "法律合规部 李明"}
    assert data["new"] == {"version": "V2.2", "date": "2027-06-05", "author": "王芳"}
    statuses = {c["id"]: (c["status"], c["changes"]) for c in data["clauses"]}
    assert statuses["duty-audit"] == ("references", "「第六十六条」改为「第六十五条」")
    assert statuses["triple-supervision"] == ("removed", None)
    redline = body((history / "out" / "regulation-redline.docx").read_bytes())
    marks = [*redline.iter(f"{W}ins"), *redline.iter(f"{W}del")]
    assert {(m.get(f"{W}author"), m.get(f"{W}date")) for m in marks} == {
        ("王芳", "2027-06-05T00:00:00Z")
    }
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "第六十六条" not in printed  # no row for a clause whose references alone moved
    assert "条文序号调整）：第十四条、第十七条" in printed
    assert main([*args, "--date", "6月5日"]) == 2
    assert "--date" in capsys.readouterr().err
