"""Print the HTML writer's page to PDF with WeasyPrint, loading nothing from outside the templates.

Input: a numbered, reference-resolved Document. Output: PDF bytes, byte-identical for identical
input: dates come from ``doc.meta.date`` (``dcterms.created``/``modified``), the file identifier
from a hash of the HTML, and fonts are subset by HarfBuzz, which writes no timestamps. The
PDF's keywords end with the document's number (`pdf_keywords`).

The HTML is made here; WeasyPrint lays it out and writes the PDF in a layout process
(layout.process) under the layout budget (layout.budget): a document that takes longer or
more memory is stopped with an error naming it, and one with a run of letters too long to
break is refused before. The processes (one per CPU at most, started as needed) keep their
fonts between documents, and this process never imports WeasyPrint to print."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from calendar import timegm
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygen.errors import RenderError
from policygen.layout.budget import LayoutBudget, check_layout
from policygen.layout.process import Answer, LayoutPool, LayoutProcess
from policygen.tree import nodes as n
from policygen.writers.fetcher import LocalResources, url_fetcher
from policygen.writers.html import read_css, render_html, style_folder, stylesheet_paths
from policygen.writers.options import WriterOptions

if TYPE_CHECKING:
    from weasyprint.document import Document as WeasyDocument
    from weasyprint.text.fonts import FontConfiguration

_OPTIONS: dict[str, object] = {
    "uncompressed_pdf": False,
    "full_fonts": False,
    "hinting": False,
    "optimize_images": False,
    "presentational_hints": False,
}
"""WeasyPrint options for laying out and for writing; `page_map` and `write_pdf` share them so
that a layout made by one is the layout the other would make."""


def subsetting_path() -> str:
    """Return how WeasyPrint will subset fonts: ``harfbuzz`` or ``fonttools``.

    WeasyPrint 70 uses HarfBuzz-Subset when ``libharfbuzz-subset`` loads and HarfBuzz is 4.1.0
    or later; otherwise it falls back to fontTools, which takes seconds per CJK font and stamps
    the current time into it unless ``SOURCE_DATE_EPOCH`` is set."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


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


# --------------------------------------------------------------------------- this process

_pool: tuple[int, LayoutPool] | None = None
"""The layout processes of this process (a forked child makes its own), by its pid."""

_POOL_LOCK = threading.Lock()

_laid_out: tuple[bytes, LayoutProcess] | None = None
"""The layout process that holds the layout `page_map` made last, by `_layout_key`: the next
`write_pdf` of the same HTML asks it first. Read and written under `_POOL_LOCK`."""


def _layout_pool() -> LayoutPool:
    global _pool
    with _POOL_LOCK:
        if _pool is None or _pool[0] != os.getpid():
            try:
                cpus = len(os.sched_getaffinity(0))
            except AttributeError:  # pragma: no cover - macOS, Windows
                cpus = os.cpu_count() or 1
            engine = ("weasyprint", "policygen.writers.pdf")
            _pool = (os.getpid(), LayoutPool("weasyprint", cpus, engine))
        return _pool[1]


def warm_up(*, wait: bool = True) -> None:
    """Start a layout process now, if none is running (with `wait` false, while the caller goes
    on), so that the first document does not wait for WeasyPrint to load."""
    _layout_pool().warm(LayoutBudget.from_environment().memory_bytes, wait=wait)


def _print(doc: n.Document, options: WriterOptions, want: str) -> tuple[dict[str, Any], bytes]:
    """Return what the layout process answers for `doc`: with `want` ``pdf`` the PDF's bytes,
    with ``pages`` the page map (and the layout kept there for the next `write_pdf`). Raise
    RenderError naming every resource refused, BudgetExceeded beyond the layout budget."""
    global _laid_out
    what = check_layout(doc)
    resources = LocalResources(options.template_dirs)
    html = render_html(doc, options, resources)
    base_url = style_folder(options).as_uri() + "/"
    key = _layout_key(html, base_url)
    with _POOL_LOCK:
        holder = _laid_out[1] if _laid_out is not None and _laid_out[0] == key else None
    args = (
        want,
        html,
        base_url,
        options.template_dirs,
        tuple(stylesheet_paths(doc, options)),
        key,
        list(pdf_keywords(doc.meta)),
        pdf_identifier(html),
        timegm(doc.meta.date.timetuple()),
    )
    with _layout_pool().lend(prefer=holder) as process:
        answer, data = process.run(
            _lay_out,
            args,
            what=what,
            budget=LayoutBudget.from_environment(),
            deadline=options.deadline,
        )
        with _POOL_LOCK:
            _laid_out = (key, process) if want == "pages" and answer.get("kept") else None
    for name, level, message in answer.get("log", ()):
        logging.getLogger(name).log(level, "%s", message)
    refused = [*resources.refused, *answer["refused"]]
    if refused and want == "pages":
        raise RenderError(f"排版 PDF 时拒绝加载资源：{refused[0][:200]} (blocked URL)")
    if refused:
        shown = ", ".join(url if len(url) <= 200 else url[:200] + "…" for url in refused)
        raise RenderError(f"生成 PDF 时拒绝加载资源：{shown} (blocked URL)")
    return answer, data


