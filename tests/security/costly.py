"""Tasks that break a layout budget on purpose, for a layout process (layout.process) to run:
the child imports this module by name, so it imports nothing heavy."""

from __future__ import annotations

import time
from typing import Any


def allocate(_kept: dict[str, Any], megabytes: int) -> tuple[dict[str, Any], bytes]:
    """Hold `megabytes` of memory, then answer."""
    held = bytearray(megabytes * 1024 * 1024)
    return {"held": len(held)}, b""


def sleep(_kept: dict[str, Any], seconds: float) -> tuple[dict[str, Any], bytes]:
    """Take `seconds`, then answer."""
    time.sleep(seconds)
    return {"slept": seconds}, b""


def echo(_kept: dict[str, Any], text: str) -> tuple[dict[str, Any], bytes]:
    """Answer `text` as bytes."""
    return {}, text.encode("utf-8")
