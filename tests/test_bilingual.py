"""Bilingual contracts (issue 24): the English templates, their alignment with the Chinese clause
by clause, the English filters and the writers' English paragraphs."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from libreoffice import convert, needs_libreoffice
from policygen.bilingual import english_kinds, english_label, english_ref, keyed
from policygen.check import check
from policygen.errors import RenderError, UsageError
from policygen.numerals import cn_value
from policygen.pipeline import Job, build_document, jobs, writer_options
from policygen.profile.load import load_profile, parse
from policygen.profile.model import Profile
from policygen.templating.environment import BUNDLED_TEMPLATES
from policygen.templating.filters import (
    en_amount,
    en_count,
    en_date,
    en_duration,
    en_law,
    en_text,
    glossary,
)
from policygen.tree import nodes as n
from policygen.tree.text import inline_text, item_lang
from policygen.tree.walk import walk
from policygen.writers import write

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = BUNDLED_TEMPLATES.parent / "en"
CJK_PUNCTUATION = re.compile(r"[，。；：、“”‘’（）《》〔〕【】！？　…—]")


def _data(example: str = "bank") -> dict:
    text = (ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8")
    return parse(text, fmt="yaml", name=example).data


@pytest.fixture(scope="module")
def bank() -> Profile:
    return load_profile(ROOT / "examples" / "bank.yaml")


@pytest.fixture(scope="module")
def both(bank: Profile) -> n.Document:
    (job,) = [j for j in jobs(bank, ["contract"], lang="zh+en") if j.stem.endswith("001-zh+en")]
    return build_document(bank, job)


@pytest.fixture(scope="module")
def english(bank: Profile) -> n.Document:
    return build_document(bank, jobs(bank, ["contract"], lang="en")[0])


def _english_texts(doc: n.Document) -> list[str]:
    return [
        inline_text(node.inlines)
        for node, _ in walk(doc.blocks)
        if isinstance(node, n.Paragraph) and node.lang == "en"
    ]


# --------------------------------------------------------------------------- alignment


def test_every_clause_is_followed_by_its_english_with_the_same_number(both: n.Document) -> None:
    articles = items = clauses = 0
    for node, _ in walk(both.blocks):
        if isinstance(node, n.Article):
            articles += 1
            assert node.title, node.label
            english_line = inline_text(node.title).split("\n")[1]
            assert english_line.startswith(f"Article {cn_value(node.label[1:-1])} "), english_line
            blocks = list(node.blocks)
            for index, block in enumerate(blocks):
                if isinstance(block, n.Paragraph) and not block.lang:
                    follower = blocks[index + 1]
                    assert isinstance(follower, n.Paragraph) and follower.lang == "en", block
                    assert follower.label == block.label and follower.align == block.align
                    clauses += bool(block.label)
        elif isinstance(node, n.ListItem):
            items += 1
            chinese, translation = node.blocks[0], node.blocks[1]
            assert isinstance(chinese, n.Paragraph) and not chinese.lang
            assert isinstance(translation, n.Paragraph) and translation.lang == "en"
            assert translation.label == english_label(node.label), node.label
    assert articles >= 20 and clauses > 80 and items > 40


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
@pytest.mark.parametrize("kind", ["contract", "sla", "nda", "dpa", "safety"])
def test_every_example_aligns_with_english_wording(example: str, kind: str) -> None:
    if (example, kind) == ("manufacturer", "dpa"):
        pytest.skip("the manufacturer entrusts no personal information: it has no DPA")
    if (example, kind) == ("securities", "safety"):
        pytest.skip(
            "the securities firm's vendors do not work on its premises: no safety agreement"
        )
    profile = load_profile(ROOT / "examples" / f"{example}.yaml")
    avoided = [a for entry in glossary()["terms"].values() for a in entry["avoid"]]
    for job in jobs(profile, [kind], lang="zh+en"):
        doc = build_document(profile, job)
        english_texts = _english_texts(doc)
        chinese = [p for p, _ in walk(doc.blocks) if isinstance(p, n.Paragraph) and not p.lang]
        assert len(english_texts) == len(chinese)
        for text in english_texts:
            assert not CJK_PUNCTUATION.search(re.sub(r"《[^》]*》", "", text)), text
            assert not [a for a in avoided if re.search(rf"\b{re.escape(a)}\b", text)], text
        assert any("the Chinese version shall prevail" in t for t in english_texts)


def clause_keys(blocks: tuple[n.Block, ...], parent: str = "body") -> Iterator[tuple[str, n.Block]]:
    """Yield the clause key of every block and list item of `blocks`, depth first, with it:
    what bilingual.interleave matches the two languages by."""
    for key, block in keyed(blocks, parent):
        yield key, block
        match block:
            case n.Chapter(blocks=inner) | n.Article(blocks=inner):
                yield from clause_keys(inner, key)
            case n.OrderedList(items=items) | n.BulletList(items=items):
                for k, item in enumerate(items, start=1):
                    item_key = item.id or f"{key}.{k}"
                    yield item_key, n.OrderedList((item,))
                    yield from clause_keys(item.blocks, item_key)


def test_the_english_tree_has_the_chinese_clause_keys(bank: Profile, english: n.Document) -> None:
    chinese = build_document(bank, jobs(bank, ["contract"], lang="zh")[0])
    english_keys = [k for k, _ in clause_keys(english.blocks)]
    # The languages clause too: the bank translates its texts, so its Chinese text is one of two.
    assert [k for k, _ in clause_keys(chinese.blocks)] == english_keys


def test_english_references_read_the_chinese_numbers(both: n.Document) -> None:
    refs = [
        (node.target, node.text)
        for block, _ in walk(both.blocks)
        if isinstance(block, n.Paragraph) and block.lang == "en"
        for node in block.inlines
        if isinstance(node, n.Ref)
    ]
    assert ("contract-amendment", "Article 17") in refs
    assert ("contract-confidential-information", "Clause 9.1") in refs
    assert all(not re.search(r"[第条款项]", text) for _, text in refs), refs


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("第十二条", "Article 12"),
        ("第3.2条", "Clause 3.2"),
        ("第十二条第二款", "paragraph 2 of Article 12"),
        ("第五条第（三）项", "item (c) of Article 5"),
        ("第3.1.2条（1）", "Clause 3.1.2(1)"),
        ("第一百零三条", "Article 103"),
    ],
)
def test_english_reference_texts(zh: str, en: str) -> None:
    assert english_ref(zh) == en


def test_a_clause_missing_in_english_is_a_located_error(bank: Profile, tmp_path: Path) -> None:
    shutil.copytree(ENGLISH, tmp_path / "en")
    template = tmp_path / "en" / "contract.md.j2"
    text = template.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if "{#contract-set-off}" not in line]
    assert len(kept) == len(text.splitlines()) - 1
    template.write_text("\n".join(kept) + "\n", encoding="utf-8")
    job = jobs(bank, ["contract"], lang="zh+en")[0]
    with pytest.raises(RenderError) as caught:
        build_document(bank, job, template_dirs=[tmp_path])
    message = str(caught.value)
    assert "contract-set-off" in message and "en/contract.md.j2" in message
    assert "MY-ITO-2026-001" in message  # and the engagement, as every template error does


def test_kinds_without_english_templates(bank: Profile) -> None:
    with pytest.raises(UsageError, match="scorecard"):
        jobs(bank, ["scorecard"], lang="zh+en")
    by_kind = {job.kind.name: job.lang for job in jobs(bank, lang="zh+en")}
    assert by_kind["contract"] == by_kind["sla"] == by_kind["nda"] == by_kind["dpa"] == "zh+en"
    assert by_kind["safety"] == "zh+en"
    assert by_kind["regulation"] == by_kind["scorecard"] == by_kind["risk_register"] == "zh"


def test_a_kind_is_english_capable_when_its_english_template_is_found(
    bank: Profile, tmp_path: Path
) -> None:
    assert english_kinds() == ("contract", "sla", "nda", "dpa", "safety")  # templates/en/
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "scorecard.md.j2").write_text("{% set title = 'Scorecard' %}", "utf-8")
    assert "scorecard" in english_kinds([tmp_path])
    (job,) = [
        j
        for j in jobs(bank, ["scorecard"], lang="en", template_dirs=[tmp_path])
        if j.stem.endswith("001-en")
    ]
    assert job.lang == "en"


def test_meta_languages_choose_the_languages_and_the_precedence() -> None:
    data = _data()
    data["meta"] |= {"languages": ["zh", "en"], "prevailing_language": "en"}
    profile = load_profile(data)
    (job, *_) = jobs(profile, ["contract"])
    assert job.lang == "zh+en" and job.filename("docx").endswith("-zh+en.docx")
    doc = build_document(profile, job)
    clause = [
        inline_text(node.inlines)
        for node, _ in walk(doc.blocks)
        if isinstance(node, n.Paragraph) and "英文书就" in inline_text(node.inlines)
    ]
    assert clause == [
        "本合同以中文和英文书就，中英文对照，两种文本具有同等法律效力；两种文本不一致的，以英文文本为准。"
    ]
    assert any("the English version shall prevail" in t for t in _english_texts(doc))


def test_the_chinese_prevails_by_default(both: n.Document) -> None:
    assert any("the Chinese version shall prevail" in t for t in _english_texts(both))


def test_a_chinese_only_render_has_no_language_clause(bank: Profile) -> None:
    """A Chinese contract states which text prevails where the profile has English versions
    (its translations or languages), as the English text does; a profile without them does not."""

    def language_clause(profile: Profile) -> list[str]:
        doc = build_document(profile, jobs(profile, ["contract"])[0])
        paragraphs = (p for p, _ in walk(doc.blocks) if isinstance(p, n.Paragraph))
        return [inline_text(p.inlines) for p in paragraphs if "英文" in inline_text(p.inlines)]

    assert language_clause(bank) == [
        "本合同以中文和英文书就，两种文本具有同等法律效力；两种文本不一致的，以中文文本为准。"
    ]
    data = bank.model_dump()
    data["meta"]["translations"] = {}
    assert language_clause(load_profile(data)) == []


# --------------------------------------------------------------------------- wording


def test_amounts_agree_in_both_languages(both: n.Document) -> None:
    price = [node for node, _ in walk(both.blocks) if isinstance(node, n.Paragraph)]
    index = next(i for i, p in enumerate(price) if p.id == "contract-price")
    chinese, english_text = inline_text(price[index].inlines), inline_text(price[index + 1].inlines)
    assert "人民币12,680,000.00元（大写：人民币壹仟贰佰陆拾捌万元整）" in chinese
    assert (
        "RMB 12,680,000.00 (say Renminbi Twelve Million Six Hundred and Eighty Thousand Yuan only)"
        in english_text
    )


def test_english_text_has_no_chinese_punctuation(both: n.Document) -> None:
    for text in _english_texts(both):
        bare = re.sub(r"《[^》]*》", "", text)  # a Chinese title after its English one
        assert not CJK_PUNCTUATION.search(bare), text


def test_english_item_labels_are_followed_by_a_latin_space(english: n.Document) -> None:
    """An English list item's label (2.3.1) is separated as its paragraph is, by a space, in
    the text and Markdown writers, not by the ideographic space of a Chinese item (the
    English document's items; a bilingual item opens with its Chinese paragraph)."""
    from policygen.writers import WriterOptions, write

    starts = [
        (item.label, inline_text(item.blocks[0].inlines)[:12])
        for item, _ in walk(english.blocks)
        if isinstance(item, n.ListItem) and item.label and item_lang(item)
        and isinstance(item.blocks[0], n.Paragraph)
    ]  # fmt: skip
    assert len(starts) > 10
    text = write("txt", english, WriterOptions()).decode()
    markdown = write("md", english, WriterOptions()).decode()
    for label, words in starts:
        assert f"{label} {words}" in text, (label, words)
        assert f"{label}\u3000{words}" not in text, (label, words)
        assert f"{label}\u3000" not in markdown.split(words)[0][-20:], (label, words)


def test_english_uses_the_glossary_and_never_its_avoided_words(both: n.Document) -> None:
    chinese = "".join(
        inline_text(p.inlines)
        for p, _ in walk(both.blocks)
        if isinstance(p, n.Paragraph) and not p.lang
    )
    english_text = "\n".join(_english_texts(both))
    terms = glossary()["terms"]
    used = [zh for zh in terms if zh in chinese]
    assert len(used) > 25
    for zh in used:
        assert terms[zh]["en"].lower() in english_text.lower(), (zh, terms[zh]["en"])
    for zh, entry in terms.items():
        for avoided in entry["avoid"]:
            assert not re.search(rf"\b{re.escape(avoided)}\b", english_text), (zh, avoided)


def test_laws_are_cited_by_their_official_english_titles(both: n.Document) -> None:
    text = "\n".join(_english_texts(both))
    assert (
        "Personal Information Protection Law of the People's Republic of China "
        "(《中华人民共和国个人信息保护法》)"
    ) in text
    assert "Civil Code of the People's Republic of China (《中华人民共和国民法典》)" in text


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12680000.00"), "RMB 12,680,000.00 (say Renminbi Twelve Million Six Hundred and Eighty Thousand Yuan only)"),
        (Decimal("1234.56"), "RMB 1,234.56 (say Renminbi One Thousand Two Hundred and Thirty-Four Yuan and Fifty-Six Fen only)"),
        (Decimal("0.05"), "RMB 0.05 (say Renminbi Zero Yuan and Five Fen only)"),
        (100, "RMB 100.00 (say Renminbi One Hundred Yuan only)"),
    ],
)  # fmt: skip
def test_en_amount(value: Decimal | int, expected: str) -> None:
    assert en_amount(value) == expected


