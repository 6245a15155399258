"""English for the profile's own texts (meta.translations): validated, printed by the English
templates in place of the Chinese, and what has none reported by render and check."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import policygen
from policygen import pipeline
from policygen.bilingual import UNTRANSLATED_SHOWN, english_kinds, untranslated_note
from policygen.cli import main
from policygen.errors import InvalidInputError
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile, load_profile_text
from policygen.profile.model import Profile
from policygen.templating.environment import TemplateEnvironment
from policygen.tree.walk import document_texts

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"
BANK_TEXT = BANK.read_text(encoding="utf-8")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_KINDS = english_kinds()
GUIDELINES = "银行业金融机构外包风险管理指引"
"""An instrument of the catalogue with no English title."""


@pytest.fixture(scope="module")
def bank() -> Profile:
    return load_profile(BANK)


def _with_translations(entries: str) -> str:
    """Return the bank example with its translations replaced by the YAML lines `entries`."""
    head, rest = BANK_TEXT.split("  translations:\n", 1)
    body = rest[rest.index("\norganisation:") :]
    return f"{head}  translations:\n{entries}{body}"


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('    "系统可用率": "系统 availability"\n', "中文字符「系"),
        ('    "系统可用率": "availability（monthly）"\n', "中文字符「（"),
        ('    "系统可用率": "  "\n', "不得为空"),
    ],
)
def test_an_english_value_holding_chinese_is_a_located_error(entry: str, message: str) -> None:
    text = _with_translations(entry)
    with pytest.raises(InvalidInputError) as caught:
        load_profile_text(text, fmt="yaml", name="bank.yaml")
    (issue,) = caught.value.issues
    assert issue.path == "meta.translations.系统可用率"
    assert message in issue.message
    assert issue.location is not None
    assert issue.location.line == text.splitlines().index(entry.rstrip("\n")) + 1


def test_the_filter_prints_the_english_and_notes_what_has_none(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text(
        "{{ a | en_text }}|{{ b | en_text }}|{{ b | en_text | en_text }}|{{ c | en_text }}|"
        "{{ ['甲', 'x'] | map('en_text') | en_list }}|{{ law | en_law }}",
        encoding="utf-8",
    )
    rendered = TemplateEnvironment([tmp_path]).render_document(
        "t.md.j2",
        {
            "translations": {"系统可用率": "system availability", GUIDELINES: "Guidelines"},
            "law": f"《{GUIDELINES}》",
            "a": "系统可用率",
            "b": "机房（主）",
            "c": "plain English",
        },
    )
    assert rendered.markdown == (
        r"system availability|机房 \(主\)|机房 \(主\)|plain English|甲 and x|"
        rf"Guidelines \(《{GUIDELINES}》\)"  # Markdown-escaped, as every profile value
    )
    # Each untranslated text once, as written in the profile; not its Latin-punctuated echo.
    assert rendered.untranslated == ("机房（主）", "甲")


def test_the_filter_notes_a_text_once_and_never_a_registered_address(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text(
        "{% for t in texts %}{{ t | en_text }}|{{ t | en_text | en_text }}|{% endfor %}",
        encoding="utf-8",
    )
    rendered = TemplateEnvironment([tmp_path]).render_document(
        "t.md.j2",
        {"texts": ["甲、乙", "丙", "甲、乙", "上海市某路1号"], "_as_registered": {"上海市某路1号"}},
    )
    assert rendered.untranslated == ("甲、乙", "丙")


def test_the_note_names_ten_then_counts_the_rest() -> None:
    texts = [f"文字{i}" for i in range(UNTRANSLATED_SHOWN + 3)]
    note = untranslated_note(texts)
    assert "「文字0」" in note and f"「文字{UNTRANSLATED_SHOWN - 1}」" in note
    assert f"「文字{UNTRANSLATED_SHOWN}」" not in note
    assert "… and 3 more" in note and note.startswith(f"{len(texts)} 段")
    assert "more" not in untranslated_note(["文字"])


# --------------------------------------------------------------------------- the bank example

ALLOWED_CHINESE = {
    "bank": (
        # Registered names and addresses, printed as registered (README: Bilingual contracts).
        "明远商业银行股份有限公司",
        "深圳智维信息技术服务有限公司",
        "上海市浦东新区世纪大道1688号",
        "广东省深圳市南山区科技园南区高新南七道18号",
        # People's names in the parties and notices blocks.
        "周明远",
        "王敏",
        "林志维",
        "陈晓",
    ),
    "securities": (
        "明川证券股份有限公司",
        "上海衡鼎金融信息技术有限公司",
        "上海市浦东新区银城中路188号",
        "上海市浦东新区张江高科技园区碧波路690号",
        "韩明川",
        "钱思远",
        "罗衡鼎",
        "孙悦",
    ),
}
"""The Chinese the English of each example's translated engagement may print; besides these,
only the Chinese titles of laws in 《》 after their English titles."""

TRANSLATED = {"bank": "MY-ITO-2026-001", "securities": "MC-ITO-2026-01"}
"""The engagement of each example whose English the profile translates in full: the bank's
data-centre engagement, the securities firm's IT engagement with its trading-system vendor."""


