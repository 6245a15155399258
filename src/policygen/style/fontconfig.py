"""Turn a house style into fontconfig rules that lead LibreOffice to the PDFs' faces.

Input: a HouseStyle. Output: the text of a fontconfig file (``conf.d`` snippet) that, for each
typeface role, puts the role's families and generic family (and its fall-back role's) right
after the names the DOCX gives it (宋体 and its alternate SimSun, 黑体, 楷体, 仿宋, 小标宋).

Why a file outside the DOCX: on Linux LibreOffice asks fontconfig for a missing face by its
name and language alone and takes the answer; it reads neither the font table's alternate
name, PANOSE number nor class (writerfilter's FontTable keeps only the character set). For a
name fontconfig does not know (宋体, 仿宋, 小标宋) the answer is its default, sans-serif: with
the DOCX's ``zh-CN`` language tag that is Noto Sans CJK SC, a Simplified Chinese face (the
language tag is what keeps it from the Japanese one) but a 黑体-like one for 宋体 body text.
These rules make the same request end at the face the PDFs use (Noto Serif CJK SC for 宋体).
Install with ``policygen doctor --fontconfig > ~/.config/fontconfig/conf.d/60-policygen.conf``
(or in /etc/fonts/conf.d for every user); a real 宋体, once installed, still wins."""

from __future__ import annotations

from xml.sax.saxutils import escape

from policygen.style.model import FONT_ROLES, FontRole, HouseStyle

HEADER = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- policygen {style}: the faces LibreOffice substitutes for the fonts a DOCX names, made
     by the fontconfig option of policygen doctor; install in ~/.config/fontconfig/conf.d/ or
     /etc/fonts/conf.d/. Each name the DOCX gives a typeface is followed by the families the
     PDFs use for it, so a face of the same kind stands in when the named one is missing. -->
<fontconfig>
"""


def fontconfig(style: HouseStyle) -> str:
    """Return the fontconfig file leading each font name of `style`'s DOCX to the families the
    PDFs use for its role: one rule per name, each appending the families right after it."""
    fonts = style.fonts
    rules: dict[str, tuple[FontRole, tuple[str, ...]]] = {}
    for role in FONT_ROLES:
        font = fonts.role(role)
        generic = next((fonts.role(r).generic for r in fonts.chain(role) if fonts.role(r).generic),
                       None)  # fmt: skip
        families = (*fonts.families(role), *([generic] if generic else []))
        for name in (font.word, font.alternate):
            if name and name not in rules:
                rules[name] = (role, tuple(f for f in families if f != name))
    parts = [HEADER.format(style=style.name)]  # a style name is [a-z0-9_-], no "--" in it
    for name, (role, families) in rules.items():
        appended = "".join(f"\n    <string>{escape(f)}</string>" for f in families)
        parts.append(
            f"  <!-- {role} -->\n"
            f'  <match target="pattern">\n'
            f'    <test name="family"><string>{escape(name)}</string></test>\n'
            f'    <edit name="family" mode="append" binding="strong">{appended}\n'
            f"    </edit>\n"
            f"  </match>\n"
        )
    parts.append("</fontconfig>\n")
    return "".join(parts)


__all__ = ["fontconfig"]