def test_en_amount_refuses_floats() -> None:
    with pytest.raises(TypeError):
        en_amount(1.5)  # type: ignore[arg-type]


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}


def _read_words(words: str) -> int:
    """Return the number English `words` spell (the test's own reader, not num2words)."""
    total = group = 0
    for word in words.lower().replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            group *= 100
        elif word in _SCALES:
            total += group * _SCALES[word]
            group = 0
        else:
            group += _UNITS[word]
    return total + group


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_en_amount_words_spell_the_figure(amount: Decimal) -> None:
    text = en_amount(amount)
    figure, words = re.fullmatch(r"RMB ([\d,]+\.\d\d) \(say Renminbi (.+) only\)", text).groups()
    assert Decimal(figure.replace(",", "")) == amount
    yuan, fen = words.removesuffix(" Yuan"), ""
    if words.endswith(" Fen"):  # the fen after the yuan: "… Thirty-Four Yuan and Five Fen"
        yuan, _, fen = words.removesuffix(" Fen").rpartition(" Yuan and ")
    else:
        assert words.endswith(" Yuan"), words  # every amount names its yuan
    cents = _read_words(yuan) * 100 + (_read_words(fen) if fen else 0)
    assert cents == int(amount * 100)
    assert words == words.replace(",", "") and all(
        w[0].isupper() or w == "and" for w in words.split()
    )


