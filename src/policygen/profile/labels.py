"""The Chinese names of the profile's sections, fields and values, read from
templates/zh/schema.yaml: the one source of the titles the JSON Schema publishes (and the
editor's form shows) and of the value names ``policygen init`` prints beside each choice.

Input: a section model's class name and a field name, or an enum class. Output: the Label
(title, and a description that replaces the field's own when given), or the labels of every
value. The file is read when first needed and again when it changes (caches.CACHES)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Any

from policygen.caches import CACHES

LABELS_RESOURCE = "templates/zh/schema.yaml"
"""Where the labels live, relative to the policygen package (beside defaults.yaml)."""


@dataclass(frozen=True)
class Label:
    """The Chinese name of a section or a field, and its help text when the file gives one."""

    title: str
    """A short name, as a form labels the field, e.g. 统一社会信用代码."""
    description: str | None = None
    """Help text a legal reader understands; None: the field's own (its attribute docstring)."""


@CACHES.memo(files=True)
def _data() -> Mapping[str, Any]:
    """Return the contents of the labels file, read once while it is unchanged."""
    resource = resources.files("policygen").joinpath(LABELS_RESOURCE)
    data = CACHES.read_yaml(str(resource))
    if not isinstance(data, dict):
        raise ValueError(f"{LABELS_RESOURCE}: 应为键值映射 (must be a mapping)")
    return data


def _label(value: Any) -> Label | None:
    if isinstance(value, str):
        return Label(value)
    if isinstance(value, dict) and isinstance(value.get("title"), str):
        return Label(value["title"], value.get("description"))
    return None


def model_label(model: str) -> Label | None:
    """Return the name of the section (or enum) whose class is named `model`; None: none."""
    return _label(_data().get("models", {}).get(model))


def field_label(model: str, field: str) -> Label | None:
    """Return the name of `field` of the section whose class is named `model`; None: none."""
    return _label(_data().get("fields", {}).get(model, {}).get(field))


def enum_labels(enum: type[Enum]) -> dict[str, str]:
    """Return the Chinese name of each value of `enum` that has one, by value."""
    found = _data().get("enums", {}).get(enum.__name__, {})
    return {str(value): str(label) for value, label in found.items()}


def all_labels() -> Mapping[str, Any]:
    """Return the labels file as read (models, fields, enums), for the tests that check it
    names nothing the models lack."""
    return _data()


def enum_of(annotation: Any) -> type[Enum] | None:
    """Return the enum a field annotated `annotation` takes its values from (alone, optional,
    in a list or one-or-many); None when it takes none."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return enum_of(typing.get_args(annotation)[0])
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            if (found := enum_of(arg)) is not None:
                return found
    return None


def choices(enum: type[Enum]) -> str:
    """Return the values of `enum` with their names, as ``policygen init`` prints them:
    ``monthly 每月、quarterly 每季度…`` (a name that holds its value alone: ``信息技术外包（ITO）``)."""
    labels = enum_labels(enum)

    def shown(value: str) -> str:
        label = labels.get(value)
        if label is None:
            return value
        return label if value in label else f"{value} {label}"

    return "、".join(shown(str(member.value)) for member in enum)
