"""Find the fonts a PDF is printed in, and the characters of a document they cannot draw.

Input: a document tree, and optionally the profile it was rendered from. Output: every character
that has no glyph in the configured body (宋体-like) and heading (黑体-like) fonts, with its code
point, the document and where it occurs: the profile path when the character is in the profile,
else the clause. Without this check Pango silently draws such characters in whatever installed
font has them (DejaVu, a Latin font) or as an empty box.

Fonts are resolved through fontconfig, the library Pango and WeasyPrint use, with the language
``zh-cn`` as the HTML page declares it. Each font's character map is read once per process with
fontTools; Noto CJK ships as a .ttc collection, so the face fontconfig names by index is opened.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue, RenderError
from policygen.tree import nodes as n
from policygen.tree.walk import document_texts

if TYPE_CHECKING:
    from policygen.profile.model import Profile

# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class FontRole:
    """A part the house style gives its own typeface, and the families that can play it."""

    key: str
    """Short name: ``body``, ``heading``, ``kaiti``, ``fangsong``, ``xiaobiaosong``."""
    label: str
    """What a Chinese reader calls it, e.g. 正文（宋体类）."""
    families: tuple[str, ...]
    """Families in order of preference, as the default style file lists them; the first
    installed wins."""
    required: bool
    """True when documents cannot be printed properly without one of `families`."""
    fallback: str = ""
    """What the house style uses when none of `families` is installed; empty when required."""
    chain: tuple[str, ...] = ()
    """This role and the roles it falls back to, in order (楷体 → the 黑体-like heading face)."""


_LABELS = {
    "body": "正文（宋体类）",
    "heading": "标题（黑体类）",
    "kaiti": "强调（楷体类）",
    "fangsong": "公文正文（仿宋类）",
    "xiaobiaosong": "公文标题（小标宋类）",
}
_REQUIRED = ("body", "heading")


def _font_roles() -> dict[str, FontRole]:
    """Return the font roles of the bundled default style file (styles/default.style.yaml)."""
    from policygen.style.load import bundled_style

    fonts = bundled_style("default").fonts
    roles: dict[str, FontRole] = {}
    for key, label in _LABELS.items():
        chain = fonts.chain(key)  # type: ignore[arg-type]
        fallback = ""
        if len(chain) > 1:  # 正文（宋体类） → 正文字体（宋体类）
            part, kind = _LABELS[chain[1]].split("（")
            fallback = f"{part}字体（{kind}"
        roles[key] = FontRole(
            key, label, fonts.role(key).families, required=key in _REQUIRED,  # type: ignore[arg-type]
            fallback=fallback, chain=chain,
        )  # fmt: skip
    return roles


FONT_ROLES: dict[str, FontRole] = _font_roles()
"""The typefaces of the house style, by role, with the families the default style file gives
them (the PDFs' CSS lists the same)."""

CHECKED_ROLES = ("body", "heading")
"""The roles every printed character must have a glyph in: body text and headings, labels and
emphasis are set in one or the other."""

LANGUAGE = "zh-cn"
"""The language fonts are matched for, as ``<html lang="zh-CN">`` tells Pango."""


# --------------------------------------------------------------------------- fontconfig

_FONTCONFIG_NAMES = (
    "libfontconfig.so.1",
    "libfontconfig.1.dylib",
    "libfontconfig-1.dll",
    "fontconfig",
)

_LOCK = threading.Lock()
"""fontconfig's default configuration is shared process state; match under one lock."""

FC_MATCH_PATTERN = 0
"""FcMatchKind FcMatchPattern."""
FC_RESULT_MATCH = 0
"""FcResult FcResultMatch."""


@CACHES.memo
def _fontconfig() -> ctypes.CDLL:
    """Return libfontconfig with the signatures `match_family` calls; raise RenderError when it
    cannot be loaded.

    ctypes, not cffi: cffi parses C declarations with pycparser, whose import and parse cost
    every process some 45 ms before its first font match; these nine functions need no parsing."""
    problems = []
    for name in _FONTCONFIG_NAMES:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library(name) or name if "." not in name else name)
            break
        except OSError as error:
            problems.append(str(error))
    else:
        raise RenderError(
            "无法加载 fontconfig 库，不能查询字体；请安装 libfontconfig1 (fontconfig not found): "
            + "; ".join(problems[:1])
        )
    pattern, text, integer = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    for function, restype, argtypes in (
        ("FcGetVersion", integer, ()),
        ("FcPatternCreate", pattern, ()),
        ("FcPatternDestroy", None, (pattern,)),
        ("FcPatternAddString", integer, (pattern, text, text)),
        ("FcPatternAddInteger", integer, (pattern, text, integer)),
        ("FcPatternGetString", integer, (pattern, text, integer, ctypes.POINTER(text))),
        ("FcPatternGetInteger", integer, (pattern, text, integer, ctypes.POINTER(integer))),
        ("FcConfigSubstitute", integer, (ctypes.c_void_p, pattern, integer)),
        ("FcDefaultSubstitute", None, (pattern,)),
        ("FcFontMatch", pattern, (ctypes.c_void_p, pattern, ctypes.POINTER(integer))),
    ):
        bound = getattr(lib, function)
        bound.restype = restype
        bound.argtypes = argtypes
    return lib


