"""Serve policygen over HTTP: validate a profile, render one document or a whole set.

Input: a profile as the body of a request (JSON; YAML or TOML with their content type).
Output: a validation report, the bytes of a document, or a zip of a set. Requests share
nothing: each one loads its own profile, and loading and rendering run in the thread pool so
that the event loop keeps answering while documents are being written. PDF rendering is
serialised inside a process, so run several processes (``--workers``) to use several cores.

The OpenAPI description is generated from the same pydantic models that validate a profile:
the request body of every POST is the Profile schema."""

from __future__ import annotations

import io
import zipfile
from functools import partial
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from policygen import __version__
from policygen.api import render, render_set
from policygen.errors import InvalidInputError, Issue, RenderError, UsageError
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, jobs
from policygen.profile.docs import DocumentedJsonSchema
from policygen.profile.load import parse
from policygen.profile.model import Profile
from policygen.validation import check_parsed
from policygen.writers import WRITERS

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest request body accepted, in bytes; a real profile is a few kilobytes."""

MAX_SET_DOCUMENTS = 100
"""Most documents one /render-set request may produce (documents × formats). A 2 MB body can
hold 1,000 engagements, that is 12,000 documents and hours of work for a single request."""

MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
"""The content type of each output format."""

ZIP_TYPE = "application/zip"

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


class KindsInfo(BaseModel):
    """The document kinds and output formats available."""

    kinds: list[KindInfo]
    formats: list[str]


class Health(BaseModel):
    """The answer of /health."""

    status: Literal["ok"] = "ok"
    version: str = __version__


class ApiError(Exception):
    """A request policygen cannot serve; turned into a JSON ErrorBody with `status`."""

    def __init__(
        self, status: int, error: str, message: str, allowed: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(error=error, message=message, allowed=allowed)


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


async def _body_text(request: Request, limit: int) -> str:
    """Return the request body as text; raise ApiError 413 beyond `limit` bytes, counting
    as the body arrives, so a large or chunked body is refused without being held."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
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


