"""The Python API: load a profile, render one document or a whole set, as bytes.

Nothing here keeps state between calls, so the functions are safe to call from several
threads. PDFs are laid out by engines (layout.engine) in layout processes of their own, under
the layout budget: a caller rendering many documents (the HTTP service) passes one `Engines`
session to every call and closes it at the end; without one, each call makes its own."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policygen.caches import CACHES
from policygen.errors import UsageError
from policygen.layout.engine import Engines
from policygen.pipeline import Job, check_format, jobs, kind_named, render_job, render_pipelined
from policygen.profile.load import load_profile
from policygen.profile.model import Profile
from policygen.templating.environment import environment_for
from policygen.validation import checked, load_checked
from policygen.writers.options import check_pdf_standard, pdf_engine_from

ProfileSource = Profile | Mapping[str, Any] | str | Path


def as_profile(source: ProfileSource) -> Profile:
    """Return `source` as a validated Profile: a Profile, a mapping, or a file path."""
    if isinstance(source, Profile):
        return source
    return load_profile(source)


def renderable(source: ProfileSource, *, template_dirs: Sequence[Path] = ()) -> Profile:
    """Return `source` as a Profile whose set can be rendered with `template_dirs`: validated,
    and its clause adaptations checked against the documents (validation.check_parsed); raise
    InvalidInputError listing every problem, located in the file when `source` is one.

    First, every cache of what was read from a file that has changed since is emptied
    (caches.CACHES.refresh), so a long-running process renders from the edited files."""
    CACHES.refresh()
    if isinstance(source, Profile):
        return checked(source, template_dirs=template_dirs)
    return load_checked(source, template_dirs=template_dirs)


def render(
    source: ProfileSource,
    kind: str,
    fmt: str = "docx",
    *,
    contract_no: str | None = None,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style: str | Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
    engines: Engines | None = None,
    lang: str | None = None,
) -> bytes:
    """Return one document of `kind` in format `fmt` as bytes.

    For per-engagement kinds (contract, sla) `contract_no` picks the engagement; None means the
    profile's only engagement, and is an error when it has several. `pdf_engine` lays out
    and prints PDFs (and numbers a regulation's DOCX contents page): ``typst`` or
    ``weasyprint``; None means the one ``POLICYGEN_PDF_ENGINE`` names, else Typst. `style` is
    a house-style file (``*.style.yaml``) or the name of a style in `template_dirs`, used
    instead of the profile's ``meta.style``; None keeps ``meta.style``. `pdf_standard` prints
    PDFs to an archival or accessibility standard, a key of writers.options.PDF_STANDARDS
    (``a-2b``, ``ua-1``…; UsageError when `pdf_engine` cannot print it); None: a plain PDF. A
    layout still running at `deadline` (a time.monotonic() value; None: none) is stopped with
    layout.budget.BudgetExceeded, as is one beyond the layout budget. `engines` is the
    session whose engines lay it out (None: one made for this call and closed after it).
    `lang` is ``zh``, ``en`` or ``zh+en`` (中英文对照, policygen.bilingual); None: the
    profile's ``meta.languages``."""
    engine = pdf_engine_from(pdf_engine)
    check_pdf_standard(pdf_standard, engine)
    style_file = _style_file(style, template_dirs)
    profile = renderable(source, template_dirs=template_dirs)
    document_kind = kind_named(kind)
    engagement = None
    if document_kind.per_engagement:
        matches = [
            e for e in profile.engagements if contract_no is None or e.contract_no == contract_no
        ]
        if len(matches) != 1:
            numbers = ", ".join(e.contract_no for e in profile.engagements) or "（无）"
            raise UsageError(
                f"请用 contract_no 指定一份合同；配置中的合同编号：{numbers} (choose one engagement)"
            )
        engagement = matches[0]
    from policygen.bilingual import kind_lang

    job = Job(document_kind, engagement, kind_lang(kind, lang or profile.meta.lang, named=True))
    return render_job(
        profile,
        job,
        [check_format(fmt)],
        engines=engines,
        template_dirs=template_dirs,
        pdf_engine=engine,
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    )[job.filename(fmt)]


def render_set(
    source: ProfileSource,
    *,
    kinds: Sequence[str] | None = None,
    formats: Sequence[str] = ("docx", "pdf"),
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style: str | Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
    engines: Engines | None = None,
    lang: str | None = None,
) -> dict[str, bytes]:
    """Return every document of the set (or of `kinds`) in each of `formats`, by file name;
    `pdf_engine`, `style`, `deadline`, `pdf_standard`, `engines` and `lang` as for `render` (no
    document is begun after `deadline`). The documents are pipelined as `render` pipelines
    them on the command line (pipeline.pipelined): the engine lays one out while the next is
    built."""
    engine = pdf_engine_from(pdf_engine)
    check_pdf_standard(pdf_standard, engine)
    style_file = _style_file(style, template_dirs)
    profile = renderable(source, template_dirs=template_dirs)
    out: dict[str, bytes] = {}
    with contextlib.ExitStack() as stack:
        if engines is None:
            engines = stack.enter_context(Engines())
        for _job, files in render_pipelined(
            profile,
            jobs(profile, kinds, lang=lang),
            [check_format(fmt) for fmt in formats],
            engines=engines,
            template_dirs=template_dirs,
            pdf_engine=engine,
            style_file=style_file,
            deadline=deadline,
            pdf_standard=pdf_standard,
        ):
            out.update(files)
    return out


def _style_file(style: str | Path | None, template_dirs: Sequence[Path]) -> Path | None:
    """Return the style file `style` gives (None: none), checked; see style.load.style_option."""
    if style is None:
        return None
    from policygen.style.load import style_option

    return style_option(style, environment_for(template_dirs).folders)


def render_word_template(
    source: ProfileSource, template: str | Path, *, kinds: Sequence[str] | None = None
) -> dict[str, bytes]:
    """Return a user's Word template (docxtpl) rendered for every document of the set (or of
    `kinds`) as DOCX bytes, by file name (``mine-HX-001.docx``). The template renders in a
    child process under the user-template limits, so call this under
    ``if __name__ == "__main__":`` in a script."""
    from policygen.word_template import render_word_template as render_template

    return render_template(as_profile(source), Path(template), kinds)
