"""Publish the profile's JSON Schema, generated from the models (never edited by hand).

What a form generator (the browser editor, react-jsonschema-form, JSON Forms) reads from it:

- every section (``$defs/<Model>``) and every property has a Chinese ``title`` (a short name,
  e.g. ``统一社会信用代码``) and a ``description`` (help text for a legal reader); both come
  from templates/zh/schema.yaml (profile.labels), the description otherwise from the field's
  attribute docstring (profile.docs);
- every closed set of values (``$defs/Frequency``, ``Industry``, ``Scope``…) is
  ``{"type": "string", "title": 名称, "description": …, "oneOf": [{"const": "monthly",
  "title": "每月"}, …]}``: each accepted value is a ``const`` and its Chinese name its
  ``title``, the same names ``policygen init`` prints beside the value (there is no ``enum``
  key: a ``oneOf`` of ``const``s accepts exactly the same values, and form generators show
  its titles);
- a property's ``default`` is the value used when the key is left out;
- numbers a person may type with a sign or as text (money, percentages such as ``6%``,
  scores, quantities) are ``anyOf`` a JSON number and a string with a ``pattern``: the schema
  and the models accept the same inputs (tests/profile/test_schema_agrees.py).

Cross-field rules (weights adding up to 100, ordered bands, dates in order) are not in the
schema; ``policygen validate`` and the service's /validate report them, each at its path."""

from __future__ import annotations

import json
from typing import Any

from policygen import __version__
from policygen.profile.docs import DocumentedJsonSchema
from policygen.profile.model import Profile

SCHEMA_ID = "https://policygen.invalid/schemas/profile.schema.json"


def profile_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a profile."""
    schema = Profile.model_json_schema(mode="validation", schema_generator=DocumentedJsonSchema)
    major = __version__.split(".")[0]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": f"policygen 配置文件（{schema['title']}）",
        "description": f"policygen {major}.x 配置文件：{schema['description']}。",
    }


def schema_json() -> str:
    """Return the schema as stable, diff-friendly JSON text (sorted keys, UTF-8, final newline)."""
    return json.dumps(profile_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
