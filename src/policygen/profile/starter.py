"""Write the commented starter profile `policygen init` hands a new user.

Input: the Profile model and its defaults. Output: YAML text in which every section and every
default appears, each key commented with its meaning (and, for a closed set of values, each
value with the Chinese name the JSON Schema gives it: profile.labels), so nothing the
documents depend on is hidden."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from policygen.profile.docs import field_help
from policygen.profile.labels import choices, enum_of
from policygen.profile.load import unwrap
from policygen.profile.model import Profile
from policygen.profile.types import Duration

PLACEHOLDER = "【请替换】"
"""Marks the starter's sample names and addresses: `validate` warns while any is left."""

_REQUIRED_EXAMPLE: dict[str, Any] = {
    "meta": {"effective_date": date(2026, 1, 1)},
    "organisation": {
        "name": PLACEHOLDER + "示例科技股份有限公司",
        "credit_code": "91310000MA1K4X7B33",
        "address": PLACEHOLDER + "上海市浦东新区示例路1号",
        "legal_representative": PLACEHOLDER + "张三",
    },
    "engagements": [
        {
            "contract_no": "EX-2026-001",
            "title": "信息系统运行维护服务外包合同",
            "vendor": {
                "name": PLACEHOLDER + "示例信息技术服务有限公司",
                "credit_code": "91440300MA5G8K3LXG",
                "address": PLACEHOLDER + "广东省深圳市南山区示例大道2号",
                "legal_representative": PLACEHOLDER + "李四",
            },
            "services": ["信息系统日常运行维护", "故障处置与技术支持"],
            "service_location": "甲方指定办公场所",
            "term": {"start": date(2026, 1, 1), "end": date(2026, 12, 31)},
            "fee": {"amount": Decimal("600000.00")},
            "facts": {
                "data_centre": False,
                "core_system": False,
                "important_data": False,
                "interruption_impact": "significant",
            },
        }
    ],
}

_HEADER = """\
policygen 配置文件（外包服务管理制度、服务外包合同、服务水平协议等文档的唯一来源）
下列各项均为默认值：不写的项目即按此生成。必填项：meta.effective_date、organisation.*（名称、
统一社会信用代码、住所、法定代表人）及每份合同的编号、乙方、服务内容、地点、期限和金额。
时长写作「数字+单位」，如 2小时、15分钟、5个工作日；金额单位为元；百分比写 0–100 的数。
校验：policygen validate 本文件；生成：policygen render 本文件 -o out/
"""


def starter_yaml() -> str:
    """Return the starter profile as commented YAML text."""
    profile = Profile.model_validate(_REQUIRED_EXAMPLE)
    tree = _commented(profile)
    tree.yaml_set_start_comment(_HEADER)
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _commented(model: BaseModel, comments: bool = True) -> CommentedMap:
    node = CommentedMap()
    for name in type(model).model_fields:
        value = getattr(model, name)
        node[name] = _value(value)
        description = field_help(type(model), name) if comments else None
        enum = enum_of(type(model).model_fields[name].annotation)
        if description and enum is not None:  # the names the schema gives (profile.labels)
            description += f"；可选：{choices(enum)}"
        if description:
            if isinstance(node[name], CommentedMap | CommentedSeq) and node[name]:
                node.yaml_set_comment_before_after_key(
                    name, before=description, indent=_indent(model)
                )
            else:
                node.yaml_add_eol_comment(description, name)
    return node


_DEPTH: dict[type, int] = {}


def _indent(model: BaseModel) -> int:
    """Return the column the keys of `model` sit at (comments before a key need it)."""
    return _DEPTH.get(type(model), 0)


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _commented(value)
    if isinstance(value, list):
        # Items of a list of sections share their keys: comment the first one only.
        seq = CommentedSeq()
        for index, item in enumerate(value):
            seq.append(
                _commented(item, index == 0) if isinstance(item, BaseModel) else _value(item)
            )
        return seq
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _depths(model: type[BaseModel] = Profile, depth: int = 0) -> None:
    """Record, for each section model, the indentation its keys get in the YAML."""
    _DEPTH.setdefault(model, depth)
    for info in model.model_fields.values():
        inner = unwrap(info.annotation)
        args = getattr(inner, "__args__", None)
        item = unwrap(args[0]) if args else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            _depths(item, depth + 4)
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            _depths(inner, depth + 2)


_depths()


def placeholders(data: Any, path: str = "") -> list[str]:
    """Return the paths of the values in `data` (a profile as read, or a Profile) that still
    hold the starter's sample text (PLACEHOLDER), in document order."""
    if isinstance(data, BaseModel):
        data = data.model_dump()
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += placeholders(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += placeholders(value, f"{path}[{i}]")
    elif isinstance(data, str) and PLACEHOLDER in data:
        found.append(path)
    return found
