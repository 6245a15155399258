"""Edit the document settings part (``w:settings``): theme font language and compatibility flags."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement


def set_theme_font_lang(document: DocxDocument, east_asia: str = "zh-CN") -> None:
    """Make `document`'s settings pick theme fonts for `east_asia` rather than the template's."""
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:eastAsia"), east_asia)


def set_no_stretch_before_line_break(document: DocxDocument) -> None:
    """Stop Word and LibreOffice stretching a justified line that ends in a line break.

    Sets the ``w:doNotExpandShiftReturn`` compatibility flag in `document`'s settings."""
    settings = document.settings.element
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        settings.append(compat)
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        flag = OxmlElement("w:doNotExpandShiftReturn")
        # Of the flags that follow it in the schema, Word templates hold these two.
        later = [compat.find(qn(tag)) for tag in ("w:useFELayout", "w:compatSetting")]
        following = [element for element in later if element is not None]
        if following:
            following[0].addprevious(flag)
        else:
            compat.append(flag)
