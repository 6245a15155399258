"""The JSON Schema speaks Chinese (profile.labels, templates/zh/schema.yaml): every section and
every field has a Chinese title and help text, every value of a closed set a Chinese name, in
the shape a form generator reads (``oneOf`` of ``const`` + ``title``); ``policygen init``
prints the same names; and the labels file names nothing the models lack."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

from policygen.profile.labels import all_labels, enum_of
from policygen.profile.model import Profile
from policygen.profile.schema import profile_schema
from policygen.profile.starter import starter_yaml

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _models(model: type[BaseModel] = Profile) -> Iterator[type[BaseModel]]:
    """Yield `model` and every section model its fields hold, each once."""
    seen: set[type[BaseModel]] = set()

    def walk(annotation: Any) -> Iterator[type[BaseModel]]:
        model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if model and annotation not in seen:
            seen.add(annotation)
            yield annotation
            for info in annotation.model_fields.values():
                yield from walk(info.annotation)
        for arg in typing.get_args(annotation):
            yield from walk(arg)

    yield from walk(model)


MODELS = {m.__name__: m for m in _models()}
ENUMS = {
    e.__name__: e
    for m in MODELS.values()
    for info in m.model_fields.values()
    if (e := enum_of(info.annotation)) is not None
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return profile_schema()


def _sections(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "Profile", schema
    yield from schema["$defs"].items()


def test_every_field_has_a_chinese_title_and_description(schema: dict[str, Any]) -> None:
    missing = [
        f"{name}.{key}: {prop.get('title')!r} / {prop.get('description')!r}"
        for name, section in _sections(schema)
        for key, prop in section.get("properties", {}).items()
        if not CHINESE.search(prop.get("title", "")) or not prop.get("description")
    ]
    assert missing == []
    count = sum(len(section.get("properties", {})) for _, section in _sections(schema))
    assert count > 250  # every section's fields were looked at


def test_every_section_and_closed_set_has_a_chinese_title(schema: dict[str, Any]) -> None:
    for name, definition in _sections(schema):
        assert CHINESE.search(definition["title"]), name
        assert CHINESE.search(definition["description"]), name


def test_every_value_of_a_closed_set_has_a_chinese_name(schema: dict[str, Any]) -> None:
    assert {"Frequency", "Industry", "Scope", "Severity", "CriticalTest"} <= ENUMS.keys()
    for name, enum in ENUMS.items():
        definition = schema["$defs"][name]
        assert "enum" not in definition, name  # one list of values: the oneOf
        options = definition["oneOf"]
        assert [o["const"] for o in options] == [m.value for m in enum], name
        for option in options:
            assert option.keys() == {"const", "title"}, (name, option)
            assert CHINESE.search(option["title"]), (name, option)


def test_init_prints_the_names_the_schema_gives(schema: dict[str, Any]) -> None:
    text = starter_yaml()
    for name in ("Frequency", "Industry", "Scope", "InterruptionImpact", "DisputeResolution"):
        for option in schema["$defs"][name]["oneOf"]:
            assert option["title"] in text, (name, option)
    assert (
        "review_frequency: annual # 对本制度进行评估、必要时修订的频率；可选：monthly 每月、"
        in text
    )


def test_the_labels_file_names_only_what_the_models_have() -> None:
    labels = all_labels()
    names = {**MODELS, **ENUMS}
    assert set(labels["models"]) <= names.keys()
    assert set(labels["models"]) == names.keys()  # and every one of them
    for model, fields in labels["fields"].items():
        assert model in MODELS, model
        assert set(fields) == set(MODELS[model].model_fields), model
    for enum, values in labels["enums"].items():
        found: type[Enum] = ENUMS[enum]
        assert list(values) == [m.value for m in found], enum
