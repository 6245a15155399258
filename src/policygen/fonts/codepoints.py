"""The characters a font face can draw, read once per machine and kept in the cache folder."""

from __future__ import annotations

import array
import contextlib
import hashlib
import os
import sys
from pathlib import Path

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.fonts.fontconfig import FontMatch

# --------------------------------------------------------------------------- character maps


@CACHES.memo
def font_codepoints(file: Path, index: int = 0) -> frozenset[int]:
    """Return the code points face `index` of font `file` maps to a glyph; cached per process,
    and between processes in policygen's cache folder (policygen.cache) under the file's path,
    size and modification time, which spares each new process importing fontTools and reading
    the character maps of the CJK fonts (some 50 ms)."""
    stored = _stored_codepoints(file, index)
    if stored is not None:
        return stored
    codes = _read_codepoints(file, index)
    _store_codepoints(file, index, codes)
    return codes


def _codepoints_entry(file: Path, index: int) -> Path | None:
    from policygen.cache import cache_dir

    folder = cache_dir("cmap-1")
    try:
        info = file.stat()
    except OSError:
        return None
    if folder is None:
        return None
    key = f"{os.path.realpath(file)}\0{index}\0{info.st_size}\0{info.st_mtime_ns}"
    return folder / (hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest() + ".u32")


def _stored_codepoints(file: Path, index: int) -> frozenset[int] | None:
    entry = _codepoints_entry(file, index)
    try:
        data = entry.read_bytes() if entry is not None else b""
    except OSError:
        return None
    if not data or len(data) % 4:
        return None
    codes = array.array("I")
    codes.frombytes(data)
    if sys.byteorder != "little":  # pragma: no cover - stored little-endian
        codes.byteswap()
    return frozenset(codes)


def _store_codepoints(file: Path, index: int, codes: frozenset[int]) -> None:
    entry = _codepoints_entry(file, index)
    if entry is None or not codes:
        return
    data = array.array("I", sorted(codes))
    if sys.byteorder != "little":  # pragma: no cover
        data.byteswap()
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data.tobytes())
        os.replace(temporary, entry)  # whole or not at all, also with processes racing
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _read_codepoints(file: Path, index: int) -> frozenset[int]:
    """Return the code points of face `index` of `file` (a .ttc collection at face `index`)
    that map to a glyph other than .notdef, read with fontTools: a fifth of a second for a CJK
    face, once per machine (font_codepoints keeps the result; a hand-written reader of the
    format 12 table, ten times faster, earned nothing on a bench figure: see bench/RESULTS.md)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(str(file), fontNumber=index, lazy=True)
    except (OSError, TTLibError) as error:
        raise RenderError(f"无法读取字体文件 {file}：{error}") from None
    try:
        return frozenset(
            code for code, glyph in (font.getBestCmap() or {}).items() if glyph != ".notdef"
        )
    finally:
        font.close()


@CACHES.memo
def gb2312_hanzi() -> frozenset[int]:
    """Return the 6,763 hanzi of GB 2312: what any Simplified Chinese font must cover."""
    out = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


def is_cjk_sc(found: FontMatch) -> bool:
    """Return True when `found` has a glyph for every GB 2312 hanzi (a Simplified Chinese font)."""
    return gb2312_hanzi() <= font_codepoints(found.file, found.index)
