"""Turn profile values into the Chinese text templates print.

Input: one value from a validated profile (an amount, a count, a date, a percentage, a Duration,
an enum member, a list of names). Output: a str, e.g. 人民币壹拾万元整, 第一百一十条,
2026年1月1日, 99.9%, 5个工作日, 每季度, 机密, 甲、乙和丙.

Every filter is a plain typed function that takes the value first, as Jinja filters do, and is
registered once in `FILTERS` at the bottom. None is always an error: a template must not print
"None" into a contract. Fixed wording a legal team may want to change (enum labels, units,
frequency words) lives in templates/zh/terms.yaml; the characters of 人民币大写 and the Chinese
numerals are fixed by rule and live here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from jinja2.runtime import Context
from ruamel.yaml.error import YAMLError

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.numerals import CN_NUMBER_LIMIT, cn_number, not_none, ordinal
from policygen.profile.types import Duration, Frequency, shift_months
from policygen.transforms.punctuation import is_chinese

if TYPE_CHECKING:
    from policygen.instruments import Instrument

# --------------------------------------------------------------------------- terms.yaml

TERMS_RESOURCE = "templates/zh/terms.yaml"
"""Where the fixed Chinese wording lives, relative to the policygen package."""


@CACHES.memo(files=True)
def terms() -> Mapping[str, Mapping[str, str]]:
    """Return the wording in terms.yaml: section (enum class name or word table) → key → words.

    Load the file once while it is unchanged; raise RenderError if it is not a mapping of
    mappings of strings."""
    try:
        data = CACHES.read_yaml(str(resources.files("policygen").joinpath(TERMS_RESOURCE)))
    except YAMLError as exc:
        raise RenderError(f"{TERMS_RESOURCE} 不是有效的 YAML (invalid YAML): {exc}") from exc
    if not isinstance(data, dict):
        raise RenderError(f"{TERMS_RESOURCE} 应为映射 (must be a mapping)")
    for section, table in data.items():
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in table.items()
        ):
            raise RenderError(
                f"{TERMS_RESOURCE} 中「{section}」应为“键: 非空文字”的映射 "
                f"(section {section!r} must map strings to non-empty strings)"
            )
    return data


def _term(section: str, key: str) -> str:
    try:
        return terms()[section][key]
    except KeyError:
        raise RenderError(
            f"{TERMS_RESOURCE} 缺少「{section}.{key}」的中文表述 (no wording for {section}.{key})"
        ) from None


# --------------------------------------------------------------------------- input checks


def _number(value: object, filter_name: str) -> Decimal:
    """Return `value` as a finite Decimal; accept Decimal, int or a numeric str, never float.

    A float is refused because it may already carry a binary rounding error (0.1 + 0.2)."""
    not_none(value, filter_name)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(
            f"{filter_name}：应为 Decimal、整数或数字字符串，不接受 {type(value).__name__} "
            f"(expected Decimal, int or str, got {type(value).__name__})"
        )
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(
            f"{filter_name}：无法识别的数字「{value}」 (not a number: {value!r})"
        ) from None
    if not number.is_finite():
        raise ValueError(f"{filter_name}：数值必须有限 (must be finite, got {value!r})")
    return number


def _plain(number: Decimal) -> str:
    """Write `number` without exponent or trailing fractional zeros: 1E+2 → 100, 99.90 → 99.9.

    Exact: unlike Decimal.normalize, nothing is rounded to the context precision."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --------------------------------------------------------------------------- amounts

AMOUNT_LIMIT = Decimal(10) ** 12
"""Amounts must be below 1 万亿元 (at most 999,999,999,999.99, the profile's Money cap).

The deterministic policy reads the integer part in 4-digit groups 个/万/亿 only; a fourth group
would need 万 written again above 亿 (壹万亿), which the policy does not define."""


