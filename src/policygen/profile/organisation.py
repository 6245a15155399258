"""`organisation`: 甲方, the organisation that outsources, and its responsible departments."""

from __future__ import annotations

from pydantic import Field

from policygen.profile.base import Section
from policygen.profile.types import CreditCode, Industry, Name, Text


class Departments(Section):
    """The departments a regulation assigns duties to."""

    lead: Name = "运营管理部"
    """外包归口管理部门（牵头部门）"""
    legal: Name = "法律合规部"
    """法律合规部门"""
    risk: Name = "风险管理部"
    """风险管理部门"""
    it: Name = "信息科技部"
    """信息科技部门"""
    audit: Name = "内部审计部"
    """内部审计部门"""
    procurement: Name = "采购管理部"
    """采购管理部门"""
    business: Name = "各业务部门"
    """外包需求部门（业务部门）"""


class Organisation(Section):
    """甲方: the organisation issuing the regulation and signing the contracts."""

    name: Name
    """全称，与营业执照一致"""
    short_name: Name = "本公司"
    """文中自称，如 本公司、本行"""
    credit_code: CreditCode
    """统一社会信用代码"""
    address: Text
    """住所"""
    legal_representative: Name
    """法定代表人"""
    industry: Industry = Industry.OTHER
    """所属行业；banking、insurance 适用银行保险机构外包监管规定"""
    board: Name = "董事会"
    """最高决策机构，如 董事会、执行董事"""
    senior_management: Name = "高级管理层"
    """经营管理层，如 高级管理层、总经理办公会"""
    departments: Departments = Field(default_factory=Departments)
    """职责部门"""
