"""Serve policygen over HTTP: validate a profile, render one document or a whole set.

Input: a profile as the body of a request: JSON or YAML, told apart as the command line tells
standard input (profile.load.text_format); TOML with its content type. The options of a
render are one request.RenderOptions, checked as every front end checks them.
Output: a validation report, the bytes of a document, or a zip of a set. Requests share
nothing: each one loads its own profile, and loading and rendering run in the thread pool so
that the event loop keeps answering (/health above all) while documents are being written.

No request may cost the others their turn (serving.ServiceLimits): its body must arrive within
`body_timeout`; at most `concurrency` requests load and render at once, `queue` more wait
their turn in order and any beyond are answered 503 with Retry-After; each has
`request_timeout` seconds from its headers to its answer, after which its layout is stopped
(503 with Retry-After); and each PDF's layout runs in a layout process under the layout budget
(layout.budget: a document beyond it is answered 413). The app holds one engine session
(layout.engine.Engines) for its life: every request's documents are laid out by the same
engines, whose layout processes keep their fonts between requests, and are stopped when the
app shuts down. How connections are read and limited is serving's part.

The OpenAPI description is generated from the same pydantic models that validate a profile:
the request body of every POST is the Profile schema. /docs (Swagger UI) and /redoc load
their scripts from the package, never from a CDN. Every error is answered with an ErrorBody
(``{"error", "message"}``), a 404 or 405 too, or with a ValidationReport (422)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from policygen import __version__, editor
from policygen.api import (
    MAX_SET_DOCUMENTS,
    SET_ZIP_NAME,
    ZIP_TYPE,
    RenderedFile,
    plan,
    render_plan,
    render_zip,
)
from policygen.bilingual import LANGUAGES, UNTRANSLATED_HEADER, distinct_texts
from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue, PolicygenError, UsageError
from policygen.kinds import DOCUMENT_KINDS
from policygen.layout.budget import BudgetExceeded, LayoutBudget
from policygen.layout.engine import Engines
from policygen.profile.docs import DocumentedJsonSchema
from policygen.profile.load import parse, text_format
from policygen.profile.model import Profile
from policygen.request import ProfileText, RenderOptions, RenderRequest
from policygen.serving import ServiceLimits, conditions
from policygen.serving_ops import instrument
from policygen.validation import check_parsed
from policygen.writers import MEDIA_TYPES, WRITERS
from policygen.writers.options import PDF_ENGINES, PDF_STANDARDS

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest request body accepted, in bytes; a real profile is a few kilobytes."""

SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}
"""Swagger UI's settings at /docs: no badge fetched from the public validator, so the page
asks nothing of the network (its script, style and icon are files of fastapi-offline)."""

PDF_STANDARD_QUERY: Any = Query(
    None,
    description="PDF 归档标准（PDF/A、PDF/UA）；默认为普通 PDF。PDF/A-2a、PDF/UA-1 仅 Typst 引擎可生成",
    json_schema_extra={"enum": list(PDF_STANDARDS)},
)
"""The ``pdf_standard`` query parameter of /render and /render-set."""

PDF_ENGINE_QUERY: Any = Query(
    None,
    description="PDF 排版引擎；默认为环境变量 POLICYGEN_PDF_ENGINE 所指定的，否则为 typst",
    json_schema_extra={"enum": list(PDF_ENGINES)},
)
"""The ``pdf_engine`` query parameter of /render and /render-set."""
LANG_QUERY: Any = Query(
    None,
    description="语言：zh（中文）、en（英文）或 zh+en（中英文对照）；默认为配置的 meta.languages",
    json_schema_extra={"enum": list(LANGUAGES)},
)
"""The ``lang`` query parameter of /render and /render-set (bilingual.LANGUAGES)."""

_PROFILE_REF = {"$ref": "#/components/schemas/Profile"}
_PROFILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "配置（profile）：JSON；也接受 application/yaml 与 application/toml。",
        "content": {
            "application/json": {"schema": _PROFILE_REF},
            "application/yaml": {"schema": _PROFILE_REF},
            "application/toml": {"schema": _PROFILE_REF},
        },
    }
}


class Problem(BaseModel):
    """One problem in a profile, located by its dotted path."""

    path: str
    """Dotted field path, e.g. ``engagements[0].vendor.credit_code``; empty for the whole body."""
    message: str
    """What is wrong, in Chinese with English after."""
    line: int | None = None
    """Line of the request body, from 1, when known."""
    column: int | None = None
    """Column of the request body, from 1, when known."""


