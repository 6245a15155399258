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

from io import BytesIO
from typing import TYPE_CHECKING
from zipfile import BadZipFile

from policygen.errors import RenderError

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def load_docxtpl() -> type[DocxTemplate]:
    """Return docxtpl's ``DocxTemplate`` with python-docx's ``cp`` prefix intact."""
    from docx.oxml.ns import nsmap
    from docxtpl import DocxTemplate

    nsmap["cp"] = CORE_PROPERTIES
    return DocxTemplate


def open_template(data: bytes, name: str) -> DocxTemplate:
    """Return the docxtpl template whose DOCX bytes are `data`; raise RenderError naming
    `name` when they are not a Word document."""
    try:
        template = load_docxtpl()(BytesIO(data))
        template.init_docx()
    except (BadZipFile, KeyError, ValueError) as error:
        raise RenderError(
            f"{name} 不是有效的 Word 文档（.docx） (not a DOCX file): {error}"
        ) from None
    return template
