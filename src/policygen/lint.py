"""Check the wording of rendered documents against the house rules of wording.yaml.

Input: a numbered document tree with what the rules need to know about it (its kind, the
organisation's industry and self-names: a LintContext), or a profile, whose document set is built
as `policygen render` builds it; and the rules in templates/zh/wording.yaml (the first found in the
template folders). Output: one WordingFinding per inconsistency, naming the document, the rule,
where it is as the document prints it (第十二条 （二）, 6.5, 鉴于 （三）), the offending text
with a few characters around it, and a Chinese message with English after.

Rules (ids as findings name them): ``numerals`` (periods and counts in one numeral style, GB/T
15835-2011), ``day-unit`` (日, not 天), ``or`` (或者, not bare 或), ``item-punctuation`` (；
between items, 。 after the last, ： before a sub-list), ``single-item-list``, ``space`` (no
half-width space inside Chinese text), ``glossary`` (one term for one thing) and ``self-name``
(甲方, not 本行, in an agreement). Registered party names are never checked: they are printed as
registered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.kinds import DOCUMENT_KINDS
from policygen.numerals import CN_NUMBER_LIMIT, CN_NUMERAL_CHARS, cn_number, cn_value
from policygen.profile.model import Profile
from policygen.profile.types import Industry
from policygen.templating.environment import environment_for
from policygen.transforms.punctuation import is_chinese
from policygen.tree import nodes as n
from policygen.tree.text import inline_text
from policygen.tree.walk import Place, node_texts, walk
from policygen.writers.text import labelled

if TYPE_CHECKING:
    from policygen.pipeline import Built

WORDING = "wording.yaml"

# --------------------------------------------------------------------------- the rules file


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NumeralStyle = Literal["chinese", "arabic"]


class NumeralRules(_Section):
    """How periods and counts are written (wording.yaml `numerals`)."""

    style: NumeralStyle = "chinese"
    """``chinese`` (十五日) or ``arabic`` (15日) in every document…"""
    kinds: dict[str, NumeralStyle] = Field(default_factory=dict)
    """…except the document kinds named here."""
    units: tuple[str, ...] = Field(min_length=1)
    """Units that make a number a period or a count: 日, 个工作日, 个月, 次 …"""
    two: str = "两"
    """How a suggestion writes 2 before a unit (两小时)."""
    keep: tuple[str, ...] = ()
    """Words never reported, whatever the style: 二次开发."""
    table_prefixes: tuple[str, ...] = ()
    """Words before the number in a table cell that holds one measure (不超过2小时)."""
    table_suffixes: tuple[str, ...] = ()
    """Words after the unit in such a cell (30分钟以内)."""


class DayUnitRules(_Section):
    """Periods in 日, not 天 (wording.yaml `day_unit`)."""

    words: dict[str, str] = Field(default_factory=dict)
    """Words with 天 and what to write instead: 当天 → 当日."""


class OrRules(_Section):
    """或者, not bare 或 (wording.yaml `or`)."""

    keep: tuple[str, ...] = ()
    """Words whose 或 is not the conjunction: 或许, 不可或缺, 和/或."""


class ItemRules(_Section):
    """How list items end (wording.yaml `items`)."""

    between: str = "；"
    """The end of every item but the last."""
    last: str = "。"
    """The end of the last item."""
    before_sublist: str = "："
    """The end of an item's text that introduces a nested list, and of a lead-in paragraph."""
    sentences_after: tuple[str, ...] = ()
    """Ends of lead-ins (具有如下含义：) after which every item is a sentence ending with `last`."""


class GlossaryEntry(_Section):
    """One term and the words it replaces (wording.yaml `glossary`)."""

    use: str = Field(min_length=1)
    """The term to write."""
    avoid: tuple[str, ...] = Field(min_length=1)
    """Words to write it instead of."""
    industries: tuple[str, ...] = ()
    """Industries (organisation.industry) the entry holds for; empty for all."""
    kinds: tuple[str, ...] = ()
    """Document kinds the entry holds for; empty for all."""
    reason: str = ""
    """Why, shown in the finding."""


