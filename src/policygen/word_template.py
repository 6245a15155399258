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

from policygen.errors import NOTHING_TO_RENDER, RenderError, UsageError
from policygen.pipeline import Job, document_date, jobs
from policygen.profile.model import Profile
from policygen.reading import read_file
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
        raise RenderError(NOTHING_TO_RENDER)
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
    data = read_file(template, MAX_TEMPLATE_BYTES)
    if data is None:
        raise RenderError(
            f"Word 模板 {template.name} 超过 {MAX_TEMPLATE_BYTES // 1024**2} MB 上限 "
            "(Word template too large)"
        )
    return data


# --------------------------------------------------------------------------- the child


def _render(data: bytes, context: dict[str, Any], name: str) -> dict[str, Any]:
    """Render the Word template `data` with `context` (in the child); return the DOCX as
    base64 text. Raise RenderError saying what failed and where."""
    from policygen.templating.docxtpl_loader import open_template, render_template
    from policygen.writers.docx.guard import check_package

    template = open_template(data, name)
    render_template(template, context, f"Word 模板 {name}")
    buffer = BytesIO()
    template.save(buffer)
    # Jinja tags can cut XML apart and join it again (a tag in a comment or text ending a
    # field's end, say), so what rendering made is checked as well as the template.
    check_package(buffer.getvalue(), f"Word 模板 {name}（渲染结果 rendered）")
    return {"docx": base64.b64encode(buffer.getvalue()).decode("ascii")}
