"""Place a document's body in an organisation's own house DOCX (letterhead, fonts, styles).

Input: a numbered, reference-resolved Document, and ``styles/house.docx`` from a user's
template folder: a docxtpl template whose cover and header may print ``{{ title }}``,
``{{ subtitle }}``, ``{{ organisation }}``, ``{{ version }}``, ``{{ date }}`` (the effective
date), ``{{ doc_no }}`` (the number the document is known by: a regulation's 发文字号, a
contract's or annex's 合同编号), ``{{ contract_no }}``, ``{{ signed_on }}``, ``{{ signed_at }}``
(each empty when the document does not have it: a contract has no version or effective date,
a regulation no contract number) and loop over ``parties`` (each with ``role`` and ``name``), and
that holds the subdocument placeholder ``{{p body }}`` on a paragraph of its own. Output: DOCX
bytes.

The body is written by the DOCX writer's own builder (Word-native numbering, REF fields,
bookmarks) into a docxtpl subdocument that shares the house document's part, so its
paragraphs take the house's styles. The styles and lists the builder names that the house
document lacks (Article, Clause, List Number 4, Table Text…, and the 章/条/项 list definitions)
are first copied in from the bundled reference.docx; a house style of the same name keeps its
look but is linked to the copied list (so a house Heading 1 reads 第一章, a house List Number
（一）). The values come from the tree (page_values.header_values), never the profile.
The template renders in the sandboxed, XML-escaping Word environment; it, and the DOCX
rendered from it, must load nothing from outside (writers.docx.guard)."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.document import Document as DocxDocument

from policygen.errors import RenderError
from policygen.tree import nodes as n
from policygen.writers import page_values
from policygen.writers.docx import oxml
from policygen.writers.docx.docxtpl_loader import open_template, render_template
from policygen.writers.docx.guard import check_package
from policygen.writers.docx.pages import set_properties
from policygen.writers.docx.reference import open_reference
from policygen.writers.options import WriterOptions
from policygen.writers.reproducible import normalise_docx

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

HOUSE_DOCX = "styles/house.docx"
"""The house template, looked up in the user's template folders (never the bundled one)."""
REFERENCE_DOCX = "styles/reference.docx"
"""Where the styles and lists a house document lacks are copied from."""
MAX_HOUSE_BYTES = 50 * 1024 * 1024
"""Largest house document read (a letterhead with a logo is well under 1 MB)."""
BODY_FIELD = "body"
"""The name of the subdocument placeholder: ``{{p body }}``."""

AddBody = Callable[[DocxDocument, n.Document], None]
"""Appends a document's title and body to a python-docx document (writers.docx.add_body)."""


def find_house(options: WriterOptions) -> Path | None:
    """Return the first ``styles/house.docx`` in `options`' template folders; None when none
    has one. Raise RenderError when it lies outside its folder (a symlink)."""
    for folder in options.template_dirs:
        candidate = folder / HOUSE_DOCX
        if candidate.is_file():
            real = Path(os.path.realpath(candidate))
            if not real.is_relative_to(os.path.realpath(folder)):
                raise RenderError(
                    f"{candidate} 指向模板目录之外的文件，已拒绝 (house.docx links outside its "
                    "template folder)"
                )
            return real
    return None


def write_house_docx(
    doc: n.Document, house: Path, options: WriterOptions, add_body: AddBody
) -> bytes:
    """Return `doc` as DOCX bytes: its body, written by `add_body`, placed at ``{{p body }}``
    of the docxtpl template `house`, whose other fields show `doc`'s values.

    The house template is the user's, so it renders in a child process under the same time
    and memory limits as the user's Markdown and Word templates (templating.limits)."""
    from policygen.templating.limits import run_limited

    answer = run_limited(
        _write_in_child, (doc, house, options, add_body), name=house.name,
        max_bytes=4 * MAX_HOUSE_BYTES,
    )  # fmt: skip
    return base64.b64decode(answer["docx"])


def _write_in_child(
    doc: n.Document, house: Path, options: WriterOptions, add_body: AddBody
) -> dict[str, Any]:
    """Write the house DOCX (in the limited child); return it base64-encoded as JSON data."""
    data = _write_house_docx(doc, house, options, add_body)
    return {"docx": base64.b64encode(data).decode("ascii")}


def _write_house_docx(
    doc: n.Document, house: Path, options: WriterOptions, add_body: AddBody
) -> bytes:
    template = open_house(house)
    document = template.get_docx()
    adopt_reference(document, open_reference(options, REFERENCE_DOCX))
    body = template.new_subdoc()
    add_body(body.subdocx, doc)
    context = house_context(doc)
    context[BODY_FIELD] = body
    render_template(template, context, house.name)
    oxml.renumber_bookmarks(template.docx)
    set_properties(template.docx, doc)
    buffer = BytesIO()
    template.save(buffer)
    # Jinja tags can cut XML apart and join it again (a tag in a comment or text ending a
    # field's end, say), so what rendering made is checked as well as the template.
    check_package(buffer.getvalue(), f"{house.name}（渲染结果 rendered）")
    return normalise_docx(buffer.getvalue(), doc.meta.date)


def open_house(path: Path) -> DocxTemplate:
    """Return the docxtpl template at `path`; raise RenderError when it is too large, not a
    Word document, would make Word load anything (guard.check_package), or has no
    ``{{p body }}``."""
    with open(path, "rb") as file:
        data = file.read(MAX_HOUSE_BYTES + 1)
    if len(data) > MAX_HOUSE_BYTES:
        raise RenderError(
            f"{path.name} 超过 {MAX_HOUSE_BYTES // 1024**2} MB 上限 (house document too large)"
        )
    check_package(data, str(path))  # nothing in it may make Word load a file or URL
    template = open_template(data, path.name)
    if f"{{{{p {BODY_FIELD}" not in "".join(p.text for p in template.docx.paragraphs):
        raise RenderError(
            f"{path.name} 缺少正文占位符 {{{{p {BODY_FIELD} }}}}，请在单独一段中写入 "
            f"(the house document needs a {{{{p {BODY_FIELD} }}}} paragraph)"
        )
    return template


def house_context(doc: n.Document) -> dict[str, Any]:
    """Return the values a house template may print, from `doc` alone. Unlike the built-in
    cover, a house template need not print the subtitle, so ``doc_no`` is the document's
    number even when the subtitle shows it too."""
    values = page_values.header_values(doc)
    context: dict[str, Any] = {k: v for k, v in values.items() if isinstance(v, str)}
    context["doc_no"] = doc.meta.number
    roles, names = values["role"], values["name"]
    context["parties"] = [{"role": r, "name": m} for r, m in zip(roles, names, strict=False)]
    context["organisation"] = doc.meta.organisation
    return context


def adopt_reference(document: DocxDocument, reference: DocxDocument) -> list[str]:
    """Copy into `document` every style of `reference` it lacks, all of `reference`'s list
    definitions and the fonts its font table declares that `document`'s lacks (宋体, 黑体…,
    named by the copied styles), and link the numbered styles to the lists; return the names
    of the styles copied."""
    names = [style.name for style in reference.styles if style.name is not None]
    copied = oxml.adopt_styles(document, reference, names)
    num_ids = oxml.adopt_numbering(document, reference)
    oxml.link_style_numbering(document, reference, num_ids)
    oxml.adopt_fonts(document, reference)
    return copied
