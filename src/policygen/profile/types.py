"""Constrained value types shared by every profile section: text, money, percentages, durations,
the 统一社会信用代码, and the closed sets (enums) the documents branch on."""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from policygen.chars import printable, refused_char

# --------------------------------------------------------------------------- text

_REFUSALS = {
    "control": (
        "含有不可用于文档的控制字符 U+{code}（第 {pos} 个字符），请删除 "
        "(control character U+{code} at position {pos} cannot appear in a document)"
    ),
    "surrogate": (
        "含有无效的 Unicode 字符 U+{code}（第 {pos} 个字符，孤立的代理项），请删除 "
        "(lone surrogate U+{code} at position {pos})"
    ),
    "noncharacter": (
        "含有 Unicode 非字符 U+{code}（第 {pos} 个字符），不可用于文档，请删除 "
        "(noncharacter U+{code} at position {pos} cannot appear in a document)"
    ),
    "bidi": (
        "含有双向文本控制字符 U+{code}（第 {pos} 个字符），它会改变其后文字的显示顺序，请删除 "
        "(bidirectional control U+{code} at position {pos} could reorder the text around it)"
    ),
}

MAX_TEXT = 20_000
"""Longest single text value accepted (characters): a clause, not a book."""


def _check_text(value: str) -> str:
    """Return `value`; raise PydanticCustomError at the first character no document may hold
    (chars.REFUSED: XML-invalid controls, lone surrogates, noncharacters, bidi controls)."""
    bad = refused_char(value)
    if bad:
        raise PydanticCustomError(
            f"{bad.kind}_character", _REFUSALS[bad.kind], {"code": bad.code, "pos": bad.position}
        )
    return value


def _check_raw_text(value: Any) -> Any:
    """Check a text value as written, before the models strip its ends
    (base.str_strip_whitespace): a form feed or U+001F at either end counts as whitespace to
    str.strip(), and would otherwise pass unseen and leave an empty value."""
    if isinstance(value, str):
        _check_text(value)
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), BeforeValidator(_check_raw_text)]
"""Free text a legal team writes in its own words; none of the characters chars.REFUSED names."""

Name = Annotated[str, Field(min_length=1, max_length=200), BeforeValidator(_check_raw_text)]
"""A short label: a name, a title, a department."""

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{3,30}[0-9](转[0-9]{1,6})?$")
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def matching(pattern: re.Pattern[str], code: str, message: str, shown: int) -> AfterValidator:
    """Return the validator of a text `pattern` must match: otherwise an error of type `code`
    saying `message`, whose ``{value}`` is the first `shown` characters of the text."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise PydanticCustomError(code, message, {"value": printable(value[:shown])})
        return value

    return AfterValidator(check)


Phone = Annotated[
    str,
    Field(min_length=5, max_length=40, json_schema_extra={"pattern": _PHONE.pattern}),
    matching(
        _PHONE,
        "phone",
        "电话号码「{value}」格式有误：只能由数字、空格、-、括号组成，可以 + 开头、以“转”加分机号结尾，"
        "如 021-50801234、13800138000、+86 21 5080 1234转8001 "
        "(a phone number: digits, spaces, '-', brackets, an optional leading '+' and 转 extension)",
        40,
    ),
]
"""A telephone number as printed: 021-50801234, 13800138000, +86 21 5080 1234转8001."""


Email = Annotated[
    str,
    Field(min_length=3, max_length=254, json_schema_extra={"pattern": _EMAIL.pattern}),
    matching(
        _EMAIL,
        "email",
        "电子邮箱「{value}」格式有误，应如 zhang.san@example.com (an e-mail address: name@domain)",
        80,
    ),
]
"""An e-mail address: name@domain.tld (no display name, no brackets)."""

# --------------------------------------------------------------------------- list lengths

MAX_ITEMS = 1000
"""Most items a long list may hold: metrics, indicators, criteria, services, controls, clause
adaptations. The benchmark's largest SLA has 1,000 metrics."""

