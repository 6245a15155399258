"""Archival PDFs (``--pdf-standard``): PDF/A-2b from both engines and PDF/UA-1 from Typst,
declared in XMP, with an output intent, every font embedded, tagged, title, author and
language in XMP dated by the document, the same bytes for the same input; an engine asked
for a standard it cannot print is a usage error; the option reaches the API, the command
line, batch and the service."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

import policygen
from policygen.cli import main
from policygen.doctor import Status, pdf_standards
from policygen.errors import UsageError
from policygen.pipeline import build_document, jobs, render_job
from policygen.profile.model import Profile
from policygen.service import create_app
from policygen.writers.options import (
    PDF_ENGINES,
    PDF_STANDARDS,
    WriterOptions,
    check_pdf_standard,
    engines_for,
)

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT = "MY-ITO-2026-001"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}
PRINTED = [
    ("weasyprint", "a-2b"),
    ("weasyprint", "a-2u"),
    ("typst", "a-2b"),
    ("typst", "a-2a"),
    ("typst", "ua-1"),
]
"""The engine and standard pairs printed and checked here: PDF/A-2b by each engine, PDF/A-2u
by WeasyPrint, and PDF/A-2a and PDF/UA-1, which only Typst prints."""

VERAPDF_MISSING = (
    "veraPDF is not installed: it is packaged neither in Debian nor on PyPI or npm, the only "
    "registries this machine reaches (a PyPI wrapper would download its jar from elsewhere), "
    "so the declared conformance is checked here by pypdf and pdffonts alone"
)


# --------------------------------------------------------------------------- helpers


def xmp_packet(pdf: bytes) -> etree._Element:
    """Return the root (x:xmpmeta) of the PDF's XMP metadata."""
    reader = PdfReader(io.BytesIO(pdf))
    return etree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())


def xmp(pdf: bytes) -> dict[str, list[str]]:
    """Return the values of the PDF's XMP properties by prefixed name (``pdfaid:part``),
    whether written as attributes of rdf:Description or as elements (rdf:li values each)."""
    root = xmp_packet(pdf)
    prefixes = {uri: prefix for prefix, uri in NS.items()}
    values: dict[str, list[str]] = {}

    def name(tag: str) -> str | None:
        uri, _, local = tag[1:].partition("}")
        return f"{prefixes[uri]}:{local}" if uri in prefixes else None

    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        for attribute, value in description.attrib.items():
            if (key := name(attribute)) is not None:
                values.setdefault(key, []).append(value)
        for child in description:
            if not isinstance(child.tag, str) or (key := name(child.tag)) is None:
                continue
            items = [li.text or "" for li in child.iter(f"{{{NS['rdf']}}}li")]
            values.setdefault(key, []).extend(items or [child.text or ""])
    return values


def font_descriptors(pdf: bytes) -> list[tuple[str, DictionaryObject]]:
    """Return every font the PDF's pages use, with the descriptor of the font drawn (the
    descendant font of a composite font)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, DictionaryObject] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            drawn = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            found[str(font["/BaseFont"])] = drawn["/FontDescriptor"].get_object()
    return list(found.items())


def pdffonts_embedded(pdf: bytes, tmp: Path) -> dict[str, str]:
    """Return the ``emb`` column `pdffonts` gives each font of the PDF (the fifth field from
    the end: a long name shifts the columns)."""
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[0].split()[-5:] == ["emb", "sub", "uni", "object", "ID"]
    return {line.split()[0]: line.split()[-5] for line in lines[2:] if line.strip()}


def pages_text(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "text.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split("\f")[:-1]


@pytest.fixture(scope="module")
def bank() -> Profile:
    return policygen.load_profile(BANK)


@pytest.fixture(scope="module")
def printed(bank: Profile) -> dict[tuple[str, str | None], dict[str, bytes]]:
    """The regulation (DOCX and PDF: its contents page lays the document out first) and a
    contract's PDF, by engine and standard, plain (None) included."""
    wanted = {"regulation": ["docx", "pdf"], "contract": ["pdf"]}
    todo = [job for job in jobs(bank) if job.kind.name in wanted]
    todo = [job for job in todo if job.engagement is None or job.engagement.contract_no == CONTRACT]
    out: dict[tuple[str, str | None], dict[str, bytes]] = {}
    for engine, standard in [*PRINTED, ("weasyprint", None), ("typst", None)]:
        files: dict[str, bytes] = {}
        for job in todo:
            files.update(
                render_job(
                    bank, job, wanted[job.kind.name], pdf_engine=engine, pdf_standard=standard
                )
            )
        out[engine, standard] = files
    return out


