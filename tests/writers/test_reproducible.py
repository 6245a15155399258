"""reproducible zips a DOCX's parts itself, reusing the deflated bytes of parts every document
shares: the zip must be byte for byte what zipfile writes with the same fixed metadata."""

from __future__ import annotations

import os
import random
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from io import BytesIO
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pytest

import policygen
from policygen.writers import reproducible
from policygen.writers.docx.writer import write_docx
from policygen.writers.options import WriterOptions
from sample_docs import sample_contract, sample_regulation

OPTIONS = WriterOptions(template_dirs=(Path(policygen.__file__).parent / "templates" / "zh",))
WHEN = date(2026, 3, 4)


def zipfile_normalised(parts: dict[str, bytes], when: date) -> bytes:
    """What normalise_parts wrote before it zipped the parts itself: zipfile's writestr."""
    entries = dict(parts)
    if reproducible.CORE_PROPERTIES in entries:
        core = entries[reproducible.CORE_PROPERTIES]
        entries[reproducible.CORE_PROPERTIES] = reproducible._pin_core_dates(core, when)
    output = BytesIO()
    with ZipFile(output, "w") as target:
        for name in sorted(entries, key=lambda name: (name != reproducible.CONTENT_TYPES, name)):
            info = ZipInfo(name, date_time=reproducible.ZIP_EPOCH)
            info.compress_type = ZIP_DEFLATED
            info.create_system = reproducible.CREATE_SYSTEM
            info.external_attr = reproducible.EXTERNAL_ATTR
            target.writestr(info, entries[name], compresslevel=reproducible.COMPRESS_LEVEL)
    return output.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with ZipFile(BytesIO(data)) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def written_parts() -> list[dict[str, bytes]]:
    return [parts_of(write_docx(make(), OPTIONS)) for make in (sample_regulation, sample_contract)]


def odd_parts() -> list[dict[str, bytes]]:
    noise = random.Random(7).randbytes(300_000)  # incompressible: deflated is larger
    return [
        {"[Content_Types].xml": b"<Types/>", "empty.xml": b""},
        {"word/media/图像一.png": noise, "a.xml": b"<a/>" * 10_000, "z/b.bin": b"\x00\xff" * 3},
        {"only.xml": b"<only/>"},
        {},
    ]


@pytest.fixture
def fresh_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget every part deflated so far."""
    monkeypatch.setattr(reproducible, "_DEFLATED", reproducible.OrderedDict())
    monkeypatch.setattr(reproducible, "_deflated_size", 0)


@pytest.mark.parametrize("parts", [*written_parts(), *odd_parts()])
def test_zip_is_zipfiles_byte_for_byte(parts: dict[str, bytes], fresh_memory: None) -> None:
    expected = zipfile_normalised(parts, WHEN)
    assert reproducible.normalise_parts(parts, WHEN) == expected  # deflated afresh
    assert reproducible.normalise_parts(parts, WHEN) == expected  # from memory
    with ZipFile(BytesIO(expected)) as package:
        assert package.testzip() is None


def test_large_packages_are_left_to_zipfile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reproducible, "_PLAIN_ZIP_BYTES", 0)
    for parts in [*written_parts(), *odd_parts()[:2]]:
        assert reproducible.normalise_parts(parts, WHEN) == zipfile_normalised(parts, WHEN)


def test_a_remembered_part_is_used_only_for_the_same_bytes(fresh_memory: None) -> None:
    """Parts are remembered by length and CRC-32; another part with both the same must be
    deflated afresh, not given the remembered part's bytes."""
    parts = written_parts()[0]
    for data in parts.values():
        reproducible._DEFLATED[(len(data), zlib.crc32(data))] = (os.urandom(len(data)), b"junk")
    assert reproducible.normalise_parts(parts, WHEN) == zipfile_normalised(parts, WHEN)


def test_memory_stays_within_its_budget(
    fresh_memory: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reproducible, "_DEFLATED_BUDGET", 200_000)
    noise = random.Random(3)
    for round_ in range(40):
        parts = {f"p{index}.bin": noise.randbytes(20_000) for index in range(3)}
        parts["shared.xml"] = b"<shared/>" * 2_000
        assert reproducible.normalise_parts(parts, WHEN) == zipfile_normalised(parts, WHEN)
        kept = reproducible._DEFLATED.values()
        assert reproducible._deflated_size == sum(len(a) + len(b) for a, b in kept), round_
        assert reproducible._deflated_size <= 200_000
    shared = b"<shared/>" * 2_000
    assert (len(shared), zlib.crc32(shared)) in reproducible._DEFLATED  # used every time


def test_threads_get_the_same_bytes(fresh_memory: None) -> None:
    packages = [*written_parts(), *odd_parts()]
    expected = [zipfile_normalised(parts, WHEN) for parts in packages]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            results = pool.map(lambda parts: reproducible.normalise_parts(parts, WHEN), packages)
            assert list(results) == expected