@pytest.mark.parametrize(
    ("filter_", "value", "expected"),
    [
        (en_date, date(2026, 3, 18), "18 March 2026"),
        (en_date, date(2028, 12, 31), "31 December 2028"),
        (en_duration, "90日", "ninety (90) days"),
        (en_duration, "1个月", "one (1) month"),
        (en_duration, "10个工作日", "ten (10) Working Days"),
        (en_duration, "1.5小时", "1.5 hours"),
        (en_count, 3, "three (3)"),
        (en_text, "7×24小时（重大事件三十分钟内到达现场）；", "7×24小时 (重大事件三十分钟内到达现场)"),
        (en_text, "服务器、存储，网络。", "服务器, 存储, 网络"),
        (en_law, "《中华人民共和国数据安全法》", "Data Security Law of the People's Republic of China (《中华人民共和国数据安全法》)"),
        (en_law, "《银行保险机构信息科技外包风险监管办法》（银保监办发〔2021〕141号）", "《银行保险机构信息科技外包风险监管办法》"),
    ],
)  # fmt: skip
def test_english_filters(filter_: object, value: object, expected: str) -> None:
    assert filter_(value) == expected  # type: ignore[operator]


# --------------------------------------------------------------------------- check and writers


def test_check_runs_on_the_chinese_side_of_a_bilingual_set() -> None:
    """The requirement checks read the Chinese clauses; the English side needs no check of its
    own, because alignment (above) guarantees a counterpart for every Chinese clause: a set
    whose English lacks one does not build, so check reports the located error instead."""
    data = _data()
    data["meta"] |= {"languages": ["zh", "en"]}
    findings = check(load_profile(data))
    assert findings and all(f.covered for f in findings)


