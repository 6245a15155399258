"""Options every writer takes: where the style files live, which house style, which engine
prints PDFs and to which archival standard, and by when a request must be done."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from policygen.errors import RenderError, UsageError

PDF_ENGINES = ("weasyprint", "typst")
"""The engines that can print a PDF (layout.engine.ENGINES): Typst (fast, the default) or
WeasyPrint (the HTML-and-CSS path, which also takes a user's stylesheet)."""
DEFAULT_PDF_ENGINE = "typst"
"""The engine used when neither the caller nor the environment names one."""
PDF_ENGINE_VARIABLE = "POLICYGEN_PDF_ENGINE"
"""The environment variable naming the PDF engine when the caller does not."""


def check_pdf_engine(name: str, *, source: str = "pdf_engine") -> str:
    """Return `name` if it is one of PDF_ENGINES; raise UsageError naming `source` (the option
    or variable it came from) and the engines otherwise."""
    if name not in PDF_ENGINES:
        raise UsageError(
            f"未知的 PDF 引擎 {name!r}（{source}）；可选：{', '.join(PDF_ENGINES)} "
            "(unknown PDF engine)",
            code="unknown_pdf_engine",
            allowed=PDF_ENGINES,
        )
    return name


@dataclass(frozen=True)
class PdfStandard:
    """An archival or accessibility standard a PDF can be printed to, and how each engine is
    asked for it: one field per engine of PDF_ENGINES, by its name (None: the engine cannot
    print it)."""

    label: str
    """The standard's name as printed, e.g. PDF/A-2b."""
    typst: tuple[str, ...] | None
    """The ``pdf_standards`` Typst's compiler is given."""
    weasyprint: str | None
    """The ``pdf_variant`` WeasyPrint writes."""


PDF_STANDARDS: dict[str, PdfStandard] = {
    "a-2b": PdfStandard("PDF/A-2b", ("a-2b",), "pdf/a-2b"),
    "a-2u": PdfStandard("PDF/A-2u", ("a-2u",), "pdf/a-2u"),
    "a-2a": PdfStandard("PDF/A-2a", ("a-2a",), None),
    "ua-1": PdfStandard("PDF/UA-1", ("ua-1",), None),
}
"""The standards ``--pdf-standard`` offers, by name. Each is printed tagged, fonts embedded,
title, author and language in XMP. The accessible ones (PDF/A-2a, PDF/UA-1) only with Typst,
which checks their rules as it prints and refuses a document that breaks one; WeasyPrint 70
writes their tags without checking them (its PDF/UA is experimental)."""


def engines_for(standard: str) -> tuple[str, ...]:
    """Return the PDF engines that can print `standard` (a key of PDF_STANDARDS)."""
    found = PDF_STANDARDS[standard]
    return tuple(engine for engine in PDF_ENGINES if getattr(found, engine) is not None)


def check_pdf_standard(
    name: str | None, engine: str, *, source: str = "pdf_standard"
) -> str | None:
    """Return `name` if it is None or a standard of PDF_STANDARDS that `engine` can print;
    raise UsageError naming `source` (the option it came from), the standards and the engines
    that print each otherwise."""
    if name is None:
        return None
    choices = "；".join(
        f"{key}（{PDF_STANDARDS[key].label}：{'、'.join(engines_for(key))}）"
        for key in PDF_STANDARDS
    )
    printable_here = [key for key in PDF_STANDARDS if engine in engines_for(key)]
    if name not in PDF_STANDARDS:
        raise UsageError(
            f"未知的 PDF 标准 {name!r}（{source}）；可选：{choices} (unknown PDF standard)",
            code="unknown_pdf_standard",
            allowed=printable_here,
        )
    if engine not in engines_for(name):
        raise UsageError(
            f"PDF 引擎 {engine} 不能生成 {PDF_STANDARDS[name].label}（{source}），请改用 "
            f"{'、'.join(engines_for(name))} 引擎；各标准可用的引擎：{choices} "
            "(this PDF engine cannot print this standard)",
            code="unknown_pdf_standard",
            allowed=printable_here,
        )
    return name


def pdf_engine_from(name: str | None, *, source: str = "pdf_engine") -> str:
    """Return the PDF engine to use: `name` when given, else the one POLICYGEN_PDF_ENGINE
    names, else DEFAULT_PDF_ENGINE. Raise UsageError for an unknown name from either, naming
    `source` (how the caller calls the option) or the variable."""
    if name is not None:
        return check_pdf_engine(name, source=source)
    named = os.environ.get(PDF_ENGINE_VARIABLE, "").strip()
    if named:
        return check_pdf_engine(named, source=f"环境变量 {PDF_ENGINE_VARIABLE}")
    return DEFAULT_PDF_ENGINE


@dataclass(frozen=True)
class WriterOptions:
    """Settings shared by all writers; none of them depends on the profile."""

    template_dirs: tuple[Path, ...] = field(default=())
    """Template folders, a user's first and the bundled ``templates/zh`` last. Style files
    (``styles/*.style.yaml``, ``styles/reference.docx``, ``styles/*.css``) are looked up in
    them in order, and the PDF writer loads nothing from outside them."""
    pdf_engine: str = DEFAULT_PDF_ENGINE
    """What lays documents out and prints PDFs (one of PDF_ENGINES): the PDF, and the layout
    whose page numbers a DOCX contents page shows."""
    style_file: Path | None = None
    """A house-style file (``render --style FILE``) every document is written in; None: the
    style each document's ``style`` names, ``styles/<name>.style.yaml`` in `template_dirs`."""
    pdf_standard: str | None = None
    """The archival or accessibility standard PDFs are printed to (a key of PDF_STANDARDS
    that `pdf_engine` can print, ``--pdf-standard``); None: a plain PDF, untagged."""
    deadline: float | None = None
    """The time.monotonic() value by which the request this document belongs to must be done
    (the HTTP service's time budget per request); a layout still running then is stopped.
    None: each layout has the layout budget alone (layout.budget)."""

    def __post_init__(self) -> None:
        check_pdf_engine(self.pdf_engine)
        check_pdf_standard(self.pdf_standard, self.pdf_engine)

    def find(self, relative: str) -> Path:
        """Return the first `relative` file found in `template_dirs`; raise RenderError if none."""
        for folder in self.template_dirs:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        searched = ", ".join(str(d) for d in self.template_dirs) or "（无）"
        raise RenderError(f"找不到样式文件 {relative}（已查找：{searched}）")
