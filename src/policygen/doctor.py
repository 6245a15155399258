"""Check that this machine has what policygen needs to print Chinese documents.

Input: nothing but the machine. Output: one Finding per piece (fonts for each role of the house
style, the font subsetter WeasyPrint will use, WeasyPrint, Pango, HarfBuzz, fontconfig, the
Typst PDF engine (the default), the archival PDF standards each engine prints and whether veraPDF
is there to check them, LibreOffice: its version, how fontconfig replaces the fonts a DOCX
names, and what it cannot show as Word does), each OK, a note, a warning or an error, with how
to fix it. `exit_code` is 1 when a required piece is missing (or, with `strict`, when anything is
less than right)."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum

from policygen import __version__
from policygen.caches import CACHES
from policygen.errors import ExitCode, PolicygenError
from policygen.fonts import (
    FONT_ROLES,
    INSTALL_LATIN,
    LATIN_ROLE,
    FontRole,
    fontconfig_version,
    is_cjk_sc,
    match_family,
)
from policygen.style import bundled_style

INSTALL_FONTS = "sudo apt-get install fonts-noto-cjk（Fedora：google-noto-serif-cjk-fonts google-noto-sans-cjk-fonts；macOS：brew install --cask font-noto-serif-cjk-sc font-noto-sans-cjk-sc）"
INSTALL_HB_SUBSET = "sudo apt-get install libharfbuzz-subset0（Debian 12、Ubuntu 24.04 起提供；Fedora：harfbuzz；macOS：brew install harfbuzz）"
INSTALL_LIBREOFFICE = "sudo apt-get install --no-install-recommends libreoffice-writer-nogui"
INSTALL_TYPST = (
    "pip install 'typst>=0.15'（默认的 PDF 引擎；也可用 policygen render --pdf-engine weasyprint）"
)
INSTALL_VERAPDF = (
    "安装 veraPDF（需 Java；Debian、PyPI 均未收录）后校验：verapdf --format text 文件.pdf"
)
INSTALL_PANGO = "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b"
INSTALL_FONTCONFIG_RULES = (
    "mkdir -p ~/.config/fontconfig/conf.d && policygen doctor --fontconfig "
    "> ~/.config/fontconfig/conf.d/60-policygen.conf（所有用户：/etc/fonts/conf.d/）"
)
LIBREOFFICE_CHECKED = (7, 4)
"""The oldest LibreOffice release policygen's DOCX is checked against (tests/test_libreoffice.py:
Debian 12's 7.4): list numbers, clause numbers 1.1 and their references 第1.1条, contents
page numbers, an inserted article renumbering what follows."""
LIBREOFFICE_LIMITS = (
    "分页可能与 Word 及 PDF 相差一两行（目录页码取自 PDF 排版，可能差一页）；"
    "文字导出（--convert-to txt）保留 policygen 写入的引用结果，版面（PDF、屏幕）才按 LibreOffice 的编号重算；"
    "文档所用字体（宋体、黑体、楷体、仿宋、小标宋）未安装时由 fontconfig 替换，见上一项"
)
"""What LibreOffice does not show as Word does, whatever its version."""


class Status(Enum):
    """How a finding bears on rendering."""

    OK = "ok"
    """Present and right."""
    NOTE = "note"
    """Optional and absent; documents use the house style's fallback."""
    WARNING = "warning"
    """Works, but slowly or with less checking; fails ``doctor --strict``."""
    ERROR = "error"
    """Required and missing: PDF output is impossible or wrong."""


@dataclass(frozen=True)
class Finding:
    """One checked piece of the machine."""

    topic: str
    """What was checked, e.g. 字体 正文（宋体类）."""
    status: Status
    """The verdict."""
    detail: str
    """What was found: a version, a font file, a path."""
    fix: str = ""
    """What to do about it; empty when nothing needs doing."""


# --------------------------------------------------------------------------- versions


@CACHES.memo
def weasyprint_versions() -> dict[str, str]:
    """Return the versions of WeasyPrint and the libraries it loaded (Pango, HarfBuzz,
    fontconfig, pydyf); raise PolicygenError when WeasyPrint cannot be loaded."""
    try:
        import pydyf
        import weasyprint
        from weasyprint.text.ffi import pango
    except (ImportError, OSError) as error:
        raise PolicygenError(f"无法加载 WeasyPrint：{error}") from None
    number = pango.pango_version()
    return {
        "weasyprint": weasyprint.__version__,
        "pydyf": pydyf.__version__,
        "pango": f"{number // 10000}.{number // 100 % 100}.{number % 100}",
        "harfbuzz": harfbuzz_version(),
        "fontconfig": fontconfig_version(),
    }


