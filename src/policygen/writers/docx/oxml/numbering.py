"""Edit list numbering: the numbering part (``w:abstractNum``, ``w:num``) read and written as
plain values, list instances added, a paragraph's or style's ``w:numPr``, and the lists one
document adopts from another."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement, parse_xml
from docx.shared import Length
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from policygen.writers.docx.oxml.compat import paragraph_element
from policygen.writers.docx.oxml.shared import (
    PPR_ORDER,
    W_ILVL,
    W_NUMID,
    W_NUMPR,
    W_VAL,
    ParagraphPropertiesTarget,
    add_child,
    get_or_add_ppr,
    insert_in_order,
    target_ppr,
)
from policygen.writers.docx.oxml.styles import style_ids


@dataclass(frozen=True)
class NumberingLevel:
    """One level of a multilevel list (``w:lvl``), as Word's “Define new multilevel list” has it."""

    fmt: str
    """Number format (``w:numFmt``): ``decimal``, ``chineseCounting`` (一, 十二),
    ``decimalEnclosedCircle`` (①) or ``bullet``."""
    text: str
    """Number text (``w:lvlText``): ``%1`` … ``%9`` stand for the counters of levels 1 … 9,
    e.g. 第%1条, （%2）, %1.%2; for a bullet, the bullet character."""
    start: int = 1
    """The first number."""
    legal: bool = False
    """Show every counter in the text as Arabic digits (``w:isLgl``, 正规形式编号), so that
    level 2 of 第一条 reads 1.1, not 一.1. Word honours it, LibreOffice only from 24.8: 7.x
    formats each counter as its own level does."""
    style: str | None = None
    """Style id of the paragraph style linked to this level (``w:pStyle``); None for none."""
    east_asia: str | None = None
    """Chinese font of the number, e.g. 黑体; None keeps the paragraph's."""
    suffix: str = "nothing"
    """What follows the number (``w:suff``): ``nothing``, ``space`` or ``tab``. Numbers are
    followed by nothing: the paragraph text carries the separator (a full-width space after
    第一条, none after （一） or 1.), so a REF field to the number reads 第一条, not 第一条　."""
    indent: tuple[int, int] | None = None
    """(left, first line) indent of a paragraph numbered directly at this level, in hundredths
    of a character; a negative first line hangs. Set it to the linked style's indent: Word and
    LibreOffice let it override the style's when a paragraph names its list itself (a
    restarted list). None leaves the paragraph's own."""


@dataclass(frozen=True)
class ListInstance:
    """A list instance (``w:num``) to write: the list definition it counts with, and the levels
    it shows otherwise than the definition does.

    Word and LibreOffice count every instance of one definition with the same counters (an
    instance that restarts a level aside), and each instance formats them with its own levels:
    articles (第%1条 in Chinese counting) and their clauses (%1.%2, the article's counter in
    Arabic digits) are two instances of one definition, which is how both show 第一条 and 1.1
    without ``w:isLgl``."""

    abstract: int
    """The list definition (``w:abstractNumId``)."""
    overrides: tuple[tuple[int, NumberingLevel], ...] = ()
    """(level, how this instance shows it) for each level shown otherwise
    (``w:lvlOverride/w:lvl``)."""


@dataclass(frozen=True)
class NumberingDefinitions:
    """The lists of a document (``word/numbering.xml``) as plain values."""

    abstracts: Mapping[int, tuple[NumberingLevel, ...]] = field(default_factory=dict)
    """Each list definition (``w:abstractNum``) by id: its levels, level 0 first."""
    nums: Mapping[int, tuple[int, Mapping[int, int]]] = field(default_factory=dict)
    """Each list instance (``w:num``) by numId: its definition's id and the start value each
    overridden level restarts at (``w:lvlOverride/w:startOverride``)."""
    overrides: Mapping[int, Mapping[int, NumberingLevel]] = field(default_factory=dict)
    """The levels each list instance shows otherwise than its definition, by numId and level
    (``w:lvlOverride/w:lvl``); an instance without any is left out."""

    def levels(self, num_id: int) -> tuple[NumberingLevel, ...]:
        """Return the levels list instance `num_id` shows: its definition's, each overridden
        one replaced; () for an unknown instance."""
        if num_id not in self.nums:
            return ()
        levels = list(self.abstracts.get(self.nums[num_id][0], ()))
        for index, level in self.overrides.get(num_id, {}).items():
            if index < len(levels):
                levels[index] = level
        return tuple(levels)