def _document_date(bank: Profile, kind: str) -> date:
    job = next(
        job
        for job in jobs(bank)
        if job.kind.name == kind
        and (job.engagement is None or job.engagement.contract_no == CONTRACT)
    )
    return build_document(bank, job).meta.date


PDFS = ["regulation.pdf", f"contract-{CONTRACT}.pdf"]


# --------------------------------------------------------------------------- what is printed


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
@pytest.mark.parametrize("name", PDFS)
def test_conformance_is_declared_in_xmp(
    printed: dict[tuple[str, str | None], dict[str, bytes]], engine: str, standard: str, name: str
) -> None:
    values = xmp(printed[engine, standard][name])
    family, _, level = standard.partition("-")  # a-2b: PDF/A part 2, conformance B
    if family == "a":
        assert values["pdfaid:part"] == [level[0]]
        assert values["pdfaid:conformance"] == [level[1].upper()]
        assert "pdfuaid:part" not in values
    else:
        assert values["pdfuaid:part"] == [level]
        assert "pdfaid:part" not in values
    plain = PdfReader(io.BytesIO(printed[engine, None][name]))
    assert plain.trailer["/Root"].get("/OutputIntents") is None  # plain PDFs stay plain
    if "/Metadata" in plain.trailer["/Root"]:  # Typst writes XMP always, WeasyPrint not
        assert "pdfaid:part" not in xmp(printed[engine, None][name])


