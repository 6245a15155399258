"""The editor's HTTP routes: the page, its scripts and styles, and the JSON API it calls.

Input: requests from the editor page (editor/static), each carrying the session's token.
Output: the page, the packaged static files, JSON answers and file downloads. The routes are
one APIRouter, included by the editor's own application (`create_editor_app`, ``policygen
edit``) and by the HTTP service (``policygen serve``, at ``/``). Every API request must name
a loopback host (or one POLICYGEN_EDITOR_HOSTS lists; a page of another site reached through
DNS rebinding is refused) and carry the token the page was served with (a cross-site form or
script cannot read it), and every file it names is confined to the workspace folder. What a
request asks to render (kind, contract number, format, languages, PDF engine and standard,
with the editor's template folders) is checked by the one render request
(request.RenderOptions), which answers a wrong value with the message and code every other
front end gives."""

from __future__ import annotations

import asyncio
import hmac
import importlib.resources
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from policygen.api import SET_ZIP_NAME, ZIP_TYPE, plan
from policygen.caches import CACHES
from policygen.editor import work
from policygen.editor.roundtrip import updated_yaml
from policygen.editor.workspace import Workspace, WorkspaceError
from policygen.errors import (
    InvalidInputError,
    Issue,
    PolicygenError,
    UsageError,
)
from policygen.kinds import DOCUMENT_KINDS
from policygen.procs import available_cpus
from policygen.request import DEFAULT_FORMATS, RenderOptions
from policygen.writers import MEDIA_TYPES

if TYPE_CHECKING:
    from policygen.diff import Comparison

WORKSPACE_VARIABLE = "POLICYGEN_EDITOR_WORKSPACE"
"""The folder the editor under ``policygen serve`` works in (default: the current folder)."""

HOSTS_VARIABLE = "POLICYGEN_EDITOR_HOSTS"
"""Host names, comma-separated, the editor answers besides the loopback ones."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

TOKEN_VARIABLE = "POLICYGEN_EDITOR_TOKEN"
"""The session token of the editor under ``policygen serve``, shared by its worker processes
(`share_token`); the editor of ``policygen edit`` makes its own."""

TOKEN_HEADER = "X-Policygen-Token"
"""The request header carrying the session's token."""

TOKEN_PLACEHOLDER = "__POLICYGEN_TOKEN__"
"""Where index.html receives the token."""

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest request body accepted; a real profile is a few kilobytes of JSON."""

STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
"""The packaged files the editor serves, by suffix; no other file is served."""

FILE_TYPES = {**MEDIA_TYPES, "zip": ZIP_TYPE}
"""The content type of each file the editor downloads, by suffix: the service's."""

# Every page and file says where it may load from: nothing beyond this origin, no frames of
# others, and the preview (an iframe's srcdoc, sandboxed) runs no script. Inline styles are
# allowed: the preview is a standalone HTML page whose style sheets are inline, and a srcdoc
# frame keeps the policy of the page that made it.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; frame-src 'self' about:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class EditorSettings:
    """What the editor's requests share: the workspace, the profile to open first, the
    template folders and the session's token."""

    workspace: Workspace
    start: str | None = None
    """The name of the profile the page opens first; None: the page offers the list."""
    template_dirs: tuple[Path, ...] = ()
    token: str = ""
    """The secret every API request carries (TOKEN_HEADER); empty: every request refused."""
    hosts: frozenset[str] = LOOPBACK_HOSTS
    """Host names the editor answers."""
    turns: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(available_cpus()), compare=False
    )
    """Jobs (checks, previews, files) that may run at once: one per CPU."""

    @classmethod
    def make(
        cls,
        workspace: Path,
        start: str | None = None,
        template_dirs: tuple[Path, ...] = (),
        token: str | None = None,
    ) -> EditorSettings:
        """Return settings for `workspace` with `token` (None: a fresh one); the hosts are
        the loopback ones and those HOSTS_VARIABLE lists."""
        extra = {h.strip().lower() for h in os.environ.get(HOSTS_VARIABLE, "").split(",")}
        return cls(
            workspace=Workspace.at(workspace),
            start=start,
            template_dirs=template_dirs,
            token=token or secrets.token_urlsafe(32),
            hosts=LOOPBACK_HOSTS | {h for h in extra if h},
        )