def _body_format(request: Request) -> str:
    """Return the profile format the request's content type announces (JSON by default)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if "yaml" in media:
        return "yaml"
    if "toml" in media:
        return "toml"
    return "json"


def _load(text: str, fmt: str, *, documents: bool = False) -> Profile:
    """Return the profile in `text` checked as the command line checks it (with `documents`,
    as ``validate`` does: every document of the set is built); raise _Invalid with every
    problem found."""
    try:
        return check_parsed(parse(text, fmt=fmt, name="<request>"), documents=documents)
    except InvalidInputError as error:
        raise _Invalid(error.issues) from None


def _kind(name: str) -> str:
    if name not in DOCUMENT_KINDS:
        raise ApiError(
            400,
            "unknown_kind",
            f"未知的文档类型 {name}；可选：{', '.join(DOCUMENT_KINDS)} (unknown document kind)",
            list(DOCUMENT_KINDS),
        )
    return name


def _format(name: str) -> str:
    if name not in WRITERS:
        raise ApiError(
            400,
            "unknown_format",
            f"未知的输出格式 {name}；可选：{', '.join(WRITERS)} (unknown format)",
            list(WRITERS),
        )
    return name


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _render_document(
    text: str, body_format: str, kind: str, fmt: str, contract_no: str | None
) -> tuple[str, bytes]:
    """Return the file name and bytes of one document; run in a worker thread."""
    profile = _load(text, body_format)
    data = render(profile, kind, fmt, contract_no=contract_no)
    document_kind = DOCUMENT_KINDS[kind]
    engagement = None
    if document_kind.per_engagement:
        engagement = next(
            e for e in profile.engagements if contract_no is None or e.contract_no == contract_no
        )
    return Job(document_kind, engagement).filename(fmt), data


def _render_zip(
    text: str,
    body_format: str,
    kinds: list[str] | None,
    formats: list[str],
    max_documents: int = MAX_SET_DOCUMENTS,
) -> bytes:
    """Return a zip of the set; entries are in render order with fixed timestamps, so identical
    input gives an identical zip. Raise ApiError 413 beyond `max_documents`. Run in a worker
    thread."""
    profile = _load(text, body_format)
    count = len(jobs(profile, kinds)) * len(formats)
    if count > max_documents:
        raise ApiError(
            413,
            "too_many_documents",
            f"本次请求将生成 {count} 份文档，超过每次 {max_documents} 份的上限；请用 kinds、"
            "formats 缩小范围，按合同调用 /render，或使用 policygen batch "
            f"(more than {max_documents} documents in one request)",
        )
    files = render_set(profile, kinds=kinds, formats=formats)
    if not files:
        raise UsageError(
            "没有可生成的文档：所选类型需要 engagements 中至少一份合同 (nothing to render)"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _attachment(filename: str) -> dict[str, str]:
    # Contract numbers are ASCII letters, digits, '.', '_' and '-': no quoting needed.
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


# --------------------------------------------------------------------------- the app


def create_app(
    *, max_body_bytes: int = MAX_BODY_BYTES, max_set_documents: int = MAX_SET_DOCUMENTS
) -> FastAPI:
    """Return the policygen HTTP application. `max_body_bytes` bounds every request body and
    `max_set_documents` the documents one /render-set request may produce."""
    app = FastAPI(
        title="policygen",
        version=__version__,
        description="外包管理制度、合同与服务水平协议生成服务 (policygen over HTTP).",
    )
    errors = {
        400: {"model": ErrorBody, "description": "参数有误 (bad request)"},
        413: {
            "model": ErrorBody,
            "description": "请求体过大或文档过多 (body too large, too many documents)",
        },
        422: {"model": ValidationReport, "description": "配置无效 (invalid profile)"},
    }

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body.model_dump(), status_code=error.status)

    @app.exception_handler(_Invalid)
    async def _invalid(request: Request, error: _Invalid) -> JSONResponse:
        return JSONResponse(error.report.model_dump(), status_code=422)

    @app.exception_handler(InvalidInputError)
    async def _invalid_later(request: Request, error: InvalidInputError) -> JSONResponse:
        # Found while rendering a profile that validated: a character no font can draw.
        return JSONResponse(_Invalid(error.issues).report.model_dump(), status_code=422)

    @app.exception_handler(UsageError)
    async def _usage(request: Request, error: UsageError) -> JSONResponse:
        body = ErrorBody(error="bad_request", message=str(error))
        return JSONResponse(body.model_dump(), status_code=400)

    @app.exception_handler(RenderError)
    async def _render_error(request: Request, error: RenderError) -> JSONResponse:
        body = ErrorBody(error="render_failed", message=str(error))
        return JSONResponse(body.model_dump(), status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in error.errors()
        )
        body = ErrorBody(error="bad_request", message=f"请求参数有误 (bad request): {problems}")
        return JSONResponse(body.model_dump(), status_code=400)

    @app.get("/health", response_model=Health, tags=["service"])
    async def health() -> Health:
        """服务状态与版本。"""
        return Health()

    @app.get("/kinds", response_model=KindsInfo, tags=["service"])
    async def kinds() -> KindsInfo:
        """可生成的文档类型与输出格式。"""
        return KindsInfo(
            kinds=[
                KindInfo(
                    name=k.name,
                    template=k.template,
                    per_engagement=k.per_engagement,
                    needs_personal_info=k.needs_personal_info,
                )
                for k in DOCUMENT_KINDS.values()
            ],
            formats=list(WRITERS),
        )

    @app.post(
        "/validate",
        response_model=ValidationReport,
        responses={k: v for k, v in errors.items() if k != 400},
        openapi_extra=_PROFILE_BODY,
        tags=["profile"],
    )
    async def validate(request: Request) -> ValidationReport:
        """校验配置：有效返回 200；无效返回 422，列出每处错误的路径与说明。"""
        text = await _body_text(request, max_body_bytes)
        await run_in_threadpool(partial(_load, documents=True), text, _body_format(request))
        return ValidationReport(valid=True, errors=[])

    @app.post(
        "/render",
        response_class=Response,
        responses={
            200: {
                "description": "文档 (the document)",
                "content": {
                    m: {"schema": {"type": "string", "format": "binary"}}
                    for m in MEDIA_TYPES.values()
                },
            },
            **errors,
        },
        openapi_extra=_PROFILE_BODY,
        tags=["render"],
    )
    async def render_one(
        request: Request,
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
    ) -> Response:
        """生成一份文档，返回其字节（Content-Disposition 给出文件名）。"""
        _format(fmt)
        _kind(kind)
        text = await _body_text(request, max_body_bytes)
        filename, data = await run_in_threadpool(
            _render_document, text, _body_format(request), kind, fmt, contract_no
        )
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=_attachment(filename))

    @app.post(
        "/render-set",
        response_class=Response,
        responses={
            200: {
                "description": "整套文档的 zip (a zip of the set)",
                "content": {ZIP_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            },
            **errors,
        },
        openapi_extra=_PROFILE_BODY,
        tags=["render"],
    )
    async def render_many(
        request: Request,
        formats: str = Query("docx,pdf", description="输出格式，逗号分隔"),
        kinds: str | None = Query(None, description="文档类型，逗号分隔；默认整套适用的文档"),
    ) -> Response:
        """生成整套文档（或 kinds 所列类型），以 zip 返回。"""
        fmts = [_format(f) for f in dict.fromkeys(_split(formats))]
        if not fmts:
            raise ApiError(
                400, "unknown_format", "请至少指定一种输出格式 (no format)", list(WRITERS)
            )
        names = [_kind(k) for k in dict.fromkeys(_split(kinds))] or None
        text = await _body_text(request, max_body_bytes)
        data = await run_in_threadpool(
            _render_zip, text, _body_format(request), names, fmts, max_set_documents
        )
        return Response(data, media_type=ZIP_TYPE, headers=_attachment("policygen-set.zip"))

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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the application with uvicorn on `host`:`port` in `workers` processes."""
    import uvicorn

    uvicorn.run("policygen.service:create_app", factory=True, host=host, port=port, workers=workers)
