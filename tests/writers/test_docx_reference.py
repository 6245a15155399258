"""The house-style reference.docx is checked once per process (reference remembers the digest
of the bytes that passed), yet every document written gets a document of its own: nothing one
document changes reaches the next, and a changed file is read and checked anew."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.shared import Pt

import policygen
from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.style import HouseStyle
from policygen.style import docx as style_docx
from policygen.writers.docx import oxml, reference
from policygen.writers.docx.writer import REFERENCE_DOCX, write_docx
from policygen.writers.options import WriterOptions
from sample_docs import sample_contract, sample_regulation

TEMPLATES = Path(policygen.__file__).parent / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(TEMPLATES,))
SAMPLES = {"regulation": sample_regulation, "contract": sample_contract}


@pytest.fixture
def cold() -> None:
    """Start with nothing checked."""
    CACHES.clear()


def reference_bytes() -> bytes:
    return (TEMPLATES / REFERENCE_DOCX).read_bytes()


def test_each_open_is_a_fresh_document(cold: None) -> None:
    expected = oxml.package_parts(docx.Document(BytesIO(reference_bytes())))
    first = reference.open_reference(OPTIONS, REFERENCE_DOCX)
    assert oxml.package_parts(first) == expected
    # Change every kind of part the writer changes: body, styles, numbering, settings,
    # header, core and extended properties.
    oxml.clear_body(first)
    first.add_paragraph("改过的正文", "Heading 1")
    first.styles["Normal"].font.size = Pt(30)
    oxml.add_num(first, 1, {0: 5})
    oxml.set_theme_font_lang(first, "ja-JP")
    first.sections[0].header.paragraphs[0].text = "改过的页眉"
    first.core_properties.title = "改过的标题"
    oxml.set_company(first, "改过的公司")
    assert oxml.package_parts(first) != expected
    second = reference.open_reference(OPTIONS, REFERENCE_DOCX)
    assert second is not first
    assert oxml.package_parts(second) == expected


def test_the_reference_is_checked_once(cold: None, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[str] = []
    check = reference.check_package

    def counting(data: bytes, shown: str) -> None:
        checks.append(shown)
        check(data, shown)

    monkeypatch.setattr(reference, "check_package", counting)
    for _ in range(3):
        reference.open_reference(OPTIONS, REFERENCE_DOCX)
    assert len(checks) == 1


def test_documents_written_in_turn_are_as_written_alone(
    cold: None,
) -> None:
    alone = {}
    for name, make in SAMPLES.items():
        CACHES.clear()
        alone[name] = write_docx(make(), OPTIONS)
    for name in [*SAMPLES, *reversed(SAMPLES), *SAMPLES]:
        assert write_docx(SAMPLES[name](), OPTIONS) == alone[name], name


def test_a_changed_reference_is_read_and_checked_again(cold: None, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "styles").mkdir(parents=True)
    target = folder / REFERENCE_DOCX
    target.write_bytes(reference_bytes())
    options = WriterOptions(template_dirs=(folder, TEMPLATES))
    plain = write_docx(sample_contract(), options)
    # The same file, now with a footer field that would load a picture from the network.
    source = zipfile.ZipFile(BytesIO(reference_bytes()))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as changed:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/footer1.xml":
                field = b'<w:p><w:fldSimple w:instr=" INCLUDEPICTURE http://x/p.png"/></w:p>'
                data = data.replace(b"</w:ftr>", field + b"</w:ftr>")
            changed.writestr(item, data)
    target.write_bytes(out.getvalue())
    with pytest.raises(RenderError, match="INCLUDEPICTURE"):
        write_docx(sample_contract(), options)
    target.write_bytes(reference_bytes())
    assert write_docx(sample_contract(), options) == plain


@pytest.mark.parametrize(
    ("based_on", "english", "expected"),
    [
        # 公文 has no running header: English lines over it take the Header style.
        ("gongwen", '["{title}", "Contract No.: {contract_no}"]',
         [("Header", "信息系统运维服务外包合同"), ("Header", "Contract No.: HX-ITO-2026-001")]),
        # No English header over the default's two Chinese lines: one empty paragraph in Normal.
        ("default", "[]", [("Normal", "")]),
    ],
)  # fmt: skip
def test_an_organisation_style_in_english_is_made_once_and_furnished_over_its_chinese(
    cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    based_on: str, english: str, expected: list[tuple[str, str]],
) -> None:  # fmt: skip
    style_file = tmp_path / "acme.style.yaml"
    style_file.write_text(
        f"based_on: {based_on}\nname: acme\ndescription: acme\n"
        f'english:\n  header: {english}\n  footer: "{{page}} of {{pages}}"\n',
        encoding="utf-8",
    )
    built: list[tuple[str, ...]] = []
    build = style_docx.build

    def counting(style: HouseStyle) -> bytes:
        built.append(style.header.lines)
        return build(style)

    monkeypatch.setattr(style_docx, "build", counting)
    options = replace(OPTIONS, style_file=style_file)
    write_docx(sample_contract(), options)
    data = write_docx(replace(sample_contract(), lang="en"), options)
    assert len(built) == 1  # the Chinese reference, for both languages
    section = docx.Document(BytesIO(data)).sections[-1]
    header = [(p.style.name if p.style else "", p.text) for p in section.header.paragraphs]
    assert header == expected
    footer = section.footer.paragraphs[0]
    assert footer.text == "1 of 1"
    assert re.findall(r"<w:instrText[^>]*>\s*(\w+)", footer._p.xml) == ["PAGE", "NUMPAGES"]
