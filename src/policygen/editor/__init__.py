"""The browser editor: edit a profile as a form, see its documents as you type.

Input: a workspace folder of profiles (and the one to open first). Output: a local web
application, bound to 127.0.0.1 by default: a form generated from the profile's JSON Schema,
each problem shown at its field (the checks of ``policygen validate``), a live HTML preview
of any document with the clauses changed since the last save highlighted, the clause library
and ``check`` findings, files saved with their comments and layout kept, downloads, and a
comparison with the last git commit. The page (static/) is plain HTML, CSS and JavaScript
modules shipped in the package: nothing is loaded from the network, nothing is built.

The modules: `workspace` (the files a request may touch), `roundtrip` (writing a change back
into the YAML a person wrote), `work` (what each request does with the profile) and `routes`
(the HTTP API and the page)."""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from policygen.editor.routes import (
    EditorSettings,
    create_editor_app,
    include,
    router,
    share_token,
)
from policygen.editor.workspace import Workspace, WorkspaceError


def run(
    profile: Path | None = None,
    *,
    workspace: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    template_dirs: tuple[Path, ...] = (),
    open_browser: bool = True,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the editor on `host`:`port` (0: a free port) until interrupted, opening
    `profile` first, with the files of `workspace` (None: the profile's folder, else the
    current one); open the page in the browser when `open_browser`. `announce` is given the
    page's address once the server listens (None: print it)."""
    import uvicorn

    from policygen.serving import uvicorn_options

    folder = workspace or (profile.parent if profile else Path.cwd())
    space = Workspace.at(folder)
    start = None
    if profile is not None:
        if not profile.is_file():
            raise WorkspaceError(f"找不到配置文件 {profile} (file not found)")
        try:
            start = profile.resolve().relative_to(space.root).as_posix()
        except ValueError:
            raise WorkspaceError(
                f"{profile} 不在工作目录 {folder} 中 (outside the workspace)"
            ) from None
        space.path(start)  # a profile by its suffix
    settings = EditorSettings.make(space.root, start, template_dirs)
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    config = uvicorn.Config(create_editor_app(settings), log_level="warning", **uvicorn_options())
    server = uvicorn.Server(config)

    def ready() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            (announce or _print)(url)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=ready, daemon=True).start()
    server.run(sockets=[listener])


def _print(url: str) -> None:
    sys.stdout.write(f"编辑器已启动：{url}（按 Ctrl-C 退出） (editor running)\n")
    sys.stdout.flush()


__all__ = [
    "EditorSettings",
    "Workspace",
    "WorkspaceError",
    "create_editor_app",
    "include",
    "router",
    "run",
    "share_token",
]
