"""Serve the HTTP application with uvicorn under limits no single client can exhaust.

Input: the limits (ServiceLimits, from the environment) and where to listen. Output: a running
uvicorn server whose connections are bounded in number and in the time a request may take to
arrive, and whose log says each condition once a minute instead of once per connection.

uvicorn reads a request's headers and body for as long as the client takes (its keep-alive
time-out only runs between requests), and accepts connections until the process runs out of
file descriptors; asyncio then logs a traceback for every failed accept. 2 × 10,300
connections that sent a request line and stopped took a server down that way, /health
included. So the HTTP/1.1 protocol here (`GuardedH11Protocol`, uvicorn's with three additions)
closes a connection whose headers take longer than `header_timeout` or whose body takes longer
than `body_timeout`, and keeps at most `max_connections` open: a new one beyond that closes the
connection that has waited longest without a request in progress (a slow client, never a
request being served), so a client that sends its request at once, /health's, still gets in.
uvicorn's own `limit_concurrency` is not used: it counts idle connections too, and would answer
/health with 503 while slow clients hold the connections."""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import resource
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from policygen.layout.budget import positive_setting
from policygen.procs import available_cpus

HEADER_TIMEOUT_VARIABLE = "POLICYGEN_SERVE_HEADER_TIMEOUT"
BODY_TIMEOUT_VARIABLE = "POLICYGEN_SERVE_BODY_TIMEOUT"
MAX_CONNECTIONS_VARIABLE = "POLICYGEN_SERVE_MAX_CONNECTIONS"
REQUEST_TIMEOUT_VARIABLE = "POLICYGEN_SERVE_TIMEOUT"
CONCURRENCY_VARIABLE = "POLICYGEN_SERVE_CONCURRENCY"
QUEUE_VARIABLE = "POLICYGEN_SERVE_QUEUE"

BACKLOG = 128
"""Connections the kernel holds for the server before it accepts them; asyncio accepts up to
this many at once, so the descriptors a server may use are `max_connections` plus this."""

RESERVED_DESCRIPTORS = 128
"""File descriptors kept for everything but connections (fonts, templates, layout processes)."""

MAX_HEADER_BYTES = 16 * 1024
"""Largest request line and headers accepted (h11's limit); beyond it the answer is 400."""

KEEP_ALIVE_SECONDS = 5
"""Seconds an idle connection is kept open between requests (uvicorn's keep-alive)."""

GRACE_SECONDS = 5
"""Seconds beyond the request time-out a SIGTERM waits for the requests in flight."""

log = logging.getLogger("policygen.service")


@dataclass(frozen=True)
class ServiceLimits:
    """What one request, and all of them together, may use of the HTTP service."""

    request_timeout: float = 120.0
    """Seconds a request may take from its headers to its answer, waiting for its turn
    included; a layout still running then is stopped and the answer is 503."""
    concurrency: int = field(default_factory=available_cpus)
    """Requests that load, check or render a profile at once (one per CPU by default)."""
    queue: int = 64
    """Requests that may wait for their turn beyond those; more are answered 503 with
    Retry-After at once."""
    header_timeout: float = 10.0
    """Seconds a client may take to send a request line and its headers."""
    body_timeout: float = 30.0
    """Seconds a client may take to send a request's body (2 MB at 70 KB/s)."""
    max_connections: int = 1000
    """Connections open at once; a new one beyond this closes the one idle longest."""

    @classmethod
    def from_environment(cls) -> ServiceLimits:
        """Return the default limits, each overridden by its environment variable
        (POLICYGEN_SERVE_TIMEOUT, _CONCURRENCY, _QUEUE, _HEADER_TIMEOUT, _BODY_TIMEOUT,
        _MAX_CONNECTIONS); raise UsageError when one is not a positive number."""
        defaults = cls()
        return cls(
            request_timeout=positive_setting(REQUEST_TIMEOUT_VARIABLE, defaults.request_timeout),
            concurrency=int(positive_setting(CONCURRENCY_VARIABLE, defaults.concurrency)),
            queue=int(positive_setting(QUEUE_VARIABLE, defaults.queue)),
            header_timeout=positive_setting(HEADER_TIMEOUT_VARIABLE, defaults.header_timeout),
            body_timeout=positive_setting(BODY_TIMEOUT_VARIABLE, defaults.body_timeout),
            max_connections=int(
                positive_setting(MAX_CONNECTIONS_VARIABLE, defaults.max_connections)
            ),
        )

    def within_descriptors(self) -> ServiceLimits:
        """Return these limits with `max_connections` lowered, when need be, so that the
        connections, the accept backlog and RESERVED_DESCRIPTORS fit this process's limit on
        open files."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self
        room = max(1, soft - BACKLOG - RESERVED_DESCRIPTORS)
        if self.max_connections <= room:
            return self
        log.warning(
            "打开文件数上限为 %d，最多保持 %d 个连接 (open-file limit %d: at most %d connections)",
            soft,
            room,
            soft,
            room,
        )
        return ServiceLimits(
            request_timeout=self.request_timeout,
            concurrency=self.concurrency,
            queue=self.queue,
            header_timeout=self.header_timeout,
            body_timeout=self.body_timeout,
            max_connections=room,
        )


# --------------------------------------------------------------------------- the log


class ConditionLog:
    """Log each condition (a slow client closed, the queue full…) at most once per `interval`
    seconds, saying how often it happened since the last line, instead of once per event."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        self.logger = logger
        self.interval = interval
        """Seconds between two lines about the same condition."""
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}
        self._lock = threading.Lock()

    def note(self, condition: str, message: str) -> None:
        """Count one event of `condition`; log `message` when its last line is `interval`
        seconds old, with the number of events since that line."""
        now = time.monotonic()
        with self._lock:
            self._since[condition] = self._since.get(condition, 0) + 1
            last = self._last.get(condition)
            if last is not None and now - last < self.interval:
                return
            count, self._since[condition] = self._since[condition], 0
            self._last[condition] = now
        more = f"（{self.interval:g} 秒内共 {count} 次）(×{count})" if count > 1 else ""
        self.logger.warning("%s%s", message, more)


