"""Turn ASCII punctuation standing in Chinese text into full-width punctuation.

Input: blocks from readers.markdown (any document tree). Output: the same blocks where, in
every run of text, ASCII ``, ; : ! ?`` become ，；：！？, ``( )`` become （）, ``" "`` and
``' '`` become “” and ‘’, and ``< >`` around a Chinese title become 《》 — but only in Chinese
context:

* a single mark is converted when the character on at least one side of it is Chinese and it
  does not sit between ASCII letters or digits (甲方,乙方 → 甲方，乙方; 1,234.56 and 9:00 stay);
  ASCII spaces after a converted mark before Chinese text go (联系人: 张三 → 联系人：张三);
* a pair of brackets or quotes is converted together when the text just inside or just
  outside it is Chinese ((一) → （一）, 见附件(附件一) → 见附件（附件一）; ISO 27001(2013)
  stays); 《》 only when everything inside is Chinese, so 响应时间<30分钟 stays;
* URLs, e-mail addresses and any string in `keep` (a party's registered name) are left as
  they are, and so is the text of a cross-reference.

Context runs across inline boundaries: in ``甲方**,乙方**`` the comma sees 方. Converting
twice changes nothing more."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from typing import Any

from policygen.caches import CACHES
from policygen.tree import nodes as n

SINGLE_MARKS = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
"""ASCII marks converted on their own, and their full-width forms."""
BRACKETS = {"(": ("）", ")", "（"), "<": ("》", ">", "《")}
"""Opening ASCII bracket → (full-width closing, ASCII closing, full-width opening)."""
QUOTES = {'"': ("“", "”"), "'": ("‘", "’")}
"""ASCII quote → full-width opening and closing quotes."""

_URL = r"(?:https?|ftp)://[!-~]+"
"""A URL: printable ASCII up to the first space or Chinese character."""
_EMAIL = r"[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
"""An e-mail address. The local part is possessive: '@' cannot be one of its characters, so
giving characters back never helps, and not trying makes a failure cost one pass."""
_PROTECTED = re.compile(rf"{_URL}|(?<![A-Za-z0-9._%+-]){_EMAIL}")
"""URLs and e-mail addresses. An address is only looked for where its local part can start:
from anywhere else in the same run it would match or fail exactly as from the run's start, so
trying every position would cost time quadratic in the run's length."""
_PROTECTED_HERE = re.compile(rf"{_URL}|{_EMAIL}")
"""The same, without the lookbehind: tried where the previous match ended, which may be inside
a run (``a@b.com-c@d.org``), so that the spans are those a plain scan finds."""
_INLINE_TYPES = (n.Text, n.Strong, n.Emphasis, n.Ref, n.LineBreak)
_OPAQUE = "\x00"
"""Stands for a character that may not change (inside a reference or a kept string)."""

_CACHE_SIZE = 8192
"""Most runs of inlines whose conversion is remembered: a batch converts the same paragraphs
in every document, and a hit returns what converting again would."""
_CACHE_MAX_CHARS = 4096
"""Longer runs are converted every time, so the cache stays small in memory."""


