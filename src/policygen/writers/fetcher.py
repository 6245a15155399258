"""Serve the PDF and HTML writers the few local files they may read, and nothing else.

Input: a URL that WeasyPrint (or the HTML writer) wants to load. Output: its bytes, but only for a
``file:`` URL whose real path lies inside one of the template folders, or a small ``data:`` URL.
Everything else (http, https, ftp, files elsewhere, symlinks leading out, devices, oversized
files) is refused with a RenderError naming the URL.

`LocalResources` holds the policy and imports nothing heavy, so the HTML writer can use it
without loading WeasyPrint; `url_fetcher` wraps it in a WeasyPrint `URLFetcher`.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.reading import read_at_most

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest template file served (CSS, images); fonts come from fontconfig, not from here."""

MAX_DATA_URL_CHARS = 64 * 1024
"""Longest ``data:`` URL accepted, counted before decoding."""

_CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
"""Content types by suffix, so the answer does not depend on the host's mime.types."""


@dataclass(frozen=True, slots=True)
class Resource:
    """A fetched resource."""

    url: str
    """The URL as requested."""
    data: bytes
    """The resource's bytes."""
    content_type: str
    """Its media type, e.g. ``text/css``."""
    charset: str | None = None
    """Its declared character set; None when not declared."""


def _local_path(url_path: str) -> str:
    """Return the file path the path of a `file:` URL names (percent-escapes decoded once).

    urllib.request.url2pathname does this, but importing urllib.request pulls in http.client
    and ssl (some 10–50 ms at start-up) for what on POSIX is one unquote; Windows paths go
    through the module it uses there."""
    if os.name == "nt":  # pragma: no cover - policygen runs on Linux; kept for completeness
        from nturl2path import url2pathname

        return url2pathname(url_path)
    return unquote(url_path)


def _refuse(url: str, reason: str) -> RenderError:
    shown = url if len(url) <= 200 else url[:200] + "…"
    return RenderError(f"拒绝加载资源 {shown}：{reason} (blocked URL: {shown})")


class LocalResources:
    """Resolve `file:` URLs inside `roots` and small `data:` URLs; refuse everything else.

    Paths are compared after resolving symlinks and ``..``, so a link inside a template folder
    that points outside it is refused. Only regular files are read, never devices or FIFOs."""

    def __init__(
        self,
        roots: Iterable[Path],
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        max_data_chars: int = MAX_DATA_URL_CHARS,
    ) -> None:
        self.roots: tuple[Path, ...] = tuple(Path(os.path.realpath(root)) for root in roots)
        """The allowed folders, symlinks resolved."""
        self.max_file_bytes = max_file_bytes
        """Largest file served, in bytes."""
        self.max_data_chars = max_data_chars
        """Longest ``data:`` URL accepted, in characters."""
        self.refused: list[str] = []
        """URLs refused so far, in order. The PDF writer raises if any, even where WeasyPrint
        swallowed the error (it catches everything while drawing SVG images)."""

    def fetch(self, url: str) -> Resource:
        """Return the resource at `url`; raise RenderError naming `url` if it is not allowed."""
        try:
            return self._fetch(url)
        except RenderError:
            self.refused.append(url)
            raise

    def _fetch(self, url: str) -> Resource:
        scheme, _, _ = url.partition(":")
        match scheme.lower():
            case "file":
                return self._fetch_file(url)
            case "data":
                return self._fetch_data(url)
            case _ if not scheme or "/" in scheme:
                raise _refuse(url, "不是绝对 URL (not an absolute URL)")
            case _:
                raise _refuse(url, f"不允许 {scheme}: 协议 (scheme not allowed)")

    def path_for(self, url: str) -> Path:
        """Return the real path a `file:` `url` names; raise RenderError if outside the roots."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise _refuse(url, "不是 file: URL (not a file URL)")
        if parts.netloc not in ("", "localhost"):
            raise _refuse(url, "不允许远程主机 (remote host not allowed)")
        raw = _local_path(parts.path)
        if "\x00" in raw or not os.path.isabs(raw):
            raise _refuse(url, "路径无效 (invalid path)")
        real = Path(os.path.realpath(raw))
        if not any(real.is_relative_to(root) for root in self.roots):
            raise _refuse(url, "不在模板目录内 (outside the template folders)")
        return real

    def _fetch_file(self, url: str) -> Resource:
        real = self.path_for(url)
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as error:
            raise _refuse(url, f"无法打开 ({error.strerror})") from error
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _refuse(url, "不是普通文件 (not a regular file)")
            if info.st_size > self.max_file_bytes:
                raise _refuse(url, f"文件超过 {self.max_file_bytes} 字节 (file too large)")
            data = read_at_most(file, self.max_file_bytes)
        if data is None:
            raise _refuse(url, f"文件超过 {self.max_file_bytes} 字节 (file too large)")
        suffix = real.suffix.lower()
        content_type = (
            _CONTENT_TYPES.get(suffix)
            or mimetypes.guess_type(real.name)[0]
            or "application/octet-stream"
        )
        charset = "utf-8" if content_type == "text/css" else None
        return Resource(url, data, content_type, charset)

    def _fetch_data(self, url: str) -> Resource:
        if len(url) > self.max_data_chars:
            raise _refuse(url, f"data: URL 超过 {self.max_data_chars} 字符 (data URL too large)")
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise _refuse(url, "data: URL 格式错误 (malformed data URL)")
        params = [part.strip() for part in header.split(";")]
        is_base64 = params[-1].lower() == "base64"
        if is_base64:
            params.pop()
        content_type = params[0].lower() if params and params[0] else "text/plain"
        charset = next(
            (p.split("=", 1)[1].strip() for p in params[1:] if p.lower().startswith("charset=")),
            None,
        )
        data = unquote_to_bytes(payload)
        if is_base64:
            try:
                data = base64.b64decode(data, validate=False)
            except (binascii.Error, ValueError) as error:
                raise _refuse(url, "base64 数据无效 (invalid base64)") from error
        return Resource(url, data, content_type, charset)


@CACHES.memo
def _fetcher_class() -> type[URLFetcher]:
    """Return the WeasyPrint fetcher class, importing WeasyPrint only when a PDF is made."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """A WeasyPrint URL fetcher backed by `LocalResources`; it never opens a socket."""

        def __init__(self, resources: LocalResources) -> None:
            # fail_on_errors: WeasyPrint wraps any error we raise in FatalURLFetchingError,
            # which stops rendering instead of logging a warning and going on.
            super().__init__(
                timeout=5,
                allowed_protocols=("file", "data"),
                allow_redirects=False,
                fail_on_errors=True,
            )
            self.resources = resources

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            """Return `url` from the template folders; raise RenderError if not allowed."""
            resource = self.resources.fetch(url)
            response_headers = {"Content-Type": resource.content_type}
            if resource.charset:
                response_headers["Content-Type"] += f"; charset={resource.charset}"
            return URLFetcherResponse(resource.url, resource.data, response_headers)

        def open(self, url: object, data: object = None, timeout: object = None) -> object:
            """Refuse urllib-style use: everything must go through `fetch`."""
            raise _refuse(str(getattr(url, "full_url", url)), "不允许直接打开 (open() refused)")

    return LocalURLFetcher


def url_fetcher(resources: LocalResources) -> URLFetcher:
    """Return a WeasyPrint URL fetcher that serves only what `resources` allows.

    Pass the same instance to every `HTML` and `CSS` object of one rendering; afterwards
    `resources.refused` lists the URLs it refused."""
    return _fetcher_class()(resources)