def test_check_of_a_drifted_english_template_names_the_clause(tmp_path: Path) -> None:
    shutil.copytree(ENGLISH, tmp_path / "en")
    template = tmp_path / "en" / "contract.md.j2"
    text = template.read_text(encoding="utf-8").replace(" {#contract-invoice}", " {#contract-bill}")
    template.write_text(text, encoding="utf-8")
    data = _data()
    data["meta"] |= {"languages": ["zh", "en"]}
    with pytest.raises(RenderError, match="contract-invoice") as caught:
        check(load_profile(data), template_dirs=[tmp_path])
    assert "contract-bill" in str(caught.value)


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
def test_text_writers_print_both_languages_with_one_number(both: n.Document, fmt: str) -> None:
    text = write(fmt, both, writer_options()).decode("utf-8")
    assert "4.6" in text and "Party A may deduct directly from the service fees payable" in text
    assert "第四条" in text and "Article 4 Fees and Payment" in text
    if fmt == "html":
        assert '<p class="numbered translation" lang="en">' in text


def test_english_only_document(english: n.Document) -> None:
    text = write("txt", english, writer_options()).decode("utf-8")
    assert "Article 4 Fees and Payment" in text and "第四条" not in text
    assert "4.7 Party A may deduct" in text
    assert (
        english.title == "Data Centre Operation and Maintenance Services Outsourcing Contract"
    )  # the title translated


