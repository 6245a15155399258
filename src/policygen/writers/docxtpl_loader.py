"""Import docxtpl without letting it break python-docx's core document properties.

docxtpl imports docxcompose, whose ``utils`` module rebinds python-docx's ``cp`` prefix
process-wide to the *custom*-properties namespace. python-docx resolves ``cp:keywords``,
``cp:category``, ``cp:version`` and the other core properties through that prefix, so once
docxtpl has been imported every DOCX written by the same process would silently lose them.
docxtpl is therefore imported only here, and the prefix is put back straight after.
docxcompose's own code keeps working: it looks the custom namespace up in its private
``NS`` table, not in python-docx's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def load_docxtpl() -> type[DocxTemplate]:
    """Return docxtpl's ``DocxTemplate`` with python-docx's ``cp`` prefix intact."""
    from docx.oxml.ns import nsmap
    from docxtpl import DocxTemplate

    nsmap["cp"] = CORE_PROPERTIES
    return DocxTemplate
