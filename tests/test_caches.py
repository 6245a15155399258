"""One cache layer (policygen.caches): results kept by their arguments, or while the files they
read are unchanged; a running service renders from the files as they are now."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policygen.caches import CACHES, Caches
from policygen.service import create_app
from sample_profiles import MINIMAL

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "policygen" / "templates" / "zh"


def test_a_memo_keeps_results_by_their_arguments_until_cleared() -> None:
    caches = Caches()
    calls: list[int] = []

    @caches.memo
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    assert caches.refresh() is False  # no file read: nothing to renew
    square(3)
    assert calls == [3, 4]
    caches.clear()
    square(3)
    assert calls == [3, 4, 3]


def test_a_file_cache_is_renewed_when_its_file_changes_not_when_it_is_touched(
    tmp_path: Path,
) -> None:
    caches = Caches()
    data = tmp_path / "terms.yaml"
    data.write_text("a: 一\n", "utf-8")
    reads: list[object] = []
    arguments: list[int] = []

    @caches.memo(files=True)
    def terms() -> object:
        reads.append(value := caches.read_yaml(data))
        return value

    @caches.memo
    def numeral(n: int) -> int:
        arguments.append(n)
        return n

    assert terms() == {"a": "一"}
    numeral(1)
    os.utime(data, ns=(1, 1))  # touched: the same bytes
    assert caches.refresh() is False
    assert terms() == {"a": "一"} and len(reads) == 1
    stat = data.stat()
    data.write_text("a: 二\n", "utf-8")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time and size, new bytes
    assert caches.refresh() is True  # the inode or the digest says so
    assert terms() == {"a": "二"} and len(reads) == 2
    numeral(1)
    assert arguments == [1]  # kept by its argument: never stale, not renewed
    data.unlink()
    assert caches.refresh() is True  # a file gone is a change


def test_refresh_and_clear_are_safe_from_many_threads(tmp_path: Path) -> None:
    caches = Caches()
    data = tmp_path / "x.yaml"
    data.write_text("n: 0\n", "utf-8")

    @caches.memo(files=True)
    def read() -> dict:
        return caches.read_yaml(data)

    def work(i: int) -> None:
        for j in range(200):
            read()
            if j % 50 == 0:
                data.write_text(f"n: {i}\n", "utf-8")
            caches.refresh()
            if j % 70 == 0:
                caches.clear()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    caches.refresh()
    assert read() == caches.read_yaml(data)


@pytest.fixture
def overlay(tmp_path: Path) -> Iterator[Path]:
    """A template folder with a copy of the clause catalogue and of the SLA template."""
    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(BUNDLED / "clauses.yaml", folder / "clauses.yaml")
    shutil.copy(BUNDLED / "sla.md.j2", folder / "sla.md.j2")
    yield folder
    CACHES.clear()


def test_a_running_service_sees_an_edited_catalogue_and_template(overlay: Path) -> None:
    body = json.dumps(MINIMAL, default=str, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    with TestClient(create_app(template_dirs=[overlay])) as client:

        def complaints_title() -> str:
            answer = client.post("/clauses", content=body, headers=headers)
            assert answer.status_code == 200, answer.text
            return next(c["title"] for c in answer.json()["clauses"] if c["id"] == "complaints")

        def sla_text() -> str:
            answer = client.post(
                "/render", params={"kind": "sla", "format": "txt"}, content=body, headers=headers
            )
            assert answer.status_code == 200, answer.text
            return answer.content.decode("utf-8")

        assert complaints_title() == "外包服务投诉处理"
        assert "服务时间" in sla_text()
        catalogue = overlay / "clauses.yaml"
        catalogue.write_text(
            catalogue.read_text("utf-8").replace("外包服务投诉处理", "外包服务投诉与申诉处理"),
            "utf-8",
        )
        template = overlay / "sla.md.j2"
        template.write_text(
            template.read_text("utf-8").replace("## 服务时间 {#", "## 服务时段 {#"), "utf-8"
        )
        assert complaints_title() == "外包服务投诉与申诉处理"
        text = sla_text()
        assert "服务时段" in text and "服务时间" not in text.split("服务时段")[0][-40:]
