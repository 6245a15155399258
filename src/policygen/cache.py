"""policygen's private cache folder: work a later process may reuse, never needed for a result.

Kept there: the compiled bundled and user templates (Jinja's bytecode cache), which saves a new
process the tenth of a second of compiling them, and the code points of the fonts the preflight
checks (fonts.font_codepoints), which saves it importing fontTools and reading the character
maps of the CJK fonts. The folder is
``$POLICYGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/policygen``, else ``~/.cache/policygen``;
``POLICYGEN_CACHE_DIR=`` (empty) turns caching off. What is loaded from it runs as code, so a
folder another user could write to is never used: it must be ours and closed to group and others
(created 0700), as Jinja checks for its own default folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_VARIABLE = "POLICYGEN_CACHE_DIR"
"""The environment variable naming the cache folder; empty turns caching off."""


def cache_dir(name: str) -> Path | None:
    """Return the private sub-folder `name` of the cache folder, created when missing; None when
    caching is off or the folder cannot be made safe (then nothing is cached)."""
    named = os.environ.get(CACHE_VARIABLE)
    if named is not None:
        if not named.strip():
            return None
        base = Path(named)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "policygen"
    folder = base / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (base, folder):
            info = path.lstat()
            if (
                not stat.S_ISDIR(info.st_mode)
                or info.st_uid != os.getuid()
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                return None
    except (OSError, RuntimeError):  # RuntimeError: no home folder to expand
        return None
    return folder
