"""Edit runs (``w:r``) and run properties (``w:rPr``): text, character styles, East-Asian fonts,
language and emphasis marks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import deepcopy
from typing import cast

from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from policygen.writers.docx.oxml.compat import paragraph_element, run_element, run_parent
from policygen.writers.docx.oxml.shared import (
    RPR_ORDER,
    W_R,
    W_RPR,
    W_RSTYLE,
    W_T,
    W_VAL,
    XML_SPACE,
    RunPropertiesTarget,
    get_or_add,
    get_or_add_first,
    parent_of,
    target_rpr,
)

_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_east_asian_font(
    target: RunPropertiesTarget, east_asia: str, latin: str | None = None
) -> None:
    """Set the East-Asian font of `target` to `east_asia`, e.g. 宋体, and drop theme fonts.

    When `latin` is given, use it for Latin and complex-script text too; when None, leave those
    fonts as they are. Chinese punctuation shared with Latin (“”) is hinted East-Asian."""
    fonts = target_rpr(target).get_or_add_rFonts()
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    if latin is not None:
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), latin)


def set_lang(target: RunPropertiesTarget, east_asia: str = "zh-CN", latin: str = "en-US") -> None:
    """Mark the text of `target` as `east_asia` (e.g. zh-CN) and `latin` for spelling and fonts."""
    lang = get_or_add(target_rpr(target), "w:lang", RPR_ORDER)
    lang.set(qn("w:val"), latin)
    lang.set(qn("w:eastAsia"), east_asia)
    lang.attrib.pop(qn("w:bidi"), None)


def set_emphasis_mark(target: RunPropertiesTarget, mark: str = "dot") -> None:
    """Put Chinese emphasis marks (着重号, ``w:em``) of kind `mark` under the text of `target`."""
    em = get_or_add(target_rpr(target), "w:em", RPR_ORDER)
    em.set(qn("w:val"), mark)


_RUN_CONTROLS = re.compile(r"[\t\r\n]")
"""Characters python-docx turns into run content other than text (``w:tab``, ``w:br``)."""


def _set_text(r: etree._Element, text: str) -> None:
    """Make run element `r` read `text`, keeping its properties, as python-docx's
    ``run.text = text`` does."""
    for child in list(r):
        if child.tag != W_RPR:
            r.remove(child)
    _append_text(r, text)


def _append_text(r: etree._Element, text: str) -> None:
    """Append `text` to run element `r` as python-docx does; text without tabs or line
    breaks becomes one ``w:t``."""
    if not text:
        return
    if _RUN_CONTROLS.search(text):
        r.text = text  # CT_R.text: python-docx's w:tab and w:br (r holds no text yet)
        return
    t = etree.SubElement(r, W_T)
    t.text = text
    if text[0].isspace() or text[-1].isspace():  # CT_R.add_t: len(text.strip()) < len(text)
        t.set(XML_SPACE, "preserve")


def add_text_run(paragraph: Paragraph, text: str) -> Run:
    """Append a run reading `text` to `paragraph`, as ``paragraph.add_run(text)`` does."""
    r = etree.SubElement(
        paragraph_element(paragraph), W_R
    )  # as CT_P.add_r: no child may follow a run
    _append_text(r, text)
    return Run(cast(CT_R, r), paragraph)  # the oxml parser's class of a w:r


def append_text_run(paragraph: Paragraph, text: str) -> None:
    """Append a run reading `text` to `paragraph`, as `add_text_run` does, for a caller that
    needs no proxy of it (most of the document's runs)."""
    _append_text(etree.SubElement(paragraph_element(paragraph), W_R), text)


def run_text(run: Run) -> str:
    """Return the text of `run`, as ``run.text`` reads it (a run of ``w:t`` only directly)."""
    texts = []
    for child in run_element(run):
        if child.tag == W_T:
            texts.append(child.text or "")
        elif child.tag != W_RPR:
            return run.text
    return "".join(texts)


def set_run_style_id(run: Run, style_id: str | None) -> None:
    """Name the character style `style_id` in `run`'s ``w:rStyle``, as assigning
    ``run.style`` does once the name is resolved; None leaves an empty ``w:rPr``."""
    rpr = get_or_add_first(run_element(run), W_RPR)
    style = rpr.find(W_RSTYLE)
    if style_id is None:
        if style is not None:
            rpr.remove(style)
    elif style is None:
        style = etree.SubElement(rpr, W_RSTYLE)
        style.set(W_VAL, style_id)
        rpr.insert(0, style)
    else:
        style.set(W_VAL, style_id)


def split_run(run: Run, texts: Sequence[str]) -> list[Run]:
    """Split `run` into runs reading `texts` in order, each formatted as `run`; return them."""
    if not texts:
        return []
    r = run_element(run)
    rpr = r.find(W_RPR)
    runs = [run]
    _set_text(r, texts[0])
    previous = r
    for text in texts[1:]:
        new = cast(CT_R, etree.SubElement(parent_of(r), W_R))  # the oxml parser's class of a w:r
        previous.addnext(new)
        if rpr is not None:
            new.append(deepcopy(rpr))
        _set_text(new, text)
        runs.append(Run(new, run_parent(run)))
        previous = new
    return runs
