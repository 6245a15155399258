"""What the editor does with the profile a page holds: check it, preview a document, list its
clauses and findings, render files, compare it with the saved and the committed version.

Input: the profile as plain data (the page's form, sent as JSON) and the workspace it was
opened from. Output: JSON-ready results or file bytes. Every check goes through the code
path of ``policygen validate`` (profile.load.parse, then validation.check_parsed), so the
page shows the same problems, at the same field paths, with the same messages; every file
is rendered by the Python API (api.render, api.render_set) and the diff package."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from policygen.api import render, render_set
from policygen.editor.workspace import Workspace
from policygen.errors import InvalidInputError, Issue, PolicygenError, UsageError
from policygen.pipeline import Job, job_for, jobs, kind_named
from policygen.profile.load import parse
from policygen.profile.model import Profile
from policygen.validation import check_parsed
from policygen.writers.reproducible import ZIP_EPOCH

if TYPE_CHECKING:
    from policygen.diff import Comparison

SET_FORMATS = ("docx", "pdf")
"""The formats of the whole set's zip."""

MAX_SET_FILES = 100
"""Most files one zip of the set may hold, as the HTTP service's /render-set allows; a
larger set is for ``policygen render`` or ``policygen batch``."""

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


def checked(data: Any, name: str, *, template_dirs: Sequence[Path] = ()) -> Profile:
    """Return the profile in `data`; raise InvalidInputError listing its problems."""
    result = check(data, name, template_dirs=template_dirs, documents=False)
    if result.profile is None:
        raise InvalidInputError(list(result.issues), name)
    return result.profile


def documents(profile: Profile) -> list[dict[str, str | None]]:
    """Return every document of `profile`'s set as the page offers it for preview: kind,
    contract number (None for the organisation's own) and file stem."""
    return [
        {
            "kind": job.kind.name,
            "contract_no": job.engagement.contract_no if job.engagement else None,
            "stem": job.stem,
        }
        for job in jobs(profile)
    ]


def _job(profile: Profile, kind: str, contract_no: str | None) -> Job:
    """Return the `kind` document of contract `contract_no` (pipeline.job_for, the one choice
    of an engagement); None: the first engagement that has one, as the page shows a document
    before it has chosen."""
    if contract_no is None:
        first = next(iter(jobs(profile, [kind_named(kind).name])), None)
        if first is not None:
            return first
    return job_for(profile, kind, contract_no)


def preview(
    profile: Profile,
    kind: str,
    contract_no: str | None,
    *,
    saved: Profile | None = None,
    template_dirs: Sequence[Path] = (),
) -> dict[str, Any]:
    """Return the HTML of the `kind` document (of contract `contract_no`) and the ids of its
    clauses added or changed since `saved` (None: none), highlighted in the page."""
    job = _job(profile, kind, contract_no)
    number = job.engagement.contract_no if job.engagement else None
    page = render(profile, kind, "html", contract_no=number, template_dirs=template_dirs)
    changed = changed_ids(saved, profile, kind, number, template_dirs=template_dirs)
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


def findings(profile: Profile, *, template_dirs: Sequence[Path] = ()) -> dict[str, Any]:
    """Return the coverage and wording findings of `profile`'s set, as ``policygen check``."""
    from policygen.check import check as check_coverage
    from policygen.lint import lint_set
    from policygen.pipeline import build_set

    built = build_set(profile, template_dirs=template_dirs)
    found = check_coverage(profile, template_dirs=template_dirs, built=built)
    wording = lint_set(profile, template_dirs=template_dirs, built=built)
    return {
        "missing": sum(not f.covered for f in found),
        "findings": [f.as_dict() for f in found],
        "wording": [w.as_dict() for w in wording],
    }


def document_file(
    profile: Profile,
    kind: str,
    contract_no: str | None,
    fmt: str,
    *,
    template_dirs: Sequence[Path] = (),
) -> tuple[str, bytes]:
    """Return the file name and bytes of one document in format `fmt`."""
    job = _job(profile, kind, contract_no)
    number = job.engagement.contract_no if job.engagement else None
    data = render(profile, kind, fmt, contract_no=number, template_dirs=template_dirs)
    return job.filename(fmt), data


def set_zip(profile: Profile, *, template_dirs: Sequence[Path] = ()) -> bytes:
    """Return the whole set in DOCX and PDF as a zip with fixed timestamps; raise UsageError
    beyond MAX_SET_FILES files."""
    count = len(jobs(profile)) * len(SET_FORMATS)
    if count > MAX_SET_FILES:
        raise UsageError(
            f"整套文档共 {count} 个文件，超过每次 {MAX_SET_FILES} 个的上限；请逐份下载，或使用 "
            f"policygen render (more than {MAX_SET_FILES} files)"
        )
    files = render_set(profile, formats=SET_FORMATS, template_dirs=template_dirs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def saved_profile(
    workspace: Workspace, name: str | None, *, template_dirs: Sequence[Path] = ()
) -> Profile | None:
    """Return the profile saved as `name` in `workspace`; None when there is none or it has
    problems (nothing then counts as changed)."""
    if not name or not workspace.exists(name):
        return None
    try:
        parsed = parse(workspace.read(name), fmt=format_of(name), name=name)
        return check_parsed(parsed, template_dirs=template_dirs)
    except PolicygenError:
        return None


def committed_profile(
    workspace: Workspace, name: str, *, template_dirs: Sequence[Path] = ()
) -> Profile:
    """Return the profile `name` as last committed to the workspace's git repository; raise
    UsageError when there is none, InvalidInputError when it has problems."""
    text = workspace.committed(name)
    if text is None:
        raise UsageError(
            f"{name} 不在 git 仓库中或尚未提交，无法比较 (no committed version to compare with)"
        )
    parsed = parse(text, fmt=format_of(name), name=f"HEAD:{name}")
    return check_parsed(parsed, template_dirs=template_dirs)


def comparison(
    old: Profile,
    new: Profile,
    kind: str,
    contract_no: str | None,
    *,
    template_dirs: Sequence[Path] = (),
) -> Comparison:
    """Return the `kind` document (of contract `contract_no`) of `old` and `new` compared, as
    ``policygen diff`` compares them."""
    from policygen.diff import compare

    job = _job(new, kind, contract_no)
    number = job.engagement.contract_no if job.engagement else None
    return compare(old, new, kind, contract_no=number, template_dirs=template_dirs)


def redline_docx(compared: Comparison, *, template_dirs: Sequence[Path] = ()) -> bytes:
    """Return the redline DOCX of `compared` (tracked changes), as ``policygen diff``."""
    from policygen.diff import redline
    from policygen.pipeline import writer_options
    from policygen.writers.docx.redline import write_redline

    return write_redline(redline(compared), writer_options(template_dirs))
