"""Shared fixtures: paths to the examples and the repository."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def bank_path() -> Path:
    return EXAMPLES / "bank.yaml"


@pytest.fixture
def manufacturer_path() -> Path:
    return EXAMPLES / "manufacturer.yaml"
