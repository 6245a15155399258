"""Make the bundled reference documents from the bundled style files.

Input: ``templates/zh/styles/default.style.yaml`` and ``gongwen.style.yaml``. Output:
``styles/reference.docx`` and ``styles/gongwen.docx``, the reference documents whose styles,
lists, page setup, header and footer the DOCX writer copies (policygen.style.docx says what is
in them). An organisation's own style file gets its reference made at run time instead.

Run ``python tools/make_reference_docx.py`` after changing a bundled style file and commit the
regenerated files; the output is byte-identical from run to run, and tests/test_reference_docx
checks that the checked-in files are current."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from policygen.style.docx import build as build_reference
from policygen.style.load import BUNDLED_FOLDER, STYLE_FOLDER, bundled_style

STYLES_FOLDER = BUNDLED_FOLDER / STYLE_FOLDER


@dataclass(frozen=True)
class HouseFile:
    """One reference document the script writes."""

    file: str
    """Its name in the styles folder."""
    style: str
    """The bundled style it is made from."""


HOUSE_STYLES: tuple[HouseFile, ...] = (
    HouseFile("reference.docx", "default"),
    HouseFile("gongwen.docx", "gongwen"),
)
"""The reference documents: the default house style, and 公文."""


def build(house: HouseFile) -> bytes:
    """Return the reference document of `house`, as normalised DOCX bytes."""
    return build_reference(bundled_style(house.style))


def main() -> int:
    """Write the reference documents next to the style files; return the exit code."""
    for house in HOUSE_STYLES:
        output = Path(STYLES_FOLDER) / house.file
        output.write_bytes(build(house))
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