def _settings(request: Request) -> EditorSettings:
    """Return the editor settings of the application serving `request`: those it was made
    with, else (under ``policygen serve``) made now for WORKSPACE_VARIABLE's folder or the
    current one, with the service's template folders, and kept for its life."""
    state = request.app.state
    settings: EditorSettings | None = getattr(state, "editor", None)
    if settings is None:
        service = getattr(state, "settings", None)
        folders = tuple(getattr(service, "folders", ()))
        folder = Path(os.environ.get(WORKSPACE_VARIABLE) or Path.cwd())
        token = os.environ.get(TOKEN_VARIABLE) or None
        settings = EditorSettings.make(folder, template_dirs=folders, token=token)
        state.editor = settings
    return settings


def share_token() -> None:
    """Give the editor of ``policygen serve`` one token for all its worker processes (set
    TOKEN_VARIABLE, unless already set, before they start): a page served by one worker
    then calls any other."""
    os.environ.setdefault(TOKEN_VARIABLE, secrets.token_urlsafe(32))


def _host_allowed(request: Request, settings: EditorSettings) -> bool:
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in settings.hosts


def _guarded(request: Request) -> EditorSettings:
    """Return the settings when `request` names an allowed host and carries the token, and
    its declared body is within MAX_BODY_BYTES; raise _Refused otherwise."""
    settings = _settings(request)
    if not _host_allowed(request, settings):
        raise _Refused(403, "bad_host", "编辑器只接受本机地址的请求 (host not allowed)")
    given = request.headers.get(TOKEN_HEADER, "")
    if not settings.token or not hmac.compare_digest(given.encode(), settings.token.encode()):
        raise _Refused(403, "bad_token", "请求缺少有效的会话令牌，请刷新页面 (missing token)")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _Refused(413, "too_large", f"请求体超过 {MAX_BODY_BYTES} 字节 (body too large)")
    return settings


class _Refused(Exception):
    """A request the editor refuses before reading it."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


Guarded = Annotated[EditorSettings, Depends(_guarded)]

# --------------------------------------------------------------------------- request bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileRequest(_Body):
    """Name a profile in the workspace."""

    name: str = Field(max_length=1000)
    """Its path inside the workspace, e.g. ``bank.yaml``."""


class ProfileRequest(_Body):
    """The profile the page holds."""

    name: str | None = Field(default=None, max_length=1000)
    """The file it was opened from (None: a new, unsaved profile)."""
    data: dict[str, Any]
    """The profile as plain data: what the form holds."""
    lang: str | None = Field(default=None, max_length=16)
    """The languages its documents are rendered in: ``zh``, ``en`` or ``zh+en``; None: the
    profile's ``meta.languages`` (request.RenderOptions.lang)."""

    @property
    def file(self) -> str:
        """The name problems are located in: the file's, else ``profile.yaml``."""
        return self.name or "profile.yaml"


class DocumentRequest(ProfileRequest):
    """One document of the profile the page holds."""

    kind: str = Field(max_length=64)
    """The document kind, e.g. ``contract``."""
    contract_no: str | None = Field(default=None, max_length=64)
    """For a contract's document, the contract; None: the first that has one."""


class SaveRequest(ProfileRequest):
    """Save the profile the page holds to `name`."""

    name: str = Field(max_length=1000)


