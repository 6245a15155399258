"""policygen: Chinese outsourcing governance documents from one validated profile.

>>> import policygen
>>> profile = policygen.load_profile("examples/bank.yaml")
>>> pdf = policygen.render(profile, "regulation", "pdf")
>>> files = policygen.render_set(profile, formats=["docx", "pdf"])
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported: this module is the first one loaded
if TYPE_CHECKING:
    from typing import Any

    from policygen.api import render, render_set
    from policygen.errors import InvalidInputError, PolicygenError, RenderError, UsageError
    from policygen.profile.load import load_profile, load_profile_text
    from policygen.profile.model import Profile

__version__ = "0.1.0"

_EXPORTS = {
    "render": "policygen.api",
    "render_set": "policygen.api",
    "InvalidInputError": "policygen.errors",
    "PolicygenError": "policygen.errors",
    "RenderError": "policygen.errors",
    "UsageError": "policygen.errors",
    "load_profile": "policygen.profile.load",
    "load_profile_text": "policygen.profile.load",
    "Profile": "policygen.profile.model",
}
"""The module each public name comes from. They are imported when first used (PEP 562), so
that ``import policygen.cli`` starts in a few milliseconds and a Ctrl-C while the command
line loads the rest is met by the command line, not by a traceback."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'policygen' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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
