"""Field descriptions of the profile sections, taken from their attribute docstrings on demand.

A section documents each field with a string literal on the line below its ``name: type``.
pydantic can turn those into field descriptions itself (``use_attribute_docstrings=True``), but
it does so while each model class is created, reading the class's source through ``inspect``
(tokenize and getmodule per class): some 30 ms on every process start, although only the JSON
Schema, the OpenAPI description and the starter profile use the descriptions. So the docstrings
are read here instead, lazily: each module's source is parsed with ``ast`` once, on first use.

Input: a section model class (and, for the schema, pydantic's JSON Schema generation). Output:
the same descriptions pydantic would have given, with its rules: an explicit
``Field(description=...)`` wins over a docstring; a field inherits the docstring of the class in
its MRO that (re)defines it; a ``$ref`` property does not repeat the referenced model's
identical description."""

from __future__ import annotations

import ast
import inspect
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonRef, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from policygen.caches import CACHES
from policygen.profile.base import Section
from policygen.profile.labels import Label, enum_labels, field_label, model_label


class _AttributeDocstrings(ast.NodeVisitor):
    """Collect, in one class body, each ``name: type`` line directly followed by a string.

    The same rule as pydantic's ``use_attribute_docstrings`` (statements nested in ``if``/``try``
    blocks of the body count; nested classes and functions do not)."""

    def __init__(self) -> None:
        super().__init__()
        self.target: str | None = None
        self.attrs: dict[str, str] = {}
        self.previous: type[ast.AST] | None = None

    def visit(self, node: ast.AST) -> Any:
        result = super().visit(node)
        self.previous = type(node)
        return result

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.target = node.target.id

    def visit_Expr(self, node: ast.Expr) -> None:
        if (
            isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and self.previous is ast.AnnAssign
        ):
            if self.target:
                self.attrs[self.target] = inspect.cleandoc(node.value.value)
            self.target = None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        pass

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        pass


_Found = dict[str, list[tuple[int, dict[str, str]]]]
"""Qualified class name -> (first line of the definition, attribute docstrings), per definition."""


def _collect(node: ast.AST, prefix: str, found: _Found) -> None:
    """Record the attribute docstrings of every class defined under `node` (qualified names)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            name = prefix + child.name
            visitor = _AttributeDocstrings()
            visitor.generic_visit(child)
            first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
            found.setdefault(name, []).append((first, visitor.attrs))
            _collect(child, name + ".", found)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            _collect(child, f"{prefix}{child.name}.<locals>.", found)
        elif not isinstance(child, ast.expr):  # if/try/with blocks share the enclosing namespace
            _collect(child, prefix, found)


@CACHES.memo
def _module_docstrings(module_name: str) -> _Found:
    """Return the attribute docstrings of every class in module `module_name` (parsed once)."""
    module = sys.modules.get(module_name)
    if module is None:
        return {}
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):  # no source (frozen, interactive): no docstrings
        return {}
    found: _Found = {}
    _collect(ast.parse(source), "", found)
    return found


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Return the attribute docstrings written in the body of class `cls` (not its bases)."""
    definitions = _module_docstrings(cls.__module__).get(cls.__qualname__, [])
    if len(definitions) > 1:  # the name is defined twice: pick the definition by its line
        first = getattr(cls, "__firstlineno__", None)  # Python 3.13+
        for line, attrs in definitions:
            if line == first:
                return attrs
    return definitions[-1][1] if definitions else {}


def field_description(model: type[BaseModel], name: str) -> str | None:
    """Return the description of field `name` of `model`: its explicit ``Field(description=...)``,
    else the attribute docstring in the class of the MRO that defines the field, else None."""
    info = model.model_fields[name]
    if info.description is not None:
        return info.description
    for owner in model.__mro__:
        if name in inspect.get_annotations(owner):
            return attribute_docstrings(owner).get(name)
    return None


def field_help(model: type[BaseModel], name: str) -> str | None:
    """Return the help text of field `name` of `model` as the JSON Schema and the starter
    profile show it: the description the labels file gives (profile.labels), else
    `field_description`."""
    label = field_label(model.__name__, name)
    if label is not None and label.description is not None:
        return label.description
    return field_description(model, name)


class DocumentedJsonSchema(GenerateJsonSchema):
    """JSON Schema generator giving each property of a section without an explicit description
    its attribute docstring, as pydantic's ``use_attribute_docstrings`` would have, and the
    Chinese names of profile.labels: each section's and each property's ``title`` (and the
    ``description`` the labels file gives instead of a field's own), and each enum's values as
    ``oneOf`` of ``{"const": value, "title": 名称}`` (see profile.schema). Pass it as
    ``schema_generator=`` to ``model_json_schema``; other models are left as they are."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model = schema["cls"]
        properties = json_schema.get("properties")
        if not isinstance(properties, dict) or not issubclass(model, Section):
            return json_schema
        _name(json_schema, model_label(model.__name__))
        for name, info in model.model_fields.items():
            key = self._property_name(name, info)
            if key not in properties:
                continue
            label = field_label(model.__name__, name)
            if label is not None:  # a new dict: pydantic sorts the keys afterwards
                properties[key] = {**properties[key], "title": label.title}
            if label is not None and label.description is not None:
                properties[key]["description"] = label.description
                continue
            if info.description is not None:
                continue  # an explicit description is already in the schema
            description = field_description(model, name)
            if description is not None and not self._repeats_ref(properties[key], description):
                properties[key] = {**properties[key], "description": description}
        return json_schema

    def generate(
        self, schema: core_schema.CoreSchema, mode: JsonSchemaMode = "validation"
    ) -> JsonSchemaValue:
        json_schema = super().generate(schema, mode)
        # pydantic names an enum's schema (title, description) after enum_schema, from the
        # class: its Chinese names are given here, to the definitions enum_schema labelled.
        for name, definition in json_schema.get("$defs", {}).items():
            if "oneOf" in definition and definition.get("title") == name:
                _name(definition, model_label(name))
        return json_schema

    def enum_schema(self, schema: core_schema.EnumSchema) -> JsonSchemaValue:
        json_schema = super().enum_schema(schema)
        enum = schema["cls"]
        labels = enum_labels(enum)
        values = json_schema.get("enum")
        if labels and isinstance(values, list):  # each value with its name, for a form
            del json_schema["enum"]
            json_schema["oneOf"] = [
                {"const": value, "title": labels.get(str(value), str(value))} for value in values
            ]
        return json_schema

    def _property_name(self, name: str, info: FieldInfo) -> str:
        """Return the key field `name` has under ``properties`` (its alias, when used)."""
        if not self.by_alias:
            return name
        alias = info.serialization_alias if self.mode == "serialization" else info.validation_alias
        return alias if isinstance(alias, str) else name

    def _repeats_ref(self, prop: JsonSchemaValue, description: str) -> bool:
        """Whether `prop` is a ``$ref`` whose target already has this description (pydantic then
        drops the property's copy, see ``GenerateJsonSchema.handle_ref_overrides``)."""
        if "$ref" not in prop:
            return False
        referenced = self.get_schema_from_definitions(JsonRef(prop["$ref"]))
        return referenced is not None and referenced.get("description") == description


def _name(json_schema: JsonSchemaValue, label: Label | None) -> None:
    """Give the schema of a section or an enum the Chinese title (and help) of `label`."""
    if label is not None:
        json_schema["title"] = label.title
        if label.description is not None:
            json_schema["description"] = label.description