class DownloadRequest(ProfileRequest):
    """A document, or the whole set, as a file."""

    format: str = Field(max_length=16)
    """The file format (policygen.writers.WRITERS); ``zip`` is the whole set in DOCX and PDF."""
    kind: str | None = Field(default=None, max_length=64)
    """The document kind; needed unless `format` is zip."""
    contract_no: str | None = Field(default=None, max_length=64)
    pdf_engine: str | None = Field(default=None, max_length=32)
    """As request.RenderOptions.pdf_engine; None: the default."""
    pdf_standard: str | None = Field(default=None, max_length=32)
    """As request.RenderOptions.pdf_standard; None: a plain PDF."""


def _options(settings: EditorSettings, body: ProfileRequest, **options: Any) -> RenderOptions:
    """Return the render options of `body` (its languages) and `options`, with the editor's
    template folders, checked by RenderOptions.of; raise its UsageError."""
    return RenderOptions.of(template_dirs=settings.template_dirs, lang=body.lang, **options)


def _document_options(
    settings: EditorSettings, body: DocumentRequest | DownloadRequest, fmt: str, **options: Any
) -> RenderOptions:
    """Return the options of `body`'s one document in format `fmt` (and `options`): its kind
    of its contract (work.one_document); without a kind, RenderOptions' own "name one
    document kind"."""
    return _options(
        settings,
        body,
        kinds=[body.kind] if body.kind else None,
        formats=[fmt],
        contract_no=body.contract_no,
        single=not body.kind,
        **options,
    )


# --------------------------------------------------------------------------- answers


def _problems(issues: tuple[Issue, ...] | list[Issue]) -> list[dict[str, str]]:
    return [{"path": i.path, "message": i.message} for i in issues]


def _error(error: Exception) -> JSONResponse:
    """Return the answer to `error` raised by the editor's work."""
    body: dict[str, Any]
    if isinstance(error, _Refused):
        status, body = error.status, {"error": error.error, "message": error.message}
    elif isinstance(error, InvalidInputError):
        status, body = error.http_status, {"valid": False, "errors": _problems(error.issues)}
    elif isinstance(error, PolicygenError):  # the service's status, code and allowed values
        status, body = error.http_status, {"error": error.code, "message": str(error)}
        if isinstance(error, UsageError) and error.allowed:
            body["allowed"] = list(error.allowed)
    else:  # pragma: no cover - every error above is the editor's own
        raise error
    return JSONResponse(body, status_code=status, headers=_SECURITY_HEADERS)


_T = TypeVar("_T")


async def _run(settings: EditorSettings, job: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Run `job` in a worker thread when one of the editor's turns is free (at most one job
    per CPU at once), after forgetting what was read from files that changed (an edited
    template is seen by the next preview)."""

    def run() -> _T:
        CACHES.refresh()
        return job(*args, **kwargs)

    async with settings.turns:
        return await run_in_threadpool(run)


def _json(body: Any) -> JSONResponse:
    return JSONResponse(body, headers=_SECURITY_HEADERS)


def _file(name: str, data: bytes) -> Response:
    # File names are ASCII stems (contract numbers are; a language suffix is zh, en or
    # zh+en) or the set's fixed name; the type is the suffix's.
    headers = {**_SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    media = FILE_TYPES.get(Path(name).suffix.removeprefix("."), "application/octet-stream")
    return Response(data, media_type=media, headers=headers)


# --------------------------------------------------------------------------- routes

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page(request: Request) -> Response:
    """The editor page, with the session's token."""
    settings = _settings(request)
    if not _host_allowed(request, settings):
        return _error(_Refused(403, "bad_host", "编辑器只接受本机地址的请求 (host not allowed)"))
    html = _static_bytes("index.html").decode("utf-8").replace(TOKEN_PLACEHOLDER, settings.token)
    return Response(html, media_type=STATIC_TYPES[".html"], headers=_SECURITY_HEADERS)


