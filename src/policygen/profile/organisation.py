"""`organisation`: 甲方, the organisation that outsources, and its responsible departments."""

from __future__ import annotations

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, check_rules
from policygen.profile.types import CreditCode, Email, Industry, Name, Phone, Text


class Departments(Section):
    """The departments a regulation assigns duties to."""

    lead: Name = defaults.field("organisation.departments.lead", Name)
    """外包归口管理部门（牵头部门）"""
    legal: Name = defaults.field("organisation.departments.legal", Name)
    """负责合同审查和合规审查的部门名称，如 法律合规部"""
    risk: Name = defaults.field("organisation.departments.risk", Name)
    """负责外包风险管理的部门名称，如 风险管理部"""
    it: Name = defaults.field("organisation.departments.it", Name)
    """负责信息科技外包技术管理的部门名称，如 信息科技部"""
    audit: Name = defaults.field("organisation.departments.audit", Name)
    """负责外包审计的部门名称，如 审计部"""
    procurement: Name = defaults.field("organisation.departments.procurement", Name)
    """负责采购的部门名称，如 采购部"""
    business: Name = defaults.field("organisation.departments.business", Name)
    """外包需求部门（业务部门）"""


class Contact(Section):
    """The person who receives notices under the contract and its agreements for 甲方."""

    name: Name
    """联系人姓名"""
    phone: Phone | None = None
    """联系电话，如 021-50801234"""
    email: Email | None = None
    """电子邮箱，合同约定以电子邮件送达通知时使用"""
    department: Name | None = None
    """联系人所在部门，如 信息科技部"""

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if self.phone is None and self.email is None:
            check_rules(
                [
                    (
                        "phone",
                        "联系人至少应写明联系电话（phone）或者电子邮箱（email）之一 "
                        "(a contact needs a phone number or an e-mail address)",
                    )
                ]
            )
        return self


class Organisation(Section):
    """甲方: the organisation issuing the regulation and signing the contracts."""

    name: Name
    """全称，与营业执照一致"""
    short_name: Name = defaults.field("organisation.short_name", Name)
    """文中自称，如 本公司、本行"""
    credit_code: CreditCode
    """统一社会信用代码"""
    address: Text
    """住所"""
    legal_representative: Name
    """法定代表人"""
    industry: Industry = Industry.OTHER
    """所属行业；banking、insurance 适用银行保险机构外包监管规定，securities（证券公司和公募基金管理公司）适用中国证监会的规定"""
    contact: Contact | None = None
    """接收合同项下通知的联系人（姓名、电话、电子邮箱），印在合同、保密协议和个人信息委托处理协议的当事人信息和通知条款中"""
    board: Name = defaults.field("organisation.board", Name)
    """最高决策机构，如 董事会、执行董事"""
    senior_management: Name = defaults.field("organisation.senior_management", Name)
    """经营管理层，如 高级管理层、总经理办公会"""
    it_committee: Name = defaults.field("organisation.it_committee", Name)
    """银行保险机构：审议重要信息科技外包合同的委员会"""
    departments: Departments = Field(default_factory=Departments)
    """管理制度中承担各项职责的部门名称"""
