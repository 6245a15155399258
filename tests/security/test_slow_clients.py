"""Slow clients: connections that send part of a request and stop must not take the service
down. The server runs as `policygen serve` does (service.serve) in a process of its own on
127.0.0.1, with its open-file limit lowered to 512 so that a few hundred sockets reach it, as
2 × 10,300 reached the default limit in the issue. /health must keep answering, a client too
slow with its headers or body must be disconnected, and the log must say each condition in a
line or two, without a traceback per connection."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

OPEN_FILES = 512
"""The server's open-file limit in these tests."""

_SERVER = f"""
import resource, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, ({OPEN_FILES}, hard))
from policygen.service import serve
serve(host="127.0.0.1", port=int(sys.argv[1]))
"""

PARTIAL_HEADERS = b"POST /render?kind=sla HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"
"""A request line and part of the headers, never finished."""

PARTIAL_BODY = (
    b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"meta": '
)
"""Complete headers announcing 1,000 bytes of body, and 9 of them."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _server(tmp_path: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """Run the service with the POLICYGEN_SERVE_* `settings`; yield its URL and the file its
    standard error goes to."""
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, **{f"POLICYGEN_SERVE_{k.upper()}": v for k, v in settings.items()}}
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base, log
        assert process.poll() is None, "the server died"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()


def _address(base: str) -> tuple[str, int]:
    return "127.0.0.1", int(base.rsplit(":", 1)[1])


def _open(base: str, count: int, prefix: bytes) -> list[socket.socket]:
    """Open `count` connections to the server at `base` that each send `prefix` and stop;
    those the server refuses or closes at once are left out."""
    opened = []
    for _ in range(count):
        client = socket.socket()
        client.settimeout(2)
        try:
            client.connect(_address(base))
            client.sendall(prefix)
        except OSError:
            client.close()
            continue
        opened.append(client)
    return opened


def _health(base: str) -> int:
    return httpx.get(f"{base}/health", timeout=10).status_code


def _closed_by_server(client: socket.socket, within: float) -> bool:
    """Return True when the server closes `client` within `within` seconds (answering or
    not)."""
    client.settimeout(within)
    try:
        while client.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def _problems(log: Path) -> tuple[str, list[str]]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return text, [line for line in text.splitlines() if line.strip()]


def test_slow_clients_do_not_stop_health_nor_fill_the_log(tmp_path: Path) -> None:
    """700 connections that never finish their headers, against a server that may open 512
    files: before, it stopped accepting (health included) and logged a traceback for every
    failed accept; now the connection limit closes the longest-waiting ones to let new
    clients in."""
    held: list[socket.socket] = []
    with _server(tmp_path, header_timeout="60") as (base, log):
        try:
            for _ in range(7):
                held += _open(base, 100, PARTIAL_HEADERS)
                assert _health(base) == 200
            text, lines = _problems(log)
        finally:
            for client in held:
                client.close()
    assert "Traceback" not in text
    assert "Too many open files" not in text
    assert len(lines) < 20, lines[:20]
    assert any("连接数上限" in line for line in lines)


def test_clients_slow_with_their_headers_or_body_are_disconnected(tmp_path: Path) -> None:
    """Headers must arrive within POLICYGEN_SERVE_HEADER_TIMEOUT, a body within
    POLICYGEN_SERVE_BODY_TIMEOUT (1 s each here); one log line per condition."""
    with _server(tmp_path, header_timeout="1", body_timeout="1") as (base, log):
        silent = _open(base, 10, b"")
        headers = _open(base, 20, PARTIAL_HEADERS)
        bodies = _open(base, 20, PARTIAL_BODY)
        try:
            assert len(silent) == 10 and len(headers) == 20 and len(bodies) == 20
            assert _health(base) == 200
            started = time.monotonic()
            for client in (*silent, *headers, *bodies):
                assert _closed_by_server(client, within=max(0.5, 15 - (time.monotonic() - started)))
            assert time.monotonic() - started < 15
            assert _health(base) == 200
            text, lines = _problems(log)
        finally:
            for client in (*silent, *headers, *bodies):
                client.close()
    assert "Traceback" not in text
    assert len(lines) < 10, lines
    assert sum("请求头" in line for line in lines) <= 2
    assert sum("请求体" in line for line in lines) <= 2


def test_a_failed_accept_is_logged_once_a_minute_without_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """asyncio logs a traceback for every accept that fails for want of file descriptors:
    296 MB in 40 s in the issue. The service logs one line, with a count."""
    import errno
    import logging

    from policygen.serving import ConditionLog, conditions, quiet_per_connection_logs

    quiet_per_connection_logs()
    caplog.set_level(logging.WARNING)
    original = conditions._last.copy(), conditions._since.copy()
    conditions._last.clear()
    try:
        error = OSError(errno.EMFILE, "Too many open files")
        for _ in range(1000):
            logging.getLogger("asyncio").error(
                "socket.accept() out of system resource\nsocket: <socket>",
                exc_info=(OSError, error, None),
            )
    finally:
        conditions._last, conditions._since = original
    lines = [r for r in caplog.records if r.name in ("asyncio", conditions.logger.name)]
    assert len(lines) == 1
    assert lines[0].exc_info is None and "Too many open files" in lines[0].getMessage()
    assert isinstance(conditions, ConditionLog)


@pytest.mark.parametrize("variable", ["POLICYGEN_SERVE_TIMEOUT", "POLICYGEN_SERVE_QUEUE"])
def test_a_bad_limit_is_a_usage_error(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from policygen.errors import UsageError
    from policygen.serving import ServiceLimits

    monkeypatch.setenv(variable, "0")
    with pytest.raises(UsageError, match=variable):
        ServiceLimits.from_environment()
