"""Run the pipeline for one document: profile → context → Jinja → Markdown → tree → bytes.

Input: a validated Profile, a document kind, for contracts an engagement, and template folders.
Output: a numbered Document, or its bytes in a format. Nothing here touches the file system
except reading templates and styles; output.py writes files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol

from policygen.errors import InvalidInputError, Issue, RenderError, UsageError
from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.profile.engagement import Engagement
from policygen.profile.model import Profile
from policygen.readers.markdown import read_markdown
from policygen.templating.context import build_context
from policygen.templating.environment import Rendered, environment_for
from policygen.templating.limits import render_template
from policygen.transforms.clauses import adapt
from policygen.transforms.nobreak import mark
from policygen.transforms.numbering import number
from policygen.transforms.punctuation import normalise
from policygen.transforms.references import resolve
from policygen.transforms.voice import party_voice
from policygen.tree import nodes as n
from policygen.writers import WRITERS, WriterOptions, start_writing
from policygen.writers.options import pdf_engine_from


@dataclass(frozen=True)
class Job:
    """One document to render: a kind, and for per-engagement kinds the engagement."""

    kind: Kind
    engagement: Engagement | None

    def filename(self, fmt: str) -> str:
        """Return the output file name, e.g. ``regulation.docx`` or ``contract-HX-001.pdf``."""
        if self.engagement is None:
            return f"{self.kind.name}.{fmt}"
        return f"{self.kind.name}-{self.engagement.contract_no}.{fmt}"


def kind_named(name: str) -> Kind:
    """Return the document kind `name`; raise UsageError listing the kinds when unknown."""
    try:
        return DOCUMENT_KINDS[name]
    except KeyError:
        raise UsageError(
            f"未知的文档类型 {name}；可选：{', '.join(DOCUMENT_KINDS)} (unknown document kind)"
        ) from None


def check_format(fmt: str) -> str:
    """Return `fmt` if a writer exists for it; raise UsageError listing the formats otherwise."""
    if fmt not in WRITERS:
        raise UsageError(f"未知的输出格式 {fmt}；可选：{', '.join(WRITERS)} (unknown format)")
    return fmt


NEEDS = {
    "personal_info": "仅为委托处理个人信息的合同生成：没有合同的 "
    "data_protection.processes_personal_info 为 true "
    "(only offered for engagements that entrust personal information)",
    "on_premises": "仅为乙方人员在甲方场所作业的合同生成：没有合同填写 on_premises "
    "(only offered for engagements with work on the premises)",
}
"""Why a kind that needs something (Kind.needs) is not rendered for a profile."""


def applies(kind: Kind, profile: Profile, engagement: Engagement) -> bool:
    """Return whether `kind` is rendered for `engagement`: always, unless the kind needs
    something the engagement lacks (Kind.needs)."""
    if kind.needs == "personal_info":
        return profile.section("data_protection", engagement).processes_personal_info
    if kind.needs == "on_premises":
        return engagement.on_premises is not None
    return True


def jobs(profile: Profile, kinds: Sequence[str] | None = None) -> list[Job]:
    """Return the documents a full set holds for `profile`, limited to `kinds` when given.

    Per-engagement kinds give one job per engagement; with no engagements they give none. A
    kind that needs something (the DPA personal information, the safety agreement work on the
    premises) is rendered for the engagements that have it, and is an error when asked for by
    name while none does."""
    selected = [kind_named(k) for k in (kinds or DOCUMENT_KINDS)]
    out: list[Job] = []
    for kind in selected:
        if not kind.per_engagement:
            out.append(Job(kind, None))
            continue
        engagements = [e for e in profile.engagements if applies(kind, profile, e)]
        if kinds and kind.needs and not engagements and profile.engagements:
            raise UsageError(f"{kind.name} {NEEDS[kind.needs]}")
        out += [Job(kind, e) for e in engagements]
    return out


def build_document(profile: Profile, job: Job, *, template_dirs: Sequence[Path] = ()) -> n.Document:
    """Return the numbered, reference-resolved document tree of `job`."""
    return build_tree(profile, job, template_dirs=template_dirs)[0]


@dataclass(frozen=True)
class Built:
    """One document of a set, built: its job, its tree and how its ids are referred to."""

    job: Job
    document: n.Document
    refs: dict[str, str]


def build_set(profile: Profile, *, template_dirs: Sequence[Path] = ()) -> list[Built]:
    """Return every document of the full set for `profile`, built once, for the commands that
    read a whole set (check, lint) without writing it."""
    return [
        Built(job, *build_tree(profile, job, template_dirs=template_dirs)) for job in jobs(profile)
    ]


def build_tree(
    profile: Profile, job: Job, *, template_dirs: Sequence[Path] = ()
) -> tuple[n.Document, dict[str, str]]:
    """Return the document tree of `job` and how each of its ids is referred to (第十二条).

    A template from `template_dirs` renders in a child process under a time and memory limit
    (templating.limits); the bundled templates render here."""
    return finish_tree(profile, job, read_template(profile, job, template_dirs=template_dirs))


@dataclass(frozen=True)
class TemplateOutput:
    """A job's template rendered and read, before the profile's clause adaptations."""

    rendered: Rendered
    """What the template produced: its Markdown and the values it set (title…)."""
    blocks: tuple[n.Block, ...]
    """The Markdown read into unnumbered blocks, every library clause still in place."""
    source: str
    """How errors name the document, e.g. ``contract.md.j2（合同 HX-001）``."""


def read_template(
    profile: Profile, job: Job, *, template_dirs: Sequence[Path] = ()
) -> TemplateOutput:
    """Return `job`'s template rendered with the profile and read into blocks (the first half
    of `build_tree`)."""
    kind = job.kind
    context = build_context(profile, kind, job.engagement)
    rendered = render_template(kind.template, context, template_dirs=template_dirs)
    source = (
        kind.template
        if job.engagement is None
        else (f"{kind.template}（合同 {job.engagement.contract_no}）")
    )
    markdown = rendered.markdown
    if kind.agreement and job.engagement is not None:
        parties = (profile.organisation.name, job.engagement.vendor.name)
        markdown = party_voice(markdown, profile.organisation.short_name, parties)
    return TemplateOutput(rendered, read_markdown(markdown, source=source), source)


def finish_tree(
    profile: Profile, job: Job, output: TemplateOutput
) -> tuple[n.Document, dict[str, str]]:
    """Return the tree of `job` made from its template's `output` (the second half of
    `build_tree`): clauses adapted, punctuation normalised, numbered, references resolved,
    unbreakable runs marked."""
    kind = job.kind
    rendered, source = output.rendered, output.source
    blocks = adapt(output.blocks, profile.clauses, kind.name)
    blocks = normalise(blocks, keep=_registered_names(profile))
    blocks, refs = number(blocks, kind.scheme)
    blocks = mark(resolve(blocks, refs, source=source))
    title = rendered.title
    if not title:
        raise RenderError(
            f"{kind.template}: 模板应以 {{% set title = ... %}} 设置标题 (set a title)"
        )
    document = n.Document(
        kind=kind.name,
        title=title,
        subtitle=rendered.subtitle,
        blocks=blocks,
        style=profile.meta.style,
        meta=document_meta(
            profile, job, blocks, subject=rendered.subject or title, keywords=rendered.keywords
        ),
    )
    return document, refs


def document_meta(
    profile: Profile,
    job: Job,
    blocks: tuple[n.Block, ...] = (),
    *,
    subject: str = "",
    keywords: tuple[str, ...] = (),
) -> n.DocumentMeta:
    """Return the properties of the document of `job`, whose body is `blocks`.

    The organisation's own document (a regulation) has its version, effective date and
    发文字号. A per-engagement document has the contract number and no version or effective
    date; when it is an agreement, also the parties of the first signature block in `blocks`
    and the engagement's signing date and place."""
    meta = profile.meta
    organisation = profile.organisation.name
    engagement = job.engagement
    if engagement is None:
        return n.DocumentMeta(
            organisation=organisation,
            version=meta.version,
            date=meta.effective_date,
            subject=subject,
            keywords=keywords,
            doc_no=meta.document_no or "",
            effective_date=meta.effective_date,
        )
    agreement = job.kind.agreement
    return n.DocumentMeta(
        organisation=organisation,
        version="",
        date=document_date(profile, engagement),
        subject=subject,
        keywords=keywords,
        contract_no=engagement.contract_no,
        parties=_signing_parties(blocks) if agreement else (),
        signed_on=engagement.signing_date if agreement else None,
        signed_at=(engagement.signing_place or "") if agreement else "",
    )


