"""The whole pipeline on the examples: every document in every format, the same text in each."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

import policygen
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile, parse
from policygen.writers.text import document_text
from textutil import docx_lines, in_order, pdf_text, squeeze, without_running_header

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "A&B <公司> \"引号\" '单引' 𠮷野家"
FORMATS = ("docx", "pdf", "html", "md", "txt")


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, bytes]]:
    """Every example rendered in every format, once for the module."""
    return {
        name: policygen.render_set(ROOT / "examples" / f"{name}.yaml", formats=FORMATS)
        for name in ("bank", "manufacturer")
    }


def test_every_document_in_every_format(rendered: dict[str, dict[str, bytes]]) -> None:
    bank = set(rendered["bank"])
    for stem in (
        "regulation",
        "contract-MY-ITO-2026-001",
        "contract-MY-ITO-2026-002",
        "sla-MY-ITO-2026-001",
        "sla-MY-ITO-2026-002",
    ):
        assert {f"{stem}.{fmt}" for fmt in FORMATS} <= bank
    maker = set(rendered["manufacturer"])
    for stem in ("regulation", "contract-HY-BPO-2026-01", "sla-HY-BPO-2026-01"):
        assert {f"{stem}.{fmt}" for fmt in FORMATS} <= maker
    for files in rendered.values():
        for name, data in files.items():
            assert data, name


def _stems(files: dict[str, bytes]) -> Iterator[str]:
    yield from sorted({name.rsplit(".", 1)[0] for name in files})


def test_docx_pdf_and_text_carry_the_same_clauses_in_order(
    rendered: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    for files in rendered.values():
        for stem in _stems(files):
            text_lines = [line for line in files[f"{stem}.txt"].decode().splitlines() if line]
            assert docx_lines(files[f"{stem}.docx"]) == text_lines, stem
            pdf = squeeze(
                without_running_header(pdf_text(files[f"{stem}.pdf"], tmp_path), text_lines[0])
            )
            missing = in_order(text_lines, pdf)
            assert not missing, f"{stem}: not in the PDF in order: {missing[:5]}"


def test_regulation_numbering(rendered: dict[str, dict[str, bytes]]) -> None:
    from policygen.templating.filters import cn_number

    for files in rendered.values():
        text = files["regulation.txt"].decode()
        articles = re.findall(r"^第([一二三四五六七八九十百零]+)条\u3000", text, flags=re.M)
        assert articles == [cn_number(i) for i in range(1, len(articles) + 1)]
        assert len(articles) >= 30
        chapters = re.findall(r"^第([一二三四五六七八九十]+)章\u3000", text, flags=re.M)
        assert chapters == [cn_number(i) for i in range(1, len(chapters) + 1)]
        assert re.search(r"^（一）", text, flags=re.M)


def test_contract_numbering(rendered: dict[str, dict[str, bytes]]) -> None:
    text = rendered["bank"]["contract-MY-ITO-2026-001.txt"].decode()
    articles = re.findall(r"^第([一二三四五六七八九十]+)条\u3000", text, flags=re.M)
    assert len(articles) >= 15
    clauses = re.findall(r"^(\d+)\.(\d+)\u3000", text, flags=re.M)
    assert clauses, "contracts number their clauses 1.1, 1.2 …"
    assert re.search(r"^\d+\.\d+\.\d+\u3000", text, flags=re.M)


def test_amounts_in_figures_and_words(
    rendered: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    files = rendered["bank"]
    for stem in ("contract-MY-ITO-2026-002",):
        for text in (
            files[f"{stem}.txt"].decode(),
            "\n".join(docx_lines(files[f"{stem}.docx"])),
            pdf_text(files[f"{stem}.pdf"], tmp_path),
        ):
            flat = squeeze(text)
            assert "1,234,567.89" in flat
            assert "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in flat
    assert "人民币壹仟贰佰陆拾捌万元整" in squeeze(files["contract-MY-ITO-2026-001.txt"].decode())


def _hostile_profile() -> policygen.Profile:
    text = (ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8")
    data = copy.deepcopy(parse(text, fmt="yaml", name="bank").data)
    data["engagements"][1]["vendor"]["name"] = HOSTILE
    return load_profile(data)


def test_markup_and_astral_vendor_name_survive(tmp_path: Path) -> None:
    profile = _hostile_profile()
    files = policygen.render_set(profile, kinds=["contract"], formats=("docx", "pdf", "html"))
    stem = "contract-MY-ITO-2026-002"
    assert any(HOSTILE in line for line in docx_lines(files[f"{stem}.docx"]))
    assert squeeze(HOSTILE) in squeeze(pdf_text(files[f"{stem}.pdf"], tmp_path))
    html = files[f"{stem}.html"].decode()
    assert "A&amp;B &lt;公司&gt;" in html and "<公司>" not in html


def test_pdf_embeds_cjk_fonts_and_has_every_glyph(
    rendered: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    files = rendered["bank"]
    reader = PdfReader(BytesIO(files["regulation.pdf"]))
    fonts: set[str] = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font.get("/BaseFont")))
    assert any("CJK" in f for f in fonts), fonts
    text = files["regulation.txt"].decode().replace(" | ", "")  # the text writer's cell separator
    pdf = pdf_text(files["regulation.pdf"], tmp_path)
    assert set(squeeze(text)) <= set(squeeze(pdf)), set(squeeze(text)) - set(squeeze(pdf))


def test_identical_input_gives_identical_bytes_across_processes(tmp_path: Path) -> None:
    outputs = []
    for index, tz in enumerate(("UTC", "Asia/Shanghai")):
        out = tmp_path / f"run{index}"
        env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": str(index + 1)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "policygen",
                "render",
                str(ROOT / "examples" / "manufacturer.yaml"),
                "-f",
                "docx,pdf",
                "-o",
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name


def test_changing_a_parameter_changes_the_output() -> None:
    profile = load_profile(ROOT / "examples" / "manufacturer.yaml")
    first = policygen.render(profile, "contract", "docx")
    data = profile.model_dump()
    data["engagements"][0]["fee"]["amount"] = data["engagements"][0]["fee"]["amount"] + 1
    second = policygen.render(load_profile(data), "contract", "docx")
    assert first != second


def test_invalid_profile_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: {}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "policygen", "render", str(bad), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "meta.effective_date" in result.stderr
    assert not out.exists()


def test_unknown_kind_or_format_is_a_usage_error(tmp_path: Path) -> None:
    for args in (["-d", "memo"], ["-f", "odt"]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "policygen",
                "render",
                str(ROOT / "examples" / "bank.yaml"),
                *args,
                "-o",
                str(tmp_path / "o"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert not (tmp_path / "o").exists()


def test_documents_differ_by_organisation() -> None:
    bank = load_profile(ROOT / "examples" / "bank.yaml")
    maker = load_profile(ROOT / "examples" / "manufacturer.yaml")
    bank_reg = document_text(build_document(bank, jobs(bank, ["regulation"])[0]))
    maker_reg = document_text(build_document(maker, jobs(maker, ["regulation"])[0]))
    assert "银行保险机构信息科技外包风险监管办法" in bank_reg
    assert "银行保险机构信息科技外包风险监管办法" not in maker_reg
    assert "个人信息" in bank_reg


def test_each_document_carries_its_own_identity() -> None:
    bank = load_profile(ROOT / "examples" / "bank.yaml")
    meta = {job.filename("x"): build_document(bank, job).meta for job in jobs(bank)}
    regulation = meta["regulation.x"]
    assert (regulation.version, regulation.effective_date, regulation.date) == (
        "V2.0", date(2027, 1, 1), date(2027, 1, 1),
    )  # fmt: skip
    assert regulation.doc_no == "明银发〔2026〕68号"
    assert not (regulation.contract_no or regulation.parties or regulation.signed_on)
    signed = meta["contract-MY-ITO-2026-001.x"]
    assert (signed.version, signed.effective_date, signed.doc_no) == ("", None, "")
    assert (signed.contract_no, signed.signed_on, signed.signed_at) == (
        "MY-ITO-2026-001", date(2027, 1, 15), "上海市浦东新区",
    )  # fmt: skip
    assert signed.date == date(2027, 1, 15)  # the signing date
    assert [(p.role, p.name) for p in signed.parties] == [
        ("甲方", "明远商业银行股份有限公司"), ("乙方", "深圳智维信息技术服务有限公司"),
    ]  # fmt: skip
    annex = meta["sla-MY-ITO-2026-002.x"]  # its signature block is inside an article
    assert annex.signed_on is None and annex.date == date(2027, 3, 1)  # the term's start
    assert [p.role for p in annex.parties] == ["甲方", "乙方"]
    form = meta["scorecard-MY-ITO-2026-001.x"]  # an assessment form: numbered, not signed
    assert (form.contract_no, form.parties, form.signed_on, form.signed_at) == (
        "MY-ITO-2026-001", (), None, "",
    )  # fmt: skip
    assert form.date == date(2027, 1, 15) and form.version == ""