@pytest.mark.parametrize("example", TRANSLATED)
@pytest.mark.parametrize("kind", ENGLISH_KINDS)
def test_the_translated_contract_set_prints_no_chinese_but_names_addresses_and_titles(
    example: str, kind: str
) -> None:
    profile = load_profile(ROOT / "examples" / f"{example}.yaml")
    number = TRANSLATED[example]
    if kind == "safety" and not pipeline.engagement_named(profile, number).on_premises:
        pytest.skip("no work on the organisation's premises: no safety agreement")
    (job,) = [j for j in jobs(profile, [kind], lang="en") if j.stem.endswith(f"{number}-en")]
    document = build_document(profile, job)
    texts = [text for text, _ in document_texts(document)]
    left = re.sub(r"《[^》]+》", "", "\n".join(texts))
    for allowed in ALLOWED_CHINESE[example]:
        left = left.replace(allowed, "")
    assert not CJK.findall(left), [line for line in left.splitlines() if CJK.search(line)]
    assert document.untranslated == ()  # the addresses are left out of the note


def test_a_contract_without_translations_names_its_chinese_texts(bank: Profile) -> None:
    (job,) = [j for j in jobs(bank, ["contract"], lang="en") if j.stem.endswith("002-en")]
    texts = build_document(bank, job).untranslated
    assert "应用日志分析、性能调优及问题处理" in texts
    assert "系统可用率" not in texts  # translated for the first contract, read by all
    (zh_job,) = [j for j in jobs(bank, ["contract"]) if j.stem.endswith("002")]
    assert build_document(bank, zh_job).untranslated == ()


# --------------------------------------------------------------------------- the commands


def test_the_api_returns_the_untranslated_texts_with_the_files(bank: Profile) -> None:
    nda = policygen.render(bank, "nda", "md", contract_no="MY-ITO-2026-003", lang="en")
    assert nda.untranslated == ("上海市浦东新区人民法院",) and nda.startswith(b"#")
    chinese = policygen.render(bank, "nda", "md", contract_no="MY-ITO-2026-003")
    assert chinese.untranslated == ()
    files = policygen.render_set(bank, kinds=["nda"], formats=["md"], lang="zh+en")
    court = ("上海市浦东新区人民法院",)
    assert files.untranslated == {f"nda-MY-ITO-2026-00{i}-zh+en": court for i in (2, 3)}
    assert list(files) == [f"nda-MY-ITO-2026-00{i}-zh+en.md" for i in (1, 2, 3)]


def test_render_warns_once_per_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", str(BANK), "--lang", "en", "-f", "md", "-d", "contract,nda", "-o"]
    assert main([*argv, str(tmp_path), "--contract-no", "MY-ITO-2026-002"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("提示 (warning)")]
    assert [w.split(":")[0] for w in warnings] == ["提示 (warning)"] * 2
    contract, nda = warnings
    assert "contract-MY-ITO-2026-002-en: " in contract and "more) (no English" in contract
    assert "nda-MY-ITO-2026-002-en: 1 段" in nda and "「上海市浦东新区人民法院」" in nda
    assert main([*argv, str(tmp_path), "--contract-no", "MY-ITO-2026-001"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_render_builds_each_english_text_once_with_one_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"english": 0, "context": 0}
    render_english, build_context = pipeline._render_english, pipeline.build_context

    def counted_english(*args: Any, **kwargs: Any) -> Any:
        calls["english"] += 1
        return render_english(*args, **kwargs)

    def counted_context(*args: Any, **kwargs: Any) -> Any:
        calls["context"] += 1
        return build_context(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_render_english", counted_english)
    monkeypatch.setattr(pipeline, "build_context", counted_context)
    argv = ["render", str(BANK), "--lang", "zh+en", "-f", "md", "-d", "nda", "-j", "1"]
    assert main([*argv, "-o", str(tmp_path)]) == 0
    assert calls == {"english": 3, "context": 3}  # one per NDA: no second render for the note
    assert "nda-MY-ITO-2026-002-zh+en: 1 段" in capsys.readouterr().err


def test_check_reports_the_untranslated_texts_of_a_bilingual_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "bank.yaml"
    profile.write_text(
        BANK_TEXT.replace("  approver: 董事会\n", "  approver: 董事会\n  languages: [zh, en]\n"),
        encoding="utf-8",
    )
    main(["check", "--json", str(profile)])
    report = json.loads(capsys.readouterr().out)["untranslated"]
    assert "contract-MY-ITO-2026-001-zh+en" not in report
    assert "应用日志分析、性能调优及问题处理" in report["contract-MY-ITO-2026-002-zh+en"]
    assert report["nda-MY-ITO-2026-003-zh+en"] == ["上海市浦东新区人民法院"]
