"""Edit the package's property parts: extended (``docProps/app.xml``) and core
(``docProps/core.xml``). The parts of a whole package, as ``document.save`` writes them, are
compat.package_parts."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from policygen.writers.docx.oxml.compat import core_properties_element, set_part_blob

_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


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
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        set_part_blob(part, xml)


def remove_core_property(document: DocxDocument, name: str) -> None:
    """Remove the core property `name` (``version``, ``identifier``…) from `document`'s
    ``docProps/core.xml``, so that a document without one does not claim an empty one."""
    element = core_properties_element(document.core_properties)
    for child in list(element):
        if etree.QName(child).localname == name:
            element.remove(child)
