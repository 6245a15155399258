"""The sandboxed Jinja environment that renders a user's Word (docxtpl) templates.

Input: nothing; a docxtpl template compiles its own XML with it. Output: XML text in which every
value is escaped for XML (autoescape, markupsafe), so a vendor called ``<w:p>&`` stays literal
text; a docxtpl subdocument, rich text or listing (which carry ``__html__``) passes through as
the XML it is. The sandbox is the one Markdown templates render in (immutable, with ``*``,
``**`` and ``+`` bounded), with its strict undefined (an error names the field and the closest
one) and the Chinese filters, but none of the
Markdown escaping: Word is not Markdown."""

from __future__ import annotations

from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from policygen.errors import RenderError
from policygen.templating.environment import _Sandbox
from policygen.templating.filters import FILTERS
from policygen.templating.messages import FieldUndefined


def _finalize(value: Any) -> Any:
    if value is None:
        raise RenderError(
            "模板输出了空值（None）：请在模板中用 {% if %} 判断可选字段 (None printed)"
        )
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return str(value)


def word_environment() -> ImmutableSandboxedEnvironment:
    """Return a new sandboxed environment for one docxtpl rendering (docxtpl sets options on
    the environment it is given, so it is not shared)."""
    env = _Sandbox(
        undefined=FieldUndefined,
        autoescape=True,
        finalize=_finalize,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env
