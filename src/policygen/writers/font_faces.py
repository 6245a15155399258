"""One face of a font collection as a font file of its own, kept in policygen's cache folder.

Typst reads every face of every font file it is given before its first document: the four CJK
collections the house style uses (Noto Serif/Sans CJK, regular and bold) hold ten faces each,
and reading forty faces' character maps holds Python's lock for some 35 ms of every process's
start. Given the four faces alone, it reads four. A face is copied out once per machine: the
collection's table directory for that face, rewritten with the new offsets, and the tables'
bytes as they are (tables several faces share are copied whole), so Typst lays out and embeds
exactly the same glyphs and the PDFs are byte for byte those the collection gives.

Written by hand rather than with fontTools (which can do it): fontTools rebuilds the file in
Python and takes 0.3 s a face, this copies the bytes in tens of milliseconds."""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from pathlib import Path
from typing import BinaryIO

from policygen.cache import cache_dir

FACES_FOLDER = "faces-1"
"""The cache sub-folder (policygen.cache) holding the faces; the suffix is the format version."""

_TABLE_RECORD = struct.Struct(">4sIII")
"""A table record: tag, checksum, offset, length."""


def single_face(file: Path, index: int) -> Path | None:
    """Return a font file holding only face `index` of the collection `file`, copied into the
    cache folder on first use (again when the copy there has the wrong size); None when `file`
    is not a collection (``ttcf``), caching is off, or the face cannot be read or stored (the
    caller then gives Typst the collection)."""
    folder = cache_dir(FACES_FOLDER)
    if folder is None:
        return None
    try:
        info = file.stat()
        with file.open("rb") as source:
            layout = _face_layout(source, index, info.st_size)
            if layout is None:
                return None
            header, records = layout
            real = os.path.realpath(file)
            place = hashlib.sha256(f"{real}\0{index}".encode("utf-8", "surrogateescape"))
            version = hashlib.sha256(f"{info.st_size}\0{info.st_mtime_ns}".encode())
            entry = folder / f"{place.hexdigest()[:32]}-{version.hexdigest()[:16]}.otf"
            size = 12 + 16 * len(records) + sum(-(-length // 4) * 4 for *_, length in records)
            with contextlib.suppress(OSError):
                if entry.stat().st_size == size:
                    return entry
            data = _face_bytes(source, header, records)
    except (OSError, ValueError, struct.error):
        return None
    if data is None:
        return None
    return _store(folder, entry, data)


_Record = tuple[bytes, int, int, int]
"""A table record as unpacked: tag, checksum, offset, length."""


def _face_layout(source: BinaryIO, index: int, size: int) -> tuple[bytes, list[_Record]] | None:
    """Return the sfnt header and the table records of face `index` of the collection open as
    `source` (a file of `size` bytes); None when it is not a collection or has no such face."""
    if source.read(4) != b"ttcf":
        return None
    _version, count = struct.unpack(">II", source.read(8))
    if not 0 <= index < count:
        return None
    source.seek(12 + 4 * index)
    (offset,) = struct.unpack(">I", source.read(4))
    source.seek(offset)
    header = source.read(12)
    (tables,) = struct.unpack(">H", header[4:6])
    records: list[_Record] = [_TABLE_RECORD.unpack(source.read(16)) for _ in range(tables)]
    if any(start + length > size for _tag, _sum, start, length in records):
        return None
    return header, records


def _face_bytes(source: BinaryIO, header: bytes, records: list[_Record]) -> bytes | None:
    """Return the face whose `header` and table `records` `_face_layout` read, as an sfnt file:
    the records with their new offsets, then each table's bytes padded to four."""
    at = 12 + 16 * len(records)
    directory = [header]
    bodies: list[bytes] = []
    for tag, checksum, start, length in records:
        directory.append(_TABLE_RECORD.pack(tag, checksum, at, length))
        source.seek(start)
        body = source.read(length)
        if len(body) != length:
            return None
        padded = body + b"\0" * (-length % 4)
        bodies.append(padded)
        at += len(padded)
    return b"".join(directory + bodies)


def _store(folder: Path, entry: Path, data: bytes) -> Path | None:
    """Write `data` as `entry` whole or not at all; remove the face's older copies (the
    collection has changed since they were made). Return `entry`, or None when it cannot be
    written."""
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, entry)  # whole or not at all, also with processes racing
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return None
    place = entry.name.split("-")[0]
    for older in folder.glob(f"{place}-*.otf"):
        if older != entry:
            with contextlib.suppress(OSError):
                older.unlink()
    return entry


__all__ = ["FACES_FOLDER", "single_face"]
