"""Compare profiles given as files or git revisions (REV:path) and write the results."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from policygen.diff.compare import Comparison, compare
from policygen.diff.redline import redline
from policygen.diff.table import revision_table
from policygen.errors import InvalidInputError, Issue, Location
from policygen.house import fill_house
from policygen.pipeline import writer_options
from policygen.profile.load import MAX_PROFILE_BYTES, parse
from policygen.profile.model import Profile
from policygen.validation import check_parsed, load_checked
from policygen.writers import WRITERS, write
from policygen.writers.docx.redline import (
    write_redline,
)

# --------------------------------------------------------------------------- files


def render_comparison(
    comparison: Comparison, *, template_dirs: Sequence[Path] = ()
) -> dict[str, bytes]:
    """Return the redline DOCX and the 修订对照表 DOCX and PDF of `comparison`, by file name."""
    options = writer_options(template_dirs)
    table = revision_table(comparison)
    stem = comparison.name
    return {
        f"{stem}-redline.docx": write_redline(redline(comparison), options),
        f"{stem}-修订对照表.docx": write(
            "docx", table, options, house=fill_house(table, options.template_dirs)
        ),
        f"{stem}-修订对照表.pdf": WRITERS["pdf"](table, options),
    }


def diff_sources(
    old: str,
    new: str,
    kinds: Sequence[str] = ("regulation",),
    *,
    contract_no: str | None = None,
    template_dirs: Sequence[Path] = (),
    cwd: Path | None = None,
    author: str | None = None,
    revised_on: date | None = None,
) -> tuple[list[Comparison], dict[str, bytes]]:
    """Return the comparisons of each of `kinds` between the profiles at `old` and `new` (file
    paths or ``REV:path``, see `read_profile`), and their files by name. `author` and
    `revised_on` sign and date the changes (see `compare`); None takes them from the new
    profile's revision history."""
    old_profile = read_profile(old, cwd=cwd, template_dirs=template_dirs)
    new_profile = read_profile(new, cwd=cwd, template_dirs=template_dirs)
    comparisons = [
        compare(
            old_profile,
            new_profile,
            kind,
            contract_no=contract_no,
            template_dirs=template_dirs,
            author=author,
            revised_on=revised_on,
        )
        for kind in kinds
    ]
    files: dict[str, bytes] = {}
    for comparison in comparisons:
        files.update(render_comparison(comparison, template_dirs=template_dirs))
    return comparisons, files


def read_profile(
    source: str, *, cwd: Path | None = None, template_dirs: Sequence[Path] = ()
) -> Profile:
    """Return the profile at `source`: a file path, ``-`` for standard input, or a git
    revision ``REV:path`` read with ``git show REV:path`` in `cwd` (None: the current
    directory). A path that exists as a file is always read as a file. Its clause adaptations
    are checked against the documents of `template_dirs` (validation.check_parsed)."""
    if source == "-" or Path(cwd or ".", source).is_file() or ":" not in source:
        file = Path(cwd, source) if cwd and source != "-" else source
        return load_checked(file, name=source, template_dirs=template_dirs)
    revision, _, path = source.partition(":")
    if len(revision) == 1 and revision.isalpha() and path.startswith(("\\", "/")):
        # A Windows drive letter, not a revision.
        return load_checked(source, template_dirs=template_dirs)
    text = _git_show(revision, path, source, cwd)
    suffix = Path(path).suffix.lower()
    fmt = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}.get(suffix)
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    return check_parsed(parse(text, fmt=fmt, name=source), template_dirs=template_dirs)


def _git_show(revision: str, path: str, source: str, cwd: Path | None) -> str:
    """Return the text of `path` at git `revision`; raise InvalidInputError when git, the
    repository, the revision or the file is missing."""

    def fail(message: str) -> InvalidInputError:
        return InvalidInputError([Issue("", message, Location(source))], source)

    if revision.startswith("-"):  # would be read as an option of git show
        raise fail(f"无效的 git 版本「{revision}」 (invalid revision)")

    try:
        done = subprocess.run(
            ["git", "show", f"{revision}:{path}"],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError:
        raise fail("找不到 git 命令，无法读取 git 版本 (git not found)") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise fail(f"无法运行 git (cannot run git): {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[0] if reason else f"exit {done.returncode}"
        raise fail(f"无法从 git 读取 {revision}:{path}（{detail}） (cannot read git revision)")
    if len(done.stdout) > MAX_PROFILE_BYTES:
        raise fail("配置文件超过上限 (profile too large)")
    try:
        return done.stdout.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("文件不是 UTF-8 编码 (not UTF-8 encoded)") from None