def harfbuzz_version() -> str:
    """Return the version of the HarfBuzz library WeasyPrint shapes and subsets with."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef("const char * hb_version_string (void);")
    for name in ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll", "harfbuzz"):
        try:
            version = ffi.string(ffi.dlopen(name).hb_version_string())  # type: ignore[attr-defined]
            return version.decode("ascii") if isinstance(version, bytes) else version
        except OSError:
            continue
    return "unknown"


def subsetting_path() -> str:
    """Return ``harfbuzz`` or ``fonttools``: how WeasyPrint will subset the PDF's fonts."""
    from policygen.layout.weasyprint_layout import subsetting_path as path

    return path()


def typst_engine() -> Finding:
    """Return whether the Typst PDF engine (the default, ``--pdf-engine typst``) can run: the
    binding imports and compiles; a WARNING when it is not installed (``--pdf-engine
    weasyprint`` still prints)."""
    topic = "Typst（默认的 PDF 引擎 --pdf-engine typst）"
    try:
        from policygen.layout.typst_engine import typst_version

        version = typst_version()
    except ImportError as error:
        return Finding(topic, Status.WARNING, f"未安装 (not installed): {error}", INSTALL_TYPST)
    except Exception as error:  # the binding loads but cannot compile
        return Finding(topic, Status.WARNING, f"无法运行 (cannot run): {error}", INSTALL_TYPST)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        binding = package_version("typst")
    except PackageNotFoundError:  # pragma: no cover - imported without metadata
        binding = "?"
    return Finding(topic, Status.OK, f"Typst {version}（Python 绑定 typst {binding}）")


