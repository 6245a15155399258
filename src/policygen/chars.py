"""Characters no document and no message may carry, and how a message shows them.

Input: text from a profile, a row or a file name. Output: the first character a document must
refuse (`refused_char`) with the reason, or the text made safe to print (`printable`): every
such character written as ``<U+XXXX>``, so that no key, value or file name can break a JSON
answer, a report or a terminal line, or reorder the text around it."""

from __future__ import annotations

import re
from typing import NamedTuple

_SURROGATES = "\ud800-\udfff"

_XML_INVALID = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff" + _SURROGATES
"""What XML 1.0 forbids. Jinja/MarkupSafe let these through and docxtpl silently drops the text
around them."""

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
"""Unicode noncharacters besides U+FFFE and U+FFFF: reserved for a program's internal use,
never for interchange."""

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Bidirectional formatting characters: the marks (ALM, LRM, RLM), embeddings and overrides
(LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI). One in a value steers the
direction of the text around it, outside the value: ``上海市\\u202e浦东`` prints the contract's
own wording after it backwards. A Chinese document needs none of them; Arabic or Hebrew
letters still lay out by the Unicode rules without them."""

REFUSED = re.compile(f"[{_XML_INVALID}{_NONCHARACTERS}{BIDI_CONTROLS}]")
"""Characters profile text may not hold."""

_UNPRINTABLE = re.compile(
    f"[\x00-\x1f\x7f-\x9f\ufffe\uffff{_SURROGATES}{_NONCHARACTERS}{BIDI_CONTROLS}]"
)
"""Characters `printable` writes as code points: controls (C0, DEL, C1), lone surrogates,
noncharacters and bidirectional controls."""


class Refused(NamedTuple):
    """A character profile text may not hold: where and what it is."""

    position: int
    """Its position in the text, from 1."""
    code: str
    """Its code point as four to six hex digits, e.g. ``202E``."""
    kind: str
    """``bidi``, ``surrogate``, ``noncharacter`` or ``control``."""


def refused_char(text: str) -> Refused | None:
    """Return the first character of `text` a document may not hold; None when there is none."""
    found = REFUSED.search(text)
    if found is None:
        return None
    char = found.group()
    if re.match(f"[{BIDI_CONTROLS}]", char):
        kind = "bidi"
    elif "\ud800" <= char <= "\udfff":
        kind = "surrogate"
    elif re.match(f"[{_NONCHARACTERS}\ufffe\uffff]", char):
        kind = "noncharacter"
    else:
        kind = "control"
    return Refused(found.start() + 1, f"{ord(char):04X}", kind)


def printable(text: str, *, keep: str = "") -> str:
    """Return `text` with every control, lone surrogate, noncharacter and bidirectional control
    written as ``<U+XXXX>``, except the characters in `keep` (e.g. ``"\\n"`` for a message
    that spans lines)."""
    return _UNPRINTABLE.sub(
        lambda m: m.group() if m.group() in keep else f"<U+{ord(m.group()):04X}>", text
    )
