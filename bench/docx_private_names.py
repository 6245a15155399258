"""Measure what the DOCX writer's one remaining use of python-docx's private names earns.

``writers/docx/oxml/compat.package_parts`` takes the parts of a document from python-docx's
private ``PackageWriter`` steps for the hand-written zip (writers/reproducible); without them
it falls back to ``document.save`` and reads the zip back. This renders one contract DOCX (the
shape of bench figure (b)) with and without, interleaved, checks that both give the same bytes,
and prints the median CPU time of each: bench/RESULTS.md, "Speed tricks and what each earns".

Run: ``python bench/docx_private_names.py [ROUNDS]`` (default 60)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from policygen.api import render
from policygen.profile.load import load_profile
from policygen.writers.docx.oxml import compat

BANK = Path(__file__).resolve().parent.parent / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-001"
VARIANTS = {"with": compat._WRITER_STEPS, "without": ("_a_step_python_docx_dropped",)}


def main(rounds: int) -> int:
    """Print the median CPU time of one contract DOCX with and without; return 0."""
    profile = load_profile(BANK)
    outputs, times = {}, {name: [] for name in VARIANTS}
    for name, steps in VARIANTS.items():  # warm-up, and the same bytes either way
        compat._WRITER_STEPS = steps
        outputs[name] = render(profile, "contract", "docx", contract_no=CONTRACT_NO)
    assert len(set(outputs.values())) == 1, "package_parts changed the DOCX"
    for _ in range(rounds):
        for name, steps in VARIANTS.items():
            compat._WRITER_STEPS = steps
            started = time.process_time()
            render(profile, "contract", "docx", contract_no=CONTRACT_NO)
            times[name].append(time.process_time() - started)
    compat._WRITER_STEPS = VARIANTS["with"]
    with_, without = (statistics.median(times[name]) for name in VARIANTS)
    print(
        f"with package_parts: {with_ * 1000:.1f} ms, without: {without * 1000:.1f} ms, "
        f"earns {(without - with_) / without:.0%} (median CPU, {rounds} rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