def _numbering_element(document: DocxDocument) -> etree._Element:
    numbering: etree._Element = document.part.numbering_part.element  # python-docx: untyped
    return numbering


def replace_numbering(
    document: DocxDocument,
    abstracts: Sequence[tuple[int, str, Sequence[NumberingLevel]]],
    nums: Mapping[int, ListInstance],
    char_width: Length,
) -> None:
    """Replace every list of `document` by `abstracts` (id, name, levels) and `nums` (numId →
    list instance). Each definition gets a stable ``w:nsid`` hashed from its name; level
    indents are written in characters and in twips of `char_width` (see paragraph.set_indent_chars)."""
    root = _numbering_element(document)
    for child in list(root):
        root.remove(child)
    for abstract_id, name, levels in abstracts:
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(abstract_id))
        nsid = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8].upper()
        _append(abstract, "w:nsid", nsid)
        _append(abstract, "w:multiLevelType", "multilevel")
        _append(abstract, "w:name", name)
        for index, level in enumerate(levels):
            abstract.append(_level_element(index, level, char_width))
        root.append(abstract)
    for num_id, instance in sorted(nums.items()):
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(num_id))
        _append(num, "w:abstractNumId", str(instance.abstract))
        for index, level in instance.overrides:
            override = _append(num, "w:lvlOverride")
            override.set(qn("w:ilvl"), str(index))
            override.append(_level_element(index, level, char_width))
        root.append(num)


def _append(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    """Append a new `tag` child to `parent`, with ``w:val`` = `value` unless None."""
    child = OxmlElement(tag)
    if value is not None:
        child.set(qn("w:val"), value)
    parent.append(child)
    return child


def _level_element(index: int, level: NumberingLevel, char_width: Length) -> etree._Element:
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), str(index))
    _append(lvl, "w:start", str(level.start))
    _append(lvl, "w:numFmt", level.fmt)
    if level.style:
        _append(lvl, "w:pStyle", level.style)
    if level.legal:
        _append(lvl, "w:isLgl")
    _append(lvl, "w:suff", level.suffix)
    _append(lvl, "w:lvlText", level.text)
    _append(lvl, "w:lvlJc", "left")
    if level.indent is not None:
        left, first_line = level.indent
        ind = _append(_append(lvl, "w:pPr"), "w:ind")
        twips = char_width.twips
        ind.set(qn("w:leftChars"), str(left))
        ind.set(qn("w:left"), str(round(twips * left / 100)))
        kind = "firstLine" if first_line >= 0 else "hanging"
        ind.set(qn(f"w:{kind}Chars"), str(abs(first_line)))
        ind.set(qn(f"w:{kind}"), str(round(twips * abs(first_line) / 100)))
    if level.east_asia:
        fonts = _append(_append(lvl, "w:rPr"), "w:rFonts")
        fonts.set(qn("w:eastAsia"), level.east_asia)
        fonts.set(qn("w:hint"), "eastAsia")
    return lvl


def read_numbering(document: DocxDocument) -> NumberingDefinitions:
    """Return the lists `document` defines; a document without numbering.xml has none."""
    root = _numbering_element(document)
    abstracts: dict[int, tuple[NumberingLevel, ...]] = {}
    for abstract in root.findall(qn("w:abstractNum")):
        levels = {int(lvl.get(qn("w:ilvl"), "0")): _read_level(lvl)
                  for lvl in abstract.findall(qn("w:lvl"))}  # fmt: skip
        if levels:
            top = max(levels)
            filler = NumberingLevel(fmt="none", text="")
            ordered = tuple(levels.get(i, filler) for i in range(top + 1))
            abstracts[int(abstract.get(qn("w:abstractNumId"), "0"))] = ordered
    nums: dict[int, tuple[int, Mapping[int, int]]] = {}
    shown: dict[int, Mapping[int, NumberingLevel]] = {}
    for num in root.findall(qn("w:num")):
        num_id = int(num.get(qn("w:numId"), "0"))
        starts = {
            int(override.get(qn("w:ilvl"), "0")): int(_val(override, "w:startOverride") or 1)
            for override in num.findall(qn("w:lvlOverride"))
            if override.find(qn("w:startOverride")) is not None
        }
        nums[num_id] = (int(_val(num, "w:abstractNumId") or 0), starts)
        levels = {int(override.get(qn("w:ilvl"), "0")): _read_level(lvl)
                  for override in num.findall(qn("w:lvlOverride"))
                  if (lvl := override.find(qn("w:lvl"))) is not None}  # fmt: skip
        if levels:
            shown[num_id] = levels
    return NumberingDefinitions(abstracts, nums, shown)


