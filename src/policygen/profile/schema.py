"""Publish the profile's JSON Schema, generated from the models (never edited by hand)."""

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
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "policygen profile",
        "description": f"policygen {__version__.split('.')[0]}.x 配置文件：一个组织的外包管理参数。",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_json() -> str:
    """Return the schema as stable, diff-friendly JSON text (sorted keys, UTF-8, final newline)."""
    return json.dumps(profile_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
