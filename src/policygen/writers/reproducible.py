"""Make a saved DOCX (any OOXML zip) byte-identical for identical content.

Input: the bytes of a zip package as python-docx (or docxtpl) saved it, with the clock's time
on every entry, or its parts by name. Output: the same parts, zipped in a fixed order with fixed
metadata, and the document's created/modified dates pinned to the day given."""

from __future__ import annotations

import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from lxml import etree

from policygen.caches import CACHES

CONTENT_TYPES = "[Content_Types].xml"
"""The part a consumer reads first; by convention the first entry."""
CORE_PROPERTIES = "docProps/core.xml"
"""The part holding created/modified dates."""

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The earliest date a zip entry can carry; every entry gets it."""
COMPRESS_LEVEL = 9
"""Fixed deflate level (the bytes still depend on the zlib build)."""
CREATE_SYSTEM = 3
"""Unix, so that EXTERNAL_ATTR reads as a file mode on every host."""
EXTERNAL_ATTR = 0o100644 << 16
"""A regular file, rw-r--r-- (zipfile would put 0o600 for a zero value)."""

_DCTERMS = "http://purl.org/dc/terms/"
_PINNED_DATES = ("created", "modified")


def normalise_docx(data: bytes, when: date) -> bytes:
    """Return the package `data` re-zipped deterministically, its dates pinned to `when`
    (see normalise_parts)."""
    with ZipFile(BytesIO(data)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    return normalise_parts(entries, when)


def normalise_parts(parts: Mapping[str, bytes], when: date) -> bytes:
    """Return the package of `parts` (bytes by zip member name) zipped deterministically,
    its dates pinned to `when`.

    Entries are ordered ``[Content_Types].xml`` first, then by name; each is deflated at a
    fixed level and dated 1980-01-01 00:00. In ``docProps/core.xml`` the created and modified
    dates that are present are set to `when` at 00:00 UTC; a package without core properties
    is left without them."""
    entries = dict(parts)
    if CORE_PROPERTIES in entries:
        entries[CORE_PROPERTIES] = _pin_core_dates(entries[CORE_PROPERTIES], when)
    ordered = [
        (name, entries[name])
        for name in sorted(entries, key=lambda name: (name != CONTENT_TYPES, name))
    ]
    size = sum(len(data) for _, data in ordered)
    if len(ordered) > _PLAIN_ZIP_ENTRIES or size > _PLAIN_ZIP_BYTES:
        return _zip_with_zipfile(ordered)
    return _zip(ordered)


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """Return `files` zipped in their order with the fixed metadata of normalise_parts: the
    same bytes for the same files at any time (a set downloaded from the service or the
    editor)."""
    return _zip_with_zipfile(list(files.items()))


def _zip_with_zipfile(entries: list[tuple[str, bytes]]) -> bytes:
    """Return `entries` zipped by zipfile with the fixed metadata (see normalise_parts)."""
    output = BytesIO()
    with ZipFile(output, "w") as target:
        for name, data in entries:
            info = ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = ZIP_DEFLATED
            info.create_system = CREATE_SYSTEM
            info.external_attr = EXTERNAL_ATTR
            target.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return output.getvalue()


# The zip is written here rather than by zipfile so that a part's deflated bytes can be reused:
# most parts of a DOCX (styles, theme, fonts, settings) are the same in every document, and
# deflating them at level 9 was nearly half of the zipping. zipfile cannot take data already
# deflated. What is written is what zipfile writes for these entries (``_zip_with_zipfile``),
# header for header: a seekable file, no zip64, no extra fields or comments. Larger packages,
# which zipfile would give zip64 records, are left to zipfile.

_PLAIN_ZIP_BYTES = 1 << 30
"""Most bytes of parts `_zip` writes (far from zip64's 2 GiB, deflate's overhead included)."""
_PLAIN_ZIP_ENTRIES = 0xFFFF
"""Most entries `_zip` writes (more need zip64's end record)."""
# zipfile's record layouts and signatures: zipfile does not export them, so typeshed leaves
# them out.
_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)  # type: ignore[attr-defined]
_CENTRAL_HEADER = struct.Struct(zipfile.structCentralDir)  # type: ignore[attr-defined]
_END_RECORD = struct.Struct(zipfile.structEndArchive)  # type: ignore[attr-defined]
_LOCAL_SIGNATURE: bytes = zipfile.stringFileHeader  # type: ignore[attr-defined]
_CENTRAL_SIGNATURE: bytes = zipfile.stringCentralDir  # type: ignore[attr-defined]
_END_SIGNATURE: bytes = zipfile.stringEndArchive  # type: ignore[attr-defined]
_DOS_TIME = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | ZIP_EPOCH[5] // 2
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_UTF8_NAME = 0x800
"""Flag bit of an entry whose name is UTF-8 rather than ASCII (zipfile's _MASK_UTF_FILENAME)."""


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """Return `entries` zipped in order, byte for byte as `_zip_with_zipfile` zips them."""
    version = zipfile.DEFAULT_VERSION
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, data in entries:
        name = name.split("\0", 1)[0]  # as ZipInfo: the name ends at a null byte
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), _UTF8_NAME
        crc, deflated = _deflate(data)
        sizes = (crc, len(deflated), len(data), len(encoded))
        header = _LOCAL_HEADER.pack(
            _LOCAL_SIGNATURE, version, 0, flags, ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
            *sizes, 0,
        )  # fmt: skip
        central_header = _CENTRAL_HEADER.pack(
            _CENTRAL_SIGNATURE, version, CREATE_SYSTEM, version, 0, flags, ZIP_DEFLATED,
            _DOS_TIME, _DOS_DATE, *sizes, 0, 0, 0, 0, EXTERNAL_ATTR, offset,
        )  # fmt: skip
        directory += (central_header, encoded)
        chunks += (header, encoded, deflated)
        offset += len(header) + len(encoded) + len(deflated)
    central = b"".join(directory)
    count = len(entries)
    end = _END_RECORD.pack(_END_SIGNATURE, 0, 0, count, count, len(central), offset, 0)
    return b"".join((*chunks, central, end))


