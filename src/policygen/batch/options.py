"""What a run is asked for: the kinds, formats, engine and folders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policygen.batch.constants import DEFAULT_KINDS
from policygen.errors import UsageError
from policygen.kinds import DOCUMENT_KINDS, Kind
from policygen.pipeline import (
    kind_named,
)
from policygen.procs import (
    available_cpus,
)


@dataclass(frozen=True)
class BatchOptions:
    """How a batch is rendered."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    """Per-engagement document kinds rendered for each row."""
    formats: tuple[str, ...] = ("docx", "pdf")
    """Output formats."""
    jobs: int = field(default_factory=available_cpus)
    """Worker processes."""
    template_dirs: tuple[Path, ...] = ()
    """User template folders, searched before the bundled ones."""
    force: bool = False
    """Render every row even when its outputs are up to date."""
    pdf_engine: str | None = None
    """What prints the PDFs: ``typst`` or ``weasyprint``; None: the one
    ``POLICYGEN_PDF_ENGINE`` names, else DEFAULT_PDF_ENGINE (Typst)."""
    style_file: Path | None = None
    """A house-style file every document is written in; None: the profile's ``meta.style``."""
    pdf_standard: str | None = None
    """The archival standard PDFs are printed to (writers.options.PDF_STANDARDS); None: a
    plain PDF."""
    tasks_per_worker: int | None = 250
    """Rows a worker renders before it is replaced, bounding any growth of its memory; None:
    never replaced."""
    scheduler: str | None = None
    """The Dask cluster that renders the rows: a scheduler's address (``tcp://HOST:PORT``) or
    ``local:N`` for a cluster of N worker processes started here (batch.cluster); None: worker
    processes on this machine (`jobs` of them)."""


def batch_kinds(names: Sequence[str]) -> tuple[Kind, ...]:
    """Return the kinds `names`; raise UsageError for a kind that is not per engagement. A kind
    that needs personal information is rendered for the rows that entrust some."""
    kinds = tuple(kind_named(name) for name in dict.fromkeys(names))
    for kind in kinds:
        if not kind.per_engagement:
            per_row = ", ".join(k.name for k in DOCUMENT_KINDS.values() if k.per_engagement)
            raise UsageError(
                f"batch 只生成每份合同一份的文档（{per_row}）；{kind.name} 请用 policygen render "
                "(batch renders per-engagement documents only)"
            )
    return kinds
