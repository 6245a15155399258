"""Checking a profile for everything its set needs: clause ids, references, documents; at once."""

from __future__ import annotations

from pathlib import Path

import pytest

import policygen
from policygen.errors import InvalidInputError
from policygen.profile.load import parse
from policygen.validation import check_parsed, library_ids

ROOT = Path(__file__).resolve().parents[1]
MANUFACTURER_TEXT = (ROOT / "examples" / "manufacturer.yaml").read_text(encoding="utf-8")


def _issues(text: str, **options: object) -> dict[str, tuple[str, int | None]]:
    with pytest.raises(InvalidInputError) as caught:
        check_parsed(parse(text, fmt="yaml", name="p.yaml"), **options)  # type: ignore[arg-type]
    return {
        i.path: (i.message, i.location.line if i.location else None) for i in caught.value.issues
    }


def _line(text: str, fragment: str) -> int:
    (found,) = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    return found


def test_the_library_is_read_from_the_template_sources() -> None:
    library = library_ids()
    assert "vendor-criteria" in library.ids["regulation"]
    assert "contract-pi-entrustment" in library.ids["contract"]  # in a partial it includes
    # Written {#{{ prefix }}-disputes} in a partial that nda and dpa both import.
    assert library.kinds_of("nda-disputes") == library.kinds_of("dpa-disputes")
    assert library.kinds_of("nda-disputes") == ["nda", "dpa", "safety"]
    assert library.kinds_of("no-such-clause") == []


def test_an_unknown_id_is_reported_beside_the_model_errors() -> None:
    text = MANUFACTURER_TEXT.replace("effective_date: 2027-03-01", "effective_date: 2026-02-30")
    text += "\nclauses:\n  exclude:\n    - vendor-critera\n    - nda-disputes\n"
    issues = _issues(text)
    assert "2026年2月只有28天" in issues["meta.effective_date"][0]
    message, line = issues["clauses.exclude[0]"]
    assert "条款库中没有 id「vendor-critera」，是否想写「vendor-criteria」？" in message
    assert line == _line(text, "- vendor-critera")
    assert "clauses.exclude[1]" not in issues  # in the library: judged once the model is valid


def test_an_id_in_a_document_the_set_lacks_names_its_kind() -> None:
    text = MANUFACTURER_TEXT + (
        "\nclauses:\n  exclude: [dpa-def-pi]\n"
        "  add:\n    - id: own\n      after: purpose\n      document: contract\n      text: 甲。\n"
        "    - id: vendor-criteria\n      after: purpose\n      text: 乙。\n"
    )
    issues = _issues(text)
    assert issues["clauses.exclude[0]"][0].startswith(
        "条款「dpa-def-pi」属于 dpa，本配置不生成该类文档"
        "（data_protection.processes_personal_info 为 false）"
    )
    assert "不在 contract 中，而在 regulation 中" in issues["clauses.add[0].after"][0]
    assert "已被条款库使用（regulation）" in issues["clauses.add[1].id"][0]
    assert issues["clauses.add[1].id"][1] == _line(text, "- id: vendor-criteria")


def test_validate_builds_every_document_render_would(tmp_path: Path) -> None:
    (tmp_path / "nda.md.j2").write_text("没有标题。\n", encoding="utf-8")
    text = MANUFACTURER_TEXT
    assert check_parsed(parse(text, fmt="yaml", name="p.yaml"), template_dirs=[tmp_path])
    issues = _issues(text, template_dirs=[tmp_path], documents=True)
    message, line = issues[""]
    assert message.startswith("文档 nda-") and "设置标题" in message
    assert line is None


def test_the_api_checks_a_profile_object_too() -> None:
    profile = policygen.load_profile_text(
        MANUFACTURER_TEXT + "\nclauses:\n  exclude: [no-such-clause]\n", name="p.yaml"
    )
    with pytest.raises(InvalidInputError) as caught:
        policygen.render(profile, "regulation", "md")
    assert [i.path for i in caught.value.issues] == ["clauses.exclude[0]"]