MAX_SHORT_ITEMS = 200
"""Most items a short list may hold: legal bases, categories, tiers, severities, principles."""

# --------------------------------------------------------------------------- numbers


_D = "[0-9\uff10-\uff19]"  # ASCII or full-width digits, as a Chinese input method types them
_0 = "[0\uff10]"
_1 = "[1\uff11]"
_PERCENT_SIGN = "[%\uff05]"
_UP_TO_100 = rf"{_0}*({_1}{_0}{_0}(\.{_0}+)?|{_D}{{1,2}}(\.{_D}+)?)"
_MINUS_ZERO = rf"-{_0}+(\.{_0}+)?"  # -0 and -0.00 are zero, printed without the sign
PERCENT_TEXT = rf"^\s*(\+?{_UP_TO_100}|{_MINUS_ZERO})\s*{_PERCENT_SIGN}?\s*$"
"""A percentage written as text: 0 to 100, a point and decimals, the sign % (or ％) optional."""
SCORE_TEXT = rf"^\s*(\+?{_UP_TO_100}|{_MINUS_ZERO})\s*$"
"""A score written as text: 0 to 100, a point and decimals."""
MONEY_TEXT = rf"^\s*(\+?{_0}*{_D}{{1,12}}(\.{_D}{{1,2}})?|-{_0}+(\.{_0}{{1,2}})?)\s*$"
"""An amount written as text: up to 12 digits of yuan and 2 of fen, no thousands separators."""
QUANTITY_TEXT = rf"^\s*[+-]?{_D}+(\.{_D}+)?\s*$"
"""A measured value written as text: digits, a point and decimals, a sign."""


def _written_as(pattern: str, chinese: str, english: str) -> BeforeValidator:
    """Return a validator refusing a number written as text that `pattern` does not match
    (``1e3``, ``1,000``, ``6.``), the same pattern the JSON Schema publishes for the text
    form, so that the schema and the model accept the same text; `chinese` and `english` say
    what is expected."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.match(value):
            raise PydanticCustomError(
                "number_text",
                "「{value}」应为" + chinese + " (expected " + english + ")",
                {"value": printable(value[:50])},
            )
        return value

    return BeforeValidator(check)


def _number_schema(
    pattern: str, *, minimum: float | None = None, maximum: float | None = None
) -> WithJsonSchema:
    """Return the JSON Schema of a number that may also be written as text matching
    `pattern`: a JSON number within `minimum` and `maximum`, or such a string."""
    number: dict[str, Any] = {"type": "number"}
    if minimum is not None:
        number["minimum"] = minimum
    if maximum is not None:
        number["maximum"] = maximum
    return WithJsonSchema(
        {"anyOf": [number, {"type": "string", "pattern": pattern}]}, mode="validation"
    )


def _unsigned_zero(value: Decimal) -> Decimal:
    """Return `value`, zero without its sign: ``-0`` and ``-0.00`` pass ``ge=0`` and would
    otherwise be printed with a minus sign wherever a number is shown as written."""
    return value.copy_abs() if value.is_zero() else value


def _check_money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise PydanticCustomError("money", "金额必须是有限数值 (amount must be finite)")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -2:
        raise PydanticCustomError(
            "money_precision", "金额最多精确到分（两位小数） (at most two decimal places)"
        )
    return value


Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("999999999999.99"), description="金额（元），最多两位小数"),
    AfterValidator(_check_money),
    AfterValidator(_unsigned_zero),
    _written_as(
        MONEY_TEXT, "金额（元，最多两位小数），如 600000 或 600000.00", "an amount in yuan"
    ),
    _number_schema(MONEY_TEXT, minimum=0, maximum=999999999999.99),
]
"""An amount in yuan. Always Decimal, never float."""

MAX_DIGITS = 18
"""Most significant digits a number may have, counting zeros an exponent stands for: without it
``1E-1000000`` passes ``0 ≤ x ≤ 100`` in a few bytes and is printed as a million digits."""

Quantity = Annotated[
    Decimal,
    Field(max_digits=MAX_DIGITS),
    AfterValidator(_unsigned_zero),
    _written_as(QUANTITY_TEXT, "数值，如 99.9", "a number"),
    _number_schema(QUANTITY_TEXT),
]
"""A measured value in a unit the profile names (a metric target, a threshold)."""


def _percent_sign(value: Any) -> Any:
    """Read ``"6%"`` (or ``6％``) as 6: a percentage may be written with its sign, as the JSON
    Schema's string form allows."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.endswith(("%", "％")):
            return stripped[:-1].strip()
    return value


