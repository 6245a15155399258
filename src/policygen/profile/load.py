"""Read a profile from YAML, JSON, TOML, a string, a dict or standard input, and validate it.

Input: text or data. Output: a validated Profile, or InvalidInputError listing every problem at
once, each with its dotted path, a Chinese message and, for YAML and JSON, file:line:column."""

from __future__ import annotations

import functools
import io
import json
import math
import re
import sys
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import ScalarNode

from policygen.chars import printable

try:
    # cyaml takes CParser from the C extension and leaves it out of its __all__.
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
except ImportError:  # ruamel.yaml.clib is not installed: the pure-Python reader reads all
    CParser = None
from policygen.errors import InvalidInputError, Issue, Location, suggest
from policygen.profile import partial
from policygen.profile.base import RULES_ERROR
from policygen.profile.model import ENGAGEMENT_SECTIONS, Profile
from policygen.reading import read_at_most

MAX_PROFILE_BYTES = 5 * 1024 * 1024
"""Largest profile accepted, in bytes; a real one is a few kilobytes."""

MAX_NODES = 500_000
"""Most values (scalars, lists, mappings) a profile may hold, aliases expanded: room for
MAX_ENGAGEMENTS engagements as detailed as the bank's first (about 215 values each, with its
pre-signing assessment and on-site work)."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists accepted. A real profile is 5 deep
(engagements[0].fee.payment_schedule[0].milestone); the parsers and the validator recurse, so
a document nested thousands deep would otherwise end in RecursionError."""

_TOO_DEEP = f"嵌套层级过深：最多 {MAX_DEPTH} 层 (nesting deeper than {MAX_DEPTH} levels)"

MAX_NUMBER_DIGITS = 100
"""Most digits a number may be written with. A field takes at most 18 significant digits
(types.MAX_DIGITS) and says so at its path; this bound comes first, for every number read
from any source, so that no parser, Decimal context or int conversion meets a longer one."""

MAX_EXPONENT = 100
"""Largest power of ten a number may be written with, either way (``1E+100``, ``1E-100``).
Without it ``1E+999999999`` is a few bytes that turn into a billion-digit integer (and hang)
where a field wants a whole number, and ``1e99999999999999999999`` is no Decimal at all."""

FORMATS = ("yaml", "json", "toml")

Loc = tuple[str | int, ...]


@dataclass
class Parsed:
    """Plain data read from a source, and where each value sits in it."""

    data: Any
    source: str
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """(line, column), both from 1, of each mapping key or sequence item by its path."""
    find_positions: Callable[[], dict[Loc, tuple[int, int]]] | None = field(
        default=None, repr=False
    )
    """Return `positions` when they are first needed (JSON: a scan of the text, made only
    when a problem is to be located); None when `positions` is already complete."""

    def location(self, loc: Loc) -> Location:
        """Return the place of `loc`, or of its nearest ancestor that has one."""
        if self.find_positions is not None:
            self.positions.update(self.find_positions())
            self.find_positions = None
        for end in range(len(loc), -1, -1):
            found = self.positions.get(loc[:end])
            if found:
                return Location(self.source, *found)
        return Location(self.source)


@dataclass(frozen=True)
class Unreadable:
    """A number as written that no Decimal or int can hold (``1e99999999999999999999``, a
    5,000-digit integer): what the parsers give in its place, reported at its path by
    `validate`."""

    text: str
    """The number as written."""


def read_decimal(text: str) -> Decimal | Unreadable:
    """Return the number written as `text`, or Unreadable when no Decimal can hold it."""
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return Unreadable(text)


def read_int(text: str) -> int | Unreadable:
    """Return the whole number written as `text`, or Unreadable beyond Python's conversion
    limit (4,300 digits)."""
    try:
        return int(text)
    except ValueError:
        return Unreadable(text)


# --------------------------------------------------------------------------- public API


def load_profile(
    source: str | Path | Mapping[str, Any],
    *,
    fmt: str | None = None,
    name: str | None = None,
) -> Profile:
    """Return the validated profile in `source`.

    `source` is a path (``-`` for standard input), or a mapping already parsed. Use
    `load_profile_text` for a string. `fmt` (yaml, json, toml) overrides the file extension."""
    return validate(parse_source(source, fmt=fmt, name=name))


