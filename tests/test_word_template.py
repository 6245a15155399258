"""``policygen render --template mine.docx``: a user's docxtpl template rendered with the same
context and filters as the Markdown templates, XML-escaped, sandboxed, and under the user
template limits; every failure exits 1 with a located message and writes nothing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pytest
from ruamel.yaml import YAML

from policygen.cli import main
from policygen.profile.load import load_profile
from policygen.templating import limits
from policygen.templating.filters import rmb_upper

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-001"


def word_template(path: Path, *paragraphs: str, metrics_table: bool = False) -> Path:
    """Write a Word template holding `paragraphs` (and a {%tr for %} table of SLA metrics)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if metrics_table:
        table = document.add_table(rows=4, cols=2)
        cells = [
            ("指标", "目标"),
            ("{%tr for m in sla.metrics %}", ""),
            ("{{ m.name }}", "{{ m.target }}"),
            ("{%tr endfor %}", ""),
        ]
        for row, texts in zip(table.rows, cells, strict=True):
            for cell, text in zip(row.cells, texts, strict=True):
                cell.paragraphs[0].text = text
    document.save(path)
    return path


def texts(data: bytes) -> tuple[str, list[list[str]]]:
    """Return the body text and the table rows of DOCX `data`."""
    document = docx.Document(BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    return body, rows


def render(tmp_path: Path, template: Path, *extra: str, profile: Path = BANK) -> int:
    return main(["render", str(profile), "--template", str(template), "-o", str(tmp_path / "out"),
                 *extra])  # fmt: skip


def test_renders_names_money_and_a_table_row_per_metric(tmp_path: Path) -> None:
    template = word_template(
        tmp_path / "my_contract.docx",
        "甲方：{{ organisation.name }}",
        "合同金额：{{ engagement.fee.amount | rmb_upper }}（{{ engagement.fee.amount | money }}）",
        "乙方：{{ vendor.name }}",
        metrics_table=True,
    )
    assert render(tmp_path, template, "-d", "contract") == 0
    profile = load_profile(BANK)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"my_contract-{e.contract_no}.docx" for e in profile.engagements]
    body, rows = texts((tmp_path / "out" / written[0]).read_bytes())
    engagement = profile.engagements[0]
    assert f"甲方：{profile.organisation.name}" in body
    assert f"合同金额：{rmb_upper(engagement.fee.amount)}" in body
    assert f"乙方：{engagement.vendor.name}" in body
    assert rows[0] == ["指标", "目标"]
    assert [row[0] for row in rows[1:]] == [
        m.name for m in profile.section("sla", engagement).metrics
    ]


def test_output_is_reproducible(tmp_path: Path) -> None:
    template = word_template(tmp_path / "t.docx", "{{ organisation.name }}")
    assert render(tmp_path, template, "-d", "regulation") == 0
    first = (tmp_path / "out" / "t.docx").read_bytes()
    assert render(tmp_path, template, "-d", "regulation") == 0
    assert (tmp_path / "out" / "t.docx").read_bytes() == first


def test_hostile_values_arrive_escaped(tmp_path: Path) -> None:
    yaml = YAML()
    data = yaml.load(BANK.read_text(encoding="utf-8"))
    data["engagements"][0]["title"] = '运维合同 <w:p><w:r><w:t>注入</w:t></w:r></w:p> & "B"'
    hostile = tmp_path / "hostile.yaml"
    with hostile.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    template = word_template(tmp_path / "t.docx", "标题：{{ engagement.title }}")
    assert render(tmp_path, template, "-d", "contract", profile=hostile) == 0
    body, _ = texts((tmp_path / "out" / f"t-{CONTRACT_NO}.docx").read_bytes())
    assert '标题：运维合同 <w:p><w:r><w:t>注入</w:t></w:r></w:p> & "B"' in body
    assert len(docx.Document(tmp_path / "out" / f"t-{CONTRACT_NO}.docx").paragraphs) == 1


def failure(tmp_path: Path, capsys: pytest.CaptureFixture[str], template: Path, *extra: str) -> str:
    """Render `template`, expect exit 1 and nothing written; return standard error."""
    assert render(tmp_path, template, *extra) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    error = capsys.readouterr().err
    assert "Traceback" not in error
    return error


def test_sandbox_violation_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = word_template(tmp_path / "t.docx", "{{ ''.__class__.__mro__ }}")
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "sandbox" in error and "已阻止" in error


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ organisation.__class__ }}",
        "{{ organisation|attr('__class__') }}",
        "{{ '{0.__class__}'.format(organisation) }}",
        "{{ ({}).update(a=1) }}",
        "{% include '/etc/passwd' %}",
        "{% import '../../etc/passwd' as x %}",
    ],
    ids=["subclasses", "dunder", "attr", "format", "mutation", "include", "import"],
)
def test_template_cannot_reach_python_internals_or_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expression: str
) -> None:
    """Each is stopped with a message, never rendered as empty text (StrictUndefined)."""
    template = word_template(tmp_path / "t.docx", "甲方", expression)
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "root:" not in error
    assert error.strip()


def test_undefined_name_fails_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = word_template(tmp_path / "t.docx", "甲方", "乙方：{{ no_such_field }}")
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "no_such_field" in error and "未定义" in error
    assert "第 2 段" in error


def test_misspelt_field_names_the_path_and_the_field_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = word_template(tmp_path / "t.docx", "甲方", "甲方：{{ organisation.nmae }}")
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "Word 模板 t.docx（第 2 段「{{ organisation.nmae }}」）" in error
    assert "未定义的字段 organisation.nmae，是否想写「organisation.name」？" in error
    assert "object" not in error and "policygen." not in error


def test_syntax_error_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = word_template(tmp_path / "t.docx", "{% if organisation %}没有结束")
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "语法错误" in error and "syntax" in error


def test_not_a_docx_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.docx"
    template.write_text("not a zip", encoding="utf-8")
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "t.docx 不是有效的 DOCX 文件" in error and "not a valid DOCX" in error


def test_an_endless_loop_is_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.TIMEOUT_VARIABLE, "2")
    loop = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    template = word_template(tmp_path / "t.docx", loop)
    error = failure(tmp_path, capsys, template, "-d", "regulation")
    assert "超时" in error and "timed out" in error


def test_python_api(tmp_path: Path) -> None:
    import policygen.api

    template = word_template(tmp_path / "t.docx", "{{ organisation.name }}")
    files = policygen.api.render_word_template(BANK, template, kinds=["contract", "sla"])
    assert f"t-contract-{CONTRACT_NO}.docx" in files and f"t-sla-{CONTRACT_NO}.docx" in files
    assert len(files) == 2 * len(load_profile(BANK).engagements)
    # Each contract is dated by its signing date, else its term's start: not the regulation's.
    created = {
        name: docx.Document(BytesIO(data)).core_properties.created.date().isoformat()
        for name, data in files.items()
    }
    assert created["t-contract-MY-ITO-2026-001.docx"] == "2027-01-15"
    assert created["t-sla-MY-ITO-2026-002.docx"] == "2027-03-01"
