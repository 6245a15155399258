"""The Chinese defaults of the profile sections, read from templates/zh/defaults.yaml.

Input: a dotted key (``sla.metrics``) and the type of the field it fills. Output: a
``default_factory`` giving a fresh copy of the value at that key, validated as that type; for
a single text, a whole ``Field`` that also shows the default in the JSON Schema, as a plain
``default=`` would.

The file is read, with ruamel's safe loader, when a default is first needed, not at import: the
pure-Python YAML parser takes tens of milliseconds over it, and a process that reads no profile (``--help``,
a worker waiting for jobs) should not pay that. Each key is validated once. A value that does not
validate raises InvalidInputError naming the file and the key (``sla.metrics[1].target``).

Only a field's own type is checked here. A section's cross-field rules (weights summing to 100)
run whenever the section is built from its defaults; the length limits in a field's ``Field``
are checked by the tests, which validate the default profile as a whole."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue, Location
from policygen.profile.base import RULES_ERROR

DEFAULTS_RESOURCE = "templates/zh/defaults.yaml"
"""Where the defaults live, relative to the policygen package (beside terms.yaml)."""


def factory(key: str, kind: Any) -> Callable[[], Any]:
    """Return a ``default_factory`` giving a fresh copy of the default at dotted `key`, validated
    (on the first call) as `kind`, the field's type, e.g. ``list[Metric]``. Sections do not
    validate their defaults (``validate_default=False``), so it gives validated objects."""

    @CACHES.memo(files=True)
    def validated() -> Any:
        data, source = _data()
        return lookup(data, key, kind, source)

    return lambda: copy.copy(validated())


def field(key: str, kind: Any) -> Any:
    """Return the ``Field`` of a text whose default is at dotted `key`, validated as `kind`
    (``Name`` or ``Text``): its factory, and the default in the field's JSON Schema."""
    make = factory(key, kind)
    return Field(
        default_factory=make, json_schema_extra=lambda schema: schema.update(default=make())
    )


def read(text: str, source: str) -> Mapping[str, Any]:
    """Return the nested mapping written in `text`; raise InvalidInputError naming `source`
    when it is not YAML or not a mapping."""
    try:
        data = YAML(typ="safe", pure=False).load(text)  # ruamel's C reader when installed
    except YAMLError as exc:
        raise _error(source, "", f"不是有效的 YAML (invalid YAML): {exc}") from exc
    if not isinstance(data, dict):
        raise _error(source, "", "应为键值映射 (must be a mapping)")
    return data


def lookup(data: Mapping[str, Any], key: str, kind: Any, source: str) -> Any:
    """Return the value at dotted `key` in `data` validated as `kind`; raise InvalidInputError
    naming `source` and the key (with the path inside the value) when it is missing or invalid."""
    found: Any = data
    for part in key.split("."):
        if not isinstance(found, dict) or part not in found:
            raise _error(source, key, "缺少该项默认值 (no default given)")
        found = found[part]
    try:
        return _adapter(kind).validate_python(found)
    except ValidationError as exc:
        issues: list[Issue] = []
        for error in exc.errors(include_url=False):
            path = key + _suffix(error["loc"])
            if error["type"] == RULES_ERROR:  # a rule of the item's model: at its own sub-path
                for sub, message in (error.get("ctx") or {}).get("violations", ()):
                    issues.append(Issue(f"{path}.{sub}", message, Location(source)))
            else:
                message = f"默认值无效 (invalid default): {error['msg']}"
                issues.append(Issue(path, message, Location(source)))
        raise InvalidInputError(issues, source) from None


@CACHES.memo(files=True)
def _data() -> tuple[Mapping[str, Any], str]:
    """Return the contents of the data file, read once while it is unchanged, and its path
    (shown in errors)."""
    resource = str(resources.files("policygen").joinpath(DEFAULTS_RESOURCE))
    return read(CACHES.read_text(resource), resource), resource


@CACHES.memo
def _adapter(kind: Any) -> TypeAdapter[Any]:
    """Return the validator of `kind`, built once per type (Name and Text serve many keys)."""
    return TypeAdapter(kind)


def _suffix(loc: tuple[str | int, ...]) -> str:
    """Return `loc` as the rest of a dotted path: (1, 'target') → ``[1].target``."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _error(source: str, key: str, message: str) -> InvalidInputError:
    return InvalidInputError([Issue(key, message, Location(source))], source)
