"""What the editor does with the profile a page holds: check it, preview a document, list its
clauses and findings, render files, compare it with the saved and the committed version.

Input: the profile as plain data (the page's form, sent as JSON) and the workspace it was
opened from. Output: JSON-ready results or file bytes. Every check goes through the code
path of ``policygen validate`` (profile.load.parse, then validation.check_parsed), so the
page shows the same problems, at the same field paths, with the same messages. Every choice
of documents and every file goes through the one render request (request.RenderOptions,
RenderRequest: kinds, formats, contract numbers, template folders, languages, PDF engine and
standard checked there, with their messages) and the API built on it (api.plan,
api.render_plan), as the command line, the service and batch do."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from policygen.api import Plan, plan, render_plan, render_zip
from policygen.editor.workspace import Workspace
from policygen.errors import InvalidInputError, Issue, PolicygenError, UsageError
from policygen.pipeline import job_for
from policygen.profile.load import parse
from policygen.profile.model import Profile
from policygen.request import ProfileText, RenderOptions, RenderRequest
from policygen.validation import check_parsed

if TYPE_CHECKING:
    from policygen.diff import Comparison

_CLAUSE_ID = re.compile(r"[A-Za-z][\w-]{0,127}")
"""An id the preview may highlight; anything else is never written into its style sheet."""


@dataclass(frozen=True)
class Checked:
    """A profile the page holds, checked."""

    profile: Profile | None
    """The profile; None when it has problems."""
    issues: tuple[Issue, ...]
    """Every problem, at its field path, as ``policygen validate`` lists them."""


def plain(value: Any) -> Any:
    """Return parsed profile data (profile.load: Decimals, strings, lists, mappings) as JSON
    data: a whole Decimal as an int, any other as a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def read_data(text: str, name: str) -> Any:
    """Return the plain data of profile file text `text` named `name`, as the page edits
    it; raise InvalidInputError when it cannot be parsed."""
    return plain(parse(text, fmt=format_of(name), name=name).data)


def format_of(name: str) -> str:
    """Return the profile format of file `name` by its suffix (YAML when unknown)."""
    suffix = PurePosixPath(name).suffix.lower()
    return {".json": "json", ".toml": "toml"}.get(suffix, "yaml")


