"""The whole profile: every section, plus rules that span sections."""

from __future__ import annotations

from pydantic import Field, model_validator

from policygen.profile.base import Section, check_rules
from policygen.profile.clauses import Clauses
from policygen.profile.engagement import Engagement
from policygen.profile.legal import Confidentiality, DataProtection, Ip
from policygen.profile.meta import Meta
from policygen.profile.operations import Exit, InformationSecurity, Risk
from policygen.profile.organisation import Organisation
from policygen.profile.policy import Policy
from policygen.profile.sla import Sla
from policygen.profile.vendor_selection import VendorSelection

MAX_ENGAGEMENTS = 1000
"""Most engagements one profile may hold; larger sets go through `policygen batch`."""


class Profile(Section):
    """One organisation's outsourcing parameters: the single input of every document."""

    meta: Meta
    """文档版本、施行日期与修订记录"""
    organisation: Organisation
    """甲方（本单位）信息"""
    policy: Policy = Field(default_factory=Policy)
    """制度框架：名称、依据、范围、原则、审批权限"""
    vendor_selection: VendorSelection = Field(default_factory=VendorSelection)
    """服务提供商选择与评价"""
    sla: Sla = Field(default_factory=Sla)
    """服务水平"""
    ip: Ip = Field(default_factory=Ip)
    """知识产权"""
    confidentiality: Confidentiality = Field(default_factory=Confidentiality)
    """保密"""
    data_protection: DataProtection = Field(default_factory=DataProtection)
    """数据与个人信息保护"""
    information_security: InformationSecurity = Field(default_factory=InformationSecurity)
    """信息安全"""
    risk: Risk = Field(default_factory=Risk)
    """风险管理"""
    exit: Exit = Field(default_factory=Exit)
    """退出管理"""
    clauses: Clauses = Field(default_factory=Clauses)
    """条款库调整：删除、改写或新增条款"""
    engagements: list[Engagement] = Field(default_factory=list, max_length=MAX_ENGAGEMENTS)
    """外包合同（每项生成一份合同及服务水平协议）"""

    @model_validator(mode="after")
    def _rules(self) -> Profile:
        def violations():
            numbers = [e.contract_no for e in self.engagements]
            for i, number in enumerate(numbers):
                if number in numbers[:i]:
                    yield (
                        f"engagements[{i}].contract_no",
                        f"合同编号 {number} 重复 (duplicate contract number)",
                    )
            for i, engagement in enumerate(self.engagements):
                if engagement.vendor.credit_code == self.organisation.credit_code:
                    yield (
                        f"engagements[{i}].vendor.credit_code",
                        "乙方的统一社会信用代码与甲方相同 (vendor and organisation are the same)",
                    )

        check_rules(violations())
        return self