def write_pdf(doc: n.Document, options: WriterOptions) -> bytes:
    """Return `doc` as an A4 PDF; raise RenderError if a resource outside the templates is
    asked, BudgetExceeded when laying it out breaks the layout budget."""
    return _print(doc, options, "pdf")[1]


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
    pages: dict[str, int] = _print(doc, options, "pages")[0]["pages"]
    return pages


# --------------------------------------------------------------------------- the layout process

_font_config: FontConfiguration | None = None
"""The layout process's FontConfiguration, made on first use. Reusing it saves loading the
fontconfig cache for every document."""

_layout_slot: tuple[bytes, WeasyDocument] | None = None
"""The last layout `page_map` made, by `_layout_key`. `write_pdf` of the same HTML takes it
instead of laying the pages out a second time (a regulation's DOCX table of contents and its
PDF). One slot, emptied by every task, so at most one document's boxes stay in memory."""


def _shared_font_config() -> FontConfiguration:
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


@contextlib.contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Pin fontTools' font timestamps to `epoch` (the document date) while the fallback
    subsetter runs. Only the fontTools path writes timestamps; an epoch the caller set is
    kept. The environment is restored afterwards."""
    if subsetting_path() == "harfbuzz" or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


class _Records(logging.Handler):
    """Keep what WeasyPrint logs during one task, to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.kept: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((record.name, record.levelno, record.getMessage()))


def _lay_out(
    want: str,
    html: str,
    base_url: str,
    template_dirs: tuple[Path, ...],
    stylesheets: tuple[Path, ...],
    key: bytes,
    keywords: list[str],
    identifier: bytes,
    epoch: int,
) -> Answer:
    """Lay out `html` and answer (in the layout process): with `want` ``pdf`` the PDF, with
    ``pages`` the page map, keeping the layout for the next task if it is the PDF of the same
    `key`. The answer's header lists the URLs refused and what WeasyPrint logged. WeasyPrint
    failing on one of the `stylesheets` is a RenderError at its rule (`weasyprint_error`)."""
    global _layout_slot
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    resources = LocalResources(template_dirs)
    records = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(records)
    slot, _layout_slot = _layout_slot, None
    answer: dict[str, Any] = {}
    pdf = b""
    try:
        with _source_date_epoch(epoch):
            if slot is not None and slot[0] == key:
                layout = slot[1]
            else:
                source = HTML(
                    string=html,
                    encoding="utf-8",
                    base_url=base_url,
                    url_fetcher=url_fetcher(resources),
                )
                layout = source.render(font_config=_shared_font_config(), **_OPTIONS)
            if want == "pages":
                pages = {PAGE_COUNT_KEY: len(layout.pages)}
                for number, page in enumerate(layout.pages, start=1):
                    for anchor in page.anchors:
                        pages.setdefault(anchor, number)
                answer["pages"] = pages
                if not resources.refused:  # only a layout that loaded nothing refused is kept
                    _layout_slot = (key, layout)
                    answer["kept"] = True
            else:
                layout.metadata.keywords = keywords
                written = layout.write_pdf(pdf_identifier=identifier, **_OPTIONS)
                if not isinstance(written, bytes):  # pragma: no cover - target=None gives bytes
                    raise RenderError("WeasyPrint 未返回 PDF 数据")
                pdf = written
    except FatalURLFetchingError as error:
        cause = error.__cause__
        if isinstance(cause, RenderError):
            raise cause from None
        stage = "排版" if want == "pages" else "生成"
        raise RenderError(f"{stage} PDF 时无法加载资源：{error}") from error
    except (RenderError, MemoryError):
        raise
    except Exception as error:  # WeasyPrint failing on a stylesheet (an AssertionError…)
        raise weasyprint_error(stylesheets, template_dirs, base_url, error) from error
    finally:
        logger.removeHandler(records)
    answer["refused"] = resources.refused
    answer["log"] = records.kept
    return answer, pdf