def parse_source(
    source: str | Path | Mapping[str, Any],
    *,
    fmt: str | None = None,
    name: str | None = None,
) -> Parsed:
    """Return the plain data in `source` (as for `load_profile`) with positions; raise
    InvalidInputError when it cannot be read or parsed."""
    if isinstance(source, Mapping):
        return Parsed(dict(source), name or "<dict>")
    path = Path(source) if not isinstance(source, Path) else source
    if str(source) == "-":
        text = _read_limited(sys.stdin.buffer, "<stdin>")
        return parse(text, fmt=fmt or text_format(text), name=name or "<stdin>")
    label = name or str(path)
    try:
        with path.open("rb") as stream:
            text = _read_limited(stream, label)
    except FileNotFoundError:
        raise _fail(label, "找不到文件 (file not found)") from None
    except IsADirectoryError:
        raise _fail(label, "这是一个目录，请给出配置文件 (is a directory)") from None
    except OSError as exc:
        raise _fail(label, f"无法读取文件 (cannot read): {exc.strerror}") from None
    return parse(text, fmt=fmt or _format_of(path), name=label)


def load_profile_text(text: str, *, fmt: str = "yaml", name: str = "<string>") -> Profile:
    """Return the validated profile written in `text` as `fmt` (yaml, json or toml)."""
    return validate(parse(text, fmt=fmt, name=name))


def parse(text: str, *, fmt: str, name: str) -> Parsed:
    """Return the plain data in `text` with positions; raise InvalidInputError on bad syntax."""
    if fmt not in FORMATS:
        raise _fail(name, f"不支持的格式 {fmt}，应为 yaml、json 或 toml (unsupported format)")
    if fmt == "json":
        return _parse_json(text, name)
    if fmt == "toml":
        return _parse_toml(text, name)
    return _parse_yaml(text, name)


def validate(parsed: Parsed) -> Profile:
    """Return the Profile `parsed` describes; raise InvalidInputError listing every problem."""
    if not isinstance(parsed.data, dict):
        raise InvalidInputError(
            [
                Issue(
                    "",
                    "配置文件顶层应为键值映射（meta、organisation…） (top level must be a mapping)",
                    parsed.location(()),
                )
            ],
            parsed.source,
        )
    # Unknown keys are reported here and dropped, so that a misspelt key does not stop the
    # cross-field rules of its section from running: every mistake is listed in one pass.
    unknown = list(_unknown_keys(parsed.data, ()))
    data = _without(parsed.data, {loc for loc in unknown})
    issues = [Issue(dotted(loc), _unknown_key(loc), parsed.location(loc)) for loc in unknown]
    # Numbers beyond any field's range are reported here and left out (as None), so that no
    # validator, Decimal context or int conversion meets them: `1E+999999999` in a whole-number
    # field would otherwise become a billion-digit integer.
    numbers = dict(_bad_numbers(data, ()))
    data = _blanked(data, set(numbers))
    issues += [
        Issue(dotted(loc), message, parsed.location(loc)) for loc, message in numbers.items()
    ]
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        found = [i for i in issues_from(exc, parsed) if not _below(i.path, numbers)]
        found += _rules_on_valid_parts(data, parsed, found)
        issues += _inherited_once(found)
    else:
        if not issues:
            return profile
    issues.sort(key=lambda i: (i.location.line or 0) if i.location else 0)
    raise InvalidInputError(issues, parsed.source)


_OVERRIDE = re.compile(r"^engagements\[\d+\]\.(?=(?:" + "|".join(ENGAGEMENT_SECTIONS) + r")\b)")


def _inherited_once(issues: list[Issue]) -> list[Issue]:
    """Return `issues` without those an engagement's override inherits from the organisation's
    section: the same problem at the same place below the section is reported once, where it
    is written (``sla.credits.metric``), not again for every engagement that overrides ``sla``."""
    organisation = {(i.path, i.message) for i in issues if not i.path.startswith("engagements[")}
    return [
        i
        for i in issues
        if (_OVERRIDE.sub("", i.path), i.message) not in organisation or not _OVERRIDE.match(i.path)
    ]


def _rules_on_valid_parts(data: Any, parsed: Parsed, reported: list[Issue]) -> list[Issue]:
    """Return what the cross-field rules of the sections that failed say about their parts that
    validated (profile.partial), apart from what `reported` already says."""
    seen = {(issue.path, issue.message) for issue in reported}
    issues = []
    for loc, sub, message in partial.violations(Profile, data):
        full = loc + split_path(sub)
        if (dotted(full), message) not in seen:
            seen.add((dotted(full), message))
            issues.append(Issue(dotted(full), message, parsed.location(full)))
    return issues


