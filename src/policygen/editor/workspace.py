"""The folder the editor may read and write: profile files by their name inside it.

Input: a name a page sent (``bank.yaml``, ``drafts/bank.yaml``). Output: the file's path
inside the workspace folder, its text, its last committed text when the folder is in a git
repository; or WorkspaceError. A name is refused when it is absolute, climbs out (``..``),
leads through a symbolic link out of the folder, or is no profile (.yaml, .yml, .json,
.toml): the editor never reads or writes anything else, wherever a request points it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from policygen.errors import UsageError
from policygen.output import write_atomic
from policygen.profile.load import MAX_PROFILE_BYTES

PROFILE_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
"""The files the editor lists, opens and saves."""

MAX_LISTED = 500
"""Most profile files the workspace lists; a folder of thousands is not a workspace."""

_SKIPPED = frozenset({".git", ".venv", "node_modules", "__pycache__", "out"})


class WorkspaceError(UsageError):
    """A name that is not a profile inside the workspace, or a file that cannot be read or
    written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_file")


@dataclass(frozen=True)
class Workspace:
    """A folder of profiles the editor works in."""

    root: Path
    """The folder, resolved (no symbolic links, absolute)."""

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        """Return the workspace of `folder`; raise WorkspaceError when it is no folder."""
        root = Path(folder).resolve()
        if not root.is_dir():
            raise WorkspaceError(f"工作目录不存在：{folder} (workspace folder not found)")
        return cls(root)

    def path(self, name: str) -> Path:
        """Return the path of profile `name` inside the workspace; raise WorkspaceError when
        `name` is empty, absolute, climbs out, passes through a link out of the folder, or
        does not end in a profile suffix."""
        pure = PurePosixPath(name.replace("\\", "/"))
        if (
            not name.strip()
            or "\x00" in name
            or pure.is_absolute()
            or (pure.parts and pure.parts[0].endswith(":"))  # C:/ on Windows
            or ".." in pure.parts
        ):
            raise WorkspaceError(f"文件名无效：{name!r}，应为工作目录中的相对路径 (invalid name)")
        if pure.suffix.lower() not in PROFILE_SUFFIXES:
            raise WorkspaceError(
                f"只能打开或保存配置文件（{'、'.join(PROFILE_SUFFIXES)}）：{name} (not a profile)"
            )
        resolved = (self.root / pure).resolve()
        if not resolved.is_relative_to(self.root):
            raise WorkspaceError(f"{name} 指向工作目录之外 (outside the workspace)")
        return resolved

    def name_of(self, path: Path) -> str:
        """Return the name of `path` (inside the workspace) as a page sends it: ``a/b.yaml``."""
        return path.resolve().relative_to(self.root).as_posix()

    def profiles(self) -> list[str]:
        """Return the names of the profiles in the workspace and its subfolders (hidden ones,
        ``out`` and virtual environments left out), sorted, at most MAX_LISTED."""
        found: list[str] = []
        for folder, subfolders, files in os.walk(self.root):
            subfolders[:] = sorted(
                d for d in subfolders if not d.startswith(".") and d not in _SKIPPED
            )
            for file in sorted(files):
                if Path(file).suffix.lower() in PROFILE_SUFFIXES and not file.startswith("."):
                    path = Path(folder, file)
                    if path.resolve().is_relative_to(self.root):
                        found.append(path.relative_to(self.root).as_posix())
                if len(found) >= MAX_LISTED:
                    return found
        return found

    def read(self, name: str) -> str:
        """Return the text of profile `name`; raise WorkspaceError when it cannot be read."""
        path = self.path(name)
        try:
            if path.stat().st_size > MAX_PROFILE_BYTES:
                raise WorkspaceError(f"{name} 超过 {MAX_PROFILE_BYTES} 字节 (file too large)")
            return path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise WorkspaceError(f"找不到文件 {name} (file not found)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"无法读取 {name} (cannot read): {exc}") from None

    def exists(self, name: str) -> bool:
        """Return whether profile `name` exists in the workspace."""
        return self.path(name).is_file()

    def write(self, name: str, text: str) -> None:
        """Replace profile `name` with `text` atomically, creating its folder; raise
        WorkspaceError when it cannot be written."""
        path = self.path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("utf-8"))
        except OSError as exc:
            raise WorkspaceError(f"无法写入 {name} (cannot write): {exc.strerror}") from None

    def committed(self, name: str) -> str | None:
        """Return the text of profile `name` in the last commit (HEAD) of the git repository
        holding the workspace; None when there is no repository, no commit or no such file
        in it, or git is missing."""
        path = self.path(name)
        try:
            top = _git(["rev-parse", "--show-toplevel"], self.root)
            if top is None:
                return None
            inside = path.relative_to(Path(top.strip()).resolve()).as_posix()
            return _git(["show", f"HEAD:{inside}"], self.root)
        except ValueError:  # the file is outside the repository's tree
            return None


def _git(arguments: list[str], cwd: Path) -> str | None:
    """Return what git prints for `arguments` run in `cwd`, or None when it fails."""
    try:
        done = subprocess.run(
            # A repository's own configuration may name a program to run (core.fsmonitor):
            # reading a revision needs none.
            ["git", "-c", "core.fsmonitor=false", *arguments],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or len(done.stdout) > MAX_PROFILE_BYTES:
        return None
    try:
        return done.stdout.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
