"""The stylesheets of a document's HTML page: which files (the structure, a user's), read
through the local-only fetcher, and made standalone for a page opened on its own.

A page written as HTML output loads nothing when opened (`standalone_css`): a stylesheet's
``@import`` is refused, and every ``url()`` is resolved and fetched exactly as the PDF writer
would, through the same `LocalResources`; what that allows (a file inside the template folders,
a small ``data:`` URL) is inlined as a ``data:`` URL, anything else is a RenderError naming the
stylesheet and the URL. The page the PDF writer prints keeps the CSS as written: WeasyPrint
loads its URLs through the same guard."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import tinycss2
from tinycss2 import ast

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.tree import nodes as n
from policygen.writers.fetcher import LocalResources
from policygen.writers.options import WriterOptions

if TYPE_CHECKING:
    from lxml import etree

BASE_STYLESHEET = "styles/base.css"
"""The structure every document's page gets (what breaks where, how tables are ruled); its
template folder is the PDF's base URL. The house style's values follow it, made from the
style file (style.css)."""

OPTIONAL_STYLESHEETS = ("styles/{kind}.css", "styles/{style}.css")
"""A user's stylesheets, applied after the house style when a template folder has them (for
the HTML and WeasyPrint PDF only; the bundled folder has none)."""

_SAFE_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def stylesheet_paths(
    doc: n.Document, options: WriterOptions, style: str | None = None
) -> list[Path]:
    """Return the stylesheet files for `doc`: the base sheet, then a user's for its kind and
    for its house style `style` (None: ``doc.style``)."""
    names = {"kind": doc.kind, "style": style or doc.style}
    if not all(_SAFE_NAME.fullmatch(value) for value in names.values()):
        raise RenderError(f"文档类型或样式名无效：{doc.kind!r} / {names['style']!r}")
    paths = [options.find(BASE_STYLESHEET)]
    for pattern in OPTIONAL_STYLESHEETS:
        relative = pattern.format(**names)
        if relative == "styles/default.css":
            continue
        try:
            path = options.find(relative)
        except RenderError:
            continue
        if path not in paths:
            paths.append(path)
    return paths


def style_folder(options: WriterOptions) -> Path:
    """Return the template folder holding the base stylesheet, as an absolute path."""
    return Path(os.path.abspath(options.find(BASE_STYLESHEET))).parent.parent


def read_css(path: Path, resources: LocalResources) -> str:
    url = Path(os.path.abspath(path)).as_uri()
    resource = resources.fetch(url)
    try:
        return resource.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RenderError(f"样式文件不是 UTF-8 编码：{path.name}") from error


def inert(css: str) -> str:
    """Return `css` safe inside ``<style>``, where only "</" can end the element early; "\\/"
    is the same character in CSS."""
    return css.replace("</", "<\\/")


_URL_FUNCTIONS = frozenset({"url", "src"})
"""Functions whose string argument is a URL: ``url("a.png")`` and CSS Values 4 ``src()``."""
_IMAGE_FUNCTIONS = frozenset(
    {"image", "image-set", "-webkit-image-set", "cross-fade", "-webkit-cross-fade"}
)
"""Functions whose bare string arguments are image URLs: ``image-set("a.png" 1x)``."""
_SHOWN_CHARS = 200
"""Longest URL quoted in full in an error message."""


@CACHES.memo
def _svg_parser() -> etree.XMLParser:
    """Return the parser that reads an SVG image without expanding entities or loading anything
    it names. lxml is imported here, not with the module: the Typst writer imports this module
    for its CSS helpers, and lxml's import is not needed before its first DOCX."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def standalone_css(css: str, name: str, base_url: str, resources: LocalResources) -> str:
    """Return the stylesheet `css` with nothing left for a browser to fetch.

    `name` (e.g. ``styles/base.css``) is how errors name the stylesheet; relative URLs resolve
    against `base_url`, as they do in the page the PDF writer prints. A URL `resources` allows
    is inlined as a ``data:`` URL (a ``data:`` URL stays as written); ``url(#id)`` and an empty
    ``url()`` load nothing and stay. Raise RenderError naming `name` and the URL for an
    ``@import`` or any URL `resources` refuses. SVG images are inlined as they are: a browser
    draws an image-context SVG without loading anything it references. `css` comes back
    unchanged, byte for byte, when it has no URL to inline."""
    inliner = _CssInliner(name, base_url, resources)
    nodes = inliner.nodes(tinycss2.parse_stylesheet(css))
    return tinycss2.serialize(nodes) if inliner.changed else css