@router.get("/editor/static/{name}")
async def static(name: str) -> Response:
    """A script, style sheet or font of the page, from the package."""
    suffix = Path(name).suffix
    if suffix not in STATIC_TYPES or "/" in name or "\\" in name or name.startswith("."):
        return Response(status_code=404)
    try:
        data = _static_bytes(name)
    except FileNotFoundError:
        return Response(status_code=404)
    return Response(data, media_type=STATIC_TYPES[suffix], headers=_SECURITY_HEADERS)


def _static_bytes(name: str) -> bytes:
    return importlib.resources.files("policygen.editor").joinpath("static", name).read_bytes()


@router.get("/editor/api/session")
async def session(settings: Guarded) -> Response:
    """The workspace's profiles, the one to open first, the document kinds and the schema."""
    from policygen.profile.schema import profile_schema

    body = {
        "workspace": settings.workspace.root.name,
        "files": await _run(settings, settings.workspace.profiles),
        "start": settings.start,
        "kinds": list(DOCUMENT_KINDS),
        "schema": profile_schema(),
    }
    return _json(body)


@router.post("/editor/api/open")
async def open_file(body: FileRequest, settings: Guarded) -> Response:
    """The plain data of a profile file, for the form."""
    try:
        text = await _run(settings, settings.workspace.read, body.name)
        data = await _run(settings, work.read_data, text, body.name)
    except PolicygenError as error:
        return _error(error)
    if not isinstance(data, dict):
        return _error(WorkspaceError(f"{body.name} 的顶层不是键值映射 (not a mapping)"))
    return _json({"name": body.name, "data": data})


@router.post("/editor/api/new")
async def new_file(body: FileRequest, settings: Guarded) -> Response:
    """Write the starter profile (``policygen init``) as a new file and open it."""
    from policygen.profile.starter import starter_yaml

    try:
        if settings.workspace.exists(body.name):
            raise WorkspaceError(f"{body.name} 已存在 (file exists)")
        if work.format_of(body.name) != "yaml":
            raise WorkspaceError("新建的配置应为 .yaml 文件 (new profiles are YAML)")
        text = starter_yaml()
        await _run(settings, settings.workspace.write, body.name, text)
        data = await _run(settings, work.read_data, text, body.name)
    except PolicygenError as error:
        return _error(error)
    return _json({"name": body.name, "data": data})


@router.post("/editor/api/validate")
async def validate(body: ProfileRequest, settings: Guarded) -> Response:
    """The profile's problems, as ``policygen validate`` lists them, and its documents."""

    def job() -> dict[str, Any]:
        options = _options(settings, body)
        result = work.check(body.data, body.file, template_dirs=options.template_dirs)
        documents = work.documents(result.profile, options) if result.profile else None
        return {
            "valid": result.profile is not None,
            "errors": _problems(result.issues),
            "documents": documents,
        }

    try:
        return _json(await _run(settings, job))
    except PolicygenError as error:
        return _error(error)


@router.post("/editor/api/preview")
async def preview(body: DocumentRequest, settings: Guarded) -> Response:
    """One document as HTML, its clauses changed since the saved version highlighted."""

    def job() -> dict[str, Any]:
        options = _document_options(settings, body, "html")
        planned = work.one_document(body.data, body.file, options)
        saved = work.saved_profile(settings.workspace, body.name, _options(settings, body))
        return work.preview(planned, saved=saved)

    try:
        return _json(await _run(settings, job))
    except PolicygenError as error:
        return _error(error)


@router.post("/editor/api/clauses")
async def clauses(body: ProfileRequest, settings: Guarded) -> Response:
    """The clauses of the profile's documents with their legal basis (``policygen clauses``)."""

    def job() -> dict[str, Any]:
        options = _options(settings, body)
        profile = work.checked(body.data, body.file, options)
        return work.clause_list(profile, template_dirs=options.template_dirs)

    try:
        return _json(await _run(settings, job))
    except PolicygenError as error:
        return _error(error)


