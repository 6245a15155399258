"""Open the house-style reference.docx, refusing one that would make Word load anything.

Input: WriterOptions (the template folders) and the reference document's relative path. Output:
the python-docx Document the DOCX writer builds on. A user's template folder may carry its own
``styles/reference.docx``, and what the writer keeps of it (styles, numbering, settings, headers,
footers, the cover) reaches everyone who opens the documents made from it, so it is read through
the same local-only guard as the stylesheets (writers/fetcher.py: inside the template folders,
a regular file of at most 16 MB) and checked before python-docx sees it:

* a file that is not a DOCX (not a zip, too large unpacked, no Word document part, broken XML)
  is a RenderError naming the file, never a traceback;
* an external relationship (``TargetMode="External"``) is refused, naming the file, the part and
  the target, unless it is a hyperlink to an ``http:``, ``https:`` or ``mailto:`` address. Word
  fetches every other kind by itself when the document opens or its fields update: remote
  images, attachedTemplate, frames, linked OLE objects, subDocument, fonts, mail-merge data
  sources. A hyperlink is only followed when the reader clicks it, and a letterhead may well
  link to the company's site, so it stays;
* an altChunk (Word imports the embedded HTML or RTF, and whatever it loads, on open), a
  mail-merge data source in the settings, and the fields that load content (INCLUDEPICTURE,
  INCLUDETEXT, INCLUDE, LINK, IMPORT, DDE, DDEAUTO) are refused too.

Refusing rather than quietly dropping: a house style that loses its letterhead image without a
word would go unnoticed until printed, while an error naming the target says what to fix.
The check of a given file's bytes is remembered, and so is the package read from them (its
parts' bytes, not yet parsed; within a budget), so rendering many documents checks and unzips
it once; each document still gets its own parts, parsed afresh, so nothing one document changes
reaches the next."""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.package import Unmarshaller
from docx.opc.part import PartFactory
from docx.opc.pkgreader import PackageReader
from docx.package import Package
from lxml import etree

from policygen.errors import RenderError
from policygen.writers.fetcher import LocalResources
from policygen.writers.options import WriterOptions

MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""Largest total size of the reference document's parts once unzipped."""
MAX_PARTS = 2_000
"""Most files the reference document's zip may hold."""

HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
"""The one kind of external relationship kept: Word follows it only when clicked."""
HYPERLINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""Schemes a kept hyperlink may use (not ``file:``, which on Windows reaches network shares)."""
ALT_CHUNK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"
"""An imported chunk (HTML, RTF, another document) Word merges in when the document opens."""
LOADING_FIELDS = frozenset(
    {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "DDE", "DDEAUTO"}
)
"""Field types that load a file or URL, or run a program, when updated."""
REFUSED_ELEMENTS = {"altChunk": "altChunk", "mailMerge": "邮件合并数据源 (mail merge)"}
"""Elements refused wherever they appear, by local name, with how errors name them."""

_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
"""Reads a part without expanding entities or loading anything it names."""
_SHOWN_CHARS = 200
"""Longest target quoted in full in an error message."""
_CHECKED: set[str] = set()
"""SHA-256 digests of reference documents that passed the check."""
_MAX_CHECKED = 64
"""Digests remembered before the memory starts over."""
_READ: OrderedDict[str, tuple[PackageReader, int]] = OrderedDict()
"""The packages python-docx read from reference documents that passed the check (immutable:
part names, content types, relationships and each part's bytes) and the bytes of their parts,
by the SHA-256 digest of the document, least recently used first."""
_READ_BUDGET = 32 * 1024 * 1024
"""Most bytes of parts `_READ` keeps (a user's reference may unpack to 64 MB: not kept)."""
_read_size = 0
"""Bytes of parts `_READ` keeps."""
_read_lock = threading.Lock()


def open_reference(options: WriterOptions, relative: str) -> DocxDocument:
    """Return the first `relative` document in `options`' template folders, opened.

    Raise RenderError naming the file when it cannot be read, is not a valid DOCX, or would make
    Word load anything (an external relationship other than a web or mail hyperlink, an
    altChunk, a mail-merge source, a loading field)."""
    path = options.find(relative)
    shown = str(path)
    data = LocalResources(options.template_dirs).fetch(Path(os.path.abspath(path)).as_uri()).data
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _CHECKED:
        check_reference(data, shown)
        if len(_CHECKED) >= _MAX_CHECKED:
            _CHECKED.clear()
        _CHECKED.add(digest)
    return _open_package(_package(digest, data, shown), shown)


# Opening a document in two steps, python-docx's own ``docx.Document`` (Package.open), so the
# first step (unzipping the package, a third of the time) is done once per reference document
# rather than once per document written.


def _package(digest: str, data: bytes, shown: str) -> PackageReader:
    """Return the package read from `data` (whose digest is `digest`), read once while it
    is among the recently used ones that fit in `_READ_BUDGET`."""
    global _read_size
    with _read_lock:
        kept = _READ.get(digest)
        if kept is not None:
            _READ.move_to_end(digest)
            return kept[0]
    reader = _read_package(data, shown)
    size = sum(len(blob) for _, _, _, blob in reader.iter_sparts())
    if size <= _READ_BUDGET:
        with _read_lock:
            if digest not in _READ:
                _READ[digest] = (reader, size)
                _read_size += size
            while _read_size > _READ_BUDGET:
                _read_size -= _READ.popitem(last=False)[1][1]
    return reader


def _read_package(data: bytes, shown: str) -> PackageReader:
    """Return the package in `data` read (unzipped, not parsed), as ``Package.open`` reads it."""
    try:
        return PackageReader.from_file(BytesIO(data))
    except Exception as error:  # python-docx raises KeyError, ValueError, … on a broken package
        raise _invalid(shown, f"{type(error).__name__}: {error}") from None


def _open_package(reader: PackageReader, shown: str) -> DocxDocument:
    """Return a new Document made from `reader`'s parts, as ``docx.Document`` does: every
    part parsed from its bytes afresh."""
    try:
        package = Package()
        Unmarshaller.unmarshal(reader, package, PartFactory)
        document_part = package.main_document_part
        if document_part.content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"not a Word file, content type is '{document_part.content_type}'")
        return document_part.document
    except Exception as error:  # python-docx raises KeyError, ValueError, … on a broken package
        raise _invalid(shown, f"{type(error).__name__}: {error}") from None


def check_reference(data: bytes, shown: str) -> None:
    """Raise RenderError, naming the file as `shown`, unless `data` is a DOCX that loads nothing."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as error:
        raise _invalid(shown, f"不是 zip 文件 ({error})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise _invalid(shown, f"解压后超过 {MAX_UNPACKED_BYTES} 字节或 {MAX_PARTS} 个部件")
        if "word/document.xml" not in archive.namelist():
            raise _invalid(shown, "缺少 word/document.xml")
        for info in infos:
            if info.is_dir() or not info.filename.endswith((".xml", ".rels")):
                continue
            try:
                root = etree.fromstring(archive.read(info), _PARSER)
            except (
                etree.XMLSyntaxError,
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,  # an encrypted entry
                ValueError,
            ) as error:
                raise _invalid(shown, f"{info.filename}: {error}") from None
            if info.filename.endswith(".rels"):
                _check_relationships(root, _source_part(info.filename), shown)
            else:
                _check_part(root, info.filename, shown)


def _source_part(rels_name: str) -> str:
    """Return the part whose relationships `rels_name` holds: word/_rels/a.xml.rels → word/a.xml."""
    rels = PurePosixPath(rels_name)
    return (rels.parent.parent / rels.name.removesuffix(".rels")).as_posix().lstrip("./") or "/"


def _check_relationships(root: etree._Element, part: str, shown: str) -> None:
    for relationship in root.iter(_RELATIONSHIPS):
        kind = relationship.get("Type", "")
        target = relationship.get("Target", "")
        if kind == ALT_CHUNK:
            raise _refused(shown, part, "altChunk", target)
        if relationship.get("TargetMode", "").lower() != "external":
            continue
        if kind == HYPERLINK and urlsplit(target).scheme.lower() in HYPERLINK_SCHEMES:
            continue
        raise _refused(shown, part, kind.rpartition("/")[2] or "relationship", target)


def _check_part(root: etree._Element, part: str, shown: str) -> None:
    for element in root.iter(etree.Element):
        name = etree.QName(element).localname
        if name in REFUSED_ELEMENTS:
            raise _refused(shown, part, REFUSED_ELEMENTS[name], "")
    for code in _field_codes(root):
        words = code.split()
        if words and words[0].upper() in LOADING_FIELDS:
            raise _refused(shown, part, f"{words[0].upper()} 域 (field)", code.strip())


def _field_codes(root: etree._Element) -> Iterator[str]:
    """Yield the instruction of every field in `root`: simple fields, and complex fields whose
    instruction may be split over several runs, nested fields included."""
    open_fields: list[list[str]] = []
    for element in root.iter(etree.Element):
        name = etree.QName(element).localname
        if name == "fldSimple":
            yield next((v for k, v in element.attrib.items() if k.endswith("instr")), "")
        elif name == "fldChar":
            kind = next((v for k, v in element.attrib.items() if k.endswith("fldCharType")), "")
            if kind == "begin":
                open_fields.append([])
            elif kind == "end" and open_fields:
                yield "".join(open_fields.pop())
        elif name == "instrText":
            if open_fields:
                open_fields[-1].append(element.text or "")
            else:
                yield element.text or ""
    for pieces in reversed(open_fields):
        yield "".join(pieces)


def _invalid(shown: str, reason: str) -> RenderError:
    return RenderError(
        f"参考文档 {shown} 不是有效的 DOCX 文件：{reason} (not a valid DOCX: {shown})"
    )


def _refused(shown: str, part: str, what: str, target: str) -> RenderError:
    if len(target) > _SHOWN_CHARS:
        target = target[:_SHOWN_CHARS] + "…"
    item = f"{what} {target}".rstrip()
    return RenderError(
        f"参考文档 {shown} 的 {part} 含外部引用 {item}：Word 打开文档时会加载它，"
        f"请从参考文档中删除 (reference document {shown}, part {part}: {item} "
        "would be loaded when the document is opened)"
    )
