"""Print the HTML writer's page to PDF with WeasyPrint, loading nothing from outside the templates.

Input: a numbered, reference-resolved Document. Output: PDF bytes, byte-identical for identical
input: dates come from ``doc.meta.date`` (``dcterms.created``/``modified``), the file identifier
from a hash of the HTML, and fonts are subset by HarfBuzz, which writes no timestamps. The
PDF's keywords end with the document's number (`pdf_keywords`).

WeasyPrint is imported on first use, so the command line starts fast when no PDF is wanted."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from calendar import timegm
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policygen.errors import RenderError
from policygen.tree import nodes as n
from policygen.writers.fetcher import LocalResources, url_fetcher
from policygen.writers.html import read_css, render_html, style_folder, stylesheet_paths
from policygen.writers.options import WriterOptions

if TYPE_CHECKING:
    from weasyprint import HTML
    from weasyprint.document import Document as WeasyDocument
    from weasyprint.text.fonts import FontConfiguration

_RENDER_LOCK = threading.Lock()
"""Serialises renderings in a process.

The shared FontConfiguration wraps a Pango font map and a fontconfig configuration, which are
not safe to use from two threads at once; WeasyPrint itself is not documented as thread-safe.
Layout holds the GIL nearly all the time, so the lock costs little: render in several processes
to use several cores."""

_font_config: FontConfiguration | None = None
"""The process's FontConfiguration, created on first use under `_RENDER_LOCK`. Reusing it saves
loading the fontconfig cache for every document."""

_OPTIONS: dict[str, object] = {
    "uncompressed_pdf": False,
    "full_fonts": False,
    "hinting": False,
    "optimize_images": False,
    "presentational_hints": False,
}
"""WeasyPrint options for laying out and for writing; `page_map` and `write_pdf` share them so
that a layout made by one is the layout the other would make."""

_layout_slot: tuple[bytes, WeasyDocument] | None = None
"""The last layout `page_map` made, by `_layout_key`. `write_pdf` of the same HTML takes it
instead of laying the pages out a second time (a regulation's DOCX table of contents and its
PDF). One slot, emptied by every `write_pdf`, so at most one document's boxes stay in memory.
Read and written under `_RENDER_LOCK`."""


def subsetting_path() -> str:
    """Return how WeasyPrint will subset fonts: ``harfbuzz`` or ``fonttools``.

    WeasyPrint 70 uses HarfBuzz-Subset when ``libharfbuzz-subset`` loads and HarfBuzz is 4.1.0
    or later; otherwise it falls back to fontTools, which takes seconds per CJK font and stamps
    the current time into it unless ``SOURCE_DATE_EPOCH`` is set."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


def _shared_font_config() -> FontConfiguration:
    """Return the process's FontConfiguration; call with `_RENDER_LOCK` held."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


@contextlib.contextmanager
def _source_date_epoch(doc: n.Document) -> Iterator[None]:
    """Pin fontTools' font timestamps to the document date while the fallback subsetter runs.

    Only the fontTools path writes timestamps; an epoch the caller set is kept. The variable is
    process-wide, so this runs under `_RENDER_LOCK` and restores the environment afterwards."""
    if subsetting_path() == "harfbuzz" or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(timegm(doc.meta.date.timetuple()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def pdf_keywords(meta: n.DocumentMeta) -> tuple[str, ...]:
    """Return the keywords of a PDF of a document with `meta`: its keywords, then its number
    (合同编号 or 发文字号), which the PDF's document information has no field of its own for."""
    if meta.number and meta.number not in meta.keywords:
        return (*meta.keywords, meta.number)
    return meta.keywords


def pdf_identifier(html: bytes) -> bytes:
    """Return the PDF file identifier for a document printed from `html`: a hash of it."""
    return hashlib.sha256(html).hexdigest()[:32].encode("ascii")


def _layout_key(html: bytes, base_url: str) -> bytes:
    return hashlib.sha256(html + b"\0" + base_url.encode("utf-8")).digest()


def _layout(source: HTML, key: bytes) -> WeasyDocument:
    """Return the layout of `source`: the one `page_map` left for `key`, else a new one. Empty
    the slot either way. Call with `_RENDER_LOCK` held; only `write_pdf` takes from the slot."""
    global _layout_slot
    slot, _layout_slot = _layout_slot, None
    if slot is not None and slot[0] == key:
        return slot[1]
    return source.render(font_config=_shared_font_config(), **_OPTIONS)


