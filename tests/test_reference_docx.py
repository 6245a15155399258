"""The checked-in house-style references are what tools/make_reference_docx.py writes."""

from __future__ import annotations

import importlib.util
import sys
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any
from zipfile import ZipFile

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "make_reference_docx.py"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_reference_docx", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _parts(data: bytes) -> dict[str, bytes]:
    """Return the parts of a package: its zip bytes depend on the zlib build, they do not."""
    with ZipFile(BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


tool = _load_tool()


@pytest.mark.parametrize("house", tool.HOUSE_STYLES, ids=lambda house: house.file)
def test_checked_in_reference_is_current(house: Any) -> None:
    checked_in = (tool.STYLES_FOLDER / house.file).read_bytes()
    stale = f"{house.file} is stale: run `python tools/make_reference_docx.py`"
    assert _parts(checked_in) == _parts(tool.build(house)), stale