def check(
    data: Any, name: str, *, template_dirs: Sequence[Path] = (), documents: bool = True
) -> Checked:
    """Return `data` checked as ``policygen validate`` checks the file `name` would be: the
    model, the clause adaptations and (with `documents`) every document of the set built."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        parsed = parse(text, fmt="json", name=name)
        profile = check_parsed(parsed, template_dirs=template_dirs, documents=documents)
    except InvalidInputError as error:
        return Checked(None, tuple(error.issues))
    return Checked(profile, ())


def request_for(data: Any, name: str, options: RenderOptions) -> RenderRequest:
    """Return the render request of the profile the page holds, `data`, named `name` (the
    file it was opened from), with `options` checked already (RenderOptions.of)."""
    text = json.dumps(data, ensure_ascii=False)
    return RenderRequest(profile=ProfileText(text, "json", name), options=options)


def checked(data: Any, name: str, options: RenderOptions) -> Profile:
    """Return the profile in `data` checked for rendering with `options` (RenderRequest.load);
    raise InvalidInputError listing its problems."""
    return request_for(data, name, options).load()


def documents(profile: Profile, options: RenderOptions) -> list[dict[str, str | None]]:
    """Return every document `options` asks of `profile` (RenderOptions.jobs: the whole set,
    in the languages `options.lang`) as the page offers it for preview: kind, contract
    number (None for the organisation's own), languages and file stem."""
    return [
        {
            "kind": job.kind.name,
            "contract_no": job.engagement.contract_no if job.engagement else None,
            "lang": job.lang,
            "stem": job.stem,
        }
        for job in options.jobs(profile)
    ]


def one_document(data: Any, name: str, options: RenderOptions) -> Plan:
    """Return the plan (api.plan) of the one document `options` asks of the profile in `data`:
    its kind (`options.kinds`, one) of the contract `options.contract_no`; None: of the first
    engagement that has one, as the page shows a document before it has chosen. Raise
    UsageError as RenderOptions.jobs and pipeline.job_for do."""
    whole = plan(request_for(data, name, options))
    if not whole.jobs:  # a per-engagement kind and no engagement: job_for says why
        assert options.kinds is not None
        job_for(
            whole.profile,
            options.kinds[0],
            options.contract_no,
            lang=options.lang,
            template_dirs=options.template_dirs,
        )
    return dataclasses.replace(whole, jobs=whole.jobs[:1])


def rendered(planned: Plan) -> tuple[str, bytes]:
    """Return the file name and bytes of the one document in one format of `planned`."""
    ((filename, data),) = render_plan(planned).items()
    return filename, data


def preview(planned: Plan, *, saved: Profile | None = None) -> dict[str, Any]:
    """Return the HTML of the one document of `planned` (one_document, in HTML) and the ids
    of its clauses added or changed since `saved` (None: none), highlighted in the page."""
    job = planned.jobs[0]
    number = job.engagement.contract_no if job.engagement else None
    _name, page = rendered(planned)
    folders = planned.options.template_dirs
    changed = changed_ids(saved, planned.profile, job.kind.name, number, template_dirs=folders)
    return {
        "html": highlighted(page.decode("utf-8"), changed),
        "changed": changed,
        "stem": job.stem,
    }


def changed_ids(
    old: Profile | None,
    new: Profile,
    kind: str,
    contract_no: str | None,
    *,
    template_dirs: Sequence[Path] = (),
) -> list[str]:
    """Return the ids of the clauses of the `kind` document that `new` adds or changes
    against `old` (diff.compare), in document order; none when `old` is None or lacks it."""
    if old is None:
        return []
    from policygen.diff import compare

    try:
        comparison = compare(old, new, kind, contract_no=contract_no, template_dirs=template_dirs)
    except PolicygenError:  # the saved version has no such document
        return []
    return [
        c.id
        for c in comparison.clauses
        if c.id and c.status in ("added", "changed") and _CLAUSE_ID.fullmatch(c.id)
    ]


def highlighted(page: str, ids: Sequence[str]) -> str:
    """Return HTML `page` with a style sheet marking the elements of `ids` as changed."""
    safe = [i for i in ids if _CLAUSE_ID.fullmatch(i)]
    if not safe:
        return page
    selector = ",".join(f'[id="{i}"]' for i in safe)
    style = f"<style>{selector}{{background:#fff4c2;box-shadow:-0.4em 0 0 #e0a800;}}</style>"
    head_end = page.find("</head>")
    return page[:head_end] + style + page[head_end:] if head_end >= 0 else style + page


def clause_list(profile: Profile, *, template_dirs: Sequence[Path] = ()) -> dict[str, Any]:
    """Return the clause library of `profile`'s documents, as ``policygen clauses --json``
    lists it (its `clauses`; the uncatalogued ids, a check of the catalogue, are left out)."""
    from policygen.library import catalogue

    return {"clauses": [e.as_dict() for e in catalogue(profile, template_dirs=template_dirs)]}


def findings(
    profile: Profile, *, template_dirs: Sequence[Path] = (), lang: str | None = None
) -> dict[str, Any]:
    """Return the coverage, wording and translation findings of `profile`'s set, as
    ``policygen check --json`` (check.check_report), in the languages `lang` (None: the
    profile's ``meta.languages``): `untranslated`, the profile's texts each English document
    prints in Chinese, by file stem."""
    from policygen.check import check_report

    return check_report(profile, template_dirs=template_dirs, lang=lang).as_dict()


def set_zip(planned: Plan) -> bytes:
    """Return the files of `planned` (the whole set, api.plan) as a zip with fixed
    timestamps (api.render_zip: at most api.MAX_SET_DOCUMENTS files, as the HTTP service's
    /render-set allows)."""
    return render_zip(planned, advice="请逐份下载，或使用 policygen render ")


def saved_profile(workspace: Workspace, name: str | None, options: RenderOptions) -> Profile | None:
    """Return the profile saved as `name` in `workspace`, checked for `options`; None when
    there is none or it has problems (nothing then counts as changed)."""
    if not name or not workspace.exists(name):
        return None
    text = ProfileText(workspace.read(name), format_of(name), name)
    try:
        return RenderRequest(profile=text, options=options).load()
    except PolicygenError:
        return None


def committed_profile(workspace: Workspace, name: str, options: RenderOptions) -> Profile:
    """Return the profile `name` as last committed to the workspace's git repository,
    checked for `options`; raise UsageError when there is none, InvalidInputError when it
    has problems."""
    text = workspace.committed(name)
    if text is None:
        raise UsageError(
            f"{name} 不在 git 仓库中或尚未提交，无法比较 (no committed version to compare with)"
        )
    source = ProfileText(text, format_of(name), f"HEAD:{name}")
    return RenderRequest(profile=source, options=options).load()


def comparison(old: Profile, new: Plan) -> Comparison:
    """Return the one document of `new` (one_document) compared with the same document of
    `old`, as ``policygen diff`` compares them (in each profile's ``meta.languages``: diff
    has no language option)."""
    from policygen.diff import compare

    job = new.jobs[0]
    number = job.engagement.contract_no if job.engagement else None
    folders = new.options.template_dirs
    return compare(old, new.profile, job.kind.name, contract_no=number, template_dirs=folders)


def redline_docx(compared: Comparison, *, template_dirs: Sequence[Path] = ()) -> bytes:
    """Return the redline DOCX of `compared` (tracked changes), as ``policygen diff``."""
    from policygen.diff import redline
    from policygen.pipeline import writer_options
    from policygen.writers.docx.redline import write_redline

    return write_redline(redline(compared), writer_options(template_dirs))
