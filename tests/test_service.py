"""The HTTP service: validate, render, render-set, limits, clear 4xx bodies, OpenAPI, and
concurrent requests through a real uvicorn server."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import policygen
from policygen.kinds import DOCUMENT_KINDS
from policygen.service import MEDIA_TYPES, create_app
from policygen.writers import WRITERS

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-002"
NUMBERS = ["MY-ITO-2026-001", CONTRACT_NO, "MY-ITO-2026-003"]
"""The contract numbers of the bank profile."""


@pytest.fixture(scope="module")
def profile() -> policygen.Profile:
    return policygen.load_profile(BANK)


@pytest.fixture(scope="module")
def body(profile: policygen.Profile) -> bytes:
    """The bank profile as an indented JSON request body."""
    return json.dumps(profile.model_dump(mode="json"), ensure_ascii=False, indent=2).encode()


@pytest.fixture(scope="module")
def bad_body(profile: policygen.Profile) -> bytes:
    data = profile.model_dump(mode="json")
    data["engagements"][1]["vendor"]["credit_code"] = "91330100MA2H7Q9TX7"
    data["vendor_selection"]["pass_scroe"] = data["vendor_selection"].pop("pass_score")
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def json_post(client: TestClient, url: str, content: bytes) -> httpx.Response:
    return client.post(url, content=content, headers={"content-type": "application/json"})


def test_health_and_kinds(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "version": policygen.__version__}
    kinds = client.get("/kinds").json()
    assert [k["name"] for k in kinds["kinds"]] == list(DOCUMENT_KINDS)
    assert kinds["formats"] == list(WRITERS)
    assert set(MEDIA_TYPES) == set(WRITERS)


def test_validate_ok_and_invalid(client: TestClient, body: bytes, bad_body: bytes) -> None:
    ok = json_post(client, "/validate", body)
    assert ok.status_code == 200 and ok.json() == {"valid": True, "errors": []}
    bad = json_post(client, "/validate", bad_body)
    assert bad.status_code == 422
    report = bad.json()
    assert report["valid"] is False
    errors = {e["path"]: e for e in report["errors"]}
    assert "校验位错误" in errors["engagements[1].vendor.credit_code"]["message"]
    assert "pass_score" in errors["vendor_selection.pass_scroe"]["message"]
    assert all(e["line"] and e["column"] for e in errors.values())  # located in the body
    syntax = json_post(client, "/validate", b'{"meta": ')
    assert syntax.status_code == 422 and "JSON" in syntax.json()["errors"][0]["message"]


def test_validate_accepts_yaml(client: TestClient) -> None:
    answer = client.post(
        "/validate", content=BANK.read_bytes(), headers={"content-type": "application/yaml"}
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK\x03\x04"), ("pdf", b"%PDF-")])
def test_render_returns_the_document(
    client: TestClient, profile: policygen.Profile, body: bytes, fmt: str, magic: bytes
) -> None:
    answer = json_post(client, f"/render?kind=sla&format={fmt}&contract_no={CONTRACT_NO}", body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPES[fmt]
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="sla-{CONTRACT_NO}.{fmt}"'
    assert answer.content.startswith(magic)
    assert answer.content == policygen.render(profile, "sla", fmt, contract_no=CONTRACT_NO)


def test_render_set_returns_a_zip(
    client: TestClient, profile: policygen.Profile, body: bytes
) -> None:
    url = "/render-set?formats=docx,txt&kinds=sla"
    answer = json_post(client, url, body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert 'filename="policygen-set.zip"' in answer.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    expected = policygen.render_set(profile, kinds=["sla"], formats=["docx", "txt"])
    assert archive.namelist() == list(expected)
    for name, data in expected.items():
        assert archive.read(name) == data, name
    again = json_post(client, url, body)
    assert again.content == answer.content  # identical input, identical zip


def test_the_untranslated_texts_in_a_header_and_in_the_set_zip(
    client: TestClient, body: bytes
) -> None:
    one = json_post(client, f"/render?kind=nda&format=txt&contract_no={NUMBERS[2]}&lang=en", body)
    assert one.status_code == 200, one.text
    assert one.headers["x-policygen-untranslated"] == "1"  # 上海市浦东新区人民法院
    translated = json_post(client, f"/render?kind=nda&format=txt&contract_no={NUMBERS[0]}", body)
    assert translated.headers["x-policygen-untranslated"] == "0"
    answer = json_post(client, "/render-set?formats=txt&kinds=nda&lang=en", body)
    assert answer.status_code == 200, answer.text
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    listed = json.loads(archive.read("untranslated.json"))
    assert listed == {f"nda-{number}-en": ["上海市浦东新区人民法院"] for number in NUMBERS[1:]}
    assert answer.headers["x-policygen-untranslated"] == "1"  # different texts, counted once
    assert [name for name in archive.namelist() if name.endswith(".txt")] == [
        f"nda-{number}-en.txt" for number in NUMBERS
    ]


def test_too_large_is_413(client: TestClient) -> None:
    big = b'{"meta": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = json_post(client, "/validate", big)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert "2 MB" in answer.json()["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b" " * 65536

    chunked = client.post("/render?kind=regulation&format=txt", content=chunks())
    assert chunked.status_code == 413


@pytest.mark.parametrize(
    ("url", "error", "allowed"),
    [
        ("/render?kind=memo&format=pdf", "unknown_kind", list(DOCUMENT_KINDS)),
        ("/render?kind=contract&format=odt", "unknown_format", list(WRITERS)),
        ("/render-set?formats=docx,odt", "unknown_format", list(WRITERS)),
        ("/render-set?kinds=memo", "unknown_kind", list(DOCUMENT_KINDS)),
        ("/render", "bad_request", None),
        ("/render?kind=contract&format=txt", "contract_no_required", NUMBERS),  # two of them
        ("/render?kind=contract&format=txt&contract_no=NOPE", "unknown_contract", NUMBERS),
        ("/render-set?kinds=sla&contract_no=NOPE", "unknown_contract", NUMBERS),
    ],
)
def test_bad_requests_are_400_and_say_what_is_allowed(
    client: TestClient, body: bytes, url: str, error: str, allowed: list[str] | None
) -> None:
    answer = json_post(client, url, body)
    assert answer.status_code == 400, answer.text
    detail = answer.json()
    assert detail["error"] == error
    assert detail["allowed"] == allowed
    assert detail["message"]


def test_openapi_describes_the_profile_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["Profile"]["properties"].keys() == policygen.Profile.model_fields.keys()
    for path in ("/validate", "/render", "/render-set"):
        content = spec["paths"][path]["post"]["requestBody"]["content"]
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Profile"}
    assert spec["paths"]["/render"]["post"]["responses"]["422"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert refs and all(r.removeprefix("#/components/schemas/") in schemas for r in refs)
    kind = next(p for p in spec["paths"]["/render"]["post"]["parameters"] if p["name"] == "kind")
    assert kind["schema"]["enum"] == list(DOCUMENT_KINDS)


# --------------------------------------------------------------------------- a real server


@contextmanager
def running_server() -> Iterator[str]:
    """Serve the app with uvicorn on 127.0.0.1 at a free port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        app.state.settings.engines.close()  # what the lifespan, off here, would do


