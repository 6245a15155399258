"""The characters of a document (and of the profile it came from) no configured font can draw."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from policygen.errors import InvalidInputError, Issue, RenderError
from policygen.fonts.codepoints import font_codepoints
from policygen.fonts.fontconfig import CHECKED_ROLES, FONT_ROLES, FontMatch, resolve_role
from policygen.tree import nodes as n
from policygen.tree.walk import document_texts

if TYPE_CHECKING:
    from policygen.profile.model import Profile


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
    strings = profile_strings(profile) if profile is not None else []  # dumped once
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
                    profile_paths=paths_holding(strings, char),
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
    return paths_holding(profile_strings(profile), char)


def profile_strings(profile: Profile) -> list[tuple[str, str]]:
    """Return (dotted path, text) for every text field of `profile`, in the profile's order."""
    from policygen.profile.load import dotted

    out: list[tuple[str, str]] = []

    def walk(value: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, str):
            out.append((dotted(loc), value))
        elif isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*loc, str(key)))
        elif isinstance(value, list | tuple):
            for index, child in enumerate(value):
                walk(child, (*loc, index))

    walk(profile.model_dump(mode="json"), ())
    return out


def paths_holding(strings: list[tuple[str, str]], char: str) -> tuple[str, ...]:
    """Return the paths of `strings` (profile_strings) whose text holds `char`."""
    return tuple(path for path, text in strings if char in text)


def check_glyphs(doc: n.Document, profile: Profile | None = None) -> None:
    """Raise InvalidInputError listing every character of `doc` the configured fonts lack."""
    missing = missing_glyphs(doc, profile)
    if missing:
        issues = [
            Issue("、".join(glyph.profile_paths), glyph.message(source=False)) for glyph in missing
        ]
        raise InvalidInputError(issues, f"字体预检《{document_name(doc)}》 (font preflight)")
