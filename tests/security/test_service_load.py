"""The HTTP service under load: 200 concurrent requests on loopback, valid and hostile mixed.

The server runs in its own process (uvicorn on 127.0.0.1, a free port), so its memory can be
measured and its survival checked. Every request must get its own correct answer (status and
body) within the time budget, the server's resident memory must not grow by more than 300 MB,
and it must still answer /health afterwards."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
import httpx
import pytest
from secutil import MANUFACTURER, ROOT, example_data

import policygen

CONCURRENCY = 32
"""Requests in flight at once (the client's semaphore)."""

RSS_BUDGET_MB = 300

_SERVER = """
import socket, sys, uvicorn
from policygen.service import create_app
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
config = uvicorn.Config(create_app(), log_level="warning", access_log=False, lifespan="off")
uvicorn.Server(config).run(sockets=[sock])
"""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")  # pragma: no cover


@dataclass
class Case:
    """One request and what its answer must be."""

    name: str
    url: str
    body: bytes
    status: int
    check: Callable[[httpx.Response], None]
    content_type: str = "application/json"


def _profile_body(change: Callable[[dict], None] | None = None) -> bytes:
    data = example_data()
    if change is not None:
        change(data)
    return json.dumps(data, ensure_ascii=False).encode()


def _cases() -> list[Case]:
    valid = _profile_body()
    expected_docx = policygen.render(policygen.load_profile(MANUFACTURER), "sla", "docx")

    def bad_code(data: dict) -> None:
        data["engagements"][0]["vendor"]["credit_code"] = "91110108MA01C7D3X4"

    def slow_duration(data: dict) -> None:
        data["sla"]["severities"][0]["response"] = "1a" + " " * 500_000 + "b"

    invalid = _profile_body(bad_code)

    def document(answer: httpx.Response) -> None:
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert answer.content == expected_docx
        assert docx.Document(io.BytesIO(answer.content)).paragraphs

    def valid_report(answer: httpx.Response) -> None:
        assert answer.json() == {"valid": True, "errors": []}

    def problem(path: str, words: str = "") -> Callable[[httpx.Response], None]:
        def check(answer: httpx.Response) -> None:
            report = answer.json()
            assert report["valid"] is False
            messages = {e["path"]: e["message"] for e in report["errors"]}
            assert path in messages, messages
            assert words in messages[path], messages

        return check

    def error(code: str) -> Callable[[httpx.Response], None]:
        def check(answer: httpx.Response) -> None:
            assert answer.json()["error"] == code

        return check

    render = "/render?kind=sla&format=docx"
    kinds: list[tuple[int, Case]] = [
        (50, Case("render", render, valid, 200, document)),
        (40, Case("validate", "/validate", valid, 200, valid_report)),
        (
            40,
            Case(
                "validate-invalid",
                "/validate",
                invalid,
                422,
                problem("engagements[0].vendor.credit_code", "校验位"),
            ),
        ),
        (
            16,
            Case(
                "render-invalid",
                render,
                invalid,
                422,
                problem("engagements[0].vendor.credit_code"),
            ),
        ),
        (10, Case("unknown-kind", "/render?kind=memo", valid, 400, error("unknown_kind"))),
        (
            10,
            Case(
                "too-large",
                "/validate",
                b'{"a": "' + b"x" * 3_000_000 + b'"}',
                413,
                error("too_large"),
            ),
        ),
        (
            8,
            Case(
                "deep-json",
                "/validate",
                b'{"meta": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
                422,
                problem("", "嵌套层级过深"),
            ),
        ),
        (
            8,
            Case(
                "huge-int",
                "/validate",
                b'{"meta": {"version": ' + b"9" * 5000 + b"}}",
                422,
                problem("meta.version", "数字过长"),
            ),
        ),
        (
            8,
            Case(
                "slow-duration",
                render,
                _profile_body(slow_duration),
                422,
                problem("sla.severities[0].response", "无法识别的时长"),
            ),
        ),
        (
            10,
            Case(
                "yaml-invalid-date",
                "/validate",
                MANUFACTURER.read_bytes().replace(b"2027-03-01", b"2026-02-30", 1),
                422,
                problem("meta.effective_date", "2026年2月只有28天"),
                "application/yaml",
            ),
        ),
    ]
    cases = [case for count, case in kinds for _ in range(count)]
    assert len(cases) == 200
    # Interleave the kinds, so that every moment of the run has a mix in flight.
    return [cases[i] for i in sorted(range(len(cases)), key=lambda i: (i % 7, i))]


async def _send_all(base: str, cases: list[Case]) -> list[httpx.Response]:
    limit = asyncio.Semaphore(CONCURRENCY)
    transport = httpx.AsyncHTTPTransport(retries=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, transport=transport) as client:

        async def send(case: Case) -> httpx.Response:
            async with limit:
                return await client.post(
                    case.url, content=case.body, headers={"content-type": case.content_type}
                )

        return await asyncio.gather(*(send(case) for case in cases))


@pytest.mark.slow
def test_200_concurrent_requests_are_each_answered_correctly(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = server
    cases = _cases()
    warm = asyncio.run(_send_all(base, [c for c in cases if c.name == "render"][:4]))
    assert all(answer.status_code == 200 for answer in warm)
    before = rss_mb(process.pid)
    started = time.monotonic()
    answers = asyncio.run(_send_all(base, cases))
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"took {elapsed:.0f} s"
    failures = []
    for case, answer in zip(cases, answers, strict=True):
        try:
            assert answer.status_code == case.status, answer.text[:300]
            case.check(answer)
        except AssertionError as error:
            failures.append(f"{case.name}: {error}")
    assert not failures, failures[:5]
    assert process.poll() is None, "the server process died"
    assert httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok"
    grown = rss_mb(process.pid) - before
    print(f"200 requests in {elapsed:.1f} s; server RSS {before:.0f} → {before + grown:.0f} MB")
    assert grown < RSS_BUDGET_MB, f"server RSS grew by {grown:.0f} MB"


def test_a_set_too_large_for_one_request_is_refused_before_rendering() -> None:
    """A body under 2 MB holds hundreds of engagements: /render-set must not start thousands of
    documents (MAX_SET_DOCUMENTS is far below)."""
    from fastapi.testclient import TestClient

    from policygen.service import MAX_SET_DOCUMENTS, create_app

    data = example_data()
    base = {  # the example's engagement without its optional lists, to fit 1,000 in 2 MB
        key: value
        for key, value in data["engagements"][0].items()
        if key not in ("service_items", "change_rates", "on_premises", "liability", "assessment")
        and value is not None
    }
    data["engagements"] = [{**base, "contract_no": f"HY-{i:04d}"} for i in range(600)]
    body = json.dumps(data, ensure_ascii=False).encode()
    assert len(body) < 2 * 1024 * 1024
    with TestClient(create_app()) as client:
        started = time.monotonic()
        answer = client.post(
            "/render-set", content=body, headers={"content-type": "application/json"}
        )
        assert time.monotonic() - started < 20
        assert answer.status_code == 413
        assert answer.json()["error"] == "too_many_documents"
        assert str(MAX_SET_DOCUMENTS) in answer.json()["message"]
        small = client.post(
            "/render-set?kinds=sla&formats=txt",
            content=_profile_body(),
            headers={"content-type": "application/json"},
        )
        assert small.status_code == 200
