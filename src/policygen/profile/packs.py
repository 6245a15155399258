"""Scope and industry packs: the wording that fits what the work is and who the organisation is.

Input: a profile as read (a mapping, before validation) and the packs bundled beside
defaults.yaml (``templates/zh/packs/scope/<ITO|BPO|KPO|other>.yaml`` and
``packs/industry/<industry>.yaml``), each a partial defaults tree: section → field → value.
Output: the same mapping with every field the profile leaves out and a pack states filled in,
so that defaults.yaml keeps the wording common to all work and a cleaning contract never
speaks of source code.

Layers, later over earlier: defaults.yaml, the industry's pack, the scopes' packs. The
organisation's sections take the packs of every scope of ``policy.scope`` (lists of texts merged
without repeats, each scope's own items beside the items they follow in its pack; any other value
from the first scope that states one). An engagement
whose own ``scope`` speaks differently gets, in the sections an engagement may override,
its own scope's wording for every field neither it nor the organisation wrote. What the
profile writes always wins."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any

from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue

PACKS_RESOURCE = "templates/zh/packs"
"""Where the packs live, relative to the policygen package."""

DEFAULT_SCOPE = "ITO"
"""The scope of a profile or an engagement that names none (Policy.scope, Engagement.scope)."""


@CACHES.memo(files=True)
def pack(kind: str, name: str) -> dict[str, dict[str, Any]]:
    """Return the pack `name` of `kind` (``scope`` or ``industry``): section → field → value;
    empty when there is none."""
    path = resources.files("policygen") / PACKS_RESOURCE / kind / f"{name}.yaml"
    if not path.is_file():
        return {}
    data = CACHES.read_yaml(str(path)) or {}
    where = f"{PACKS_RESOURCE}/{kind}/{name}.yaml"
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InvalidInputError(
            [Issue("", "每个顶层键应为配置文件的一节，其下为该节的字段 (section → field)")],
            where,
        )
    return data


def layered(industry: str, scopes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return the fields the packs state for an organisation of `industry` doing outsourcing of
    `scopes`: the industry's pack, then each scope's over it (lists joined without repeats, a
    single value from the first scope that states it)."""
    out: dict[str, dict[str, Any]] = {
        section: dict(fields) for section, fields in pack("industry", industry).items()
    }
    stated: set[tuple[str, str]] = set()
    for scope in dict.fromkeys(scopes):
        for section, fields in pack("scope", scope).items():
            target = out.setdefault(section, {})
            for name, value in fields.items():
                if (section, name) not in stated:
                    target[name] = value
                    stated.add((section, name))
                elif _texts(value) and _texts(target.get(name)):
                    target[name] = _joined(target[name], value)
    return out


def _joined(first: list[str], then: list[str]) -> list[str]:
    """Return the texts of `first` with those of `then` it lacks, each inserted after the text
    that precedes it in `then` (so a catch-all item both lists end with stays last); those before
    the first text both hold go before it, and lists with nothing in common are appended. A text
    both lists hold appears once: packs that mean the same thing write the same words."""
    joined = list(first)
    shared = [item for item in then if item in joined]
    at = joined.index(shared[0]) if shared else len(joined)
    for item in then:
        if item in joined:
            at = joined.index(item) + 1
        else:
            joined.insert(at, item)
            at += 1
    return joined


def _texts(value: Any) -> bool:
    """Whether `value` is a list of texts: such lists of several scopes are joined; any other
    value (a list of metrics or of severity levels) comes whole from the first scope."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _scopes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value or [DEFAULT_SCOPE]
    return [DEFAULT_SCOPE]


def apply_packs(
    data: Mapping[str, Any],
    engagement_sections: Iterable[str],
    default: Callable[[str, str], Any],
) -> dict[str, Any]:
    """Return `data` (a profile as read) with the fields it leaves out filled from the packs of
    its industry and scopes; each engagement whose scope's wording differs gets it in its own
    sections (`engagement_sections`) wherever neither it nor the organisation wrote the field:
    its own packs' value, or `default(section, field)` (defaults.yaml's) where its packs state
    none. A malformed profile is returned with no change beyond that: validation reports it."""
    data = dict(data)
    organisation = data.get("organisation")
    industry = organisation.get("industry") if isinstance(organisation, dict) else None
    industry = industry if isinstance(industry, str) else "other"
    policy = data.get("policy")
    scopes = _scopes(policy.get("scope") if isinstance(policy, dict) else None)
    written = {
        section: set(fields) if isinstance(fields, dict) else set()
        for section, fields in data.items()
    }
    common = layered(industry, scopes)
    for section, fields in common.items():
        given = data.get(section, {})
        if not isinstance(given, dict):
            continue
        data[section] = {**fields, **given}
    engagements = data.get("engagements")
    if not isinstance(engagements, list):
        return data
    sections = tuple(engagement_sections)
    out = []
    for engagement in engagements:
        if isinstance(engagement, dict):
            own = layered(industry, _scopes(engagement.get("scope")))
            engagement = dict(engagement)
            for section in sections:
                mine, theirs = own.get(section, {}), common.get(section, {})
                differs = {
                    name: mine[name] if name in mine else default(section, name)
                    for name in {**theirs, **mine}
                    if name not in written.get(section, set())
                    and (name not in theirs or name not in mine or theirs[name] != mine[name])
                }
                given = engagement.get(section)
                if differs and (given is None or isinstance(given, dict)):
                    engagement[section] = {**differs, **(given or {})}
        out.append(engagement)
    data["engagements"] = out
    return data