def _cents(amount: Decimal | int | str, filter_name: str) -> int:
    """Return `amount` as a whole number of 分; raise ValueError if it is negative, finer than
    分 or not below `AMOUNT_LIMIT`. Trailing zeros below 分 (1.230) lose nothing and pass."""
    number = _number(amount, filter_name)
    if number < 0:
        raise ValueError(f"{filter_name}：金额不能为负数「{amount}」 (amount must not be negative)")
    if number >= AMOUNT_LIMIT:
        raise ValueError(
            f"{filter_name}：金额「{amount}」超出范围，须小于1万亿元（最大999,999,999,999.99） "
            f"(amount must be below 1,000,000,000,000)"
        )
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    below_fen = -exponent - 2  # how many of the last digits lie below 分
    if below_fen > 0 and any(digits[-below_fen:]):
        raise ValueError(
            f"{filter_name}：金额「{amount}」最多精确到分（两位小数） (at most two decimal places)"
        )
    coefficient = int("".join(map(str, digits)))
    if coefficient == 0:
        return 0
    scale: int = 10 ** abs(below_fen)
    return coefficient // scale if below_fen > 0 else coefficient * scale


def money(amount: Decimal | int | str) -> str:
    """Return `amount` in figures with thousands separators and two decimals: 1,234,567.89.

    Accept the same amounts as `rmb_upper`, so the figure and the words always agree."""
    cents = _cents(amount, "money")
    return f"{cents // 100:,}.{cents % 100:02d}"


_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UPPER_PLACES = ("仟", "佰", "拾", "")
_ZERO = "零"

# cn2an 0.5.24 `an2cn(x, "rmb")` is not used: of the 29 vectors in section (c) of the
# regulatory checklist it gets 6 wrong (tested in tests/templating/test_filters.py).
# It never writes the optional 零 after 元, which the policy writes by default; its output is
# our zero_after_yuan=False form:
#     100.10       壹佰元壹角          want 壹佰元零壹角
#     1010.10      壹仟零壹拾元壹角    want 壹仟零壹拾元零壹角
#     1680.32      壹仟陆佰捌拾元叁角贰分  want 壹仟陆佰捌拾元零叁角贰分 (official, first form)
#     20000000.10  贰仟万元壹角        want 贰仟万元零壹角
#     107000.53    壹拾万柒仟元伍角叁分  want 壹拾万柒仟元零伍角叁分 (official, first form)
# It drops the mandatory 零 of a skipped 万 group before a non-zero 千位, which breaks rule
# 4(2) and reads as another amount (100003000 → 壹亿叁仟元整 as well):
#     200003000    贰亿叁仟元整        want 贰亿零叁仟元整
# It also drops a third decimal silently (1.234 → 壹元贰角叁分) and writes 负 before negatives.


def _group_upper(group: int) -> str:
    """Write one 4-digit group (1..9999) in 大写: one 零 per inner run of zeros, none for
    leading or trailing zeros (the caller decides the 零 between groups). 拾 keeps its digit."""
    out: list[str] = []
    pending_zero = False
    for place, char in zip(_UPPER_PLACES, f"{group:04d}", strict=True):
        digit = int(char)
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append(_ZERO)
            pending_zero = False
        out.append(_UPPER_DIGITS[digit] + place)
    return "".join(out)


