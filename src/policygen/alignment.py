"""Align two versions of a document tree, part by part and word by word.

Input: two numbered, reference-resolved Documents (an old and a new version). Output: their
outlines aligned as `Pair`s, and for two versions of a line the segments they share, delete
and insert (`line_changes`). policygen.diff builds the clause summary, the redline and the
修订对照表 from these.

How parts are matched
---------------------
Each tree is first laid out as an outline of *parts*, one per printed paragraph: the title and
subtitle, chapters, articles (a run-in article is one part with its first paragraph), numbered
contract clauses (1.1; the items and paragraphs after a clause up to the next one belong to
it), paragraphs, list items (an item is one part with its first paragraph), headings, tables
and signature parties. Parts nest as the tree does. Two sibling sequences are aligned so:

1. Ids first. Parts whose id occurs on both sides are matched when they keep their order (the
   longest common subsequence of the shared ids); a shared id out of that order is a moved
   clause, shown as removed where it was and added where it is.
2. Between two id matches, the remaining parts (no id, or an id only one side has) are matched
   by text: parts of the same kind whose whole text (labels left out, so that renumbering does
   not count) is identical are matched first, in order; in each gap between those, a dynamic
   programme picks the order-preserving pairs of the same kind with the greatest total text
   similarity (difflib ratio), pairs below `SIMILARITY` left unmatched. Two parts that both
   carry ids, different ones, are never matched. A gap of more than `MAX_CELLS` candidate
   pairs is not searched: its parts count as removed and added.
3. Matched parts have their children aligned the same way; table rows (header rows by
   position) are aligned like parts without ids when the tables have the same columns.

Within a matched paragraph the text is compared word by word, the unit a lawyer reads (see
`tokens`): a cited article (第六十四条), a date (2026年7月1日), a number or code (99.95%,
MY-ITO-2026-001) and a Chinese word (as jieba segments it) each change as a whole, never in
part; an unchanged stretch of one or two characters between two changes is folded into them,
so that a reworded phrase reads as one deletion and one insertion rather than as confetti."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import rjieba

from policygen.tree import nodes as n
from policygen.writers.docx.redline import Change, Segment
from policygen.writers.text import labelled

SIMILARITY = 0.5
"""The least text similarity (0–1) at which two parts without a shared id are matched."""
MAX_CELLS = 40_000
"""The most candidate pairs searched in one gap between matched parts."""
SMALL_EQUAL = 2
"""Unchanged stretches of at most this many characters between two changes join them."""

# --------------------------------------------------------------------------- the outline


@dataclass(frozen=True, slots=True)
class Part:
    """One printed paragraph of a document (or a table), with the parts under it."""

    kind: str
    """``title``, ``subtitle``, ``chapter``, ``article``, ``clause`` (a numbered contract
    clause), ``paragraph``, ``item``, ``heading``, ``table``, ``signature``, ``party`` or
    ``signature_line`` (and, only while the outline is built, ``list``)."""
    role: str
    """The paragraph style role in writers.docx.redline.PARAGRAPH_STYLES."""
    line: tuple[Segment, ...] | None
    """The part's own paragraph (for a table its caption); None when it prints none."""
    id: str | None = None
    """The tree id; None when the block has none."""
    label: str = ""
    """The number printed before the text, e.g. 第七条, （一）, 2.1."""
    lead: str = ""
    """How `line` begins: the label and its separator; left out when texts are compared."""
    align: str | None = None
    """``center`` or ``right``; None for the style's."""
    children: tuple[Part, ...] = ()
    """The parts under this one."""
    rows: tuple[tuple[tuple[Segment, ...], ...], ...] = ()
    """A table's rows, header rows first, each a tuple of cells."""
    header_rows: int = 0
    """How many of `rows` are header rows."""
    page_break: bool = False
    """The part starts a new page."""

    @property
    def text(self) -> str:
        """Return the part's own line as plain text, label included."""
        return plain(self.line or ())

    @property
    def body(self) -> str:
        """Return the part's own line without its label."""
        text = self.text
        return text[len(self.lead) :] if text.startswith(self.lead) else text


def plain(segments: Sequence[Segment]) -> str:
    """Return the text of `segments`."""
    return "".join(segment.text for segment in segments)


def outline(doc: n.Document) -> tuple[Part, ...]:
    """Return the parts of `doc` in document order: title, subtitle, then the body."""
    head = [Part("title", "title", (Segment(doc.title),))]
    if doc.subtitle:
        head.append(Part("subtitle", "subtitle", (Segment(doc.subtitle),)))
    return (*head, *_parts(doc.blocks, 0))


