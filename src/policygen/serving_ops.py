"""Run the HTTP service as one of N stateless replicas: health, request ids, access log, metrics.

Input: the FastAPI application (service.create_app). Output: the same application with
`Operations` around it — every request given an id (the ``X-Request-ID`` it came with, or a new
one) that its answer and every log record written meanwhile carry, logged once as a JSON line
(logger ``policygen.access``) and counted in Prometheus metrics — and three routes for an
orchestrator: ``/health/live`` (the process answers), ``/health/ready`` (it can serve: its
template folders are there) and ``/metrics`` (the Prometheus text format).

A replica keeps nothing between requests (each loads its own profile), so any number of them
can stand behind a load balancer; uvicorn's own graceful shutdown lets the requests in flight
finish on SIGTERM (serving.uvicorn_options bounds the wait). Under ``--workers N``, or
whenever PROMETHEUS_MULTIPROC_DIR names a folder, the metrics of every process are kept there
and /metrics adds them up (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Collection
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policygen import __version__
from policygen.kinds import DOCUMENT_KINDS
from policygen.request import DEFAULT_FORMATS, split_names
from policygen.writers import WRITERS
from policygen.writers.options import pdf_engine_from

REQUEST_ID_HEADER = "x-request-id"
"""The header a request's id comes in (from a load balancer) and goes back out in."""

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""What a request id from outside may be; any other is replaced by a new one."""

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""The folder the processes of one replica keep their metrics in (prometheus_client's)."""

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Upper bounds of the latency histogram, in seconds: a /validate takes milliseconds, a PDF
a fraction of a second with Typst, a set seconds, and 120 s is the request time-out."""

RENDER_ROUTES = ("/render", "/render-set")
"""The routes whose answers are documents, counted per kind, format and engine."""

QUIET_ROUTES = ("/health", "/health/live", "/health/ready", "/metrics")
"""Routes an orchestrator calls every few seconds: logged at DEBUG, not INFO."""

access_log = logging.getLogger("policygen.access")

_request_id: ContextVar[str | None] = ContextVar("policygen_request_id", default=None)
"""The id of the request being served in this context (None: outside a request)."""


def request_id() -> str | None:
    """Return the id of the request being served, None outside one."""
    return _request_id.get()


# --------------------------------------------------------------------------- the log


class JsonLines(logging.Formatter):
    """Format a record as one JSON object on one line: time (UTC, ISO 8601), level, logger,
    message, the request id when written while serving one, the fields of an access record
    (its ``access`` attribute) and the traceback, if any."""

    def format(self, record: logging.LogRecord) -> str:
        """Return `record` as a JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or _request_id.get()
        if rid:
            entry["request_id"] = rid
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonLines}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "policygen": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "policygen.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
"""The service's logging (uvicorn's ``log_config``): every record a JSON line, where a
container's log collector reads it — the access log (``policygen.access``, in place of
uvicorn's own) on standard output, as uvicorn's was, everything else on standard error."""


# --------------------------------------------------------------------------- the metrics


class Metrics:
    """The service's Prometheus metrics, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "policygen_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "policygen_http_request_duration_seconds",
            "Time from a request's headers to the end of its answer, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "policygen_http_requests_in_progress",
            "Requests being served now, by method (the route is known only once routed).",
            ["method"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.renders = Counter(
            "policygen_renders",
            "Documents asked of /render and /render-set and answered, by kind, format and "
            "PDF engine (kind 'set': the whole set).",
            ["kind", "format", "engine"],
            registry=self.registry,
        )
        self.failures = Counter(
            "policygen_render_failures",
            "Render requests not answered with a document, by kind, format, PDF engine and "
            "status (422: invalid profile, 413: too costly, 503: busy or out of time, 500).",
            ["kind", "format", "engine", "status"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """Return the metrics in the Prometheus text format: every process's, added up, when
        MULTIPROCESS_VARIABLE names a folder; else this process's."""
        if os.environ.get(MULTIPROCESS_VARIABLE):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)

    def count_render(self, scope: Scope, route: str, status: int) -> None:
        """Count the documents a request to a RENDER_ROUTES `route` asked for (its query),
        as rendered when `status` is 200, else as failures."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if route == "/render":
            kinds, formats = query.get("kind", ["?"])[:1], query.get("format", ["pdf"])[:1]
        else:
            kinds = list(split_names(query.get("kinds"))) or ["set"]
            formats = list(split_names(query.get("formats"))) or list(DEFAULT_FORMATS)
        engine = _engine(query.get("pdf_engine", [""])[0])
        for kind in (_known(k, DOCUMENT_KINDS, "set") for k in kinds):
            for fmt in (_known(f, WRITERS) for f in formats):
                printer = engine if fmt == "pdf" else "none"
                if status == 200:
                    self.renders.labels(kind, fmt, printer).inc()
                else:
                    self.failures.labels(kind, fmt, printer, str(status)).inc()


def _known(name: str, names: Collection[str], *also: str) -> str:
    """Return `name` when it is one of `names` (or `also`), else ``other``: a label takes no
    value a client made up, so the metrics' series stay bounded."""
    return name if name in names or name in also else "other"


