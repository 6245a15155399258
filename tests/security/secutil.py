"""Helpers for the security tests: the example profile as JSON data and its free-text fields,
a loopback server that counts requests, and text extraction from DOCX and PDF."""

from __future__ import annotations

import copy
import functools
import io
import json
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
import docx
from pydantic import BaseModel
from pypdf import PdfReader

from loopback import counting_server
from policygen.pipeline import jobs, render_job
from policygen.profile.load import dotted, load_profile, load_profile_text
from policygen.profile.model import Profile
from policygen.profile.types import _check_raw_text

__all__ = ["counting_server"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MANUFACTURER = EXAMPLES / "manufacturer.yaml"
BANK = EXAMPLES / "bank.yaml"

Loc = tuple[str | int, ...]

# --------------------------------------------------------------------------- the profile


@functools.cache
def _example_json() -> str:
    return json.dumps(load_profile(MANUFACTURER).model_dump(mode="json"), ensure_ascii=False)


def example_data() -> dict[str, Any]:
    """Return the manufacturer example with every default filled in, as JSON-ready data."""
    return copy.deepcopy(json.loads(_example_json()))


def to_json(data: dict[str, Any]) -> str:
    """Return `data` as indented JSON text, so that each value sits on its own line."""
    return json.dumps(data, ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class TextField:
    """A free-text field (Name or Text) of the profile, by its path in the example."""

    loc: Loc
    min_length: int
    max_length: int

    @property
    def path(self) -> str:
        """The dotted path policygen reports, e.g. ``engagements[0].vendor.name``."""
        return dotted(self.loc)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata += getattr(item, "metadata", None) or [item]
        elif origin in (typing.Union, __import__("types").UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation, metadata
            annotation = options[0]
        else:
            return annotation, metadata


def _fields(annotation: Any, metadata: list[Any], value: Any, loc: Loc) -> Iterator[TextField]:
    inner, more = _unwrap(annotation)
    metadata = metadata + more
    if inner is str and any(getattr(m, "func", None) is _check_raw_text for m in metadata):
        low = next((m.min_length for m in metadata if isinstance(m, annotated_types.MinLen)), 0)
        high = next(m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen))
        yield TextField(loc, low, high)
    elif typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        for index in range(len(value or ())):
            yield from _fields(item, [], value[index], (*loc, index))
    elif isinstance(inner, type) and issubclass(inner, BaseModel) and isinstance(value, dict):
        for name, info in inner.model_fields.items():
            yield from _fields(info.annotation, list(info.metadata), value.get(name), (*loc, name))


def referred_list(loc: Loc) -> Loc | None:
    """Return the list whose items' ``name`` (or whose items, a list of texts) the text field
    at `loc` must equal, or None: a credited metric (``sla.credits.metric``,
    ``sla.credits.additional[i].metric``, and the same in an engagement's ``sla``) is one of its
    SLA's metrics; an assessment's rating (``engagements[i].assessment.ratings[j].category``)
    is one of ``risk.categories``. Such fields are not free text
    themselves, and are kept in step when that name changes."""
    if loc and loc[-1] == "metric" and "credits" in loc:
        at = len(loc) - 1 - list(reversed(loc)).index("credits")
        return (*loc[:at], "metrics")
    if len(loc) >= 3 and loc[-1] == "category" and loc[-3] == "ratings" and "assessment" in loc:
        return ("risk", "categories")  # an assessment rates the organisation's risk categories
    return None


def _references(data: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Loc]]:
    """Yield every credited-metric field of `data` with the metrics list it names."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*loc, key)
            target = referred_list(here)
            if target is not None and isinstance(value, str):
                yield here, target
            else:
                yield from _references(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _references(value, (*loc, index))


@functools.cache
def text_fields() -> tuple[TextField, ...]:
    """Return every free-text field of the example, list items one by one."""
    found = _fields(Profile, [], example_data(), ())
    return tuple(f for f in found if referred_list(f.loc) is None)


def get_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def set_text(data: dict[str, Any], loc: Loc, value: str) -> list[str]:
    """Set the text at `loc` in `data`, and the fields referring to it; return their paths."""
    old = get_at(data, loc)
    get_at(data, loc[:-1])[loc[-1]] = value
    changed = [dotted(loc)]
    for ref, names in list(_references(data)):
        named = loc[:-2] == names and loc[-1] == "name"
        if (named or loc[:-1] == names) and get_at(data, ref) == old:
            get_at(data, ref[:-1])[ref[-1]] = value
            changed.append(dotted(ref))
    return changed


# --------------------------------------------------------------------------- text out

_FULL_WIDTH = str.maketrans(
    {
        "，": ",",
        "；": ";",
        "：": ":",
        "！": "!",
        "？": "?",
        "（": "(",
        "）": ")",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return `text` without whitespace and with full-width punctuation made ASCII: what two
    renderings of the same words have in common after policygen's punctuation normalisation
    (甲方,乙方 → 甲方，乙方), Markdown's line joining and the word joiners (U+2060) a DOCX
    keeps a run on one line with (transforms.nobreak)."""
    return _SPACE.sub("", text.translate(_FULL_WIDTH)).replace("\u2060", "")


def docx_text(data: bytes) -> str:
    """Return every paragraph's text of a DOCX (body, tables, headers, footers), one a line;
    raise if python-docx cannot open it."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []

    def cells(container: Any) -> None:
        for paragraph in container.paragraphs:
            lines.append(paragraph.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    cells(cell)

    cells(document)
    for section in document.sections:
        cells(section.header)
        cells(section.footer)
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    """Return the text of every page of a PDF; raise if pypdf cannot read it."""
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


# --------------------------------------------------------------------------- documents

SMALL = ("nda", "sla")
"""Documents rendered to DOCX and PDF per example: the two shortest of an engagement."""

LARGER = ("scorecard", "risk_register", "contract", "regulation")
"""Where the other fields appear; their text is checked in the plain-text output."""


@functools.cache
def shown_in() -> dict[str, tuple[str, ...]]:
    """Return, for each field's path, the kinds of document that print it (found by giving
    every field a distinct marker and rendering plain text)."""
    data = example_data()
    markers: dict[str, str] = {}
    for index, field in enumerate(text_fields()):
        marker = "Zq" + "".join(chr(ord("a") + int(d)) for d in f"{index:04d}") + "Qz"
        markers[field.path] = marker
        set_text(data, field.loc, marker)
    profile = load_profile_text(to_json(data), fmt="json")
    texts = {}
    for kind in (*SMALL, *LARGER):
        job = jobs(profile, [kind])[0]
        texts[kind] = render_job(profile, job, ["txt"])[job.filename("txt")].decode()
    return {
        path: tuple(k for k, text in texts.items() if marker in text)
        for path, marker in markers.items()
    }


def expected_text(value: str) -> str:
    """Return what of `value` a document must show, folded (see `fold`)."""
    # Templates end list items with their own punctuation (text.rstrip("。；…") + "；").
    return fold(value).rstrip("。;,、.:")
