"""A face copied out of a font collection is that face, table for table, and Typst prints the
same PDF from it as from the collection."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from policygen.cache import CACHE_VARIABLE
from policygen.fonts import FONT_ROLES, resolve_role
from policygen.layout.typst_engine import TypstEngine
from policygen.pipeline import writer_options
from policygen.writers.font_faces import FACES_FOLDER, single_face
from sample_docs import sample_contract

OPTIONS = writer_options(pdf_engine="typst")


def _collection(path: Path, faces: list[dict[bytes, bytes]]) -> Path:
    """Write a minimal collection holding `faces` (tag → table bytes); faces share nothing."""
    header = struct.pack(">4sIII", b"ttcf", 0x00010000, len(faces), 0)[:12]
    offsets_at = len(header)
    directories_at = offsets_at + 4 * len(faces)
    directories: list[bytes] = []
    bodies = b""
    at = directories_at + sum(12 + 16 * len(face) for face in faces)
    offsets = []
    position = directories_at
    for face in faces:
        offsets.append(position)
        records = b""
        for tag, body in sorted(face.items()):
            records += struct.pack(
                ">4sIII", tag, sum(body) & 0xFFFFFFFF, at + len(bodies), len(body)
            )
            bodies += body + b"\0" * (-len(body) % 4)
        directory = struct.pack(">IHHHH", 0x4F54544F, len(face), 16, 0, 0) + records
        directories.append(directory)
        position += len(directory)
    path.write_bytes(
        header + b"".join(struct.pack(">I", o) for o in offsets) + b"".join(directories) + bodies
    )
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    return folder


def _tables(path: Path) -> dict[bytes, bytes]:
    data = path.read_bytes()
    (count,) = struct.unpack(">H", data[4:6])
    out = {}
    for i in range(count):
        tag, _sum, start, length = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        out[tag] = data[start : start + length]
    return out


def test_a_face_is_copied_table_for_table(tmp_path: Path, cache: Path) -> None:
    faces = [{b"cmap": b"first", b"name": b"one"}, {b"cmap": b"second face", b"name": b"two!"}]
    collection = _collection(tmp_path / "fonts.ttc", faces)
    copied = single_face(collection, 1)
    assert copied is not None and copied.parent == cache / FACES_FOLDER
    assert copied.read_bytes()[:4] == b"OTTO"
    assert _tables(copied) == faces[1]
    assert single_face(collection, 1) == copied  # kept
    assert single_face(collection, 2) is None  # no such face


def test_a_damaged_copy_is_made_again_and_a_changed_collection_replaces_it(
    tmp_path: Path, cache: Path
) -> None:
    collection = _collection(tmp_path / "fonts.ttc", [{b"cmap": b"abc"}])
    copied = single_face(collection, 0)
    assert copied is not None
    whole = copied.read_bytes()
    copied.write_bytes(whole[:-3])  # cut short
    assert single_face(collection, 0) == copied
    assert copied.read_bytes() == whole
    _collection(collection, [{b"cmap": b"changed"}])
    os.utime(collection, ns=(1, 1))
    newer = single_face(collection, 0)
    assert newer is not None and newer != copied
    assert _tables(newer) == {b"cmap": b"changed"}
    assert not copied.exists()  # the old copy of the same face is gone


def test_no_copy_without_a_cache_or_a_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection = _collection(tmp_path / "fonts.ttc", [{b"cmap": b"abc"}])
    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert single_face(collection, 0) is None
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    plain = tmp_path / "plain.otf"
    plain.write_bytes(b"OTTO" + b"\0" * 40)
    assert single_face(plain, 0) is None
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"ttcf\0\1")
    assert single_face(broken, 0) is None


def test_typst_prints_the_same_pdf_from_the_face_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = resolve_role(FONT_ROLES["body"])
    if body is None or not str(body.file).endswith(".ttc"):
        pytest.skip("the body font is not a collection here")
    prints: dict[str, bytes] = {}
    for cached in ("", str(tmp_path / "cache")):
        monkeypatch.setenv(CACHE_VARIABLE, cached)
        with TypstEngine() as engine:  # new layout processes, the faces resolved again
            prints[cached] = engine.print(sample_contract(), OPTIONS)
            folders = [lane.folder for lane in engine.lanes() if lane.folder is not None]
            assert folders
            for folder in folders:
                linked = [os.path.realpath(p) for p in (folder / "fonts").iterdir()]
                assert any(p.endswith(".ttc") for p in linked) == (not cached)
    assert prints[""] == prints[str(tmp_path / "cache")]