@router.post("/editor/api/check")
async def check(body: ProfileRequest, settings: Guarded) -> Response:
    """Coverage and wording findings of the set (``policygen check``), in the languages the
    page chose, with the texts its English prints in Chinese."""

    def job() -> dict[str, Any]:
        options = _options(settings, body)
        profile = work.checked(body.data, body.file, options)
        return work.findings(profile, template_dirs=options.template_dirs, lang=options.lang)

    try:
        return _json(await _run(settings, job))
    except PolicygenError as error:
        return _error(error)


@router.post("/editor/api/save")
async def save(body: SaveRequest, settings: Guarded) -> Response:
    """Write the profile to its file, changing only the lines whose values changed; answer
    with its problems (a profile with problems is saved too: work in progress)."""
    workspace = settings.workspace

    def job() -> dict[str, Any]:
        if work.format_of(body.name) != "yaml":
            raise WorkspaceError("编辑器只保存 YAML 配置 (only YAML profiles are saved)")
        old = workspace.read(body.name) if workspace.exists(body.name) else ""
        text = updated_yaml(old, body.data)
        if text != old:
            workspace.write(body.name, text)
        result = work.check(body.data, body.name, template_dirs=settings.template_dirs)
        return {
            "name": body.name,
            "changed": text != old,
            "valid": result.profile is not None,
            "errors": _problems(result.issues),
        }

    try:
        return _json(await _run(settings, job))
    except PolicygenError as error:
        return _error(error)


@router.post("/editor/api/download")
async def download(body: DownloadRequest, settings: Guarded) -> Response:
    """A document in one format, or the whole set as a zip of DOCX and PDF."""

    def job() -> tuple[str, bytes]:
        engines = {"pdf_engine": body.pdf_engine, "pdf_standard": body.pdf_standard}
        if body.format == "zip":
            options = _options(settings, body, formats=DEFAULT_FORMATS, **engines)
            return SET_ZIP_NAME, work.set_zip(plan(work.request_for(body.data, body.file, options)))
        options = _document_options(settings, body, body.format, **engines)
        return work.rendered(work.one_document(body.data, body.file, options))

    try:
        name, data = await _run(settings, job)
    except PolicygenError as error:
        return _error(error)
    return _file(name, data)


def _comparison(body: DocumentRequest, settings: EditorSettings) -> Comparison:
    options = _document_options(settings, body, "docx")
    if body.name is None:
        raise UsageError("新配置尚未保存，无法与 git 版本比较 (not saved yet)")
    new = work.one_document(body.data, body.name, options)
    old = work.committed_profile(settings.workspace, body.name, _options(settings, body))
    return work.comparison(old, new)


@router.post("/editor/api/compare")
async def compare(body: DocumentRequest, settings: Guarded) -> Response:
    """The clause changes of one document since the last commit (``policygen diff``)."""
    from policygen.diff import summary

    try:
        compared = await _run(settings, _comparison, body, settings)
    except PolicygenError as error:
        return _error(error)
    return _json(summary(compared))


@router.post("/editor/api/redline")
async def redline(body: DocumentRequest, settings: Guarded) -> Response:
    """The redline DOCX of one document since the last commit (``policygen diff``)."""
    try:
        compared = await _run(settings, _comparison, body, settings)
        data = await _run(
            settings, work.redline_docx, compared, template_dirs=settings.template_dirs
        )
    except PolicygenError as error:
        return _error(error)
    return _file(f"{compared.name}-redline.docx", data)


# --------------------------------------------------------------------------- the app


async def _refused(request: Request, error: Exception) -> Response:
    return _error(error)


def include(app: FastAPI) -> None:
    """Add the editor's routes to `app`, answering a refused request with its JSON error."""
    app.include_router(router)
    app.add_exception_handler(_Refused, _refused)


def create_editor_app(settings: EditorSettings) -> FastAPI:
    """Return the editor as an application of its own (``policygen edit``)."""
    app = FastAPI(title="policygen editor", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.editor = settings
    include(app)
    return app