def _signing_parties(blocks: tuple[n.Block, ...]) -> tuple[n.SignatureParty, ...]:
    """Return the parties of the first signature block in `blocks`, at any depth."""
    for block in blocks:
        match block:
            case n.SignatureBlock(parties=parties):
                return parties
            case n.Chapter(blocks=inner) | n.Article(blocks=inner):
                if found := _signing_parties(inner):
                    return found
    return ()


def document_date(profile: Profile, engagement: Engagement | None) -> date:
    """Return the date the files of a document are stamped with (created and modified): with
    `engagement` None, the regulation's effective date; for a document of `engagement`, its
    signing date, else the start of its term (not the regulation's effective date)."""
    if engagement is None:
        return profile.meta.effective_date
    return engagement.signing_date or engagement.term.start


PRINTED_FORMATS = ("pdf",)
"""Formats printed in the fonts policygen configures: a character without a glyph there is an
error. DOCX is not one: Word and LibreOffice bring their own fonts and fallbacks, so a DOCX-only
render works without the Noto CJK fonts installed (and skips the font preflight)."""


def preflight_glyphs(doc: n.Document, profile: Profile) -> None:
    """Raise an error naming every character of `doc` the configured fonts cannot draw,
    instead of letting it print as an empty box or vanish: InvalidInputError at the profile
    fields when they hold every such character (an input error: exit 1, HTTP 422), else
    RenderError (a template's own text)."""
    from policygen.fonts import missing_glyphs

    missing = missing_glyphs(doc, profile)
    if missing and all(m.profile_paths for m in missing):
        raise InvalidInputError(
            [Issue("、".join(m.profile_paths), m.message(source=False)) for m in missing[:20]],
            "字体预检 (font preflight)",
        )
    if missing:
        lines = "\n".join(f"  - {m.message()}" for m in missing[:20])
        more = f"\n  …另有 {len(missing) - 20} 个" if len(missing) > 20 else ""
        raise RenderError(
            f"以下字符在所配置的字体中没有字形，无法正确印出 (no glyph in the fonts):\n{lines}{more}"
        )