def is_chinese(char: str) -> bool:
    """Return whether `char` is a CJK ideograph or CJK / full-width punctuation."""
    if not char:
        return False
    code = ord(char)
    return (
        0x3000 <= code <= 0x303F  # CJK symbols and punctuation 、。《》「」
        or 0x3400 <= code <= 0x4DBF  # Extension A
        or 0x4E00 <= code <= 0x9FFF  # Unified ideographs
        or 0xF900 <= code <= 0xFAFF  # Compatibility ideographs
        or 0xFF01 <= code <= 0xFF60  # Full-width forms （），：；
        or 0x20000 <= code <= 0x3134F  # Extensions B–H (𠮷)
    )


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def convert(text: str, locked: list[bool] | None = None) -> list[str]:
    """Return, for each character of `text`, what it becomes (possibly "" when dropped).

    Characters marked in `locked` never change, but still count as context."""
    locked = list(locked) if locked is not None else [False] * len(text)
    for start, end in protected_spans(text):
        locked[start:end] = [True] * (end - start)
    out = list(text)

    def at(index: int) -> str:
        return text[index] if 0 <= index < len(text) else ""

    _convert_pairs(text, locked, out, at)
    for index, char in enumerate(text):
        if locked[index] or char not in SINGLE_MARKS:
            continue
        before, after = at(index - 1), at(index + 1)
        if _ascii_alnum(before) and _ascii_alnum(after):
            continue
        if not (is_chinese(before) or is_chinese(after) or is_chinese(_next_word(text, index))):
            continue
        out[index] = SINGLE_MARKS[char]
        following = index + 1
        while at(following) == " " and not locked[following]:
            following += 1
        if following > index + 1 and is_chinese(at(following)):
            out[index + 1 : following] = [""] * (following - index - 1)
    return out