class SelfNameRules(_Section):
    """Agreements name the organisation 甲方 (wording.yaml `self_name`)."""

    kinds: tuple[str, ...] = ()
    """The document kinds checked."""
    names: tuple[str, ...] = ()
    """Generic self-names (本行, 本公司); the organisation's short_name is added."""
    keep: tuple[str, ...] = ()
    """Words holding a self-name that mean something else: 本行业."""


class Wording(_Section):
    """The house wording rules, as written in wording.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    numerals: NumeralRules
    day_unit: DayUnitRules = Field(default_factory=DayUnitRules)
    or_: OrRules = Field(default_factory=OrRules, alias="or")
    items: ItemRules = Field(default_factory=ItemRules)
    glossary: tuple[GlossaryEntry, ...] = ()
    self_name: SelfNameRules = Field(default_factory=SelfNameRules)


def wording_rules(template_dirs: Sequence[Path] = ()) -> Wording:
    """Return the wording rules from the first template folder that has a wording.yaml."""
    for folder in environment_for(template_dirs).folders:
        path = folder / WORDING
        if path.is_file():
            return _load(str(path))
    raise RenderError(f"找不到 {WORDING} (wording rules missing)")


@CACHES.memo(files=True)
def _load(path: str) -> Wording:
    data = CACHES.read_yaml(path)
    try:
        rules = Wording.model_validate(data)
    except ValidationError as exc:
        raise RenderError(f"{path} 格式有误 (invalid wording rules): {exc}") from None
    kinds = [
        *rules.numerals.kinds,
        *rules.self_name.kinds,
        *(kind for entry in rules.glossary for kind in entry.kinds),
    ]
    unknown = sorted(set(kinds) - set(DOCUMENT_KINDS))
    if unknown:
        raise RenderError(f"{path}: 未知的文档类型 {unknown} (unknown document kind)")
    industries = {industry for entry in rules.glossary for industry in entry.industries}
    unknown = sorted(industries - {member.value for member in Industry})
    if unknown:
        raise RenderError(f"{path}: 未知的行业 {unknown} (unknown industry)")
    return rules


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class LintContext:
    """What the rules need to know about one document besides its text."""

    kind: str
    """The document kind, e.g. ``contract``."""
    name: str = ""
    """The document as findings name it: the output file stem, e.g.
    ``contract-MY-ITO-2026-001``; empty for the kind."""
    industry: str = ""
    """The organisation's industry (organisation.industry), e.g. ``banking``; empty if unknown."""
    self_names: tuple[str, ...] = ()
    """What the organisation calls itself (organisation.short_name), besides the generic names."""
    keep: tuple[str, ...] = ()
    """Registered names of the parties: printed as registered, never checked."""

    @classmethod
    def for_profile(cls, profile: Profile, kind: str, name: str = "") -> LintContext:
        """Return the context of a document of `kind` rendered from `profile`, named `name`."""
        organisation = profile.organisation
        return cls(
            kind=kind,
            name=name,
            industry=str(organisation.industry.value),
            self_names=(organisation.short_name,),
            keep=(organisation.name, *(e.vendor.name for e in profile.engagements)),
        )


@dataclass(frozen=True)
class WordingFinding:
    """One wording inconsistency in one document."""

    document: str
    """The document: its output file stem, e.g. ``contract-MY-ITO-2026-001``."""
    rule: str
    """The rule's id, e.g. ``numerals``."""
    where: str
    """Where it is, as the document prints it: 第十二条 （二）, 6.5, 鉴于 （三）, 标题."""
    text: str
    """The offending text, e.g. 90天."""
    excerpt: str
    """The offending text with a few characters either side."""
    message: str
    """What is wrong and what to write, in Chinese with English after."""

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class _Text:
    """A piece of printed text as a text rule sees it."""

    text: str
    masked: str
    """`text` with the parties' registered names blanked out (same length)."""
    cell: bool = False
    """Whether the text is a table cell."""


TextRule = Callable[[_Text, LintContext, Wording], Iterator[_Hit]]


# --------------------------------------------------------------------------- text rules

_ARABIC = "0-9０-９"
_NOT_BEFORE_ARABIC = frozenset(".,:/*×xX-_第")
"""A number right after one of these is a decimal, code, time of day, 7×24 or ordinal."""
_BLANK = "\x00"


@CACHES.memo
def _unit_pattern(units: tuple[str, ...]) -> str:
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


