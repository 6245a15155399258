"""Speak of the organisation as 甲方 in the agreements it signs with a vendor.

Input: the Markdown an agreement's template rendered (contract, SLA, NDA, DPA), the
organisation's short name and the registered names to leave alone. Output: the same Markdown
where each self-name the organisation's own texts use (its short name, and 本单位, 本行, 本公司 …
from terms.yaml's ``contract_voice``) reads 甲方, the party word; longer words that merely
begin with a self-name (``contract_voice_keep``: 本行业) and the registered names of the parties
are kept. A profile written in the organisation's voice (本行主数据中心) thus reads as an
agreement between two parties (甲方主数据中心), wherever the text comes from.

This runs on the Markdown text, before it is read into a tree: self-names are Chinese words,
and nothing of the Markdown syntax (ids, references, tables) is Chinese, so a replacement in
the text cannot change structure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from policygen.caches import CACHES
from policygen.templating.filters import terms

VOICE = "contract_voice"
KEEP = "contract_voice_keep"


def party_voice(markdown: str, short_name: str, registered: Sequence[str] = ()) -> str:
    """Return `markdown` with the organisation's self-names as the party word; `short_name` is
    the organisation's own, and the strings in `registered` (party names) are left untouched."""
    pattern, party = _pattern(short_name)
    if not pattern.search(markdown):
        return markdown
    kept = [name for name in registered if name and pattern.search(name)]
    if not kept:
        return pattern.sub(lambda m: party.get(m.group(), m.group()), markdown)
    pieces = re.split(
        "(" + "|".join(map(re.escape, sorted(kept, key=len, reverse=True))) + ")", markdown
    )
    return "".join(
        piece if index % 2 else pattern.sub(lambda m: party.get(m.group(), m.group()), piece)
        for index, piece in enumerate(pieces)
    )


@CACHES.memo(maxsize=64)
def _pattern(short_name: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """Return the pattern of every self-name, longest first, each not followed by the rest of a
    kept word, and the word each becomes."""
    voice = dict(terms()[VOICE])
    if short_name and short_name not in voice:
        voice[short_name] = next(iter(voice.values()), "甲方")
    keep = [w for w in re.split("[、,，\\s]+", terms().get(KEEP, {}).get("words", "")) if w]
    alternatives = []
    for name in sorted(voice, key=len, reverse=True):
        tails = [
            word[len(name) :] for word in keep if word.startswith(name) and len(word) > len(name)
        ]
        guard = "(?!" + "|".join(map(re.escape, tails)) + ")" if tails else ""
        alternatives.append(re.escape(name) + guard)
    return re.compile("|".join(alternatives)), voice
