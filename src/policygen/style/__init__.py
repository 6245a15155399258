"""The house style: one style file per style, and what is made from it.

``styles/<name>.style.yaml`` (style.model, read by style.load) states the page, margins by
document kind, fonts by role with their fall-backs, sizes, leading, indents, spacing, heading
and table styles, the running header and the footer. From it style.docx makes the reference
DOCX the DOCX writer builds on (the bundled ones at build time, tools/make_reference_docx.py;
an organisation's at run time), style.css the stylesheet of the HTML and WeasyPrint PDF, and
style.typst the Typst style; tests/style checks that the three agree."""

from __future__ import annotations

from policygen.style.load import bundled_style, find_style, load_style, style_path
from policygen.style.model import HouseStyle
from policygen.tree import nodes as n
from policygen.writers.options import WriterOptions


def house_style(doc: n.Document, options: WriterOptions) -> HouseStyle:
    """Return the house style `doc` is written in, as its file states it: the file
    ``options.style_file`` when set, else the style ``doc.style`` names, found in the template
    folders. Its page furniture is the Chinese one whatever `doc`'s languages (`style_for`)."""
    if options.style_file is not None:
        return load_style(options.style_file, options.template_dirs)
    return find_style(doc.style, options.template_dirs)


def style_for(doc: n.Document, options: WriterOptions) -> HouseStyle:
    """Return the house style `doc` is written in (`house_style`), with the page furniture of
    its languages (HouseStyle.furnished: English words in English alone)."""
    return house_style(doc, options).furnished(doc.lang)


__all__ = [
    "HouseStyle",
    "bundled_style",
    "find_style",
    "house_style",
    "load_style",
    "style_for",
    "style_path",
]