def _unknown_keys(data: Any, loc: Loc) -> typing.Iterator[Loc]:
    """Yield the path of every mapping key in `data` that its model does not define."""
    if isinstance(data, dict):
        known = fields_at(loc)
        for key, value in data.items():
            if known and key not in known:
                yield (*loc, key)
            elif known:
                yield from _unknown_keys(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _unknown_keys(value, (*loc, index))


_NUMBER_TOO_LONG = (
    f"数字过长：最多 {MAX_NUMBER_DIGITS} 位 (number too long, at most {MAX_NUMBER_DIGITS} digits)"
)
_NUMBER_OUT_OF_RANGE = (
    f"数值超出范围：指数应在 ±{MAX_EXPONENT} 以内 (number out of range, exponent beyond "
    f"±{MAX_EXPONENT})"
)


_TOO_LARGE = 10**MAX_NUMBER_DIGITS


def _bad_numbers(data: Any, loc: Loc) -> typing.Iterator[tuple[Loc, str]]:
    """Yield the path of every number in `data` written with more than MAX_NUMBER_DIGITS
    digits or a power of ten beyond ±MAX_EXPONENT, or that no parser could read, and why."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _bad_numbers(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _bad_numbers(value, (*loc, index))
    else:
        problem = _number_problem(data)
        if problem:
            yield loc, problem


def _number_problem(value: Any) -> str | None:
    """Return why `value` is a number no field can hold (see `_bad_numbers`); None when it is
    not a number, or one within bounds."""
    if isinstance(value, Unreadable):
        scientific = "e" in value.text.lower() and not value.text.lower().startswith("0x")
        return _NUMBER_OUT_OF_RANGE if scientific else _NUMBER_TOO_LONG
    if isinstance(value, Decimal) and value.is_finite():
        _, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) > MAX_NUMBER_DIGITS:
            return _NUMBER_TOO_LONG
        if not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
            return _NUMBER_OUT_OF_RANGE
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _TOO_LARGE:
        return _NUMBER_TOO_LONG
    return None


def _blanked(data: Any, blank: set[Loc], loc: Loc = ()) -> Any:
    """Return `data` with None at the paths in `blank`."""
    if not blank:
        return data
    if loc in blank:
        return None
    if isinstance(data, dict):
        return {k: _blanked(v, blank, (*loc, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_blanked(v, blank, (*loc, i)) for i, v in enumerate(data)]
    return data


def _below(path: str, locs: Mapping[Loc, str]) -> bool:
    """Return whether `path` is one of `locs` or lies below one."""
    for loc in locs:
        head = dotted(loc)
        if path == head or path.startswith((head + ".", head + "[")):
            return True
    return False


def _without(data: Any, drop: set[Loc], loc: Loc = ()) -> Any:
    """Return `data` without the keys at the paths in `drop`."""
    if not drop:
        return data
    if isinstance(data, dict):
        return {k: _without(v, drop, (*loc, k)) for k, v in data.items() if (*loc, k) not in drop}
    if isinstance(data, list):
        return [_without(v, drop, (*loc, i)) for i, v in enumerate(data)]
    return data


# --------------------------------------------------------------------------- reading


def _read_limited(stream: typing.BinaryIO, label: str) -> str:
    raw = read_at_most(stream, MAX_PROFILE_BYTES)
    if raw is None:
        raise _fail(
            label,
            f"配置文件超过 {MAX_PROFILE_BYTES // (1024 * 1024)} MB 上限 (profile too large); "
            "大量合同请使用 policygen batch",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            label, f"文件不是 UTF-8 编码（第 {exc.start + 1} 字节） (not UTF-8 encoded)"
        ) from None


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".json", ".toml"):
        return suffix[1:]
    raise _fail(
        str(path), "无法从扩展名判断格式：应为 .yaml、.yml、.json 或 .toml (unknown extension)"
    )


_JSON_START = re.compile(r'\s*(\[|\{\s*("|\}))')
"""How a JSON text starts: ``[``, ``{"`` or ``{}``. YAML's flow style starts with ``{`` too,
but its keys need no quotes: ``{meta: {version: V1}}``."""


def text_format(text: str, declared: str | None = None) -> str:
    """Return the format of profile `text` whose source declares nothing more precise than
    `declared` (a media type such as ``application/yaml``, or a format name; None: nothing):
    YAML or TOML when it names one, else JSON when the text starts as JSON does, else YAML
    (block or flow style). Standard input (``-``) and the HTTP service's request body are
    read this way, so a YAML body sent as ``application/json`` or untyped is read as YAML."""
    media = (declared or "").split(";")[0].strip().lower()
    if "yaml" in media or media == "yml":
        return "yaml"
    if "toml" in media:
        return "toml"
    return "json" if _JSON_START.match(text) else "yaml"


def _fail(
    source: str, message: str, line: int | None = None, column: int | None = None
) -> InvalidInputError:
    return InvalidInputError([Issue("", message, Location(source, line, column))], source)


class _TooManyNodes(Exception):
    """The YAML text holds more than MAX_NODES values."""


class _CountingComposer(Composer):
    """ruamel's composer, stopping after MAX_NODES nodes: its pure-Python scanner takes about
    30 s for a million one-line list items, so the budget is spent while reading, not after."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.composed = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.composed += 1
        if self.composed > MAX_NODES:
            raise _TooManyNodes
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> Any:
        """Compose a mapping; raise _KeyNotText at a key that is no text (a list, a mapping,
        a number, a date, true or null): every key of a profile is a name, and a list or a
        mapping cannot even be a Python dict key."""
        node = super().compose_mapping_node(anchor)
        key = _key_not_text(node)
        if key is not None:
            raise _KeyNotText(key)
        return node


_KEY_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"})
"""What a mapping key may be: text, or ``<<`` merging an anchored mapping."""


def _key_not_text(node: Any) -> Any | None:
    """Return the first key of the mapping node `node` that is not text (_KEY_TAGS); None
    when all are."""
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or str(key.tag) not in _KEY_TAGS:
            return key
    return None


class _KeyNotText(Exception):
    """A mapping key that is not text; `node` says where it is and what it is."""

    def __init__(self, node: Any) -> None:
        super().__init__(str(node.tag))
        self.node = node

    def message(self) -> str:
        """Return what is wrong, in Chinese with English after."""
        if not isinstance(self.node, ScalarNode):
            chinese, english = (
                ("列表", "a list") if self.node.id == "sequence" else ("映射", "a mapping")
            )
            return f"键应为文本，这里是{chinese} (a key must be text, not {english})"
        tag = str(self.node.tag).rsplit(":", 1)[-1]
        return (
            f"键应为文本，这里是{_KEY_KINDS.get(tag, tag)}「{str(self.node.value)[:40]}」；"
            f"需要时请加引号 (a key must be text, got {tag}; quote it)"
        )


_KEY_KINDS = {"int": "整数", "float": "数值", "bool": "布尔值", "null": "空值", "timestamp": "日期"}


class _DatesAsText(RoundTripConstructor):
    """ruamel's round-trip constructor, keeping timestamps (2026-03-01) as the text written: the
    profile's date fields read them (profile.types.CnDate), so an impossible date such as
    2026-02-30 is reported at its path, with the reason, beside every other error. Numbers are
    read as JSON and TOML read them (Decimal, or Unreadable), never rounded to 0 or infinity."""

    def construct_timestamp_text(self, node: Any) -> str:
        """Return the timestamp `node` as written."""
        return str(self.construct_scalar(node))

    def construct_yaml_int(self, node: Any) -> Any:
        """Return the integer `node` writes, or Unreadable beyond Python's conversion limit."""
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            return Unreadable(str(node.value))

    def construct_yaml_float(self, node: Any) -> Any:
        """Return the number `node` writes as a Decimal: the shortest form of the float it
        reads as (1234567.89, as before) when that is the number written, else the number as
        written (1e-400, 6.00000000000000000001, 1e400), so that every limit sees what was
        written rather than 0 or infinity; Unreadable when no Decimal can hold it."""
        number = float(super().construct_yaml_float(node))
        written = str(node.value).replace("_", "")
        if not math.isfinite(number) and written.lstrip("+-").lower() in (".inf", ".nan"):
            return Decimal(repr(number))  # .inf, .nan: the field says it must be finite
        exact = read_decimal(written)
        if isinstance(exact, Unreadable) and not _DECIMAL.fullmatch(written):
            return Decimal(repr(number))  # a spelling Decimal does not read (1.1's 1:30.5)
        shortest = Decimal(repr(number))
        if exact == shortest and _number_problem(exact) is None:
            return shortest
        return exact


_DECIMAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
"""A number in decimal notation: what, when no Decimal can hold it, is too large or too small
to read, rather than a spelling Decimal does not know."""

_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _DatesAsText.construct_timestamp_text)
_DatesAsText.add_constructor("tag:yaml.org,2002:int", _DatesAsText.construct_yaml_int)
_DatesAsText.add_constructor("tag:yaml.org,2002:float", _DatesAsText.construct_yaml_float)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    yaml.Composer = _CountingComposer
    yaml.Constructor = _DatesAsText
    return yaml


class _DatesAsTextLoaded(_DatesAsText):
    """_DatesAsText as the constructor of ruamel's C loader, which has no comment handling of
    its own to say: the round-trip constructor asks its loader for it."""

    comment_handling = None

    # The signature of RoundTripConstructor.construct_mapping, which ruamel itself declares
    # against that of its bases.
    def construct_mapping(  # type: ignore[override]
        self, node: Any, maptyp: Any, deep: bool = False
    ) -> Any:
        """Construct a mapping whose keys are all text, as _CountingComposer wants them."""
        if _key_not_text(node) is not None:
            raise _NotPlain
        return super().construct_mapping(node, maptyp, deep=deep)


def _fast_documents(text: str) -> list[Any] | None:
    """Return the one document of `text`, a mapping as a profile and a style file are, read by
    ruamel's C parser (ruamel.yaml.clib: about five times faster than the pure-Python reader,
    a tenth of a second a file), with the same constructor, hence the same values and
    positions; None when the C parser is not installed, the text is no single mapping or not
    plainly well formed — an explicit tag (``!x``: no profile needs one, and the two readers
    resolve some differently), or anything it does not read — so that the pure-Python reader
    reads it and reports what is wrong as it always has.

    Before anything is composed, the C parser's events are counted: nesting deeper than
    MAX_DEPTH raises _TooDeep at the level too many (the C composer recurses on the machine
    stack, and would crash where Python raises RecursionError), more than MAX_NODES values
    _TooManyNodes — at once, where the pure-Python reader would take half a minute."""
    if CParser is None or "\t" in text or _ODD_SYNTAX.search(text):
        return None
    depth = 0
    try:
        for events, event in enumerate(YAML(typ="safe", pure=False).parse(io.StringIO(text))):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:  # the document's own mapping is not a level
                    raise _TooDeep(event.start_mark)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            if events >= MAX_NODES:
                raise _TooManyNodes
            if getattr(event, "tag", None):
                return None
    except YAMLError:
        return None
    try:
        yaml = YAML(typ="rt", pure=True)
        yaml.Reader = yaml.Scanner = None  # the combined C reader, scanner, parser, composer
        yaml.Parser = CParser
        yaml.Constructor = _DatesAsTextLoaded
        yaml.allow_duplicate_keys = False
        documents = list(yaml.load_all(io.StringIO(text)))
    except Exception:
        return None
    return documents if len(documents) == 1 and isinstance(documents[0], CommentedMap) else None


_ODD_SYNTAX = re.compile(r"[&*](?![\w-]+(?:[\s,\]}]|$))|[|>][-+0-9]*#")
"""Where the two readers part (found by tests/profile/test_fast_yaml.py), left to the pure one:
an anchor or alias (or an ampersand or asterisk in text) not followed by a plain name and a
separator (YAML 1.2 lets a name hold a colon, YAML 1.1 does not); a block scalar's header
followed by a comment with no space between. The pure reader also refuses tabs the C one
allows."""


class _TooDeep(Exception):
    """The YAML text nests deeper than MAX_DEPTH; `mark` is where the level too many opens."""

    def __init__(self, mark: Any) -> None:
        super().__init__(str(mark))
        self.mark = mark


class _NotPlain(Exception):
    """The C parser read something the pure-Python reader is to report."""


_TOO_MANY = f"配置包含的值超过 {MAX_NODES} 个（可能是 YAML 别名展开） (too many values)"


def _parse_yaml(text: str, name: str) -> Parsed:
    try:
        documents = _fast_documents(text)
    except _TooManyNodes:
        raise _fail(name, _TOO_MANY) from None
    except _TooDeep as exc:
        raise _fail(name, _TOO_DEEP, exc.mark.line + 1, exc.mark.column + 1) from None
    if documents is not None:
        parsed = Parsed(None, name)
        parsed.data = _plain(documents[0], (), parsed.positions, _Budget(name))
        return parsed
    try:
        documents = list(_yaml().load_all(io.StringIO(text)))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = _yaml_problem(exc)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise _fail(name, problem, line, column) from None
    except YAMLError as exc:
        raise _fail(name, f"YAML 语法错误 (YAML error): {exc}") from None
    except RecursionError:
        raise _fail(name, _TOO_DEEP) from None
    except _TooManyNodes:
        raise _fail(name, _TOO_MANY) from None
    except _KeyNotText as exc:
        mark = exc.node.start_mark
        raise _fail(name, exc.message(), mark.line + 1, mark.column + 1) from None
    except ValueError as exc:  # a scalar ruamel cannot construct
        raise _bad_scalar(name, exc, text) from None
    if len(documents) > 1:
        raise _fail(name, "一个文件只能包含一份配置（发现多个 YAML 文档） (one document only)")
    data = documents[0] if documents else None
    if data is None:
        raise _fail(name, "配置文件为空 (profile is empty)")
    parsed = Parsed(None, name)
    parsed.data = _plain(data, (), parsed.positions, _Budget(name))
    return parsed


def _duplicate_key(key: str) -> str:
    return f"重复的键「{key}」：同一层级的键只能出现一次 (duplicate key {key!r})"


def _yaml_problem(exc: MarkedYAMLError) -> str:
    text = f"{exc.context or ''} {exc.problem or ''}".strip()
    if "duplicate key" in text:
        key = re.search(r'duplicate key "?([^"\n]+?)"?(?: with value|$)', text)
        return _duplicate_key(key.group(1) if key else "")
    if "found character '\\t'" in text or "\\t" in text:
        return "YAML 缩进不能使用制表符，请改用空格 (tabs are not allowed for indentation)"
    return f"YAML 语法错误，请检查此处的缩进、冒号与引号 (YAML syntax error: {text})"


class _Budget:
    """Counts values while converting, so an alias bomb fails fast instead of exhausting memory,
    and refuses nesting deeper than MAX_DEPTH."""

    def __init__(self, source: str) -> None:
        self.left = MAX_NODES
        self.source = source

    def spend(self, depth: int, where: tuple[int, int] | None = None) -> None:
        self.left -= 1
        if self.left < 0:
            raise _fail(self.source, _TOO_MANY)
        if depth > MAX_DEPTH:
            raise _fail(self.source, _TOO_DEEP, *(where or ()))


_INT_DIGITS = re.compile(r"Exceeds the limit \((\d+) digits\)")


_LONG_DIGITS = re.compile(f"[0-9_]{{{MAX_NUMBER_DIGITS + 1},}}")


def _bad_scalar(name: str, exc: ValueError, text: str) -> InvalidInputError:
    """Return the error for a value the parser could not construct (TOML's 5,000-digit
    integer), at the first run of digits in `text` too long to be a number of a profile."""
    where = _LONG_DIGITS.search(text)
    line = text.count("\n", 0, where.start()) + 1 if where else None
    column = where.start() - text.rfind("\n", 0, where.start()) if where else None
    if _INT_DIGITS.search(str(exc)):
        return _fail(name, _NUMBER_TOO_LONG, line, column)
    return _fail(name, f"无效的值 (invalid value): {exc}", line, column)


def _plain(node: Any, loc: Loc, positions: dict[Loc, tuple[int, int]], budget: _Budget) -> Any:
    """Return `node` as plain Python data (floats as Decimal), recording positions by path."""
    budget.spend(len(loc), positions.get(loc))
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            child = (*loc, str(key))
            with _suppress_lc():
                line, column = node.lc.key(key)
                positions[child] = (line + 1, column + 1)
            out[str(key)] = _plain(node[key], child, positions, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*loc, index)
            with _suppress_lc():
                line, column = node.lc.item(index)
                positions[child] = (line + 1, column + 1)
            items.append(_plain(value, child, positions, budget))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, float):
        # ruamel keeps the number as written; repr() of a float is its shortest round-trip form,
        # so "1234567.89" becomes Decimal("1234567.89") exactly.
        return Decimal(repr(float(node)))
    if isinstance(node, int):
        return int(node)
    if isinstance(node, str):
        return str(node)
    return node


class _suppress_lc:
    """Positions are a convenience: a node without line information is simply not located."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return kind is not None and issubclass(kind, (AttributeError, KeyError, TypeError))


def _parse_json(text: str, name: str) -> Parsed:
    try:
        data = json.loads(
            text, parse_float=read_decimal, parse_int=read_int, object_pairs_hook=_unique_keys
        )
    except _DuplicateKey:
        key, line, column = _first_duplicate(text)
        raise _fail(name, _duplicate_key(key), line, column) from None
    except json.JSONDecodeError as exc:
        raise _fail(
            name, f"JSON 语法错误 (JSON syntax error): {exc.msg}", exc.lineno, exc.colno
        ) from None
    except RecursionError:
        raise _fail(name, _TOO_DEEP) from None
    plain = _json_plain(data, _Budget(name))  # refuses deep nesting and too many values
    return Parsed(plain, name, find_positions=functools.partial(_json_positions, text))


class _DuplicateKey(Exception):
    """A JSON object names a key twice (json.loads would keep the last value silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return the members of one JSON object as a dict; raise _DuplicateKey when a key repeats."""
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _DuplicateKey
    return members


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
"""A token of JSON text already read by json.loads: a string, a punctuation mark, or a
number, true, false or null."""


def _json_positions(text: str) -> dict[Loc, tuple[int, int]]:
    """Return the (line, column), both from 1, of each object key and array item of the JSON
    `text`, by path: one pass over the text (which json.loads has read), so locating costs
    what reading costs, however large the input."""
    return _scan_json(text)[0]


def _first_duplicate(text: str) -> tuple[str, int | None, int | None]:
    """Return the first key of the JSON `text` that its object names twice, with its second
    occurrence's line and column."""
    duplicate = _scan_json(text, stop_at_duplicate=True)[1]
    return duplicate if duplicate is not None else ("", None, None)


def _scan_json(
    text: str, *, stop_at_duplicate: bool = False
) -> tuple[dict[Loc, tuple[int, int]], tuple[str, int, int] | None]:
    """Return the positions of `text`'s keys and items (see `_json_positions`) and its first
    repeated key with where it repeats; with `stop_at_duplicate`, stop there."""
    positions: dict[Loc, tuple[int, int]] = {}
    # One frame per open object or array: [path, is_object, key or index, keys seen].
    frames: list[list[Any]] = []
    expect_key = False
    line, line_start, counted = 1, 0, 0

    def where(offset: int) -> tuple[int, int]:
        nonlocal line, line_start, counted
        newlines = text.count("\n", counted, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, offset) + 1
        counted = offset
        return line, offset - line_start + 1

    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        frame = frames[-1] if frames else None
        if first in "}]":
            frames.pop()
            expect_key = False
            continue
        if first == ",":
            if frame is not None and frame[1]:
                expect_key = True
            elif frame is not None:
                frame[2] += 1
            continue
        if first == ":":
            continue
        if expect_key and frame is not None:  # an object's key
            key = json.loads(token) if "\\" in token else token[1:-1]
            here = where(match.start())
            if stop_at_duplicate and key in frame[3]:
                return positions, (key, *here)
            frame[3].add(key)
            frame[2] = key
            positions[(*frame[0], key)] = here
            expect_key = False
            continue
        # The start of a value: an array's item is located here, an object's by its key.
        path: Loc = ()
        if frame is not None:
            path = (*frame[0], frame[2])
            if not frame[1]:
                positions[path] = where(match.start())
        if first == "{":
            frames.append([path, True, None, set()])
            expect_key = True
        elif first == "[":
            frames.append([path, False, 0, None])
    return positions, None


def _json_plain(node: Any, budget: _Budget, depth: int = 0) -> Any:
    budget.spend(depth)
    if isinstance(node, dict):
        return {key: _json_plain(value, budget, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_json_plain(value, budget, depth + 1) for value in node]
    return node


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parse_toml(text: str, name: str) -> Parsed:
    try:
        data = tomllib.loads(text, parse_float=read_decimal)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_AT.search(str(exc))
        line, column = (int(where.group(1)), int(where.group(2))) if where else (None, None)
        message = _TOML_AT.sub("", str(exc)).strip()
        raise _fail(name, f"TOML 语法错误 (TOML syntax error): {message}", line, column) from None
    except RecursionError:
        raise _fail(name, _TOO_DEEP) from None
    except ValueError as exc:  # a 5,000-digit integer: tomllib takes no hook for integers
        raise _bad_scalar(name, exc, text) from None
    return Parsed(_json_plain(data, _Budget(name)), name)


# --------------------------------------------------------------------------- messages

_DATE_EXPECTED = (
    "应为日期，如 2026-03-01 或 2026年3月1日 (expected a date, YYYY-MM-DD or YYYY年M月D日)"
)

_MESSAGES: dict[str, str] = {
    "missing": "缺少必填项 (required field missing)",
    "string_type": "应为文本 (expected text)",
    "string_unicode": "含有无效的 Unicode 字符（孤立的代理项），请删除 (lone surrogate)",
    "string_too_short": "不能为空 (must not be empty)",
    "string_too_long": "过长：最多 {max_length} 个字符 (too long, at most {max_length})",
    "int_type": "应为整数 (expected an integer)",
    "int_parsing": "应为整数 (expected an integer)",
    "int_from_float": "应为整数，不能带小数 (expected a whole number)",
    "int_parsing_size": _NUMBER_TOO_LONG,
    "decimal_type": "应为数值 (expected a number)",
    "decimal_parsing": "应为数值 (expected a number)",
    "decimal_max_places": "小数位数过多：最多 {decimal_places} 位 (too many decimal places)",
    "decimal_max_digits": "数值位数过多：最多 {max_digits} 位有效数字 (too many digits, at most {max_digits})",
    "bool_type": "应为 true 或 false (expected true or false)",
    "bool_parsing": "应为 true 或 false (expected true or false)",
    "date_type": _DATE_EXPECTED,
    "date_parsing": _DATE_EXPECTED,
    "date_from_datetime_parsing": _DATE_EXPECTED,
    "date_from_datetime_inexact": "应为日期，不含时间 (expected a date without time)",
    "enum": "取值应为以下之一：{expected} (expected one of {expected})",
    "literal_error": "取值应为以下之一：{expected} (expected one of {expected})",
    "greater_than": "应大于 {gt} (must be greater than {gt})",
    "greater_than_equal": "应不小于 {ge} (must be at least {ge})",
    "less_than": "应小于 {lt} (must be less than {lt})",
    "less_than_equal": "应不大于 {le} (must be at most {le})",
    "too_short": "至少需要 {min_length} 项 (needs at least {min_length} item(s))",
    "too_long": "最多 {max_length} 项 (at most {max_length} items)",
    "list_type": "应为列表 (expected a list)",
    "model_type": "应为键值映射 (expected a mapping)",
    "dict_type": "应为键值映射 (expected a mapping)",
    "model_attributes_type": "应为键值映射 (expected a mapping)",
    "finite_number": "应为有限数值 (must be finite)",
}


def issues_from(
    exc: ValidationError, parsed: Parsed, model: type[BaseModel] = Profile
) -> list[Issue]:
    """Return one Issue per problem in `exc`, located in `parsed` and worded in Chinese;
    `model` is what was validated (its fields are suggested for an unknown key)."""
    issues: list[Issue] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == RULES_ERROR:
            for sub, message in ctx.get("violations", ()):
                full = loc + split_path(sub)
                issues.append(Issue(dotted(full), message, parsed.location(full)))
            continue
        if error["type"] == "extra_forbidden":
            message = _unknown_key(loc, model)
        elif error["type"] in _MESSAGES:
            message = _MESSAGES[error["type"]].format(**{k: _show(v) for k, v in ctx.items()})
        elif _CJK.search(error["msg"]):
            message = error["msg"]  # our own PydanticCustomError: already worded for the reader
        else:
            message = f"取值无效 (invalid value): {error['msg']}"
        issues.append(Issue(dotted(loc), message, parsed.location(loc)))
    return issues


_CJK = re.compile("[\u4e00-\u9fff]")


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


MOVED: dict[tuple[str, str], str] = {
    ("confidentiality", "return_within"): "exit.confidential_return_within",
    ("data_protection", "deletion_within"): "exit.personal_info_deletion_within",
}
"""Fields that moved, by (section, field), and where they live now: the exit timeline states
every deadline after termination in one place."""


def _unknown_key(loc: Loc, model: type[BaseModel] = Profile) -> str:
    key = printable(str(loc[-1]))  # quoted in the message: no newline or control of its own
    names = [part for part in loc if isinstance(part, str)]
    moved = MOVED.get((names[-2], key)) if len(names) >= 2 else None
    if moved:
        return (
            f"「{key}」已移至 {moved}：合同解除或者终止后的各项期限统一在 exit 中规定 "
            f"(moved to {moved})"
        )
    known = fields_at(loc[:-1], model)
    hint = suggest(key, known)
    if hint.zh:
        return f"未知字段「{key}」{hint.zh} (unknown key {key!r}{hint.en})"
    if known:
        return f"未知字段「{key}」；此处可用：{', '.join(known)} (unknown key {key!r})"
    return f"未知字段「{key}」 (unknown key {key!r})"


def fields_at(loc: Loc, model: type[BaseModel] = Profile) -> list[str]:
    """Return the field names the model at `loc` accepts (empty when `loc` is not a model)."""
    annotation: Any = model
    for part in loc:
        annotation = unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        elif typing.get_origin(annotation) is dict:  # a mapping's value, whatever its key
            args = typing.get_args(annotation)
            annotation = args[1] if len(args) == 2 else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(part)
            annotation = info.annotation if info else None
        else:
            return []
    annotation = unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def unwrap(annotation: Any) -> Any:
    """Return `annotation` stripped of Annotated[...] and Optional[...] (X | None), as often as
    they nest; a union of several types is returned as it is."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> Loc:
    """Return the parts of a dotted path: ``criteria[2].weight`` → ('criteria', 2, 'weight')."""
    return tuple(int(m.group(2)) if m.group(2) else m.group(1) for m in _PART.finditer(path))


def dotted(loc: Loc) -> str:
    """Return `loc` as a dotted path: ('criteria', 2, 'weight') → ``criteria[2].weight``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
