"""Edit package-level parts: extended and core properties, and the parts of a package as
``document.save`` writes them."""

from __future__ import annotations

from io import BytesIO
from zipfile import ZipFile

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter
from lxml import etree

_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


# --------------------------------------------------------------------------- package properties


def set_company(document: DocxDocument, company: str) -> None:
    """Set the Company of `document`'s extended properties (``docProps/app.xml``), if present."""
    package = document.part.package
    for rel in package.rels.values():
        if rel.reltype != RT.EXTENDED_PROPERTIES or rel.is_external:
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob)
        element = root.find(f"{{{_APP_NS}}}Company")
        if element is None:
            element = etree.SubElement(root, f"{{{_APP_NS}}}Company")
        element.text = company
        # python-docx keeps unknown parts as plain blobs and has no public setter.
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def remove_core_property(document: DocxDocument, name: str) -> None:
    """Remove the core property `name` (``version``, ``identifier``…) from `document`'s
    ``docProps/core.xml``, so that a document without one does not claim an empty one."""
    element = document.core_properties._element  # python-docx has no public remover
    for child in list(element):
        if etree.QName(child).localname == name:
            element.remove(child)


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
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return writer.parts
