"""What the placeholders of a cover, a running header and a footer stand for in a document.

Input: a Document tree. Output: its values (``{title}``, ``{version}``, ``{contract_no}``…) and
the lines a template with placeholders gives with them. The DOCX writer fills the reference's
cover and header with them, the HTML and Typst writers the house style's header lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from policygen.templating.filters import cn_date, en_date
from policygen.tree import nodes as n

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

Values = dict[str, str | tuple[str, ...]]
"""A placeholder's value: text, or one text per signing party (``role``, ``name``)."""


def document_values(doc: n.Document) -> Values:
    """Return what the cover and header placeholders stand for in `doc`: empty for what it
    does not print (a contract has no ``version`` or ``date``, a regulation no ``contract_no``),
    and a number already in the subtitle is not printed twice. Dates read as the text does:
    2026年3月18日, or 18 March 2026 in English alone (`doc.lang` en)."""
    meta = doc.meta
    parties = meta.parties
    written = en_date if doc.lang == "en" else cn_date
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "doc_no": _unless_in(meta.doc_no, doc.subtitle),
        "contract_no": _unless_in(meta.contract_no, doc.subtitle),
        "organisation": "" if parties else meta.organisation,
        "version": meta.version,
        "date": written(meta.effective_date) if meta.effective_date else "",
        "signed_on": written(meta.signed_on) if meta.signed_on else "",
        "signed_at": meta.signed_at,
        "role": tuple(party.role for party in parties),
        "name": tuple(party.name for party in parties),
    }


def document_keywords(meta: n.DocumentMeta) -> tuple[str, ...]:
    """Return the keywords every format states of a document with `meta` (the DOCX's core
    properties, the PDFs' document information): its keywords, then its number (合同编号 or
    发文字号), which the PDF's document information has no field of its own for."""
    if meta.number and meta.number not in meta.keywords:
        return (*meta.keywords, meta.number)
    return meta.keywords


def header_values(doc: n.Document) -> Values:
    """Return what the header placeholders stand for in `doc`: as on the cover, except that
    the header shows the contract number even when the subtitle does."""
    return {**document_values(doc), "contract_no": doc.meta.contract_no}


def _unless_in(number: str, subtitle: str) -> str:
    return "" if number and number in subtitle else number


def fill(template: str, values: Values) -> list[str]:
    """Return the lines `template` gives with `values`: none when one of its placeholders is
    empty (``版本：{version}`` prints only with a version), one per party when it names a party
    field; unknown placeholders stay as typed."""
    names = [name for name in _PLACEHOLDER.findall(template) if name in values]
    if not names:
        return [template]
    repeats = max((len(v) for k, v in values.items() if k in names and isinstance(v, tuple)),
                  default=1)  # fmt: skip
    lines = []
    for index in range(repeats):

        def value(name: str, index: int = index) -> str:
            found = values[name]
            if isinstance(found, tuple):
                return found[index] if index < len(found) else ""
            return found

        if not all(value(name) for name in names):
            continue
        lines.append(
            _PLACEHOLDER.sub(
                lambda match: value(match.group(1)) if match.group(1) in values else match.group(0),
                template,
            )
        )
    return lines


def header_lines(doc: n.Document, templates: Sequence[str]) -> list[str]:
    """Return the running header of `doc`: each of `templates` filled in, the lines with an
    empty placeholder left out."""
    values = header_values(doc)
    return [line for template in templates for line in fill(template, values)]


__all__ = [
    "Values",
    "document_keywords",
    "document_values",
    "fill",
    "header_lines",
    "header_values",
]
