"""Read an engagements file — JSON Lines or CSV, one engagement per row — as plain data.

Input: a path. Output: one Row per record, streamed, holding the engagement as the plain data
``engagements[]`` holds in a profile (not yet validated), or the issues that kept the record
from being read: a syntax error names its line. A problem with the whole file (missing, a CSV
that is not UTF-8, a CSV header naming unknown fields) raises InvalidInputError.

CSV columns are the dotted paths of the fields (``vendor.name``, ``fee.amount``,
``term.start``). A list of texts such as ``services`` is either one column whose cell
separates the items with a full-width semicolon ``；`` or one column per item (``services[0]``,
``services[1]``); a list of objects takes one column per item and field
(``fee.payment_schedule[0].milestone``). An empty cell means the field is absent, so its
default applies."""

from __future__ import annotations

import csv
import json
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from policygen.errors import InvalidInputError, Issue, Location, UsageError, suggest
from policygen.profile.engagement import Engagement
from policygen.profile.load import Loc, dotted, read_decimal, read_int, split_path, unwrap

ENGAGEMENTS_FILE = "合同清单"
"""What a headline calls the file (合同清单有误), not the profile (配置有误)."""

LIST_SEPARATOR = "；"
"""Separates the items of a list of texts written in one CSV cell."""

MAX_ROW_BYTES = 1024 * 1024
"""Largest row accepted, in bytes; a real engagement is a few kilobytes."""

MAX_INDEX = 999
"""Largest list index a CSV column may name, e.g. ``services[999]``."""


@dataclass(frozen=True)
class Row:
    """One record of an engagements file, read but not yet validated."""

    number: int
    """Position among the records, from 1. A CSV header and blank lines are not records."""
    line: int
    """Line of the file the record starts on, from 1."""
    data: dict[str, Any] | None
    """The engagement as plain data; None when the record could not be read."""
    issues: tuple[Issue, ...] = ()
    """Why the record could not be read (syntax, encoding, shape)."""


def rows_format(path: Path) -> Literal["jsonl", "csv"]:
    """Return the format of the engagements file `path` from its extension."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise UsageError(
        f"{path}: 无法从扩展名判断格式，应为 .jsonl 或 .csv (engagements must be .jsonl or .csv)"
    )


def read_rows(path: Path) -> Iterator[Row]:
    """Yield the records of the engagements file `path` one by one.

    A record that cannot be read is yielded with its issues; a problem with the whole file (it
    is missing, not UTF-8 for CSV, or its CSV header names unknown fields) raises
    InvalidInputError."""
    path = Path(path)
    fmt = rows_format(path)
    if not path.is_file():
        raise _file_error(path, "找不到文件 (file not found)")
    return _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path)


def _file_error(path: Path, message: str, line: int | None = None) -> InvalidInputError:
    return InvalidInputError(
        [Issue("", message, Location(str(path), line))], str(path), ENGAGEMENTS_FILE
    )


def _row_error(number: int, line: int, path: Path, message: str, column: int | None = None) -> Row:
    return Row(number, line, None, (Issue("", message, Location(str(path), line, column)),))


class _BadRecord(ValueError):
    """A record that cannot be read: the message, and the column when known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _BadRecord(f"重复的键「{key}」：同一对象中的键只能出现一次 (duplicate key)")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _BadRecord(f"不支持 {name}，请写成数值 (not a number)")