def protected_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of every URL and e-mail address in `text`, left to right, in time
    linear in the length of `text`."""
    position = 0
    while True:
        match = _PROTECTED_HERE.match(text, position) if position else None
        match = match or _PROTECTED.search(text, position)
        if match is None:
            return
        yield match.span()
        position = match.end()


def _next_word(text: str, index: int) -> str:
    """Return the first non-space character after `index` when only spaces lie between."""
    following = index + 1
    while following < len(text) and text[following] == " ":
        following += 1
    return text[following] if following > index + 1 and following < len(text) else ""


def _convert_pairs(text: str, locked: list[bool], out: list[str], at: Callable[[int], str]) -> None:
    """Convert matching brackets and quotes of `text` into `out` where their context is Chinese."""
    stack: list[int] = []
    for index, char in enumerate(text):
        if locked[index]:
            continue
        if char in BRACKETS:
            stack.append(index)
        elif stack and char == BRACKETS[text[stack[-1]]][1]:
            start = stack.pop()
            inside = text[start + 1 : index]
            opening = text[start]
            if opening == "<":
                chinese = bool(inside) and all(is_chinese(c) for c in inside)
            else:
                edges = (at(start - 1), at(start + 1), at(index - 1), at(index + 1))
                chinese = any(is_chinese(c) for c in edges)
            if chinese and not any(locked[start : index + 1]):
                closing, _, full_opening = BRACKETS[opening]
                out[start], out[index] = full_opening, closing
    for quote, (opening, closing) in QUOTES.items():
        candidates = [
            index
            for index, char in enumerate(text)
            if char == quote
            and not locked[index]
            and not (_ascii_alnum(at(index - 1)) and _ascii_alnum(at(index + 1)))
        ]
        for start, end in zip(candidates[::2], candidates[1::2], strict=False):
            if any(is_chinese(c) for c in text[start + 1 : end]):
                out[start], out[end] = opening, closing


# --------------------------------------------------------------------------- the tree


def normalise(blocks: tuple[n.Block, ...], *, keep: Iterable[str] = ()) -> tuple[n.Block, ...]:
    """Return `blocks` with Chinese-context ASCII punctuation made full-width.

    Occurrences of the strings in `keep` (e.g. registered party names that contain ASCII
    punctuation on purpose) are left exactly as they are."""
    kept = tuple(sorted({k for k in keep if k}, key=len, reverse=True))
    return tuple(_node(block, kept) for block in blocks)


def normalise_inlines(
    inlines: tuple[n.Inline, ...], keep: tuple[str, ...] = ()
) -> tuple[n.Inline, ...]:
    """Return `inlines` normalised as one run of text (context crosses inline boundaries)."""
    leaves: list[tuple[str, bool]] = []
    _collect(inlines, leaves)
    text = "".join(piece for piece, _ in leaves)
    # A kept string that does not occur changes nothing: leaving it out of the key lets runs
    # of documents naming different parties share the cache.
    keep = tuple(kept for kept in keep if kept in text)
    if len(text) > _CACHE_MAX_CHARS:
        return _normalised(inlines, keep)
    return _normalised_cached(inlines, keep)


@CACHES.memo(maxsize=_CACHE_SIZE)
def _normalised_cached(
    inlines: tuple[n.Inline, ...], keep: tuple[str, ...]
) -> tuple[n.Inline, ...]:
    return _normalised(inlines, keep)


def _normalised(inlines: tuple[n.Inline, ...], keep: tuple[str, ...]) -> tuple[n.Inline, ...]:
    leaves: list[tuple[str, bool]] = []
    _collect(inlines, leaves)
    text = "".join(piece for piece, _ in leaves)
    locked = [not editable for piece, editable in leaves for _ in piece]
    for kept in keep:
        for match in re.finditer(re.escape(kept), text):
            locked[match.start() : match.end()] = [True] * len(kept)
    out = convert(text, locked)
    if "".join(out) == text:
        return inlines  # nothing to convert: the same run, so tree walks see no change
    position = [0]

    def take(length: int) -> str:
        start = position[0]
        position[0] += length
        return "".join(out[start : start + length])

    return _rebuild(inlines, take)


def _collect(inlines: tuple[n.Inline, ...], leaves: list[tuple[str, bool]]) -> None:
    for node in inlines:
        match node:
            case n.Text(text=text):
                leaves.append((text, True))
            case n.Strong(children=children) | n.Emphasis(children=children):
                _collect(children, leaves)
            case n.Ref(text=text, target=target):
                leaves.append((text or target or _OPAQUE, False))
            case n.LineBreak():
                leaves.append(("\n", False))


def _rebuild(inlines: tuple[n.Inline, ...], take: Callable[[int], str]) -> tuple[n.Inline, ...]:
    out: list[n.Inline] = []
    for node in inlines:
        match node:
            case n.Text(text=text):
                out.append(replace(node, text=take(len(text))))
            case n.Strong(children=children) | n.Emphasis(children=children):
                out.append(replace(node, children=_rebuild(children, take)))
            case n.Ref(text=text, target=target):
                take(len(text or target or _OPAQUE))
                out.append(node)
            case n.LineBreak():
                take(1)
                out.append(node)
    return tuple(out)


def _is_inlines(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and bool(value)
        and all(isinstance(item, _INLINE_TYPES) for item in value)
    )


@CACHES.memo
def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields builds its answer anew on every call; the walk asks once per class.
    return tuple(f.name for f in fields(cls))


def _normalise_text(text: str, keep: tuple[str, ...]) -> str:
    """Return `text` normalised as one run of plain text (a table's caption)."""
    match normalise_inlines((n.Text(text),), keep):
        case (n.Text(text=converted),):
            return converted
    raise AssertionError("one run of text normalises to one run of text")


def _node(node: Any, keep: tuple[str, ...]) -> Any:
    """Return `node` normalised; `node` itself (not a copy) when nothing in it changes."""
    if isinstance(node, tuple):
        children = tuple(_node(child, keep) for child in node)
        return node if all(a is b for a, b in zip(children, node, strict=True)) else children
    if not hasattr(node, "__dataclass_fields__") or isinstance(node, _INLINE_TYPES):
        return node
    if isinstance(node, n.SignatureBlock):
        return node  # names and signing lines are written as registered
    changes: dict[str, Any] = {}
    for name in _field_names(type(node)):
        value = getattr(node, name)
        new: object
        if _is_inlines(value):
            new = normalise_inlines(value, keep)
        elif isinstance(value, tuple) or hasattr(value, "__dataclass_fields__"):
            new = _node(value, keep)
        elif name == "caption" and isinstance(value, str) and value:
            new = _normalise_text(value, keep)
        else:
            continue
        if new is not value and new != value:
            changes[name] = new
    return replace(node, **changes) if changes else node
