"""Bounded cost per document and per request: a layout beyond its time or memory budget stops
with an error naming the document (never a hang, never the machine's memory); a run of letters
that would make layout quadratic is refused before, at its place; the service answers 503 with
Retry-After when its queue is full or a request's time runs out, while /health answers; and
locating the errors of a large JSON body costs what reading it costs.

Budgets are set tiny through the environment, so each test takes seconds; no test times how
fast normal work is (bench/run.py does)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from secutil import example_data

from policygen import service
from policygen.api import render
from policygen.layout.budget import (
    MAX_UNBROKEN_RUN,
    MEMORY_VARIABLE,
    TIMEOUT_VARIABLE,
    BudgetExceeded,
    LayoutBudget,
)
from policygen.layout.process import LayoutProcess
from policygen.serving import ServiceLimits
from policygen.tree import nodes as n
from policygen.writers.options import WriterOptions

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "src" / "policygen" / "templates" / "zh"


def _long_document(paragraphs: int = 3000) -> n.Document:
    """Return a regulation of `paragraphs` paragraphs of 240 characters: half a minute of
    WeasyPrint layout, far more than the budgets these tests set."""
    from sample_docs import inline, small_doc

    text = "外包管理制度条款内容示例" * 20
    return small_doc(*(n.Paragraph(inline(text)) for _ in range(paragraphs)), title="长篇制度")


def _options(engine: str, deadline: float | None = None) -> WriterOptions:
    return WriterOptions(template_dirs=(BUNDLED,), pdf_engine=engine, deadline=deadline)


def _write(doc: n.Document, options: WriterOptions) -> bytes:
    from policygen.writers import WRITERS

    return WRITERS["pdf"](doc, options)


# --------------------------------------------------------------------------- layout budget


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_a_layout_over_its_time_budget_stops_with_the_document_named(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_VARIABLE, "0.2" if engine == "typst" else "1")
    doc = _long_document(6000 if engine == "typst" else 3000)
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as error:
        _write(doc, _options(engine))
    assert time.monotonic() - started < 60  # the engine's start-up, then the budget
    assert error.value.limit == "time"
    assert "《长篇制度》" in str(error.value) and TIMEOUT_VARIABLE in str(error.value)
    # The process was stopped; the next document gets a new one and prints.
    monkeypatch.delenv(TIMEOUT_VARIABLE)
    assert _write(_long_document(3), _options(engine))[:5] == b"%PDF-"


def test_a_layout_over_its_memory_budget_stops_with_the_document_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typst lays out a paragraph of 1,800,000 characters in more than 500 MB within seconds
    (a 9.6-million character document took 4.2 GB); the process is stopped at the limit."""
    from sample_docs import inline, small_doc

    monkeypatch.setenv(MEMORY_VARIABLE, "500")
    doc = small_doc(n.Paragraph(inline("外包管理制度条款内容示例" * 150_000)), title="长篇制度")
    with pytest.raises(BudgetExceeded) as error:
        _write(doc, _options("typst"))
    assert error.value.limit == "memory"
    assert "《长篇制度》" in str(error.value) and MEMORY_VARIABLE in str(error.value)
    assert _write(_long_document(3), _options("typst"))[:5] == b"%PDF-"  # a new process


def test_a_layout_process_stops_a_task_at_its_memory_limit_and_starts_again() -> None:
    from costly import allocate, echo

    process = LayoutProcess("test")
    budget = LayoutBudget(timeout=30, memory_bytes=256 * 1024**2)
    try:
        with pytest.raises(BudgetExceeded) as error:
            process.run(allocate, (1024,), what="《大文件》", budget=budget)
        assert error.value.limit == "memory" and "《大文件》" in str(error.value)
        assert process.pid is None  # stopped
        _, data = process.run(echo, ("再来",), what="《小文件》", budget=budget)
        assert data == "再来".encode()
        first = process.pid
        process.run(echo, ("同一进程",), what="《小文件》", budget=budget)
        assert process.pid == first  # kept between documents
    finally:
        process.stop()


def test_a_layout_stops_at_the_request_deadline() -> None:
    from costly import sleep

    process = LayoutProcess("test")
    try:
        with pytest.raises(BudgetExceeded) as error:
            process.run(
                sleep,
                (30,),
                what="《合同》",
                budget=LayoutBudget(timeout=60),
                deadline=time.monotonic() + 0.5,
            )
        assert error.value.limit == "deadline"
        with pytest.raises(BudgetExceeded) as late:  # a deadline already past starts nothing
            process.run(sleep, (0,), what="《合同》", budget=LayoutBudget(), deadline=0.0)
        assert late.value.limit == "deadline"
    finally:
        process.stop()


def _services_profile() -> dict[str, Any]:
    """The issue's profile: 213 KB, ten services of 20,000 letters without a space."""
    data = example_data()
    data["engagements"][0]["services"] = [chr(ord("a") + i) * 20_000 for i in range(10)]
    return data


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_a_run_too_long_to_break_is_refused_before_layout_at_its_place(engine: str) -> None:
    """WeasyPrint takes 11 s for one such run, and 71 s for the profile; refused in no time."""
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as error:
        render(_services_profile(), "contract", "pdf", pdf_engine=engine)
    assert time.monotonic() - started < 20
    message = str(error.value)
    assert error.value.limit == "size"
    assert "第二条" in message and "20000 个字符" in message and str(MAX_UNBROKEN_RUN) in message


