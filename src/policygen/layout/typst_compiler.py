"""Compile Typst sources in a layout process, with the font files it is given.

Input: a Typst source (writers.pdf_typst makes it) and the fonts of the house style's roles
(`FontSet`, resolved by the process that sends the work). Output: the PDF, or the page of each
id marker and the number of pages.

This module runs in a layout process (layout.process) and imports only Typst: the process
starts in a tenth of a second, not the half second the profile models and fontconfig would
take. Its one compiler reads a private folder holding links to the given font files and an
empty package folder (the source never imports a package), and keeps Typst's memoised fonts,
shaping and layout from one document to the next."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from policygen.errors import RenderError

END_LABEL = "<p-end>"
"""The label of the marker after the last block: its page is the number of pages."""

PAGES_QUERY = (
    "(query(metadata).filter(m => m.value != none).map(m => (m.value, m.location().page())), "
    f"query({END_LABEL}).first().location().page())"
)
"""Every id marker with its page, and the number of pages."""


@dataclass(frozen=True)
class FontSet:
    """The font files Typst is to print each role in."""

    files: tuple[str, ...]
    """Every font file to link into the private font folder, real paths, each once."""
    faces: dict[str, tuple[str, int]]
    """By role, the face it is printed in: a file of `files` and its index in a collection."""
    chains: dict[str, tuple[str, ...]]
    """By role, the roles its font list tries, in order (fallbacks included)."""
    missing: dict[str, str]
    """By role, the error for a role none of whose chain has a face."""


@dataclass
class _Compiler:
    """The layout process's Typst fonts and compiler, made on its first task and kept (in the
    process's `kept`) for every document it prints."""

    folder: Path
    """The private folder holding ``fonts/`` (links to the role fonts), the empty package
    folders and the compiler's project folder ``root/``."""
    families: dict[str, tuple[str, ...]]
    """Typst family names by role, fallbacks included."""
    compiler: Any
    """The typst.Compiler, always compiling ``root/main.typ``."""
    compilations: int = 0
    """Sources written so far (see `write`)."""

    def write(self, source: str) -> None:
        """Make `source` the next one the compiler reads.

        Typst 0.15 updates its copy of a changed file by keeping the bytes the old and new
        text share at the start and at the end, and the end is not cut at a character
        boundary: after a source ending ``…保密协议"`` (密 is E5 AF 86 in UTF-8), one ending
        ``…处理协议"`` (理: E7 90 86) printed 处密协议. Every source therefore ends with a line
        counting the compilations, whose last digit differs each time, so the shared end is
        one line break and no character is ever cut in two."""
        self.compilations += 1
        main = self.folder / "root" / "main.typ"
        main.write_text(f"{source}// {self.compilations}\n", encoding="utf-8")


def typst_task(
    kept: dict[str, Any],
    op: str,
    source: str,
    when: str,
    scratch: str,
    fonts: FontSet,
    standards: tuple[str, ...] = (),
) -> tuple[dict[str, Any], bytes]:
    """Answer `op` (in the layout process): ``families``, the Typst font families of each
    role; ``pdf``, `source` printed dated `when` (ISO) to the PDF `standards` (Typst's names,
    e.g. ``a-2b``; empty: a plain PDF); ``pages``, the page of each id marker of `source` and
    the number of pages. The fonts and compiler are made on the first task, from `fonts`, in a
    private folder inside `scratch`, and kept in `kept`. The answer also says the folder and
    how many sources the compiler has read."""
    made = kept.get("typst")
    if made is None:
        made = kept["typst"] = _make_compiler(Path(scratch), fonts)
    answer: dict[str, Any] = {}
    pdf = b""
    if op == "families":
        answer["families"] = made.families
    elif op == "pdf":
        made.write(source)
        try:
            printed, _warnings = made.compiler.compile_with_warnings(
                format="pdf",
                timestamp=datetime.fromisoformat(when),
                sys_inputs={},
                **pdf_options(standards),
            )
        except Exception as error:  # typst.TypstError and the binding's RuntimeErrors
            raise typst_error(error) from None
        if not isinstance(printed, bytes):
            raise RenderError("Typst 未返回 PDF 数据 (Typst returned no PDF)")
        pdf = printed
    else:
        made.write(source)
        try:
            query = made.compiler.eval(PAGES_QUERY, format="json")
            answer["found"], answer["count"] = json.loads(query)
        except Exception as error:
            raise typst_error(error) from None
    answer["folder"] = str(made.folder)
    answer["compilations"] = made.compilations
    return answer, pdf


def pdf_options(standards: tuple[str, ...]) -> dict[str, Any]:
    """Return the compiler's PDF options for the PDF `standards` (Typst's names; empty: a
    plain PDF). A plain PDF is untagged, as WeasyPrint's: tags make the file a quarter larger
    and slower to write. A standard's PDF is tagged, as PDF/A-2a and PDF/UA-1 require and
    PDF/A-2b allows; its XMP dates are `timestamp`'s, the document's date."""
    return {"pdf_standards": list(standards), "pdf_tags": bool(standards)}


def typst_error(error: Exception) -> RenderError:
    """Return a RenderError for a Typst failure: its message, never a trace of the source."""
    message = str(getattr(error, "message", "") or error).strip().splitlines()
    first = message[0] if message else type(error).__name__
    return RenderError(f"Typst 排版失败：{first[:300]} (Typst could not lay out the document)")


def _make_compiler(scratch: Path, fonts: FontSet) -> _Compiler:
    """Return the layout process's compiler, reading `fonts` from links in a private folder
    made inside `scratch`; raise RenderError for a role none of whose fonts is there."""
    import typst

    folder = Path(tempfile.mkdtemp(prefix="fonts-", dir=scratch))
    for name in ("fonts", "packages", "package-cache", "root"):
        (folder / name).mkdir(mode=0o700)
    for number, file in enumerate(fonts.files):
        (folder / "fonts" / f"{number:02d}-{Path(file).name}").symlink_to(file)
    book = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[folder / "fonts"]
    )
    by_face = {
        (os.path.realpath(info.path), info.index): info.family for info in book.fonts() if info.path
    }
    names = {key: by_face[face] for key, face in fonts.faces.items() if tuple(face) in by_face}
    families: dict[str, tuple[str, ...]] = {}
    for key, chain in fonts.chains.items():
        families[key] = tuple(dict.fromkeys(names[role] for role in chain if role in names))
        if not families[key] and key in fonts.missing:  # an optional face (Latin) may be
            raise RenderError(fonts.missing[key])
    root = folder / "root"
    (root / "main.typ").write_text("", encoding="utf-8")
    compiler = typst.Compiler(
        root / "main.typ",
        root=root,
        font_paths=book,
        ignore_system_fonts=True,
        sys_inputs={},
        package_path=folder / "packages",
        package_cache_path=folder / "package-cache",
    )
    return _Compiler(folder=folder, families=families, compiler=compiler)