Percent = Annotated[
    Decimal,
    BeforeValidator(_percent_sign),
    Field(ge=0, le=100, max_digits=MAX_DIGITS, description="百分比，0–100（可写 6 或 6%）"),
    AfterValidator(_unsigned_zero),
    _written_as(PERCENT_TEXT, "0–100 的百分比，如 6 或 6%", "a percentage from 0 to 100"),
    _number_schema(PERCENT_TEXT, minimum=0, maximum=100),
]
"""A percentage written as a number from 0 to 100 (80 means 80%)."""

Score = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=MAX_DIGITS, description="分值，0–100"),
    AfterValidator(_unsigned_zero),
    _written_as(SCORE_TEXT, "0–100 的分值，如 70", "a score from 0 to 100"),
    _number_schema(SCORE_TEXT, minimum=0, maximum=100),
]
"""A score on the 0–100 scale used by vendor evaluation."""

# --------------------------------------------------------------------------- durations


def shift_months(day: date, months: int) -> date:
    """Return the date `months` calendar months after `day` (before it when negative): the
    same day of that month, or its last day when the month is shorter (2030-01-31 and one
    month: 2030-02-28)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


class DurationUnit(StrEnum):
    """Units a duration can carry. Business units count working time only."""

    MINUTE = "minute"
    HOUR = "hour"
    BUSINESS_HOUR = "business_hour"
    DAY = "day"
    BUSINESS_DAY = "business_day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


# Spellings accepted on input, longest first so "工作小时" wins over "小时".
_UNIT_SPELLINGS: dict[str, DurationUnit] = {
    "个工作日": DurationUnit.BUSINESS_DAY,
    "工作日": DurationUnit.BUSINESS_DAY,
    "个工作小时": DurationUnit.BUSINESS_HOUR,
    "工作小时": DurationUnit.BUSINESS_HOUR,
    "分钟": DurationUnit.MINUTE,
    "小时": DurationUnit.HOUR,
    "个小时": DurationUnit.HOUR,
    "天": DurationUnit.DAY,
    "日": DurationUnit.DAY,
    "周": DurationUnit.WEEK,
    "个月": DurationUnit.MONTH,
    "月": DurationUnit.MONTH,
    "年": DurationUnit.YEAR,
    "min": DurationUnit.MINUTE,
    "minute": DurationUnit.MINUTE,
    "minutes": DurationUnit.MINUTE,
    "h": DurationUnit.HOUR,
    "hour": DurationUnit.HOUR,
    "hours": DurationUnit.HOUR,
    "bh": DurationUnit.BUSINESS_HOUR,
    "business_hour": DurationUnit.BUSINESS_HOUR,
    "business_hours": DurationUnit.BUSINESS_HOUR,
    "d": DurationUnit.DAY,
    "day": DurationUnit.DAY,
    "days": DurationUnit.DAY,
    "bd": DurationUnit.BUSINESS_DAY,
    "business_day": DurationUnit.BUSINESS_DAY,
    "business_days": DurationUnit.BUSINESS_DAY,
    "w": DurationUnit.WEEK,
    "week": DurationUnit.WEEK,
    "weeks": DurationUnit.WEEK,
    "mo": DurationUnit.MONTH,
    "month": DurationUnit.MONTH,
    "months": DurationUnit.MONTH,
    "y": DurationUnit.YEAR,
    "year": DurationUnit.YEAR,
    "years": DurationUnit.YEAR,
}

# How a duration is written back (and shown in `init`): Chinese, and readable by the parser.
_UNIT_CANONICAL: dict[DurationUnit, str] = {
    DurationUnit.MINUTE: "分钟",
    DurationUnit.HOUR: "小时",
    DurationUnit.BUSINESS_HOUR: "工作小时",
    DurationUnit.DAY: "日",
    DurationUnit.BUSINESS_DAY: "个工作日",
    DurationUnit.WEEK: "周",
    DurationUnit.MONTH: "个月",
    DurationUnit.YEAR: "年",
}

# Minutes per unit, used only to compare durations (response ≤ resolution). Business units are
# taken at their shortest calendar length so a comparison never passes by accident.
_MINUTES: dict[DurationUnit, int] = {
    DurationUnit.MINUTE: 1,
    DurationUnit.HOUR: 60,
    DurationUnit.BUSINESS_HOUR: 60,
    DurationUnit.DAY: 1440,
    DurationUnit.BUSINESS_DAY: 1440,
    DurationUnit.WEEK: 10080,
    DurationUnit.MONTH: 40320,
    DurationUnit.YEAR: 525600,
}

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([^\d\s.][^\d]*?)\s*$")

_NZ = "[1-9\uff11-\uff19]"
_POSITIVE = (
    rf"({_0}*{_NZ}{_D}{{0,4}}(\.{_D}{{1,3}}{_0}*)?"  # 1 to 99999.999
    rf"|{_0}*{_1}{_0}{{5}}(\.{_0}+)?"  # 100000
    rf"|{_0}*\.(?={_0}{{0,2}}{_NZ}){_D}{{1,3}}{_0}*)"  # 0.001 to 0.999
)
"""A duration's number: more than 0, at most 100000, at most three decimal places."""
_UNITS = "(" + "|".join(
    "".join(f"[{c}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c) for c in unit)
    for unit in sorted(_UNIT_SPELLINGS, key=len, reverse=True)
) + ")"  # fmt: skip
"""Every spelling of a unit, ASCII letters in either case."""
DURATION_TEXT = rf"^\s*{_POSITIVE}\s*{_UNITS}\s*$"
"""A duration written as text, as the JSON Schema publishes it and the model reads it."""
_DURATION_WRITTEN = re.compile(DURATION_TEXT)
_DURATION_NUMBER = re.compile(rf"^\s*{_POSITIVE}\s*$")

MAX_DURATION_CHARS = 64
"""Longest duration string read (``15 business_days`` is 16): the pattern above backtracks in
time quadratic in the length of a run of spaces, so a long string is refused before it runs."""

MAX_DURATION_PLACES = 3
"""Most decimal places a duration may have (1.5小时, 0.25天)."""


class Duration:
    """A length of time with its unit, e.g. 2小时, 15分钟, 5个工作日.

    Written in a profile as a string (``"2小时"``, ``"2h"``, ``"15 min"``) or a mapping
    (``{value: 2, unit: hour}``)."""

    __slots__ = ("unit", "value")

    def __init__(self, value: Decimal | int, unit: DurationUnit) -> None:
        self.value = Decimal(value)
        self.unit = DurationUnit(unit)

    @property
    def minutes(self) -> Decimal:
        """The length in minutes, for comparisons only (business units at calendar length)."""
        return self.value * _MINUTES[self.unit]

    def before(self, day: date) -> date:
        """Return the latest date that lies this duration before `day`: working days counted
        Monday to Friday (public holidays, which no calendar here knows, are not skipped),
        months and years by the calendar; a duration shorter than a day gives `day` itself."""
        whole = int(self.value)
        if self.unit is DurationUnit.BUSINESS_DAY:
            while whole > 0:
                day = date.fromordinal(day.toordinal() - 1)
                whole -= day.weekday() < 5
            return day
        if self.unit in (DurationUnit.DAY, DurationUnit.WEEK):
            return date.fromordinal(
                day.toordinal() - whole * (7 if self.unit is DurationUnit.WEEK else 1)
            )
        if self.unit in (DurationUnit.MONTH, DurationUnit.YEAR):
            return shift_months(day, -whole * (12 if self.unit is DurationUnit.YEAR else 1))
        return day

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and self.value == other.value and self.unit == other.unit

    def __hash__(self) -> int:
        return hash((self.value, self.unit))

    def __str__(self) -> str:
        return f"{_plain(self.value)}{_UNIT_CANONICAL[self.unit]}"

    def __repr__(self) -> str:
        return f"Duration({_plain(self.value)!s}, {self.unit.value!r})"

    @classmethod
    def parse(cls, raw: Any) -> Duration:
        """Return the duration `raw` describes; raise PydanticCustomError when it describes none."""
        if isinstance(raw, Duration):
            return raw
        if isinstance(raw, dict):
            number, written = raw.get("value"), raw.get("unit")
            if set(raw) != {"value", "unit"} or not isinstance(written, str):
                raise _duration_error(raw)
            if isinstance(number, str) and not _DURATION_NUMBER.match(number):
                raise _duration_error(raw)
            if isinstance(number, bool) or not isinstance(number, int | float | str | Decimal):
                raise _duration_error(raw)
            try:
                value = Decimal(str(number).strip())
                unit = _UNIT_SPELLINGS.get(written.strip().lower()) or DurationUnit(written)
            except (ValueError, InvalidOperation):
                raise _duration_error(raw) from None
            return cls._checked(value, unit, raw)
        if isinstance(raw, str) and len(raw) <= MAX_DURATION_CHARS:
            match = _DURATION_RE.match(raw) if _DURATION_WRITTEN.match(raw) else None
            if match:
                unit_text = match.group(2).strip().lower()
                spelled = _UNIT_SPELLINGS.get(unit_text)
                if spelled is not None:
                    return cls._checked(Decimal(match.group(1)), spelled, raw)
        raise _duration_error(raw)

    @classmethod
    def _checked(cls, value: Decimal, unit: DurationUnit, raw: Any) -> Duration:
        if not value.is_finite() or value <= 0 or value > 100_000:
            raise _duration_error(raw)
        exponent = value.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # finite, checked above
        if exponent < -MAX_DURATION_PLACES:
            raise _duration_error(raw)
        return cls(value, unit)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        units = sorted(_UNIT_SPELLINGS, key=len)
        return {
            "anyOf": [
                {
                    "type": "string",
                    "maxLength": MAX_DURATION_CHARS,
                    "pattern": DURATION_TEXT,
                    "description": "时长，数字加单位，如 2小时、15分钟、5个工作日、2h。单位："
                    + "、".join(units),
                },
                {
                    "type": "object",
                    "properties": {
                        "value": {
                            "anyOf": [
                                {"type": "number", "exclusiveMinimum": 0, "maximum": 100_000},
                                {"type": "string", "pattern": rf"^\s*{_POSITIVE}\s*$"},
                            ]
                        },
                        "unit": {"type": "string", "pattern": rf"^\s*{_UNITS}\s*$"},
                    },
                    "required": ["value", "unit"],
                    "additionalProperties": False,
                },
            ],
            "examples": ["2小时", "15分钟", "5个工作日"],
        }


def _plain(value: Decimal) -> str:
    """Write `value` without exponent or trailing zeros (2.50 → 2.5, 2.0 → 2)."""
    text = format(value.normalize(), "f")
    return text


def _duration_error(raw: Any) -> PydanticCustomError:
    return PydanticCustomError(
        "duration",
        "无法识别的时长「{raw}」：应为正数加单位，如 2小时、15分钟、5个工作日 "
        "(expected a positive number with a unit, e.g. 2h, 15min, 5 business days)",
        {"raw": printable(str(raw)[:50])},
    )


# --------------------------------------------------------------------------- dates

_DIGIT = "[0-9\uff10-\uff19]"  # ASCII or full-width digits, as a Chinese input method types them
_ISO_DATE = re.compile(rf"^({_DIGIT}{{4}})-({_DIGIT}{{1,2}})-({_DIGIT}{{1,2}})$")
_CN_DATE = re.compile(rf"^({_DIGIT}{{4}})\s*年\s*({_DIGIT}{{1,2}})\s*月\s*({_DIGIT}{{1,2}})\s*日$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def date_problem(year: int, month: int, day: int) -> str | None:
    """Return why `year`-`month`-`day` is no calendar date, in Chinese with English after, e.g.
    ``2026年2月只有28天 (February 2026 has 28 days)``; None when it is one."""
    if not 1 <= year <= 9999:
        return f"年份应在 1–9999 之间，现为 {year} (year must be within 1–9999)"
    if not 1 <= month <= 12:
        return f"月份应在 1–12 之间，现为 {month} (month must be within 1–12)"
    days = calendar.monthrange(year, month)[1]
    if day < 1:
        return f"日应从 1 开始，现为 {day} (day must be at least 1)"
    if day > days:
        return f"{year}年{month}月只有{days}天 ({_MONTHS[month - 1]} {year} has {days} days)"
    return None


def _to_date(value: Any) -> Any:
    """Return the date a string writes as ``2026-03-01`` or ``2026年3月1日`` (full-width digits
    too); raise PydanticCustomError naming the reason when it is no calendar date. A date passes
    through, and so does an ISO date with a time of day (pydantic takes midnight and refuses
    any other time); anything else is refused."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "应为日期 (expected a date)")
    text = value.strip()
    match = _ISO_DATE.match(text) or _CN_DATE.match(text)
    if match is None:
        if _DATE_TIME.match(text):
            return text
        raise PydanticCustomError("date_parsing", "应为日期 (expected a date)")
    year, month, day = (int(part) for part in match.groups())
    problem = date_problem(year, month, day)
    if problem:
        raise PydanticCustomError(
            "date_value",
            "日期「{value}」无效：{problem}",
            {"value": printable(text), "problem": problem},
        )
    return date(year, month, day)


CnDate = Annotated[
    date,
    BeforeValidator(_to_date),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date", "description": "公历日期，如 2026-03-01"},
                {
                    "type": "string",
                    "pattern": rf"^(?![0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$)\s*{_DIGIT}{{4}}-"
                    rf"{_DIGIT}{{1,2}}-{_DIGIT}{{1,2}}\s*$",
                    "description": "公历日期，月、日可写一位数或全角数字，如 2026-3-1",
                },
                {
                    "type": "string",
                    "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]00:00(:00(\.0+)?)?"
                    r"(Z|[+-][0-9]{2}:[0-9]{2})?\s*$",
                    "description": "零点的日期时间，如 2026-03-01T00:00:00",
                },
                {
                    "type": "string",
                    "pattern": r"^\s*[0-9０-９]{4}\s*年\s*[0-9０-９]{1,2}\s*月\s*[0-9０-９]{1,2}\s*日\s*$",
                    "description": "中文日期，如 2026年3月1日",
                },
            ],
            "examples": ["2026-03-01", "2026年3月1日"],
        }
    ),
]
"""A calendar date, written ``2026-03-01`` or ``2026年3月1日``; an impossible one (2026-02-30) is
refused with its reason (2026年2月只有28天)."""

# --------------------------------------------------------------------------- credit code

# GB 32100-2015: 18 characters from this 31-character alphabet (no I, O, S, V, Z); the last is a
# check character over the first 17 with these weights. Written here because no maintained
# library on PyPI validates it.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters `first17`."""
    total = sum(
        _CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714-1997: the weights of the eight body characters of an organisation code."""


def organisation_code_check_char(body: str) -> str:
    """Return the GB 11714-1997 check character of the eight-character organisation code body
    `body` (positions 9–16 of a 统一社会信用代码, whose position 17 it checks): digits count
    as themselves, letters A–Z as 10–35; 11 − (Σ mod 11), with 10 written X and 11 written 0."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _check_credit_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 18:
        raise PydanticCustomError(
            "credit_code_length",
            "统一社会信用代码应为18位，现为{n}位 (must be 18 characters, got {n})",
            {"n": len(code)},
        )
    bad = [c for c in code if c not in _CREDIT_ALPHABET]
    if bad:
        raise PydanticCustomError(
            "credit_code_charset",
            "统一社会信用代码含非法字符「{c}」（不得使用 I、O、S、V、Z） "
            "(character '{c}' is not allowed)",
            {"c": printable(bad[0])},
        )
    embedded = organisation_code_check_char(code[8:16])
    if code[16] != embedded:
        raise PydanticCustomError(
            "credit_code_org_checksum",
            "统一社会信用代码第17位（内含的组织机构代码的校验位，GB 11714）应为「{expected}」，"
            "现为「{got}」，请核对 (the organisation code's check character, position 17, should "
            "be {expected}, got {got})",
            {"expected": embedded, "got": printable(code[16])},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise PydanticCustomError(
            "credit_code_checksum",
            "统一社会信用代码校验位错误：第18位应为「{expected}」，现为「{got}」，请核对 "
            "(check character should be {expected}, got {got})",
            {"expected": expected, "got": printable(code[17])},
        )
    return code


CreditCode = Annotated[
    str,
    Field(
        description="统一社会信用代码（GB 32100-2015，校验位已核验）",
        # In the schema only: the validator below gives a clearer message than a pattern would.
        json_schema_extra={
            "pattern": r"^[0-9A-HJ-NPQRTUWXY]{18}$",
            "minLength": 18,
            "maxLength": 18,
        },
    ),
    AfterValidator(_check_credit_code),
]

# --------------------------------------------------------------------------- closed sets


class Scope(StrEnum):
    """Kind of outsourcing."""

    ITO = "ITO"
    """信息技术外包 information-technology outsourcing."""
    BPO = "BPO"
    """业务流程外包 business-process outsourcing."""
    KPO = "KPO"
    """知识流程外包 knowledge-process outsourcing."""
    OTHER = "other"
    """其他外包."""


class Severity(StrEnum):
    """Incident severity levels, P1 the most severe."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Classification(StrEnum):
    """Information classification levels, from the least to the most protected."""

    PUBLIC = "public"
    """公开"""
    INTERNAL = "internal"
    """内部"""
    CONFIDENTIAL = "confidential"
    """秘密"""
    SECRET = "secret"
    """机密"""
    TOP_SECRET = "top_secret"
    """绝密"""


class IpOwnership(StrEnum):
    """Who owns deliverables made under a contract."""

    CLIENT = "client"
    """甲方（委托方）所有"""
    VENDOR = "vendor"
    """乙方（服务商）所有，甲方获得许可"""
    JOINT = "joint"
    """双方共有"""


class Frequency(StrEnum):
    """How often something recurs."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class Industry(StrEnum):
    """The organisation's industry; banking and insurance bring their regulators' rules."""

    BANKING = "banking"
    INSURANCE = "insurance"
    SECURITIES = "securities"
    MANUFACTURING = "manufacturing"
    INTERNET = "internet"
    RETAIL = "retail"
    HEALTHCARE = "healthcare"
    OTHER = "other"


class DisputeResolution(StrEnum):
    """How the parties settle a dispute they cannot resolve by negotiation."""

    LITIGATION = "litigation"
    """向有管辖权的人民法院提起诉讼"""
    ARBITRATION = "arbitration"
    """提交仲裁委员会仲裁"""


class WarningLevel(StrEnum):
    """Risk warning levels, from the mildest."""

    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


class Comparison(StrEnum):
    """Whether a metric is met by reaching at least or at most its target."""

    AT_LEAST = ">="
    AT_MOST = "<="


class RiskLevel(StrEnum):
    """The rating a likelihood × impact score earns, or an assessment gives a residual risk."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
