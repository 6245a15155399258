"""`meta`: the document version, effective date, approver and revision history."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from policygen.profile import defaults
from policygen.profile.base import Section
from policygen.profile.types import MAX_ITEMS, MAX_SHORT_ITEMS, CnDate, Name, Text

Language = Literal["zh", "en"]
"""A language a document is written in: zh (Chinese) or en (English)."""


def _chinese() -> list[Language]:
    return ["zh"]


_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _english(value: str) -> str:
    """Return `value`; raise ValueError when it holds a Chinese character or punctuation."""
    if found := _CJK.search(value):
        raise ValueError(
            f"英文译文中含有中文字符「{found.group()}」（第 {found.start() + 1} 个字符） "
            "(an English translation holds a Chinese character)"
        )
    if not value.strip():
        raise ValueError("英文译文不得为空 (an English translation is empty)")
    return value


English = Annotated[Text, AfterValidator(_english)]
"""Text in English: no Chinese character or full-width punctuation."""

Source = Annotated[Text, Field(min_length=1)]
"""A Chinese text exactly as the profile (or defaults.yaml) writes it."""


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
    languages: list[Language] = Field(default_factory=_chinese, min_length=1, max_length=2)
    """合同等文档的语言：[zh]（中文）、[en]（英文）或 [zh, en]（中英文对照，逐条中文在前、英文在后）；命令行 --lang 优先"""
    prevailing_language: Language = "zh"
    """中英文本不一致时以何种文本为准：zh（中文，默认）或 en（英文）；印在中英文对照及英文文本的效力条款中"""
    translations: dict[Source, English] = Field(default_factory=dict, max_length=MAX_ITEMS)
    """配置中中文文字的英文译文：键为配置（或默认值）中原样的中文，如 系统可用率，值为英文，如 system availability；英文及中英文对照文本中以英文代替这段中文，未译的原样印出中文"""

    @field_validator("languages")
    @classmethod
    def _distinct(cls, value: list[Language]) -> list[Language]:
        if len(set(value)) != len(value):
            raise ValueError("语言不得重复 (each language once)")
        return value

    @property
    def lang(self) -> str:
        """Return the languages as the command line writes them: ``zh``, ``en`` or ``zh+en``."""
        return "+".join(code for code in ("zh", "en") if code in self.languages)
