"""policygen doctor: fonts per role, the subsetting path, WeasyPrint/Pango, LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from policygen import doctor
from policygen.cli import main
from policygen.doctor import Finding, Status, diagnose, exit_code, report
from policygen.fonts import FONT_ROLES, LATIN_ROLE, FontMatch


def _by_topic(findings: list[Finding]) -> dict[str, Finding]:
    return {f.topic: f for f in findings}


def test_reports_every_role_and_the_subsetting_path_and_passes_here() -> None:
    findings = _by_topic(diagnose())
    for role in FONT_ROLES.values():
        finding = findings[f"字体 {role.label}"]
        if role.required:
            assert finding.status is Status.OK
            assert "CJK SC" in finding.detail
    assert "Noto Serif CJK SC" in findings["字体 正文（宋体类）"].detail
    assert "Noto Sans CJK SC" in findings["字体 标题（黑体类）"].detail
    subsetting = findings["字体子集化 (font subsetting)"]
    assert subsetting.status is Status.OK and subsetting.detail.startswith("harfbuzz")
    versions = findings["WeasyPrint / Pango"].detail
    assert "WeasyPrint" in versions and "Pango" in versions and "HarfBuzz" in versions
    assert "LibreOffice" in findings
    latin = findings["字体 西文（衬线）"]
    assert latin.status is Status.OK and "Liberation Serif" in latin.detail
    assert exit_code(list(findings.values())) == 0


def test_command_prints_the_report_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "字体子集化" in text and "harfbuzz" in text
    for role in FONT_ROLES.values():
        assert role.label in text


def test_fonttools_path_is_a_warning_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "subsetting_path", lambda: "fonttools")
    findings = diagnose()
    subsetting = _by_topic(findings)["字体子集化 (font subsetting)"]
    assert subsetting.status is Status.WARNING
    assert "fonttools" in subsetting.detail and "libharfbuzz-subset0" in subsetting.fix
    assert "[WARNING]" in report(findings)
    assert exit_code(findings) == 0
    assert exit_code(findings, strict=True) == 1


def test_missing_chinese_fonts_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    def substitute(family: str) -> FontMatch:
        return FontMatch(family, "DejaVu Sans", Path("/fonts/DejaVuSans.ttf"), 0, installed=False)

    monkeypatch.setattr(doctor, "match_family", substitute)
    findings = diagnose()
    body = _by_topic(findings)["字体 正文（宋体类）"]
    assert body.status is Status.ERROR and "DejaVu Sans" in body.detail
    assert "fonts-noto-cjk" in body.fix
    assert _by_topic(findings)["字体 强调（楷体类）"].status is Status.NOTE
    assert exit_code(findings) == 1


def test_a_missing_latin_face_is_a_warning_naming_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = doctor.match_family

    def no_latin(family: str) -> FontMatch:
        if family in LATIN_ROLE.families:
            return FontMatch(family, "DejaVu Serif", Path("/fonts/DejaVuSerif.ttf"), 0, False)
        return real(family)

    monkeypatch.setattr(doctor, "match_family", no_latin)
    findings = diagnose()
    latin = _by_topic(findings)["字体 西文（衬线）"]
    assert latin.status is Status.WARNING and "fonts-liberation2" in latin.fix
    assert exit_code(findings) == 0 and exit_code(findings, strict=True) == 1


def test_missing_libreoffice_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "libreoffice", lambda: None)
    finding = _by_topic(diagnose())["LibreOffice"]
    assert finding.status is Status.WARNING and "libreoffice" in finding.fix


@pytest.mark.parametrize(
    ("statuses", "strict", "expected"),
    [
        ((Status.OK, Status.NOTE), False, 0),
        ((Status.OK, Status.NOTE), True, 0),
        ((Status.OK, Status.WARNING), False, 0),
        ((Status.OK, Status.WARNING), True, 1),
        ((Status.ERROR,), False, 1),
    ],
)
def test_exit_code(statuses: tuple[Status, ...], strict: bool, expected: int) -> None:
    assert exit_code([Finding("x", s, "") for s in statuses], strict=strict) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [("LibreOffice 7.4.7.2 40(Build:2)", (7, 4, 7, 2)), ("LibreOffice 24.8.1.2", (24, 8, 1, 2)),
     ("unknown", None)],
)  # fmt: skip
def test_libreoffice_version(line: str, expected: tuple[int, ...] | None) -> None:
    assert doctor.libreoffice_version(line) == expected


def test_libreoffice_version_and_limits_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "libreoffice", lambda: ("/usr/bin/soffice", "LibreOffice 7.4.7.2"))
    findings = _by_topic(diagnose())
    assert findings["LibreOffice"].status is Status.OK
    assert "7.4.7.2" in findings["LibreOffice"].detail and "1.1" in findings["LibreOffice"].detail
    limits = findings["LibreOffice 不能保证"]
    assert limits.status is Status.NOTE and "分页" in limits.detail
    monkeypatch.setattr(doctor, "libreoffice", lambda: ("/usr/bin/soffice", "LibreOffice 6.4.7.2"))
    old = _by_topic(diagnose())["LibreOffice"]
    assert old.status is Status.WARNING and "7.4" in old.detail and "7.4" in old.fix
    monkeypatch.setattr(doctor, "libreoffice", lambda: None)
    assert "LibreOffice 不能保证" not in _by_topic(diagnose())


@pytest.mark.parametrize(
    ("songti", "status"),
    [("Noto Sans CJK SC", Status.WARNING), ("Noto Serif CJK SC", Status.OK)],
)
def test_libreoffice_font_substitution(
    monkeypatch: pytest.MonkeyPatch, songti: str, status: Status
) -> None:
    """What fontconfig gives LibreOffice for each font the DOCX names: a warning, with the
    rules to install, when a 宋体-like role would be set in a 黑体-like face."""
    faces = {"宋体": songti, "仿宋": songti, "方正小标宋简体": songti}

    def substitute(family: str) -> FontMatch:
        face = faces.get(family, "Noto Sans CJK SC")
        return FontMatch(family, face, Path("/fonts/noto.ttc"), 2, installed=face == family)

    monkeypatch.setattr(doctor, "libreoffice", lambda: ("/usr/bin/soffice", "LibreOffice 7.4.7.2"))
    monkeypatch.setattr(doctor, "match_family", substitute)
    finding = _by_topic(diagnose())["LibreOffice 字体替换 (fontconfig)"]
    assert finding.status is status
    assert f"宋体 → {songti}" in finding.detail and "黑体 → Noto Sans CJK SC" in finding.detail
    if status is Status.WARNING:
        assert "doctor --fontconfig" in finding.fix and "仿宋" in finding.detail
