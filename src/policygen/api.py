"""The Python API: load a profile, render one document or a whole set, as bytes.

Nothing here keeps state between calls, so the functions are safe to call from several
threads. PDFs are laid out by engines (layout.engine) in layout processes of their own, under
the layout budget: a caller rendering many documents (the HTTP service) passes one `Engines`
session to every call and closes it at the end; without one, each call makes its own.

Every call is one request.RenderRequest, checked as every front end checks it: `render` and
`render_set` build one from their arguments; the service and the editor build their own and
call `render_request`, or `plan` then `render_plan` when they look at the documents before
rendering them (the service counts them)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policygen.caches import CACHES
from policygen.errors import NOTHING_TO_RENDER, TooManyDocuments, UsageError
from policygen.layout.engine import Engines
from policygen.pipeline import Files, Job, render_pipelined
from policygen.profile.load import load_profile, load_profile_text, text_format
from policygen.profile.model import Profile
from policygen.request import ProfileSource, ProfileText, RenderOptions, RenderRequest

MAX_SET_DOCUMENTS = 100
"""Most files (documents × formats) one zip of a set may hold (`render_zip`): what the HTTP
service's /render-set and the editor's set download allow by default. A 2 MB body can hold
1,000 engagements, that is 12,000 documents and hours of work for a single request; a larger
set is for ``policygen render`` or ``policygen batch``."""

SET_ZIP_NAME = "policygen-set.zip"
"""The file name a set's zip is downloaded as."""

ZIP_TYPE = "application/zip"
"""The content type of a set's zip."""


def as_profile(source: ProfileSource | str) -> Profile:
    """Return `source` as a validated Profile: a Profile, a mapping, a file path or text."""
    if isinstance(source, Profile):
        return source
    if isinstance(source, ProfileText):
        fmt = text_format(source.text, source.declared)
        return load_profile_text(source.text, fmt=fmt, name=source.name)
    return load_profile(source)


def renderable(source: ProfileSource | str, *, template_dirs: Sequence[Path] = ()) -> Profile:
    """Return `source` as a Profile whose set can be rendered with `template_dirs`: validated,
    and its clause adaptations checked against the documents (validation.check_parsed); raise
    InvalidInputError listing every problem, located in the file when `source` is one.

    First, every cache of what was read from a file that has changed since is emptied
    (caches.CACHES.refresh), so a long-running process renders from the edited files."""
    CACHES.refresh()
    options = RenderOptions.of(template_dirs=template_dirs)
    return RenderRequest(profile=source, options=options).load()


@dataclass(frozen=True)
class Plan:
    """A request's profile, loaded and checked, and the documents it asks of it."""

    profile: Profile
    """The profile, validated and checked with the request's template folders."""
    jobs: list[Job]
    """The documents to render, in render order."""
    options: RenderOptions
    """How to render them: formats, template folders, engine, standard, style."""


def plan(request: RenderRequest) -> Plan:
    """Return what `request` renders: its profile checked (RenderRequest.load) and its
    documents (RenderOptions.jobs). Raise InvalidInputError for a profile that cannot be
    rendered, UsageError for a contract number it lacks. The caches are not refreshed here:
    `render_request` does it first, the service once per request."""
    profile = request.load()
    return Plan(profile, request.options.jobs(profile), request.options)


class RenderedFile(bytes):
    """One rendered file's bytes, and the profile's texts its English prints in Chinese for
    want of English in ``meta.translations`` (`untranslated`)."""

    untranslated: tuple[str, ...]
    """The texts, each once, in the order printed; empty for a document in Chinese alone or
    an English one the profile translates in full."""

    def __new__(cls, data: bytes, untranslated: tuple[str, ...] = ()) -> RenderedFile:
        made = super().__new__(cls, data)
        made.untranslated = tuple(untranslated)
        return made

    def __reduce__(self) -> tuple[type[RenderedFile], tuple[bytes, tuple[str, ...]]]:
        return RenderedFile, (bytes(self), self.untranslated)


def render_plan(
    planned: Plan, *, engines: Engines | None = None, deadline: float | None = None
) -> Files:
    """Return the files of `planned`, by file name, in job then format order (Files: with
    ``untranslated``, the profile's texts each English document prints in Chinese), laid out by
    the engines of `engines` (None: a session made for this call and closed after it);
    no document is begun after `deadline` (time.monotonic(); None: the layout budget alone).
    The one way a request is rendered in this process (the command line renders a large set
    in worker processes, parallel.render_jobs, with the same options)."""
    options = planned.options
    out = Files()
    with contextlib.ExitStack() as stack:
        if engines is None:
            engines = stack.enter_context(Engines())
        for _job, files in render_pipelined(
            planned.profile,
            planned.jobs,
            list(options.formats),
            engines=engines,
            template_dirs=options.template_dirs,
            pdf_engine=options.pdf_engine,
            style_file=options.style,
            deadline=deadline,
            pdf_standard=options.pdf_standard,
        ):
            out.add(files)
    return out


