"""Render a user's own Word template (docxtpl) with a profile, one DOCX per document.

Input: a validated Profile, a ``.docx`` holding Jinja tags (``{{ organisation.name }}``,
``{{ engagement.fee.amount | rmb_upper }}``, ``{%tr for m in sla.metrics %}``), and the document
kinds. Output: DOCX bytes by file name, or the files written atomically.

Each document gets the context a Markdown template of its kind sees (templating.context) and
the same filters, in the Word sandbox (templating.word_environment: immutable, StrictUndefined,
values escaped for XML). The template, and each DOCX rendered from it, must load nothing from
outside itself (writers.docx.guard: no external links but web and mail hyperlinks, no embedded
objects, only the allowed fields). The template is user code, so it renders in a child process
under the time and memory limits of user Markdown templates (templating.limits): a template
that loops for ever is stopped, and the parent reads back only base64 text. Errors name the template and,
when they can, the paragraph or table row holding the offending tag."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from policygen.errors import PolicygenError, RenderError, UsageError
from policygen.pipeline import Job, document_date, jobs
from policygen.profile.model import Profile
from policygen.templating.context import build_context
from policygen.templating.limits import TemplateLimits, run_limited

MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
"""Largest Word template read."""
MAX_OUTPUT_BYTES = 200 * 1024 * 1024
"""Largest answer read back from the child (base64 of the DOCX, in JSON)."""


def output_names(stem: str, todo: Sequence[Job]) -> list[str]:
    """Return the file name of each job in `todo` rendered from a template named `stem`: like
    the built-in names with the stem for the kind (``mine-HX-001.docx``), and with the kind
    after the stem when several kinds are rendered (``mine-contract-HX-001.docx``)."""
    several = len({job.kind.name for job in todo}) > 1
    names = []
    for job in todo:
        parts = [stem, *([job.kind.name] if several else [])]
        if job.engagement is not None:
            parts.append(job.engagement.contract_no)
        names.append("-".join(parts) + ".docx")
    return names


def render_word_template(
    profile: Profile,
    template: Path,
    kinds: Sequence[str] | None = None,
    *,
    limits: TemplateLimits | None = None,
) -> dict[str, bytes]:
    """Return the Word template at `template` rendered for each document of `profile` (or of
    `kinds`), by output file name. Raise RenderError when the template cannot be read or fails
    to render; nothing is returned in part."""
    from policygen.writers.docx.guard import check_package
    from policygen.writers.reproducible import normalise_docx

    data = _read(template)
    check_package(data, str(template))  # nothing in it may make Word load a file or URL
    todo = jobs(profile, kinds)
    if not todo:
        raise RenderError(
            "没有可生成的文档：所选类型需要 engagements 中至少一份合同 (nothing to render)"
        )
    out: dict[str, bytes] = {}
    for job, name in zip(todo, output_names(template.stem, todo), strict=True):
        context = build_context(profile, job.kind, job.engagement)
        answer = run_limited(
            _render, (data, context, template.name), name=template.name, limits=limits,
            max_bytes=MAX_OUTPUT_BYTES,
        )  # fmt: skip
        when = document_date(profile, job.engagement)
        out[name] = normalise_docx(base64.b64decode(answer["docx"]), when)
    return out


def write_word_template(
    source: str | Path,
    template: Path,
    output: Path,
    *,
    kinds: Sequence[str] | None = None,
    formats: Sequence[str] = (),
) -> list[Path]:
    """Render `template` for the profile at `source` (``-``: standard input) and write the files
    into `output`, all or none; return their paths. `formats`, when given, must be docx only."""
    from policygen.output import write_all
    from policygen.profile.load import load_profile

    if any(fmt != "docx" for fmt in formats):
        raise UsageError(
            "--template 只生成 DOCX，不能与 -f 的其他格式同用 (a Word template gives DOCX only)"
        )
    rendered = render_word_template(load_profile(source), template, kinds)
    try:
        output.mkdir(parents=True, exist_ok=True)
        return write_all(output, rendered)
    except OSError as error:
        raise RenderError(f"无法写入 {output}：{error.strerror} (cannot write output)") from None


def _read(template: Path) -> bytes:
    if not template.is_file():
        raise RenderError(f"找不到 Word 模板 {template} (Word template not found)")
    with open(template, "rb") as file:
        data = file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise RenderError(
            f"Word 模板 {template.name} 超过 {MAX_TEMPLATE_BYTES // 1024**2} MB 上限 "
            "(Word template too large)"
        )
    return data


# --------------------------------------------------------------------------- the child


def _render(data: bytes, context: dict[str, Any], name: str) -> dict[str, Any]:
    """Render the Word template `data` with `context` (in the child); return the DOCX as
    base64 text. Raise RenderError saying what failed and where."""
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError
    from lxml.etree import XMLSyntaxError

    from policygen.templating.messages import undefined_message
    from policygen.templating.word_environment import word_environment
    from policygen.writers.docx.docxtpl_loader import find_tag, open_template
    from policygen.writers.docx.guard import check_package

    template = open_template(data, name)
    try:
        template.render(context, word_environment(), autoescape=True)
    except SecurityError as error:
        raise RenderError(
            f"Word 模板 {name} 试图执行不允许的操作，已阻止 (blocked by the sandbox): {error}"
        ) from None
    except UndefinedError as error:
        looked_up = getattr(error, "name", None)
        found = find_tag(template, looked_up if isinstance(looked_up, str) else "")
        where = f"（{found[0]}「{found[1]}」）" if found else ""
        message = undefined_message(error, found[1] if found else "", context)
        raise RenderError(f"Word 模板 {name}{where} 出错：{message}") from None
    except TemplateSyntaxError as error:
        near = " ".join(line.strip() for line in getattr(error, "docx_context", ()) if line)
        where = f"，位于「{near[:80]}」附近" if near else ""
        raise RenderError(
            f"Word 模板 {name} 语法错误{where} (template syntax error): {error.message}"
        ) from None
    except TemplateError as error:
        raise RenderError(f"Word 模板 {name} 出错 (template error): {error}") from None
    except XMLSyntaxError as error:
        raise RenderError(
            f"Word 模板 {name} 渲染后不是有效的 XML，请检查标签是否拆开了表格或段落 "
            f"(rendered XML is invalid): {error}"
        ) from None
    except (PolicygenError, MemoryError, RecursionError):
        raise
    except Exception as error:  # an expression in the template raised: 1/0, 'a' + 1
        raise RenderError(f"Word 模板 {name} 出错 ({type(error).__name__}): {error}") from None
    buffer = BytesIO()
    template.save(buffer)
    # Jinja tags can cut XML apart and join it again (a tag in a comment or text ending a
    # field's end, say), so what rendering made is checked as well as the template.
    check_package(buffer.getvalue(), f"Word 模板 {name}（渲染结果 rendered）")
    return {"docx": base64.b64encode(buffer.getvalue()).decode("ascii")}