class ValidationReport(BaseModel):
    """The answer of /validate; also the body of a 422 from the render endpoints."""

    valid: bool
    """True when the profile can be rendered."""
    errors: list[Problem]
    """Every problem found, all at once."""


class ErrorBody(BaseModel):
    """The body of every other 4xx and 5xx answer."""

    error: str
    """A stable code: bad_request, unknown_kind, unknown_format, too_large, render_failed…"""
    message: str
    """What is wrong and how to fix it."""
    allowed: list[str] | None = None
    """The values accepted, when a value was not among them."""


class KindInfo(BaseModel):
    """One document kind."""

    name: str
    template: str
    per_engagement: bool
    """True when one document is rendered per engagement; `contract_no` then picks it."""
    needs_personal_info: bool
    needs: str
    """What an engagement must have to get this kind: personal_info, on_premises, or empty."""


class KindsInfo(BaseModel):
    """The document kinds and output formats available."""

    kinds: list[KindInfo]
    formats: list[str]


class Health(BaseModel):
    """The answer of /health."""

    status: Literal["ok"] = "ok"
    version: str = __version__


class ApiError(Exception):
    """A request policygen cannot serve; turned into a JSON ErrorBody with `status` and
    `headers` (Retry-After for a 503)."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        allowed: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(error=error, message=message, allowed=allowed)
        self.headers = headers or {}


class _Invalid(Exception):
    """The profile in a request is invalid; answered with 422 and a ValidationReport."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"{len(issues)} problem(s)")
        self.report = ValidationReport(valid=False, errors=[_problem(i) for i in issues])


def _problem(issue: Issue) -> Problem:
    loc = issue.location
    return Problem(
        path=issue.path,
        message=issue.message,
        line=loc.line if loc else None,
        column=loc.column if loc else None,
    )


# --------------------------------------------------------------------------- requests


async def _body_text(request: Request, limit: int, timeout: float) -> str:
    """Return the request body as text; raise ApiError 413 beyond `limit` bytes, counting
    as the body arrives, so a large or chunked body is refused without being held, and 408
    when it takes more than `timeout` seconds to arrive."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise _too_large(limit)
    except TimeoutError:
        raise ApiError(
            408,
            "body_timeout",
            f"请求体未在 {timeout:g} 秒内发送完毕 (request body not received in time)",
            headers={"Connection": "close"},
        ) from None
    except ClientDisconnect:  # nobody is left to answer
        raise ApiError(400, "disconnected", "客户端已断开 (client disconnected)") from None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "bad_encoding", f"请求体不是 UTF-8 编码（第 {exc.start + 1} 字节） (not UTF-8)"
        ) from None


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"请求体超过 {_size(limit)} 上限 (request body larger than {limit} bytes); "
        "大量合同请使用 policygen batch",
    )


def _size(limit: int) -> str:
    mib, rest = divmod(limit, 1024 * 1024)
    return f"{mib} MB" if mib and not rest else f"{limit // 1024} KB"


def _load(
    text: str, declared: str, *, documents: bool = False, template_dirs: Sequence[Path] = ()
) -> Profile:
    """Return the profile in `text`, whose content type is `declared` (read as the command
    line reads standard input: profile.load.text_format), checked as the command line checks
    it with the templates in `template_dirs` (with `documents`, as ``validate`` does: every
    document of the set is built); raise _Invalid with every problem found. Every cache of an
    edited template or data file is emptied first, once per request (`_Settings.work`,
    caches.CACHES.refresh)."""
    try:
        parsed = parse(text, fmt=text_format(text, declared), name="<request>")
        return check_parsed(parsed, template_dirs=template_dirs, documents=documents)
    except InvalidInputError as error:
        raise _Invalid(error.issues) from None


def _render_document(
    text: str,
    declared: str,
    options: RenderOptions,
    deadline: float | None = None,
    engines: Engines | None = None,
) -> tuple[str, bytes, int]:
    """Return the file name and bytes of the one document `options` ask of the profile in
    `text` (content type `declared`), and how many of the profile's texts its English prints
    in Chinese, laid out by `engines` (None: engines of its own), its layout stopped at
    `deadline`; run in a worker thread."""
    request = RenderRequest(profile=ProfileText(text, declared), options=options)
    files = render_plan(plan(request), engines=engines, deadline=deadline)
    filename, data = next(iter(files.items()))
    return filename, data, len(distinct_texts(files.untranslated))


def _render_zip(
    text: str,
    declared: str,
    options: RenderOptions,
    max_documents: int = MAX_SET_DOCUMENTS,
    deadline: float | None = None,
    engines: Engines | None = None,
) -> RenderedFile:
    """Return a zip of the set `options` ask of the profile in `text` (content type
    `declared`), laid out by `engines` (None: engines of its own) (api.render_zip: refused
    with TooManyDocuments, answered 413, beyond `max_documents`; the texts its English
    documents print in Chinese listed in the zip and in the RenderedFile); stop laying out
    at `deadline`. Run in a worker thread."""
    planned = plan(RenderRequest(profile=ProfileText(text, declared), options=options))
    return render_zip(
        planned,
        max_documents,
        advice="请用 kinds、formats 缩小范围，按合同调用 /render，或使用 policygen batch ",
        engines=engines,
        deadline=deadline,
    )


class ClauseList(BaseModel):
    """The clauses of a profile's documents, as ``policygen clauses --json`` lists them."""

    clauses: list[dict[str, Any]]
    """Every catalogued clause: id, document, number, title, basis, replaced (library.Entry)."""
    uncatalogued: list[dict[str, Any]]
    """Numbered clauses the catalogue (clauses.yaml) lacks (library.Uncatalogued)."""