def test_a_reworded_clause_cannot_be_rendered_in_english() -> None:
    data = _data()
    data["clauses"] = {"replace": {"contract-set-off": "甲方有权抵扣。"}}
    profile = load_profile(data)
    with pytest.raises(RenderError, match="contract-set-off"):
        build_document(
            profile, Job(jobs(profile, ["contract"])[0].kind, profile.engagements[0], "zh+en")
        )


def test_lint_reads_the_chinese_side_alone(bank: Profile, both: n.Document) -> None:
    from policygen.lint import LintContext, lint_document

    context = LintContext.for_profile(bank, "contract", "contract-MY-ITO-2026-001-zh+en")
    assert lint_document(both, context) == []


def test_diff_reports_a_bilingual_clause_once_with_both_texts() -> None:
    from policygen.diff.compare import compare

    old_data, new_data = _data(), _data()
    for data in (old_data, new_data):
        data["meta"] |= {"languages": ["zh", "en"]}
    new_data["engagements"][0]["fee"]["amount"] = "12880000.00"
    comparison = compare(
        load_profile(old_data), load_profile(new_data), "contract", contract_no="MY-ITO-2026-001"
    )
    price = [c for c in comparison.clauses if c.id == "contract-price"]
    assert len(price) == 1 and price[0].status == "changed"
    (clause,) = price
    assert "人民币12,880,000.00元" in clause.new_text and "RMB 12,880,000.00" in clause.new_text
    assert "RMB 12,680,000.00" in clause.old_text
    numbers = [c.new_number for c in comparison.clauses]
    assert len(numbers) == len(set(numbers)), numbers  # no clause reported twice


