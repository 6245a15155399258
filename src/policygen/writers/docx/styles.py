"""Resolve the style names the DOCX writer uses to style ids, once per document.

Input: a python-docx document opened from the house-style reference.docx. Output: for each
(style name, style type) the id a paragraph, run or table names in ``w:pStyle``/``w:rStyle``/
``w:tblStyle`` (None for the type's default style, which is named by leaving it out), and the
style objects themselves.

python-docx resolves a name on every assignment (``paragraph.style = "Heading 1"``,
``add_paragraph(style=…)``): it scans styles.xml for the name, then scans it again for the
type's default style, and reading ``paragraph.style`` back scans it once more. With about 150
styles that was most of the writer's time. No style is added or renamed while a document is
written, so each answer is computed once, by python-docx's own public lookups (so names,
BabelFish translation, type checks and the errors for unknown names stay python-docx's), and
remembered; only finding a style by name reads styles.xml once into a dict, as
``name in styles`` scanned every style for each name asked."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.styles import BabelFish
from docx.styles.style import BaseStyle, StyleFactory

from policygen.writers.docx import oxml


class StyleTable:
    """The styles of one document by name, each looked up once."""

    def __init__(self, document: DocxDocument) -> None:
        self.styles = document.styles
        self._ids: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}
        self._styles: dict[str, BaseStyle | None] = {}
        self._names: dict[tuple[str | None, WD_STYLE_TYPE], str] = {}
        self._defaults: dict[WD_STYLE_TYPE, BaseStyle | None] = {}
        self._elements: oxml.StyleElements | None = None

    def id(self, name: str, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH) -> str | None:
        """Return the id of style `name` of type `kind`, None when it is the type's default;
        raise KeyError for an unknown name and ValueError for a style of another type, as
        python-docx does."""
        key = (name, kind)
        if key not in self._ids:
            # Styles.get_style_id(name, kind), whose scan for the default style is done once
            # per type here (python-docx redoes it for every name).
            style = self[name] if name in self else self.styles[name]  # KeyError as python-docx
            if style.type != kind:
                raise ValueError(f"assigned style is type {style.type}, need type {kind}")
            self._ids[key] = None if style == self._default(kind) else style.style_id
        return self._ids[key]

    def _default(self, kind: WD_STYLE_TYPE) -> BaseStyle | None:
        if kind not in self._defaults:
            # Styles.default(kind): the last style of the type marked default, among the few
            # that carry ``w:default`` at all (python-docx reads every style's type for it).
            element = self._index().defaults.get(kind)
            self._defaults[kind] = None if element is None else StyleFactory(element)
        return self._defaults[kind]

    def get(self, name: str) -> BaseStyle | None:
        """Return the style `name`; None when the document has none of that name."""
        if name not in self._styles:
            element = self._index().by_name.get(BabelFish.ui2internal(name))
            self._styles[name] = None if element is None else StyleFactory(element)
        return self._styles[name]

    def _index(self) -> oxml.StyleElements:
        """Return the document's style elements by name, id and as defaults, read once."""
        if self._elements is None:
            self._elements = oxml.read_style_elements(self.styles)
        return self._elements

    def __getitem__(self, name: str) -> BaseStyle:
        """Return the style `name`; raise KeyError when the document has none."""
        style = self.get(name)
        if style is None:
            raise KeyError(f"no style with name '{name}'")
        return style

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def name_of(self, style_id: str | None, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH) -> str:
        """Return the name of the style an element naming `style_id` (None: none) has, as
        ``paragraph.style.name`` reads it: the type's default for a missing or unknown id."""
        key = (style_id, kind)
        if key not in self._names:
            # Styles.get_by_id(style_id, kind), with the id looked up in the index.
            element = self._index().by_id.get(style_id) if style_id else None
            style = None if element is None else StyleFactory(element)
            if style is None or style.type != kind:
                style = self._default(kind)
            self._names[key] = (style.name or "") if style is not None else ""
        return self._names[key]
