"""The browser editor's server side, without a browser: files confined to the workspace,
round-trip saving that changes only the edited line, the API checking through validate's code
path, the preview, the clause library, downloads, the git comparison, and the same routes
under `policygen serve`. The page itself is tested in Chromium by test_editor_browser.py."""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient

import policygen
from conftest import EXAMPLES
from policygen.api import MAX_SET_DOCUMENTS
from policygen.cli import main
from policygen.editor import (
    EditorSettings,
    Workspace,
    WorkspaceError,
    create_editor_app,
    share_token,
)
from policygen.editor.roundtrip import updated_yaml
from policygen.editor.routes import TOKEN_HEADER
from policygen.editor.work import read_data
from policygen.errors import InvalidInputError, UsageError
from policygen.validation import load_checked

BANK = EXAMPLES / "bank.yaml"


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_saving_unchanged_data_leaves_the_file_as_it_was(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert updated_yaml(text, read_data(text, example.name)) == text


def test_one_field_edited_changes_one_line_and_keeps_the_comments() -> None:
    text = BANK.read_text(encoding="utf-8")
    data = read_data(text, "bank.yaml")
    data["engagements"][0]["fee"]["amount"] = 13000000
    saved = updated_yaml(text, data)
    assert changed_lines(text, saved) == ["-      amount: 12680000.00", "+      amount: 13000000"]
    assert saved.count("#") == text.count("#")


def test_values_equal_in_meaning_are_left_as_written() -> None:
    text = "# 注释\nfee:\n  amount: 12680000.00  # 含税\n  start: 2026-01-01\n  rate: '6'\n"
    data = {"fee": {"amount": 12680000.0, "start": "2026-01-01", "rate": "6"}}
    assert updated_yaml(text, data) == text
    data["fee"]["start"] = "2026-02-01"  # a date stays a date, unquoted
    assert changed_lines(text, updated_yaml(text, data)) == [
        "-  start: 2026-01-01",
        "+  start: 2026-02-01",
    ]


def test_keys_added_and_removed() -> None:
    text = "a: 1  # one\nb: 2\n"
    assert updated_yaml(text, {"a": 1, "c": [{"x": None}]}) == "a: 1  # one\nc:\n  - x: null\n"


# --------------------------------------------------------------------------- workspace


def test_workspace_confines_every_name(tmp_path: Path) -> None:
    inside = tmp_path / "ws"
    (inside / "sub").mkdir(parents=True)
    outside = tmp_path / "secret.yaml"
    outside.write_text("meta: {}\n")
    (inside / "link-out.yaml").symlink_to(outside)
    (inside / "dir-out").symlink_to(tmp_path)
    (inside / "sub" / "ok.yaml").write_text("meta: {}\n")
    (inside / "link-in.yaml").symlink_to(inside / "sub" / "ok.yaml")
    space = Workspace.at(inside)
    for bad in ("../secret.yaml", "sub/../../secret.yaml", str(outside), "/etc/passwd.yaml",
                "link-out.yaml", "dir-out/secret.yaml", "C:/x.yaml", "a\x00.yaml", "",
                "notes.txt", "sub", "..\\secret.yaml"):  # fmt: skip
        with pytest.raises(WorkspaceError):
            space.path(bad)
    assert space.read("link-in.yaml") == "meta: {}\n"
    assert space.read("sub/ok.yaml") == "meta: {}\n"
    assert space.profiles() == ["link-in.yaml", "sub/ok.yaml"]
    with pytest.raises(WorkspaceError):
        space.write("link-out.yaml", "meta: {x: 1}\n")
    assert outside.read_text() == "meta: {}\n"


# --------------------------------------------------------------------------- the API


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copy(BANK, tmp_path / "bank.yaml")
    return tmp_path


@pytest.fixture
def client(workspace: Path) -> Iterator[TestClient]:
    settings = EditorSettings.make(workspace, "bank.yaml")
    with TestClient(create_editor_app(settings), base_url="http://127.0.0.1:8765") as client:
        client.headers[TOKEN_HEADER] = settings.token
        yield client


def bank() -> dict[str, Any]:
    data: dict[str, Any] = read_data(BANK.read_text(encoding="utf-8"), "bank.yaml")
    return data


def test_the_page_carries_the_token_and_every_request_needs_it(workspace: Path) -> None:
    settings = EditorSettings.make(workspace, "bank.yaml")
    app = create_editor_app(settings)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        page = client.get("/")
        assert page.status_code == 200
        assert settings.token in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/editor/api/session").status_code == 403
        wrong = {TOKEN_HEADER: "x" * 43}
        assert (
            client.post("/editor/api/open", json={"name": "bank.yaml"}, headers=wrong).status_code
            == 403
        )
        right = {TOKEN_HEADER: settings.token}
        session = client.get("/editor/api/session", headers=right).json()
        assert session["files"] == ["bank.yaml"] and session["start"] == "bank.yaml"
        assert "organisation" in session["schema"]["properties"]
    with TestClient(app, base_url="http://attacker.example") as rebound:  # DNS rebinding
        assert rebound.get("/").status_code == 403
        headers = {TOKEN_HEADER: settings.token}
        assert rebound.get("/editor/api/session", headers=headers).status_code == 403


def test_static_files_are_the_packaged_ones_only(client: TestClient) -> None:
    script = client.get("/editor/static/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    for name in ("routes.py", "..%2Froutes.py", ".hidden.js", "missing.js"):
        assert client.get(f"/editor/static/{name}").status_code == 404


def test_requests_cannot_leave_the_workspace(client: TestClient, workspace: Path) -> None:
    for name in ("../bank.yaml", "/etc/hosts.yaml", "bank.py"):
        answer = client.post("/editor/api/open", json={"name": name})
        assert answer.status_code == 400, name
        answer = client.post("/editor/api/save", json={"name": name, "data": bank()})
        assert answer.status_code == 400, name
    assert client.post("/editor/api/open", json={"name": "bank.yaml", "x": 1}).status_code == 422


def test_validation_lists_what_validate_lists(client: TestClient, tmp_path: Path) -> None:
    data = bank()
    data["organisation"]["credit_code"] = "91310000MA1K4X7B3"
    data["engagements"][1]["fee"]["tax_rate"] = "六"
    data["clauses"] = {"exclude": ["no-such-clause"]}
    answer = client.post("/editor/api/validate", json={"name": "bank.yaml", "data": data}).json()
    assert answer["valid"] is False and answer["documents"] is None
    bad = tmp_path / "bad.yaml"
    bad.write_text(updated_yaml(BANK.read_text(encoding="utf-8"), data), encoding="utf-8")
    with pytest.raises(InvalidInputError) as cli:
        load_checked(bad, template_dirs=(), documents=True)
    assert answer["errors"] == [{"path": i.path, "message": i.message} for i in cli.value.issues]
    assert {e["path"] for e in answer["errors"]} >= {
        "organisation.credit_code",
        "engagements[1].fee.tax_rate",
        "clauses.exclude[0]",
    }


def test_preview_shows_the_edit_escaped_and_highlights_the_clause(client: TestClient) -> None:
    data = bank()
    data["organisation"]["name"] = "明远<script>alert(1)</script>银行股份有限公司"
    body = {"name": "bank.yaml", "data": data, "kind": "contract", "contract_no": "MY-ITO-2026-002"}
    answer = client.post("/editor/api/preview", json=body).json()
    assert answer["stem"] == "contract-MY-ITO-2026-002"
    assert "明远&lt;script&gt;alert(1)&lt;/script&gt;银行" in answer["html"]
    assert "<script" not in answer["html"]
    assert "contract-party-client" in answer["changed"]
    assert '[id="contract-party-client"]' in answer["html"]
    unchanged = client.post("/editor/api/preview", json={**body, "data": bank()}).json()
    assert unchanged["changed"] == []


def test_clause_library_and_an_exclusion(client: TestClient) -> None:
    clauses = client.post("/editor/api/clauses", json={"name": "bank.yaml", "data": bank()}).json()
    entry = next(e for e in clauses["clauses"] if e["id"] == "contract-compliance")
    assert entry["basis"] and entry["document"].startswith("contract-")
    data = bank()
    data["clauses"] = {"exclude": ["contract-compliance"]}
    body = {"name": "bank.yaml", "data": data, "kind": "contract", "contract_no": "MY-ITO-2026-001"}
    html = client.post("/editor/api/preview", json=body).json()["html"]
    assert 'id="contract-compliance"' not in html


def test_check_findings_are_those_of_check_json(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = client.post("/editor/api/check", json={"name": "bank.yaml", "data": bank()}).json()
    assert answer["findings"] and answer["missing"] == 0
    main(["check", "--json", str(BANK)])
    assert answer == json.loads(capsys.readouterr().out)  # one report: check.check_report


def test_check_lists_the_texts_the_english_prints_in_chinese(client: TestClient) -> None:
    body = {"name": "bank.yaml", "data": bank(), "lang": "zh+en"}
    answer = client.post("/editor/api/check", json=body).json()
    untranslated = answer["untranslated"]
    assert "应用日志分析、性能调优及问题处理" in untranslated["contract-MY-ITO-2026-002-zh+en"]
    assert "contract-MY-ITO-2026-001-zh+en" not in untranslated  # translated in full
    assert answer["missing"] == 0  # the Chinese side is checked as ever


def test_save_writes_only_the_changed_line(client: TestClient, workspace: Path) -> None:
    data = bank()
    data["meta"]["approver"] = "董事会风险管理委员会"
    answer = client.post("/editor/api/save", json={"name": "bank.yaml", "data": data}).json()
    assert answer == {"name": "bank.yaml", "changed": True, "valid": True, "errors": []}
    saved = (workspace / "bank.yaml").read_text(encoding="utf-8")
    assert changed_lines(BANK.read_text(encoding="utf-8"), saved) == [
        "-  approver: 董事会",
        "+  approver: 董事会风险管理委员会",
    ]


def test_new_profile_from_the_starter(client: TestClient, workspace: Path) -> None:
    answer = client.post("/editor/api/new", json={"name": "drafts/new.yaml"})
    assert answer.status_code == 200
    assert (workspace / "drafts" / "new.yaml").is_file()
    assert "organisation" in answer.json()["data"]
    assert client.post("/editor/api/new", json={"name": "bank.yaml"}).status_code == 400


def test_download_a_contract_docx(client: TestClient) -> None:
    body = {"name": "bank.yaml", "data": bank(), "format": "docx", "kind": "contract",
            "contract_no": "MY-ITO-2026-003"}  # fmt: skip
    answer = client.post("/editor/api/download", json=body)
    assert answer.status_code == 200
    assert 'filename="contract-MY-ITO-2026-003.docx"' in answer.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "信息科技规划咨询服务合同" in text


def test_a_set_too_large_for_one_zip_is_refused_as_the_service_refuses_it(
    client: TestClient,
) -> None:
    """The set's zip is api.render_zip's, with its limit (api.MAX_SET_DOCUMENTS), checked
    before anything is rendered."""
    data = bank()
    first = data["engagements"][0]
    data["engagements"] = [
        {**first, "contract_no": f"HY-{i:03d}"} for i in range(MAX_SET_DOCUMENTS // 2)
    ]
    answer = client.post("/editor/api/download", json={"data": data, "format": "zip"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "too_many_documents"
    assert f"每次 {MAX_SET_DOCUMENTS} 份的上限" in answer.json()["message"]


def test_compare_with_the_last_commit(client: TestClient, workspace: Path) -> None:
    body = {"name": "bank.yaml", "data": bank(), "kind": "regulation"}
    assert client.post("/editor/api/compare", json=body).status_code == 400  # no repository
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["init", "-q"], ["add", "bank.yaml"], ["commit", "-qm", "v1"]):
        subprocess.run([*git, *command], cwd=workspace, check=True, env=env)
    data = bank()
    data["policy"]["review_frequency"] = "semiannual"
    body["data"] = data
    summary = client.post("/editor/api/compare", json=body).json()
    assert summary["document"] == "regulation" and summary["counts"]["changed"] >= 1
    redline = client.post("/editor/api/redline", json=body)
    assert redline.status_code == 200 and redline.content[:2] == b"PK"
    assert 'filename="regulation-redline.docx"' in redline.headers["content-disposition"]


def test_the_service_serves_the_editor_at_the_root(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policygen.service import create_app

    monkeypatch.setenv("POLICYGEN_EDITOR_WORKSPACE", str(workspace))
    monkeypatch.setenv("POLICYGEN_EDITOR_TOKEN", "")  # recorded, so removed after the test
    monkeypatch.delenv("POLICYGEN_EDITOR_TOKEN")
    share_token()  # as `policygen serve` does before its workers start
    tokens = []
    for _worker in range(2):
        with TestClient(create_app(), base_url="http://localhost:8000") as client:
            page = client.get("/")
            tokens.append(page.text.split('name="policygen-token" content="')[1].split('"')[0])
            session = client.get("/editor/api/session", headers={TOKEN_HEADER: tokens[0]}).json()
            assert session["files"] == ["bank.yaml"]
            assert client.get("/health").json()["status"] == "ok"
    assert tokens[0] == tokens[1] == os.environ["POLICYGEN_EDITOR_TOKEN"]


def test_edit_command_refuses_a_missing_profile_or_one_outside_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from policygen.cli import main

    assert main(["edit", str(tmp_path / "missing.yaml"), "--no-browser"]) == 2
    assert "找不到配置文件" in capsys.readouterr().err
    (tmp_path / "ws").mkdir()
    shutil.copy(BANK, tmp_path / "bank.yaml")
    argv = ["edit", str(tmp_path / "bank.yaml"), "--workspace", str(tmp_path / "ws")]
    assert main([*argv, "--no-browser"]) == 2
    assert "不在工作目录" in capsys.readouterr().err


def test_a_bad_document_gets_the_render_requests_message(client: TestClient) -> None:
    body = {"name": "bank.yaml", "data": bank(), "kind": "contract", "contract_no": "NO-SUCH"}
    answer = client.post("/editor/api/preview", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "unknown_contract"
    assert "MY-ITO-2026-001" in answer.json()["allowed"]
    with pytest.raises(UsageError) as api:  # the render request's message, word for word
        policygen.render(BANK, "contract", "txt", contract_no="NO-SUCH")
    assert answer.json()["message"] == str(api.value)
    unknown = client.post("/editor/api/preview", json={**body, "kind": "memo"}).json()
    assert unknown["error"] == "unknown_kind" and "contract" in unknown["allowed"]


def test_the_language_chosen_beside_the_document(client: TestClient) -> None:
    """zh, en or zh+en (RenderOptions.lang): the list, the preview and the download follow it;
    a kind without English text is listed in Chinese, and refused by name as the API does."""
    listed = client.post("/editor/api/validate", json={"name": "bank.yaml", "data": bank(),
                                                       "lang": "en"}).json()["documents"]  # fmt: skip
    langs = {(d["kind"], d["lang"]) for d in listed}
    assert ("contract", "en") in langs and ("regulation", "zh") in langs
    body = {"name": "bank.yaml", "data": bank(), "kind": "contract",
            "contract_no": "MY-ITO-2026-001", "lang": "zh+en"}  # fmt: skip
    preview = client.post("/editor/api/preview", json=body).json()
    assert preview["stem"] == "contract-MY-ITO-2026-001-zh+en"
    assert "数据中心运行维护服务外包合同" in preview["html"] and "Party A" in preview["html"]
    answer = client.post("/editor/api/download", json={**body, "format": "docx"})
    assert 'filename="contract-MY-ITO-2026-001-zh+en.docx"' in answer.headers["content-disposition"]
    paragraphs = [p.text for p in Document(io.BytesIO(answer.content)).paragraphs]
    assert any("Party A" in p for p in paragraphs) and any("甲方" in p for p in paragraphs)
    refused = client.post("/editor/api/preview", json={**body, "kind": "regulation", "lang": "en"})
    with pytest.raises(UsageError) as api:
        policygen.render(BANK, "regulation", "html", lang="en")
    assert refused.status_code == 400 and refused.json()["message"] == str(api.value)