def _clauses(text: str, declared: str, template_dirs: Sequence[Path]) -> ClauseList:
    """Return the clause list of the profile in `text`; run in a worker thread."""
    from policygen.library import clause_report

    profile = _load(text, declared, template_dirs=template_dirs)
    return ClauseList(**clause_report(profile, template_dirs=template_dirs).as_dict())


TEMPLATES_VARIABLE = "POLICYGEN_SERVE_TEMPLATES"
"""The environment variable listing the service's template folders (``policygen serve
--templates``), separated by the path separator (``:``)."""


def _template_folders() -> tuple[Path, ...]:
    """Return the folders TEMPLATES_VARIABLE lists; raise UsageError naming one that is not a
    folder (the service then does not start)."""
    named = [Path(p) for p in os.environ.get(TEMPLATES_VARIABLE, "").split(os.pathsep) if p]
    for folder in named:
        if not folder.is_dir():
            raise UsageError(f"{TEMPLATES_VARIABLE}：找不到模板目录 {folder} (no such folder)")
    return tuple(named)


def _attachment(filename: str) -> dict[str, str]:
    # Contract numbers are ASCII letters, digits, '.', '_' and '-': no quoting needed.
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


class _Gate:
    """Let `active` requests work at once and `waiting` more wait their turn, in order of
    arrival; answer the rest, and those whose time runs out while waiting, 503 with a
    Retry-After estimated from how long recent requests took."""

    def __init__(self, active: int, waiting: int) -> None:
        self.active = max(1, active)
        self.waiting = max(0, waiting)
        self._free = asyncio.Semaphore(self.active)
        self._queued = 0
        self._took: deque[float] = deque(maxlen=32)

    def retry_after(self) -> str:
        """Return the seconds a refused client should wait: the requests ahead of it, at the
        recent mean duration, spread over the active places (at least 1)."""
        mean = sum(self._took) / len(self._took) if self._took else 5.0
        return str(max(1, min(600, math.ceil(mean * (self._queued + 1) / self.active))))

    def _busy(self, message: str) -> ApiError:
        conditions.note("busy", f"{message}，已回答 503 (answered 503: the service is busy)")
        return ApiError(
            503, "busy", f"{message} (service busy)", headers={"Retry-After": self.retry_after()}
        )

    @contextlib.asynccontextmanager
    async def turn(self, deadline: float) -> AsyncIterator[None]:
        """Wait for a place until `deadline` (time.monotonic()), hold it while the block
        runs; raise ApiError 503 when none is free and the queue is full, or at `deadline`."""
        if self._free.locked() and self._queued >= self.waiting:
            raise self._busy(f"服务繁忙：{self.active} 个请求正在处理、{self._queued} 个在排队")
        self._queued += 1
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self._free.acquire()
        except TimeoutError:
            raise self._busy("服务繁忙：排队时已用完本次请求的处理时间") from None
        finally:
            self._queued -= 1
        started = time.monotonic()
        try:
            yield
        finally:
            self._took.append(time.monotonic() - started)
            self._free.release()


