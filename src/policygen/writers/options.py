"""Options every writer takes: where the style files live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policygen.errors import RenderError


@dataclass(frozen=True)
class WriterOptions:
    """Settings shared by all writers; none of them depends on the profile."""

    template_dirs: tuple[Path, ...] = field(default=())
    """Template folders, a user's first and the bundled ``templates/zh`` last. Style files
    (``styles/reference.docx``, ``styles/*.css``) are looked up in them in order, and the PDF
    writer loads nothing from outside them."""

    def find(self, relative: str) -> Path:
        """Return the first `relative` file found in `template_dirs`; raise RenderError if none."""
        for folder in self.template_dirs:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        searched = ", ".join(str(d) for d in self.template_dirs) or "（无）"
        raise RenderError(f"找不到样式文件 {relative}（已查找：{searched}）")
