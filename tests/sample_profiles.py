"""Pieces of profiles several tests add to the examples."""

from __future__ import annotations

from typing import Any

RECIPIENT: dict[str, Any] = {
    "name": "恒云数据服务（新加坡）有限公司",
    "country": "新加坡",
    "contact": "dpo@hengyun.example.sg，新加坡滨海大道1号",
    "mechanism": "standard_contract",
    "basis": "备案编号：示例-2025-001",
    "assessment_date": "2025-11-20",
    "categories": ["姓名", "手机号码"],
    "purposes": ["灾备数据的异地存储"],
    "processing_methods": ["存储"],
}
"""An overseas recipient of the personal information the bank example entrusts by default."""