# --------------------------------------------------------------------------- the app


@dataclass(frozen=True)
class _Settings:
    """What every request of one application shares: its limits, its template folders, the
    gate that gives requests their turn and the PDF engines that lay documents out."""

    limits: ServiceLimits
    max_body_bytes: int
    max_set_documents: int
    folders: tuple[Path, ...]
    gate: _Gate
    engines: Engines

    def deadline(self) -> float:
        """Return when a request starting now has used up its time (time.monotonic())."""
        return time.monotonic() + self.limits.request_timeout

    async def work(
        self, request: Request, job: Callable[..., _T], *args: Any, deadline: float | None = None
    ) -> _T:
        """Read the request's body within its time, wait for a turn at the gate until
        `deadline` (None: the request's time from now), forget what was read from files that
        have changed since (caches.CACHES.refresh), and run `job(text, content type, *args)`
        in a worker thread; return what it returns."""
        deadline = self.deadline() if deadline is None else deadline
        text = await _body_text(request, self.max_body_bytes, self.limits.body_timeout)
        async with self.gate.turn(deadline):
            CACHES.refresh()
            declared = request.headers.get("content-type", "")
            return await run_in_threadpool(job, text, declared, *args)


def _settings(request: Request) -> _Settings:
    """The settings of the application serving `request` (create_app)."""
    settings: _Settings = request.app.state.settings
    return settings


