"""Edit the raw WordprocessingML of whole style sets: document grids, font fallbacks, and the
styles and lists one document adopts from another.

Like oxml, this module speaks ``w:`` XML so that its callers need not: the reference
builder (tools/make_reference_docx.py) gives the 公文 reference its character grid and every
reference its font table, and house gives an organisation's house document the styles,
list definitions and fonts the body writer names. Callers pass python-docx proxy objects and
plain values."""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles

from policygen.writers.docx.oxml.shared import (
    DEFAULTS_ORDER,
    PPR_ORDER,
    get_or_add,
    target_ppr,
    target_rpr,
)

if TYPE_CHECKING:
    from docx.oxml.styles import CT_Style

_STYLE_FORMATTING = ("w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")


def clear_style_formatting(style: BaseStyle) -> None:
    """Remove every paragraph, run and table property of `style`, keeping its name and links.

    A numbering reference with a list number (``w:numPr/w:numId``) and the outline level stay:
    they give the style its meaning, not its look."""
    element = style.element
    for tag in _STYLE_FORMATTING:
        for child in element.findall(qn(tag)):
            if tag == "w:pPr":
                kept = [
                    node
                    for node in child
                    if node.tag == qn("w:outlineLvl")
                    or (node.tag == qn("w:numPr") and node.find(qn("w:numId")) is not None)
                ]
                for node in list(child):
                    if node not in kept:
                        child.remove(node)
                if len(child):
                    continue
            element.remove(child)


def remove_style_link(style: BaseStyle) -> None:
    """Unlink `style` from its paired character style (``w:link``), e.g. Heading 1 Char."""
    for link in style.element.findall(qn("w:link")):
        style.element.remove(link)


def clear_default_paragraph_formatting(styles: Styles) -> None:
    """Remove the document-wide default paragraph properties (``w:pPrDefault``) of `styles`."""
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    for ppr_default in defaults.findall(qn("w:pPrDefault")):
        for child in list(ppr_default):
            ppr_default.remove(child)


def clear_default_run_formatting(styles: Styles) -> None:
    """Remove the document-wide default run properties (``w:rPrDefault``) of `styles`."""
    rpr = target_rpr(styles)
    for child in list(rpr):
        rpr.remove(child)


def set_east_asian_line_breaking(styles: Styles) -> None:
    """Turn on Chinese line breaking for the whole document (``w:pPrDefault`` of `styles`).

    避头尾 (``w:kinsoku``: no line starts with ，。） or ends with （《), punctuation allowed
    to hang into the margin (``w:overflowPunct``), no compression of an opening bracket at the
    start of a line (``w:topLinePunct`` off), and automatic spacing between Chinese and Latin
    letters (``w:autoSpaceDE``) and between Chinese and digits (``w:autoSpaceDN``)."""
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.element.insert(0, defaults)
    ppr_default = get_or_add(defaults, "w:pPrDefault", DEFAULTS_ORDER)
    ppr = get_or_add(ppr_default, "w:pPr")
    flags = {
        "w:kinsoku": "1",
        "w:overflowPunct": "1",
        "w:topLinePunct": "0",
        "w:autoSpaceDE": "1",
        "w:autoSpaceDN": "1",
    }
    for tag, value in flags.items():
        get_or_add(ppr, tag, PPR_ORDER).set(qn("w:val"), value)


def set_snap_to_grid(style: BaseStyle, snap: bool) -> None:
    """Make paragraphs of `style` keep to the document grid's lines or not (``w:snapToGrid``)."""
    get_or_add(target_ppr(style), "w:snapToGrid", PPR_ORDER).set(qn("w:val"), "1" if snap else "0")


def set_contextual_spacing(style: BaseStyle) -> None:
    """Ignore the space before and after paragraphs of `style` between two of them."""
    get_or_add(target_ppr(style), "w:contextualSpacing", PPR_ORDER)


def set_bottom_border(style: BaseStyle, size_eighths: int = 6, space_points: int = 1) -> None:
    """Rule a single black line under paragraphs of `style` (a running header's rule).

    `size_eighths` is the line width in eighths of a point; `space_points` the gap above it."""
    borders = get_or_add(target_ppr(style), "w:pBdr", PPR_ORDER)
    for child in list(borders):
        borders.remove(child)
    bottom = OxmlElement("w:bottom")
    for attribute, value in (("val", "single"), ("sz", str(size_eighths)),
                             ("space", str(space_points)), ("color", "000000")):  # fmt: skip
        bottom.set(qn(f"w:{attribute}"), value)
    borders.append(bottom)