def _json_object(raw: bytes, line: int) -> dict[str, Any]:
    """Return the JSON object on one line; raise _BadRecord saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadRecord(
            f"第 {line} 行不是 UTF-8 编码（第 {exc.start + 1} 字节） (not UTF-8)"
        ) from None
    try:
        data = json.loads(
            text,
            parse_float=read_decimal,
            parse_int=read_int,
            parse_constant=_no_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise _BadRecord(
            f"第 {line} 行第 {exc.colno} 列 JSON 语法错误 (JSON syntax error): {exc.msg}", exc.colno
        ) from None
    except _BadRecord as exc:
        raise _BadRecord(f"第 {line} 行：{exc}") from None
    except RecursionError:
        raise _BadRecord(f"第 {line} 行 JSON 嵌套层级过深 (nesting too deep)") from None
    if not isinstance(data, dict):
        raise _BadRecord(
            f"第 {line} 行应为一个 JSON 对象（一份合同） (each line must be a JSON object)"
        )
    return data


def _jsonl_rows(path: Path) -> Iterator[Row]:
    """Yield one Row per non-blank line of the JSON Lines file `path`."""
    number = 0
    line = 0
    with path.open("rb") as stream:
        while raw := stream.readline(MAX_ROW_BYTES + 1):
            line += 1
            too_long = len(raw) > MAX_ROW_BYTES and not raw.endswith(b"\n")
            while too_long and (rest := stream.readline(MAX_ROW_BYTES)) and rest[-1:] != b"\n":
                pass  # skip the rest of the line, a bounded piece at a time
            if not too_long and not raw.removeprefix(b"\xef\xbb\xbf").strip():
                continue
            number += 1
            try:
                if too_long:
                    raise _BadRecord(f"第 {line} 行超过 {MAX_ROW_BYTES // 1024} KB 上限 (too long)")
                data = _json_object(raw.removeprefix(b"\xef\xbb\xbf") if line == 1 else raw, line)
            except _BadRecord as bad:
                yield _row_error(number, line, path, str(bad), bad.column)
            else:
                yield Row(number, line, data)


@dataclass(frozen=True)
class _Column:
    """One CSV column: where its cells go in an engagement."""

    loc: Loc
    """The field path, e.g. ('fee', 'payment_schedule', 0, 'percent')."""
    split: bool
    """True when a cell holds a whole list of texts separated by `LIST_SEPARATOR`."""


_COLUMN = re.compile(r"[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*")


def _csv_rows(path: Path) -> Iterator[Row]:
    """Yield one Row per non-blank record of the CSV file `path`, after checking its header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _file_error(path, f"表头 CSV 语法错误 (CSV syntax error): {exc}", 1) from None
            columns = _columns(header, path)
            number = 0
            last = reader.line_num
            while True:
                start = last + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    number += 1
                    last = reader.line_num
                    yield _row_error(
                        number,
                        start,
                        path,
                        f"第 {start}–{last} 行 CSV 语法错误 (CSV syntax error): {exc}"
                        if last > start
                        else f"第 {start} 行 CSV 语法错误 (CSV syntax error): {exc}",
                    )
                    continue
                last = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                number += 1
                yield _csv_row(number, start, record, columns, path)
    except UnicodeDecodeError as exc:
        raise _file_error(
            path,
            f"文件不是 UTF-8 编码（第 {exc.start + 1} 字节附近）；在 Excel 中请另存为"
            "「CSV UTF-8（逗号分隔）」 (not UTF-8 encoded)",
        ) from None


