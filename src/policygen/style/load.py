"""Find and read house-style files, each merged over the style it is ``based_on`` and validated.

Input: a style name and the template folders (``styles/<name>.style.yaml``, a user's folder
first, the bundled ``templates/zh`` last), or a file's path. Output: a HouseStyle, or
InvalidInputError listing every problem at its dotted path and, in the file, line and column,
as a profile's are reported.

A style file may begin with ``based_on: NAME``: the style NAME (found as above, never the file
itself) is read first and the file's values are merged over it, a mapping into a mapping key
by key, anything else (a number, a list, null) replacing what the base has. A file read once is
remembered while its size and modification time stay the same."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue, Location, UsageError
from policygen.profile.load import Parsed, dotted, issues_from, parse_source
from policygen.style.model import HouseStyle

STYLE_FOLDER = "styles"
"""The folder of a template folder that holds style files."""
STYLE_SUFFIX = ".style.yaml"
"""How a style file's name ends: ``styles/gongwen.style.yaml`` is the style ``gongwen``."""
MAX_BASES = 4
"""Most styles a chain of ``based_on`` may pass through."""
BUNDLED_FOLDER = Path(__file__).resolve().parents[1] / "templates" / "zh"
"""The bundled template folder, holding the styles ``default`` and ``gongwen``."""


def style_path(name: str, template_dirs: tuple[Path, ...] | list[Path] = (), *,
               skip: Path | None = None) -> Path | None:  # fmt: skip
    """Return the file of style `name` in `template_dirs` (then the bundled folder), None when
    none has it; a file at `skip` (one based on a style of its own name) is passed over."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    skipped = os.path.realpath(skip) if skip is not None else None
    for folder in (*template_dirs, BUNDLED_FOLDER):
        candidate = Path(folder) / STYLE_FOLDER / f"{name}{STYLE_SUFFIX}"
        if candidate.is_file() and os.path.realpath(candidate) != skipped:
            return candidate
    return None


_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def style_option(value: str | Path, template_dirs: tuple[Path, ...] | list[Path] = ()) -> Path:
    """Return the style file `value` gives (``render --style``, the API's ``style=``): a file's
    path, or the name of a style in `template_dirs` (then the bundled folder). Raise
    UsageError when it is neither, and InvalidInputError when the file is not a valid style:
    both before anything is rendered."""
    path = Path(value)
    if not path.is_file():
        text = str(value)
        found = style_path(text, template_dirs) if _NAME.fullmatch(text) else None
        if found is None:
            raise UsageError(
                f"找不到版式文件或版式「{text}」：应为 .style.yaml 文件的路径，或 "
                f"{', '.join(sorted(available_styles(template_dirs)))} 之一 (style not found)",
                code="unknown_style",
                allowed=sorted(available_styles(template_dirs)),
            )
        path = found
    load_style(path, template_dirs)
    return path.resolve()


def find_style(name: str, template_dirs: tuple[Path, ...] | list[Path] = ()) -> HouseStyle:
    """Return the style `name` found in `template_dirs` (then the bundled folder); raise
    InvalidInputError when there is none or it is invalid."""
    path = style_path(name, template_dirs)
    if path is None:
        raise InvalidInputError([Issue("meta.style", unknown_style(name, template_dirs))], name)
    return load_style(path, template_dirs)


def bundled_style(name: str) -> HouseStyle:
    """Return the bundled style `name` (``default`` or ``gongwen``)."""
    return find_style(name, ())


def is_bundled(path: Path) -> bool:
    """Return whether the style file `path` is one of the bundled ones."""
    return Path(os.path.realpath(path)).parent == (BUNDLED_FOLDER / STYLE_FOLDER).resolve()


def unknown_style(name: str, template_dirs: tuple[Path, ...] | list[Path] = ()) -> str:
    """Return the message for a style `name` that no template folder has."""
    known = sorted(available_styles(template_dirs))
    return (
        f"找不到版式「{name}」：应为 {', '.join(known)}，或模板目录中 styles/{name}{STYLE_SUFFIX} "
        f"所定义的版式 (unknown style {name!r})"
    )


def available_styles(template_dirs: tuple[Path, ...] | list[Path] = ()) -> set[str]:
    """Return the names of the styles `template_dirs` and the bundled folder hold."""
    names: set[str] = set()
    for folder in (*template_dirs, BUNDLED_FOLDER):
        styles = Path(folder) / STYLE_FOLDER
        if styles.is_dir():
            names |= {p.name[: -len(STYLE_SUFFIX)] for p in styles.glob(f"*{STYLE_SUFFIX}")}
    return names


def load_style(path: str | Path, template_dirs: tuple[Path, ...] | list[Path] = ()) -> HouseStyle:
    """Return the style in the file `path`, merged over its ``based_on`` style (found in
    `template_dirs`, then the bundled folder); raise InvalidInputError listing every problem."""
    return _load(Path(path), tuple(Path(d) for d in template_dirs), 0)


@CACHES.memo(maxsize=64, files=True)
def _load(path: Path, dirs: tuple[Path, ...], depth: int) -> HouseStyle:
    """Return the style in `path` merged over its bases, validated once while its files are
    unchanged."""
    CACHES.watch(path, path.read_bytes())  # first: an edit while it is parsed shows next time
    parsed = parse_source(path, fmt="yaml")
    data = parsed.data
    if not isinstance(data, dict):
        raise InvalidInputError(
            [
                Issue(
                    "",
                    "版式文件顶层应为键值映射 (top level must be a mapping)",
                    parsed.location(()),
                )
            ],
            parsed.source,
        )
    base_name = data.get("based_on")
    base: HouseStyle | None = None
    if base_name is not None:
        where = parsed.location(("based_on",))
        if not isinstance(base_name, str):
            raise _invalid(parsed, "based_on", "应为版式名称 (expected a style name)", where)
        if depth >= MAX_BASES:
            message = f"based_on 层级超过 {MAX_BASES} 层，或循环引用 (based_on chain too long)"
            raise _invalid(parsed, "based_on", message, where)
        base_path = style_path(base_name, dirs, skip=path)
        if base_path is None:
            raise _invalid(parsed, "based_on", unknown_style(base_name, dirs), where)
        base = _load(base_path, dirs, depth + 1)
        if "name" not in data:
            message = "基于其他版式的版式文件须给出自己的 name (a derived style needs a name)"
            raise _invalid(parsed, "name", message, parsed.location(()))
    merged = {k: v for k, v in data.items() if k != "based_on"}
    if base is not None:
        merged = _merge(base.model_dump(mode="json", exclude_none=False), merged)
    try:
        style = HouseStyle.model_validate(merged)
    except ValidationError as error:
        issues = issues_from(error, parsed, HouseStyle)
        issues = [
            Issue(i.path, i.message.removeprefix("Value error, "), i.location) for i in issues
        ]
        raise InvalidInputError(issues, parsed.source) from None
    return style


def _merge(base: Any, over: Any) -> Any:
    """Return `over` merged over `base`: mappings key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def _invalid(parsed: Parsed, path: str, message: str, where: Location) -> InvalidInputError:
    return InvalidInputError([Issue(dotted((path,)), message, where)], parsed.source)


__all__ = [
    "BUNDLED_FOLDER",
    "STYLE_FOLDER",
    "STYLE_SUFFIX",
    "available_styles",
    "bundled_style",
    "find_style",
    "is_bundled",
    "load_style",
    "style_option",
    "style_path",
    "unknown_style",
]