def _parts(blocks: Sequence[n.Block], depth: int) -> list[Part]:
    """Return the parts of `blocks` at list depth `depth` (0 = body text)."""
    out: list[Part] = []
    page_break = False
    for block in blocks:
        if isinstance(block, n.PageBreak):
            page_break = True
            continue
        part = _part(block, depth)
        if page_break:
            part = replace(part, page_break=True)
            page_break = False
        out.append(part)
    return _grouped(out)


def _part(block: n.Block, depth: int) -> Part:
    """Return the part of one block other than a page break; a list becomes a container."""
    body = "body" if depth == 0 else f"list{min(depth, 3)}"
    match block:
        case n.Chapter(label=label, title=title, id=node_id, blocks=blocks):
            lead = labelled(label, "")
            line = (Segment(lead), *_segments(title)) if label else _segments(title)
            return Part("chapter", "chapter", line, node_id, label, lead if label else "",
                        children=tuple(_parts(blocks, depth)))  # fmt: skip
        case n.Article():
            return _article(block, depth)
        case n.Paragraph(label=label, inlines=inlines, id=node_id, align=align, lang=lang):
            lead = labelled(label, "", lang) if label else ""
            line = (*((Segment(lead),) if lead else ()), *_segments(inlines))
            # A clause's English (a bilingual document) is a paragraph of that clause: the
            # diff reports the clause once, with both texts.
            kind = "clause" if label and not lang else "paragraph"
            return Part(kind, body, line, node_id, label, lead, align)
        case n.Heading(inlines=inlines, level=level, id=node_id):
            return Part("heading", f"heading{min(max(level, 1), 3)}", _segments(inlines), node_id)
        case n.OrderedList(items=items) | n.BulletList(items=items):
            prefix = "list" if isinstance(block, n.OrderedList) else "bullet"
            items_parts = tuple(_item(item, depth + 1, prefix) for item in items)
            return Part("list", body, None, children=items_parts)
        case n.Table():
            return _table(block)
        case n.SignatureBlock(parties=parties):
            return Part("signature", "party", None, children=tuple(map(_party, parties)))
    raise TypeError(f"unknown block {block!r}")


_CLAUSE_CONTENT = frozenset({"paragraph", "item", "table"})
"""Kinds of part that belong to the numbered clause before them."""


def _grouped(parts: list[Part]) -> list[Part]:
    """Return `parts` with lists dissolved into their items, and with the parts that follow a
    numbered contract clause, up to the next one, moved under it."""
    flat: list[Part] = []
    for part in parts:
        if part.kind == "list":
            items = list(part.children)
            if part.page_break and items:
                items[0] = replace(items[0], page_break=True)
            flat += items
        else:
            flat.append(part)
    out: list[Part] = []
    for part in flat:
        if part.kind in _CLAUSE_CONTENT and out and out[-1].kind == "clause":
            out[-1] = replace(out[-1], children=(*out[-1].children, part))
        else:
            out.append(part)
    return out


def _article(article: n.Article, depth: int) -> Part:
    """Return an article: its heading line, or its first paragraph run in after the label."""
    rest = list(article.blocks)
    lead = labelled(article.label, "") if article.label else ""
    align = None
    if article.title:
        line, role = (Segment(lead), *_segments(article.title)), "article"
    elif rest and isinstance(first := rest[0], n.Paragraph) and not first.label:
        rest.pop(0)
        line = (Segment(lead, style="label"), *_segments(first.inlines))
        role, align = ("body" if depth == 0 else f"list{min(depth, 3)}"), first.align
    else:
        line, role, lead = (Segment(article.label, style="label"),), "body", article.label
    line = tuple(segment for segment in line if segment.text)
    children = tuple(_parts(rest, depth))
    return Part("article", role, line, article.id, article.label, lead, align, children)


def _item(item: n.ListItem, depth: int, prefix: str) -> Part:
    """Return a list item: its label run in before its first paragraph."""
    rest = list(item.blocks)
    lead = labelled(item.label, "")
    line: tuple[Segment, ...] = (Segment(lead),) if lead else ()
    align = None
    if rest and isinstance(first := rest[0], n.Paragraph):
        rest.pop(0)
        line, align = (*line, *_segments(first.inlines)), first.align
    role = f"{prefix}{min(depth, 3)}"
    return Part("item", role, line, item.id, item.label, lead, align, tuple(_parts(rest, depth)))


def _table(table: n.Table) -> Part:
    """Return a table: its caption as its line, its rows as cell segments."""
    rows = tuple(
        tuple(_segments(cell.inlines) for cell in row) for row in (*table.header, *table.rows)
    )
    caption = (Segment(table.caption),) if table.caption else None
    return Part("table", "caption", caption, table.id, rows=rows, header_rows=len(table.header))


