"""Which Noto CJK face a PDF's embedded CJK fonts were set in: SC, JP, TC, KR or HK.

`pdffonts` cannot tell: every face of a Noto CJK collection (NotoSerifCJK-Regular.ttc) shares
one CFF font named NotoSerifCJKjp-Regular, so a PDF set in Noto Serif CJK SC lists
``NotoSerifCJKjp-Regular``. The faces differ in which glyph each character maps to (直, 骨,
写 are drawn otherwise in Chinese and Japanese), so a face is known by its character map: the
glyphs a PDF uses for its characters (LibreOffice embeds them as Type 1 fonts whose glyph
names are the collection's CIDs, with a ToUnicode map) match one face's map and not the
others'."""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection
from pypdf import PdfReader

from policygen.fonts import match_family

CJK = 0x2E80
"""Characters from here on are CJK (radicals, punctuation, kana, ideographs, full width)."""


@dataclass(frozen=True)
class EmbeddedFont:
    """A CJK font embedded in a PDF."""

    name: str
    """Its PostScript name without the subset tag, e.g. NotoSerifCJKjp-Regular-VKana."""
    glyphs: dict[str, int]
    """The glyph (CID) it draws each CJK character with."""

    @property
    def serif(self) -> bool:
        return "Serif" in self.name

    def faces(self) -> list[str]:
        """Return the Noto CJK faces whose character map gives every glyph of this font."""
        return [
            face
            for face, cmap in face_maps("Serif" if self.serif else "Sans").items()
            if all(cmap.get(ord(char)) == cid for char, cid in self.glyphs.items())
        ]


def pdffonts(path: Path) -> list[str]:
    """Return the names `pdffonts` lists for the PDF at `path`, subset tags dropped."""
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines if line.strip()]


@functools.cache
def face_maps(kind: str) -> dict[str, dict[int, int]]:
    """Return the character map (code point → CID) of every face of the installed Noto
    `kind` (Serif or Sans) CJK collection, by face name (Noto Serif CJK SC …)."""
    file = match_family(f"Noto {kind} CJK SC").file
    maps: dict[str, dict[int, int]] = {}
    for font in TTCollection(str(file)).fonts:
        name = font["name"].getDebugName(1)
        maps[name] = {code: _cid(glyph) for code, glyph in font.getBestCmap().items()}
    return maps


def _cid(glyph: str) -> int:
    return int(glyph[3:]) if glyph.startswith("cid") else -1


def embedded_cjk_fonts(path: Path) -> list[EmbeddedFont]:
    """Return the CJK fonts LibreOffice embedded in the PDF at `path` (Type 1 with CID glyph
    names), one per font object, with the glyph of each CJK character they draw."""
    fonts: dict[str, EmbeddedFont] = {}
    for page in PdfReader(path).pages:
        for reference in page.get("/Resources", {}).get("/Font", {}).values():
            font = reference.get_object()
            base = str(font["/BaseFont"])
            if "CJK" not in base or base in fonts:
                continue
            program = font["/FontDescriptor"].get_object()["/FontFile"].get_object().get_data()
            names = {int(code): name.decode() for code, name in
                     re.findall(rb"dup (\d+) /(\S+) put", program[:20000])}  # fmt: skip
            unicode = font["/ToUnicode"].get_object().get_data()
            glyphs = {}
            for code, text in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]{4,8})>", unicode):
                char = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
                if len(char) == 1 and ord(char) >= CJK and int(code, 16) in names:
                    glyphs[char] = _cid(names[int(code, 16)])
            fonts[base] = EmbeddedFont(base.split("+")[-1], glyphs)
    return list(fonts.values())
