"""Pieces of profiles several tests add to the examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
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

# Nothing but the required fields: every section, and the one engagement, take their defaults.
MINIMAL: dict[str, Any] = {
    "meta": {"effective_date": date(2026, 1, 1)},
    "organisation": {
        "name": "示例科技股份有限公司",
        "credit_code": "91310000MA1K4X7B33",
        "address": "上海市浦东新区示例路1号",
        "legal_representative": "张三",
    },
    "engagements": [
        {
            "contract_no": "EX-2026-001",
            "vendor": {
                "name": "示例信息技术服务有限公司",
                "credit_code": "91440300MA5G8K3LXG",
                "address": "广东省深圳市南山区示例大道2号",
                "legal_representative": "李四",
            },
            "services": ["信息系统日常运行维护"],
            "service_location": "甲方指定办公场所",
            "term": {"start": date(2026, 1, 1), "end": date(2026, 12, 31)},
            "fee": {"amount": Decimal("600000.00")},
            # the facts the default criteria of 重要外包 are decided on
            "facts": {
                "data_centre": False,
                "core_system": False,
                "important_data": False,
                "interruption_impact": "limited",
            },
        }
    ],
}
