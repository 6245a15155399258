"""The base every profile section derives from, and the way sections report cross-field rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError


class Section(BaseModel):
    """A profile section: unknown keys are errors, values are immutable once validated."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        validate_default=False,
        # No use_attribute_docstrings: pydantic would read every section's source at import
        # (~30 ms per process); policygen.profile.docs reads the field docstrings when the
        # schema or the starter profile needs them.
    )


RULES_ERROR = "policygen_rules"
"""Error type of a cross-field rule violation; its context holds (sub-path, message) pairs."""


Violation = tuple[str, str]
"""A broken cross-field rule: the sub-path it is reported at and its Chinese message."""

Violations = Iterator[Violation]
"""What a section's ``violations()`` generator yields, for `check_rules`."""


def check_rules(violations: Iterable[Violation]) -> None:
    """Raise one validation error carrying every `violations` pair (sub-path, Chinese message).

    A section's ``model_validator`` calls this so that each broken rule is reported at its own
    path (``criteria[2].weight``), not at the section; the loader expands the pairs."""
    found = tuple(violations)
    if found:
        raise PydanticCustomError(
            RULES_ERROR,
            "; ".join(message for _, message in found),
            {"violations": found},
        )


def check_percentage(unit: str, value: Decimal, *, field: str, what: str) -> None:
    """Report `field` when `unit` is ``%`` and `value` lies outside 0–100; `what` names the value
    in the message (目标值, 阈值)."""
    if unit == "%" and not (0 <= value <= 100):
        check_rules(
            [
                (
                    field,
                    f"百分比{what}应在 0–100 之间，现为 {value} (a percentage must be within 0–100)",
                )
            ]
        )
