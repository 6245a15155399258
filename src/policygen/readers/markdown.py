"""Turn rendered template Markdown into a policygen document tree (unnumbered).

Input: the Markdown a template produced, in the dialect of templates/README.md. Output: a
Document whose articles, clauses and items carry ids but no labels yet; transforms.numbering
and transforms.references fill those in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.container import container_plugin

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.tree import nodes as n

CONTAINERS = ("signature", "right", "center", "left")
"""Fenced ``::: name`` blocks the dialect knows."""

# Attributes written after a heading, paragraph or item: {#id}, {.unnumbered}, or both. The
# braces must not be backslash-escaped: escaped braces come from profile data and stay text.
_ATTRS = re.compile(r"(?<!\\)\{((?:\s*[#.][A-Za-z][\w-]*)+)\s*\}\s*$")
_CAPTION = re.compile(r"^Table:\s*(.+)$", re.DOTALL)
_TABLE_ATTRS = re.compile(r'^\{\s*(?:#([A-Za-z][\w-]*)\s+)?widths\s*=\s*"([^"]*)"\s*\}$')
"""The attribute line before a table: ``{widths="1 4 1"}``, ``{#id widths="20% 80%"}``."""
_WIDTH = re.compile(r"^(\d+(?:\.\d+)?)%?$")
_ID = re.compile(r"^[A-Za-z][\w-]*$")

MAX_LINES = 50_000
"""Most lines of Markdown one document may have. The bank's regulation has about 700 and a
1,000-metric SLA about 1,100; markdown-it needs about 6 KB of memory per table row, so a
template printing a 1,000,000-row table is refused here rather than taking gigabytes."""

MAX_CHARS = 10_000_000
"""Most characters of Markdown one document may have."""


_CACHE_SIZE = 8192
"""Most inline contents whose reading is remembered. A batch reads many documents whose
paragraphs are mostly identical (a contract template has about 300), so reading each distinct
paragraph once pays; the cache is per process and a hit returns what a miss would compute."""

_CACHE_MAX_CHARS = 4096
"""Longer inline contents are read afresh every time, so the cache stays small in memory."""


def _configured() -> MarkdownIt:
    # Raw HTML off: a template or a value can never smuggle markup into any output format.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")
    for name in CONTAINERS:
        md.use(container_plugin, name)
    return md


@CACHES.memo
def _parser() -> MarkdownIt:
    """The dialect's parser; here it parses inline content only (see _inline_tree)."""
    return _configured()


@CACHES.memo
def _block_parser() -> MarkdownIt:
    """The dialect's parser without the inline pass: it leaves every inline token's content
    unparsed, and the reader parses each distinct content once (see _inline_tree)."""
    md = _configured()
    # `text_join` only joins the children the inline pass would have made. `html_block` only
    # ever answers "no" with raw HTML off, so turning it off changes no token, only time.
    md.disable(["inline", "text_join", "html_block"])
    return md


class _DialectError(Exception):
    """Inline content outside the dialect; read_markdown adds the source to the message."""


@dataclass(frozen=True)
class _Attrs:
    id: str | None = None
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _TableAttrs:
    """What the attribute line before a table states."""

    id: str | None = None
    widths: tuple[float, ...] = ()


@dataclass
class _Open:
    """A chapter or article being filled while the reader walks the blocks."""

    title: tuple[n.Inline, ...]
    id: str | None
    blocks: list[n.Block] = field(default_factory=list)


def read_markdown(text: str, *, source: str = "<template>") -> tuple[n.Block, ...]:
    """Return the blocks of `text`; raise RenderError naming `source` for anything outside the
    dialect (images, links other than ``#id``, bad attributes), or for a document longer than
    MAX_LINES lines or MAX_CHARS characters."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES or len(text) > MAX_CHARS:
        raise RenderError(
            f"{source}: 文档过长（{lines} 行，{len(text)} 个字符），上限为 {MAX_LINES} 行、"
            f"{MAX_CHARS} 个字符 (document too long: at most {MAX_LINES} lines)"
        )
    env: dict[str, Any] = {}
    tokens = _block_parser().parse(text, env)
    try:
        return _Reader(source, env).read(_nest(tokens, env))
    except _DialectError as error:
        raise RenderError(f"{source}: {error}") from None


class _Node:
    """A block of markdown-it's token stream and its children: what SyntaxTreeNode gives, built
    here in one pass over the block tokens. An inline token's children are parsed only when
    asked for; the reader mostly reads its `content` through the caches below instead."""

    __slots__ = ("_children", "attrs", "content", "env", "tag", "type")

    def __init__(self, token: Token, env: dict[str, Any]) -> None:
        self.type = token.type.removesuffix("_open") if token.nesting == 1 else token.type
        self.tag = token.tag
        self.attrs = token.attrs
        self.content = token.content
        self.env = env
        self._children: list[Any] | None = None if token.type == "inline" else []

    @property
    def children(self) -> list[Any]:
        if self._children is None:
            self._children = _inline_tree(self.content, self.env).children
        return self._children


def _nest(tokens: list[Token], env: dict[str, Any]) -> list[_Node]:
    """Return the top-level blocks of `tokens` with their children nested in them."""
    top: list[_Node] = []
    open_: list[list[Any]] = [top]
    for token in tokens:
        if token.nesting == -1:
            open_.pop()
            continue
        node = _Node(token, env)
        open_[-1].append(node)
        if token.nesting == 1:
            open_.append(node.children)
    return top


class _Reader:
    def __init__(self, source: str, env: dict[str, Any]) -> None:
        self.source = source
        # Inline content reads the same wherever it stands unless the document defines link
        # references, which only markdown-it's `env` knows of; only then is the cache bypassed.
        self.cached = not env
        self.env = env
        self.top: list[n.Block] = []
        self.chapter: _Open | None = None
        self.article: _Open | None = None

    # ----------------------------------------------------------------- structure

    def read(self, children: list[_Node]) -> tuple[n.Block, ...]:
        pending_caption: str | None = None
        pending_attrs: _TableAttrs | None = None
        for node in children:
            if node.type == "heading":
                pending_caption = pending_attrs = None
                self._heading(node)
                continue
            if node.type == "paragraph":
                caption = self._caption(node)
                if caption is not None and pending_caption is None:
                    pending_caption = caption
                    continue
                attrs = self._table_attrs(node)
                if attrs is not None and pending_attrs is None:
                    pending_attrs = attrs
                    continue
            if (pending_caption is not None or pending_attrs is not None) and node.type != "table":
                raise self._error(
                    "「Table: 」标题和 {widths=…} 之后必须紧跟表格 "
                    "(a caption or a widths line must precede a table)"
                )
            caption = pending_caption or ""
            for block in self._blocks(node, depth=1, caption=caption, attrs=pending_attrs):
                self._add(block)
            pending_caption = pending_attrs = None
        self._close_article()
        self._close_chapter()
        return tuple(self.top)

    def _heading(self, node: _Node) -> None:
        level = int(node.tag[1])
        inlines, attrs = self._inline_with_attrs(node.children[0])
        if "unnumbered" in attrs.classes:
            self._close_article()
            if level == 1:
                self._close_chapter()
            self._add(n.Heading(inlines, level=min(level, 3), id=attrs.id))
        elif level == 1:
            self._close_article()
            self._close_chapter()
            if not inlines:
                raise self._error("章必须有标题 (a chapter needs a title)")
            self.chapter = _Open(inlines, attrs.id)
        elif level == 2:
            self._close_article()
            self.article = _Open(inlines, attrs.id)
        else:
            self._add(n.Heading(inlines, level=3, id=attrs.id))

    def _add(self, block: n.Block) -> None:
        if self.article is not None:
            self.article.blocks.append(block)
        elif self.chapter is not None:
            self.chapter.blocks.append(block)
        else:
            self.top.append(block)

    def _close_article(self) -> None:
        if self.article is None:
            return
        article = n.Article(
            blocks=tuple(self.article.blocks), title=self.article.title, id=self.article.id
        )
        self.article = None
        self._add(article)

    def _close_chapter(self) -> None:
        if self.chapter is None:
            return
        chapter = n.Chapter(
            title=self.chapter.title, blocks=tuple(self.chapter.blocks), id=self.chapter.id
        )
        self.chapter = None
        self.top.append(chapter)

    # ----------------------------------------------------------------- blocks

    def _blocks(
        self, node: _Node, *, depth: int, caption: str = "", attrs: _TableAttrs | None = None
    ) -> list[n.Block]:
        """Return the blocks one Markdown block becomes (several for an aligned container)."""
        if node.type in ("container_right", "container_center", "container_left"):
            align = node.type.removeprefix("container_")
            paragraphs: list[n.Block] = []
            for child in node.children:
                if child.type != "paragraph":
                    raise self._error(f"::: {align} 内只能是段落 (only paragraphs inside)")
                inlines, inline_attrs = self._inline_with_attrs(child.children[0])
                paragraphs.append(n.Paragraph(inlines, id=inline_attrs.id, align=align))
            return paragraphs
        return [self._block(node, depth=depth, caption=caption, attrs=attrs)]

    def _block(
        self, node: _Node, *, depth: int, caption: str = "", attrs: _TableAttrs | None = None
    ) -> n.Block:
        kind = node.type
        if kind == "paragraph":
            inlines, inline_attrs = self._inline_with_attrs(node.children[0])
            return n.Paragraph(inlines, id=inline_attrs.id)
        if kind == "ordered_list":
            return n.OrderedList(tuple(self._item(i, depth) for i in node.children), depth=depth)
        if kind == "bullet_list":
            return n.BulletList(tuple(self._item(i, depth) for i in node.children))
        if kind == "table":
            return self._table(node, caption, attrs or _TableAttrs())
        if kind == "hr":
            return n.PageBreak()
        if kind == "container_signature":
            return self._signature(node)
        if kind in ("code_block", "fence"):
            raise self._error(
                "模板中不能使用代码块（行首缩进四个空格也会变成代码块） (no code blocks)"
            )
        if kind == "blockquote":
            raise self._error("模板中不能使用引用块「>」 (no block quotes)")
        if kind == "heading":
            raise self._error("列表或容器内不能使用标题 (no headings inside lists or containers)")
        raise self._error(f"不支持的 Markdown 结构 {kind} (unsupported block)")

    def _item(self, node: _Node, depth: int) -> n.ListItem:
        blocks: list[n.Block] = []
        item_id = None
        for index, child in enumerate(node.children):
            if child.type == "paragraph":
                inlines, attrs = self._inline_with_attrs(child.children[0])
                if index == 0:
                    item_id = attrs.id
                    blocks.append(n.Paragraph(inlines))
                else:
                    blocks.append(n.Paragraph(inlines, id=attrs.id))
            else:
                blocks.extend(self._blocks(child, depth=depth + 1))
        return n.ListItem(tuple(blocks), id=item_id)

    def _table(self, node: _Node, caption: str, attrs: _TableAttrs) -> n.Table:
        header: list[tuple[n.Cell, ...]] = []
        rows: list[tuple[n.Cell, ...]] = []
        for section in node.children:
            target = header if section.type == "thead" else rows
            for row in section.children:
                target.append(tuple(self._cell(cell) for cell in row.children))
        columns = max((len(row) for row in (*header, *rows)), default=0)
        if attrs.widths and len(attrs.widths) != columns:
            raise self._error(
                f"{{widths=…}} 给出 {len(attrs.widths)} 个列宽，表格有 {columns} 列 "
                f"(one width per column: {len(attrs.widths)} for {columns})"
            )
        return n.Table(
            header=tuple(header), rows=tuple(rows), id=attrs.id, caption=caption,
            widths=attrs.widths,
        )  # fmt: skip

    def _table_attrs(self, node: _Node) -> _TableAttrs | None:
        """Return the table attributes the paragraph `node` states (``{widths="1 4 1"}``), None
        when it is not an attribute line; raise RenderError for widths that are not positive
        numbers."""
        match = _TABLE_ATTRS.match(node.children[0].content.strip())
        if match is None:
            return None
        widths = []
        for value in match.group(2).replace(",", " ").split():
            number = _WIDTH.match(value)
            if number is None or float(number.group(1)) <= 0:
                raise self._error(
                    f'列宽「{value}」应为正数或百分数，如 {{widths="1 4 1"}} '
                    "(widths are positive numbers or percentages)"
                )
            widths.append(float(number.group(1)))
        if not widths:
            raise self._error('{widths=""} 未给出列宽 (no widths given)')
        return _TableAttrs(match.group(1), tuple(widths))

    def _cell(self, node: _Node) -> n.Cell:
        style = str(node.attrs.get("style", ""))
        align = style.removeprefix("text-align:") or None
        inlines = self._inlines_of(node.children[0]) if node.children else ()
        return n.Cell(inlines, align=align)

    def _signature(self, node: _Node) -> n.SignatureBlock:
        note: tuple[n.Inline, ...] = ()
        children = list(node.children)
        if len(children) == 2 and children[0].type == "paragraph":
            note = self._inlines_of(children.pop(0).children[0])
        if len(children) != 1 or children[0].type != "bullet_list":
            raise self._error(
                "::: signature 内应为一个无序列表（之前可有一段签署页说明）：每项「角色：名称」，"
                "其下列出签署栏 (expected one bullet list of parties, after an optional note)"
            )
        parties = []
        for item in children[0].children:
            head = _plain(_inlines(item.children[0].children[0].children))
            role, sep, name = head.partition("：")
            if not sep:  # an English template's party: ``Party A: name``
                role, sep, name = head.partition(": ")
            if not sep:
                raise self._error(f"签署方「{head}」应写作「角色：名称」 (write role：name)")
            lines: list[str] = []
            for child in item.children[1:]:
                for line in child.children:
                    lines.append(_plain(_inlines(line.children[0].children[0].children)))
            parties.append(n.SignatureParty(role.strip(), name.strip(), tuple(lines)))
        return n.SignatureBlock(tuple(parties), note)

    def _caption(self, node: _Node) -> str | None:
        inline = node.children[0]
        match = _CAPTION.match(inline.content)
        if not match:
            return None
        return _plain(self._inlines_of(inline)).removeprefix("Table:").strip()

    # ----------------------------------------------------------------- inlines

    def _inline_with_attrs(self, inline: _Node) -> tuple[tuple[n.Inline, ...], _Attrs]:
        """Return what the inline token `inline` reads as, and the attributes written after it."""
        if self.cached and len(inline.content) <= _CACHE_MAX_CHARS:
            return _cached_with_attrs(inline.content)
        return _with_attrs(_inline_tree(inline.content, self.env))

    def _inlines_of(self, inline: _Node) -> tuple[n.Inline, ...]:
        """Return what the inline token `inline` reads as."""
        if self.cached and len(inline.content) <= _CACHE_MAX_CHARS:
            return _cached_inlines(inline.content)
        return _inlines(inline.children)

    def _error(self, message: str) -> RenderError:
        return RenderError(f"{self.source}: {message}")


def _inline_tree(content: str, env: dict[str, Any]) -> SyntaxTreeNode:
    """Return the inline token of `content` with its children, as markdown-it's inline pass
    parses it inside a document whose `env` (link references) is `env`."""
    return SyntaxTreeNode(_parser().parseInline(content, env)).children[0]


@CACHES.memo(maxsize=_CACHE_SIZE)
def _cached_with_attrs(content: str) -> tuple[tuple[n.Inline, ...], _Attrs]:
    return _with_attrs(_inline_tree(content, {}))


@CACHES.memo(maxsize=_CACHE_SIZE)
def _cached_inlines(content: str) -> tuple[n.Inline, ...]:
    return _inlines(_inline_tree(content, {}).children)


def _with_attrs(inline: SyntaxTreeNode) -> tuple[tuple[n.Inline, ...], _Attrs]:
    children = list(inline.children)
    match = _ATTRS.search(inline.content)
    if match and children and children[-1].type == "text":
        attrs = _attrs(match.group(1))
        last = children[-1].content
        cut = last.rfind("{")
        trimmed = last[:cut].rstrip()
        inlines = _inlines(children[:-1])
        if trimmed:
            inlines = (*inlines, *_merge_text([n.Text(trimmed)]))
        return _merge(inlines), attrs
    return _inlines(children), _Attrs()


def _attrs(raw: str) -> _Attrs:
    element_id: str | None = None
    classes: list[str] = []
    for token in raw.split():
        if token.startswith("#"):
            if element_id is not None:
                raise _DialectError(f"一个元素只能有一个 id：{raw} (one id per element)")
            element_id = token[1:]
        else:
            classes.append(token[1:])
    return _Attrs(element_id, tuple(classes))


def _inlines(children: list[SyntaxTreeNode]) -> tuple[n.Inline, ...]:
    out: list[n.Inline] = []
    for child in children:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            out.append(n.Text(child.content))
        elif kind == "softbreak":
            # Chinese text is not separated by spaces: a line break in the template source
            # joins the lines directly.
            continue
        elif kind == "hardbreak":
            out.append(n.LineBreak())
        elif kind == "strong":
            out.append(n.Strong(_inlines(child.children)))
        elif kind == "em":
            out.append(n.Emphasis(_inlines(child.children)))
        elif kind == "link":
            out.append(_ref(child))
        else:
            raise _DialectError(f"不支持的行内 Markdown 结构 {kind} (unsupported inline)")
    return _merge(tuple(out))


def _ref(node: SyntaxTreeNode) -> n.Ref:
    href = str(node.attrs.get("href", ""))
    if not href.startswith("#") or not _ID.match(href[1:]):
        raise _DialectError(
            f"链接只能用于交叉引用 [](#id)，不能指向「{href}」 (links may only refer to #id)"
        )
    if node.children:
        raise _DialectError(f"交叉引用 [](#{href[1:]}) 的方括号内应为空 (leave the text empty)")
    return n.Ref(target=href[1:])


def _merge(inlines: tuple[n.Inline, ...]) -> tuple[n.Inline, ...]:
    return tuple(_merge_text(list(inlines)))


def _merge_text(inlines: list[n.Inline]) -> list[n.Inline]:
    """Join adjacent Text runs so equal content always yields an equal tree."""
    out: list[n.Inline] = []
    for inline in inlines:
        if isinstance(inline, n.Text) and out and isinstance(out[-1], n.Text):
            out[-1] = n.Text(out[-1].text + inline.text)
        elif not (isinstance(inline, n.Text) and not inline.text):
            out.append(inline)
    return out


def _plain(inlines: tuple[n.Inline, ...]) -> str:
    from policygen.tree.text import inline_text

    return inline_text(inlines)
