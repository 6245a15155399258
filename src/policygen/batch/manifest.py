"""What makes a row's files up to date: the digests of its inputs (profile, templates, style) and the manifest beside its files."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from policygen import __version__
from policygen.batch.constants import MANIFEST
from policygen.errors import UsageError
from policygen.output import write_atomic
from policygen.profile.engagement import Engagement

MAX_TEMPLATE_FILE_BYTES = 50 * 1024 * 1024
"""Largest file in a template folder that anything reads: a ``styles/house.docx``
(house.MAX_HOUSE_BYTES; a template may be 1 MB, a stylesheet or an image 16 MB).
Every reader refuses a larger file, so its bytes cannot change an output: it is hashed by
name and size, unread."""

_CHUNK = 1024 * 1024
"""Bytes hashed at a time."""


def templates_digest(folders: Sequence[Path], style_file: Path | None = None) -> str:
    """Return a hash of what the templates in `folders` can read, folder by folder: each
    regular file's name and bytes, read in chunks; a symbolic link's name and, when it leads to
    a file inside the folders, that file's bytes (one leading anywhere else, which the
    loaders refuse, is hashed by name alone, so nothing outside the folders is read); a file
    over MAX_TEMPLATE_FILE_BYTES by its name and size. Folders reached through a link are not
    walked (their files are hashed where they lie), nor ``__pycache__``; devices and pipes
    are left out. The house-style file `style_file` (``--style``) counts too, when given."""
    roots = tuple(Path(os.path.realpath(folder)) for folder in folders)
    digest = hashlib.sha256()
    if style_file is not None:
        digest.update(b"style\0" + _file_digest(Path(os.path.realpath(style_file))))
    for position, folder in enumerate(folders):
        for entry, relative in _template_files(Path(folder)):
            digest.update(f"{position}\0{relative}\0".encode())
            digest.update(_entry_digest(entry, roots))
    return digest.hexdigest()


def _template_files(folder: Path) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Yield every file and symbolic link below `folder` with its path relative to `folder`,
    in the order of their paths; folders reached through links and ``__pycache__`` are not
    entered, devices and pipes not yielded."""
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", _entries(folder))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
        elif entry.is_symlink():
            yield entry, prefix + entry.name
        elif entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                stack.append((f"{prefix}{entry.name}/", _entries(Path(entry.path))))
        elif entry.is_file(follow_symlinks=False):
            yield entry, prefix + entry.name


def _entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # unreadable: the templates cannot read it either
        return iter(())
    return iter(entries)


def _entry_digest(entry: os.DirEntry[str], roots: Sequence[Path]) -> bytes:
    """Return what stands for `entry` in the templates' digest (see templates_digest)."""
    path = entry.path
    if entry.is_symlink():
        real = Path(os.path.realpath(path))
        inside = next((root for root in roots if real.is_relative_to(root)), None)
        if inside is None:
            return b"link leading outside the template folders"
        if real.is_dir():
            return f"link to {roots.index(inside)}:{real.relative_to(inside).as_posix()}".encode()
        path = str(real)
    return _file_digest(Path(path))