def _registered_names(profile: Profile) -> tuple[str, ...]:
    """Return the parties' registered names: printed exactly, never re-punctuated."""
    return (profile.organisation.name, *(e.vendor.name for e in profile.engagements))


def writer_options(
    template_dirs: Sequence[Path] = (),
    *,
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> WriterOptions:
    """Return writer options searching `template_dirs` before the bundled templates, printing
    PDFs with `pdf_engine` (None: the one ``POLICYGEN_PDF_ENGINE`` names, else WeasyPrint) in
    the house style of `style_file` (None: the one each document's ``meta.style`` names), to
    the archival standard `pdf_standard` (None: a plain PDF), each layout stopped at
    `deadline` (time.monotonic(); None: the layout budget alone); raise UsageError for an
    unknown engine or standard, or a standard the engine cannot print."""
    return WriterOptions(
        template_dirs=environment_for(template_dirs).folders,
        pdf_engine=pdf_engine_from(pdf_engine),
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    )


@dataclass(frozen=True)
class PendingJob:
    """A job whose files are being written: `result` waits for the last of them."""

    job: Job
    files: dict[str, FileResult]
    """Each file's bytes (or error) by output file name, in the order the formats were asked."""

    def result(self) -> dict[str, bytes]:
        """Return the job's files by name; raise the first file's error (in format order)."""
        return {name: file.result() for name, file in self.files.items()}

    def write_ready(self) -> None:
        """Write now the files left for `result` that need not wait: all of them once the PDF
        is laid out, else all but a contents page's DOCX. Their bytes or errors are kept for
        `result`: a caller whose next job is queued in Typst writes them while Typst works."""
        laid_out = all(file.done() for file in self.files.values() if isinstance(file, Future))
        for file in self.files.values():
            if isinstance(file, _Later) and (laid_out or not file.needs_layout):
                file.write()


class FileResult(Protocol):
    """A file on its way: a Future, or one written when first asked for (`_Later`)."""

    def result(self) -> bytes: ...


class _Later:
    """A file written when its bytes are first asked for, or when `write` is called."""

    def __init__(self, write: Callable[[], bytes], *, needs_layout: bool = False) -> None:
        self._write = write
        self.needs_layout = needs_layout
        """True when writing waits for the PDF's layout (a DOCX's contents page numbers)."""
        self._bytes: bytes | None = None
        self._error: Exception | None = None

    def write(self) -> None:
        """Write the file now (once), keeping its bytes or its error for `result`."""
        if self._bytes is None and self._error is None:
            try:
                self._bytes = self._write()
            except Exception as error:
                self._error = error

    def result(self) -> bytes:
        self.write()
        if self._error is not None:
            raise self._error
        assert self._bytes is not None
        return self._bytes


def start_job(
    profile: Profile,
    job: Job,
    formats: Sequence[str],
    *,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> PendingJob:
    """Build `job`'s tree and start writing it in each of `formats`, PDFs printed by
    `pdf_engine` (None: as `writer_options` chooses), in the house style of `style_file`
    (None: the profile's ``meta.style``), to the archival standard `pdf_standard` (None: a
    plain PDF), layouts stopped at `deadline` (None: the layout budget alone). Raise what
    building the tree (or the font preflight) raises; a writer's error comes from
    PendingJob.result.

    A regulation's DOCX lays the document out for its contents page numbers (writers.page_map,
    by the same engine as the PDF), and the PDF then prints that layout instead of making it
    again; so with WeasyPrint the DOCX is written first, whatever the order asked. With Typst
    the PDF is laid out in one of Typst's threads (writers.start_writing), and the other
    formats are written only when PendingJob.write_ready or result asks for them: a caller
    with several jobs builds the next trees first, which keeps Typst busy, and a contents
    page's DOCX waits until the layout is made."""
    formats = [check_format(fmt) for fmt in formats]
    options = writer_options(
        template_dirs,
        pdf_engine=pdf_engine,
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    )
    if "pdf" in formats or ("docx" in formats and job.kind.contents):
        # The PDF engine loads in its layout processes while the tree is built.
        if options.pdf_engine == "weasyprint":
            from policygen.writers.pdf import warm_up
        else:
            from policygen.writers.pdf_typst import warm_up
        warm_up(wait=False)
    doc = build_document(profile, job, template_dirs=template_dirs)
    if any(fmt in PRINTED_FORMATS for fmt in formats):
        preflight_glyphs(doc, profile)
    files: dict[str, FileResult] = {}
    if options.pdf_engine == "typst":
        if "pdf" in formats:
            files["pdf"] = start_writing("pdf", doc, options)
        for fmt in formats:
            if fmt != "pdf":
                files[fmt] = _Later(
                    partial(WRITERS[fmt], doc, options),
                    needs_layout=fmt == "docx" and job.kind.contents,
                )
    else:
        for fmt in dict.fromkeys([*(fmt for fmt in formats if fmt == "docx"), *formats]):
            files[fmt] = start_writing(fmt, doc, options)
    return PendingJob(job, {job.filename(fmt): files[fmt] for fmt in formats})


def render_job(
    profile: Profile,
    job: Job,
    formats: Sequence[str],
    *,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> dict[str, bytes]:
    """Return `job` rendered in each of `formats`, by output file name, in that order, PDFs
    printed by `pdf_engine` (None: as `writer_options` chooses), in the house style of
    `style_file` (None: the profile's ``meta.style``), to the archival standard
    `pdf_standard` (None: a plain PDF), layouts stopped at `deadline` (time.monotonic();
    None: the layout budget alone)."""
    return start_job(
        profile,
        job,
        formats,
        template_dirs=template_dirs,
        pdf_engine=pdf_engine,
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    ).result()
