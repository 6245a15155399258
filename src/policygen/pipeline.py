"""Run the pipeline for one document: profile → context → Jinja → Markdown → tree → layout →
bytes.

Input: a validated Profile, a document kind, for contracts an engagement, and template folders.
Output: a numbered Document, or its bytes in a format. The layout stage is a PDF engine
(layout.engine) of the run's `Engines` session: it lays the tree out once, the PDF is printed
from that layout and the DOCX is handed its page numbers. `pipelined` is the one scheduler
that keeps the engine busy while the next documents are built. Nothing here touches the file
system except reading templates and styles; output.py writes files."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from policygen.errors import InvalidInputError, Issue, RenderError, UsageError
from policygen.house import fill_house
from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.layout.budget import out_of_time
from policygen.layout.engine import Engines, Layout
from policygen.profile.clauses import Clauses
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
from policygen.writers import WRITERS, WriterOptions, needs_layout, write
from policygen.writers.options import pdf_engine_from

T = TypeVar("T")
S = TypeVar("S", bound="Started")
R = TypeVar("R")


def file_stem(kind: str, contract_no: str | None, lang: str = "zh") -> str:
    """Return the output file name without its suffix of a `kind` document of the engagement
    `contract_no` (None: one per profile) in the languages `lang` (Job.stem)."""
    stem = kind if contract_no is None else f"{kind}-{contract_no}"
    return stem if lang == "zh" else f"{stem}-{lang}"


@dataclass(frozen=True)
class Job:
    """One document to render: a kind, and for per-engagement kinds the engagement."""

    kind: Kind
    engagement: Engagement | None
    lang: str = "zh"
    """``zh``, ``en`` or ``zh+en`` (中英文对照): the languages of the document (bilingual)."""

    @property
    def stem(self) -> str:
        """Return the output file name without its suffix, e.g. ``regulation`` or
        ``contract-HX-001``: per-engagement files carry the contract number, a document in
        another language than Chinese its languages (``contract-HX-001-zh+en``)."""
        number = None if self.engagement is None else self.engagement.contract_no
        return file_stem(self.kind.name, number, self.lang)

    def filename(self, fmt: str) -> str:
        """Return the output file name, e.g. ``regulation.docx`` or ``contract-HX-001.pdf``."""
        return f"{self.stem}.{fmt}"


def kind_named(name: str) -> Kind:
    """Return the document kind `name`; raise UsageError listing the kinds when unknown."""
    try:
        return DOCUMENT_KINDS[name]
    except KeyError:
        raise UsageError(
            f"未知的文档类型 {name}；可选：{', '.join(DOCUMENT_KINDS)} (unknown document kind)",
            code="unknown_kind",
            allowed=DOCUMENT_KINDS,
        ) from None


def check_format(fmt: str) -> str:
    """Return `fmt` if a writer exists for it; raise UsageError listing the formats otherwise."""
    if fmt not in WRITERS:
        raise UsageError(
            f"未知的输出格式 {fmt}；可选：{', '.join(WRITERS)} (unknown format)",
            code="unknown_format",
            allowed=WRITERS,
        )
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


def jobs(
    profile: Profile,
    kinds: Sequence[str] | None = None,
    *,
    lang: str | None = None,
    template_dirs: Sequence[Path] = (),
) -> list[Job]:
    """Return the documents a full set holds for `profile`, limited to `kinds` when given, in
    the languages `lang` (None: the profile's ``meta.languages``; bilingual.LANGUAGES). A
    kind without an English template (in `template_dirs` or the bundled ones,
    bilingual.english_kinds) is rendered in Chinese in a full set, and is an error when
    asked for by name in another language.

    Per-engagement kinds give one job per engagement; with no engagements they give none. A
    kind that needs something (the DPA personal information, the safety agreement work on the
    premises) is rendered for the engagements that have it, and is an error when asked for by
    name while none does."""
    from policygen.bilingual import kind_lang

    lang = lang or profile.meta.lang
    selected = [kind_named(k) for k in (kinds or DOCUMENT_KINDS)]
    langs = {
        kind.name: kind_lang(kind.name, lang, named=bool(kinds), template_dirs=template_dirs)
        for kind in selected
    }
    out: list[Job] = []
    for kind in selected:
        if not kind.per_engagement:
            out.append(Job(kind, None, langs[kind.name]))
            continue
        engagements = [e for e in profile.engagements if applies(kind, profile, e)]
        if kinds and kind.needs and not engagements and profile.engagements:
            raise UsageError(f"{kind.name} {NEEDS[kind.needs]}", code="not_applicable")
        out += [Job(kind, e, langs[kind.name]) for e in engagements]
    return out


def engagement_named(profile: Profile, contract_no: str) -> Engagement:
    """Return the engagement of `profile` whose contract number is `contract_no`; raise
    UsageError listing the profile's contract numbers when none is."""
    for engagement in profile.engagements:
        if engagement.contract_no == contract_no:
            return engagement
    numbers = [e.contract_no for e in profile.engagements]
    raise UsageError(
        f"配置中没有合同编号为 {contract_no} 的合同；配置中的合同编号：{_listed(numbers)} "
        "(unknown contract number)",
        code="unknown_contract",
        allowed=numbers,
    )


def job_for(
    profile: Profile,
    kind: str | Kind,
    contract_no: str | None = None,
    *,
    lang: str | None = None,
    template_dirs: Sequence[Path] = (),
) -> Job:
    """Return the one document of `kind` for `profile`: for a per-engagement kind, of the
    engagement whose contract number is `contract_no` (None: the profile's only engagement).
    Raise UsageError when `kind` or `contract_no` is unknown, when `contract_no` is None and
    the profile has several engagements or none, or when the engagement lacks what the kind
    needs (Kind.needs). A kind rendered once per profile ignores `contract_no`. The one
    choice of an engagement by its number: the API, the service, the editor and ``diff``.
    In the languages `lang` (None: the profile's ``meta.languages``): bilingual.kind_lang,
    with the English templates of `template_dirs`."""
    from policygen.bilingual import kind_lang

    kind = kind_named(kind) if isinstance(kind, str) else kind
    languages = kind_lang(
        kind.name, lang or profile.meta.lang, named=True, template_dirs=template_dirs
    )
    if not kind.per_engagement:
        return Job(kind, None, languages)
    if contract_no is not None:
        engagement = engagement_named(profile, contract_no)
    elif len(profile.engagements) == 1:
        engagement = profile.engagements[0]
    else:
        numbers = [e.contract_no for e in profile.engagements]
        raise UsageError(
            f"{kind.name} 每份合同一份，请用合同编号（--contract-no / contract_no）指定一份合同；配置中的合同编号："
            f"{_listed(numbers)} (choose one engagement by its contract number)",
            code="contract_no_required",
            allowed=numbers,
        )
    if not applies(kind, profile, engagement):
        raise UsageError(
            f"{kind.name} {NEEDS[kind.needs]}；合同 {engagement.contract_no} 不适用",
            code="not_applicable",
        )
    return Job(kind, engagement, languages)


def _listed(numbers: Sequence[str]) -> str:
    return ", ".join(numbers) or "（无）"


def build_document(profile: Profile, job: Job, *, template_dirs: Sequence[Path] = ()) -> n.Document:
    """Return the numbered, reference-resolved document tree of `job`."""
    return build_tree(profile, job, template_dirs=template_dirs)[0]


@dataclass(frozen=True)
class Built:
    """One document of a set, built: its job, its tree and how its ids are referred to."""

    job: Job
    document: n.Document
    refs: dict[str, str]


def build_set(
    profile: Profile, *, template_dirs: Sequence[Path] = (), lang: str | None = None
) -> list[Built]:
    """Return every document of the full set for `profile`, built once, for the commands that
    read a whole set (check, lint) without writing it, in the languages `lang` (None: the
    profile's ``meta.languages``)."""
    return [
        Built(job, *build_tree(profile, job, template_dirs=template_dirs))
        for job in jobs(profile, lang=lang, template_dirs=template_dirs)
    ]


def build_tree(
    profile: Profile, job: Job, *, template_dirs: Sequence[Path] = ()
) -> tuple[n.Document, dict[str, str]]:
    """Return the document tree of `job` and how each of its ids is referred to (第十二条).

    A template from `template_dirs` renders in a child process under a time and memory limit
    (templating.limits); the bundled templates render here. In English (``job.lang`` en) the
    English template of ``en/`` renders instead; in both (zh+en) both render and are aligned
    clause by clause (policygen.bilingual), the context built once; the document keeps the
    profile's texts the English prints in Chinese (Document.untranslated)."""
    if job.lang == "zh":
        return finish_tree(profile, job, read_template(profile, job, template_dirs=template_dirs))
    from policygen.bilingual import englished, interleave

    if reworded := list(profile.clauses.replace):
        raise RenderError(
            f"clauses.replace 改写的条款（{'、'.join(reworded)}）只有中文，不能生成英文文本 "
            "(a reworded clause has no English text: render it with --lang zh)"
        )
    context = build_context(profile, job.kind, job.engagement, job.lang)
    english = read_template(
        profile, job, template_dirs=template_dirs, english=True, context=context
    )
    untranslated = english.rendered.untranslated
    if job.lang == "en":
        en_doc, en_refs = finish_tree(profile, job, english, english=True)
        blocks = englished(en_doc.blocks, en_refs)
        return replace(en_doc, blocks=blocks, lang=job.lang, untranslated=untranslated), en_refs
    zh_output = read_template(profile, job, template_dirs=template_dirs, context=context)
    zh_doc, refs = finish_tree(profile, job, zh_output)
    en_doc, _ = finish_tree(profile, job, english, english=True)
    blocks = interleave(
        zh_doc.blocks,
        englished(en_doc.blocks, refs, labels=False),  # the English reads the Chinese numbers by id
        zh_source=zh_output.source,
        en_source=english.source,
    )
    # The English title under the Chinese; the contract number prints from meta.contract_no.
    both = replace(zh_doc, blocks=blocks, subtitle=en_doc.title, lang=job.lang)
    return replace(both, untranslated=untranslated), refs


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
    profile: Profile,
    job: Job,
    *,
    template_dirs: Sequence[Path] = (),
    english: bool = False,
    context: dict[str, object] | None = None,
) -> TemplateOutput:
    """Return `job`'s template rendered with the profile and read into blocks (the first half
    of `build_tree`); with `english`, its English template (bilingual.english_folders);
    `context` is the job's template context when built already (None: built here).

    Templates see ``lang``, the job's languages (``zh``, ``en``, ``zh+en``), and
    ``prevailing_language``, for the clause on which text prevails."""
    kind = job.kind
    if context is None:
        context = build_context(profile, kind, job.engagement, job.lang)
    if english:
        rendered = _render_english(kind, context, template_dirs)
    else:
        rendered = render_template(kind.template, context, template_dirs=template_dirs)
    name = f"en/{kind.template}" if english else kind.template
    source = name if job.engagement is None else f"{name}（合同 {job.engagement.contract_no}）"
    markdown = rendered.markdown
    if kind.agreement and job.engagement is not None:
        parties = (profile.organisation.name, job.engagement.vendor.name)
        markdown = party_voice(markdown, profile.organisation.short_name, parties)
    return TemplateOutput(rendered, read_markdown(markdown, source=source), source)


