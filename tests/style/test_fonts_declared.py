"""The fonts a DOCX names, declared for the editors that open it: the font table of every
reference (and so of every DOCX made from one) states each typeface role's Chinese face as
Simplified Chinese, with its alternate name, PANOSE number and class; the styles name them as
East-Asian fonts in a zh-CN document; and the fontconfig rules `policygen doctor --fontconfig`
prints lead LibreOffice to the faces the PDFs use."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import pytest
from lxml import etree
from pydantic import ValidationError

import policygen
from policygen.cli import main
from policygen.style import bundled_style
from policygen.style.fontconfig import fontconfig
from policygen.style.model import FONT_ROLES, Font

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
STYLES = Path(policygen.__file__).parent / "templates" / "zh" / "styles"
BANK = Path(__file__).resolve().parents[2] / "examples" / "bank.yaml"
REFERENCES = {"reference.docx": "default", "gongwen.docx": "gongwen"}


def part(data: bytes, name: str) -> etree._Element:
    with ZipFile(BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


def font_table(data: bytes) -> dict[str, dict[str, str]]:
    """Return each font of the package's font table: child element → its w:val (w:sig: its
    attributes joined)."""
    fonts = {}
    for font in part(data, "word/fontTable.xml").findall(f"{{{W}}}font"):
        values = {}
        for child in font:
            tag = etree.QName(child).localname
            if tag == "sig":
                values[tag] = " ".join(f"{etree.QName(k).localname}={v}" for k, v in child.items())
            else:
                values[tag] = child.get(f"{{{W}}}val", "")
        fonts[font.get(f"{{{W}}}name")] = values
    return fonts


@pytest.mark.parametrize(("file", "style"), REFERENCES.items())
def test_reference_declares_each_role_as_simplified_chinese(file: str, style: str) -> None:
    fonts = font_table((STYLES / file).read_bytes())
    house = bundled_style(style).fonts
    assert list(fonts) == [house.latin.word, "宋体", "黑体", "楷体", "仿宋", "方正小标宋简体"]
    for role in FONT_ROLES:
        font = house.role(role)
        entry = fonts[font.word]
        assert entry["altName"] == font.alternate
        assert entry["charset"] == "86"  # GB2312
        assert entry["family"] == font.classification
        assert entry["pitch"] == "variable"
        assert "csb0=00040001" in entry["sig"]  # code page 936
        assert entry.get("panose1") == font.panose
        assert list(entry) == [tag for tag in ("altName", "panose1", "charset", "family",
                                               "pitch", "sig") if tag in entry]  # fmt: skip
    assert fonts["宋体"]["panose1"] == "02010600030101010101"
    assert fonts["宋体"]["family"] == "roman" and fonts["黑体"]["family"] == "swiss"


def test_every_docx_keeps_the_font_table_and_names_its_fonts_east_asian() -> None:
    data = policygen.render(BANK, "contract", "docx", contract_no="MY-ITO-2026-001")
    assert font_table(data) == font_table((STYLES / "reference.docx").read_bytes())
    styles = part(data, "word/styles.xml")
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    fonts = defaults.find("w:rFonts", NS)
    assert fonts.get(f"{{{W}}}eastAsia") == "宋体" and fonts.get(f"{{{W}}}hint") == "eastAsia"
    assert defaults.find("w:lang", NS).get(f"{{{W}}}eastAsia") == "zh-CN"
    for style_id, face in (("Normal", "宋体"), ("Title", "黑体"), ("Heading2", "黑体")):
        named = styles.find(f"w:style[@w:styleId='{style_id}']/w:rPr/w:rFonts", NS)
        assert named.get(f"{{{W}}}eastAsia") == face, style_id
        assert named.get(f"{{{W}}}hint") == "eastAsia", style_id


def test_gongwen_docx_names_fangsong_and_xiaobiaosong() -> None:
    data = policygen.render(BANK, "regulation", "docx", style="gongwen")
    styles = part(data, "word/styles.xml")
    for style_id, face in (("Normal", "仿宋"), ("Title", "方正小标宋简体")):
        named = styles.find(f"w:style[@w:styleId='{style_id}']/w:rPr/w:rFonts", NS)
        assert named.get(f"{{{W}}}eastAsia") == face, style_id
    assert {"仿宋", "方正小标宋简体"} <= set(font_table(data))


@pytest.mark.parametrize("panose", ["0201060003010101010", "02010600030101010l01", "abc"])
def test_panose_is_twenty_hex_digits(panose: str) -> None:
    with pytest.raises(ValidationError):
        Font(word="宋体", alternate=None, families=("x",), fallback=None, generic=None,
             panose=panose)  # fmt: skip


def fontconfig_rules(text: str) -> dict[str, list[str]]:
    """Return each family name a rule tests for, with the families it appends."""
    root = etree.fromstring(text.encode("utf-8"))
    return {
        match.findtext("test/string"): [s.text for s in match.findall("edit/string")]
        for match in root.findall("match")
    }


def test_fontconfig_rules_follow_each_name_with_its_roles_families() -> None:
    style = bundled_style("default")
    rules = fontconfig_rules(fontconfig(style))
    names = [name for role in FONT_ROLES for name in (style.fonts.role(role).word,
                                                      style.fonts.role(role).alternate)]  # fmt: skip
    assert list(rules) == list(dict.fromkeys(names))
    assert rules["宋体"][0] == "Noto Serif CJK SC" and rules["宋体"][-1] == "serif"
    assert rules["黑体"][0] == "Noto Sans CJK SC" and rules["黑体"][-1] == "sans-serif"
    assert rules["仿宋"][-2:] == ["Songti SC", "serif"]  # then the 宋体 role's
    assert rules["楷体"][-1] == "sans-serif"  # falls back to the 黑体 role, as the PDFs
    for name, families in rules.items():
        assert name not in families and len(families) == len(set(families)), name


def test_doctor_prints_the_fontconfig_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--fontconfig"]) == 0
    assert capsys.readouterr().out == fontconfig(bundled_style("default"))
