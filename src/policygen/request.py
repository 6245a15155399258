"""One render request, validated once: what every front end asks policygen to render.

The command line (``render``), the Python API (policygen.render, render_set), the HTTP
service (/render, /render-set), batch and the editor each build a RenderRequest (or, before
they hold the profile, its RenderOptions) from what they were given, and none of them checks
a kind, a format, a template folder, a PDF engine or standard, a style or a contract number
by itself. So the same bad request gets the same message, in Chinese with its English gloss,
from every front end: a UsageError whose `code` (unknown_kind, unknown_format,
template_folder_not_found, unknown_pdf_engine, unknown_pdf_standard, unknown_style,
unknown_contract, contract_no_required…) and `allowed` values the service answers with.

Input: a profile (a file's path, ``-`` for standard input, text with the format its source
declares, a mapping, or a Profile) and the options, as the caller has them (comma-separated
text or sequences). Output: RenderOptions, every option checked and resolved (the PDF engine
chosen, the style file found and read, each template folder existing), or UsageError at the
first wrong one; RenderRequest.load gives the checked Profile (InvalidInputError listing every
problem), and RenderOptions.jobs the documents the request asks of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, field_validator
from pydantic import ValidationError as _PydanticError
from pydantic_core.core_schema import ValidationInfo

from policygen.errors import UsageError
from policygen.pipeline import Job, check_format, engagement_named, job_for, jobs, kind_named
from policygen.profile.model import Profile
from policygen.writers import WRITERS
from policygen.writers.options import check_pdf_standard, pdf_engine_from

DEFAULT_FORMATS = ("docx", "pdf")
"""The formats rendered when a request names none (``render`` without ``-f``)."""

ENGINE_OPTION = "--pdf-engine / pdf_engine"
"""How messages name the PDF engine option: as the command line and as the API and the
service call it, so that every front end gives the same message."""
STANDARD_OPTION = "--pdf-standard / pdf_standard"
"""How messages name the PDF standard option (as ENGINE_OPTION)."""


@dataclass(frozen=True)
class ProfileText:
    """A profile as text, as a request body or an editor's buffer holds it."""

    text: str
    declared: str | None = None
    """The format its source declares: a media type (``application/yaml``) or a format name
    (yaml, json, toml); None: nothing, the text itself tells (profile.load.text_format)."""
    name: str = "<request>"
    """How error locations name the text."""


ProfileSource = Profile | ProfileText | Path | Mapping[str, Any]
"""What a request's profile may be: validated, text, a file's path (``-``: standard input) or
data already parsed."""

Names = str | Iterable[str] | None
"""A list of names as a front end has it: comma-separated text, a sequence (whose items may
be comma-separated, as a repeated ``-f`` option), or None for none."""