def fontconfig_version() -> str:
    """Return the fontconfig library version, e.g. ``2.14.1``."""
    version = _fontconfig().FcGetVersion()
    return f"{version // 10000}.{version // 100 % 100}.{version % 100}"


@dataclass(frozen=True)
class FontMatch:
    """What fontconfig answers for a family name."""

    requested: str
    """The family asked for."""
    family: str
    """The family of the font fontconfig picked (its first name)."""
    file: Path
    """The font file."""
    index: int
    """The face in the file; a .ttc collection holds several."""
    installed: bool
    """True when the picked font is the requested family, not a substitute."""


def _normal(name: str) -> str:
    return "".join(name.split()).casefold()


FC_WEIGHT_BOLD = 200
"""fontconfig's weight for bold (FC_WEIGHT_BOLD), which CSS and Typst call 700."""


@CACHES.memo
def match_family(family: str, lang: str = LANGUAGE, *, bold: bool = False) -> FontMatch:
    """Return the font fontconfig picks for `family` in language `lang`, as Pango would; with
    `bold`, its bold face (the regular one when the family has none).

    fontconfig always answers with something; `FontMatch.installed` tells whether the answer is
    the family itself or a substitute such as DejaVu Sans."""
    lib = _fontconfig()
    with _LOCK:
        pattern = lib.FcPatternCreate()
        try:
            lib.FcPatternAddString(pattern, b"family", family.encode("utf-8"))
            lib.FcPatternAddString(pattern, b"lang", lang.encode("ascii"))
            if bold:
                lib.FcPatternAddInteger(pattern, b"weight", FC_WEIGHT_BOLD)
            lib.FcConfigSubstitute(None, pattern, FC_MATCH_PATTERN)
            lib.FcDefaultSubstitute(pattern)
            result = ctypes.c_int()
            matched = lib.FcFontMatch(None, pattern, ctypes.byref(result))
        finally:
            lib.FcPatternDestroy(pattern)
        if not matched:
            raise RenderError(f"fontconfig 找不到任何字体 (no font at all for {family})")
        try:
            families = []
            value = ctypes.c_char_p()
            while (
                lib.FcPatternGetString(matched, b"family", len(families), ctypes.byref(value))
                == FC_RESULT_MATCH
            ):
                families.append((value.value or b"").decode("utf-8", "replace"))
            file = ""
            if lib.FcPatternGetString(matched, b"file", 0, ctypes.byref(value)) == FC_RESULT_MATCH:
                file = (value.value or b"").decode("utf-8", "surrogateescape")
            index = ctypes.c_int()
            got = lib.FcPatternGetInteger(matched, b"index", 0, ctypes.byref(index))
            face = index.value if got == FC_RESULT_MATCH else 0
        finally:
            lib.FcPatternDestroy(matched)
    wanted = _normal(family)
    return FontMatch(
        requested=family,
        family=families[0] if families else "",
        file=Path(file),
        index=face,
        installed=any(_normal(name) == wanted for name in families),
    )


def resolve_role(role: FontRole | str) -> FontMatch | None:
    """Return the first installed family of `role` (a FontRole or its key); None when none is."""
    role = FONT_ROLES[role] if isinstance(role, str) else role
    for family in role.families:
        found = match_family(family)
        if found.installed:
            return found
    return None


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


# --------------------------------------------------------------------------- document text


@dataclass(frozen=True)
class MissingGlyph:
    """A character of a document that a configured font cannot draw."""

    char: str
    """The character."""
    document: str
    """The document, e.g. 数据中心运行维护服务外包合同（MY-ITO-2026-001）."""
    where: str
    """Where in the document, e.g. 第三章 第十二条 （二）; 标题 for the title."""
    context: str
    """A few characters around the first occurrence."""
    fonts: tuple[str, ...]
    """The configured families that have no glyph for it."""
    profile_paths: tuple[str, ...] = ()
    """Profile fields whose text holds the character, e.g. ``engagements[0].vendor.name``; empty
    when it comes from a template or no profile was given."""

    @property
    def codepoint(self) -> str:
        """The code point as ``U+XXXX``."""
        return f"U+{ord(self.char):04X}"

    def message(self, *, source: bool = True) -> str:
        """Return the error message; with `source`, end it with the profile fields, if any."""
        name = unicodedata.name(self.char, "")
        shown = f"「{self.char}」" if self.char.isprintable() else ""
        text = (
            f"字符{shown} {self.codepoint}{f'（{name}）' if name else ''} 在字体 "
            f"{'、'.join(self.fonts)} 中没有字形：《{self.document}》{self.where}"
            f"（{self.context}） (no glyph for {self.codepoint})"
        )
        if source and self.profile_paths:
            text += f"；来自配置 {'、'.join(self.profile_paths)}"
        return text

    def __str__(self) -> str:
        return self.message()