def _integer_upper(yuan: int, *, zero_after_wan: bool) -> str:
    """Write `yuan` (below 1 万亿) in 大写 by the policy's 个/万/亿 grouping.

    Between groups write 零 if the lower group's 千位 is 0 or a whole group was skipped
    (壹拾万零柒佰, 壹亿零叁仟); a 万 group followed by a non-zero 千位 gets none (壹拾万柒仟)
    unless `zero_after_wan` asks for it when the 万位 is 0 (壹拾万零柒仟)."""
    groups = ((yuan // 10**8, "亿"), (yuan // 10**4 % 10**4, "万"), (yuan % 10**4, ""))
    out: list[str] = []
    skipped = False
    for group, unit in groups:
        if group == 0:
            skipped = bool(out)
            continue
        if out and (
            skipped or group < 1000 or (zero_after_wan and unit == "" and groups[1][0] % 10 == 0)
        ):
            out.append(_ZERO)
        out.append(_group_upper(group) + unit)
        skipped = False
    return "".join(out) or _ZERO


def rmb_upper(
    amount: Decimal | int | str,
    *,
    prefix: bool = False,
    zero_after_yuan: bool = True,
    zheng_after_jiao: bool = False,
    zero_after_wan: bool = False,
) -> str:
    """Return `amount` in 人民币大写 by the reference's deterministic policy.

    1234567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分; 10.05 → 壹拾元零伍分; 100000 → 壹拾万元整;
    0 → 零元整; 0.5 → 伍角 (below ¥1 no 零元); 20000000.10 → 贰仟万元零壹角.

    `prefix` writes 人民币 in front, with no gap. Rule 4(3) of 《正确填写票据和结算凭证的基本规定》
    lets one 零 be written or not where the 元位 or 万位 is 0 before a non-zero 角位 or 千位:
    `zero_after_yuan` (default: write it, 壹佰元零壹角) and `zero_after_wan` (default: not,
    壹拾万柒仟; the official alternative 壹拾万零柒仟元伍角叁分 is both switches flipped).
    The 零 after 元 when 角 is 0 and 分 is not stays mandatory. `zheng_after_jiao` writes 整
    after an amount ending at 角 (伍角整); 整 always follows 元 and never 分.

    Accept Decimal, int or a numeric str, never float. Raise ValueError for None, a negative
    amount, one finer than 分 or one of 1 万亿元 or more (see `AMOUNT_LIMIT`)."""
    cents = _cents(amount, "rmb_upper")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out: list[str] = ["人民币"] if prefix else []
    if yuan or not (jiao or fen):
        out.append(_integer_upper(yuan, zero_after_wan=zero_after_wan) + "元")
        if not (jiao or fen):
            out.append("整")
        elif jiao == 0 or (zero_after_yuan and yuan % 10 == 0):
            out.append(_ZERO)
    if jiao:
        out.append(_UPPER_DIGITS[jiao] + "角")
    if fen:
        out.append(_UPPER_DIGITS[fen] + "分")
    elif jiao and zheng_after_jiao:
        out.append("整")
    return "".join(out)


# --------------------------------------------------------------------------- numerals and dates


def cn_date(d: date) -> str:
    """Return `d` as 2026年1月1日: Arabic figures, month and day not zero-padded (GB/T 9704).

    A datetime prints its date only. Raise ValueError for None."""
    not_none(d, "cn_date")
    if not isinstance(d, date):
        raise TypeError(f"cn_date：应为日期 (expected a date, got {type(d).__name__})")
    return f"{d.year}年{d.month}月{d.day}日"


def months_after(d: date, months: int) -> date:
    """Return the date `months` calendar months after `d`: the same day of that month, or its
    last day when the month is shorter (2030-01-31 and one month → 2030-02-28).

    Raise ValueError for None or a negative number of months."""
    not_none(d, "months_after")
    if not isinstance(d, date):
        raise TypeError(f"months_after：应为日期 (expected a date, got {type(d).__name__})")
    if months < 0:
        raise ValueError(f"months_after：月数不得为负 (months must not be negative, got {months})")
    return shift_months(d, months)


# --------------------------------------------------------------------------- quantities


def percent(x: Decimal | int) -> str:
    """Return `x` (80 meaning 80%) as a percentage without exponent or trailing zeros.

    80 → 80%, 99.90 → 99.9%, Decimal('1E+2') → 100%. Raise ValueError for None; refuse a
    float (TypeError), as every filter does."""
    return _plain(_number(x, "percent")) + "%"


def count(x: Decimal | int, unit: str = "") -> str:
    """Return the whole number `x` with its measure word in Chinese numerals, as Chinese legal
    texts count periods and occurrences (GB/T 15835-2011 allows either style; policygen's house
    style takes one, see templates/zh/wording.yaml): 15, 个工作日 → 十五个工作日; 2, 小时 → 两小时;
    3, 次 → 三次. A fraction, or a number from 1亿 up, stays in Arabic figures: 1.5小时.

    Raise ValueError for None; refuse a float (TypeError)."""
    value = _number(x, "count")
    if value == value.to_integral_value() and 0 <= value < CN_NUMBER_LIMIT:
        whole = int(value)
        return ("两" if whole == 2 and unit else cn_number(whole)) + unit
    return _plain(value) + unit


def quantity(x: Decimal | int, unit: str = "") -> str:
    """Return a measured value in its unit: a percentage as 99.9%; a whole number before a
    Chinese unit in Chinese numerals (两小时, 三次); anything else in figures (1.5小时, 50Mbps).

    Raise ValueError for None; refuse a float (TypeError)."""
    if unit == "%":
        return percent(x)
    if unit and all(is_chinese(char) for char in unit):
        return count(x, unit)
    return _plain(_number(x, "quantity")) + unit


def duration(d: Duration | str) -> str:
    """Return `d` as a number and its unit's words from terms.yaml, counted in Chinese numerals
    when whole (see `count`): 两小时, 十五个工作日, 六个月, 1.5小时, 四个工作小时.

    Accept a Duration or a string Duration.parse reads (2h, 15分钟). Raise ValueError for None
    or an unreadable string."""
    not_none(d, "duration")
    if isinstance(d, str):
        try:
            d = Duration.parse(d)
        except ValueError as exc:
            raise ValueError(f"duration：{exc}") from None
    if not isinstance(d, Duration):
        raise TypeError(f"duration：应为时长 (expected a Duration, got {type(d).__name__})")
    return count(d.value, label(d.unit))


def _frequency(f: Frequency | str, filter_name: str) -> Frequency:
    not_none(f, filter_name)
    try:
        return Frequency(f)
    except ValueError:
        allowed = "、".join(member.value for member in Frequency)
        raise ValueError(
            f"{filter_name}：无法识别的频率「{f}」，应为 {allowed} (unknown frequency {f!r})"
        ) from None


def frequency(f: Frequency | str) -> str:
    """Return how often `f` recurs, as an adverb: monthly → 每月, semiannual → 每半年.

    Raise ValueError for None or a value that is not a Frequency."""
    return label(_frequency(f, "frequency"))


def frequency_noun(f: Frequency | str) -> str:
    """Return `f` as the noun that qualifies a report or review: monthly → 月度, annual → 年度.

    Raise ValueError for None or a value that is not a Frequency."""
    return _term("frequency_noun", _frequency(f, "frequency_noun").value)


# --------------------------------------------------------------------------- words


def label(value: StrEnum) -> str:
    """Return the Chinese label of the enum member `value` from terms.yaml, looked up by class
    name then value: Scope.ITO → 信息技术外包（ITO）, Classification.SECRET → 机密.

    Raise ValueError for None, TypeError for a plain string (its enum is unknown), and
    RenderError when terms.yaml has no label for the member."""
    not_none(value, "label")
    if not isinstance(value, StrEnum):
        raise TypeError(
            f"label：应为枚举成员 (expected an enum member, got {type(value).__name__} {value!r})"
        )
    return _term(type(value).__name__, value.value)


def cn_list(items: Iterable[str], sep: str = "、", last: str = "和") -> str:
    """Join `items` the Chinese way: 甲、乙和丙; 甲和乙; 甲; an empty list gives "".

    `sep` goes between items and `last` before the final one (e.g. 或, 及). Raise ValueError
    for None or a None item; TypeError for a single string or a non-string item."""
    not_none(items, "cn_list")
    if isinstance(items, str):
        raise TypeError("cn_list：应为字符串列表，而不是单个字符串 (expected a list of str)")
    words = list(items)
    for index, word in enumerate(words):
        not_none(word, f"cn_list[{index}]")
        if not isinstance(word, str):
            raise TypeError(
                f"cn_list：第{index + 1}项应为文字 (item {index} is {type(word).__name__})"
            )
    if len(words) <= 1:
        return "".join(words)
    return sep.join(words[:-1]) + last + words[-1]


# --------------------------------------------------------------------------- English (en/)

GLOSSARY_RESOURCE = "templates/en/glossary.yaml"
"""The English of the defined terms and enum labels, relative to the policygen package."""


@CACHES.memo(files=True)
def glossary() -> Mapping[str, Any]:
    """Return templates/en/glossary.yaml (terms, enum labels, unit words), loaded once while it
    is unchanged; raise RenderError when it is not a mapping."""
    try:
        data = CACHES.read_yaml(str(resources.files("policygen").joinpath(GLOSSARY_RESOURCE)))
    except YAMLError as exc:
        raise RenderError(f"{GLOSSARY_RESOURCE} 不是有效的 YAML (invalid YAML): {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("terms"), dict):
        raise RenderError(f"{GLOSSARY_RESOURCE} 应为含 terms 的映射 (must be a mapping)")
    return data


def _gloss(section: str, key: str) -> Any:
    try:
        return glossary()[section][key]
    except KeyError:
        raise RenderError(
            f"{GLOSSARY_RESOURCE} 缺少「{section}.{key}」的英文表述 (no English for {section}.{key})"
        ) from None


def _words(whole: int) -> str:
    """Return `whole` in English words, British style, capitalised for an amount in words:
    12680000 → Twelve Million Six Hundred and Eighty Thousand.

    num2words (PyPI) spells the number; it writes commas between groups and lower case,
    which the legal style drops and capitalises."""
    from num2words import num2words

    spelled = str(num2words(whole, lang="en")).replace(",", "")
    return " ".join(
        "-".join(part if part == "and" else part.capitalize() for part in word.split("-"))
        for word in spelled.split()
    )


def en_amount(amount: Decimal | int | str) -> str:
    """Return an amount in English legal style, the figure then the words:
    RMB 12,680,000.00 (say Renminbi Twelve Million Six Hundred and Eighty Thousand Yuan only);
    the words always name the yuan, and any fen after them (… Thirty-Four Yuan and Fifty-Six Fen
    only), so every amount of a document reads alike. Decimal only: refuse a float
    (TypeError) and None (ValueError); a negative amount or one with more than two decimals
    is a ValueError, as for `money`."""
    cents = _cents(amount, "en_amount")
    yuan, fen = divmod(cents, 100)
    words = f"{_words(yuan)} Yuan"
    if fen:
        words += f" and {_words(fen)} Fen"
    return f"RMB {money(amount)} (say Renminbi {words} only)"


def en_date(d: date) -> str:
    """Return `d` the British legal way: 18 March 2026. Raise ValueError for None."""
    not_none(d, "en_date")
    if not isinstance(d, date):
        raise TypeError(f"en_date：应为日期 (expected a date, got {type(d).__name__})")
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def en_count(x: Decimal | int, unit: str = "") -> str:
    """Return a whole number in words with its figure, as contracts count: 3 → three (3);
    with `unit` (singular, plural separated by ``|``: ``time|times``) → three (3) times. A
    fraction stays in figures. Raise ValueError for None; refuse a float (TypeError)."""
    value = _number(x, "en_count")
    singular, _, plural = unit.partition("|")
    noun = (singular if value == 1 else (plural or singular)) if unit else ""
    if value == value.to_integral_value() and 0 <= value < 1000:
        figure = f"{_words(int(value)).lower()} ({int(value)})"
    else:
        figure = _plain(value)
    return f"{figure} {noun}".strip()


def en_duration(d: Duration | str) -> str:
    """Return `d` in English: ninety (90) days, two (2) hours, fifteen (15) Working Days,
    1.5 hours; unit words from glossary.yaml. Raise ValueError for None."""
    not_none(d, "en_duration")
    if isinstance(d, str):
        d = Duration.parse(d)
    if not isinstance(d, Duration):
        raise TypeError(f"en_duration：应为时长 (expected a Duration, got {type(d).__name__})")
    singular, plural = _gloss("DurationUnit", d.unit.value)
    return en_count(d.value, f"{singular}|{plural}")


def en_frequency(f: Frequency | str) -> str:
    """Return how often `f` recurs, as an adverb: monthly, every six months, annually."""
    return str(_gloss("Frequency", _frequency(f, "en_frequency").value))


def en_frequency_noun(f: Frequency | str) -> str:
    """Return `f` as the adjective before a report or a review: monthly, half-yearly, annual."""
    return str(_gloss("frequency_noun", _frequency(f, "en_frequency_noun").value))


def en_label(value: StrEnum) -> str:
    """Return the English label of the enum member `value` from glossary.yaml."""
    not_none(value, "en_label")
    if not isinstance(value, StrEnum):
        raise TypeError(f"en_label：应为枚举成员 (expected an enum member, got {value!r})")
    return str(_gloss(type(value).__name__, value.value))


def en_list(items: Iterable[str], last: str = "and") -> str:
    """Join `items` the English way: A, B and C; A and B; A (`last`: the word before the
    final item, e.g. or). Raise ValueError for None or a None item."""
    not_none(items, "en_list")
    words = []
    for index, word in enumerate(items):
        not_none(word, f"en_list[{index}]")
        words.append(str(word))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


_LATIN_PUNCTUATION = str.maketrans(
    {
        "，": ", ",
        "、": ", ",
        "；": "; ",
        "：": ": ",
        "。": ". ",
        "（": " (",
        "）": ") ",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "！": "! ",
        "？": "? ",
        "—": "-",
        "～": "~",
        "　": " ",
        "〔": "[",
        "〕": "]",
        "《": '"',
        "》": '"',
        "【": "[",
        "】": "]",
    }
)


def en_text(text: str) -> str:
    """Return a profile's Chinese free text (a service, a milestone) fit to quote in an English
    sentence: its words as written, its Chinese punctuation in Latin form (，→ , （）→ ()), so
    that English text never holds CJK punctuation. The words are not translated."""
    not_none(text, "en_text")
    spaced = str(text).translate(_LATIN_PUNCTUATION)
    spaced = " ".join(spaced.split())
    for before, after in ((" )", ")"), ("( ", "("), (" ,", ","), (" ;", ";"), (" :", ":")):
        spaced = spaced.replace(before, after)
    return spaced.rstrip(" .;,")


TRANSLATIONS = "translations"
"""The context variable holding the profile's English for its Chinese texts
(``meta.translations``, templating.context.build_context)."""

UNTRANSLATED = "_untranslated"
"""The context variable of one render's list of the Chinese texts printed with no English
(TemplateEnvironment.render_document makes it and returns it in Rendered.untranslated)."""

NOTED = "_noted"
"""The context variable of one render's set of the texts in its UNTRANSLATED list and the
en_text of each (TemplateEnvironment.render_document makes it beside the list), by which a
text noted already, or quoted again as en_text printed it, is told at once."""

AS_REGISTERED = "_as_registered"
"""The context variable of the texts printed as registered, in Chinese, and never noted as
untranslated: the parties' registered addresses (templating.context.build_context)."""


def _translated(context: Context, text: str) -> str | None:
    """Return the English `context`'s translations give for `text`; None when they give none,
    after noting `text` once among the render's untranslated texts when it holds Chinese, is
    not printed as registered (AS_REGISTERED) and is not the en_text of a text noted already
    (a template quoting en_text's output again; NOTED holds both)."""
    table: Mapping[str, str] = context.get(TRANSLATIONS) or {}
    key = str(text).strip()
    english = table.get(key)
    if english is None and any(is_chinese(char) for char in key):
        missed, noted = context.get(UNTRANSLATED), context.get(NOTED)
        registered = context.get(AS_REGISTERED) or ()
        if (
            isinstance(missed, list)
            and isinstance(noted, set)
            and key not in registered
            and key not in noted
        ):
            missed.append(key)
            noted.update((key, en_text(key)))
    return english


@pass_context
def en_text_of(context: Context, text: str) -> str:
    """Return a profile's text as an English template prints it (the filter ``en_text``):
    en_text of the English ``meta.translations`` gives for it (spaces normalised, no closing
    stop), else en_text(`text`), noted as untranslated."""
    not_none(text, "en_text")
    english = _translated(context, text)
    return en_text(text if english is None else english)  # its closing stop is the template's


@pass_context
def en_law_of(context: Context, citation: str) -> str:
    """Return en_law(`citation`) (the filter ``en_law``); for an instrument the catalogue
    gives no English title, the English ``meta.translations`` gives for its title (with or
    without 《》), noted as untranslated when there is none either."""
    cited = en_law(citation)
    if not cited.startswith("《"):
        return cited
    english = _translated(context, cited.strip("《》"))
    return cited if english is None else f"{english} ({cited}{_number_en(_instrument(cited))})"


def en_law(citation: str) -> str:
    """Return an instrument as an English text cites it: its official English title with the
    Chinese title in brackets, ``Personal Information Protection Law of the People's Republic
    of China (《中华人民共和国个人信息保护法》)``; the Chinese title alone (in brackets, after
    nothing) when the catalogue (instruments.yaml ``title_en``) gives no English one. A 文号
    after the title (``（银保监办发〔2021〕141号）``) is left out of the citation read; the
    catalogue's English 文号 (``number_en``) follows the Chinese title in the brackets."""
    not_none(citation, "en_law")
    title = str(citation)
    if "《" in title and "》" in title:
        title = title[title.index("《") : title.index("》") + 1]
    found = _instrument(title)
    if found is not None and found.title_en:
        return f"{found.title_en} ({found.title}{_number_en(found)})"
    return title


def _instrument(title: str) -> Instrument | None:
    """Return the catalogue's instrument titled `title` (instruments.yaml), None when none."""
    from policygen.instruments import catalogue

    return catalogue().find(title)


def _number_en(found: Instrument | None) -> str:
    """Return ", <文号 in English>" when the instrument `found` gives one (instruments.yaml
    ``number_en``), else ""."""
    return f", {found.number_en}" if found is not None and found.number_en else ""


def book_titles(items: Iterable[str]) -> str:
    """Join titles of laws or documents as GB/T 15834 (4.5.3.5) asks: nothing between a title
    closing with 》 and the next (《甲》《乙》); 、 after a title followed by a note such as a 文号
    in brackets (《甲》（文号）、《乙》). Raise ValueError for None; TypeError for a single string."""
    not_none(items, "book_titles")
    if isinstance(items, str):
        raise TypeError("book_titles：应为字符串列表，而不是单个字符串 (expected a list of str)")
    words = list(items)
    out = []
    for index, word in enumerate(words):
        not_none(word, f"book_titles[{index}]")
        out.append(word)
        if index < len(words) - 1 and not word.endswith("》"):
            out.append("、")
    return "".join(out)


# --------------------------------------------------------------------------- registry

FILTERS: dict[str, Callable[..., object]] = {
    "rmb_upper": rmb_upper,
    "money": money,
    "cn_number": cn_number,
    "ordinal": ordinal,
    "cn_date": cn_date,
    "months_after": months_after,
    "percent": percent,
    "duration": duration,
    "count": count,
    "quantity": quantity,
    "frequency": frequency,
    "frequency_noun": frequency_noun,
    "label": label,
    "cn_list": cn_list,
    "en_amount": en_amount,
    "en_date": en_date,
    "en_count": en_count,
    "en_duration": en_duration,
    "en_frequency": en_frequency,
    "en_frequency_noun": en_frequency_noun,
    "en_label": en_label,
    "en_list": en_list,
    "en_text": en_text_of,
    "en_law": en_law_of,
    "book_titles": book_titles,
}
"""Every template filter by the name templates use: {{ fee | rmb_upper(prefix=true) }}.
``en_text`` and ``en_law`` read the profile's translations from the template's context."""

__all__ = [
    "AMOUNT_LIMIT",
    "CN_NUMBER_LIMIT",
    "FILTERS",
    "book_titles",
    "cn_date",
    "cn_list",
    "cn_number",
    "count",
    "duration",
    "en_amount",
    "en_count",
    "en_date",
    "en_duration",
    "en_frequency",
    "en_frequency_noun",
    "en_label",
    "en_law",
    "en_law_of",
    "en_list",
    "en_text",
    "en_text_of",
    "frequency",
    "frequency_noun",
    "glossary",
    "label",
    "money",
    "months_after",
    "ordinal",
    "percent",
    "quantity",
    "rmb_upper",
    "terms",
]