def test_concurrent_requests_through_a_real_server(
    profile: policygen.Profile, body: bytes, bad_body: bytes
) -> None:
    expected = {
        fmt: policygen.render(profile, "sla", fmt, contract_no=CONTRACT_NO)
        for fmt in ("txt", "docx", "pdf")
    }
    requests: list[tuple[str, bytes, int, bytes | None]] = []
    for i in range(20):
        match i % 5:
            case 0:
                requests.append(("/validate", body, 200, None))
            case 1:
                requests.append(("/validate", bad_body, 422, None))
            case 2:
                fmt = ("txt", "docx", "pdf", "txt")[i // 5]
                url = f"/render?kind=sla&format={fmt}&contract_no={CONTRACT_NO}"
                requests.append((url, body, 200, expected[fmt]))
            case 3:
                requests.append(("/render?kind=memo", body, 400, None))
            case _:
                url = f"/render?kind=sla&format=txt&contract_no={CONTRACT_NO}"
                requests.append((url, bad_body, 422, None))
    started = time.monotonic()
    with running_server() as base, httpx.Client(base_url=base, timeout=120) as http:
        start = threading.Barrier(len(requests))

        def send(request: tuple[str, bytes, int, bytes | None]) -> httpx.Response:
            url, content, _, _ = request
            start.wait(timeout=30)
            return http.post(url, content=content, headers={"content-type": "application/json"})

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            answers = list(pool.map(send, requests, timeout=120))
            # While documents are being written, the event loop still answers at once.
            health = http.get("/health")
            assert health.status_code == 200
    assert time.monotonic() - started < 120
    for (url, _, status, data), answer in zip(requests, answers, strict=True):
        assert answer.status_code == status, (url, answer.text)
        if data is not None:
            assert answer.content == data, url
        elif status == 200:
            assert answer.json() == {"valid": True, "errors": []}
        elif status == 422:
            paths = {e["path"] for e in answer.json()["errors"]}
            assert "engagements[1].vendor.credit_code" in paths
        else:
            assert answer.json()["error"] == "unknown_kind"


def test_serve_command_starts_uvicorn_with_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    from policygen.cli import main

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    # `serve` sets these for its worker processes; set and removed through monkeypatch, they
    # are gone again after this test instead of changing how later tests' apps behave.
    for name in ("PROMETHEUS_MULTIPROC_DIR", "POLICYGEN_EDITOR_TOKEN"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    assert main(["serve", "--port", "8123", "--workers", "2"]) == 0
    ((args, kwargs),) = calls
    assert args == ("policygen.service:create_app",)
    assert {k: kwargs.pop(k) for k in ("factory", "host", "port", "workers")} == {
        "factory": True,
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 2,
    }
    # and the connection limits (tests/security/test_slow_clients.py)
    from policygen.serving import GuardedH11Protocol, uvicorn_options

    assert kwargs["http"].func is GuardedH11Protocol
    assert kwargs.keys() == uvicorn_options().keys()
