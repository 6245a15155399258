"""Make a saved DOCX (any OOXML zip) byte-identical for identical content.

Input: the bytes of a zip package as python-docx (or docxtpl) saved it, with the clock's time
on every entry, or its parts by name. Output: the same parts, zipped in a fixed order with fixed
metadata, and the document's created/modified dates pinned to the day given."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from lxml import etree

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
    output = BytesIO()
    with ZipFile(output, "w") as target:
        for name in sorted(entries, key=lambda name: (name != CONTENT_TYPES, name)):
            info = ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = ZIP_DEFLATED
            info.create_system = CREATE_SYSTEM
            info.external_attr = EXTERNAL_ATTR
            target.writestr(info, entries[name], compresslevel=COMPRESS_LEVEL)
    return output.getvalue()


def _pin_core_dates(xml: bytes, when: date) -> bytes:
    """Return core-properties `xml` with its created and modified dates set to `when`."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    stamp = f"{when.isoformat()}T00:00:00Z"
    for name in _PINNED_DATES:
        for element in root.iter(f"{{{_DCTERMS}}}{name}"):
            element.text = stamp
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