def _render_english(
    kind: Kind, context: dict[str, object], template_dirs: Sequence[Path]
) -> Rendered:
    """Return `kind`'s English template rendered: the bundled one here, a user's (``en/`` in a
    template folder) in a child process like any user template; raise UsageError when no
    folder has one."""
    from policygen.bilingual import english_folders

    folders = english_folders(list(template_dirs))
    if not any((folder / kind.template).is_file() for folder in folders):
        raise UsageError(f"{kind.name} 没有英文模板 en/{kind.template} (no English template)")
    if len(folders) == 1:
        return environment_for(folders).render_document(kind.template, context)
    return render_template(kind.template, context, template_dirs=folders)


def finish_tree(
    profile: Profile, job: Job, output: TemplateOutput, *, english: bool = False
) -> tuple[n.Document, dict[str, str]]:
    """Return the tree of `job` made from its template's `output` (the second half of
    `build_tree`): clauses adapted, punctuation normalised, numbered, references resolved,
    unbreakable runs marked. With `english` (an English template's output), Chinese
    punctuation is left alone and only the profile's exclusions apply: a clause the profile
    rewords or adds has Chinese text alone, which bilingual alignment reports."""
    kind = job.kind
    rendered, source = output.rendered, output.source
    if english:
        blocks = adapt(output.blocks, Clauses(exclude=profile.clauses.exclude), kind.name)
    else:
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
        signed_at=_signing_place(profile, engagement, job.lang) if agreement else "",
    )