@CACHES.memo
def libreoffice() -> tuple[str, str] | None:
    """Return LibreOffice's program path and version line, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        program = shutil.which(name)
        if program is None:
            continue
        try:
            result = subprocess.run(
                [program, "--version"], capture_output=True, text=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return program, f"unknown ({error})"
        line = next((x for x in result.stdout.splitlines() if x.strip()), "").strip()
        match = re.search(r"LibreOffice\s+[\d.]+", line)
        return program, match.group(0) if match else line or "unknown"
    return None


# --------------------------------------------------------------------------- checks


def diagnose() -> list[Finding]:
    """Return a finding for every piece policygen relies on, required ones first."""
    findings = [
        Finding(
            "policygen",
            Status.OK,
            f"{__version__}，Python {platform.python_version()}（{sys.executable}）",
        )
    ]
    try:
        versions = weasyprint_versions()
    except PolicygenError as error:
        findings.append(Finding("WeasyPrint / Pango", Status.ERROR, str(error), INSTALL_PANGO))
        versions = None
    if versions is not None:
        findings.append(
            Finding(
                "WeasyPrint / Pango",
                Status.OK,
                f"WeasyPrint {versions['weasyprint']}，pydyf {versions['pydyf']}，"
                f"Pango {versions['pango']}，HarfBuzz {versions['harfbuzz']}，"
                f"fontconfig {versions['fontconfig']}",
            )
        )
        findings.append(_subsetting())
    findings.append(typst_engine())
    findings += pdf_standards(versions["weasyprint"] if versions else None, _typst_version())
    findings += [_font(role) for role in FONT_ROLES.values()]
    findings.append(_latin_font())
    findings.append(_libreoffice())
    if libreoffice() is not None:
        findings.append(_libreoffice_fonts())
        findings.append(Finding("LibreOffice 不能保证", Status.NOTE, LIBREOFFICE_LIMITS))
    return findings


def _typst_version() -> str | None:
    """Return the version of Typst the binding carries; None when it cannot run."""
    try:
        from policygen.layout.typst_engine import typst_version

        return typst_version()
    except Exception:  # not installed, or cannot compile: typst_engine reports which
        return None


def pdf_standards(weasyprint: str | None, typst: str | None) -> list[Finding]:
    """Return what ``--pdf-standard`` can print here: the standards of each engine that runs
    (its version `weasyprint` or `typst`; None: it does not run), and whether veraPDF is
    installed to check the PDFs independently (a NOTE when it is not: policygen's own tests
    check the declared conformance, embedded fonts and metadata, not every PDF/A rule)."""
    from policygen.writers.options import PDF_STANDARDS, engines_for

    names = {"weasyprint": f"WeasyPrint {weasyprint}", "typst": f"Typst {typst}"}
    running = {"weasyprint": weasyprint is not None, "typst": typst is not None}
    parts = [
        f"{names[engine]}：{'、'.join(k for k in PDF_STANDARDS if engine in engines_for(k))}"
        for engine in names
        if running[engine]
    ]
    topic = "PDF/A、PDF/UA（--pdf-standard）"
    detail = "；".join(parts) or "无可用的 PDF 引擎（见上）"  # an engine's error says why
    found = [Finding(topic, Status.OK if parts else Status.NOTE, detail)]
    verapdf = shutil.which("verapdf")
    if verapdf is not None:
        found.append(Finding("veraPDF（PDF/A 校验）", Status.OK, verapdf))
    else:
        found.append(
            Finding(
                "veraPDF（PDF/A 校验）",
                Status.NOTE,
                "未安装：PDF/A、PDF/UA 的声明未经独立校验 (not installed)",
                INSTALL_VERAPDF,
            )
        )
    return found


def _subsetting() -> Finding:
    topic = "字体子集化 (font subsetting)"
    if subsetting_path() == "harfbuzz":
        return Finding(topic, Status.OK, "harfbuzz（HarfBuzz-Subset，CJK 字体每份文档约 0.1 秒）")
    return Finding(
        topic,
        Status.WARNING,
        "fonttools — 未找到 HarfBuzz-Subset ≥ 4.1，WeasyPrint 改用 fontTools 子集化 CJK "
        "字体，每份 PDF 慢数秒 (slow fontTools path active)",
        f"安装 HarfBuzz-Subset：{INSTALL_HB_SUBSET}",
    )


def _font(role: FontRole) -> Finding:
    topic = f"字体 {role.label}"
    wanted = "、".join(role.families)
    try:
        found = next(
            (m for m in (match_family(family) for family in role.families) if m.installed), None
        )
    except PolicygenError as error:
        return Finding(topic, Status.ERROR, str(error), INSTALL_FONTS)
    if found is None:
        first = match_family(role.families[0])
        substitute = f"fontconfig 将 {first.requested} 匹配为 {first.family}（{first.file.name}）"
        if role.required:
            return Finding(
                topic, Status.ERROR, f"未安装 {wanted}；{substitute}", f"安装字体：{INSTALL_FONTS}"
            )
        return Finding(
            topic,
            Status.NOTE,
            f"未安装 {wanted}；{substitute}；文档使用{role.fallback}",
            "可选：安装对应字体后自动使用",
        )
    where = f"{found.family}（{found.file}，face {found.index}）"
    try:
        simplified = is_cjk_sc(found)
    except PolicygenError as error:
        return Finding(topic, Status.ERROR, f"{where}：{error}", INSTALL_FONTS)
    if simplified:
        return Finding(topic, Status.OK, f"{where}，简体中文 CJK SC 字体（含 GB 2312 全部汉字）")
    status = Status.ERROR if role.required else Status.WARNING
    return Finding(
        topic,
        status,
        f"{where} 不是完整的简体中文字体（缺少部分 GB 2312 汉字）",
        f"安装字体：{INSTALL_FONTS}",
    )


def _latin_font() -> Finding:
    """Return whether the Latin face of English text (fonts.LATIN_ROLE) is installed: a
    warning when it is not, the PDFs then setting English in the CJK faces' Latin letters."""
    role = LATIN_ROLE
    topic = f"字体 {role.label}"
    try:
        found = next((m for m in map(match_family, role.families) if m.installed), None)
    except PolicygenError as error:
        return Finding(
            topic, Status.WARNING, str(error), f"安装字体：sudo apt-get install {INSTALL_LATIN}"
        )
    if found is None:
        return Finding(
            topic,
            Status.WARNING,
            f"未安装 {'、'.join(role.families)}；英文文本（--lang en、zh+en）的 PDF 使用{role.fallback}"
            " (no Latin serif: English falls back to the CJK faces)",
            f"安装字体：sudo apt-get install {INSTALL_LATIN}",
        )
    return Finding(topic, Status.OK, f"{found.family}（{found.file}，face {found.index}）")


