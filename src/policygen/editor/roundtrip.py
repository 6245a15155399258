"""Write edited profile data back into its YAML text, changing only what changed.

Input: the text of a YAML profile as a person wrote it (comments, key order, flow lists,
quoting) and the profile's new plain data, as the editor's form holds it (JSON: numbers,
strings, booleans, null, lists, mappings). Output: the YAML text with every value the data
changed rewritten, every key it added appended to its mapping, every key it dropped removed,
and every other line as it was. ruamel.yaml's round-trip reader keeps the comments and
layout; a value equal in meaning to the one written (``12680000.00`` and 12680000, a date and
its ISO text) is left as written."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

WIDTH = 1_000_000
"""Line width beyond which ruamel would fold a long string: never, a profile's lines are long."""


def _yaml() -> YAML:
    """Return a round-trip YAML reader and writer laid out as policygen's examples and the
    starter are (mappings indented 2, list dashes 2 in, items 4), which writes null as
    ``null`` rather than nothing."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = WIDTH
    yaml.preserve_quotes = True
    representer = yaml.representer
    assert isinstance(representer, RoundTripRepresenter)
    representer.add_representer(
        type(None),
        lambda r, _data: r.represent_scalar("tag:yaml.org,2002:null", "null"),
    )
    return yaml


def updated_yaml(text: str, data: dict[str, Any]) -> str:
    """Return `text`, a YAML mapping, with its values replaced by those of `data` where they
    differ in meaning; keys absent from `data` are removed, new ones appended. An empty or
    non-mapping `text` is written afresh from `data`."""
    yaml = _yaml()
    document = yaml.load(text) if text.strip() else None
    if not isinstance(document, CommentedMap):
        document = CommentedMap()
    merged = _merge(document, data)
    out = io.StringIO()
    yaml.dump(merged, out)
    return out.getvalue()


def _merge(old: Any, new: Any) -> Any:
    """Return `old` (a round-trip node) changed in place to hold `new`, or `new` itself when
    the two are of different shapes."""
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if key not in old:
                old[key] = _fresh(value)
            elif not _same(old[key], value):
                old[key] = _merge(old[key], value)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        del old[len(new) :]
        for index, value in enumerate(new):
            if index >= len(old):
                old.append(_fresh(value))
            elif not _same(old[index], value):
                old[index] = _merge(old[index], value)
        return old
    if _same(old, new):
        return old
    if isinstance(old, datetime.date) and isinstance(new, str):
        try:  # a date typed in the form stays a YAML date, not a quoted string
            return datetime.date.fromisoformat(new)
        except ValueError:
            return new
    return _fresh(new)


def _fresh(value: Any) -> Any:
    """Return plain `value` as round-trip nodes; a block mapping or list for containers."""
    if isinstance(value, dict):
        return CommentedMap((k, _fresh(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_fresh(v) for v in value)
    return value


def _same(old: Any, new: Any) -> bool:
    """Return whether the written value `old` means what plain `new` does: numbers by value
    (a bool is no number), dates by their ISO text, containers item by item."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, int | float | Decimal) and isinstance(new, int | float | Decimal):
        return _decimal(old) == _decimal(new)
    if isinstance(old, datetime.date) and isinstance(new, str):
        return old.isoformat() == new
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(o, m) for o, m in zip(old, new, strict=True))
    if isinstance(old, str) and isinstance(new, str):  # a quoted scalar is a str subclass
        return str(old) == new
    return old is None and new is None


def _decimal(value: int | float | Decimal) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
