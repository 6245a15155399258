"""Hand-built, already numbered document trees for writer tests (no profile, no templates)."""

from __future__ import annotations

from datetime import date

from policygen.tree import nodes as n

HOSTILE = "A&B <公司> \"引号\" '单引' 𠮷野家"
"""A vendor name with XML/HTML markup characters and an astral (non-BMP) CJK character."""


def inline(text: str) -> tuple[n.Inline, ...]:
    """Return `text` as the inlines of a paragraph or title."""
    return (n.Text(text),)


_t = inline


def small_doc(*blocks: n.Block, title: str = "测试文件", kind: str = "regulation") -> n.Document:
    """Return a document of `kind` holding `blocks`, with a small fixed meta."""
    return n.Document(
        kind=kind,
        title=title,
        blocks=blocks,
        meta=n.DocumentMeta(organisation="测试机构", version="V1.0", date=date(2026, 1, 1)),
    )


ORGANISATION = "华夏示范商业银行股份有限公司"
SIGNATURE_LINES = ("法定代表人或授权代表（签字）", "日期", "盖章")
PARTIES = (
    n.SignatureParty("甲方", ORGANISATION, SIGNATURE_LINES),
    n.SignatureParty("乙方", HOSTILE, SIGNATURE_LINES),
)
SIGNED_ON = date(2026, 3, 18)
"""The sample contract's signing date: its files' timestamp, never the regulation's date."""


def _regulation_meta() -> n.DocumentMeta:
    return n.DocumentMeta(
        organisation=ORGANISATION,
        version="V2.0",
        date=date(2026, 1, 1),
        subject="外包管理",
        keywords=("外包", "制度"),
        doc_no="华银发〔2026〕1号",
        effective_date=date(2026, 1, 1),
    )


def _contract_meta() -> n.DocumentMeta:
    return n.DocumentMeta(
        organisation=ORGANISATION,
        version="",
        date=SIGNED_ON,
        subject="外包管理",
        contract_no="HX-ITO-2026-001",
        parties=PARTIES,
        signed_on=SIGNED_ON,
        signed_at="北京市西城区",
    )


def sample_regulation() -> n.Document:
    """A two-chapter regulation with items, a nested list, a table and a cross-reference."""
    items = n.OrderedList(
        items=(
            n.ListItem(blocks=(n.Paragraph(_t("信息科技战略管理；")),), label="（一）", id="ban-1"),
            n.ListItem(
                blocks=(
                    n.Paragraph(_t("信息科技风险管理，包括：")),
                    n.OrderedList(
                        items=(
                            n.ListItem(blocks=(n.Paragraph(_t("风险识别；")),), label="1."),
                            n.ListItem(blocks=(n.Paragraph(_t("风险评估。")),), label="2."),
                        ),
                        depth=2,
                    ),
                ),
                label="（二）",
            ),
            n.ListItem(blocks=(n.Paragraph(_t("信息科技内部审计。")),), label="（三）"),
        )
    )
    table = n.Table(
        caption="表1　供应商评价标准",
        header=((n.Cell(_t("评价维度")), n.Cell(_t("权重（%）"), align="right")),),
        rows=tuple(
            (n.Cell(_t(name)), n.Cell(_t(str(w)), align="right"))
            for name, w in [
                ("技术能力", 30),
                ("服务质量", 25),
                ("价格", 20),
                ("财务状况", 15),
                ("行业经验", 10),
            ]
        ),
    )
    chapter1 = n.Chapter(
        title=_t("总则"),
        label="第一章",
        id="ch-general",
        blocks=(
            n.Article(
                label="第一条",
                id="purpose",
                blocks=(
                    n.Paragraph(
                        (
                            n.Text("为规范本行外包服务管理，根据"),
                            n.Strong(_t("《银行保险机构信息科技外包风险监管办法》")),
                            n.Text("等规定，制定本办法。"),
                        )
                    ),
                ),
            ),
            n.Article(
                label="第二条",
                id="banned",
                blocks=(
                    n.Paragraph(_t("下列职能不得外包：")),
                    items,
                    n.Paragraph(_t("前款规定以外的职能，按本办法管理。")),
                ),
            ),
        ),
    )
    chapter2 = n.Chapter(
        title=_t("供应商选择"),
        label="第二章",
        blocks=(
            n.Article(
                label="第三条",
                blocks=(
                    n.Paragraph(
                        (
                            n.Text("供应商评价按下表进行，适用"),
                            n.Ref(target="banned", text="第二条"),
                            n.Text("的限制。供应商名称示例："),
                            n.Text(HOSTILE),
                            n.Text("。"),
                        )
                    ),
                    table,
                ),
            ),
        ),
    )
    return n.Document(
        kind="regulation",
        title="外包服务管理办法",
        subtitle="",
        blocks=(chapter1, chapter2),
        meta=_regulation_meta(),
    )


def sample_contract() -> n.Document:
    """A contract with titled articles, numbered clauses, a heading and a signature page."""
    return n.Document(
        kind="contract",
        title="信息系统运维服务外包合同",
        subtitle="合同编号：HX-ITO-2026-001",
        meta=_contract_meta(),
        blocks=(
            n.Paragraph(_t("甲方：华夏示范商业银行股份有限公司")),
            n.Paragraph(_t(f"乙方：{HOSTILE}")),
            n.Heading(_t("鉴于"), level=2),
            n.Paragraph(_t("甲方拟将信息系统运维服务外包给乙方，双方经协商一致，订立本合同。")),
            n.Article(
                label="第一条",
                title=_t("服务内容"),
                id="services",
                blocks=(
                    n.Paragraph(_t("乙方向甲方提供下列服务："), label="1.1", id="services-list"),
                    n.OrderedList(
                        items=(
                            n.ListItem(blocks=(n.Paragraph(_t("机房运维；")),), label="1.1.1"),
                            n.ListItem(blocks=(n.Paragraph(_t("桌面运维。")),), label="1.1.2"),
                        )
                    ),
                    n.Paragraph(_t("服务水平见附件。"), label="1.2"),
                ),
            ),
            n.Article(
                label="第二条",
                title=_t("费用"),
                blocks=(
                    n.Paragraph(
                        (
                            n.Text(
                                "合同总价为人民币1,234,567.89元（大写：人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分），见"
                            ),
                            n.Ref(target="services-list", text="第1.1条"),
                            n.Text("。"),
                        ),
                        label="2.1",
                    ),
                ),
            ),
            n.PageBreak(),
            n.SignatureBlock(parties=PARTIES),
        ),
    )
