"""python-docx's private names, in one place: what the oxml modules need from python-docx that
it offers no public API for.

Checked against python-docx 1.1.2 and 1.2.0 (pyproject pins ``>=1.1.2,<2``); ``make
test-latest-deps`` runs the DOCX tests against the latest release. Should a release rename
one of these, this module is the one to change:

* the element behind a proxy — ``Paragraph._p``, ``Run._r``, ``Table._tbl``, ``_Row._tr``,
  ``_Cell._tc``, ``Section._sectPr``, ``CoreProperties._element`` — and the proxies a new
  proxy is made with: the body (``Document._body``) and a run's parent (``Run._parent``).
  python-docx keeps these private, yet its own element classes (``docx.oxml``), which the
  oxml modules edit, are reached only through them;
* ``Part._blob``: python-docx keeps a part it has no class for (``docProps/app.xml``,
  ``word/fontTable.xml``) as bytes, without a setter;
* ``PackageWriter._write_content_types_stream``, ``_write_pkg_rels`` and ``_write_parts``,
  the steps of ``document.save`` before zipping (`package_parts`: it earns its keep in
  bench/RESULTS.md), with a fallback to ``document.save`` should they go."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
from zipfile import ZipFile

from docx.document import Document as DocxDocument
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.opc.pkgwriter import PackageWriter
from docx.section import Section
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

if TYPE_CHECKING:
    from docx.blkcntnr import BlockItemContainer
    from docx.opc.coreprops import CoreProperties
    from docx.oxml.section import CT_SectPr
    from docx.oxml.table import CT_Row, CT_Tbl, CT_Tc
    from docx.oxml.text.paragraph import CT_P
    from docx.oxml.text.run import CT_R
    from docx.types import ProvidesStoryPart
    from lxml import etree

# --------------------------------------------------------------------------- proxies and elements


def paragraph_element(paragraph: Paragraph) -> CT_P:
    """Return the ``w:p`` element of `paragraph`."""
    return paragraph._p


def run_element(run: Run) -> CT_R:
    """Return the ``w:r`` element of `run`."""
    return run._r


def run_parent(run: Run) -> ProvidesStoryPart:
    """Return the proxy `run` was made with (its paragraph), for a new run beside it."""
    return run._parent


def table_element(table: Table) -> CT_Tbl:
    """Return the ``w:tbl`` element of `table`."""
    return table._tbl


def row_element(row: _Row) -> CT_Row:
    """Return the ``w:tr`` element of `row`."""
    return row._tr


def cell_element(cell: _Cell) -> CT_Tc:
    """Return the ``w:tc`` element of `cell`."""
    return cell._tc


def section_element(section: Section) -> CT_SectPr:
    """Return the ``w:sectPr`` element of `section`."""
    return section._sectPr


def document_body(document: DocxDocument) -> BlockItemContainer:
    """Return the proxy of `document`'s body: the parent ``document.add_paragraph`` gives a
    new paragraph or table."""
    return document._body


def core_properties_element(properties: CoreProperties) -> etree._Element:
    """Return the ``cp:coreProperties`` element of `properties` (python-docx has no remover)."""
    return properties._element


# --------------------------------------------------------------------------- parts and packages


def set_part_blob(part: Part, blob: bytes) -> None:
    """Replace the bytes of `part`, a part python-docx keeps as bytes (no setter)."""
    part._blob = blob


class _PartCollector:
    """python-docx's physical package writer, keeping each part's bytes by zip member name
    instead of zipping them."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob


_WRITER_STEPS = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")
"""The private steps of python-docx's PackageWriter that `package_parts` calls."""


def package_parts(document: DocxDocument) -> dict[str, bytes]:
    """Return the parts of `document` by zip member name, each as ``document.save`` writes it,
    for a caller that zips them itself (reproducible.normalise_parts): python-docx's own zip,
    deflated and read back only to be re-zipped, was a tenth of the DOCX writer's time.

    The steps are python-docx's own ``OpcPackage.save`` and ``PackageWriter.write``, whose
    zip writer cannot be chosen; should a later python-docx drop those private steps, this
    falls back to ``document.save`` and reads the parts back (slower, the same parts)."""
    if not all(hasattr(PackageWriter, step) for step in _WRITER_STEPS):
        buffer = BytesIO()
        document.save(buffer)
        with ZipFile(buffer) as saved:
            return {info.filename: saved.read(info) for info in saved.infolist()}
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    writer = _PartCollector()
    parts = package.parts
    # python-docx's private steps are untyped, and take any writer with its `write`.
    PackageWriter._write_content_types_stream(writer, parts)  # type: ignore[no-untyped-call]
    PackageWriter._write_pkg_rels(writer, package.rels)  # type: ignore[no-untyped-call]
    PackageWriter._write_parts(writer, parts)  # type: ignore[arg-type]
    return writer.parts
