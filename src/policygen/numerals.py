"""Chinese numerals: counts and ordinals as 民法典 writes them (一百零一, 第一百一十).

Below every layer that prints a number in words: the template filters (templating.filters),
the clause numbering (transforms.numbering, writers.docx.numbering) and the wording rules
(lint) all take them from here."""

from __future__ import annotations

from policygen.caches import CACHES


def not_none(value: object, filter_name: str) -> None:
    """Raise ValueError, naming `filter_name`, when `value` is None: a template cannot print
    nothing where the profile has no value."""
    if value is None:
        raise ValueError(
            f"{filter_name}：值为空（None），模板不能输出空值，请在资料中填写该项 "
            f"({filter_name} got None; fill in the value in the profile)"
        )


CN_NUMBER_LIMIT = 10**8
"""`cn_number` writes 0 up to 99,999,999 (below 1亿)."""

_LOWER_DIGITS = "零一二三四五六七八九"
_LOWER_PLACES = ("", "十", "百", "千")


def cn_number(n: int) -> str:
    """Return `n` in lower-case Chinese numerals for counts and labels, 民法典 style.

    1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 101 → 一百零一, 110 → 一百一十, 470 → 四百七十, 0 → 零.
    Raise ValueError for None or `n` outside 0..99,999,999 (see `CN_NUMBER_LIMIT`).

    The same text as cn2an's ``an2cn(n, "low")`` for every such `n` (the tests check it against
    cn2an), written here because importing cn2an costs a new process about 0.1 s — it compiles
    the patterns of its parsers and a table of place names that policygen never uses — which is
    a tenth of rendering a whole document set."""
    not_none(n, "cn_number")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"cn_number：应为整数 (expected int, got {type(n).__name__})")
    if not 0 <= n < CN_NUMBER_LIMIT:
        raise ValueError(f"cn_number：{n} 超出范围，须在0至99999999之间 (must be in 0..99,999,999)")
    return _lower_number(n)


@CACHES.memo(maxsize=4096)
def _lower_number(n: int) -> str:
    if n == 0:
        return _LOWER_DIGITS[0]
    wan, rest = divmod(n, 10_000)
    text = ""
    if wan:
        text = _lower_group(wan) + "万"
        if rest and rest < 1000:
            text += _LOWER_DIGITS[0]  # 一万零一百: a skipped thousand reads 零
    if rest:
        text += _lower_group(rest)
    # 十一, 十万 at the start; 一百一十, 一万零一十 inside.
    return text[1:] if text.startswith("一十") else text


def _lower_group(n: int) -> str:
    """Return 1 ≤ `n` ≤ 9999 as 一千零一十: one 零 for each run of skipped places inside."""
    out: list[str] = []
    gap = False
    for place in (3, 2, 1, 0):
        digit = n // 10**place % 10
        if not digit:
            gap = bool(out)
            continue
        if gap:
            out.append(_LOWER_DIGITS[0])
            gap = False
        out.append(_LOWER_DIGITS[digit] + _LOWER_PLACES[place])
    return "".join(out)


def ordinal(n: int) -> str:
    """Return the ordinal 第`n` in Chinese numerals: 1 → 第一, 110 → 第一百一十.

    Raise ValueError for None or `n` below 1."""
    not_none(n, "ordinal")
    if isinstance(n, int) and not isinstance(n, bool) and n < 1:
        raise ValueError(f"ordinal：序号须从1开始，现为{n} (must be at least 1, got {n})")
    return "第" + cn_number(n)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_PLACES = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "".join([*_CN_DIGITS, *_CN_PLACES, "万"])
"""The characters a Chinese numeral that `cn_value` reads is written with."""


def cn_value(numeral: str) -> int:
    """Return the value of the Chinese numeral `numeral` (written with CN_NUMERAL_CHARS):
    十五 → 15, 一百零一 → 101, 两万 → 20000; the inverse of `cn_number`."""
    total = section = 0
    digit: int | None = None
    for char in numeral:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_PLACES:
            section += (1 if digit is None else digit) * _CN_PLACES[char]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
    return total + section + (digit or 0)