def _file_digest(path: Path) -> bytes:
    """Return the hash of the regular file `path`, read in chunks and never past
    MAX_TEMPLATE_FILE_BYTES (a larger file stands by its size), or what stands for it when it
    is none (a device, a pipe) or cannot be read. A link is not followed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return b"unreadable"
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return b"not a regular file"
        if status.st_size > MAX_TEMPLATE_FILE_BYTES:
            return f"too large: {status.st_size} bytes".encode()
        content = hashlib.sha256()
        read = 0
        try:
            while chunk := file.read(_CHUNK):
                read += len(chunk)
                if read > MAX_TEMPLATE_FILE_BYTES:  # it grew meanwhile
                    return f"too large: over {MAX_TEMPLATE_FILE_BYTES} bytes".encode()
                content.update(chunk)
        except OSError:
            return b"unreadable"
    return content.digest()


def check_outside_templates(path: Path, folders: Sequence[Path], what: tuple[str, str]) -> None:
    """Raise UsageError when `path` lies in one of the template `folders`: what a run writes
    there would change the templates' digest, so that every later run would render every row
    again, and could overwrite a template. `what` names the path in Chinese and in English."""
    real = Path(os.path.realpath(path))
    for folder in folders:
        if real.is_relative_to(os.path.realpath(folder)):
            raise UsageError(
                f"{what[0]} {path} 位于模板目录 {folder} 之内，请换一个位置 "
                f"(the {what[1]} lies inside a template folder)"
            )


def inputs_digest(
    organisation: str,
    engagement: Engagement,
    templates: str,
    pdf_engine: str = "weasyprint",
    pdf_standard: str | None = None,
) -> str:
    """Return the hash an output is up to date against: policygen's version, the templates'
    digest, the organisation's digest and the validated engagement (so formatting, column
    order or YAML vs CSV do not matter, but any value or default does), the PDF engine
    when it is not WeasyPrint (so a file printed by one engine is stale for the other), and
    the PDF standard when one is asked (so a plain PDF is stale for an archival one)."""
    digest = hashlib.sha256()
    engine: tuple[str, ...] = () if pdf_engine == "weasyprint" else (f"pdf_engine={pdf_engine}",)
    if pdf_standard is not None:
        engine += (f"pdf_standard={pdf_standard}",)
    for part in (__version__, templates, organisation, engagement.model_dump_json(), *engine):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _read(path: Path) -> bytes | None:
    """Return the bytes of the file `path`; None when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Return the manifest entries in `folder` by file name; empty when missing or unreadable."""
    content = _read(folder / MANIFEST)
    return {} if content is None else manifest_entries(content)


def manifest_entries(content: bytes) -> dict[str, dict[str, str]]:
    """Return the entries of the manifest `content` by file name; empty when it is not one."""
    try:
        data = json.loads(content.decode("utf-8"))
    except ValueError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(v, dict)}


@dataclass(frozen=True)
class FolderState:
    """A row's folder as a run finds it: what its manifest says, and which of the files asked
    about still hold the bytes it records."""

    manifest: dict[str, dict[str, str]]
    """The manifest's entries by file name (read_manifest)."""
    intact: frozenset[str]
    """The names asked about whose file's SHA-256 is the one the manifest records."""


def folder_state(folder: Path, names: Iterable[str]) -> FolderState:
    """Return the state of the row folder `folder` for the files `names` (read_state, the
    files read from disk)."""
    return read_state(lambda name: _read(folder / name), names)


def read_state(read: Callable[[str], bytes | None], names: Iterable[str]) -> FolderState:
    """Return the state of a row's folder for the files `names`: what its manifest records,
    and which of `names` are intact. `read(name)` returns the bytes of the folder's file
    `name` (the manifest's too), None when it cannot be read: from disk (folder_state) or from
    an fsspec URL (cluster.UrlOutput). Only `names` are read, never a name the manifest alone
    gives."""
    content = read(MANIFEST)
    manifest = {} if content is None else manifest_entries(content)
    intact = frozenset(
        name
        for name in names
        if name in manifest and _sha256(read(name)) == manifest[name].get("sha256")
    )
    return FolderState(manifest, intact)


def _sha256(content: bytes | None) -> str | None:
    return None if content is None else hashlib.sha256(content).hexdigest()


def _write_manifest(folder: Path, contract_no: str, files: dict[str, dict[str, str]]) -> None:
    write_atomic(folder / MANIFEST, manifest_bytes(contract_no, files))


def manifest_bytes(contract_no: str, files: dict[str, dict[str, str]]) -> bytes:
    """Return the manifest of the folder of `contract_no` recording `files` (name → entry)."""
    text = json.dumps(
        {"policygen": __version__, "contract_no": contract_no, "files": files},
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    )
    return (text + "\n").encode("utf-8")