def write_pdf(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as an A4 PDF; raise RenderError if a resource outside the templates is asked."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    resources = LocalResources(options.template_dirs)
    html = render_html(doc, options, resources)
    fetcher = url_fetcher(resources)
    base_url = style_folder(options).as_uri() + "/"
    try:
        with _RENDER_LOCK, _source_date_epoch(doc):
            source = HTML(string=html, encoding="utf-8", base_url=base_url, url_fetcher=fetcher)
            layout = _layout(source, _layout_key(html, base_url))
            layout.metadata.keywords = list(pdf_keywords(doc.meta))
            pdf = layout.write_pdf(pdf_identifier=pdf_identifier(html), **_OPTIONS)
    except FatalURLFetchingError as error:
        cause = error.__cause__
        if isinstance(cause, RenderError):
            raise cause from None
        raise RenderError(f"生成 PDF 时无法加载资源：{error}") from error
    except RenderError:
        raise
    except Exception as error:  # WeasyPrint failing on a stylesheet (an AssertionError…)
        paths = stylesheet_paths(doc, options)
        raise weasyprint_error(paths, options.template_dirs, base_url, error) from error
    if resources.refused:
        shown = ", ".join(url if len(url) <= 200 else url[:200] + "…" for url in resources.refused)
        raise RenderError(f"生成 PDF 时拒绝加载资源：{shown} (blocked URL)")
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf(target=None) returns bytes
        raise RenderError("WeasyPrint 未返回 PDF 数据")
    return pdf


def weasyprint_error(
    paths: Sequence[Path], template_dirs: Sequence[Path], base_url: str, error: Exception
) -> RenderError:
    """Return the RenderError for `error`, which WeasyPrint raised laying out a page styled by
    the stylesheets `paths`: at the first rule WeasyPrint cannot read on its own
    (``file:line:column``; ``background-image: attr(data-x url)`` fails an assertion inside
    WeasyPrint 70), else naming the stylesheets not bundled with policygen. Only called when
    laying out failed, so the extra parsing costs nothing otherwise."""
    import tinycss2
    from weasyprint import CSS

    from policygen.templating.environment import BUNDLED_TEMPLATES

    resources = LocalResources(template_dirs)
    for path in paths:
        css = read_css(path, resources)
        for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
            try:
                CSS(string=tinycss2.serialize([rule]), base_url=base_url, url_fetcher=_no_fetch)
            except Exception as cause:
                return RenderError(
                    f"{path}:{rule.source_line}:{rule.source_column}: WeasyPrint 无法使用这条"
                    f"样式规则，请修改或删除 (WeasyPrint cannot use this rule: "
                    f"{type(cause).__name__}{': ' + str(cause) if str(cause) else ''})"
                )
    own = [path for path in paths if not path.resolve().is_relative_to(BUNDLED_TEMPLATES)]
    shown = "、".join(str(path) for path in own or paths)
    return RenderError(
        f"WeasyPrint 排版失败，请检查样式表 {shown} (WeasyPrint failed: "
        f"{type(error).__name__}{': ' + str(error) if str(error) else ''})"
    )


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """Load nothing while a single rule is tried: an error there is about the rule itself."""
    return {"string": "", "mime_type": "text/css"}


PAGE_COUNT_KEY = ""
"""The key of `page_map` that holds the number of pages (no HTML id can be empty)."""


def page_map(doc: n.Document, options: WriterOptions) -> dict[str, int]:
    """Return the page (from 1) each id of `doc` starts on when printed by `write_pdf`, and
    under PAGE_COUNT_KEY the number of pages.

    The layout is the PDF's own: same HTML, stylesheets, fetcher and fonts, so a DOCX table
    of contents built from it gives the PDF's page numbers. The layout is kept for the next
    `write_pdf` of the same document, which prints it without laying it out again."""
    global _layout_slot
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    resources = LocalResources(options.template_dirs)
    html = render_html(doc, options, resources)
    base_url = style_folder(options).as_uri() + "/"
    try:
        with _RENDER_LOCK:
            source = HTML(
                string=html, encoding="utf-8", base_url=base_url, url_fetcher=url_fetcher(resources)
            )
            document = source.render(font_config=_shared_font_config(), **_OPTIONS)
    except FatalURLFetchingError as error:
        cause = error.__cause__
        if isinstance(cause, RenderError):
            raise cause from None
        raise RenderError(f"排版 PDF 时无法加载资源：{error}") from error
    except RenderError:
        raise
    except Exception as error:
        paths = stylesheet_paths(doc, options)
        raise weasyprint_error(paths, options.template_dirs, base_url, error) from error
    if resources.refused:
        raise RenderError(f"排版 PDF 时拒绝加载资源：{resources.refused[0][:200]} (blocked URL)")
    with _RENDER_LOCK:  # only a layout that loaded nothing refused is kept for write_pdf
        _layout_slot = (_layout_key(html, base_url), document)
    pages = {PAGE_COUNT_KEY: len(document.pages)}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages
