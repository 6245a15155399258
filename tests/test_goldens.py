"""Golden files: the text of every example document, reviewed as a diff when it changes.

Regenerate with ``pytest tests/test_goldens.py --update-goldens`` and read the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

import policygen

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_text_goldens(example: str, update_goldens: bool) -> None:
    files = policygen.render_set(ROOT / "examples" / f"{example}.yaml", formats=("txt", "md"))
    folder = GOLDEN / example
    if update_goldens:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name, data in files.items():
            (folder / name).write_bytes(data)
    expected = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    assert expected == set(files), "documents added or removed: run with --update-goldens"
    for name, data in files.items():
        assert data.decode() == (folder / name).read_text(encoding="utf-8"), (
            f"{example}/{name} changed: review, then run with --update-goldens"
        )