@pytest.mark.parametrize(("engine", "standard"), [p for p in PRINTED if p[1].startswith("a-")])
@pytest.mark.parametrize("name", PDFS)
def test_a_pdf_a_has_an_srgb_output_intent(
    printed: dict[tuple[str, str | None], dict[str, bytes]], engine: str, standard: str, name: str
) -> None:
    catalog = PdfReader(io.BytesIO(printed[engine, standard][name])).trailer["/Root"]
    (intent,) = [i.get_object() for i in catalog["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3  # an RGB ICC profile
    assert b"sRGB" in profile.get_data()[:200] or "sRGB" in str(intent.get("/Info", ""))


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
@pytest.mark.parametrize("name", PDFS)
def test_every_font_is_embedded(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
    engine: str,
    standard: str,
    name: str,
    tmp_path: Path,
) -> None:
    pdf = printed[engine, standard][name]
    embedded = pdffonts_embedded(pdf, tmp_path)
    assert embedded and set(embedded.values()) == {"yes"}, embedded
    for font, descriptor in font_descriptors(pdf):
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
@pytest.mark.parametrize("name", PDFS)
def test_title_author_language_and_dates_are_in_xmp(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
    bank: Profile,
    engine: str,
    standard: str,
    name: str,
) -> None:
    pdf = printed[engine, standard][name]
    values = xmp(pdf)
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert values["dc:title"] == [info["/Title"]]
    assert values["dc:creator"] == [bank.organisation.name] == [info["/Author"]]
    assert values["dc:language"] == ["zh-CN"]
    assert len(xmp_packet(pdf).findall(f"{{{NS['rdf']}}}RDF")) == 1  # as XMP readers expect
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "zh-CN"
    when = _document_date(bank, name.split("-", 1)[0].removesuffix(".pdf"))
    for key in ("xmp:CreateDate", "xmp:ModifyDate"):
        (value,) = values[key]
        assert value.startswith(when.isoformat()), (key, value)  # the document's, not today's
    assert info["/CreationDate"].startswith(f"D:{when:%Y%m%d}")


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
def test_archival_pdfs_are_tagged(
    printed: dict[tuple[str, str | None], dict[str, bytes]], engine: str, standard: str
) -> None:
    catalog = PdfReader(io.BytesIO(printed[engine, standard]["regulation.pdf"])).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/K"]
    if standard == "ua-1":  # a viewer shows the title, not the file name
        assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    plain = PdfReader(io.BytesIO(printed[engine, None]["regulation.pdf"])).trailer["/Root"]
    assert "/StructTreeRoot" not in plain  # plain PDFs stay untagged: smaller, faster


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
def test_the_archival_pdf_prints_the_plain_pdfs_pages(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
    engine: str,
    standard: str,
    tmp_path: Path,
) -> None:
    for name in PDFS:
        archival = pages_text(printed[engine, standard][name], tmp_path)
        assert archival == pages_text(printed[engine, None][name], tmp_path), name
    # The regulation's DOCX contents page numbers come from the same layout either way.
    assert printed[engine, standard]["regulation.docx"] == printed[engine, None]["regulation.docx"]


@pytest.mark.parametrize(("engine", "standard"), PRINTED)
def test_identical_input_gives_identical_bytes(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
    bank: Profile,
    engine: str,
    standard: str,
) -> None:
    # Printed afresh after other documents (and, with WeasyPrint, without the DOCX's layout).
    again = policygen.render(bank, "regulation", "pdf", pdf_engine=engine, pdf_standard=standard)
    assert again == printed[engine, standard]["regulation.pdf"]


_RENDER_SCRIPT = """
import sys, policygen
pdf = policygen.render(sys.argv[1], "contract", "pdf", contract_no=sys.argv[2],
                       pdf_engine="typst", pdf_standard="ua-1")
sys.stdout.buffer.write(pdf)
"""


def test_identical_bytes_across_processes_and_time_zones(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
) -> None:
    for tz in ("Asia/Shanghai", "America/Los_Angeles"):
        result = subprocess.run(
            [sys.executable, "-c", _RENDER_SCRIPT, str(BANK), CONTRACT],
            capture_output=True,
            env={**os.environ, "TZ": tz},
            check=True,
            timeout=120,
        )
        assert result.stdout == printed["typst", "ua-1"][f"contract-{CONTRACT}.pdf"]


def test_a_layout_made_plain_is_not_printed_as_pdf_a(bank: Profile) -> None:
    """WeasyPrint keeps the layout a page map made for the PDF of the same page; a layout made
    for a plain PDF lacks the output intent, so an archival PDF lays the page out again."""
    job = next(job for job in jobs(bank) if job.kind.name == "regulation")
    render_job(bank, job, ["docx"], pdf_engine="weasyprint")  # a plain layout, kept
    pdf = render_job(bank, job, ["pdf"], pdf_engine="weasyprint", pdf_standard="a-2b")
    catalog = PdfReader(io.BytesIO(pdf["regulation.pdf"])).trailer["/Root"]
    assert "/OutputIntents" in catalog


@pytest.mark.skipif(shutil.which("verapdf") is None, reason=VERAPDF_MISSING)
@pytest.mark.parametrize(("engine", "standard"), PRINTED)
def test_verapdf_finds_the_pdfs_compliant(
    printed: dict[tuple[str, str | None], dict[str, bytes]],
    engine: str,
    standard: str,
    tmp_path: Path,
) -> None:
    flavour = standard.replace("-", "").removeprefix("a")  # 2b, 2u, 2a, ua1
    for name in PDFS:
        path = tmp_path / name
        path.write_bytes(printed[engine, standard][name])
        result = subprocess.run(
            ["verapdf", "--flavour", flavour, "--format", "text", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.stdout.startswith("PASS"), result.stdout + result.stderr


# --------------------------------------------------------------------------- choosing


@pytest.mark.parametrize(
    ("standard", "engine", "supported"),
    [
        (standard, engine, engine in engines_for(standard))
        for standard in PDF_STANDARDS
        for engine in PDF_ENGINES
    ],
)
def test_each_standard_is_checked_against_the_engine(
    standard: str, engine: str, supported: bool
) -> None:
    if supported:
        assert check_pdf_standard(standard, engine) == standard
        assert WriterOptions(pdf_engine=engine, pdf_standard=standard).pdf_standard == standard
        return
    with pytest.raises(UsageError) as raised:
        WriterOptions(pdf_engine=engine, pdf_standard=standard)
    message = str(raised.value)
    assert engine in message and PDF_STANDARDS[standard].label in message
    assert "typst 引擎" in message  # the engine that can


def test_the_engines_support_what_the_table_says() -> None:
    assert engines_for("a-2b") == engines_for("a-2u") == ("weasyprint", "typst")
    assert engines_for("ua-1") == engines_for("a-2a") == ("typst",)
    assert check_pdf_standard(None, "weasyprint") is None


def test_an_unknown_standard_lists_the_choices_and_their_engines() -> None:
    with pytest.raises(UsageError) as raised:
        check_pdf_standard("a-1b", "typst", source="--pdf-standard")
    message = str(raised.value)
    assert "'a-1b'" in message and "--pdf-standard" in message
    for name in PDF_STANDARDS:
        assert name in message
    assert "ua-1（PDF/UA-1：typst）" in message


def test_api_refuses_an_engine_that_cannot_print_the_standard(bank: Profile) -> None:
    with pytest.raises(UsageError, match="PDF/UA-1"):
        policygen.render(bank, "regulation", "pdf", pdf_engine="weasyprint", pdf_standard="ua-1")
    with pytest.raises(UsageError, match="PDF/A-2a"):
        policygen.render_set(bank, kinds=["nda"], pdf_engine="weasyprint", pdf_standard="a-2a")


def test_cli_render_writes_pdf_a(bank: Profile, tmp_path: Path) -> None:
    args = ["render", str(BANK), "-d", "sla", "-f", "pdf", "-o", str(tmp_path), "-j", "2"]
    assert main([*args, "--pdf-engine", "typst", "--pdf-standard", "a-2b"]) == 0
    pdfs = sorted(tmp_path.glob("sla-*.pdf"))
    assert len(pdfs) == len(bank.engagements)  # one each, printed in worker processes
    for path in pdfs:
        assert xmp(path.read_bytes())["pdfaid:part"] == ["2"]


def test_cli_usage_errors_name_the_option_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["render", str(BANK), "-d", "regulation", "-f", "pdf", "-o", str(tmp_path)]
    assert main([*args, "--pdf-engine", "weasyprint", "--pdf-standard", "ua-1"]) == 2
    err = capsys.readouterr().err
    assert "--pdf-standard" in err and "weasyprint" in err and "typst 引擎" in err
    assert main([*args, "--pdf-standard", "pdf/a-2b"]) == 2
    assert "a-2b（PDF/A-2b" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_cli_batch_prints_pdf_a_and_a_plain_run_renders_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.csv"
    lines = (ROOT / "examples" / "engagements.csv").read_text(encoding="utf-8").splitlines()
    rows.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(rows), "-p", str(BANK), "-o", str(out), "-f", "pdf", "-d", "contract",
            "-j", "1", "--pdf-engine", "typst"]  # fmt: skip
    assert main([*args, "--pdf-standard", "a-2b"]) == 0
    (pdf,) = out.rglob("*.pdf")
    assert xmp(pdf.read_bytes())["pdfaid:part"] == ["2"]
    assert main([*args, "--pdf-standard", "a-2b"]) == 0
    assert "skipped 1" in capsys.readouterr().out  # up to date
    assert main(args) == 0  # a plain PDF is asked: the archival one is stale
    assert "rendered 1" in capsys.readouterr().out
    assert "pdfaid:part" not in xmp(pdf.read_bytes())
    assert main([*args, "--pdf-engine", "weasyprint", "--pdf-standard", "ua-1"]) == 2


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_service_prints_the_standard_asked(
    client: TestClient, bank: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYGEN_PDF_ENGINE", "typst")
    body = json.dumps(bank.model_dump(mode="json"), ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    answer = client.post(
        "/render?kind=regulation&format=pdf&pdf_standard=ua-1", content=body, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert xmp(answer.content)["pdfuaid:part"] == ["1"]
    monkeypatch.setenv("POLICYGEN_PDF_ENGINE", "weasyprint")
    refused = client.post(
        "/render-set?kinds=nda&formats=pdf&pdf_standard=ua-1", content=body, headers=headers
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "unknown_pdf_standard"
    assert refused.json()["allowed"] == ["a-2b", "a-2u"]
    schema = client.get("/openapi.json").json()
    parameters = schema["paths"]["/render"]["post"]["parameters"]
    (standard,) = [p for p in parameters if p["name"] == "pdf_standard"]
    assert standard["schema"]["enum"] == list(PDF_STANDARDS)


def test_doctor_reports_each_engines_standards() -> None:
    standards, verapdf = pdf_standards("70.0", "0.15.1")
    assert standards.status is Status.OK
    assert standards.detail == "WeasyPrint 70.0：a-2b、a-2u；Typst 0.15.1：a-2b、a-2u、a-2a、ua-1"
    assert verapdf.status is (Status.OK if shutil.which("verapdf") else Status.NOTE)
    (only,) = pdf_standards(None, "0.15.1")[:1]
    assert only.detail == "Typst 0.15.1：a-2b、a-2u、a-2a、ua-1"