class _CssInliner:
    """Walk a parsed stylesheet, refusing imports and replacing URLs by ``data:`` URLs."""

    def __init__(self, name: str, base_url: str, resources: LocalResources) -> None:
        self.name = name
        self.base_url = base_url
        self.resources = resources
        self.changed = False
        """Whether any URL was replaced, so the stylesheet must be serialised again."""

    def nodes(self, nodes: Iterable[ast.Node]) -> list[ast.Node]:
        """Return `nodes` with every URL in them and below them inlined."""
        return [self.node(node) for node in nodes]

    def node(self, node: ast.Node) -> ast.Node:
        """Return `node` with every URL in it inlined; raise RenderError for an import."""
        match node:
            case ast.AtRule(lower_at_keyword="import") | ast.AtKeywordToken(lower_value="import"):
                raise self.refuse_import(node)
            case ast.AtRule(lower_at_keyword="namespace"):
                pass  # a namespace name is a URL that nothing fetches
            case ast.AtRule() | ast.QualifiedRule():
                node.prelude = self.nodes(node.prelude)
                if node.content is not None:
                    node.content = self.nodes(node.content)
            case ast.URLToken(value=url):
                return self.url(node, url)
            case ast.FunctionBlock(lower_name=function) if function in _URL_FUNCTIONS:
                strings = [arg for arg in node.arguments if isinstance(arg, ast.StringToken)]
                if strings:
                    return self.url(node, strings[0].value)
                node.arguments = self.nodes(node.arguments)
            case ast.FunctionBlock(lower_name=function) if function in _IMAGE_FUNCTIONS:
                node.arguments = [
                    self.url(arg, arg.value) if isinstance(arg, ast.StringToken) else self.node(arg)
                    for arg in node.arguments
                ]
            case ast.FunctionBlock():
                node.arguments = self.nodes(node.arguments)
            case ast.ParenthesesBlock() | ast.SquareBracketsBlock() | ast.CurlyBracketsBlock():
                node.content = self.nodes(node.content)
        return node

    def url(self, node: ast.Node, url: str) -> ast.Node:
        """Return a ``url()`` token carrying `url`'s bytes, to stand where `node` stood."""
        inline = self.inline(url)
        if inline is None:
            return node
        self.changed = True
        return ast.URLToken(node.source_line, node.source_column, inline, f'url("{inline}")')

    def inline(self, url: str) -> str | None:
        """Return the ``data:`` URL carrying `url`'s bytes; None when `url` stays as written
        (empty, a fragment, a ``data:`` URL). Raise RenderError for a URL the resources
        refuse."""
        if not url.strip() or url.startswith("#"):
            return None
        target = urljoin(self.base_url, url)
        try:
            resource = self.resources.fetch(target)
        except RenderError as error:
            raise RenderError(
                f"样式文件 {self.name} 引用了不能在 HTML 中使用的资源：{error} "
                f"(stylesheet {self.name} refers to a URL the HTML may not load)"
            ) from None
        if resource.content_type == "image/svg+xml":
            self.check_svg(resource.data, url)
        if target[:5].lower() == "data:":
            return None
        encoded = base64.b64encode(resource.data).decode("ascii")
        return f"data:{resource.content_type};base64,{encoded}"

    def check_svg(self, data: bytes, url: str) -> None:
        """Raise RenderError unless the SVG image `data` (from `url`) refers only to its own
        fragments (``href="#g"``, ``fill="url(#g)"``); a browser would not load the rest, but the
        PDF writer would try, so both refuse it."""
        shown = url if len(url) <= _SHOWN_CHARS else url[:_SHOWN_CHARS] + "…"
        nothing = _CssInliner(
            f"{self.name} → {shown}", "about:blank", LocalResources((), max_data_chars=0)
        )
        from lxml import etree

        try:
            root = etree.fromstring(data, _svg_parser())
        except etree.XMLSyntaxError as error:
            raise RenderError(
                f"样式文件 {self.name} 引用的 SVG 图像无效：{shown}（{error}）"
                f"(stylesheet {self.name}: invalid SVG image)"
            ) from None
        for element in root.iter():
            for key, value in element.attrib.items():
                if key.rpartition("}")[2].lower() in ("href", "src"):
                    nothing.inline(value)
                elif "(" in value:
                    nothing.nodes(tinycss2.parse_component_value_list(value))
            if str(element.tag).rpartition("}")[2] == "style" and element.text:
                nothing.nodes(tinycss2.parse_stylesheet(element.text))
        for sibling in root.itersiblings(preceding=True):
            if isinstance(sibling, etree._ProcessingInstruction):
                nothing.inline(sibling.text or "?")  # <?xml-stylesheet href=…?>

    def refuse_import(self, node: ast.Node) -> RenderError:
        """Return the error for an ``@import`` rule (or keyword, nested where it is invalid)."""
        shown = tinycss2.serialize(node.prelude).strip() if isinstance(node, ast.AtRule) else ""
        if len(shown) > _SHOWN_CHARS:
            shown = shown[:_SHOWN_CHARS] + "…"
        return RenderError(
            f"样式文件 {self.name} 含 @import {shown}：HTML 输出不加载其他样式表，"
            f"请把规则直接写进样式文件 (stylesheet {self.name}: @import {shown} is not allowed "
            "in HTML output)"
        )
