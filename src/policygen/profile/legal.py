"""`ip`, `confidentiality` and `data_protection`: what the parties owe each other about
deliverables, secrets and personal information."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import ClassVar

from pydantic import Field, model_validator

from policygen.caches import CACHES
from policygen.profile import defaults
from policygen.profile.base import Section, Violations, check_rules
from policygen.profile.types import (
    MAX_SHORT_ITEMS,
    Classification,
    CnDate,
    Duration,
    DurationUnit,
    IpOwnership,
    Money,
    Name,
    Text,
)


class Ip(Section):
    """Intellectual property in deliverables and what each party brings."""

    deliverables_owner: IpOwnership = IpOwnership.CLIENT
    """交付成果知识产权归属"""
    background_ip: Text = defaults.field("ip.background_ip", Text)
    """双方订立合同前已有的知识产权（背景知识产权）的归属约定"""
    licence_scope: Text = defaults.field("ip.licence_scope", Text)
    """交付成果含有乙方背景知识产权时，乙方授予甲方的许可范围"""
    open_source: Text | None = None
    """开发类外包的开源软件使用要求；不写则不设开源软件条款（信息技术外包默认写入）"""
    open_source_tools: Text | None = None
    """运行维护类信息技术外包中，乙方使用或者交付的脚本、工具含有开源软件时的要求；不写则不设（信息技术外包默认写入）"""
    infringement: Text = defaults.field("ip.infringement", Text)
    """交付成果侵犯第三方知识产权时乙方的责任"""


class Confidentiality(Section):
    """Confidential information, its classification and the duty to keep it."""

    scope: list[Text] = Field(
        default_factory=defaults.factory("confidentiality.scope", list[Text]),
        min_length=1,
        max_length=MAX_SHORT_ITEMS,
    )
    """属于保密信息的各类信息，逐项列明"""
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
    term_after_termination: Duration = Field(default_factory=lambda: Duration(5, DurationUnit.YEAR))
    """合同终止后保密义务的持续期间"""
    liquidated_damages: Money | None = Decimal(100000)
    """违反保密义务的违约金（元）；不约定则填 null"""


class TransferMechanism(StrEnum):
    """The legal ground on which personal information goes abroad (PIPL art. 38)."""

    STANDARD_CONTRACT = "standard_contract"
    """按照国家网信部门制定的标准合同与境外接收方订立合同（第三十八条第一款第（三）项）"""
    SECURITY_ASSESSMENT = "security_assessment"
    """通过国家网信部门组织的安全评估（第三十八条第一款第（一）项）"""
    CERTIFICATION = "certification"
    """经专业机构进行个人信息保护认证（第三十八条第一款第（二）项）"""
    EXEMPT = "exempt"
    """依照法律、行政法规或者国家网信部门的规定免予前三项（须在 basis 中写明依据）"""


class OverseasRecipient(Section):
    """An overseas recipient of personal information, as PIPL arts. 38–39 and 55 require it named."""

    name: Name
    """境外接收方的名称或者姓名"""
    country: Name
    """所在国家或者地区"""
    contact: Text
    """联系方式（联系人、地址、电话或者电子邮箱）"""
    mechanism: TransferMechanism
    """出境机制（exempt 须在 basis 中写明免予的法律依据）"""
    basis: Text | None = None
    """出境机制的依据或者编号，如 标准合同备案编号、安全评估通过文号；exempt 时必填免予的法律依据"""
    assessment_date: CnDate
    """个人信息保护影响评估的完成日期（须早于向境外提供之日，《个人信息保护法》第五十五条）"""
    categories: list[Name] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """向其提供的个人信息种类（须为 pi_categories 中的项）"""
    purposes: list[Text] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """境外接收方的处理目的"""
    processing_methods: list[Name] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """境外接收方的处理方式，如 存储、使用"""
    retention: Text | None = None
    """境外保存期限"""

    @model_validator(mode="after")
    def _basis_when_exempt(self) -> OverseasRecipient:
        if self.mechanism is TransferMechanism.EXEMPT and not self.basis:
            check_rules(
                [
                    (
                        "basis",
                        "免予安全评估、标准合同和认证的，须写明所依据的规定 (name the exemption)",
                    )
                ]
            )
        return self


USE_METHODS = frozenset({"使用", "加工"})
"""The methods of processing (《个人信息保护法》第四条's words) under which the vendor works with
the personal information itself, so that its use in testing or training needs rules: matched
against processing_by_category, never printed."""


class CategoryProcessing(Section):
    """How the vendor processes some of the entrusted categories, where the categories are not
    all processed alike (PIPL art. 21: the 处理方式 agreed for each)."""

    categories: list[Name] = Field(min_length=1, max_length=MAX_SHORT_ITEMS)
    """个人信息种类（须为 pi_categories 中的项）"""
    methods: list[Name] = Field(default_factory=list, max_length=MAX_SHORT_ITEMS)
    """乙方对这些种类的处理方式，如 收集、存储；incidental 为 true 时不填"""
    incidental: bool = False
    """乙方不以处理为目的，仅在运维中为故障处置所必需而偶然接触：不得查阅、复制、导出或者留存"""
    party_a_system: bool = False
    """这些种类保存在乙方运维的甲方系统中（如本行的视频监控和门禁系统），由该系统加密传输和存储：乙方按照甲方的安全配置维护其加密功能，不得关闭或者绕过"""


SENSITIVE_PI_RESOURCE = "templates/zh/sensitive_pi.yaml"
"""The words that make a category of personal information sensitive, by class."""


@CACHES.memo(files=True)
def _sensitive_words() -> tuple[dict[str, list[str]], frozenset[str]]:
    data = CACHES.read_yaml(str(resources.files("policygen") / SENSITIVE_PI_RESOURCE))
    return data["classes"], frozenset(data.get("keep") or ())


def sensitive_class(category: str) -> str:
    """Return the class of sensitive personal information (GB/T 35273-2020 附录B) a category
    named `category` belongs to, or an empty string (sensitive_pi.yaml)."""
    classes, keep = _sensitive_words()
    if category in keep:
        return ""
    for name, words in classes.items():
        if any(word in category for word in words):
            return name
    return ""


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
    """委托乙方处理个人信息的目的，逐项列明"""
    processing_methods: list[Name] = Field(
        default_factory=defaults.factory("data_protection.processing_methods", list[Name]),
        max_length=MAX_SHORT_ITEMS,
    )
    """乙方处理个人信息的方式，如 存储、使用、加工（委托处理须约定）"""
    individuals: int | None = Field(default=None, ge=1)
    """委托处理的个人信息涉及的自然人数量（约数），用于按规模认定重要外包"""
    cross_border: bool = False
    """是否向境外提供个人信息；是则须在 overseas_recipients 中列明境外接收方"""
    overseas_recipients: list[OverseasRecipient] = Field(
        default_factory=list, max_length=MAX_SHORT_ITEMS
    )
    """境外接收方（《个人信息保护法》第三十八、三十九条）"""
    storage_location: Name = defaults.field("data_protection.storage_location", Name)
    """个人信息和数据的存储地点，如 中华人民共和国境内甲方数据中心"""
    breach_notification: Duration | None = None
    """发生个人信息安全事件后乙方通知甲方的时限"""
    sub_processing_requires_consent: bool = True
    """转委托须经甲方事先书面同意"""
    call_recording: bool = False
    """乙方按甲方要求对通话录音（呼叫中心等）：客户在通话中口述的身份证件号码、账号等随录音保存，须列为敏感个人信息"""
    impact_assessment: bool = True
    """委托处理前开展个人信息保护影响评估（《个人信息保护法》第五十五条要求，委托处理个人信息时须为 true）"""
    processing_by_category: list[CategoryProcessing] = Field(
        default_factory=list, max_length=MAX_SHORT_ITEMS
    )
    """按种类约定的处理方式（如监控图像收集、存储，设备上的客户信息仅偶然接触）；列明时取代 processing_methods，每一种类列明一次"""
    category_descriptions: dict[Name, Text] = Field(
        default_factory=dict, max_length=MAX_SHORT_ITEMS
    )
    """以简称列入 pi_categories 的种类的全称（简称: 全称）：合同和委托处理协议首次列明时写明全称并定义简称"""

    @property
    def incidental_categories(self) -> list[str]:
        """The categories the vendor only comes across in its work (processing_by_category)."""
        return [
            c for entry in self.processing_by_category if entry.incidental for c in entry.categories
        ]

    @property
    def party_a_system_categories(self) -> list[str]:
        """The categories held in Party A's own systems that the vendor maintains, whose
        encryption those systems provide (processing_by_category)."""
        return [
            c
            for entry in self.processing_by_category
            if entry.party_a_system and not entry.incidental
            for c in entry.categories
        ]

    @property
    def sensitive_incidental(self) -> bool:
        """Whether every sensitive category is one the vendor only comes across incidentally:
        the sensitive-information duties then forbid any query or export, with no exception."""
        incidental = self.incidental_categories
        return bool(self.sensitive_categories) and all(
            c in incidental for c in self.sensitive_categories
        )

    @property
    def uses_data(self) -> bool:
        """Whether the vendor may use or work on personal information (使用、加工), so that its
        use in testing, training or problem analysis needs rules; always when no per-category
        methods are agreed."""
        if not self.processing_by_category:
            return True
        methods = [m for e in self.processing_by_category if not e.incidental for m in e.methods]
        return any(m in USE_METHODS for m in methods)

    PERSONAL_INFO_ONLY: ClassVar[tuple[str, ...]] = (
        "pi_categories",
        "sensitive_pi",
        "sensitive_categories",
        "purposes",
        "individuals",
        "cross_border",
        "overseas_recipients",
        "call_recording",
        "processing_by_category",
        "category_descriptions",
    )
    """Fields that describe entrusted personal information: an engagement that entrusts none
    does not inherit them from the organisation's default."""

    @model_validator(mode="after")
    def _rules(self) -> DataProtection:
        def violations() -> Violations:
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
            if self.call_recording and not (self.processes_personal_info and self.sensitive_pi):
                yield (
                    "call_recording",
                    "通话录音中客户会口述身份证件号码、账号等敏感个人信息：须处理个人信息，"
                    "并将 sensitive_pi 设为 true、在 sensitive_categories 中列明其种类 "
                    "(recorded calls hold sensitive personal information: list it)",
                )
            if self.sensitive_pi and not self.sensitive_categories:
                yield (
                    "sensitive_categories",
                    "涉及敏感个人信息时须列明其种类 (list the sensitive categories)",
                )
            if self.processes_personal_info:
                for i, category in enumerate(self.pi_categories):
                    kind = sensitive_class(category)
                    if kind and category not in self.sensitive_categories:
                        yield (
                            f"pi_categories[{i}]",
                            f"「{category}」属于敏感个人信息（{kind}，GB/T 35273-2020 附录B），"
                            "应列入 sensitive_categories 并将 sensitive_pi 设为 true "
                            "(a sensitive category: list it in sensitive_categories)",
                        )
                for i, category in enumerate(self.sensitive_categories):
                    if category not in self.pi_categories:
                        yield (
                            f"sensitive_categories[{i}]",
                            f"敏感个人信息「{category}」须同时列入委托处理的个人信息种类"
                            "（pi_categories），使合同与委托处理协议列明同一份种类清单 "
                            "(a sensitive category must be one of pi_categories)",
                        )
            yield from self._category_rules()
            yield from self._cross_border_rules()

        check_rules(violations())
        return self

    def _category_rules(self) -> Iterator[tuple[str, str]]:
        seen: set[str] = set()
        for i, entry in enumerate(self.processing_by_category):
            where = f"processing_by_category[{i}]"
            if entry.incidental == bool(entry.methods):
                yield (
                    f"{where}.methods",
                    "偶然接触的种类不列处理方式，其他种类须列明处理方式 "
                    "(methods for processed categories only, none when incidental)",
                )
            if entry.incidental and entry.party_a_system:
                yield (
                    f"{where}.party_a_system",
                    "偶然接触的种类不由乙方处理，不适用甲方系统的加密约定 "
                    "(party_a_system for processed categories only)",
                )
            for j, category in enumerate(entry.categories):
                if category not in self.pi_categories:
                    yield (
                        f"{where}.categories[{j}]",
                        f"「{category}」须为委托处理的个人信息种类（pi_categories）中的项 "
                        "(one of pi_categories)",
                    )
                elif category in seen:
                    yield (
                        f"{where}.categories[{j}]",
                        f"「{category}」的处理方式已经列明 (a category is listed once)",
                    )
                seen.add(category)
        if self.processing_by_category:
            for i, category in enumerate(self.pi_categories):
                if category not in seen:
                    yield (
                        f"pi_categories[{i}]",
                        f"按种类约定处理方式的，须列明「{category}」的处理方式 "
                        "(processing_by_category must cover every category)",
                    )
        for name in self.category_descriptions:
            if name not in self.pi_categories:
                yield (
                    "category_descriptions",
                    f"「{name}」须为委托处理的个人信息种类（pi_categories）中的项 "
                    "(describe only listed categories)",
                )

    def _cross_border_rules(self) -> Iterator[tuple[str, str]]:
        if self.cross_border and not self.overseas_recipients:
            yield (
                "overseas_recipients",
                "向境外提供个人信息时须列明每一境外接收方的名称、所在国家或地区、联系方式和出境机制"
                "（《个人信息保护法》第三十八、三十九条） (name every overseas recipient)",
            )
        if self.overseas_recipients and not self.cross_border:
            yield (
                "cross_border",
                "列明了境外接收方，cross_border 应为 true (recipients given: set cross_border)",
            )
        if self.processes_personal_info and not self.impact_assessment:
            yield (
                "impact_assessment",
                "委托处理个人信息前，应当事前进行个人信息保护影响评估（《个人信息保护法》"
                "第五十五条第（三）项），不能设为 false (PIPL art. 55 requires a PIA before "
                "entrusting personal information)",
            )
        categories = set(self.pi_categories)
        for i, recipient in enumerate(self.overseas_recipients):
            for j, category in enumerate(recipient.categories):
                if category not in categories:
                    yield (
                        f"overseas_recipients[{i}].categories[{j}]",
                        f"「{category}」不在委托处理的个人信息种类（pi_categories）中；"
                        f"可选：{'、'.join(self.pi_categories)} "
                        "(not one of pi_categories)",
                    )
