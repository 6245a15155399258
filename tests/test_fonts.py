"""Font preflight: fontconfig resolves the house-style families, fontTools reads their character
maps, and every character a document prints must have a glyph in them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from ruamel.yaml import YAML

from policygen.errors import InvalidInputError
from policygen.fonts import (
    FONT_ROLES,
    check_glyphs,
    font_codepoints,
    is_cjk_sc,
    match_family,
    missing_glyphs,
    resolve_role,
)
from policygen.pipeline import build_document, jobs
from policygen.profile.load import load_profile
from policygen.style import bundled_style
from policygen.style.css import stylesheet
from policygen.tree import nodes as n

ROOT = Path(__file__).resolve().parents[1]

PRIVATE_USE = "\ue000"
UNASSIGNED = "\u0378"
EXTENSION_G = "\U00030000"  # 𰀀, CJK Extension G: rare, and not in Noto CJK 2.x
JI = "\U00020bb7"  # 𠮷, CJK Extension B: in Noto CJK


def _doc(*paragraphs: str, title: str = "测试文档") -> n.Document:
    article = n.Article(
        blocks=tuple(
            n.Paragraph((n.Text(text),), label=f"1.{i}") for i, text in enumerate(paragraphs, 1)
        ),
        title=(n.Text("服务内容"),),
        id="scope",
        label="第一条",
    )
    return n.Document(
        kind="contract",
        title=title,
        blocks=(n.Chapter(title=(n.Text("总则"),), blocks=(article,), label="第一章"),),
        meta=n.DocumentMeta(
            organisation="测试银行", version="V1.0", date=date(2026, 1, 1), doc_no="HT-001"
        ),
    )


def test_body_and_heading_resolve_to_simplified_chinese_collections() -> None:
    body, heading = resolve_role("body"), resolve_role("heading")
    assert body is not None and body.family == "Noto Serif CJK SC"
    assert heading is not None and heading.family == "Noto Sans CJK SC"
    for found in (body, heading):
        assert found.file.suffix == ".ttc"  # a collection: the SC face is picked by index
        assert found.index > 0
        assert is_cjk_sc(found)


def test_a_substitute_is_not_reported_as_installed() -> None:
    found = match_family("No Such Family 不存在的字体")
    assert not found.installed
    assert found.file.name


def test_character_map_matches_fonttools_best_cmap() -> None:
    found = resolve_role("body")
    assert found is not None
    with TTFont(str(found.file), fontNumber=found.index, lazy=True) as font:
        expected = frozenset(font.getBestCmap())
    assert font_codepoints(found.file, found.index) == expected
    assert font_codepoints(found.file, found.index) is font_codepoints(found.file, found.index)


def test_roles_are_the_style_files() -> None:
    fonts = bundled_style("default").fonts
    css = stylesheet(bundled_style("default"), "regulation")
    for role in FONT_ROLES.values():
        assert role.families == fonts.role(role.key).families, role.key  # type: ignore[arg-type]
        assert role.chain == fonts.chain(role.key), role.key  # type: ignore[arg-type]
    for key in ("body", "heading", "kaiti"):  # the roles the default style sets text in
        assert f'"{FONT_ROLES[key].families[0]}"' in css, key


def test_private_use_unassigned_and_rare_characters_are_found() -> None:
    doc = _doc(f"甲方{PRIVATE_USE}乙方", f"地址{UNASSIGNED}与{EXTENSION_G}", f"{JI}野家")
    missing = {glyph.codepoint: glyph for glyph in missing_glyphs(doc)}
    assert set(missing) == {"U+E000", "U+0378", "U+30000"}
    glyph = missing["U+E000"]
    assert glyph.document == "测试文档（HT-001）"
    assert glyph.where == "第一章 第一条 1.1"
    assert "【U+E000】" in glyph.context
    assert glyph.fonts == ("Noto Serif CJK SC", "Noto Sans CJK SC")
    assert "U+E000" in str(glyph) and "第一条" in str(glyph)


def test_astral_cjk_controls_and_format_characters_pass() -> None:
    doc = _doc(f"{JI}野家", "换行\n制表\t零宽\u200b连接\u200d", "全角　空格与 ISO 27001：2022")
    assert missing_glyphs(doc) == []


def test_title_is_checked() -> None:
    (glyph,) = missing_glyphs(_doc("正文", title=f"合同{PRIVATE_USE}"))
    assert glyph.where == "标题"


def _bank_data() -> dict:
    return YAML(typ="safe").load((ROOT / "examples" / "bank.yaml").read_text(encoding="utf-8"))


def test_whole_bank_set_has_a_glyph_for_every_character() -> None:
    profile = load_profile(ROOT / "examples" / "bank.yaml")
    for job in jobs(profile):
        doc = build_document(profile, job)
        assert missing_glyphs(doc, profile) == [], job.filename("pdf")


def test_profile_field_is_named_and_check_raises() -> None:
    data = _bank_data()
    data["engagements"][0]["vendor"]["name"] = f"深圳{PRIVATE_USE}智维{JI}信息技术服务有限公司"
    profile = load_profile(data)
    job = next(j for j in jobs(profile, ["contract"]) if j.engagement is profile.engagements[0])
    doc = build_document(profile, job)
    (glyph,) = missing_glyphs(doc, profile)
    assert glyph.codepoint == "U+E000"
    assert glyph.profile_paths == ("engagements[0].vendor.name",)
    with pytest.raises(InvalidInputError) as raised:
        check_glyphs(doc, profile)
    (issue,) = raised.value.issues
    assert issue.path == "engagements[0].vendor.name"
    assert "U+E000" in issue.message and "MY-ITO-2026-001" in issue.message


# --------------------------------------------------------------------------- code points kept between runs


def test_code_points_kept_between_processes_are_the_fonts_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policygen.cache import CACHE_VARIABLE
    from policygen.fonts import codepoints as fonts

    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    body = resolve_role("body")
    assert body is not None
    direct = fonts._read_codepoints(body.file, body.index)
    fonts.font_codepoints.cache_clear()
    try:
        assert fonts.font_codepoints(body.file, body.index) == direct  # read, then stored
        (entry,) = (tmp_path / "cmap-1").iterdir()
        fonts.font_codepoints.cache_clear()
        assert fonts.font_codepoints(body.file, body.index) == direct  # from the store

        entry.write_bytes(b"\x00\x01\x02")  # damaged: not whole code points
        fonts.font_codepoints.cache_clear()
        assert fonts.font_codepoints(body.file, body.index) == direct
        assert entry.stat().st_size % 4 == 0  # written afresh
    finally:
        fonts.font_codepoints.cache_clear()


def test_code_points_without_a_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from policygen.cache import CACHE_VARIABLE
    from policygen.fonts import codepoints as fonts

    monkeypatch.setenv(CACHE_VARIABLE, "")
    heading = resolve_role("heading")
    assert heading is not None
    fonts.font_codepoints.cache_clear()
    try:
        assert fonts.font_codepoints(heading.file, heading.index) == fonts._read_codepoints(
            heading.file, heading.index
        )
    finally:
        fonts.font_codepoints.cache_clear()