def render_zip(
    planned: Plan,
    max_documents: int = MAX_SET_DOCUMENTS,
    *,
    advice: str = "",
    engines: Engines | None = None,
    deadline: float | None = None,
) -> RenderedFile:
    """Return the files of `planned` (render_plan, with `engines` and `deadline`) as one zip,
    entries in render order with fixed timestamps, so identical input gives an identical zip;
    when its English documents print some of the profile's texts in Chinese, the zip lists
    them by file stem in bilingual.UNTRANSLATED_FILE, and the RenderedFile's `untranslated`
    holds each of them once. Raise TooManyDocuments, before rendering, when they are more
    than `max_documents` (its message ends with `advice`: how the caller's user gets them
    otherwise), and UsageError when there are none."""
    count = len(planned.jobs) * len(planned.options.formats)
    if count > max_documents:
        raise TooManyDocuments(
            f"本次请求将生成 {count} 份文档，超过每次 {max_documents} 份的上限；{advice}"
            f"(more than {max_documents} documents in one request)"
        )
    if not planned.jobs:
        raise UsageError(NOTHING_TO_RENDER)
    from policygen.bilingual import UNTRANSLATED_FILE, distinct_texts, untranslated_json
    from policygen.writers.reproducible import zip_files  # lxml: only when zipping

    files = render_plan(planned, engines=engines, deadline=deadline)
    listed = files.untranslated
    entries = {**files, **({UNTRANSLATED_FILE: untranslated_json(listed)} if listed else {})}
    texts = distinct_texts(listed)
    return RenderedFile(zip_files(entries), texts)


def render_request(
    request: RenderRequest, *, engines: Engines | None = None, deadline: float | None = None
) -> Files:
    """Return the files `request` asks for, by file name: every cache of what was read from
    a file that has changed since is emptied (caches.CACHES.refresh), then `plan`, then
    `render_plan`."""
    CACHES.refresh()
    return render_plan(plan(request), engines=engines, deadline=deadline)


def render(
    source: ProfileSource | str,
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
) -> RenderedFile:
    """Return one document of `kind` in format `fmt` as bytes (RenderedFile: with
    ``untranslated``, the profile's texts its English prints in Chinese).

    For per-engagement kinds (contract, sla) `contract_no` picks the engagement; None means the
    profile's only engagement, and is an error when it has several. `template_dirs` are
    searched before the bundled templates (each must exist). `pdf_engine` lays out
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
    profile's ``meta.languages``. Every argument is checked as the command line checks it
    (request.RenderOptions)."""
    request = RenderRequest.of(
        source,
        kinds=[kind],
        formats=[fmt],
        contract_no=contract_no,
        template_dirs=template_dirs,
        pdf_engine=pdf_engine,
        style=style,
        pdf_standard=pdf_standard,
        lang=lang,
        single=True,
    )
    files = render_request(request, engines=engines, deadline=deadline)
    untranslated = next(iter(files.untranslated.values()), ())
    return RenderedFile(next(iter(files.values())), untranslated)


def render_set(
    source: ProfileSource | str,
    *,
    kinds: Sequence[str] | None = None,
    formats: Sequence[str] = ("docx", "pdf"),
    contract_no: str | None = None,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style: str | Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
    engines: Engines | None = None,
    lang: str | None = None,
) -> Files:
    """Return every document of the set (or of `kinds`; of the engagement `contract_no`
    names, when given) in each of `formats`, by file name (Files: with ``untranslated``, the
    profile's texts each English document prints in Chinese, by file stem); `template_dirs`,
    `pdf_engine`, `style`, `deadline`, `pdf_standard`, `engines` and `lang` as for `render`
    (no document is begun after `deadline`). The documents are pipelined as `render` pipelines them on the
    command line (pipeline.pipelined): the engine lays one out while the next is built."""
    request = RenderRequest.of(
        source,
        kinds=kinds,
        formats=formats,
        contract_no=contract_no,
        template_dirs=template_dirs,
        pdf_engine=pdf_engine,
        style=style,
        pdf_standard=pdf_standard,
        lang=lang,
    )
    return render_request(request, engines=engines, deadline=deadline)


def render_word_template(
    source: ProfileSource | str, template: str | Path, *, kinds: Sequence[str] | None = None
) -> dict[str, bytes]:
    """Return a user's Word template (docxtpl) rendered for every document of the set (or of
    `kinds`) as DOCX bytes, by file name (``mine-HX-001.docx``). The template renders in a
    child process under the user-template limits, so call this under
    ``if __name__ == "__main__":`` in a script."""
    from policygen.word_template import render_word_template as render_template

    return render_template(as_profile(source), Path(template), kinds)