def _libreoffice() -> Finding:
    topic = "LibreOffice"
    found = libreoffice()
    if found is None:
        return Finding(
            topic,
            Status.WARNING,
            "未安装：无法用 LibreOffice 检查 DOCX 能否打开与转换（policygen 自行生成 PDF，不依赖它）",
            INSTALL_LIBREOFFICE,
        )
    program, version = found
    number = libreoffice_version(version)
    checked = ".".join(map(str, LIBREOFFICE_CHECKED))
    if number is None or number < LIBREOFFICE_CHECKED:
        return Finding(
            topic,
            Status.WARNING,
            f"{version}（{program}）：早于 policygen 检验过的 LibreOffice {checked}，"
            "列表编号、条款编号 1.1 与引用 第1.1条 可能显示不同 (older than the oldest release checked)",
            f"升级 LibreOffice 至 {checked} 或更新：{INSTALL_LIBREOFFICE}",
        )
    return Finding(
        topic,
        Status.OK,
        f"{version}（{program}）：编号（第一条、1.1、（一））与引用（第1.1条）显示与 Word 相同；"
        f"policygen 以 {checked} 检验",
    )


def libreoffice_version(line: str) -> tuple[int, ...] | None:
    """Return the version in LibreOffice's version `line` (``LibreOffice 7.4.7.2``) as numbers,
    None when there is none."""
    found = re.search(r"(\d+(?:\.\d+)+)", line)
    return tuple(int(part) for part in found.group(1).split(".")) if found else None


def _libreoffice_fonts() -> Finding:
    """Return how fontconfig, which LibreOffice asks on Linux, replaces the fonts the DOCX names
    when they are missing: right when each is replaced by a face of its own role (or its
    fall-back's), as the PDFs are set; a warning when a 宋体-like role gets a 黑体-like face."""
    topic = "LibreOffice 字体替换 (fontconfig)"
    fonts = bundled_style("default").fonts
    shown: list[str] = []
    wrong: list[str] = []
    try:
        for key, role in FONT_ROLES.items():
            word = fonts.role(key).word  # type: ignore[arg-type]
            found = match_family(word)
            own = {f.casefold() for r in role.chain for f in FONT_ROLES[r].families}
            if found.installed or found.family.casefold() in own:
                shown.append(f"{word} → {found.family}")
            else:
                shown.append(f"{word} → {found.family}（不是{role.label}）")
                wrong.append(word)
    except PolicygenError as error:
        return Finding(topic, Status.NOTE, f"无法询问 fontconfig：{error}")
    detail = "；".join(shown)
    if wrong:
        return Finding(
            topic,
            Status.WARNING,
            f"{detail}。LibreOffice 不读 DOCX 字体表的替换信息，缺少{'、'.join(wrong)}时"
            "按 fontconfig 的默认（无衬线）字体排版",
            f"安装 policygen 的 fontconfig 规则：{INSTALL_FONTCONFIG_RULES}",
        )
    return Finding(topic, Status.OK, detail)


def exit_code(findings: list[Finding], *, strict: bool = False) -> ExitCode:
    """Return 1 when a finding is an error (with `strict`, also a warning), else 0."""
    failing = {Status.ERROR, Status.WARNING} if strict else {Status.ERROR}
    return ExitCode.INVALID_INPUT if any(f.status in failing for f in findings) else ExitCode.OK


_MARKS = {Status.OK: "ok", Status.NOTE: "note", Status.WARNING: "WARNING", Status.ERROR: "ERROR"}


def report(findings: list[Finding]) -> str:
    """Return `findings` as plain text, one line each plus a fix line where there is one."""
    lines = []
    for finding in findings:
        lines.append(f"[{_MARKS[finding.status]}] {finding.topic}: {finding.detail}")
        if finding.fix:
            lines.append(f"    → {finding.fix}")
    errors = sum(f.status is Status.ERROR for f in findings)
    warnings = sum(f.status is Status.WARNING for f in findings)
    if errors:
        lines.append(f"缺少 {errors} 项必需组件，无法正确生成 PDF (missing required pieces)")
    else:
        lines.append(
            "必需组件齐全 (all required pieces present)"
            + (f"；{warnings} 项警告" if warnings else "")
        )
    return "\n".join(lines)


__all__ = [
    "Finding",
    "Status",
    "diagnose",
    "exit_code",
    "harfbuzz_version",
    "libreoffice",
    "libreoffice_version",
    "pdf_standards",
    "report",
    "subsetting_path",
    "typst_engine",
    "weasyprint_versions",
]