def _party(party: n.SignatureParty) -> Part:
    """Return a signature party: role and name, with its blank lines under it."""
    lines = tuple(
        Part("signature_line", "signature_line", (Segment(f"{line}："),)) for line in party.lines
    )
    return Part("party", "party", (Segment(f"{party.role}：{party.name}"),), children=lines)


def _segments(inlines: Sequence[n.Inline], style: str | None = None) -> tuple[Segment, ...]:
    """Return `inlines` as text segments, bold and emphasis as segment styles."""
    out: list[Segment] = []
    for node in inlines:
        match node:
            case n.Text(text=text) | n.NoBreak(text=text):
                out.append(Segment(text, style=style))
            case n.Strong(children=children):
                out += _segments(children, style or "strong")
            case n.Emphasis(children=children):
                out += _segments(children, "emphasis")
            case n.Ref(text=text, target=target):
                out.append(Segment(text or f"[{target}]", style=style, target=target))
            case n.LineBreak():
                out.append(Segment("\n", style=style))
    return _merged(out)


def _merged(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """Return `segments` without empty ones, neighbours of the same change and style joined
    (a cross-reference stays a segment of its own)."""
    out: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        last = out[-1] if out else None
        if (
            last
            and (last.change, last.style) == (segment.change, segment.style)
            and last.target is None
            and segment.target is None
        ):
            out[-1] = replace(last, text=last.text + segment.text)
        else:
            out.append(segment)
    return tuple(out)


def _content(part: Part) -> str:
    """Return the whole text of `part` and everything under it, its own label left out."""
    return _whole(part, part.body)


def _full(part: Part) -> str:
    """Return the whole text of `part` and everything under it, labels included."""
    return _whole(part, part.text)


def _whole(part: Part, own: str) -> str:
    """Return `own`, the text of `part` itself, then its table's rows and its children's
    whole texts (_full), a line each."""
    pieces = [own]
    pieces += ["\n".join(plain(cell) for cell in row) for row in part.rows]
    pieces += [_full(child) for child in part.children]
    return "\n".join(pieces)


# --------------------------------------------------------------------------- alignment


@dataclass(frozen=True, slots=True)
class Pair:
    """A part of the old version matched with a part of the new; one side None when the part
    was added or removed."""

    old: Part | None
    """The part in the old version; None when added."""
    new: Part | None
    """The part in the new version; None when removed."""
    children: tuple[Pair, ...] = ()
    """The parts under it, aligned."""
    rows: tuple[tuple[int | None, int | None], ...] = ()
    """For two tables of the same columns: old and new row indexes, aligned."""

    @property
    def part(self) -> Part:
        """Return the new part, or the old one when the part was removed."""
        part = self.new or self.old
        assert part is not None
        return part


_KIND_GROUPS = {"clause": "paragraph"}
"""Kinds that may match each other: a numbered clause and a paragraph (when an article goes
from several paragraphs to one, its paragraph loses its number)."""


def align(old: Sequence[Part], new: Sequence[Part]) -> tuple[Pair, ...]:
    """Return sibling parts `old` and `new` aligned in document order (see the module doc)."""
    shared = {p.id for p in old if p.id} & {p.id for p in new if p.id}
    old_at = [i for i, p in enumerate(old) if p.id in shared]
    new_at = [j for j, p in enumerate(new) if p.id in shared]
    matcher = SequenceMatcher(
        None, [old[i].id for i in old_at], [new[j].id for j in new_at], autojunk=False
    )
    anchors = [
        (old_at[block.a + k], new_at[block.b + k])
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]
    merged: list[tuple[Part | None, Part | None]] = []
    i = j = 0
    for oi, nj in anchors:
        merged += _match_free(old[i:oi], new[j:nj], shared)
        merged.append((old[oi], new[nj]))
        i, j = oi + 1, nj + 1
    merged += _match_free(old[i:], new[j:], shared)
    return tuple(pair(o, p) for o, p in merged)


def pair(old: Part | None, new: Part | None) -> Pair:
    """Return `old` and `new` as a Pair, their children and table rows aligned."""
    if old is None or new is None:
        one = old or new
        assert one is not None
        children = tuple(pair(c, None) if old else pair(None, c) for c in one.children)
        return Pair(old, new, children)
    rows: tuple[tuple[int | None, int | None], ...] = ()
    if old.kind == "table" and columns(old) == columns(new):
        rows = _align_rows(old, new)
    return Pair(old, new, align(old.children, new.children), rows)


def columns(table: Part) -> int:
    return max((len(row) for row in table.rows), default=0)


def _align_rows(old: Part, new: Part) -> tuple[tuple[int | None, int | None], ...]:
    """Return the rows of tables `old` and `new` aligned: header rows by position, the body
    rows by text."""
    out: list[tuple[int | None, int | None]] = []
    heads = max(old.header_rows, new.header_rows)
    for k in range(heads):
        o = k if k < old.header_rows else None
        m = k if k < new.header_rows else None
        out.append((o, m))
    old_body = list(range(old.header_rows, len(old.rows)))
    new_body = list(range(new.header_rows, len(new.rows)))
    texts_old = ["\n".join(plain(c) for c in old.rows[i]) for i in old_body]
    texts_new = ["\n".join(plain(c) for c in new.rows[j]) for j in new_body]
    for a, b in match_sequences(texts_old, texts_new, lambda _a, _b: True):
        out.append((old_body[a] if a is not None else None, new_body[b] if b is not None else None))
    return tuple(out)


def _match_free(
    old: Sequence[Part], new: Sequence[Part], shared: Collection[str | None]
) -> list[tuple[Part | None, Part | None]]:
    """Return `old` and `new`, parts between two id matches, aligned by kind and text."""

    def matchable(a: int, b: int) -> bool:
        x, y = old[a], new[b]
        if _KIND_GROUPS.get(x.kind, x.kind) != _KIND_GROUPS.get(y.kind, y.kind):
            return False
        if x.id in shared or y.id in shared:  # a moved clause: never matched by text
            return False
        return not (x.id and y.id)

    keys_old = [f"{_KIND_GROUPS.get(p.kind, p.kind)}\0{_content(p)}" for p in old]
    keys_new = [f"{_KIND_GROUPS.get(p.kind, p.kind)}\0{_content(p)}" for p in new]
    texts_old = [_content(p) for p in old]
    texts_new = [_content(p) for p in new]
    pairs = match_sequences(texts_old, texts_new, matchable, keys_old, keys_new)
    return [
        (old[a] if a is not None else None, new[b] if b is not None else None) for a, b in pairs
    ]


def match_sequences(
    old: Sequence[str],
    new: Sequence[str],
    matchable: Callable[[int, int], bool],
    old_keys: Sequence[str] | None = None,
    new_keys: Sequence[str] | None = None,
) -> list[tuple[int | None, int | None]]:
    """Return indexes into `old` and `new` aligned in order: identical keys (default: the
    texts) first, then, in each gap, the most similar order-keeping pairs that `matchable`
    allows. An index paired with None was removed (old) or added (new); within a gap the
    removed come before the added."""
    old_keys = old if old_keys is None else old_keys
    new_keys = new if new_keys is None else new_keys
    out: list[tuple[int | None, int | None]] = []
    matcher = SequenceMatcher(None, list(old_keys), list(new_keys), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(range(i1, i2), range(j1, j2), strict=True):
                out += [(a, b)] if matchable(a, b) else [(a, None), (None, b)]
        else:
            out += _best_pairs(old, new, range(i1, i2), range(j1, j2), matchable)
    return out


def _best_pairs(
    old: Sequence[str],
    new: Sequence[str],
    rows: range,
    columns: range,
    matchable: Callable[[int, int], bool],
) -> list[tuple[int | None, int | None]]:
    """Return the order-keeping pairing of `old[rows]` and `new[columns]` with the greatest
    total similarity, pairs below SIMILARITY excluded; unpaired indexes with None."""
    count_a, count_b = len(rows), len(columns)
    if count_a * count_b > MAX_CELLS or not count_a or not count_b:
        return [(a, None) for a in rows] + [(None, b) for b in columns]
    weight: dict[tuple[int, int], float] = {}
    for x in range(count_a):
        for y in range(count_b):
            a, b = rows[x], columns[y]
            if matchable(a, b):
                ratio = _similarity(old[a], new[b])
                if ratio >= SIMILARITY:
                    weight[x, y] = ratio
    # best[x][y]: the greatest total for old rows x.. and new columns y..
    best = [[0.0] * (count_b + 1) for _ in range(count_a + 1)]
    for x in range(count_a - 1, -1, -1):
        for y in range(count_b - 1, -1, -1):
            score = max(best[x + 1][y], best[x][y + 1])
            if (x, y) in weight:
                score = max(score, weight[x, y] + best[x + 1][y + 1])
            best[x][y] = score
    out_removed: list[tuple[int | None, int | None]] = []
    out: list[tuple[int | None, int | None]] = []
    added: list[tuple[int | None, int | None]] = []
    x = y = 0
    while x < count_a and y < count_b:
        if (x, y) in weight and best[x][y] == weight[x, y] + best[x + 1][y + 1]:
            out += out_removed + added + [(rows[x], columns[y])]
            out_removed, added = [], []
            x, y = x + 1, y + 1
        elif best[x][y] == best[x + 1][y]:
            out_removed.append((rows[x], None))
            x += 1
        else:
            added.append((None, columns[y]))
            y += 1
    out += out_removed + [(rows[k], None) for k in range(x, count_a)]
    out += added + [(None, columns[k]) for k in range(y, count_b)]
    return out


def _similarity(a: str, b: str) -> float:
    """Return how alike `a` and `b` are, 0 to 1 (difflib's ratio)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
        return 0.0
    return matcher.ratio()


# --------------------------------------------------------------------------- text changes

_NUMERALS = "〇零一二三四五六七八九十百千两0-9０-９"
_UNIT = re.compile(
    rf"第[{_NUMERALS}]+(?:[.．][0-9０-９]+)*[编章节条款项目]"  # 第六十四条, 第2.1条
    r"|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日"  # 2026年7月1日
    r"|[A-Za-z0-9]+(?:[-.,:/][A-Za-z0-9]+)*%?"  # 99.95%, MY-ITO-2026-001
    r"|\s+"
)
"""What is one word whatever the characters around it."""
_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)|.", re.DOTALL)
"""A run of Chinese characters (to segment), else one character."""


def tokens(text: str) -> list[str]:
    """Return `text` as the words a reader sees: a cited article or clause (第六十四条, 第2.1条),
    a date (2026年7月1日), a run of Latin letters and digits (99.95%, MY-ITO-2026-001),
    whitespace, a Chinese word (the runs of Chinese characters between those, segmented by
    jieba) and any other single character (a punctuation mark)."""
    out: list[str] = []
    position = 0
    for unit in _UNIT.finditer(text):
        out += _words(text[position : unit.start()])
        out.append(unit.group())
        position = unit.end()
    out += _words(text[position:])
    return out


def _words(text: str) -> list[str]:
    """Return `text` (no unit of _UNIT in it) as Chinese words and single other characters."""
    out: list[str] = []
    for match in _HAN.finditer(text):
        out += rjieba.cut(match.group()) if match.group(1) else [match.group()]
    return out


Opcode = tuple[str, int, int, int, int]
"""A difflib opcode: tag (equal, replace, delete, insert), old start and end, new start and end."""


def text_changes(old: str, new: str) -> list[Opcode]:
    """Return difflib opcodes turning `old` into `new`, in characters, compared word by word,
    with short unchanged stretches between two changes folded into them."""
    a, b = tokens(old), tokens(new)
    starts_a, starts_b = _offsets(a), _offsets(b)
    folded: list[Opcode] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        folded.append((tag, starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]))
        while (
            len(folded) >= 3
            and folded[-1][0] != "equal"
            and folded[-2][0] == "equal"
            and folded[-3][0] != "equal"
            and folded[-2][2] - folded[-2][1] <= SMALL_EQUAL
        ):
            last, _, first = folded.pop(), folded.pop(), folded.pop()
            folded.append(("replace", first[1], last[2], first[3], last[4]))
    return folded


def _offsets(words: Sequence[str]) -> list[int]:
    """Return where each of `words` starts in their concatenation, and its length last."""
    out = [0]
    for word in words:
        out.append(out[-1] + len(word))
    return out


def _slice(
    segments: Sequence[Segment], start: int, end: int, change: Change | None
) -> list[Segment]:
    """Return the characters `start`–`end` of `segments`, styles kept, marked `change`."""
    out: list[Segment] = []
    position = 0
    for segment in segments:
        lo, hi = max(start, position), min(end, position + len(segment.text))
        if lo < hi:
            text = segment.text[lo - position : hi - position]
            out.append(Segment(text, change, segment.style))
        position += len(segment.text)
    return out


def line_changes(old: Sequence[Segment], new: Sequence[Segment]) -> tuple[Segment, ...]:
    """Return the merged line of `old` and `new`: shared text plain, the rest as deletions
    followed by the insertions that replace them."""
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in text_changes(plain(old), plain(new)):
        if tag == "equal":
            out += _slice(new, j1, j2, None)
            continue
        out += _slice(old, i1, i2, "del")
        out += _slice(new, j1, j2, "ins")
    return _merged(out)


def marked(segments: Sequence[Segment], change: Change) -> tuple[Segment, ...]:
    """Return `segments` all marked `change`."""
    return tuple(replace(segment, change=change) for segment in segments)
