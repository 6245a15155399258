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

from policygen.fonts.codepoints import font_codepoints, gb2312_hanzi, is_cjk_sc
from policygen.fonts.fontconfig import (
    CHECKED_ROLES,
    FONT_ROLES,
    INSTALL_LATIN,
    LANGUAGE,
    LATIN,
    LATIN_ROLE,
    FontMatch,
    FontRole,
    fontconfig_version,
    match_family,
    resolve_role,
)
from policygen.fonts.preflight import (
    MissingGlyph,
    check_glyphs,
    document_name,
    missing_glyphs,
    profile_paths,
)
from policygen.tree.walk import document_texts

__all__ = [
    "CHECKED_ROLES",
    "FONT_ROLES",
    "INSTALL_LATIN",
    "LANGUAGE",
    "LATIN",
    "LATIN_ROLE",
    "FontMatch",
    "FontRole",
    "MissingGlyph",
    "check_glyphs",
    "document_name",
    "document_texts",
    "font_codepoints",
    "fontconfig_version",
    "gb2312_hanzi",
    "is_cjk_sc",
    "match_family",
    "missing_glyphs",
    "profile_paths",
    "resolve_role",
]