def split_names(value: Names) -> tuple[str, ...]:
    """Return the names `value` lists, stripped, empty ones dropped, each once, in order."""
    if value is None:
        return ()
    if not isinstance(value, str | Iterable):
        raise UsageError(f"应为逗号分隔的名称或名称的列表：{value!r} (expected names)")
    items = [value] if isinstance(value, str) else list(value)
    parts = (part.strip() for item in items for part in str(item).split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def check_folder(folder: Path) -> Path:
    """Return `folder` if it is a folder; raise UsageError naming it otherwise."""
    if not Path(folder).is_dir():
        raise UsageError(
            f"模板目录不存在：{folder} (template folder not found)",
            code="template_folder_not_found",
        )
    return Path(folder)


class RenderOptions(BaseModel):
    """What to render of a profile and how, checked in field order; any wrong value raises
    UsageError (InvalidInputError for a style file that is not a valid style). Build it with
    `of`, which takes the values as front ends have them."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    kinds: tuple[str, ...] | None = None
    """The document kinds (policygen.kinds.DOCUMENT_KINDS); None: the full set that applies."""
    formats: tuple[str, ...] = DEFAULT_FORMATS
    """The output formats (policygen.writers.WRITERS), at least one."""
    contract_no: str | None = None
    """The engagement whose documents are rendered, by its contract number; None: every
    engagement's (for a single document: the profile's only engagement)."""
    template_dirs: tuple[Path, ...] = ()
    """Template folders searched before the bundled ones; each must exist."""
    pdf_engine: str = ""
    """What lays documents out and prints PDFs; given None or empty, the one
    ``POLICYGEN_PDF_ENGINE`` names, else Typst (writers.options.pdf_engine_from)."""
    pdf_standard: str | None = None
    """The archival standard PDFs are printed to (writers.options.PDF_STANDARDS), one the
    engine can print; None: a plain PDF."""
    style: Path | None = None
    """The house-style file every document is written in, found from a path or a style's
    name (style.load.style_option) and read; None: each profile's ``meta.style``."""
    lang: str | None = None
    """The languages: ``zh``, ``en`` or ``zh+en`` (中英文对照, policygen.bilingual); None: each
    profile's ``meta.languages``."""
    single: bool = False
    """One document: exactly one kind and one format, for a per-engagement kind the
    engagement `contract_no` names (None: the profile's only one)."""

    @classmethod
    def of(
        cls,
        *,
        kinds: Names = None,
        formats: Names = None,
        contract_no: str | None = None,
        template_dirs: Iterable[str | Path] | None = None,
        pdf_engine: str | None = None,
        pdf_standard: str | None = None,
        style: str | Path | None = None,
        lang: str | None = None,
        single: bool = False,
    ) -> RenderOptions:
        """Return the options checked; `formats` None means DEFAULT_FORMATS, other Nones as
        for the fields. Raise UsageError at the first wrong value."""
        values = {
            "kinds": kinds,
            "formats": DEFAULT_FORMATS if formats is None else formats,
            "contract_no": contract_no,
            "template_dirs": tuple(template_dirs or ()),
            "pdf_engine": pdf_engine,
            "pdf_standard": pdf_standard,
            "style": style,
            "lang": lang,
            "single": single,
        }
        try:
            return cls.model_validate(values)
        except _PydanticError as error:  # a value of the wrong type: a caller's mistake
            raise UsageError(f"请求参数有误 (bad request): {_problems(error)}") from None

    @field_validator("kinds", mode="before")
    @classmethod
    def _kinds(cls, value: Names) -> tuple[str, ...] | None:
        names = split_names(value)
        return tuple(kind_named(name).name for name in names) or None

    @field_validator("formats", mode="before")
    @classmethod
    def _formats(cls, value: Names) -> tuple[str, ...]:
        names = tuple(check_format(name) for name in split_names(value))
        if not names:
            raise UsageError(
                "请至少指定一种输出格式 (no format given)", code="unknown_format", allowed=WRITERS
            )
        return names

    @field_validator("contract_no", mode="before")
    @classmethod
    def _contract_no(cls, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("template_dirs", mode="before")
    @classmethod
    def _template_dirs(cls, value: Iterable[str | Path]) -> tuple[Path, ...]:
        return tuple(check_folder(Path(folder)) for folder in value)

    @field_validator("pdf_engine", mode="before")
    @classmethod
    def _pdf_engine(cls, value: str | None) -> str:
        return pdf_engine_from(value or None, source=ENGINE_OPTION)

    @field_validator("pdf_standard", mode="before")
    @classmethod
    def _pdf_standard(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_pdf_standard(value or None, info.data["pdf_engine"], source=STANDARD_OPTION)

    @field_validator("style", mode="before")
    @classmethod
    def _style(cls, value: str | Path | None, info: ValidationInfo) -> Path | None:
        if value is None or value == "":
            return None
        from policygen.style.load import style_option
        from policygen.templating.environment import environment_for

        return style_option(value, environment_for(info.data["template_dirs"]).folders)

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        from policygen.bilingual import check_lang

        return check_lang(value) if value else None

    @field_validator("single")
    @classmethod
    def _single(cls, value: bool, info: ValidationInfo) -> bool:
        if value and len(info.data["kinds"] or ()) != 1:
            raise UsageError("请指定一种文档类型 (name one document kind)", code="unknown_kind")
        if value and len(info.data["formats"]) != 1:
            raise UsageError("请指定一种输出格式 (name one format)", code="unknown_format")
        return value

    def jobs(self, profile: Profile) -> list[Job]:
        """Return the documents these options ask of `profile`, in render order: the one
        document (pipeline.job_for) when `single`, else the set of `kinds` (pipeline.jobs),
        of the engagement `contract_no` names when given. Raise UsageError for an unknown
        contract number, a missing one where the profile has several, or a kind asked for
        by name that no engagement it applies to can have."""
        if self.single:
            assert self.kinds is not None  # checked by _single
            return [
                job_for(
                    profile,
                    self.kinds[0],
                    self.contract_no,
                    lang=self.lang,
                    template_dirs=self.template_dirs,
                )
            ]
        todo = jobs(profile, self.kinds, lang=self.lang, template_dirs=self.template_dirs)
        if self.contract_no is None:
            return todo
        engagement = engagement_named(profile, self.contract_no)
        return [job for job in todo if job.engagement is None or job.engagement is engagement]


class RenderRequest(BaseModel):
    """A profile and what to render of it. The options are checked when built (`of`, or
    RenderOptions.of before the profile has arrived); the profile when `load` reads it."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    profile: Annotated[ProfileSource | str, SkipValidation]
    """The profile, as ProfileSource says; text given as a ``str`` is a file's path."""
    options: RenderOptions = Field(default_factory=RenderOptions.of)
    """What to render of it, and how."""

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, value: Any) -> ProfileSource:
        if isinstance(value, str):
            return Path(value)
        if isinstance(value, Profile | ProfileText | Path | Mapping):
            return value
        raise UsageError(
            f"配置应为文件路径、文本、映射或 Profile，而不是 {type(value).__name__} "
            "(a profile: a path, text, a mapping or a Profile)"
        )

    @classmethod
    def of(cls, profile: ProfileSource | str, **options: Any) -> RenderRequest:
        """Return the request for `profile` with the RenderOptions.of `options`."""
        return cls(profile=profile, options=RenderOptions.of(**options))

    def load(self) -> Profile:
        """Return the profile checked for rendering with the request's template folders
        (validation: the model, the clause adaptations, the style); raise InvalidInputError
        listing every problem, located in the file or text when it is one."""
        from policygen.profile.load import parse, text_format
        from policygen.validation import check_parsed, checked, load_checked

        folders = self.options.template_dirs
        source = self.profile
        if isinstance(source, Profile):
            return checked(source, template_dirs=folders)
        if isinstance(source, ProfileText):
            fmt = text_format(source.text, source.declared)
            parsed = parse(source.text, fmt=fmt, name=source.name)
            return check_parsed(parsed, template_dirs=folders)
        return load_checked(source, template_dirs=folders)


def _problems(error: _PydanticError) -> str:
    """Return the problems of `error` on one line: ``field: message; …``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


__all__ = [
    "DEFAULT_FORMATS",
    "ProfileSource",
    "ProfileText",
    "RenderOptions",
    "RenderRequest",
    "check_folder",
    "split_names",
]
