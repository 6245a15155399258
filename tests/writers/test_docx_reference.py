"""The house-style reference.docx is checked and unzipped once per process (reference
keeps the package read from its bytes), yet every document written gets parts of its own:
nothing one document changes reaches the next, and a changed file is read and checked anew."""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.opc.pkgreader import PackageReader
from docx.shared import Pt

import policygen
from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.writers.docx import oxml, reference
from policygen.writers.docx.writer import REFERENCE_DOCX, write_docx
from policygen.writers.options import WriterOptions
from sample_docs import sample_contract, sample_regulation

TEMPLATES = Path(policygen.__file__).parent / "templates" / "zh"
OPTIONS = WriterOptions(template_dirs=(TEMPLATES,))
SAMPLES = {"regulation": sample_regulation, "contract": sample_contract}
Memory = OrderedDict[str, tuple[PackageReader, int]]


@pytest.fixture
def cold() -> Memory:
    """Start with nothing checked or read; return the memory of packages read."""
    CACHES.clear()
    return reference._READ


def reference_bytes() -> bytes:
    return (TEMPLATES / REFERENCE_DOCX).read_bytes()


def test_each_open_is_a_fresh_document(cold: Memory) -> None:
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


def test_the_package_is_read_once(cold: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    read = PackageReader.from_file

    def counting(file: BytesIO) -> PackageReader:
        reads.append(1)
        return read(file)

    monkeypatch.setattr(PackageReader, "from_file", staticmethod(counting))
    for _ in range(3):
        reference.open_reference(OPTIONS, REFERENCE_DOCX)
    assert len(reads) == 1
    assert len(cold) == 1


def test_documents_written_in_turn_are_as_written_alone(
    cold: Memory,
) -> None:
    alone = {}
    for name, make in SAMPLES.items():
        cold.clear()
        alone[name] = write_docx(make(), OPTIONS)
    for name in [*SAMPLES, *reversed(SAMPLES), *SAMPLES]:
        assert write_docx(SAMPLES[name](), OPTIONS) == alone[name], name


def test_a_changed_reference_is_read_and_checked_again(cold: Memory, tmp_path: Path) -> None:
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


def test_packages_read_stay_within_their_budget(
    cold: Memory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each reference read is kept only while the packages kept fit the budget; one too
    large is read for every document (and still checked only once)."""
    size = sum(
        len(blob)
        for _, _, _, blob in PackageReader.from_file(BytesIO(reference_bytes())).iter_sparts()
    )
    monkeypatch.setattr(reference, "_READ_BUDGET", size * 2)
    folders = []
    for index in range(3):  # three references with different bytes
        folder = tmp_path / f"t{index}"
        (folder / "styles").mkdir(parents=True)
        with (
            zipfile.ZipFile(BytesIO(reference_bytes())) as source,
            zipfile.ZipFile(folder / REFERENCE_DOCX, "w") as target,
        ):
            for item in source.infolist():
                target.writestr(item, source.read(item))
            target.writestr(f"custom/{index}.xml", b"<a/>")
        folders.append(WriterOptions(template_dirs=(folder, TEMPLATES)))
    written = [write_docx(sample_contract(), options) for options in folders]
    assert len(cold) == 2  # the oldest made room
    assert reference._read_size == sum(kept for _, kept in cold.values()) <= size * 2
    assert [write_docx(sample_contract(), options) for options in folders] == written
    monkeypatch.setattr(reference, "_READ_BUDGET", size // 2)
    cold.clear()
    monkeypatch.setattr(reference, "_read_size", 0)
    assert write_docx(sample_contract(), folders[0]) == written[0]
    assert not cold