def _signing_place(profile: Profile, engagement: Engagement, lang: str) -> str:
    """Return where `engagement` is signed, in English alone (`lang` en) as
    ``meta.translations`` gives it (else as written, with Latin punctuation)."""
    place = engagement.signing_place or ""
    if lang != "en" or not place:
        return place
    from policygen.templating.filters import en_text

    return en_text(profile.meta.translations.get(place.strip(), place))


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
    PDFs with `pdf_engine` (None: the one ``POLICYGEN_PDF_ENGINE`` names, else
    DEFAULT_PDF_ENGINE) in the house style of `style_file` (None: the one each document's
    ``meta.style`` names), to the archival standard `pdf_standard` (None: a plain PDF), each
    layout stopped at `deadline` (time.monotonic(); None: the layout budget alone); raise
    UsageError for an unknown engine or standard, or a standard the engine cannot print."""
    return WriterOptions(
        template_dirs=environment_for(template_dirs).folders,
        pdf_engine=pdf_engine_from(pdf_engine),
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    )


class Started(Protocol):
    """Work begun for one item of a run (a job, a batch row): what `pipelined` holds."""

    def write_ready(self) -> None:
        """Write now what need not wait for a layout still being made."""


class Files(dict[str, bytes]):
    """Rendered files by name, and what their English texts print in Chinese for want of
    English in ``meta.translations`` (`untranslated`): what every front end reports."""

    untranslated: dict[str, tuple[str, ...]]
    """The profile's Chinese texts each document prints untranslated (Document.untranslated),
    by the document's file stem (Job.stem); a document with none is not listed."""

    def __init__(
        self,
        files: Mapping[str, bytes] | None = None,
        untranslated: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(files or {})
        self.untranslated = dict(untranslated or {})

    def add(self, other: Mapping[str, bytes]) -> None:
        """Add the files of `other` and, when it is Files, what it left untranslated."""
        self.update(other)
        if isinstance(other, Files):
            self.untranslated.update(other.untranslated)

    def __reduce__(self) -> tuple[type[Files], tuple[dict[str, bytes], dict[str, tuple[str, ...]]]]:
        return Files, (dict(self), self.untranslated)  # from worker processes


@dataclass(frozen=True)
class PendingJob:
    """A job whose files are being written: `result` waits for the last of them."""

    job: Job
    files: dict[str, FileResult]
    """Each file's bytes (or error) by output file name, in the order the formats were asked."""
    untranslated: tuple[str, ...] = ()
    """The profile's texts the job's English prints in Chinese (Document.untranslated)."""

    def result(self) -> Files:
        """Return the job's files by name, with what they left untranslated; raise the first
        file's error (in format order)."""
        files = {name: file.result() for name, file in self.files.items()}
        untranslated = {self.job.stem: self.untranslated} if self.untranslated else {}
        return Files(files, untranslated)

    def write_ready(self) -> None:
        """Write now the files left for `result` whose layout is made (or that need none):
        their bytes or errors are kept for `result`. A caller whose next job is being laid
        out writes them while the engine works."""
        for file in self.files.values():
            if isinstance(file, _Later) and file.ready():
                file.write()


class FileResult(Protocol):
    """A file on its way: a Future (a PDF), or one written when first asked for (`_Later`)."""

    def result(self) -> bytes: ...


class _Later:
    """A file written when its bytes are first asked for, or when `write` is called."""

    def __init__(
        self, write: Callable[[Layout | None], bytes], layout: Future[Layout] | None = None
    ) -> None:
        self._write = write
        self.layout = layout
        """The layout writing takes its page numbers from (a DOCX contents page); None: none."""
        self._bytes: bytes | None = None
        self._error: Exception | None = None

    def ready(self) -> bool:
        """Return True when writing need not wait for a layout."""
        return self.layout is None or self.layout.done()

    def write(self) -> None:
        """Write the file now (once), keeping its bytes or its error for `result`."""
        if self._bytes is None and self._error is None:
            try:
                self._bytes = self._write(None if self.layout is None else self.layout.result())
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
    engines: Engines,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> PendingJob:
    """Build `job`'s tree and start writing it in each of `formats`, laid out and printed by
    the engine `pdf_engine` of `engines` (None: as `writer_options` chooses), in the house
    style of `style_file` (None: the profile's ``meta.style``), to the archival standard
    `pdf_standard` (None: a plain PDF), layouts stopped at `deadline` (None: the layout
    budget alone). Raise what building the tree (or the font preflight) raises; a writer's
    error comes from PendingJob.result.

    The layout stage: when a PDF is asked for, or a DOCX with a contents page
    (writers.needs_layout), the engine lays the tree out once, in its own processes, while
    this thread goes on; the PDF is printed from it and the DOCX is handed its Layout. The
    other formats are written when PendingJob.write_ready or result asks for them, so a
    caller with several jobs builds the next trees first (`pipelined`), which keeps the
    engine busy; a DOCX waiting for a layout is written once it is made."""
    formats = [check_format(fmt) for fmt in formats]
    options = writer_options(
        template_dirs,
        pdf_engine=pdf_engine,
        style_file=style_file,
        deadline=deadline,
        pdf_standard=pdf_standard,
    )
    paged = "docx" in formats and job.kind.contents
    engine = engines.get(options.pdf_engine) if "pdf" in formats or paged else None
    if engine is not None:
        engine.warm_up(wait=False)  # its layout processes load while the tree is built
    doc = build_document(profile, job, template_dirs=template_dirs)
    if any(fmt in PRINTED_FORMATS for fmt in formats):
        preflight_glyphs(doc, profile)
    files: dict[str, FileResult] = {}
    house = fill_house(doc, options.template_dirs) if "docx" in formats else None
    printing = None
    if engine is not None:
        wants_layout = any(needs_layout(fmt, doc) for fmt in formats)
        printing = engine.start(doc, options, pdf="pdf" in formats, layout=wants_layout)
    for fmt in formats:
        if fmt == "pdf" and printing is not None and printing.pdf is not None:
            files[fmt] = printing.pdf
            continue
        layout = printing.layout if printing is not None and needs_layout(fmt, doc) else None
        filled = house if fmt == "docx" else None
        files[fmt] = _Later(partial(write, fmt, doc, options, house=filled), layout)
    named = {job.filename(fmt): files[fmt] for fmt in formats}
    return PendingJob(job, named, doc.untranslated)


IN_FLIGHT = 6
"""Jobs started ahead of the one being finished in `render_pipelined` (their trees and files
are held in memory meanwhile)."""


def pipelined(
    items: Iterable[T],
    start: Callable[[T], S],
    finish: Callable[[S], R],
    *,
    ahead: int = IN_FLIGHT,
) -> Iterator[R]:
    """Yield `finish(start(item))` for each of `items`, in order, starting up to `ahead` more
    items before finishing each (``ahead=1``: one ahead): while an engine lays out those, this
    thread builds the next ones, and writes what of the earlier ones needs no layout still
    being made (Started.write_ready). The one scheduler of a run: `render` (here or in each
    worker), `batch` (each worker's rows) and the service (api.render_set).

    When starting an item raises, the items started before it are finished first (the first
    error in item order is the one raised), then the error is raised."""
    pending: deque[S] = deque()
    for item in items:
        try:
            started = start(item)
        except Exception:
            while pending:
                yield finish(pending.popleft())
            raise
        for earlier in pending:  # this item is with the engine now: write theirs meanwhile
            earlier.write_ready()
        pending.append(started)
        if len(pending) > ahead:
            yield finish(pending.popleft())
    for earlier in pending:
        earlier.write_ready()
    while pending:
        yield finish(pending.popleft())


def render_pipelined(
    profile: Profile,
    todo: Iterable[Job],
    formats: Sequence[str],
    *,
    engines: Engines,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> Iterator[tuple[Job, Files]]:
    """Yield each job of `todo` with its files by name (Files, with what they left
    untranslated), in job order, rendered in this process
    by `pipelined` (arguments as for `start_job`). No job is begun after `deadline`."""

    def start(job: Job) -> PendingJob:
        if deadline is not None and time.monotonic() >= deadline:
            raise out_of_time(job.filename(formats[0]) if formats else job.kind.name)
        return start_job(
            profile,
            job,
            formats,
            engines=engines,
            template_dirs=template_dirs,
            pdf_engine=pdf_engine,
            style_file=style_file,
            deadline=deadline,
            pdf_standard=pdf_standard,
        )

    return pipelined(todo, start, lambda pending: (pending.job, pending.result()))


def render_job(
    profile: Profile,
    job: Job,
    formats: Sequence[str],
    *,
    engines: Engines | None = None,
    template_dirs: Sequence[Path] = (),
    pdf_engine: str | None = None,
    style_file: Path | None = None,
    deadline: float | None = None,
    pdf_standard: str | None = None,
) -> Files:
    """Return `job` rendered in each of `formats`, by output file name, in that order (Files,
    with what it left untranslated), laid
    out by the engines of `engines` (None: a session made for this job and closed after it),
    PDFs printed by `pdf_engine` (None: as `writer_options` chooses), in the house style of
    `style_file` (None: the profile's ``meta.style``), to the archival standard
    `pdf_standard` (None: a plain PDF), layouts stopped at `deadline` (time.monotonic();
    None: the layout budget alone)."""
    with contextlib.ExitStack() as stack:
        if engines is None:
            engines = stack.enter_context(Engines())
        return start_job(
            profile,
            job,
            formats,
            engines=engines,
            template_dirs=template_dirs,
            pdf_engine=pdf_engine,
            style_file=style_file,
            deadline=deadline,
            pdf_standard=pdf_standard,
        ).result()
