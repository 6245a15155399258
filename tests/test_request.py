"""One render request for every front end (request.RenderRequest): the same bad request gets
the same message from the command line, the Python API, the HTTP service and the browser
editor's download; the service
answers 404 and 405 in its documented error form, reads a YAML body whatever its content type
says, and serves /docs from files of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

import policygen
from policygen.cli import main
from policygen.editor import EditorSettings, create_editor_app
from policygen.editor.routes import TOKEN_HEADER
from policygen.editor.work import read_data
from policygen.request import RenderOptions, RenderRequest
from policygen.service import create_app

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
MISSING = ROOT / "no-such-template-folder"

BAD_REQUESTS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown kind": ({"kinds": ["memo"]}, "unknown_kind"),
    "unknown format": ({"formats": ["odt"]}, "unknown_format"),
    "missing template folder": ({"template_dirs": [MISSING]}, "template_folder_not_found"),
    "unknown contract number": ({"kinds": ["sla"], "contract_no": "NOPE"}, "unknown_contract"),
    "bad engine": ({"pdf_engine": "tpyst"}, "unknown_pdf_engine"),
    "bad standard": ({"pdf_standard": "a-1b"}, "unknown_pdf_standard"),
    "unknown language": ({"lang": "fr"}, "bad_request"),
}
"""A bad request as the fields of a RenderRequest, and the code the service answers with."""

ONE_VALUE = ("contract_no", "pdf_engine", "pdf_standard", "lang")
"""The fields a query or a JSON body gives as one value."""


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[bool, TestClient]]:
    """Two services: with the bundled templates (False), with a missing folder (True)."""
    with (
        TestClient(create_app()) as plain,
        TestClient(create_app(template_dirs=[MISSING])) as missing,
    ):
        yield {False: plain, True: missing}


@pytest.fixture(scope="module")
def editors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[bool, TestClient]]:
    """Two editors of a workspace holding bank.yaml: with the bundled templates (False), with
    a missing folder (True), as ``policygen edit`` is started with ``--templates``."""
    folder = tmp_path_factory.mktemp("workspace")
    (folder / "bank.yaml").write_bytes(BANK.read_bytes())
    made = {
        missing: EditorSettings.make(folder, "bank.yaml", (MISSING,) if missing else ())
        for missing in (False, True)
    }
    base = "http://127.0.0.1:8765"
    with (
        TestClient(create_editor_app(made[False]), base_url=base) as plain,
        TestClient(create_editor_app(made[True]), base_url=base) as missing,
    ):
        plain.headers[TOKEN_HEADER] = made[False].token
        missing.headers[TOKEN_HEADER] = made[True].token
        yield {False: plain, True: missing}


def _cli(fields: dict[str, Any], out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    argv = ["render", str(BANK), "-o", str(out), "-f", ",".join(fields.get("formats", ["txt"]))]
    for option, key in (("-d", "kinds"), ("--templates", "template_dirs")):
        for value in fields.get(key, []):
            argv += [option, str(value)]
    for option, key in (
        ("--contract-no", "contract_no"),
        ("--pdf-engine", "pdf_engine"),
        ("--pdf-standard", "pdf_standard"),
        ("--lang", "lang"),
    ):
        if key in fields:
            argv += [option, fields[key]]
    capsys.readouterr()
    assert main(argv) == 2
    assert not out.exists()  # nothing written
    error = capsys.readouterr().err
    assert error.startswith("错误 (error): "), error
    return error.removeprefix("错误 (error): ").rstrip("\n")


def _api(fields: dict[str, Any]) -> str:
    with pytest.raises(policygen.UsageError) as raised:
        policygen.render_set(BANK, **{"formats": ["txt"], **fields})
    return str(raised.value)


def _service(fields: dict[str, Any], clients: dict[bool, TestClient], code: str) -> str:
    query = {"formats": ",".join(fields.get("formats", ["txt"]))}
    query |= {k: v for k, v in fields.items() if k in ONE_VALUE}
    if "kinds" in fields:
        query["kinds"] = ",".join(fields["kinds"])
    client = clients["template_dirs" in fields]
    answer = client.post(f"/render-set?{urlencode(query)}", content=BANK.read_bytes())
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == code
    return str(body["message"])


def _editor(fields: dict[str, Any], editors: dict[bool, TestClient], code: str) -> str:
    """Ask the editor's download button's endpoint for the document the page would show."""
    body = {
        "name": "bank.yaml",
        "data": read_data(BANK.read_text(encoding="utf-8"), "bank.yaml"),
        "format": fields.get("formats", ["txt"])[0],
        "kind": fields.get("kinds", ["contract"])[0],
    }
    body |= {k: v for k, v in fields.items() if k in ONE_VALUE}
    answer = editors["template_dirs" in fields].post("/editor/api/download", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == code
    return str(answer.json()["message"])


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_the_same_bad_request_gets_the_same_message_from_every_front_end(
    case: str,
    clients: dict[bool, TestClient],
    editors: dict[bool, TestClient],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fields, code = BAD_REQUESTS[case]
    api = _api(fields)
    assert "(" in api and re.search(r"[\u4e00-\u9fff]", api)  # Chinese, with its gloss
    assert _cli(fields, tmp_path / "out", capsys) == api
    assert _service(fields, clients, code) == api
    assert _editor(fields, editors, code) == api


@pytest.mark.parametrize(
    ("contract_no", "code"), [(None, "contract_no_required"), ("NOPE", "unknown_contract")]
)
def test_one_document_names_its_engagement_alike_in_the_api_and_the_service(
    clients: dict[bool, TestClient], contract_no: str | None, code: str
) -> None:
    with pytest.raises(policygen.UsageError) as raised:
        policygen.render(BANK, "sla", "txt", contract_no=contract_no)
    query = {"kind": "sla", "format": "txt"} | ({"contract_no": contract_no} if contract_no else {})
    answer = clients[False].post(f"/render?{urlencode(query)}", content=BANK.read_bytes())
    assert answer.status_code == 400
    assert answer.json()["error"] == code
    assert answer.json()["message"] == str(raised.value)
    numbers = [e.contract_no for e in policygen.load_profile(BANK).engagements]
    assert answer.json()["allowed"] == numbers


def test_an_unknown_path_and_a_wrong_method_answer_in_the_error_form(
    clients: dict[bool, TestClient],
) -> None:
    client = clients[False]
    missing = client.get("/no-such-path")
    assert missing.status_code == 404
    assert missing.json().keys() == {"error", "message", "allowed"}
    assert missing.json()["error"] == "not_found" and "/docs" in missing.json()["message"]
    wrong = client.get("/render")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"


def test_a_yaml_profile_sent_as_json_is_valid(clients: dict[bool, TestClient]) -> None:
    headers = {"content-type": "application/json"}
    answer = clients[False].post("/validate", content=BANK.read_bytes(), headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("content_type", ["application/json", None, "text/plain"])
def test_a_yaml_body_is_read_as_yaml_whatever_its_content_type(
    clients: dict[bool, TestClient], content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    bad = clients[False].post("/validate", content=b"meta:\n  version: [V1\n", headers=headers)
    assert bad.status_code == 422
    message = bad.json()["errors"][0]["message"]
    assert "YAML" in message and "JSON" not in message, message
    json_body = clients[False].post("/validate", content=b'{"meta": ', headers=headers)
    assert "JSON" in json_body.json()["errors"][0]["message"]  # JSON is still read as JSON


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_everything_from_the_service_itself(
    clients: dict[bool, TestClient], page: str
) -> None:
    client = clients[False]
    html = client.get(page)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
    urls += re.findall(r"""\burl\s*:\s*["']([^"']+)["']""", html.text)  # the OpenAPI document
    urls += re.findall(r"""spec-url\s*=\s*["']([^"']+)["']""", html.text)
    assert any(u.endswith(".js") for u in urls) and any("openapi.json" in u for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url  # on this host only
        assert client.get(url).status_code == 200, url
    assert not re.search(r"https?://(?!127\.0\.0\.1)", html.text)


def test_options_take_names_as_front_ends_have_them(monkeypatch: pytest.MonkeyPatch) -> None:
    options = RenderRequest.of(
        BANK, kinds="contract, sla", formats=["docx,pdf", "txt", "pdf"]
    ).options
    assert options.kinds == ("contract", "sla")
    assert options.formats == ("docx", "pdf", "txt")
    assert options.pdf_engine == "typst" and options.style is None
    monkeypatch.setenv("POLICYGEN_PDF_ENGINE", "weasyprint")
    assert RenderOptions.of().pdf_engine == "weasyprint"
    monkeypatch.setenv("POLICYGEN_PDF_ENGINE", "bogus")
    with pytest.raises(policygen.UsageError) as raised:
        RenderOptions.of()
    assert raised.value.code == "unknown_pdf_engine"
    assert raised.value.allowed == ("weasyprint", "typst")


def test_one_document_is_one_kind_in_one_format() -> None:
    with pytest.raises(policygen.UsageError, match="一种文档类型"):
        RenderOptions.of(kinds="contract,sla", formats="pdf", single=True)
    with pytest.raises(policygen.UsageError, match="一种输出格式"):
        RenderOptions.of(kinds="contract", formats="docx,pdf", single=True)
    request = RenderRequest.of(
        BANK, kinds="sla", formats="txt", contract_no="MY-ITO-2026-001", single=True
    )
    assert [job.filename("txt") for job in request.options.jobs(request.load())] == [
        "sla-MY-ITO-2026-001.txt"
    ]
