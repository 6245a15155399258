"""Lay out a page of HTML with WeasyPrint and print it, in a layout process.

Input: the HTML writer's page, its base URL, the template folders it may read from and the
stylesheets it links. Output: the PDF, the page each id starts on, or both from one layout.
layout.weasyprint_engine makes the HTML and sends the work here.

This module runs in a layout process (layout.process) and imports only WeasyPrint and the
fetcher: it leaves the profile models, the style files and the HTML writer to the process that
sends the work. The FontConfiguration is made once and kept (in the process's `kept`) for
every document."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygen.errors import RenderError
from policygen.writers.fetcher import LocalResources, url_fetcher

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

    from policygen.layout.process import Answer

OPTIONS: dict[str, object] = {
    "uncompressed_pdf": False,
    "full_fonts": False,
    "hinting": False,
    "optimize_images": False,
    "presentational_hints": False,
}
"""WeasyPrint options for laying out and for writing: a page map and a PDF share them, so that
a layout made for one is the layout the other would make."""


XMP_DC = "http://purl.org/dc/elements/1.1/"
"""The Dublin Core namespace (dc:language) of XMP metadata."""


def pdf_options(variant: str | None) -> dict[str, object]:
    """Return WeasyPrint's options for laying out and writing a PDF of `variant` (a
    ``pdf_variant``, e.g. ``pdf/a-2b``; None: a plain PDF, OPTIONS). A variant's PDF is
    tagged, and is laid out with the variant too: WeasyPrint takes the output intent (sRGB)
    the variant needs when it lays the pages out."""
    if variant is None:
        return OPTIONS
    return {**OPTIONS, "pdf_variant": variant, "pdf_tags": True}


def add_language(lang: str) -> Callable[[Any, Any], None]:
    """Return a ``write_pdf`` finisher stating the document's language `lang` in the XMP
    metadata WeasyPrint wrote (dc:language, in its one rdf:RDF element): WeasyPrint puts the
    language in the catalogue (/Lang) only. A PDF without XMP metadata is left as it is."""
    from xml.sax.saxutils import escape

    description = (
        f'<rdf:Description rdf:about="" xmlns:dc="{XMP_DC}"><dc:language><rdf:Bag>'
        f"<rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language></rdf:Description></rdf:RDF>"
    ).encode()

    def finish(_document: Any, pdf: Any) -> None:
        reference = pdf.catalog.get("Metadata")
        if reference is None:
            return
        metadata = pdf.objects[int(reference.split()[0])]
        metadata.stream[0] = metadata.stream[0].replace(b"</rdf:RDF>", description, 1)

    return finish


PAGE_COUNT_KEY = ""
"""The key of the page map a task answers that holds the number of pages (no HTML id can be
empty)."""


def subsetting_path() -> str:
    """Return how WeasyPrint will subset fonts: ``harfbuzz`` or ``fonttools``.

    WeasyPrint 70 uses HarfBuzz-Subset when ``libharfbuzz-subset`` loads and HarfBuzz is 4.1.0
    or later; otherwise it falls back to fontTools, which takes seconds per CJK font and stamps
    the current time into it unless ``SOURCE_DATE_EPOCH`` is set."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


def _shared_font_config(kept: dict[str, Any]) -> FontConfiguration:
    """Return the layout process's FontConfiguration, made on first use: reusing it saves
    loading the fontconfig cache for every document."""
    config: FontConfiguration | None = kept.get("font_config")
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = kept["font_config"] = FontConfiguration()
    return config


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


# Long by design: one layout in a child process, start to answer, under one time and memory
# budget whose checks sit between its steps.
def lay_out(
    kept: dict[str, Any],
    want: str,
    html: str,
    base_url: str,
    template_dirs: tuple[Path, ...],
    stylesheets: tuple[Path, ...],
    keywords: list[str],
    identifier: bytes,
    epoch: int,
    variant: str | None = None,
) -> Answer:
    """Lay out `html` once and answer (in the layout process): with `want` ``pdf`` the PDF
    (of `variant`, see `pdf_options`), with ``pages`` the page map, with ``both`` both. The
    answer's header lists the URLs refused and what WeasyPrint logged. WeasyPrint failing on
    one of the `stylesheets` is a RenderError at its rule (`weasyprint_error`)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    resources = LocalResources(template_dirs)
    records = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(records)
    answer: dict[str, Any] = {}
    pdf = b""
    options = pdf_options(variant)
    try:
        with _source_date_epoch(epoch):
            source = HTML(
                string=html,
                encoding="utf-8",
                base_url=base_url,
                url_fetcher=url_fetcher(resources),
            )
            layout = source.render(font_config=_shared_font_config(kept), **options)
            if want in ("pages", "both"):
                pages = {PAGE_COUNT_KEY: len(layout.pages)}
                for number, page in enumerate(layout.pages, start=1):
                    for anchor in page.anchors:
                        pages.setdefault(anchor, number)
                answer["pages"] = pages
            if want in ("pdf", "both"):
                layout.metadata.keywords = keywords
                lang = layout.metadata.lang
                written = layout.write_pdf(
                    pdf_identifier=identifier,
                    finisher=add_language(lang) if variant is not None and lang else None,
                    **options,
                )
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
    from policygen.writers.stylesheets import read_css

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
