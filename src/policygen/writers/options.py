"""Options every writer takes: where the style files live, which house style, which engine
prints PDFs, and by when a request must be done."""

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
            "(unknown PDF engine)"
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
    deadline: float | None = None
    """The time.monotonic() value by which the request this document belongs to must be done
    (the HTTP service's time budget per request); a layout still running then is stopped.
    None: each layout has the layout budget alone (layout.budget)."""

    def __post_init__(self) -> None:
        check_pdf_engine(self.pdf_engine)

    def find(self, relative: str) -> Path:
        """Return the first `relative` file found in `template_dirs`; raise RenderError if none."""
        for folder in self.template_dirs:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        searched = ", ".join(str(d) for d in self.template_dirs) or "（无）"
        raise RenderError(f"找不到样式文件 {relative}（已查找：{searched}）")
