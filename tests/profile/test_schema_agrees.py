"""The published JSON Schema (``policygen schema``) and the models accept the same profiles:
every example validates against both, and for a table of edge values each of the shared value
types (percentages, money, scores, quantities, dates, durations) and the one-or-many fields
says yes or no alike in the schema (checked with a JSON Schema validator) and in the model;
a list of whole profiles made wrong (an unknown value of a closed set, a missing field…) is
refused by both.

What a pattern cannot say is left out of the table: the calendar (2026-2-30 in the short and
Chinese forms; ``format: date`` checks the ISO form), a JSON number's decimal places (money to
the fen, a duration to three places) and the cross-field rules (payments adding up to 100%)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import TypeAdapter, ValidationError

from policygen.errors import InvalidInputError
from policygen.profile.load import load_profile, parse
from policygen.profile.schema import profile_schema
from policygen.profile.types import CnDate, Duration, Money, Percent, Quantity, Score

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Validator = jsonschema.Draft202012Validator


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    Validator.check_schema(schema)
    return Validator(schema, format_checker=Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def schema() -> jsonschema.protocols.Validator:
    return _validator(profile_schema())


def _json_data(example: str) -> dict[str, Any]:
    """Return an example profile as a JSON user would send it (dates as text)."""
    text = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8")
    return json.loads(json.dumps(parse(text, fmt="yaml", name=example).data, default=str))


def _model_accepts(data: dict[str, Any]) -> bool:
    try:
        load_profile(data)
    except InvalidInputError:
        return False
    return True


@pytest.mark.parametrize("example", ["bank", "manufacturer", "securities"])
def test_every_example_is_valid_for_the_schema_and_the_model(
    schema: jsonschema.protocols.Validator, example: str
) -> None:
    data = _json_data(example)
    assert [e.message for e in schema.iter_errors(data)] == []
    assert _model_accepts(data)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("6%", True), ("6 %", True), ("6％", True), (6, True), ("6", True), (6.5, True),
     ("101%", False), (-1, False), ("abc", False), ("6%%", False), ("1e1", False)],
)  # fmt: skip
def test_a_profiles_tax_rate_is_judged_alike(
    schema: jsonschema.protocols.Validator, value: Any, accepted: bool
) -> None:
    data = _json_data("manufacturer")
    data["engagements"][0]["fee"]["tax_rate"] = value
    assert (schema.is_valid(data), _model_accepts(data)) == (accepted, accepted)


@pytest.mark.parametrize(
    ("test", "accepted"),
    [("annual_amount", True), (["annual_amount"], True), ([], False), ("yearly_amount", False),
     (["yearly_amount"], False)],
)  # fmt: skip
def test_a_criterion_test_may_be_one_or_a_list(
    schema: jsonschema.protocols.Validator, test: Any, accepted: bool
) -> None:
    data = _json_data("manufacturer")
    criterion = next(c for c in data["policy"]["critical_criteria"] if "amount" in c)
    criterion["test"] = copy.deepcopy(test)
    assert (schema.is_valid(data), _model_accepts(data)) == (accepted, accepted)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Return a change setting the value at dotted `path` (``engagements.0.fee.amount``)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if value is _DELETE:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)

    return change


_DELETE = object()

REJECTED: dict[str, Callable[[dict[str, Any]], None]] = {
    "an unknown key": _set("meta.versoin", "V2"),
    "a frequency that is none": _set("policy.review_frequency", "yearly"),
    "a value's Chinese name for the value": _set("organisation.industry", "制造业"),
    "a scope list with an unknown scope": _set("policy.scope", ["ITO", "XPO"]),
    "a severity that is none": _set("sla.severities.0.level", "P5"),
    "a required field left out": _set("organisation.name", _DELETE),
    "a negative amount": _set("engagements.0.fee.amount", -1),
    "a tax rate over 100%": _set("engagements.0.fee.tax_rate", "101%"),
    "no payment at all": _set("engagements.0.fee.payment_schedule", []),
    "a credit code of the wrong length": _set("organisation.credit_code", "9132"),
    "a date that is not one": _set("meta.effective_date", "2026/03/01"),
}
"""Changes to a valid profile that the schema and the model must both refuse."""


@pytest.mark.parametrize("case", list(REJECTED))
def test_a_rejected_profile_is_refused_by_both(
    schema: jsonschema.protocols.Validator, case: str
) -> None:
    data = _json_data("manufacturer")
    if case.startswith("a severity"):
        data["sla"] = {"severities": _json_data("bank")["sla"]["severities"]}
    REJECTED[case](data)
    assert (schema.is_valid(data), _model_accepts(data)) == (False, False)


EDGES: dict[str, tuple[Any, list[Any]]] = {
    "percent": (Percent, [
        0, 100, 6.5, -1, 100.01, "6", "6%", " 6 % ", "6％", "６％", "100%", "100.0", "0.5%",
        "-0", "+6", "101", "100.5%", "1e1", "6.", ".5", "6%%", "%", "", "abc", "1,5", "٦", True,
    ]),
    "score": (Score, [0, 70, 100, 101, -1, "70", "70%", "100", "100.00", "1e2", " 70 "]),
    "money": (Money, [
        0, 600000, 999999999999.99, 1e12, -1, "600000", "600000.00", "600000.5", "600000.005",
        "1,000", "1e3", "１０００", "¥1000", "-0.00", "9999999999999", " 1000 ", "",
    ]),
    "quantity": (Quantity, [99.9, -5, 0, "99.9", "-5", "+5", "5.", "1e3", "1_000", "abc", "٩"]),
    "date": (CnDate, [
        "2026-03-01", "2026-3-1", "２０２６-０３-０１", "2026年3月1日", "2026 年 3 月 1 日",
        " 2026-03-01 ", "2026-03-01T00:00:00", "2026-03-01 00:00", "2026-03-01T00:00:00Z",
        "2026-03-01T08:00:00", "2026-02-30", "2026-13-01", "2026/03/01", "20260301", 20260301,
        "March 1", "26-3-1",
    ]),
    "duration": (Duration, [
        "2小时", "2 h", "2H", " 15 分钟 ", "5个工作日", "1.5天", "0.25天", "0.001天", "１２小时",
        "100000天", "100001天", "0小时", "0.0001天", "1.2345小时", "-1天", "2 fortnights",
        "小时", "2", 2, "1e2小时", "٢小时", {"value": 2, "unit": "hours"},
        {"value": "2", "unit": "小时"}, {"value": 2, "unit": "Hours"}, {"value": 0, "unit": "h"},
        {"value": "1e2", "unit": "h"}, {"value": True, "unit": "h"}, {"value": 2},
        {"value": 2, "unit": "h", "note": "x"}, {"value": 2, "unit": "fortnight"},
    ]),
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "value"),
    [(kind, value) for kind, (_, values) in EDGES.items() for value in values],
    ids=lambda item: repr(item) if not isinstance(item, str) or item not in EDGES else item,
)
def test_each_value_type_is_judged_alike(kind: str, value: Any) -> None:
    annotation = EDGES[kind][0]
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    try:
        adapter.validate_python(value)
    except ValidationError:
        model = False
    else:
        model = True
    schema = _validator({"$schema": Validator.META_SCHEMA["$id"],
                         **adapter.json_schema(mode="validation")})  # fmt: skip
    assert schema.is_valid(value) == model, (kind, value, model)