# --------------------------------------------------------------------------- the service


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


async def _post(client: httpx.AsyncClient, url: str, body: bytes) -> httpx.Response:
    return await client.post(url, content=body, headers={"content-type": "application/json"})


def test_the_service_refuses_a_too_costly_document_with_413() -> None:
    from fastapi.testclient import TestClient

    with TestClient(service.create_app()) as client:
        answer = client.post(
            "/render?kind=contract&format=pdf",
            content=_json(_services_profile()),
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_costly"
    assert "第二条" in answer.json()["message"]


def test_a_full_queue_is_answered_503_with_retry_after_while_health_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One request renders, one waits its turn, the third is refused at once; /health is
    answered all along, and the two accepted requests finish once the first is let go."""
    release = threading.Event()
    started = threading.Event()
    real = service._render_document

    def held(*args: Any, **kwargs: Any) -> tuple[str, bytes, int]:
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "_render_document", held)
    app = service.create_app(limits=ServiceLimits(concurrency=1, queue=1, request_timeout=60))
    body = _json(example_data())
    url = "/render?kind=sla&format=txt"

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = asyncio.create_task(_post(client, url, body))
            while not started.is_set():
                await asyncio.sleep(0.01)
            second = asyncio.create_task(_post(client, url, body))
            await asyncio.sleep(0.2)  # the second is waiting its turn
            refused = await asyncio.wait_for(_post(client, url, body), 10)
            health = await asyncio.wait_for(client.get("/health"), 5)
            release.set()
            return list(await asyncio.gather(first, second)), refused, health

    accepted, refused, health = asyncio.run(scenario())
    assert [a.status_code for a in accepted] == [200, 200]
    assert refused.status_code == 503
    assert refused.json()["error"] == "busy"
    assert int(refused.headers["retry-after"]) >= 1
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_a_request_whose_time_runs_out_while_it_waits_is_answered_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    started = threading.Event()
    real = service._render_document

    def held(*args: Any, **kwargs: Any) -> tuple[str, bytes, int]:
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "_render_document", held)
    app = service.create_app(limits=ServiceLimits(concurrency=1, queue=4, request_timeout=1))
    body = _json(example_data())
    url = "/render?kind=sla&format=txt"

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = asyncio.create_task(_post(client, url, body))
            while not started.is_set():
                await asyncio.sleep(0.01)
            waited = await asyncio.wait_for(_post(client, url, body), 10)
            release.set()
            await first
            return waited

    waited = asyncio.run(scenario())
    assert waited.status_code == 503
    assert waited.json()["error"] == "busy" and "retry-after" in waited.headers


def test_a_request_whose_layout_outlasts_its_time_is_answered_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fastapi.testclient import TestClient

    # WeasyPrint takes far longer than the request's 3 s over 500,000 characters (Typst, the
    # default, may not).
    monkeypatch.setenv("POLICYGEN_PDF_ENGINE", "weasyprint")
    data = example_data()
    data["engagements"][0]["services"] = ["外包服务内容说明" * 250] * 250  # 500,000 characters
    app = service.create_app(limits=ServiceLimits(request_timeout=3))
    with TestClient(app) as client:
        started = time.monotonic()
        answer = client.post(
            "/render?kind=contract&format=pdf",
            content=_json(data),
            headers={"content-type": "application/json"},
        )
        assert time.monotonic() - started < 60
        assert answer.status_code == 503, answer.text[:300]
        assert answer.json()["error"] == "timeout" and "retry-after" in answer.headers
        assert client.get("/health").status_code == 200


# --------------------------------------------------------------------------- locating


def _errors_body(values: int) -> bytes:
    """Return the example profile with an unknown key holding `values` numbers: one error to
    locate in a large body (400 KB for 130,000 values)."""
    data = example_data()
    data["organisation"]["notes_typo"] = [1] * values
    return _json(data)


def test_validate_locates_errors_of_a_large_json_body_in_linear_time() -> None:
    """Locating re-read the JSON with a pure-Python YAML parser: 9.9 s for 400 KB of numbers.
    Now one linear scan, run only when there is a problem to locate."""
    from fastapi.testclient import TestClient

    with TestClient(service.create_app()) as client:

        def cost(values: int) -> float:
            body = _errors_body(values)
            before = time.process_time()
            answer = client.post(
                "/validate", content=body, headers={"content-type": "application/json"}
            )
            spent = time.process_time() - before
            assert answer.status_code == 422
            (error,) = answer.json()["errors"]
            assert error["path"] == "organisation.notes_typo" and error["line"] == 1
            return spent

        cost(1000)  # warm
        half, full = cost(65_000), cost(130_000)
    assert len(_errors_body(130_000)) > 400_000
    assert full < 3.0, f"400 KB took {full:.1f} s of CPU"
    assert full < 3 * half + 0.3, f"twice the input took {full / max(half, 1e-3):.1f}× the CPU"