_STYLE_REFERENCES = ("w:basedOn", "w:next", "w:link")
"""Children of ``w:style`` that name another style by id."""


_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                  "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
                  "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")  # fmt: skip
"""The run properties that follow ``w:spacing`` in the schema's order (ECMA-376 §17.3.2.28)."""


def set_character_spacing(style: BaseStyle, twips: int) -> None:
    """Set the character spacing (字符间距, ``w:spacing`` of the run properties) of `style` to
    `twips` twentieths of a point; negative sets characters closer."""
    rpr = style.element.get_or_add_rPr()
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.insert_element_before(spacing, *_AFTER_SPACING)
    spacing.set(qn("w:val"), str(twips))


# --------------------------------------------------------------------------- adopting styles


def style_ids(document: DocxDocument) -> dict[str, str]:
    """Return the id of every style of `document` by its name as Word shows it (``Heading 1``;
    a Chinese Word document may give it the id ``1``)."""
    return {style.name: style.style_id for style in document.styles if style.name is not None}


def adopt_styles(target: DocxDocument, source: DocxDocument, names: Iterable[str]) -> list[str]:
    """Copy the styles `names` of `source` that `target` lacks into `target`, with the styles
    they are based on; return the names copied.

    A copied style keeps its look; the ids it names (``w:basedOn``, ``w:next``, ``w:link``) are
    rewritten to the ids `target` gives the same names, and its own id is made unique."""
    source_ids = style_ids(source)
    by_id = {style_id: name for name, style_id in source_ids.items()}
    wanted = [name for name in names if name in source_ids]
    queue = list(wanted)
    while queue:  # the styles a wanted style is based on are wanted too
        element = source.styles[queue.pop()].element
        for tag in _STYLE_REFERENCES[:1]:
            based = element.find(qn(tag))
            name = by_id.get(based.get(qn("w:val"), "")) if based is not None else None
            if name is not None and name not in wanted:
                wanted.append(name)
                queue.append(name)
    have = style_ids(target)
    copied = [name for name in source_ids if name in wanted and name not in have]
    root = target.styles.element
    used = set(have.values())
    for name in copied:
        element = deepcopy(source.styles[name].element)
        style_id = element.get(qn("w:styleId"), "")
        while style_id in used:
            style_id += "_pg"
        element.set(qn("w:styleId"), style_id)
        used.add(style_id)
        have[name] = style_id
        root.append(element)
    renamed = {source_ids[name]: have[name] for name in source_ids if name in have}
    for name in copied:
        element = target.styles[name].element
        for tag in _STYLE_REFERENCES:
            for reference in element.findall(qn(tag)):
                old = reference.get(qn("w:val"), "")
                if old in renamed:
                    reference.set(qn("w:val"), renamed[old])
                else:
                    element.remove(reference)
    return copied


@dataclass
class StyleElements:
    """The ``w:style`` elements of a styles part, read in one pass: python-docx scans
    styles.xml for each name, id or default asked."""

    by_name: dict[str, CT_Style] = field(default_factory=dict)
    """Each style by its ``w:name`` (the first of a name, as python-docx's lookup finds)."""
    by_id: dict[str, CT_Style] = field(default_factory=dict)
    """Each style by its ``w:styleId`` (the first of an id)."""
    defaults: dict[WD_STYLE_TYPE | None, CT_Style] = field(default_factory=dict)
    """The default style of each type: the last one marked ``w:default``, as
    ``Styles.default`` finds it."""


def read_style_elements(styles: Styles) -> StyleElements:
    """Return the ``w:style`` elements of `styles` by name, by id and as defaults."""
    found = StyleElements()
    for element in styles.element.iterchildren(qn("w:style")):
        name = element.find(qn("w:name"))
        value = None if name is None else name.get(qn("w:val"))
        if value is not None:
            found.by_name.setdefault(value, element)
        style_id = element.get(qn("w:styleId"))
        if style_id is not None:
            found.by_id.setdefault(style_id, element)
        if element.get(qn("w:default")) is not None and element.default:
            found.defaults[element.type] = element
    return found
