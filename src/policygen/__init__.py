"""policygen: Chinese outsourcing governance documents from one validated profile.

>>> import policygen
>>> profile = policygen.load_profile("examples/bank.yaml")
>>> pdf = policygen.render(profile, "regulation", "pdf")
>>> files = policygen.render_set(profile, formats=["docx", "pdf"])
"""

from policygen.api import render, render_set
from policygen.errors import InvalidInputError, PolicygenError, RenderError, UsageError
from policygen.profile.load import load_profile, load_profile_text
from policygen.profile.model import Profile

__version__ = "0.1.0"

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
