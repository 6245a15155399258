"""`meta`: the document version, effective date, approver and revision history."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from policygen.profile import defaults
from policygen.profile.base import Section
from policygen.profile.types import MAX_SHORT_ITEMS, CnDate, Name, Text


class Revision(Section):
    """One line of the revision-history table (修订记录)."""

    version: Name
    """版本号，如 V1.0"""
    date: CnDate
    """修订日期"""
    summary: Text
    """本次修订的主要内容"""
    author: Name | None = None
    """修订人或修订部门：修订稿（policygen diff）中此次修订记在其名下；无则记在外包归口管理部门名下"""


class Meta(Section):
    """Document-level facts shared by every generated document."""

    version: Name = "V1.0"
    """文档版本号"""
    effective_date: CnDate
    """施行日期（制度自该日起施行；也作为文档日期）"""
    approver: Name = defaults.field("meta.approver", Name)
    """审批机构，如 董事会、总经理办公会"""
    document_no: Name | None = None
    """发文字号，如 华银发〔2026〕1号；无则省略"""
    style: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_-]*$")] = (
        "default"
    )
    """版式：default（宋体正文、黑体标题）、gongwen（GB/T 9704 公文版式），或模板目录中 styles/<名称>.style.yaml 定义的本单位版式"""
    revision_history: list[Revision] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """修订记录，按时间先后"""