def _read_level(lvl: etree._Element) -> NumberingLevel:
    """Return the level `lvl` (``w:lvl``) defines, as far as counting and showing it go."""
    return NumberingLevel(
        fmt=_val(lvl, "w:numFmt") or "decimal",
        text=_val(lvl, "w:lvlText") or "",
        start=int(_val(lvl, "w:start") or 1),
        legal=lvl.find(qn("w:isLgl")) is not None,
        style=_val(lvl, "w:pStyle"),
        suffix=_val(lvl, "w:suff") or "tab",
    )


def _val(parent: etree._Element, tag: str) -> str | None:
    child = parent.find(qn(tag))
    return None if child is None else child.get(qn("w:val"))


def add_num(
    document: DocxDocument, abstract_id: int, starts: Mapping[int, int], like: int | None = None
) -> int:
    """Add a list instance of definition `abstract_id` whose levels restart at `starts`
    (level → first number), as Word's “Restart at 1” does, and that shows its levels as
    instance `like` does (None: as the definition does); return its numId."""
    # Written as XML text and parsed, as python-docx makes a new table (see table._new_table), for
    # speed: a long regulation restarts lists dozens of times, and each OxmlElement is a
    # document of its own, moved into this one.
    root = _numbering_element(document)
    numbered = (int(num.get(W_NUMID, "0")) for num in root.iterchildren(_W_NUM))
    num_id = max(numbered, default=0) + 1
    overrides = "".join(
        f'<w:lvlOverride w:ilvl="{int(level)}"><w:startOverride w:val="{int(start)}"/>'
        "</w:lvlOverride>"
        for level, start in sorted(starts.items())
    )
    num = parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{int(abstract_id)}"/>'
        f"{overrides}</w:num>"
    )
    if like is not None:
        _copy_level_overrides(root, like, num)
    later = root.find(_W_NUMIDMACATCLEANUP)
    if later is not None:
        later.addprevious(num)
    else:
        root.append(num)
    return num_id


def _copy_level_overrides(root: etree._Element, source_id: int, num: etree._Element) -> None:
    """Give `num` a copy of each level override (``w:lvlOverride/w:lvl``) of the list instance
    `source_id`, beside its own start overrides."""
    source = next((n for n in root.iterchildren(_W_NUM) if n.get(W_NUMID) == str(source_id)), None)
    if source is None:
        return
    for override in source.iterchildren(_W_LVLOVERRIDE):
        lvl = override.find(_W_LVL)
        if lvl is None:
            continue
        ilvl = override.get(W_ILVL)
        target = next((o for o in num.iterchildren(_W_LVLOVERRIDE) if o.get(W_ILVL) == ilvl), None)
        if target is None:
            target = etree.SubElement(num, _W_LVLOVERRIDE)
            target.set(W_ILVL, ilvl or "0")
        target.append(deepcopy(lvl))


def style_numbering(style: BaseStyle) -> tuple[int, int] | None:
    """Return the list (numId, level) `style` itself is numbered with; None when it is not."""
    num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num_pr is None:
        return None
    num_id = _val(num_pr, "w:numId")
    if num_id is None or int(num_id) == 0:
        return None
    return int(num_id), int(_val(num_pr, "w:ilvl") or 0)


_NUMPR_SUCCESSORS = frozenset(qn(tag) for tag in PPR_ORDER[PPR_ORDER.index("w:numPr") + 1 :])
_NUMID_SUCCESSORS = frozenset({qn("w:numberingChange"), qn("w:ins")})
"""What follows ``w:numId`` in ``w:numPr`` (``w:ilvl`` precedes it)."""
_W_NUM = qn("w:num")
_W_NUMIDMACATCLEANUP = qn("w:numIdMacAtCleanup")
_W_LVLOVERRIDE = qn("w:lvlOverride")
_W_LVL = qn("w:lvl")


