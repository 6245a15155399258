"""Build the docxtpl baseline of the benchmark: the bank's first contract as a plain docxtpl template.

Input: examples/bank.yaml. Output: bench/contract_docxtpl.docx, policygen's own DOCX of contract
MY-ITO-2026-001 in which every run holding a profile value (names, addresses, contract number,
services, amounts, dates…) has that value replaced by a Jinja tag such as ``{{ vendor_name }}``,
and bench/contract_docxtpl.json, the context that renders it back. Same paragraphs, same styles,
same values: what a team maintaining the contract as a docxtpl template would render.

Values are replaced run by run, so formatting is kept; a value split across runs stays literal.
The context holds values already formatted (12,680,000.00, 2026年1月1日), as a docxtpl user would
pass them, so docxtpl is not charged for formatting while policygen is.

    .venv/bin/python bench/make_docxtpl_template.py
"""

from __future__ import annotations

import json
import re
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import docx

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
TEMPLATE = BENCH / "contract_docxtpl.docx"
CONTEXT = BENCH / "contract_docxtpl.json"
PROFILE = ROOT / "examples" / "bank.yaml"
CONTRACT_NO = "MY-ITO-2026-001"

sys.path.insert(0, str(ROOT / "src"))


def _leaves(value: Any, name: str) -> list[tuple[str, str]]:
    """Return (variable name, text) for every string in `value`, named after its path."""
    if isinstance(value, str):
        return [(name, value)]
    if isinstance(value, dict):
        return [pair for key, child in value.items() for pair in _leaves(child, f"{name}_{key}")]
    if isinstance(value, list):
        return [pair for i, child in enumerate(value) for pair in _leaves(child, f"{name}_{i}")]
    return []


def context_values(text: str) -> dict[str, str]:
    """Return the template variables: profile values (and their printed forms) found in `text`."""
    from policygen.profile.load import load_profile

    profile = load_profile(PROFILE)
    engagement = next(e for e in profile.engagements if e.contract_no == CONTRACT_NO)
    term, fee = engagement.term, engagement.fee
    candidates = [
        *_leaves(engagement.model_dump(mode="json"), "contract"),
        *_leaves(profile.organisation.model_dump(mode="json"), "client"),
        ("fee_amount", f"{fee.amount:,.2f}"),
        ("term_start", f"{term.start.year}年{term.start.month}月{term.start.day}日"),
        ("term_end", f"{term.end.year}年{term.end.month}月{term.end.day}日"),
    ]
    upper = re.search(r"大写：人民币(\S+?元整)", text)
    if upper:
        candidates.append(("fee_amount_upper", upper.group(1)))
    values: dict[str, str] = {}
    for name, value in candidates:
        # Short codes (ITO, CNY) and numbers would match inside unrelated words.
        if len(value) < 2 or (value.isascii() and len(value) < 6) or value not in text:
            continue
        if value not in values.values():
            values[re.sub(r"\W", "_", name)] = value
    return values


def build() -> tuple[bytes, dict[str, str], int]:
    """Return the template's bytes, its context and the number of tags placed."""
    from policygen.api import render
    from policygen.profile.load import load_profile
    from policygen.writers.reproducible import normalise_docx

    profile = load_profile(PROFILE)
    text = render(profile, "contract", "txt", contract_no=CONTRACT_NO).decode("utf-8")
    values = context_values(text)
    by_value = {value: name for name, value in values.items()}
    pattern = re.compile("|".join(re.escape(v) for v in sorted(by_value, key=len, reverse=True)))
    document = docx.Document(BytesIO(render(profile, "contract", "docx", contract_no=CONTRACT_NO)))
    tags = 0

    def tag(match: re.Match[str]) -> str:
        nonlocal tags
        tags += 1
        return "{{ " + by_value[match.group(0)] + " }}"

    parts = [document.element.body]
    for section in document.sections:
        for story in (section.header, section.footer, section.first_page_header):
            if not story.is_linked_to_previous and story._element not in parts:
                parts.append(story._element)
    for part in parts:
        for node in part.iter(docx.oxml.ns.qn("w:t")):
            if not node.text:
                continue
            replaced = pattern.sub(tag, node.text)
            if replaced != node.text:
                node.text = replaced
    buffer = BytesIO()
    document.save(buffer)
    return normalise_docx(buffer.getvalue(), profile.meta.effective_date), values, tags


def main() -> int:
    data, values, tags = build()
    TEMPLATE.write_bytes(data)
    CONTEXT.write_text(
        json.dumps(values, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{TEMPLATE.relative_to(ROOT)}: {tags} tags, {len(values)} variables")
    print(f"{CONTEXT.relative_to(ROOT)}: the context that renders it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
