"""Run the cross-field rules of models that failed validation, on their fields that passed.

pydantic runs a model's ``model_validator(mode="after")`` only when every field of the model
validated: one bad date in an engagement hides that two engagements share a contract number
(``Profile``'s rule) or that an arbitration clause names no commission (``Engagement``'s). So
that one pass reports everything, the loader asks this module, after a failed validation, to
rebuild each failed model from the fields that do validate and to run its rules on that.

Input: a model class and the plain data that failed to validate as it. Output: the violations
its rules, and those of every failed model inside it, report on the parts that validated, as
(path of the model, sub-path, message). A rule that reads a field that did not validate is
skipped: it cannot be judged yet. Generic: any after-validator of any section takes part."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from policygen.caches import CACHES
from policygen.profile.base import RULES_ERROR

Loc = tuple[str | int, ...]

Violation = tuple[Loc, str, str]
"""Where the model sits, the sub-path the rule names (may be empty) and its message."""

_UNSET = object()
"""A value that did not validate: its field is left out of the rebuilt model."""


def violations(model: type[BaseModel], data: Any, loc: Loc = ()) -> list[Violation]:
    """Return what the rules of `model` and of the models inside it say about the parts of
    `data` that validate. Rules of models that validated fully are not run again (pydantic ran
    them); a failed model's own rule may report again what pydantic reported (the caller drops
    repeats)."""
    found: list[Violation] = []
    _rebuild(model, data, loc, found)
    return found


def _rebuild(model: type[BaseModel], data: Any, loc: Loc, found: list[Violation]) -> Any:
    """Return `data` validated as `model`; when that fails, `model` built without validation
    from the fields that validate (rebuilt the same way when they are models), after running
    its rules on it. Return _UNSET when `data` is not a mapping."""
    try:
        return model.model_validate(data)
    except ValidationError:
        pass
    if not isinstance(data, dict):
        return _UNSET
    values: dict[str, Any] = {}
    failed: list[str] = []
    for name, info in model.model_fields.items():
        if name not in data:
            if not info.is_required():
                values[name] = info.get_default(call_default_factory=True)
            continue
        value = _field(model, name, data[name], (*loc, name), found)
        if value is not _UNSET:
            values[name] = value
        else:
            failed.append(name)
    instance = model.model_construct(**values)
    for name in failed:
        # model_construct gave a field that failed its default: leave it unset instead, so that
        # a rule reading it is skipped rather than judged on a value the profile never gave.
        instance.__dict__.pop(name, None)
    for decorator in model.__pydantic_decorators__.model_validators.values():
        if decorator.info.mode == "after":
            found += _run(decorator.func, instance, loc)
    return instance


def _field(model: type[BaseModel], name: str, value: Any, loc: Loc, found: list[Violation]) -> Any:
    """Return `value` validated as field `name` of `model`, a model or a list of models rebuilt
    when they fail; _UNSET when it does not validate."""
    declared = model.model_fields[name].annotation
    annotation = _optional(declared)
    if value is None and annotation is not declared:
        return None  # X | None, given as null
    if _is_model(annotation):
        return _rebuild(annotation, value, loc, found)
    item = _list_of_models(annotation)
    if item is not None and isinstance(value, list):
        items = [_rebuild(item, v, (*loc, i), found) for i, v in enumerate(value)]
        return _UNSET if any(i is _UNSET for i in items) else items
    try:
        return _adapter(model, name).validate_python(value)
    except ValidationError:
        return _UNSET


def _run(rule: Any, instance: BaseModel, loc: Loc) -> Iterator[Violation]:
    """Yield what `rule` reports about `instance`; nothing when it reads a field left unset."""
    try:
        rule(instance)
    except PydanticCustomError as error:
        if error.type == RULES_ERROR:
            for sub, message in (error.context or {}).get("violations", ()):
                yield loc, sub, message
        else:
            yield loc, "", error.message()
    except ValueError as error:  # pydantic reports a rule's ValueError as the model's error
        yield loc, "", str(error)
    except (AttributeError, TypeError, KeyError, IndexError):
        return  # the rule needs a field that did not validate: it is judged once that is fixed


@CACHES.memo
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """Return a validator for field `name` of `model` (not a model) alone, with the model's
    settings (whitespace stripped)."""
    return TypeAdapter(model.model_fields[name].rebuild_annotation(), config=model.model_config)


def _optional(annotation: Any) -> Any:
    """Return X for ``X | None``; `annotation` itself otherwise."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation


def _list_of_models(annotation: Any) -> type[BaseModel] | None:
    """Return M for ``list[M]`` where M is a model; None otherwise."""
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (None,)
        return item if _is_model(item) else None
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
