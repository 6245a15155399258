"""`ip`, `confidentiality` and `data_protection`: what the parties owe each other about
deliverables, secrets and personal information."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from policygen.profile import defaults
from policygen.profile.base import Section, check_rules
from policygen.profile.types import (
    MAX_SHORT_ITEMS,
    Classification,
    Duration,
    IpOwnership,
    Money,
    Name,
    Text,
)


class Ip(Section):
    """Intellectual property in deliverables and what each party brings."""

    deliverables_owner: IpOwnership = IpOwnership.CLIENT
    """交付成果知识产权归属：client（甲方）、vendor（乙方）、joint（共有）"""
    background_ip: Text = defaults.field("ip.background_ip", Text)
    """背景知识产权"""
    licence_scope: Text = defaults.field("ip.licence_scope", Text)
    """许可范围"""
    open_source: Text = defaults.field("ip.open_source", Text)
    """开源软件使用要求"""
    infringement: Text = defaults.field("ip.infringement", Text)
    """侵权责任"""


class Confidentiality(Section):
    """Confidential information, its classification and the duty to keep it."""

    scope: list[Text] = Field(
        default_factory=defaults.factory("confidentiality.scope", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """保密信息范围"""
    classification_levels: list[Classification] = Field(
        default_factory=lambda: [
            Classification.PUBLIC,
            Classification.INTERNAL,
            Classification.CONFIDENTIAL,
            Classification.SECRET,
        ],
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """信息分级（自低至高）"""
    term_after_termination: Duration = Field(default_factory=lambda: Duration(5, "year"))
    """合同终止后保密义务的持续期间"""
    return_within: Duration = Field(default_factory=lambda: Duration(10, "business_day"))
    """合同终止后返还或销毁保密信息的期限"""
    liquidated_damages: Money | None = Decimal(100000)
    """违反保密义务的违约金（元）；不约定则填 null"""


class DataProtection(Section):
    """Personal information and data the vendor may touch (PIPL art. 21 entrustment)."""

    processes_personal_info: bool = False
    """外包服务是否涉及委托处理个人信息"""
    pi_categories: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """委托处理的个人信息种类"""
    sensitive_pi: bool = False
    """是否涉及敏感个人信息"""
    sensitive_categories: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """敏感个人信息种类，如 金融账户、身份证件号码"""
    purposes: list[Text] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """委托处理目的"""
    processing_methods: list[Name] = Field(
        default_factory=defaults.factory("data_protection.processing_methods", list[Name]),
        max_length=MAX_SHORT_ITEMS,
    )
    """处理方式"""
    cross_border: bool = False
    """是否向境外提供个人信息"""
    storage_location: Name = defaults.field("data_protection.storage_location", Name)
    """数据存储地点"""
    breach_notification: Duration | None = None
    """发生个人信息安全事件后乙方通知甲方的时限"""
    deletion_within: Duration = Field(default_factory=lambda: Duration(15, "day"))
    """委托关系终止后返还或删除个人信息的期限"""
    sub_processing_requires_consent: bool = True
    """转委托须经甲方事先书面同意"""
    impact_assessment: bool = True
    """委托处理前开展个人信息保护影响评估"""

    @model_validator(mode="after")
    def _rules(self) -> DataProtection:
        def violations():
            if not self.processes_personal_info:
                for field in ("sensitive_pi", "cross_border"):
                    if getattr(self, field):
                        yield (
                            field,
                            "未处理个人信息（processes_personal_info 为 false）时不应设置此项 "
                            "(requires processes_personal_info: true)",
                        )
            else:
                if not self.pi_categories:
                    yield (
                        "pi_categories",
                        "处理个人信息时须列明个人信息种类（《个人信息保护法》第二十一条） "
                        "(list the categories of personal information)",
                    )
                if not self.purposes:
                    yield (
                        "purposes",
                        "处理个人信息时须列明委托处理目的（《个人信息保护法》第二十一条） "
                        "(state the purposes of processing)",
                    )
            if self.sensitive_pi and not self.sensitive_categories:
                yield (
                    "sensitive_categories",
                    "涉及敏感个人信息时须列明其种类 (list the sensitive categories)",
                )

        check_rules(violations())
        return self
