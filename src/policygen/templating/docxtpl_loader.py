"""Import docxtpl without letting it break python-docx's core document properties.

docxtpl imports docxcompose, whose ``utils`` module rebinds python-docx's ``cp`` prefix
process-wide to the *custom*-properties namespace. python-docx resolves ``cp:keywords``,
``cp:category``, ``cp:version`` and the other core properties through that prefix, so once
docxtpl has been imported every DOCX written by the same process would silently lose them.
docxtpl is therefore imported only here, and the prefix is put back straight after.
docxcompose's own code keeps working: it looks the custom namespace up in its private
``NS`` table, not in python-docx's.

Also: where in a template a Jinja tag naming a field is, for error messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from typing import TYPE_CHECKING, Any
from zipfile import BadZipFile

from policygen.errors import RenderError

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docxtpl import DocxTemplate

_TAG = re.compile(r"\{[{%].*?[%}]\}")

CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def load_docxtpl() -> type[DocxTemplate]:
    """Return docxtpl's ``DocxTemplate`` with python-docx's ``cp`` prefix intact."""
    from docx.oxml.ns import nsmap
    from docxtpl import DocxTemplate

    nsmap["cp"] = CORE_PROPERTIES
    loaded: type[DocxTemplate] = DocxTemplate  # docxtpl ships no types: say what it is
    return loaded


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


def find_tag(template: DocxTemplate, name: str) -> tuple[str, str] | None:
    """Return where in `template`'s source the first tag naming `name` is and the tag, e.g.
    ``("第 3 段", "{{ organisation.nam }}")``; None when it cannot be found."""
    if not name:
        return None
    word = re.compile(rf"\b{re.escape(name)}\b")
    for where, text in texts(template.get_docx()):
        for tag in _TAG.findall(text):
            if word.search(tag):
                return where, tag
    return None


def texts(document: DocxDocument) -> Iterator[tuple[str, str]]:
    """Yield (where, text) for each paragraph of `document`'s body, tables and headers."""
    from docx.table import Table

    paragraph = table = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            table += 1
            for row_index, row in enumerate(block.rows, start=1):
                text = "".join(p.text for cell in row.cells for p in cell.paragraphs)
                yield f"第 {table} 个表格第 {row_index} 行", text
        else:
            paragraph += 1
            yield f"第 {paragraph} 段", block.text
    for section in document.sections:
        for part, label in ((section.header, "页眉"), (section.footer, "页脚")):
            yield label, "".join(p.text for p in part.paragraphs)


def render_template(template: DocxTemplate, context: dict[str, Any], label: str) -> None:
    """Render the Word template `template` with `context` in the Word sandbox; raise
    RenderError starting with `label` (``Word 模板 x.docx``, a house document's name) saying
    what failed and where: the sandbox's refusal, an undefined field with its tag and the
    closest name, a syntax error near its text, XML the tags cut apart, an expression that
    raised (1/0)."""
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError
    from lxml.etree import XMLSyntaxError

    from policygen.errors import PolicygenError
    from policygen.templating.messages import undefined_message
    from policygen.templating.word_environment import word_environment

    try:
        template.render(context, word_environment(), autoescape=True)
    except SecurityError as error:
        raise RenderError(
            f"{label} 试图执行不允许的操作，已阻止 (blocked by the sandbox): {error}"
        ) from None
    except UndefinedError as error:
        looked_up = getattr(error, "name", None)
        found = find_tag(template, looked_up if isinstance(looked_up, str) else "")
        where = f"（{found[0]}「{found[1]}」）" if found else ""
        message = undefined_message(error, found[1] if found else "", sorted(context))
        raise RenderError(f"{label}{where} 出错：{message}") from None
    except TemplateSyntaxError as error:
        near = " ".join(line.strip() for line in getattr(error, "docx_context", ()) if line)
        where = f"，位于「{near[:80]}」附近" if near else ""
        raise RenderError(
            f"{label} 语法错误{where} (template syntax error): {error.message}"
        ) from None
    except TemplateError as error:
        raise RenderError(f"{label} 出错 (template error): {error}") from None
    except XMLSyntaxError as error:
        raise RenderError(
            f"{label} 渲染后不是有效的 XML，请检查标签是否拆开了表格或段落 "
            f"(rendered XML is invalid): {error}"
        ) from None
    except (PolicygenError, MemoryError, RecursionError):
        raise
    except Exception as error:  # an expression in the template raised: 1/0, 'a' + 1
        raise RenderError(f"{label} 出错 ({type(error).__name__}): {error}") from None
