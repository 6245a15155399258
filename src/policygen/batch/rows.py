"""The organisation profile and one row's engagement, checked together as a profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policygen.errors import InvalidInputError, Issue
from policygen.profile.load import Parsed, validate
from policygen.profile.model import Profile


def engagement_profile(
    organisation: Mapping[str, Any], row: Mapping[str, Any], *, source: str = "<row>"
) -> Profile:
    """Return the profile made of `organisation` (plain data, without engagements) with `row` as
    its only engagement. Raise InvalidInputError whose issue paths are relative to the row, e.g.
    ``vendor.credit_code``; the profile's cross-field rules apply as they would in one file."""
    data = dict(organisation)
    data["engagements"] = [dict(row)]
    try:
        return validate(Parsed(data, source))
    except InvalidInputError as error:
        issues = [Issue(_relative(issue.path), issue.message) for issue in error.issues]
        raise InvalidInputError(issues, source) from None


def _relative(path: str) -> str:
    prefix = "engagements[0]"
    if path == prefix:
        return ""
    return path.removeprefix(prefix + ".") if path.startswith(prefix + ".") else path


def organisation_data(profile: Profile) -> dict[str, Any]:
    """Return `profile` as plain data without its engagements: what every row is added to."""
    return profile.model_dump(mode="python", exclude={"engagements"})