@CACHES.memo
def _measure_cell(
    units: tuple[str, ...], prefixes: tuple[str, ...], suffixes: tuple[str, ...]
) -> re.Pattern[str]:
    """Return the pattern of a table cell that holds one measure: 不超过2小时, 每30分钟."""

    def words(items: tuple[str, ...]) -> str:
        return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True)) or "(?!)"

    number = rf"[{_ARABIC}{CN_NUMERAL_CHARS}]+(?:[.．][{_ARABIC}]+)?"
    return re.compile(
        rf"(?:{words(prefixes)})?\s*{number}\s*(?:{_unit_pattern(units)})(?:{words(suffixes)})?"
    )


def _numerals(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """Periods and counts (an integer and a unit of wording.yaml) in the document's style."""
    numerals = rules.numerals
    cell = _measure_cell(numerals.units, numerals.table_prefixes, numerals.table_suffixes)
    if piece.cell and cell.fullmatch(piece.text.strip()):
        return
    style = numerals.kinds.get(context.kind, numerals.style)
    units = _unit_pattern(numerals.units)
    text = _blank(piece.masked, numerals.keep)
    if style == "chinese":  # 15个工作日, and 15 个工作日 (which `space` reports as well)
        pattern = rf"(?<![{_ARABIC}])([{_ARABIC}]+)[ \u00a0]*({units})"
    else:
        pattern = rf"(?<![{CN_NUMERAL_CHARS}])([{CN_NUMERAL_CHARS}]+)({units})"
    for match in re.finditer(pattern, text):
        number, unit = match.groups()
        before = text[: match.start()].rstrip(" \u00a0")[-1:]  # 7 × 24小时 as 7×24小时
        after = text[match.end() : match.end() + 4]
        if before == "第" or (unit == "日" and before == "月"):
            continue  # 第1期, 第三次: ordinals; 3月1日, 每月15日: dates
        if unit == "年" and (len(number) == 4 or re.match(rf"[{_ARABIC}]+月", after)):
            continue  # 2026年, 2026年1月1日: dates
        if style == "chinese":
            if (before.isascii() and before.isalnum()) or before in _NOT_BEFORE_ARABIC:
                continue  # P1级, ISO 27001, 7×24小时, 1.5小时, 9:00
            value = int(number)
            if value >= CN_NUMBER_LIMIT:
                continue
            written = numerals.two if value == 2 else cn_number(value)
            wanted, words = "汉字数字", "Chinese numerals"
        else:
            if "〇" in number:
                continue  # 二〇二六年: a year written out
            value = cn_value(number)
            if value <= 1:
                continue  # 一次, 一年: a word as much as a count (GB/T 15835 §4.2)
            written, wanted, words = str(value), "阿拉伯数字", "Arabic numerals"
        shown = match.group()
        suggestion = written + ("日" if unit == "天" else unit)
        yield _Hit(
            match.start(),
            match.end(),
            f"本文档的期限和次数用{wanted}：「{shown}」应写作「{suggestion}」"
            f" (periods and counts in {words}, GB/T 15835-2011 §4.3)",
        )


def _day_unit(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """Periods in 日, not 天."""
    text = piece.masked
    for match in re.finditer(rf"[{_ARABIC}]+天|[{CN_NUMERAL_CHARS}]+天", text):
        shown = match.group()
        yield _Hit(
            match.start(),
            match.end(),
            f"期限以「日」计：「{shown}」应写作「{shown[:-1]}日」 (periods in 日, not 天)",
        )
    for word, instead in rules.day_unit.words.items():
        for match in re.finditer(re.escape(word), text):
            yield _Hit(
                match.start(),
                match.end(),
                f"「{word}」应写作「{instead}」 (日, not 天)",
            )


def _or(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """The conjunction 或者, not bare 或."""
    text = _blank(piece.masked, rules.or_.keep)
    for match in re.finditer("或(?!者)", text):
        yield _Hit(
            match.start(),
            match.end(),
            "连词用「或者」，不单用「或」 (the conjunction is 或者, not bare 或)",
        )


def _space(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """No half-width space between Chinese characters, or between Chinese and a digit."""
    text = piece.masked
    for match in re.finditer("[ \u00a0]+", text):
        before = text[: match.start()].rstrip(" \u00a0")[-1:]  # 7 × 24小时 as 7×24小时
        after = text[match.end()] if match.end() < len(text) else ""
        chinese = is_chinese(before), is_chinese(after)
        if all(chinese) or (any(chinese) and (before.isdigit() or after.isdigit())):
            yield _Hit(
                match.start() - 1,
                match.end() + 1,
                f"「{before}{match.group()}{after}」应写作「{before}{after}」：中文之间、中文与"
                "数字之间不加半角空格 (no half-width space inside Chinese text)",
            )


def _glossary(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """One term for one thing; titles in 《》 are quoted as they are."""
    titles = re.sub("《[^《》]*》", lambda m: _BLANK * len(m.group()), piece.masked)
    for entry in rules.glossary:
        if entry.industries and context.industry not in entry.industries:
            continue
        if entry.kinds and context.kind not in entry.kinds:
            continue
        text = _blank(titles, (entry.use,))
        reason = f"：{entry.reason}" if entry.reason else ""
        for avoid in entry.avoid:
            for match in re.finditer(re.escape(avoid), text):
                yield _Hit(
                    match.start(),
                    match.end(),
                    f"用「{entry.use}」，不用「{avoid}」{reason} (glossary: write {entry.use})",
                )


def _self_name(piece: _Text, context: LintContext, rules: Wording) -> Iterator[_Hit]:
    """No self-name of the organisation in an agreement: only 甲方."""
    if context.kind not in rules.self_name.kinds:
        return
    names = dict.fromkeys(
        name for name in (*rules.self_name.names, *context.self_names) if name and name != "甲方"
    )
    text = _blank(piece.masked, rules.self_name.keep)
    for name in names:
        for match in re.finditer(re.escape(name), text):
            yield _Hit(
                match.start(),
                match.end(),
                f"协议中称「甲方」，不用组织自称「{name}」"
                " (an agreement names the organisation 甲方, not by its self-name)",
            )


def _blank(text: str, words: Iterable[str]) -> str:
    """Return `text` with every occurrence of `words` (longest first) blanked out."""
    for word in sorted((w for w in words if w), key=len, reverse=True):
        text = text.replace(word, _BLANK * len(word))
    return text


TEXT_RULES: dict[str, TextRule] = {
    "numerals": _numerals,
    "day-unit": _day_unit,
    "or": _or,
    "space": _space,
    "glossary": _glossary,
    "self-name": _self_name,
}
"""Rules that read each piece of printed text, by id."""

LIST_RULES = ("item-punctuation", "single-item-list")
"""Rules that read the lists of the tree (`_item_endings`, `_single_item`)."""

RULES = (*TEXT_RULES, *LIST_RULES)
"""Every rule id, in the order findings at one place are reported."""


# --------------------------------------------------------------------------- list rules

_CLOSING = "”’」』"
"""Closing quotes after an item's last punctuation mark: the mark is the one before them."""

_LISTS = (n.OrderedList, n.BulletList)


@dataclass(frozen=True)
class _ListHit:
    rule: str
    item: n.ListItem
    """The item the finding is placed at."""
    text: str
    excerpt: str
    message: str


def _single_item(lst: n.OrderedList | n.BulletList) -> Iterator[_ListHit]:
    """A list of one item: a single action pasted as a list."""
    if len(lst.items) != 1:
        return
    item = lst.items[0]
    text = _item_text(item)
    shown = labelled(item.label, text[:16] + ("…" if len(text) > 16 else ""))
    yield _ListHit(
        "single-item-list",
        item,
        text,
        shown,
        f"只有一项的列举「{shown}」：一项内容写成一段，不必列举"
        " (a list of one item: write it as a sentence)",
    )


def _item_endings(
    lst: n.OrderedList | n.BulletList,
    rules: ItemRules,
    *,
    final: bool = True,
    sentences: bool = False,
) -> Iterator[_ListHit]:
    """How the items of `lst` and of the lists inside it end. An enumeration (`sentences`
    False) ends every item but the last with `rules.between`, and the last with `rules.last`
    when `final` (nothing follows the list in its sentence); a list of `sentences` ends every
    item with `rules.last`; an item's text before a nested list ends with
    `rules.before_sublist`. Items that end alike are reported together, at the first of them."""
    wrong: dict[tuple[str, str], list[tuple[n.ListItem, str]]] = {}
    for k, item in enumerate(lst.items, start=1):
        last = sentences or (final and k == len(lst.items))
        sub = next((b for b in item.blocks if isinstance(b, _LISTS)), None)
        before = item.blocks if sub is None else item.blocks[: item.blocks.index(sub)]
        paragraphs = [b for b in before if isinstance(b, n.Paragraph)]
        if sub is not None:
            yield from _item_endings(sub, rules, final=last)
            expected = rules.before_sublist
        else:
            expected = rules.last if last else rules.between
        if not paragraphs:
            continue
        text = inline_text(paragraphs[-1].inlines).rstrip().rstrip(_CLOSING)
        end = text[-1] if text and not text[-1].isalnum() else ""
        if end != expected:
            wrong.setdefault((expected, end), []).append((item, text))
    if sentences:
        convention = f"各项是独立的句子 (each item is a sentence: end it with {rules.last})"
    else:
        convention = (
            f"列举项以「{rules.between}」分隔、以「{rules.last}」结束，引出下一级列举的项以"
            f"「{rules.before_sublist}」结尾 (items end with {rules.between}, the last with"
            f" {rules.last}, one before a sub-list with {rules.before_sublist})"
        )
    for (expected, end), items in wrong.items():
        item, text = items[0]
        labels = [i.label for i, _ in items if i.label]
        if len(labels) > 3:
            labels = [labels[0], f"{labels[1]}……{labels[-1]}（共{len(items)}项）"]
        which = "、".join(labels) or f"{len(items)}项"
        ending = f"以「{end}」结尾" if end else "没有结尾标点"
        yield _ListHit(
            "item-punctuation",
            item,
            end or text[-1:],
            text[-12:],
            f"{which}{ending}，应以「{expected}」结尾：{convention}",
        )


def _list_kind(lead_in: n.Block | None, rules: ItemRules) -> bool:
    """Return whether a list after `lead_in` (the block before it; None when it comes first)
    is a run of sentences rather than an enumeration. An enumeration completes its lead-in:
    a paragraph ending with `rules.before_sublist` (下列……：) or a heading (鉴于); the items
    of any other list (clauses 2.1, 2.2 directly under an article's title) are sentences, and
    so are those after a lead-in ending with one of `rules.sentences_after`."""
    if isinstance(lead_in, n.Heading):
        return False
    if not isinstance(lead_in, n.Paragraph):
        return True
    text = inline_text(lead_in.inlines).rstrip()
    if not text.endswith(rules.before_sublist):
        return True
    return any(text.endswith(words) for words in rules.sentences_after)


def _nested_lists(lst: n.OrderedList | n.BulletList) -> Iterator[n.OrderedList | n.BulletList]:
    for item in lst.items:
        for block in item.blocks:
            if isinstance(block, _LISTS):
                yield block
                yield from _nested_lists(block)


def _item_text(item: n.ListItem) -> str:
    for block in item.blocks:
        if isinstance(block, n.Paragraph):
            return inline_text(block.inlines)
    return ""


# --------------------------------------------------------------------------- documents

_DOTTED = re.compile(r"^\d+(?:\.\d+)+$")
_ARTICLE = re.compile(r"^第.+条$")
_CHAPTER = re.compile(r"^第.+章$")


def _where(place: Place, heading: str) -> str:
    """Return where `place` is, as the document prints it: from the innermost clause (6.5) or
    article (第十二条) on; outside any article, after the heading that precedes it."""
    parts = [p for p in place if p and p != "正文" and not p.startswith("{#")]
    dotted = [i for i, p in enumerate(parts) if _DOTTED.match(p)]
    articles = [i for i, p in enumerate(parts) if _ARTICLE.match(p)]
    if dotted or articles:
        return " ".join(parts[(dotted or articles)[-1] :])
    if any(_CHAPTER.match(p) for p in parts):
        return " ".join(parts)
    return " ".join([heading, *parts] if heading else parts) or "正文"


@dataclass(frozen=True)
class _Found:
    position: tuple[int, int]
    """The index of the node in reading order (-1 for the title and subtitle), and of the
    piece of its text (a table's cells)."""
    rule: str
    where: str
    text: str
    excerpt: str
    message: str


def lint_document(
    doc: n.Document, context: LintContext, rules: Wording | None = None
) -> list[WordingFinding]:
    """Return the wording findings of `doc` in reading order, each once per place (rules in
    the order of RULES at one place). When `rules` is None, use the bundled wording.yaml.
    The rules are Chinese: the English paragraphs of a bilingual document are not read."""
    if rules is None:
        rules = wording_rules()
    from policygen.bilingual import without_english

    doc = replace(doc, blocks=without_english(doc.blocks))
    found: list[_Found] = []

    def check_text(text: str, position: tuple[int, int], where: str, *, cell: bool = False) -> None:
        if not text:
            return
        piece = _Text(text, _blank(text, context.keep), cell)
        for rule, check in TEXT_RULES.items():
            for hit in _without_overlaps(check(piece, context, rules)):
                start, end = max(hit.start, 0), min(hit.end, len(text))
                excerpt = text[max(0, start - 6) : end + 6].replace("\n", " ")
                found.append(_Found(position, rule, where, text[start:end], excerpt, hit.message))

    check_text(doc.title, (-1, 0), "标题")
    check_text(doc.subtitle, (-1, 1), "副标题")
    heading = ""
    lead_ins = _lead_ins(doc.blocks)
    nested: set[int] = set()
    items: dict[int, tuple[int, str]] = {}  # id of a list item → (position, where)
    hits: list[_ListHit] = []
    for position, (node, place) in enumerate(walk(doc.blocks)):
        if isinstance(node, n.Article | n.Chapter):
            heading = ""
        where = _where(place, heading)
        if isinstance(node, n.Heading):
            heading = inline_text(node.inlines)  # names what follows it outside any article
        if isinstance(node, n.ListItem):
            items[id(node)] = (position, where)
        if isinstance(node, n.Article | n.Chapter):
            lead_ins |= _lead_ins(node.blocks)
        for index, (text, here) in enumerate(node_texts(node, place)):
            cell = isinstance(node, n.Table) and index > 0
            here_is = where if here == place else _where(here, heading)
            check_text(text, (position, index), here_is, cell=cell)
        if isinstance(node, _LISTS):
            hits += _single_item(node)
            if id(node) not in nested:
                sentences = _list_kind(lead_ins.get(id(node)), rules.items)
                hits += _item_endings(node, rules.items, sentences=sentences)
                nested.update(id(sub) for sub in _nested_lists(node))
    for hit in hits:
        position, where = items[id(hit.item)]
        found.append(_Found((position, 0), hit.rule, where, hit.text, hit.excerpt, hit.message))
    order = {rule: k for k, rule in enumerate(RULES)}
    found.sort(key=lambda f: (f.position, order[f.rule]))
    name = context.name or context.kind
    unique = dict.fromkeys((f.rule, f.where, f.text, f.excerpt, f.message) for f in found)
    return [WordingFinding(name, *key) for key in unique]


def _lead_ins(blocks: tuple[n.Block, ...]) -> dict[int, n.Block | None]:
    """Return, for each list among `blocks` (by id), the block before it; None for the first."""
    return {
        id(block): blocks[k - 1] if k else None
        for k, block in enumerate(blocks)
        if isinstance(block, _LISTS)
    }


def _without_overlaps(hits: Iterable[_Hit]) -> Iterator[_Hit]:
    """Yield `hits` left to right, leaving out any that overlaps one already yielded."""
    end = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start >= end:
            end = hit.end
            yield hit


def lint_set(
    profile: Profile, *, template_dirs: Sequence[Path] = (), built: Sequence[Built] | None = None
) -> list[WordingFinding]:
    """Return the wording findings of every document the full set for `profile` holds, built
    as `policygen render` builds it with `template_dirs`; `built` is that set already built
    (None: build it here)."""
    from policygen.pipeline import build_set

    rules = wording_rules(template_dirs)
    findings: list[WordingFinding] = []
    for one in built if built is not None else build_set(profile, template_dirs=template_dirs):
        stem = one.job.stem
        context = LintContext.for_profile(profile, one.job.kind.name, stem)
        findings += lint_document(one.document, context, rules)
    return findings


__all__ = [
    "RULES",
    "LintContext",
    "Wording",
    "WordingFinding",
    "lint_document",
    "lint_set",
    "wording_rules",
]