conditions = ConditionLog(log)
"""The service's conditions, logged once a minute each."""


_PER_CONNECTION: dict[str, tuple[str, str]] = {
    "socket.accept() out of system resource": (
        "accept",
        "无法接受新连接：系统资源（文件描述符）不足 (socket.accept() out of system resource)",
    ),
    "Invalid HTTP request received.": (
        "invalid",
        "收到无效的 HTTP 请求 (invalid HTTP request received)",
    ),
}
"""Records asyncio and uvicorn log once per connection, by how their message starts: the
condition each is counted under and the line logged for it."""


class _OncePerCondition(logging.Filter):
    """Turn the per-connection records of asyncio and uvicorn (_PER_CONNECTION) into
    `conditions` lines: a failed accept without its traceback, an invalid request."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for start, (condition, line) in _PER_CONNECTION.items():
            if message.startswith(start):
                exc = record.exc_info[1] if record.exc_info else None
                conditions.note(condition, f"{line}: {exc}" if exc else line)
                return False
        return True


_FILTER = _OncePerCondition()


def quiet_per_connection_logs() -> None:
    """Have asyncio's and uvicorn's per-connection records logged once per condition."""
    for name in ("asyncio", "uvicorn.error"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# --------------------------------------------------------------------------- the protocol

_idle_by_server: weakref.WeakKeyDictionary[Any, dict[GuardedH11Protocol, None]] = (
    weakref.WeakKeyDictionary()
)
"""Per server (uvicorn's ServerState), its connections with no request in progress, longest
waiting first."""


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a time limit on reading a request's headers and its
    body, and a cap on the connections open at once (see the module's docstring)."""

    def __init__(self, *args: Any, limits: ServiceLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quiet_per_connection_logs()  # in each of `--workers` processes too
        self.limits = limits
        self._reading: asyncio.TimerHandle | None = None
        """The time-out of what is being read: headers, then body."""
        self._idle = _idle_by_server.setdefault(self.server_state, {})

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._idle[self] = None
        if len(self.connections) > self.limits.max_connections:
            self._make_room()
        if not self.transport.is_closing():
            self._time("headers")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timing()
        self._idle.pop(self, None)
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            self._stop_timing()  # waiting for the next request: uvicorn's keep-alive time-out
            self._idle.setdefault(self, None)
        else:
            self._follow()

    # reading

    _part = ""
    """What `_reading` times: ``headers`` or ``body`` (empty: nothing)."""

    def _follow(self) -> None:
        """Time what is being read now: a request's headers once its first bytes are in,
        then its body; nothing once the request is read."""
        state = self.conn.their_state
        if state is h11.IDLE:
            self._idle.setdefault(self, None)
            if self.conn.trailing_data[0] and self._part != "headers":
                self._time("headers")
        elif state is h11.SEND_BODY:
            self._idle.pop(self, None)
            if self._part != "body":
                self._time("body")
        else:
            self._idle.pop(self, None)
            self._stop_timing()

    def _time(self, part: str) -> None:
        self._stop_timing()
        seconds = self.limits.header_timeout if part == "headers" else self.limits.body_timeout
        self._part = part
        self._reading = self.loop.call_later(seconds, self._too_slow, part)

    def _stop_timing(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
        self._reading, self._part = None, ""

    def _too_slow(self, part: str) -> None:
        self._reading, self._part = None, ""
        if self.transport.is_closing():
            return
        seconds = self.limits.header_timeout if part == "headers" else self.limits.body_timeout
        words = "请求头" if part == "headers" else "请求体"
        conditions.note(
            f"slow-{part}",
            f"关闭了 {seconds:g} 秒内未发完{words}的连接 (closed a connection slow to send its "
            f"request {part})",
        )
        self.transport.close()

    # the connection limit

    def _make_room(self) -> None:
        """Close the connection that has waited longest with no request in progress; this
        one if there is none."""
        oldest = next((c for c in self._idle if c is not self), self)
        conditions.note(
            "connections",
            f"已达连接数上限 {self.limits.max_connections}，关闭等待最久的空闲连接 "
            "(connection limit reached: closing the connection idle longest)",
        )
        self._idle.pop(oldest, None)
        oldest._stop_timing()
        oldest.transport.close()


# --------------------------------------------------------------------------- the server


def uvicorn_options(limits: ServiceLimits | None = None) -> dict[str, Any]:
    """Return the uvicorn settings (uvicorn.run's or uvicorn.Config's keywords) that serve
    under `limits` (None: ServiceLimits.from_environment()), the connections fitted to the
    open-file limit, log in JSON lines (serving_ops.LOG_CONFIG) and finish the requests in
    flight on SIGTERM; have the per-connection log records logged once per condition."""
    from policygen.serving_ops import LOG_CONFIG

    limits = (limits or ServiceLimits.from_environment()).within_descriptors()
    quiet_per_connection_logs()
    return {
        "http": functools.partial(GuardedH11Protocol, limits=limits),
        "backlog": BACKLOG,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        # On SIGTERM uvicorn stops accepting and lets the requests in flight finish: for as
        # long as one may take, then a little for its answer to go out.
        "timeout_graceful_shutdown": math.ceil(limits.request_timeout) + GRACE_SECONDS,
        # Every record a JSON line; each request logged once by serving_ops, with its id.
        "log_config": LOG_CONFIG,
        "access_log": False,
    }
