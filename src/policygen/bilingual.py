"""Align a document's Chinese and English trees clause by clause into one 中英文对照 tree.

Input: the numbered, reference-resolved Chinese blocks of a document and the English blocks of
the same document rendered from ``templates/en/`` (numbered by the same scheme). Output: the
English blocks labelled and referred to in English (``--lang en``), or one tree in which every
clause is followed by its English text (``--lang zh+en``). A clause present in one language and
missing in the other is a RenderError naming the clause and the template, so the two sides can
never drift.

**Layout: Chinese, then English, clause by clause.** Chinese legal practice knows two layouts
for a 中英文对照 contract: two columns (a table, Chinese left, English right) and alternating
blocks (each article, clause and item in Chinese, then the same in English). policygen prints
the second, for the people who edit the contract afterwards: in Word and WPS a two-column
table edits badly (a clause inserted on one side leaves the rows out of step, rows split
across pages unevenly, list numbering does not run inside table cells, and track changes in a
table are hard to review), while alternating blocks keep the Chinese clauses in Word's native
numbering — a clause inserted by hand renumbers itself — and each English paragraph sits under
the clause it translates, unnumbered in Word's list (its number is typed text, so it never
disturbs the Chinese numbering). It is also how the PRC-law bilingual contracts of
foreign-invested enterprises and the bilingual regulations of the regulators' own English
versions read: the clause, then its translation, with one number.

**Clause keys.** Blocks are matched by their ``{#id}``; a block without one (an article's only
paragraph, an item of a list) is matched by its place under the nearest id, e.g.
``contract-definitions/p1`` (the first unlabelled paragraph of that article) or
``contract-termination-by-client/list1.3`` (its first list's third item). Numbers are computed
once, on the Chinese tree; the English side takes each number from the Chinese block of the same
key. Headings, table cells, captions and signature lines carry both texts in one node,
Chinese first."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from policygen.errors import RenderError
from policygen.numerals import CN_NUMERAL_CHARS, cn_value
from policygen.tree import nodes as n
from policygen.tree.text import inline_text

LANGUAGES = ("zh", "en", "zh+en")
"""The values of ``--lang``: Chinese, English, or both clause by clause."""

ENGLISH = "en"
"""The language tag of an English paragraph in a bilingual tree (Paragraph.lang)."""


def english_folders(template_dirs: Sequence[Path] = ()) -> tuple[Path, ...]:
    """Return the folders holding English templates: ``en/`` inside each of a user's
    `template_dirs` that has one, then the bundled ``templates/en/``."""
    from policygen.templating.environment import BUNDLED_TEMPLATES

    own = tuple(Path(d) / ENGLISH for d in template_dirs if (Path(d) / ENGLISH).is_dir())
    return (*own, BUNDLED_TEMPLATES.parent / ENGLISH)


def english_kinds(template_dirs: Sequence[Path] = ()) -> tuple[str, ...]:
    """Return the kinds that can be rendered in English: those whose template is in one of
    the English folders (`english_folders` of `template_dirs`), in the order of
    kinds.DOCUMENT_KINDS. A full set rendered with ``--lang en`` or ``zh+en`` renders the
    others in Chinese alone; asking for one of them by name is an error."""
    from policygen.kinds import DOCUMENT_KINDS

    return tuple(
        name for name, kind in DOCUMENT_KINDS.items() if _has_english(kind.template, template_dirs)
    )


def _has_english(template: str, template_dirs: Sequence[Path]) -> bool:
    """Return whether the kind of `template` has one in an English folder (`english_folders`
    of `template_dirs`)."""
    return any((folder / template).is_file() for folder in english_folders(template_dirs))


def check_lang(lang: str) -> str:
    """Return `lang` when it is one of LANGUAGES; raise UsageError otherwise."""
    from policygen.errors import UsageError

    if lang not in LANGUAGES:
        raise UsageError(f"未知的语言 {lang}；可选：{', '.join(LANGUAGES)} (unknown language)")
    return lang


def kind_lang(kind: str, lang: str, *, named: bool, template_dirs: Sequence[Path] = ()) -> str:
    """Return the languages a document of `kind` is rendered in when `lang` is asked for: `lang`
    for a kind with an English template (`english_kinds` of `template_dirs`), else Chinese
    (``zh``) in a full set; raise UsageError for a kind without one asked for by name
    (`named`) in another language."""
    from policygen.errors import UsageError
    from policygen.kinds import DOCUMENT_KINDS

    if check_lang(lang) == "zh":
        return lang
    if _has_english(DOCUMENT_KINDS[kind].template, template_dirs):
        return lang
    if named:
        raise UsageError(
            f"{kind} 暂无英文模板，只能以 --lang zh 生成 "
            f"(no English templates yet; in English: {', '.join(english_kinds(template_dirs))})"
        )
    return "zh"


UNTRANSLATED_SHOWN = 10
"""How many untranslated texts a note names before it counts the rest."""


def untranslated_note(texts: tuple[str, ...] | list[str]) -> str:
    """Return the note that the profile's `texts` have no English in ``meta.translations``
    and print in Chinese in the English text: the first UNTRANSLATED_SHOWN of them, then how
    many more."""
    shown = "、".join(f"「{text}」" for text in texts[:UNTRANSLATED_SHOWN])
    more = len(texts) - UNTRANSLATED_SHOWN
    rest = f" … 及另外 {more} 段 (… and {more} more)" if more > 0 else ""
    return (
        f"{len(texts)} 段配置文字没有英文译文，英文文本中照印中文；可在 meta.translations "
        f"中给出英文：{shown}{rest} (no English in meta.translations)"
    )


UNTRANSLATED_HEADER = "X-Policygen-Untranslated"
"""The response header in which the service says how many of the profile's texts the English
documents of a response print in Chinese (0: none); the editor lists them in its check panel."""

UNTRANSLATED_FILE = "untranslated.json"
"""The entry of a set's zip listing those texts by document (file stem), when there are any."""


