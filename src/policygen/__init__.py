"""policygen: Chinese outsourcing governance documents from one validated profile.

>>> import policygen
>>> profile = policygen.load_profile("examples/bank.yaml")
>>> pdf = policygen.render(profile, "regulation", "pdf")
>>> files = policygen.render_set(profile, formats=["docx", "pdf"])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from policygen.errors import InvalidInputError, PolicygenError, RenderError, UsageError

if TYPE_CHECKING:
    from policygen.api import render, render_set
    from policygen.profile.load import load_profile, load_profile_text
    from policygen.profile.model import Profile

__version__ = "0.1.0"

_PUBLIC = {
    "render": "policygen.api",
    "render_set": "policygen.api",
    "load_profile": "policygen.profile.load",
    "load_profile_text": "policygen.profile.load",
    "Profile": "policygen.profile.model",
}
"""The public names that live in heavier modules, imported on first use: a layout process
(layout.process) imports the writers it needs without the profile models and the pipeline,
and starts in a third of the time."""


def __getattr__(name: str) -> Any:
    """Return public name `name`, or submodule `name` (``policygen.api``), importing it now."""
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "InvalidInputError",
    "PolicygenError",
    "Profile",
    "RenderError",
    "UsageError",
    "__version__",
    "load_profile",
    "load_profile_text",
    "render",
    "render_set",
]