_NO_GLYPH_NEEDED = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Categories that are not drawn: controls, format characters (ZWSP, ZWJ), line separators."""


def _needs_glyph(char: str) -> bool:
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False  # variation selectors pick a glyph of the previous character
    return unicodedata.category(char) not in _NO_GLYPH_NEEDED


def document_name(doc: n.Document) -> str:
    """Return how messages name `doc`: its title, and its number when it has one."""
    return f"{doc.title}（{doc.meta.number}）" if doc.meta.number else doc.title


def _checked_fonts(roles: Iterable[str]) -> list[FontMatch]:
    fonts = []
    for key in roles:
        role = FONT_ROLES[key]
        found = resolve_role(role)
        if found is None:
            raise RenderError(
                f"未安装{role.label}字体（{'、'.join(role.families)} 均未找到），无法生成 PDF；"
                "请安装 fonts-noto-cjk，并运行 policygen doctor 检查 (no CJK font installed)"
            )
        if found not in fonts:
            fonts.append(found)
    return fonts


def missing_glyphs(
    doc: n.Document, profile: Profile | None = None, *, roles: Iterable[str] = CHECKED_ROLES
) -> list[MissingGlyph]:
    """Return the characters of `doc` that a font of `roles` has no glyph for, first
    occurrence first, each once. When `profile` is given, name the profile fields holding each.

    Raise RenderError when a role has no installed font at all (see ``policygen doctor``)."""
    fonts = _checked_fonts(roles)
    maps = [(font, font_codepoints(font.file, font.index)) for font in fonts]
    texts = list(document_texts(doc))
    # The distinct characters first: a whole contract has some 600, and usually all are drawn.
    lacked = {
        char
        for char in set().union(*(text for text, _ in texts))
        if _needs_glyph(char) and any(ord(char) not in codes for _, codes in maps)
    }
    if not lacked:
        return []
    seen: set[str] = set()
    found: list[MissingGlyph] = []
    name = document_name(doc)
    for text, place in texts:
        for position, char in enumerate(text):
            if char not in lacked or char in seen:
                continue
            seen.add(char)
            code = ord(char)
            lacking = tuple(font.family for font, codes in maps if code not in codes)
            found.append(
                MissingGlyph(
                    char=char,
                    document=name,
                    where=" ".join(part for part in place if part),
                    context=_context(text, position),
                    fonts=lacking,
                    profile_paths=profile_paths(profile, char) if profile is not None else (),
                )
            )
    return found


def _context(text: str, position: int, width: int = 8) -> str:
    """Return `text` around `position` on one line, the character there shown as 【U+XXXX】."""

    def clean(part: str) -> str:
        return "".join(c if c.isprintable() else " " for c in part)

    before = clean(text[max(0, position - width) : position])
    after = clean(text[position + 1 : position + 1 + width])
    return f"…{before}【U+{ord(text[position]):04X}】{after}…"


def profile_paths(profile: Profile, char: str) -> tuple[str, ...]:
    """Return the dotted paths of the `profile` fields whose text holds `char`."""
    from policygen.profile.load import dotted

    out: list[str] = []

    def walk(value: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, str):
            if char in value:
                out.append(dotted(loc))
        elif isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*loc, str(key)))
        elif isinstance(value, list | tuple):
            for index, child in enumerate(value):
                walk(child, (*loc, index))

    walk(profile.model_dump(mode="json"), ())
    return tuple(out)


def check_glyphs(doc: n.Document, profile: Profile | None = None) -> None:
    """Raise InvalidInputError listing every character of `doc` the configured fonts lack."""
    missing = missing_glyphs(doc, profile)
    if missing:
        issues = [
            Issue("、".join(glyph.profile_paths), glyph.message(source=False)) for glyph in missing
        ]
        raise InvalidInputError(issues, f"字体预检《{document_name(doc)}》 (font preflight)")


__all__ = [
    "CHECKED_ROLES",
    "FONT_ROLES",
    "FontMatch",
    "FontRole",
    "MissingGlyph",
    "check_glyphs",
    "document_texts",
    "font_codepoints",
    "fontconfig_version",
    "is_cjk_sc",
    "match_family",
    "missing_glyphs",
    "resolve_role",
]