def distinct_texts(untranslated: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Return the texts `untranslated` (texts by document) names, each once, in order."""
    return tuple(dict.fromkeys(text for texts in untranslated.values() for text in texts))


def untranslated_json(untranslated: Mapping[str, Sequence[str]]) -> bytes:
    """Return `untranslated` (texts by document) as the UNTRANSLATED_FILE of a set's zip."""
    import json

    listed = {name: list(texts) for name, texts in untranslated.items()}
    return (json.dumps(listed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- English numbers

_NUMERAL = f"[{CN_NUMERAL_CHARS}]+"
"""A Chinese numeral in a label or reference (numerals.cn_value reads it)."""


def _letter(n: int) -> str:
    """Return the letter of the `n`th item, counting from 1: 1 → a, 3 → c."""
    return chr(ord("a") + n - 1)


_ARTICLE = re.compile(rf"^第({_NUMERAL})([条章])$")
_DOTTED = re.compile(r"^第(\d+(?:\.\d+)+)条$")
_PARAGRAPH = re.compile(rf"^(第.+?条)第({_NUMERAL})款$")
_ITEM = re.compile(rf"^(.*?)第（({_NUMERAL})）项$")
_SUB_ITEM = re.compile(r"^(.*?)（(\d+)）$")


def english_label(label: str) -> str:
    """Return the English of a Chinese `label`: 第十二条 → Article 12, 第三章 → Chapter 3,
    （一） → (a), （1） → (1); a dotted clause number (1.1) is the same in both."""
    if match := _ARTICLE.match(label):
        word = "Article" if match.group(2) == "条" else "Chapter"
        return f"{word} {cn_value(match.group(1))}"
    if label.startswith("（") and label.endswith("）"):
        inner = label[1:-1]
        if inner.isdigit():
            return f"({inner})"
        return f"({_letter(cn_value(inner))})"
    return label


def english_ref(ref: str) -> str:
    """Return the English of a Chinese cross-reference `ref`: 第十二条 → Article 12, 第3.2条 →
    Clause 3.2, 第十二条第二款 → paragraph 2 of Article 12, 第五条第（三）项 → item (c) of
    Article 5, 第3.1.2条（1） → Clause 3.1.2(1); any other text (a heading) as it is."""
    if match := _ARTICLE.match(ref):
        return english_label(ref)
    if match := _DOTTED.match(ref):
        return f"Clause {match.group(1)}"
    if match := _PARAGRAPH.match(ref):
        return f"paragraph {cn_value(match.group(2))} of {english_ref(match.group(1))}"
    if match := _ITEM.match(ref):
        letter = _letter(cn_value(match.group(2)))
        return f"item ({letter}) of {english_ref(match.group(1))}" if match.group(1) else letter
    if match := _SUB_ITEM.match(ref):
        return f"{english_ref(match.group(1))}({match.group(2)})"
    return ref


def englished(
    blocks: tuple[n.Block, ...], refs: dict[str, str], *, labels: bool = True
) -> tuple[n.Block, ...]:
    """Return numbered `blocks` with their references reading English (`refs`: how each id is
    referred to, in Chinese, from transforms.numbering) and, with `labels`, English labels and
    every paragraph marked English: the tree of ``--lang en``. Without `labels`, the labels
    and languages are left alone: the English side of ``zh+en``, whose labels `interleave`
    takes from the Chinese."""
    english = {key: english_ref(text) for key, text in refs.items()}
    return tuple(_englished(b, english, labels) for b in blocks)


def _englished(node: n.Block, refs: dict[str, str], labels: bool) -> n.Block:
    label = english_label if labels else _kept_label

    def inner(blocks: tuple[n.Block, ...]) -> tuple[n.Block, ...]:
        return tuple(_englished(b, refs, labels) for b in blocks)

    match node:
        case n.Chapter() | n.Article():
            title = _english_inlines(node.title, refs)
            return replace(node, blocks=inner(node.blocks), title=title, label=label(node.label))
        case n.Paragraph():
            inlines = _english_inlines(node.inlines, refs)
            lang = ENGLISH if labels else node.lang
            return replace(node, inlines=inlines, label=label(node.label), lang=lang)
        case n.OrderedList() | n.BulletList():
            items = tuple(
                replace(item, label=label(item.label), blocks=inner(item.blocks))
                for item in node.items
            )
            return replace(node, items=items)
        case n.Heading():
            return replace(node, inlines=_english_inlines(node.inlines, refs))
        case n.Table():
            return replace(
                node,
                header=tuple(tuple(_english_cell(c, refs) for c in row) for row in node.header),
                rows=tuple(tuple(_english_cell(c, refs) for c in row) for row in node.rows),
            )
        case n.SignatureBlock():
            return replace(node, note=_english_inlines(node.note, refs))
    return node


def _kept_label(label: str) -> str:
    return label


def _english_cell(cell: n.Cell, refs: dict[str, str]) -> n.Cell:
    return replace(cell, inlines=_english_inlines(cell.inlines, refs))


def _english_inlines(inlines: tuple[n.Inline, ...], refs: dict[str, str]) -> tuple[n.Inline, ...]:
    out: list[n.Inline] = []
    for node in inlines:
        match node:
            case n.Ref(target=target):
                out.append(replace(node, text=refs.get(target, node.text)))
            case n.Strong(children=children) | n.Emphasis(children=children):
                out.append(replace(node, children=_english_inlines(children, refs)))
            case _:
                out.append(node)
    return tuple(out)


# --------------------------------------------------------------------------- alignment


def _tag(block: n.Block) -> str:
    match block:
        case n.Paragraph():
            return "p"
        case n.OrderedList() | n.BulletList():
            return "list"
        case n.Table():
            return "table"
        case n.Heading():
            return "heading"
        case n.Article():
            return "article"
        case n.Chapter():
            return "chapter"
        case n.SignatureBlock():
            return "signature"
        case n.PageBreak():
            return "break"
    raise AssertionError(type(block))  # pragma: no cover - the block set is closed


def keyed(blocks: tuple[n.Block, ...], parent: str) -> list[tuple[str, n.Block]]:
    """Return each of `blocks` with its clause key: its id, else its place under `parent`
    (``parent/p2``: the second paragraph without an id, ``parent/list1``: the first list)."""
    counts: dict[str, int] = {}
    out = []
    for block in blocks:
        node_id = getattr(block, "id", None)
        tag = _tag(block)
        counts[tag] = counts.get(tag, 0) + 1
        out.append((node_id or f"{parent}/{tag}{counts[tag]}", block))
    return out


class _Aligner:
    def __init__(self, zh_source: str, en_source: str) -> None:
        self.zh_source = zh_source
        self.en_source = en_source
        self.missing: list[str] = []
        self.extra: list[str] = []
        self.mismatched: list[str] = []

    def blocks(
        self, zh: tuple[n.Block, ...], en: tuple[n.Block, ...], parent: str, label: str = ""
    ) -> tuple[n.Block, ...]:
        """Return `zh` with the English of each block after it (`label`: the number of the
        item holding them, given to its first English paragraph)."""
        zk, ek = keyed(zh, parent), dict(keyed(en, parent))
        zh_keys = {key for key, _ in zk}
        self.extra += [key for key in ek if key not in zh_keys]
        out: list[n.Block] = []
        for key, block in zk:
            other = ek.get(key)
            if other is None:
                self.missing.append(key)
                out.append(block)
                continue
            if type(other) is not type(block):
                self.mismatched.append(key)
                out.append(block)
                continue
            out += self.pair(block, other, key, label)
            if isinstance(block, n.Paragraph):
                label = ""  # only an item's first paragraph carries its number
        return tuple(out)

    def pair(self, zh: n.Block, en: n.Block, key: str, label: str) -> list[n.Block]:
        """Return `zh` and its English `en` (a block of the same type) as the bilingual tree
        holds them."""
        if isinstance(zh, n.Paragraph) and isinstance(en, n.Paragraph):
            english = n.Paragraph(en.inlines, label=zh.label or label, align=zh.align, lang=ENGLISH)
            return [zh, english]
        if isinstance(zh, n.Article) and isinstance(en, n.Article):
            title = (
                _both(zh.title, _prefixed(english_label(zh.label), en.title)) if zh.title else ()
            )
            return [replace(zh, title=title, blocks=self.blocks(zh.blocks, en.blocks, key))]
        if isinstance(zh, n.Chapter) and isinstance(en, n.Chapter):
            title = _both(zh.title, _prefixed(english_label(zh.label), en.title))
            return [replace(zh, title=title, blocks=self.blocks(zh.blocks, en.blocks, key))]
        if isinstance(zh, n.Heading) and isinstance(en, n.Heading):
            return [replace(zh, inlines=_both(zh.inlines, en.inlines))]
        if isinstance(zh, n.OrderedList) and isinstance(en, n.OrderedList):
            return [replace(zh, items=self.items(zh.items, en.items, key))]
        if isinstance(zh, n.BulletList) and isinstance(en, n.BulletList):
            return [replace(zh, items=self.items(zh.items, en.items, key))]
        if isinstance(zh, n.Table) and isinstance(en, n.Table):
            return [self.table(zh, en, key)]
        if isinstance(zh, n.SignatureBlock) and isinstance(en, n.SignatureBlock):
            return [self.signature(zh, en, key)]
        return [zh]

    def items(
        self, zh: tuple[n.ListItem, ...], en: tuple[n.ListItem, ...], key: str
    ) -> tuple[n.ListItem, ...]:
        zk = [(item.id or f"{key}.{k}", item) for k, item in enumerate(zh, start=1)]
        ek = {item.id or f"{key}.{k}": item for k, item in enumerate(en, start=1)}
        zh_keys = {k for k, _ in zk}
        self.extra += [k for k in ek if k not in zh_keys]
        out = []
        for item_key, item in zk:
            other = ek.get(item_key)
            if other is None:
                self.missing.append(item_key)
                out.append(item)
                continue
            label = english_label(item.label)
            out.append(
                replace(item, blocks=self.blocks(item.blocks, other.blocks, item_key, label))
            )
        return tuple(out)

    def table(self, zh: n.Table, en: n.Table, key: str) -> n.Table:
        shape = [len(r) for r in (*zh.header, *zh.rows)]
        if shape != [len(r) for r in (*en.header, *en.rows)]:
            self.mismatched.append(key)
            return zh
        caption = zh.caption if zh.caption == en.caption else f"{zh.caption}　{en.caption}"
        return replace(
            zh,
            caption=caption.strip("　"),
            header=tuple(_cells(a, b) for a, b in zip(zh.header, en.header, strict=True)),
            rows=tuple(_cells(a, b) for a, b in zip(zh.rows, en.rows, strict=True)),
        )

    def signature(self, zh: n.SignatureBlock, en: n.SignatureBlock, key: str) -> n.SignatureBlock:
        if len(zh.parties) != len(en.parties) or any(
            len(a.lines) != len(b.lines) for a, b in zip(zh.parties, en.parties, strict=True)
        ):
            self.mismatched.append(key)
            return zh
        parties = tuple(
            n.SignatureParty(
                role=f"{a.role} {b.role}",
                name=a.name,
                lines=tuple(f"{x} {y}" for x, y in zip(a.lines, b.lines, strict=True)),
            )
            for a, b in zip(zh.parties, en.parties, strict=True)
        )
        return replace(zh, parties=parties, note=_both(zh.note, en.note))

    def check(self) -> None:
        """Raise RenderError naming every clause found in one language only."""
        lines = [
            f"  - {key}：英文模板 {self.en_source} 缺少此条款（中文模板 {self.zh_source} 有）"
            f" (clause {key} missing in English)"
            for key in self.missing
        ]
        lines += [
            f"  - {key}：英文模板 {self.en_source} 多出此条款（中文模板 {self.zh_source} 没有）"
            f" (clause {key} only in English)"
            for key in self.extra
        ]
        lines += [
            f"  - {key}：中英文结构不同（{self.zh_source} 与 {self.en_source}）"
            f" (clause {key} differs in shape)"
            for key in self.mismatched
        ]
        if lines:
            raise RenderError(
                "中英文条款未对齐 (the Chinese and English clauses do not align):\n"
                + "\n".join(lines[:20])
            )


def _prefixed(label: str, title: tuple[n.Inline, ...]) -> tuple[n.Inline, ...]:
    return (n.Text(f"{label} "), *title) if label else title


def _both(zh: tuple[n.Inline, ...], en: tuple[n.Inline, ...]) -> tuple[n.Inline, ...]:
    """Return `zh`, a line break and `en`; `zh` alone when the two read the same: the same
    text, the English the Chinese with Latin punctuation (a profile's text, untranslated), or
    neither holding a letter (— and -)."""
    if not en or _same(inline_text(zh), inline_text(en)):
        return zh
    return (*zh, n.LineBreak(), *en) if zh else en


def _same(zh: str, en: str) -> bool:
    from policygen.templating.filters import en_text

    if zh == en or not any(c.isalpha() for c in zh + en):
        return True
    return bool(zh) and en_text(zh) == en


def _cells(zh: tuple[n.Cell, ...], en: tuple[n.Cell, ...]) -> tuple[n.Cell, ...]:
    return tuple(
        replace(a, inlines=_both(a.inlines, b.inlines)) for a, b in zip(zh, en, strict=True)
    )


def without_english(blocks: tuple[n.Block, ...]) -> tuple[n.Block, ...]:
    """Return `blocks` without the English paragraphs of a bilingual tree (Paragraph.lang),
    for the readers of the Chinese alone (the wording rules of policygen lint)."""
    out: list[n.Block] = []
    for block in blocks:
        match block:
            case n.Paragraph(lang=lang) if lang:
                continue
            case n.Chapter() | n.Article():
                out.append(replace(block, blocks=without_english(block.blocks)))
            case n.OrderedList() | n.BulletList():
                items = tuple(replace(i, blocks=without_english(i.blocks)) for i in block.items)
                out.append(replace(block, items=items))
            case _:
                out.append(block)
    return tuple(out)


def interleave(
    zh: tuple[n.Block, ...], en: tuple[n.Block, ...], *, zh_source: str, en_source: str
) -> tuple[n.Block, ...]:
    """Return the Chinese blocks `zh` with the English of each clause after it, numbered as
    the Chinese; raise RenderError naming each clause key found in one language only."""
    aligner = _Aligner(zh_source, en_source)
    blocks = aligner.blocks(zh, en, "body")
    aligner.check()
    return blocks