# --------------------------------------------------------------------------- the command


@needs_libreoffice
def test_render_zh_en_docx_and_pdf_and_libreoffice_keeps_both_blocks(tmp_path: Path) -> None:
    """`policygen render examples/bank.yaml -d contract --lang zh+en -f docx,pdf`: every clause
    in both languages with one number, in the PDF and in the DOCX as LibreOffice opens it (its
    Word numbering for the Chinese, the typed number for the English)."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "policygen", "render", str(ROOT / "examples" / "bank.yaml"),
         "-d", "contract", "--lang", "zh+en", "-f", "docx,pdf", "-o", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        f"contract-MY-ITO-2026-00{i}-zh+en.{fmt}" for i in (1, 2, 3) for fmt in ("docx", "pdf")
    ]
    pdf = "".join(
        page.extract_text() for page in PdfReader(out / "contract-MY-ITO-2026-001-zh+en.pdf").pages
    )
    flat = re.sub(r"\s+", "", pdf)
    assert "人民币12,680,000.00元（大写：人民币壹仟贰佰陆拾捌万元整）" in flat
    assert "RMB12,680,000.00(sayRenminbiTwelveMillionSixHundredandEightyThousandYuanonly)" in flat
    source = out / "contract-MY-ITO-2026-001-zh+en.docx"
    convert([source], "txt:Text", tmp_path, tmp_path / "lo-profile")
    lines = [
        line.strip()
        for line in (tmp_path / f"{source.stem}.txt").read_text("utf-8-sig").splitlines()
    ]
    lines = [line for line in lines if line]
    pairs = 0
    for chinese, english_line in itertools.pairwise(lines):
        match = re.match(r"^(\d+(?:\.\d+)+)\s*[\u4e00-\u9fff“（]", chinese)
        if match and re.match(r"^\d+(?:\.\d+)+ [A-Z\"(a-z]", english_line):
            assert english_line.startswith(match.group(1) + " "), (chinese, english_line)
            pairs += 1
    assert pairs > 100
    assert "第四条\t费用及支付" in lines or any(
        re.match(r"^第四条\s*费用及支付", line) for line in lines
    )
    assert any(line.startswith("Article 4 Fees and Payment") for line in lines)


def test_english_texts_name_the_contract_its_rules_levels_and_people_as_counsel_asked(
    bank: Profile, english: n.Document
) -> None:
    """The English title and the annexes' subtitles translate the engagement's title; the
    preamble cites the banking rule with its 文号; the 机密级 level is not the defined term
    Confidential Information; people's names in pinyin; the SLA calls the contract the Service
    Contract, as the NDA and the DPA do; an amount's fen follow its yuan."""
    contract = write("txt", english, writer_options()).decode("utf-8")
    assert (
        "(《银行保险机构信息科技外包风险监管办法》, Yin Bao Jian Ban Fa [2021] No. 141)" in contract
    )
    assert "Public, Internal, Restricted and Secret" in contract
    assert "Legal representative: ZHOU Mingyuan (周明远)" in contract
    assert "Sixty-Four Yuan and Fifteen Fen only" in contract
    assert "a monthly service report monthly" not in contract
    (sla_job,) = [j for j in jobs(bank, ["sla"], lang="en") if j.stem.endswith("001-en")]
    sla = write("txt", build_document(bank, sla_job), writer_options()).decode("utf-8")
    assert (
        "Annex 1 to the Data Centre Operation and Maintenance Services Outsourcing Contract" in sla
    )
    assert '"Service Contract"' in sla and "Main Contract" not in sla


# --------------------------------------------------------------------------- the set in English


@pytest.fixture(scope="module")
def english_set(bank: Profile) -> dict[str, n.Document]:
    """The English documents of the bank's first engagement, contract and every annex."""
    return {
        job.kind.name: build_document(bank, job)
        for job in jobs(bank, ["contract", "sla", "nda", "dpa", "safety"], lang="en")
        if job.stem.endswith("MY-ITO-2026-001-en")
    }