def _columns(header: list[str], path: Path) -> list[_Column]:
    """Return the columns `header` names; raise InvalidInputError listing every bad name."""
    issues: list[Issue] = []
    columns: list[_Column] = []
    seen: dict[Loc, int] = {}
    at = Location(str(path), 1)
    for index, raw in enumerate(header, start=1):
        name = raw.strip()
        problem = None
        split = False
        loc: Loc = ()
        if not name:
            problem = "没有列名 (empty column name)"
        elif not _COLUMN.fullmatch(name):
            problem = (
                "列名应为字段路径，如 vendor.name、services[0]、fee.payment_schedule[0].percent "
                "(column names are field paths)"
            )
        else:
            loc = split_path(name)
            problem, split = _column_shape(loc)
            if problem is None and loc in seen:
                problem = f"与第 {seen[loc]} 列重复 (duplicate column)"
            seen.setdefault(loc, index)
        if problem:
            issues.append(Issue(name, f"表头第 {index} 列：{problem}", at))
        columns.append(_Column(loc, split))
    # A list written both as one cell and as indexed columns would be ambiguous.
    for column in columns:
        if column.split and any(
            other.loc[: len(column.loc)] == column.loc and len(other.loc) > len(column.loc)
            for other in columns
        ):
            name = dotted(column.loc)
            issues.append(
                Issue(
                    name,
                    f"列「{name}」与「{name}[0]」等分项列不能同时使用 (use one form of the list)",
                    at,
                )
            )
    if issues:
        raise InvalidInputError(issues, str(path), ENGAGEMENTS_FILE)
    return columns


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _column_shape(loc: Loc) -> tuple[str | None, bool]:
    """Return (problem, split) for the column at `loc` of an engagement: problem is None when
    the column names a value; split is True when its cells hold a ；-separated list."""
    annotation: Any = Engagement
    for depth, part in enumerate(loc):
        annotation = unwrap(annotation)
        here = dotted(loc[:depth]) or "合同"
        if isinstance(part, int):
            if part > MAX_INDEX:
                return f"序号 [{part}] 过大，最多 [{MAX_INDEX}] (index too large)", False
            if typing.get_origin(annotation) is not list:
                return f"「{here}」不是列表，不能写 [{part}] (not a list)", False
            annotation = typing.get_args(annotation)[0]
        elif _is_model(annotation):
            fields = list(annotation.model_fields)
            if part not in fields:
                hint = suggest(part, fields)
                shown = hint.zh or f"；此处可用：{', '.join(fields)}"
                return f"未知字段「{part}」{shown} (unknown field{hint.en})", False
            annotation = annotation.model_fields[part].annotation
        else:
            return f"「{here}」不是对象，不能有子字段 (not an object)", False
    annotation = unwrap(annotation)
    name = dotted(loc)
    if _is_model(annotation):
        first = next(iter(annotation.model_fields))
        return f"「{name}」是对象，请按字段分列，如 {name}.{first} (one column per field)", False
    if typing.get_origin(annotation) is list:
        item = unwrap(typing.get_args(annotation)[0])
        if _is_model(item):
            first = next(iter(item.model_fields))
            return (
                f"「{name}」是对象列表，请按项和字段分列，如 {name}[0].{first} "
                "(one column per item and field)",
                False,
            )
        return None, True
    return None, False


def _csv_row(number: int, line: int, record: list[str], columns: list[_Column], path: Path) -> Row:
    """Return the engagement written in the CSV `record` as a Row."""
    issues: list[Issue] = []
    where = Location(str(path), line)
    extra = record[len(columns) :]
    if any(cell.strip() for cell in extra):
        issues.append(
            Issue(
                "",
                f"本行有 {len(record)} 列，多于表头的 {len(columns)} 列 (more cells than columns)",
                where,
            )
        )
    data: dict[Any, Any] = {}
    for column, cell in zip(columns, record, strict=False):
        text = cell.strip()
        if not text:
            continue
        value: Any = text
        if column.split:
            value = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        node = data
        for part in column.loc[:-1]:
            node = node.setdefault(part, {})
        node[column.loc[-1]] = value
    plain = _as_lists(data, (), issues, where)
    if issues:
        return Row(number, line, None, tuple(issues))
    return Row(number, line, plain)


def _as_lists(node: Any, loc: Loc, issues: list[Issue], where: Location) -> Any:
    """Return `node` with every mapping keyed by item indexes turned into a list; a gap in the
    indexes is an issue, so that a path in an error always names the column it came from."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(key, int) for key in node):
        items = []
        for index in range(max(node) + 1):
            if index not in node:
                issues.append(
                    Issue(
                        dotted((*loc, index)),
                        f"第 {index + 1} 项为空，但其后的项有值：列表项须从 [0] 起连续填写 "
                        "(list items must be filled from [0] without gaps)",
                        where,
                    )
                )
                break  # one gap per list is enough to point at the column
            items.append(_as_lists(node[index], (*loc, index), issues, where))
        return items
    return {key: _as_lists(value, (*loc, key), issues, where) for key, value in node.items()}


def row_key(data: Mapping[str, Any] | None) -> str | None:
    """Return the contract number `data` declares, folded for comparison, or None."""
    if data is None:
        return None
    number = data.get("contract_no")
    return number.strip().casefold() if isinstance(number, str) and number.strip() else None
