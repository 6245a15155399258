"""`organisation`: 甲方, the organisation that outsources, and its responsible departments."""

from __future__ import annotations

from pydantic import Field

from policygen.profile import defaults
from policygen.profile.base import Section
from policygen.profile.types import CreditCode, Industry, Name, Text


class Departments(Section):
    """The departments a regulation assigns duties to."""

    lead: Name = defaults.field("organisation.departments.lead", Name)
    """外包归口管理部门（牵头部门）"""
    legal: Name = defaults.field("organisation.departments.legal", Name)
    """法律合规部门"""
    risk: Name = defaults.field("organisation.departments.risk", Name)
    """风险管理部门"""
    it: Name = defaults.field("organisation.departments.it", Name)
    """信息科技部门"""
    audit: Name = defaults.field("organisation.departments.audit", Name)
    """内部审计部门"""
    procurement: Name = defaults.field("organisation.departments.procurement", Name)
    """采购管理部门"""
    business: Name = defaults.field("organisation.departments.business", Name)
    """外包需求部门（业务部门）"""


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
    """所属行业；banking、insurance 适用银行保险机构外包监管规定"""
    board: Name = defaults.field("organisation.board", Name)
    """最高决策机构，如 董事会、执行董事"""
    senior_management: Name = defaults.field("organisation.senior_management", Name)
    """经营管理层，如 高级管理层、总经理办公会"""
    it_committee: Name = defaults.field("organisation.it_committee", Name)
    """银行保险机构：审议重要信息科技外包合同的委员会"""
    departments: Departments = Field(default_factory=Departments)
    """职责部门"""
