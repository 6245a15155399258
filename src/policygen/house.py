"""The house stage: fill an organisation's own house DOCX (letterhead, fonts, styles) with a
document's values, before the DOCX writer places the document's body in it.

Input: a numbered, reference-resolved Document, and ``styles/house.docx`` from a user's
template folder: a docxtpl template whose cover and header may print ``{{ title }}``,
``{{ subtitle }}``, ``{{ organisation }}``, ``{{ version }}``, ``{{ date }}`` (the effective
date), ``{{ doc_no }}`` (the number the document is known by: a regulation's 发文字号, a
contract's or annex's 合同编号), ``{{ contract_no }}``, ``{{ signed_on }}``, ``{{ signed_at }}``
(each empty when the document does not have it: a contract has no version or effective date,
a regulation no contract number) and loop over ``parties`` (each with ``role`` and ``name``), and
that holds the subdocument placeholder ``{{p body }}`` on a paragraph of its own. Output: a
HouseDocument, the template rendered, whose ``{{p body }}`` paragraph became a marked empty
paragraph (writers.docx.oxml.BODY_MARK) where the writer puts the body
(writers.docx.house).

The values come from the tree (page_values.header_values), never the profile. The template
is the user's code: it renders in a child process under the time and memory limits of the
user's Markdown and Word templates (templating.limits), in the sandboxed, XML-escaping Word
environment, and it and what it renders to must load nothing from outside
(writers.docx.guard). The writer that follows runs no template."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygen.errors import RenderError
from policygen.reading import read_file

# What fills a house template (python-docx, docxtpl, the guard, the page values) is imported
# on use: most renders have no house document.

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

    from policygen.tree import nodes as n

HOUSE_DOCX = "styles/house.docx"
"""The house template, looked up in the user's template folders (never the bundled one)."""
MAX_HOUSE_BYTES = 50 * 1024 * 1024
"""Largest house document read (a letterhead with a logo is well under 1 MB)."""
BODY_FIELD = "body"
"""The name of the subdocument placeholder: ``{{p body }}``."""


@dataclass(frozen=True)
class HouseDocument:
    """A house template rendered for one document, waiting for its body."""

    name: str
    """The template's file name, for messages."""
    data: bytes
    """The rendered DOCX, with the marked paragraph where the body goes."""


class _BodyMark:
    """What ``{{p body }}`` prints: the marked paragraph (docxtpl puts an object's ``__html__``
    in place of a ``{{p }}`` paragraph, unescaped, as it does for its own subdocuments)."""

    def __html__(self) -> str:
        from policygen.writers.docx.oxml import BODY_MARK_XML

        return BODY_MARK_XML

    def __str__(self) -> str:
        return self.__html__()


def find_house(template_dirs: Sequence[Path]) -> Path | None:
    """Return the first ``styles/house.docx`` in `template_dirs`; None when none has one.
    Raise RenderError when it lies outside its folder (a symlink)."""
    for folder in template_dirs:
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


def fill_house(doc: n.Document, template_dirs: Sequence[Path]) -> HouseDocument | None:
    """Return the house template of `template_dirs` rendered with `doc`'s values; None when
    the folders hold none. Raise RenderError saying what is wrong with the template."""
    from policygen.templating.limits import run_limited

    house = find_house(template_dirs)
    if house is None:
        return None
    answer = run_limited(
        _fill_in_child, (doc, house), name=house.name, max_bytes=4 * MAX_HOUSE_BYTES
    )
    return HouseDocument(house.name, base64.b64decode(answer["docx"]))


def _fill_in_child(doc: n.Document, house: Path) -> dict[str, Any]:
    """Render the house template (in the limited child); return it base64-encoded as JSON
    data."""
    from policygen.templating.docxtpl_loader import render_template
    from policygen.writers.docx.guard import check_package

    template = open_house(house)
    context = house_context(doc)
    context[BODY_FIELD] = _BodyMark()
    render_template(template, context, house.name)
    buffer = BytesIO()
    template.save(buffer)
    # Jinja tags can cut XML apart and join it again (a tag in a comment or text ending a
    # field's end, say), so what rendering made is checked as well as the template.
    check_package(buffer.getvalue(), f"{house.name}（渲染结果 rendered）")
    return {"docx": base64.b64encode(buffer.getvalue()).decode("ascii")}


def open_house(path: Path) -> DocxTemplate:
    """Return the docxtpl template at `path`; raise RenderError when it is too large, not a
    Word document, would make Word load anything (guard.check_package), or has no
    ``{{p body }}``."""
    from policygen.templating.docxtpl_loader import open_template
    from policygen.writers.docx.guard import check_package

    data = read_file(path, MAX_HOUSE_BYTES)
    if data is None:
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
    from policygen.writers import page_values

    values = page_values.header_values(doc)
    context: dict[str, Any] = {k: v for k, v in values.items() if isinstance(v, str)}
    context["doc_no"] = doc.meta.number
    roles, names = values["role"], values["name"]
    context["parties"] = [{"role": r, "name": m} for r, m in zip(roles, names, strict=False)]
    context["organisation"] = doc.meta.organisation
    return context