def set_numbering(target: ParagraphPropertiesTarget, num_id: int, level: int = 0) -> None:
    """Number `target` (a paragraph or paragraph style) at `level` of list `num_id`.

    numId 0 turns numbering off, e.g. for an unnumbered paragraph in a numbered style."""
    ppr = (
        get_or_add_ppr(paragraph_element(target))
        if isinstance(target, Paragraph)
        else target_ppr(target)
    )
    num_pr = ppr.find(W_NUMPR)
    if num_pr is None:
        num_pr = add_child(ppr, W_NUMPR, _NUMPR_SUCCESSORS)
    ilvl = num_pr.find(W_ILVL)
    if ilvl is None:
        ilvl = etree.SubElement(num_pr, W_ILVL)
        num_pr.insert(0, ilvl)
    ilvl.set(W_VAL, str(level))
    numbered = num_pr.find(W_NUMID)
    if numbered is None:
        numbered = add_child(num_pr, W_NUMID, _NUMID_SUCCESSORS)
    numbered.set(W_VAL, str(num_id))


def adopt_numbering(target: DocxDocument, source: DocxDocument) -> dict[int, int]:
    """Copy every list definition and instance of `source` into `target` under new ids; return
    the new numId of each of `source`'s. A level's linked style (``w:pStyle``) is renamed to the
    id `target` gives the style of the same name."""
    source_root = source.part.numbering_part.element
    target_root = target.part.numbering_part.element
    renamed = {
        source_id: target_id
        for name, source_id in style_ids(source).items()
        if (target_id := style_ids(target).get(name)) is not None
    }
    abstract_ids = [int(a.get(qn("w:abstractNumId"), "0"))
                    for a in target_root.findall(qn("w:abstractNum"))]  # fmt: skip
    num_ids = [int(num.get(qn("w:numId"), "0")) for num in target_root.findall(qn("w:num"))]
    abstract_offset = max(abstract_ids, default=-1) + 1
    num_offset = max(num_ids, default=0)
    abstracts = target_root.findall(qn("w:abstractNum"))
    anchor = abstracts[-1] if abstracts else None
    for abstract in source_root.findall(qn("w:abstractNum")):
        copy = deepcopy(abstract)
        copy.set(qn("w:abstractNumId"), str(int(abstract.get(qn("w:abstractNumId"), "0"))
                                             + abstract_offset))  # fmt: skip
        _rename_level_styles(copy, renamed)
        if anchor is None:
            target_root.insert(0, copy)
        else:
            anchor.addnext(copy)
        anchor = copy
    mapping: dict[int, int] = {}
    later = target_root.find(qn("w:numIdMacAtCleanup"))
    for num in source_root.findall(qn("w:num")):
        copy = deepcopy(num)
        _rename_level_styles(copy, renamed)
        old_id = int(num.get(qn("w:numId"), "0"))
        mapping[old_id] = old_id + num_offset
        copy.set(qn("w:numId"), str(mapping[old_id]))
        abstract_ref = copy.find(qn("w:abstractNumId"))
        if abstract_ref is not None:
            value = int(abstract_ref.get(qn("w:val"), "0")) + abstract_offset
            abstract_ref.set(qn("w:val"), str(value))
        if later is not None:
            later.addprevious(copy)
        else:
            target_root.append(copy)
    return mapping


def _rename_level_styles(element: etree._Element, renamed: Mapping[str, str]) -> None:
    """Rename each level's linked style (``w:pStyle``) in `element` by `renamed` (old id →
    new id), dropping a link to a style not in it."""
    for link in list(element.iter(qn("w:pStyle"))):
        old = link.get(qn("w:val"), "")
        if old in renamed:
            link.set(qn("w:val"), renamed[old])
        elif (parent := link.getparent()) is not None:
            parent.remove(link)


def link_style_numbering(
    target: DocxDocument, source: DocxDocument, num_ids: Mapping[int, int]
) -> None:
    """Number each style of `target` as the style of the same name in `source` is, through the
    lists `num_ids` maps (source numId → target numId), replacing any list it had: the
    numbers the writer gives such styles are those of `source`'s lists."""
    targets = style_ids(target)
    for style in source.styles:
        num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is None or style.name not in targets:
            continue
        num_id = num_pr.find(qn("w:numId"))
        value = int(num_id.get(qn("w:val"), "0")) if num_id is not None else 0
        if value not in num_ids:
            continue
        element = target.styles[style.name].element
        existing = element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if existing is not None:
            existing.getparent().remove(existing)
        link = deepcopy(num_pr)
        link.find(qn("w:numId")).set(qn("w:val"), str(num_ids[value]))
        insert_in_order(element.get_or_add_pPr(), link, "w:numPr", PPR_ORDER)
