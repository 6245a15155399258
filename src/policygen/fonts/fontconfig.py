"""The typefaces of the house style and where fontconfig finds them (the library Pango and
WeasyPrint use), through its C interface."""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass
from pathlib import Path

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.style.model import LATIN as LATIN

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


def _latin_role() -> FontRole:
    """Return the Latin face of the bundled default style file (``fonts.latin``)."""
    from policygen.style.load import bundled_style

    families = bundled_style("default").fonts.latin.families
    fallback = "各角色中文字体自带的西文字形"
    return FontRole(
        LATIN, "西文（衬线）", families, required=False, fallback=fallback, chain=(LATIN,)
    )


LATIN_ROLE: FontRole = _latin_role()
"""The face of Latin letters and digits in a text with English in it (``--lang en`` or
``zh+en``): optional; without it the PDFs set them in each role's CJK face."""

INSTALL_LATIN = "fonts-liberation2"
"""The Debian and Ubuntu package of Liberation Serif, the Latin face of the default style."""

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
            families: list[str] = []
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
