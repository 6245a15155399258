"""Shared fixtures: paths to the examples and the repository, the PDF engines."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from policygen.layout.engine import Engines, PdfEngine

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def bank_path() -> Path:
    return EXAMPLES / "bank.yaml"


@pytest.fixture
def manufacturer_path() -> Path:
    return EXAMPLES / "manufacturer.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current output (review the diff before committing)",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    """One engine session for the tests that lay documents out: its engines' layout processes
    keep their fonts from test to test, and stop when the tests end."""
    with Engines() as session:
        yield session


@pytest.fixture(scope="session")
def typst(engines: Engines) -> PdfEngine:
    """The Typst engine of the tests' session."""
    return engines.get("typst")


@pytest.fixture(scope="session")
def weasyprint(engines: Engines) -> PdfEngine:
    """The WeasyPrint engine of the tests' session."""
    return engines.get("weasyprint")
