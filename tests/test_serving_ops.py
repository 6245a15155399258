"""The service as a replica: health, request ids, JSON access log, /metrics, and SIGTERM
during a render through a real ``policygen serve`` process."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import policygen
from policygen.service import create_app
from policygen.serving_ops import REQUEST_ID_HEADER, JsonLines, Metrics

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-002"
YAML = {"content-type": "application/yaml"}
SRC = str(Path(policygen.__file__).resolve().parents[1])
"""The policygen the served process imports: this one."""


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Return the samples of a Prometheus exposition by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:  # fmt: skip
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_health_request_ids_access_log_and_metrics(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "version": policygen.__version__}
    assert client.get("/health/ready").json()["status"] == "ready"
    before = _samples(client.get("/metrics").text)

    with caplog.at_level(logging.INFO, logger="policygen.access"):
        given = client.post(
            f"/render?kind=contract&format=txt&contract_no={CONTRACT_NO}",
            content=BANK.read_bytes(),
            headers={**YAML, REQUEST_ID_HEADER: "lb-7f3a"},
        )
        unknown = client.post(
            "/render?kind=contract&format=txt&contract_no=NO-SUCH-1",
            content=BANK.read_bytes(),
            headers={**YAML, REQUEST_ID_HEADER: "bad id with spaces"},
        )
    assert given.status_code == 200 and "服务外包合同" in given.text
    assert given.headers[REQUEST_ID_HEADER] == "lb-7f3a"  # the load balancer's id, kept
    assert unknown.status_code >= 400
    new_id = unknown.headers[REQUEST_ID_HEADER]
    assert len(new_id) == 32 and new_id != "bad id with spaces"  # replaced by a fresh one

    lines = [json.loads(JsonLines().format(r)) for r in caplog.records if r.name == "policygen.access"]  # fmt: skip
    first, second = lines[-2:]
    assert first["request_id"] == "lb-7f3a" and second["request_id"] == new_id
    assert (first["method"], first["route"], first["status"]) == ("POST", "/render", 200)
    assert first["bytes"] == len(given.content) and first["duration_ms"] > 0
    assert first["level"] == "INFO" and first["time"].endswith("+00:00")

    after = _samples(client.get("/metrics").text)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    route = {"method": "POST", "route": "/render"}
    assert grew("policygen_http_requests_total", **route, status="200") == 1
    assert grew("policygen_http_request_duration_seconds_count", **route) == 2
    assert grew("policygen_http_request_duration_seconds_bucket", **route, le="+Inf") == 2
    txt = {"kind": "contract", "format": "txt", "engine": "none"}
    assert grew("policygen_renders_total", **txt) == 1
    assert grew("policygen_render_failures_total", **txt, status=str(unknown.status_code)) == 1
    assert _value(after, "policygen_http_requests_in_progress", method="GET") == 1  # itself


def test_ready_is_503_when_a_template_folder_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    with TestClient(create_app(template_dirs=[folder])) as client:
        assert client.get("/health/ready").status_code == 200
        folder.rmdir()
        answer = client.get("/health/ready")
        assert answer.status_code == 503 and str(folder) in answer.json()["message"]
        assert client.get("/health/live").status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_sigterm_during_a_render_lets_it_finish_and_counts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real `policygen serve`: SIGTERM arrives while a PDF is being laid out; uvicorn
    stops accepting, the render finishes and its client gets the document; the metrics the
    process kept (in PROMETHEUS_MULTIPROC_DIR, as under --workers N) count it."""
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "POLICYGEN_PDF_ENGINE": "typst",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "policygen", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[1].decode()
            assert time.monotonic() < deadline, "the service did not start"
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)

        answers: list[httpx.Response] = []

        def render() -> None:
            answers.append(
                httpx.post(
                    f"{base}/render?kind=regulation&format=pdf",
                    content=BANK.read_bytes(),
                    headers={**YAML, REQUEST_ID_HEADER: "in-flight-1"},
                    timeout=60,
                )
            )

        client = threading.Thread(target=render)
        client.start()
        in_progress = 'policygen_http_requests_in_progress{method="POST"} 1.0'
        while in_progress not in httpx.get(f"{base}/metrics", timeout=5).text:
            assert client.is_alive(), "the render ended before SIGTERM could be sent"
            time.sleep(0.01)
        server.send_signal(signal.SIGTERM)
        client.join(timeout=60)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:  # pragma: no cover - a server that did not stop
            server.kill()
            server.communicate()

    (answer,) = answers
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")
    assert answer.headers[REQUEST_ID_HEADER] == "in-flight-1"
    assert server.returncode in (0, 143), err.decode()
    (access,) = [json.loads(line) for line in out.decode().splitlines() if "in-flight-1" in line]
    assert (access["route"], access["status"], access["logger"]) == ("/render", 200, "policygen.access")  # fmt: skip
    records = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    assert any("Shutting down" in r["message"] for r in records)

    # What /metrics answers, read from the folder the served process kept its metrics in.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    samples = _samples(Metrics().exposition().decode())
    pdf = {"kind": "regulation", "format": "pdf", "engine": "typst"}
    assert _value(samples, "policygen_renders_total", **pdf) == 1
    assert _value(samples, "policygen_http_requests_total", method="POST", route="/render", status="200") == 1  # fmt: skip


def test_metrics_labels_take_no_value_a_client_made_up(client: TestClient) -> None:
    """An unknown kind, format or engine is counted as ``other``: a client cannot grow the
    metrics by one series per made-up name."""
    client.post(
        "/render?kind=no-such-kind&format=xyz&pdf_engine=nope",
        content=BANK.read_bytes(),
        headers=YAML,
    )
    text = client.get("/metrics").text
    assert "no-such-kind" not in text and "xyz" not in text and "nope" not in text
    assert _value(
        _samples(text), "policygen_render_failures_total",
        kind="other", format="other", engine="none", status="400",
    ) >= 1  # fmt: skip