_T = TypeVar("_T")
SettingsOf = Annotated[_Settings, Depends(_settings)]
"""A route's parameter: the settings of its application."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "参数有误 (bad request)"},
    408: {"model": ErrorBody, "description": "请求体发送超时 (body too slow)"},
    413: {
        "model": ErrorBody,
        "description": "请求体过大、文档过多或排版超出预算 (body too large, too many "
        "documents, layout over its budget)",
    },
    422: {"model": ValidationReport, "description": "配置无效 (invalid profile)"},
    503: {
        "model": ErrorBody,
        "description": "服务繁忙或本次请求处理超时，见 Retry-After (busy, or out of time)",
    },
}
"""The error answers every route may give, for the OpenAPI description."""
_PROFILE_ERRORS = {k: v for k, v in _ERRORS.items() if k != 400}
"""Those of a route that takes nothing but a profile."""

router = APIRouter()


@router.get("/health", response_model=Health, tags=["service"])
async def health() -> Health:
    """服务状态与版本。"""
    return Health()


@router.get("/kinds", response_model=KindsInfo, tags=["service"])
async def kinds() -> KindsInfo:
    """可生成的文档类型与输出格式。"""
    return KindsInfo(
        kinds=[
            KindInfo(
                name=k.name,
                template=k.template,
                per_engagement=k.per_engagement,
                needs_personal_info=k.needs_personal_info,
                needs=k.needs,
            )
            for k in DOCUMENT_KINDS.values()
        ],
        formats=list(WRITERS),
    )


@router.post(
    "/validate",
    response_model=ValidationReport,
    responses=_PROFILE_ERRORS,
    openapi_extra=_PROFILE_BODY,
    tags=["profile"],
)
async def validate(request: Request, settings: SettingsOf) -> ValidationReport:
    """校验配置：有效返回 200；无效返回 422，列出每处错误的路径与说明。"""
    load = partial(_load, documents=True, template_dirs=settings.folders)
    await settings.work(request, load)
    return ValidationReport(valid=True, errors=[])


@router.post(
    "/clauses",
    response_model=ClauseList,
    responses=_PROFILE_ERRORS,
    openapi_extra=_PROFILE_BODY,
    tags=["profile"],
)
async def clauses(request: Request, settings: SettingsOf) -> ClauseList:
    """列出配置生成的各文档中的条款（条款 id、文档、条号、标题、依据），同 policygen clauses。"""
    return await settings.work(request, _clauses, settings.folders)


@router.post(
    "/render",
    response_class=Response,
    responses={
        200: {
            "description": "文档 (the document)",
            "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES.values()
            },
        },
        **_ERRORS,
    },
    openapi_extra=_PROFILE_BODY,
    tags=["render"],
)
async def render_one(
    request: Request,
    settings: SettingsOf,
    kind: str = Query(description="文档类型", json_schema_extra={"enum": list(DOCUMENT_KINDS)}),
    fmt: str = Query(
        "pdf",
        alias="format",
        description="输出格式",
        json_schema_extra={"enum": list(WRITERS)},
    ),
    contract_no: str | None = Query(
        None, description="合同编号；每份合同一份的文档在配置有多份合同时必填"
    ),
    pdf_standard: str | None = PDF_STANDARD_QUERY,
    pdf_engine: str | None = PDF_ENGINE_QUERY,
    lang: str | None = LANG_QUERY,
) -> Response:
    """生成一份文档，返回其字节（Content-Disposition 给出文件名）。"""
    options = RenderOptions.of(
        kinds=[kind],
        formats=[fmt],
        contract_no=contract_no,
        template_dirs=settings.folders,
        pdf_engine=pdf_engine,
        pdf_standard=pdf_standard,
        lang=lang,
        single=True,
    )
    job = partial(
        _render_document,
        options=options,
        deadline=(deadline := settings.deadline()),
        engines=settings.engines,
    )
    filename, data, untranslated = await settings.work(request, job, deadline=deadline)
    headers = {**_attachment(filename), UNTRANSLATED_HEADER: str(untranslated)}
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.post(
    "/render-set",
    response_class=Response,
    responses={
        200: {
            "description": "整套文档的 zip (a zip of the set)",
            "content": {ZIP_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **_ERRORS,
    },
    openapi_extra=_PROFILE_BODY,
    tags=["render"],
)
async def render_many(
    request: Request,
    settings: SettingsOf,
    formats: str = Query("docx,pdf", description="输出格式，逗号分隔"),
    kinds: str | None = Query(None, description="文档类型，逗号分隔；默认整套适用的文档"),
    contract_no: str | None = Query(
        None, description="合同编号：只生成这份合同的文档（及每个组织一份的文档）"
    ),
    pdf_standard: str | None = PDF_STANDARD_QUERY,
    pdf_engine: str | None = PDF_ENGINE_QUERY,
    lang: str | None = LANG_QUERY,
) -> Response:
    """生成整套文档（或 kinds 所列类型），以 zip 返回。"""
    options = RenderOptions.of(
        kinds=kinds,
        formats=formats,
        contract_no=contract_no,
        template_dirs=settings.folders,
        pdf_engine=pdf_engine,
        pdf_standard=pdf_standard,
        lang=lang,
    )
    job = partial(
        _render_zip,
        options=options,
        max_documents=settings.max_set_documents,
        deadline=(deadline := settings.deadline()),
        engines=settings.engines,
    )
    data = await settings.work(request, job, deadline=deadline)
    headers = {**_attachment(SET_ZIP_NAME), UNTRANSLATED_HEADER: str(len(data.untranslated))}
    return Response(data, media_type=ZIP_TYPE, headers=headers)


# --------------------------------------------------------------------------- error answers


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse(error.body.model_dump(), status_code=error.status, headers=error.headers)


async def _over_budget(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BudgetExceeded)
    if error.limit == "deadline":  # the request's own time ran out
        settings = _settings(request)
        body = ErrorBody(
            error="timeout",
            message=f"{error} 本次请求的时间预算为 {settings.limits.request_timeout:g} 秒",
        )
        headers = {"Retry-After": settings.gate.retry_after()}
        return JSONResponse(body.model_dump(), status_code=503, headers=headers)
    return await _failed(request, error)


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, _Invalid)
    return JSONResponse(error.report.model_dump(), status_code=422)


async def _invalid_later(request: Request, error: Exception) -> JSONResponse:
    # Found while rendering a profile that validated: a character no font can draw.
    assert isinstance(error, InvalidInputError)
    return JSONResponse(_Invalid(error.issues).report.model_dump(), status_code=error.http_status)


async def _failed(request: Request, error: Exception) -> JSONResponse:
    # Any other error of policygen's: its status and code (errors.PolicygenError, as the
    # editor answers it), with the values accepted for a usage error.
    assert isinstance(error, PolicygenError)
    allowed = list(error.allowed) if isinstance(error, UsageError) else []
    body = ErrorBody(error=error.code, message=str(error), allowed=allowed or None)
    return JSONResponse(body.model_dump(), status_code=error.http_status)


HTTP_ERRORS: dict[int, tuple[str, str]] = {
    404: ("not_found", "没有这个地址；接口说明见 /docs (no such path)"),
    405: ("method_not_allowed", "该地址不接受此请求方法；接口说明见 /docs (method not allowed)"),
}
"""The ErrorBody of an HTTP error the router itself answers, by status."""


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    # What Starlette answers itself (no route, a route without this method), in ErrorBody form.
    assert isinstance(error, StarletteHTTPException)
    code, message = HTTP_ERRORS.get(
        error.status_code, ("http_error", f"{error.detail} (HTTP {error.status_code})")
    )
    body = ErrorBody(error=code, message=message)
    return JSONResponse(body.model_dump(), status_code=error.status_code, headers=error.headers)


async def _bad_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in error.errors()
    )
    body = ErrorBody(error="bad_request", message=f"请求参数有误 (bad request): {problems}")
    return JSONResponse(body.model_dump(), status_code=400)


_ANSWERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]] = {
    ApiError: _api_error,
    BudgetExceeded: _over_budget,
    _Invalid: _invalid,
    InvalidInputError: _invalid_later,
    PolicygenError: _failed,
    RequestValidationError: _bad_request,
    StarletteHTTPException: _http_error,
}
"""How each error a route raises is answered."""


def create_app(
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_set_documents: int = MAX_SET_DOCUMENTS,
    limits: ServiceLimits | None = None,
    template_dirs: Sequence[Path] | None = None,
) -> FastAPI:
    """Return the policygen HTTP application. `max_body_bytes` bounds every request body,
    `max_set_documents` the documents one /render-set request may produce, and `limits` the
    time and turns requests get (None: ServiceLimits.from_environment()). `template_dirs`
    are searched before the bundled templates (None: the folders TEMPLATES_VARIABLE lists);
    a template or data file edited there is seen by the next request."""
    limits = limits or ServiceLimits.from_environment()
    LayoutBudget.from_environment()  # a bad setting stops the service now, not every request
    settings = _Settings(
        limits=limits,
        max_body_bytes=max_body_bytes,
        max_set_documents=max_set_documents,
        folders=tuple(template_dirs) if template_dirs is not None else _template_folders(),
        gate=_Gate(limits.concurrency, limits.queue),
        engines=Engines(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await run_in_threadpool(settings.engines.close)

    app = FastAPIOffline(  # /docs and /redoc from files in the package: no CDN, works offline
        title="policygen",
        version=__version__,
        description="外包管理制度、合同与服务水平协议生成服务 (policygen over HTTP).",
        lifespan=lifespan,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    app.state.settings = settings
    for error, answer in _ANSWERS.items():
        app.add_exception_handler(error, answer)
    app.include_router(router)
    editor.include(app)  # the browser editor at /
    instrument(app)  # health, request ids, access log, /metrics (serving_ops)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the app's OpenAPI description, with the Profile schema and every model it uses
    under components/schemas, generated from the pydantic models."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    profile = Profile.model_json_schema(
        mode="validation",
        ref_template="#/components/schemas/{model}",
        schema_generator=DocumentedJsonSchema,
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in {**profile.pop("$defs", {}), "Profile": profile}.items():
        if name in schemas and schemas[name] != schema:  # pragma: no cover - a naming clash
            raise RuntimeError(f"OpenAPI schema name clash: {name}")
        schemas[name] = schema
    app.openapi_schema = spec
    return spec


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    template_dirs: Sequence[Path] = (),
) -> None:
    """Serve the application with uvicorn on `host`:`port` in `workers` processes, under the
    limits the environment sets (serving.ServiceLimits), with the templates in `template_dirs`
    searched first (passed to the workers in TEMPLATES_VARIABLE)."""
    import uvicorn

    from policygen.serving import uvicorn_options
    from policygen.serving_ops import share_metrics

    if template_dirs:
        os.environ[TEMPLATES_VARIABLE] = os.pathsep.join(
            str(Path(d).resolve()) for d in template_dirs
        )
    _template_folders()  # a missing folder stops the command now
    editor.share_token()  # every worker's editor accepts the page any worker served
    share_metrics(workers)  # one /metrics for the `workers` processes

    uvicorn.run(
        "policygen.service:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **uvicorn_options(),
    )