def _engine(asked: str) -> str:
    """Return the PDF engine a request prints with: the one it `asked` for (``pdf_engine``),
    else the environment's, else the default; ``other`` for one that does not exist."""
    try:
        return pdf_engine_from(asked or None)
    except Exception:  # a bad engine is the render's to report
        return "other"


# --------------------------------------------------------------------------- the middleware


class Operations:
    """ASGI middleware giving each HTTP request an id, a JSON access-log line and its metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request in `scope` with the id, log line and metrics described above."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        given = headers.get(REQUEST_ID_HEADER.encode("latin-1"), b"").decode("latin-1")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = _request_id.set(rid)
        method = scope.get("method", "GET")
        status, sent = 500, 0
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(REQUEST_ID_HEADER.encode("latin-1"), rid.encode("latin-1"))]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        in_progress = self.metrics.in_progress.labels(method)
        in_progress.inc()
        try:
            await self.app(scope, receive, answer)
        finally:
            in_progress.dec()
            seconds = time.perf_counter() - started
            route = _route(scope)  # the router put it there
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(seconds)
            if route in RENDER_ROUTES and method == "POST":
                self.metrics.count_render(scope, route, status)
            client = scope.get("client")
            access_log.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %d",
                method,
                scope.get("path", ""),
                status,
                extra={
                    "request_id": rid,
                    "access": {
                        "method": method,
                        "path": scope.get("path", ""),
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        "bytes": sent,
                        "client": client[0] if client else None,
                    },
                },
            )
            _request_id.reset(token)


def _route(scope: Scope) -> str:
    """Return the path of the route that served `scope`, as declared (so that metrics have
    one series per route, not per URL); ``other`` when none did (a 404)."""
    return str(getattr(scope.get("route"), "path", None) or "other")


# --------------------------------------------------------------------------- the routes

router = APIRouter(tags=["service"])


@router.get("/health/live")
async def live() -> dict[str, str]:
    """存活检查：进程在应答即为 ok (liveness)。"""
    return {"status": "ok", "version": __version__}


@router.get("/health/ready", responses={503: {"description": "模板目录缺失 (not ready)"}})
async def ready(request: Request) -> JSONResponse:
    """就绪检查：模板目录都在、可以生成文档时为 ready，否则 503 (readiness)。"""
    folders: tuple[Path, ...] = request.app.state.settings.folders
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        return JSONResponse(
            {
                "status": "not_ready",
                "message": f"模板目录不存在 (template folder missing): {missing}",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "version": __version__})


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus 指标：请求数、各路由延迟直方图、按文档类型与引擎的生成数、失败数。"""
    collected: Metrics = request.app.state.metrics
    return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)


def share_metrics(workers: int) -> None:
    """Have the `workers` processes of one service keep their metrics in one folder, so that
    /metrics, whichever process answers it, adds up all of them: a new temporary folder in
    MULTIPROCESS_VARIABLE, unless one is set or there is one process. Call it before the
    processes start."""
    if workers > 1 and not os.environ.get(MULTIPROCESS_VARIABLE):
        os.environ[MULTIPROCESS_VARIABLE] = tempfile.mkdtemp(prefix="policygen-metrics-")


def instrument(app: FastAPI) -> None:
    """Add the health and metrics routes to `app` and serve it through `Operations`."""
    app.state.metrics = Metrics()
    app.include_router(router)
    app.add_middleware(Operations, metrics=app.state.metrics)