def _texts(doc: n.Document) -> list[tuple[str | None, str]]:
    """Return the id and the text of every paragraph of `doc`."""
    return [
        (node.id, inline_text(node.inlines))
        for node, _ in walk(doc.blocks)
        if isinstance(node, n.Paragraph)
    ]


def test_the_safety_agreement_is_the_english_annex_4(
    bank: Profile, english_set: dict[str, n.Document]
) -> None:
    """The contract names four annexes in both languages (its bilingual clause covers them):
    each exists in English, under the label and title the contract gives it, clause by clause
    as its Chinese, citing the safety rules by their English titles and 文号."""
    safety = english_set["safety"]
    (chinese,) = [build_document(bank, j) for j in jobs(bank, ["safety"]) if j.stem.endswith("001")]
    assert [k for k, _ in clause_keys(safety.blocks)] == [k for k, _ in clause_keys(chinese.blocks)]
    assert safety.untranslated == ()
    contract = dict(_texts(english_set["contract"]))
    listed = re.findall(r"Annex (\d) \(([^)]+)\)", contract["contract-annexes"])
    for number, title in listed:
        (annex,) = [d for d in english_set.values() if d.title == title]
        assert annex.subtitle and annex.subtitle.startswith(f"Annex {number} to the "), title
    assert [title for _, title in listed] == [
        english_set[k].title for k in ("sla", "nda", "dpa", "safety")
    ]
    text = "\n".join(t for _, t in _texts(safety))
    assert "(《生产安全事故报告和调查处理条例》, State Council Order No. 493)" in text
    assert (
        "(《劳务派遣暂行规定》, Ministry of Human Resources and Social Security Order No. 22)"
        in text
    )
    assert "and in any event within fifteen (15) minutes" in text
    assert "made in four (4) counterparts, each Party holding two (2)" in text
    assert "the Chinese version shall prevail" in text


def test_the_english_set_reads_as_one_drafted_text(english_set: dict[str, n.Document]) -> None:
    """Counsel's drafting points (review6 m7): every sentence starts with a capital letter; the
    defined Services are never "the services"; every amount in words names its yuan; the
    agreements call themselves "this Agreement", never "this Contract"; the DPA's Party A Data
    and Confidential Information carry the Service Contract's meaning where first used."""
    lower_starts, services, amounts = [], [], []
    for kind, doc in english_set.items():
        items = {id(b) for node, _ in walk(doc.blocks) if isinstance(node, n.ListItem) for b in node.blocks}  # fmt: skip
        owner = None  # the id of the clause a paragraph is, or is an item of
        for node, _ in walk(doc.blocks):
            if not isinstance(node, n.Paragraph):
                continue
            owner = node.id or (owner if id(node) in items else None)
            text = inline_text(node.inlines)
            sentences = re.split(r"(?<=[.!?])\s+", text)[1 if id(node) in items else 0 :]
            lower_starts += [(node.id, s[:40]) for s in sentences if s[:1].islower()]
            services += [(node.id, text) for _ in re.finditer(r"\b[Tt]he services\b", text)]
            amounts += re.findall(r"say Renminbi [^)]*", text)
        if kind != "contract":
            assert "this Contract" not in "\n".join(t for _, t in _texts(doc)), kind
    assert lower_starts == [] and services == []
    assert len(amounts) > 5 and all(a.endswith((" Yuan only", " Fen only")) for a in amounts)
    assert "Sixty-Four Yuan and Fifteen Fen only" in " ".join(amounts)
    dpa = "\n".join(t for _, t in _texts(english_set["dpa"]))
    for term in ("Party A Data", "Confidential Information"):
        assert dpa[dpa.index(term) :].startswith(f"{term} (as defined in the Service Contract)")
    for kind in ("sla", "nda", "dpa"):
        assert '(the "Services")' in "\n".join(t for _, t in _texts(english_set[kind])), kind