_DEFLATED: OrderedDict[tuple[int, int], tuple[bytes, bytes]] = OrderedDict()
"""Recently deflated parts, by (length, CRC-32): the part and its deflated bytes, least
recently used first."""
_DEFLATED_BUDGET = 4 * 1024 * 1024
"""Most bytes (parts and their deflated bytes) `_DEFLATED` keeps."""
_deflated_size = 0
_deflated_lock = threading.Lock()


def _forget() -> None:
    """Forget every part deflated (CACHES.clear)."""
    global _deflated_size
    with _deflated_lock:
        _DEFLATED.clear()
        _deflated_size = 0


CACHES.register(_forget, files=False)  # keyed by the parts' bytes: never stale


def _deflate(data: bytes) -> tuple[int, bytes]:
    """Return the CRC-32 of `data` and `data` deflated as zipfile deflates it at
    COMPRESS_LEVEL, reusing the bytes of an identical part deflated before."""
    global _deflated_size
    crc = zlib.crc32(data)
    key = (len(data), crc)
    with _deflated_lock:
        kept = _DEFLATED.get(key)
        if kept is not None and kept[0] == data:
            _DEFLATED.move_to_end(key)
            return crc, kept[1]
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)  # as zipfile's
    deflated = compressor.compress(data) + compressor.flush()
    size = len(data) + len(deflated)
    if size <= _DEFLATED_BUDGET // 4:
        with _deflated_lock:
            old = _DEFLATED.pop(key, None)
            if old is not None:
                _deflated_size -= len(old[0]) + len(old[1])
            _DEFLATED[key] = (data, deflated)
            _deflated_size += size
            while _deflated_size > _DEFLATED_BUDGET:
                evicted = _DEFLATED.popitem(last=False)[1]
                _deflated_size -= len(evicted[0]) + len(evicted[1])
    return crc, deflated


def _pin_core_dates(xml: bytes, when: date) -> bytes:
    """Return core-properties `xml` with its created and modified dates set to `when`."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    stamp = f"{when.isoformat()}T00:00:00Z"
    for name in _PINNED_DATES:
        for element in root.iter(f"{{{_DCTERMS}}}{name}"):
            element.text = stamp
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
