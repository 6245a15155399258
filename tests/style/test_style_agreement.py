"""One house style, three renderings: for every document kind in every bundled style (and in an
organisation's own style file), the DOCX, the CSS of the HTML/WeasyPrint PDF and the Typst
source state the same page, fonts, sizes, leading, indents, spacing, header and footer.

Each rendering is read as a reader of that format would read it, not from the generator's
data: the DOCX's section and its styles followed up their ``basedOn`` chain; the stylesheets
the HTML page carries, in cascade order; the dictionaries and page settings at the head of the
Typst source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
import tinycss2
from docx.oxml.ns import qn
from lxml import etree

from policygen.kinds import DOCUMENT_KINDS
from policygen.layout.typst_engine import FONT_ROLE_FALLBACKS
from policygen.pipeline import build_document, jobs, writer_options
from policygen.profile.load import load_profile
from policygen.style import bundled_style, load_style
from policygen.style.model import HouseStyle
from policygen.tree import nodes as n
from policygen.writers.docx.writer import write_docx
from policygen.writers.html import write_html
from policygen.writers.options import WriterOptions
from policygen.writers.pdf_typst import typst_source

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
PT_PER_MM = 72 / 25.4
KINDS = tuple(DOCUMENT_KINDS)
ROLES = ("body", "title", "subtitle", "chapter", "article_heading", "minor_heading", "caption",
         "table", "table_heading", "signature_party")  # fmt: skip
"""The text roles all three renderings set in the body."""
FRONT_ROLES = ("cover_title", "cover_subtitle", "cover_line", "cover_party",
               "cover_organisation", "cover_date", "toc_heading", "toc_1", "toc_2")  # fmt: skip
"""The text roles of the cover and the contents page, which all three set too."""

Measured = dict[str, Any]
"""What one rendering states: ``page.top`` (mm), ``chapter.size`` (pt), ``body.font`` (a font
role), ``header.lines``, ``footer.text``…"""


# --------------------------------------------------------------------------- documents


@pytest.fixture(scope="module")
def documents() -> dict[str, n.Document]:
    """One document of every kind, built from the bank's profile (the manufacturer's for the
    safety agreement, which only work on the premises gets)."""
    out: dict[str, n.Document] = {}
    for path in (BANK, BANK.with_name("manufacturer.yaml")):
        profile = load_profile(path)
        for job in jobs(profile):
            if job.kind.name not in out:
                out[job.kind.name] = build_document(profile, job)
    assert set(out) == set(KINDS)
    return out


def _font_role(style: HouseStyle, *, word: str | None = None, family: str | None = None) -> str:
    """Return the font role of `style` whose Word name is `word` or whose first PDF family is
    `family`."""
    for role in ("body", "heading", "kaiti", "fangsong", "xiaobiaosong"):
        font = style.fonts.role(role)  # type: ignore[arg-type]
        if word is not None and font.word == word:
            return role
        if family is not None and font.families[0] == family:
            return role
    raise AssertionError(f"no font role for {word or family!r}")


# --------------------------------------------------------------------------- the DOCX


WORD_ROLES = {
    "body": "Normal",
    "title": "Title",
    "subtitle": "Subtitle",
    "chapter": "Heading 1",
    "article_heading": "Heading 2",
    "minor_heading": "Heading 3",
    "caption": "Caption",
    "table": "Table Text",
    "table_heading": "Table Heading",
    "signature_party": "Signature Party",
    "header": "Header",
    "footer": "Footer",
    "cover_title": "Cover Title",
    "cover_subtitle": "Cover Subtitle",
    "cover_line": "Cover Line",
    "cover_party": "Cover Party",
    "cover_organisation": "Cover Organisation",
    "cover_date": "Cover Date",
    "toc_heading": "TOC Heading",
    "toc_1": "toc 1",
    "toc_2": "toc 2",
}
ALIGNMENTS = {"left": "left", "center": "center", "right": "right", "both": "justify"}


def _word_value(document: Any, name: str, path: str, attribute: str) -> str | None:
    """Return `attribute` of the element at `path` in style `name`, else in the style it is
    based on, …, else in the document defaults."""
    styles = document.styles.element
    current = next(s for s in styles.iterchildren(qn("w:style"))
                   if s.find(qn("w:name")).get(qn("w:val")).lower() == name.lower())  # fmt: skip
    while current is not None:
        found = current.find(path)
        if found is not None and found.get(qn(attribute)) is not None:
            return found.get(qn(attribute))
        based = current.find(qn("w:basedOn"))
        if based is None:
            break
        base_id = based.get(qn("w:val"))
        current = next((s for s in styles.iterchildren(qn("w:style"))
                        if s.get(qn("w:styleId")) == base_id), None)  # fmt: skip
    defaults = styles.find(qn("w:docDefaults"))
    prefix = "w:rPrDefault/" if path.startswith("w:rPr") else "w:pPrDefault/"
    found = defaults.find(f"{qn(prefix.split('/')[0])}/{path}") if defaults is not None else None
    return found.get(qn(attribute)) if found is not None else None


def _word_toggle(document: Any, name: str, path: str) -> bool:
    """Return whether the toggle property at `path` (``w:b``) is on in style `name` or the first
    style up its ``basedOn`` chain that has it (``<w:b/>`` is on, ``w:val="0"`` off)."""
    styles = {
        s.get(qn("w:styleId")): s for s in document.styles.element.iterchildren(qn("w:style"))
    }
    current = next(s for s in styles.values()
                   if s.find(qn("w:name")).get(qn("w:val")).lower() == name.lower())  # fmt: skip
    while current is not None:
        found = current.find(path)
        if found is not None:
            return _on(found.get(qn("w:val"), "1"))
        based = current.find(qn("w:basedOn"))
        current = styles.get(based.get(qn("w:val"))) if based is not None else None
    return False


def _path(*tags: str) -> str:
    return "/".join(qn(tag) for tag in tags)


def _on(value: str | None) -> bool:
    return value is not None and value not in ("0", "false", "off")


def _word_style(document: Any, style: HouseStyle, name: str) -> Measured:
    def get(*tags: str) -> str | None:
        *element, attribute = tags
        return _word_value(document, name, _path(*element), attribute)

    size = float(get("w:rPr", "w:sz", "w:val") or 0) / 2
    tracking = float(get("w:rPr", "w:spacing", "w:val") or 0) / 20
    bold = _word_toggle(document, name, _path("w:rPr", "w:b"))
    line_rule = get("w:pPr", "w:spacing", "w:lineRule")
    assert line_rule == "exact", (name, line_rule)
    return {
        "font": _font_role(style, word=get("w:rPr", "w:rFonts", "w:eastAsia")),
        "size": size,
        "line": float(get("w:pPr", "w:spacing", "w:line") or 0) / 20,
        "before": float(get("w:pPr", "w:spacing", "w:before") or 0) / 20,
        "after": float(get("w:pPr", "w:spacing", "w:after") or 0) / 20,
        "indent": float(get("w:pPr", "w:ind", "w:firstLineChars") or 0) / 100,
        "left": float(get("w:pPr", "w:ind", "w:leftChars") or 0) / 100,
        "align": ALIGNMENTS[get("w:pPr", "w:jc", "w:val") or "left"],
        "bold": bold,
        "tracking": tracking,
    }


def _field_text(paragraph: Any) -> str:
    """Return the text of `paragraph` with its PAGE field as ``{page}`` and its NUMPAGES or
    SECTIONPAGES field as ``{pages}`` (the fields' shown results left out)."""
    out, instruction, showing = [], "", False
    for run in paragraph._p.iter(qn("w:r")):
        char = run.find(qn("w:fldChar"))
        if char is not None:
            kind = char.get(qn("w:fldCharType"))
            if kind == "begin":
                instruction = ""
            elif kind == "separate":
                showing = True
            elif kind == "end":
                showing = False
                word = instruction.strip().split()[0]
                out.append(
                    {"PAGE": "{page}", "NUMPAGES": "{pages}", "SECTIONPAGES": "{pages}"}[word]
                )
            continue
        for instr in run.iter(qn("w:instrText")):
            instruction += instr.text or ""
        if not showing:
            out += [t.text or "" for t in run.iter(qn("w:t"))]
    return "".join(out)


def measure_docx(data: bytes, style: HouseStyle) -> Measured:
    """Return what the DOCX `data` states, its body section and its styles."""
    document = docx.Document(BytesIO(data))
    section = document.sections[-1]
    out: Measured = {
        "page.width": section.page_width.mm,
        "page.height": section.page_height.mm,
        "page.top": section.top_margin.mm,
        "page.right": section.right_margin.mm,
        "page.bottom": section.bottom_margin.mm,
        "page.left": section.left_margin.mm,
    }
    lines = [p.text for p in section.header.paragraphs if p.text]
    out["header.lines"] = tuple(lines)
    for role in (*ROLES, *FRONT_ROLES, "header", "footer"):
        if role == "header" and not lines:
            continue
        for key, value in _word_style(document, style, WORD_ROLES[role]).items():
            out[f"{role}.{key}"] = value
    if lines:
        out["header.distance"] = section.header_distance.mm
    out["footer.text"] = _field_text(section.footer.paragraphs[0])
    out["footer.gap"] = (
        section.bottom_margin.mm - section.footer_distance.mm - out["footer.line"] / PT_PER_MM
    )
    return out


# --------------------------------------------------------------------------- the CSS


CSS_ROLES = {
    "title": "h1.title",
    "subtitle": "p.subtitle",
    "chapter": "section.chapter > h2",
    "article_heading": "h3",
    "minor_heading": "h4",
    "caption": "table.data caption",
    "table": "table.data td",
    "table_heading": "table.data th",
    "signature_party": "table.signature p.party",
}
"""An element of each role as the HTML writer writes it (body: ``html`` and ``p``)."""
FRONT_CSS = {
    role: ("section.cover p." if role.startswith("cover") else "nav.contents p.")
    + role.replace("_", "-")
    for role in FRONT_ROLES
}
"""A line of each role of the cover and contents page, as the HTML writer writes it."""
INHERITED = ("font-family", "font-size", "line-height", "letter-spacing", "font-weight",
             "text-align")  # fmt: skip


def _pt(token: Any, font_size: float = 12) -> float:
    """Return a CSS length or 0 in pt."""
    if token.type == "number" and token.value == 0:
        return 0.0
    unit = token.lower_unit
    factor = {"pt": 1, "mm": PT_PER_MM, "em": font_size, "px": 0.75}[unit]
    return float(token.value) * factor


def _tokens(value: list[Any]) -> list[Any]:
    return [t for t in value if t.type not in ("whitespace", "comment")]


class Cascade:
    """The rules of a page's stylesheets by selector, later sheets and rules winning."""

    def __init__(self, sheets: list[str]) -> None:
        self.rules: dict[str, dict[str, list[Any]]] = {}
        self.page: dict[str, list[Any]] = {}
        self.boxes: dict[str, dict[str, list[Any]]] = {}
        for sheet in sheets:
            for rule in tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True):
                if rule.type == "qualified-rule":
                    selectors = [
                        " ".join(s.split()) for s in tinycss2.serialize(rule.prelude).split(",")
                    ]
                    for selector in selectors:
                        self.rules.setdefault(selector, {}).update(self.declarations(rule.content))
                elif (
                    rule.type == "at-rule"
                    and rule.lower_at_keyword == "page"
                    and not tinycss2.serialize(rule.prelude).strip()  # the body's pages
                ):
                    for item in tinycss2.parse_blocks_contents(
                        rule.content, skip_comments=True, skip_whitespace=True
                    ):
                        if item.type == "declaration":
                            self.page[item.lower_name] = _tokens(item.value)
                        elif item.type == "at-rule":
                            self.boxes.setdefault(item.lower_at_keyword, {}).update(
                                self.declarations(item.content)
                            )

    @staticmethod
    def declarations(content: list[Any]) -> dict[str, list[Any]]:
        out = {}
        for item in tinycss2.parse_blocks_contents(
            content, skip_comments=True, skip_whitespace=True
        ):
            if item.type == "declaration":
                out[item.lower_name] = _tokens(item.value)
        return out

    def get(self, selector: str, name: str) -> list[Any]:
        """Return the value of property `name` on `selector`'s element, inherited from
        ``html`` when the element has none and the property is inherited."""
        own = self.rules.get(selector, {})
        if name in own:
            return own[name]
        if name in INHERITED and name in self.rules.get("html", {}):
            return self.rules["html"][name]
        raise AssertionError(f"{selector} has no {name}")


def _families(tokens: list[Any]) -> list[str]:
    return [str(t.value) for t in tokens if t.type in ("string", "ident")]


def _first_family(tokens: list[Any], style: HouseStyle | None = None) -> str:
    """Return the first family of a font-family value after the Latin face of `style`, which
    a text with English in it puts first."""
    latin = style.fonts.latin.families if style is not None else ()
    return next(f for f in _families(tokens) if f not in latin)


def _css_text(
    cascade: Cascade, style: HouseStyle, selector: str, *, margins: bool = True
) -> Measured:
    """Return the font, size, line height, alignment and first-line indent (in characters) of
    `selector`'s element, and with `margins` its space before and after and left indent."""

    def get(name: str) -> list[Any]:
        return cascade.get(selector, name)

    size = _pt(get("font-size")[0])
    tracking = _pt(get("letter-spacing")[0])
    out: Measured = {
        "font": _font_role(style, family=_first_family(get("font-family"), style)),
        "size": size,
        "line": _pt(get("line-height")[0]),
        "align": get("text-align")[0].value,
        "bold": get("font-weight")[0].value == "bold",
        "tracking": tracking,
        "indent": _pt(get("text-indent")[0]) / (size + tracking),
    }
    if margins:
        margin = [_pt(t) for t in cascade.get(selector, "margin")]
        out["before"], out["after"], out["left"] = (
            margin[0],
            margin[2],
            margin[3] / (size + tracking),
        )
    return out


def measure_css(html: bytes, style: HouseStyle) -> Measured:
    """Return what the stylesheets of the HTML page `html` state for its elements."""
    root = etree.HTML(html)
    sheets = [element.text for element in root.iter("style")]
    cascade = Cascade(sheets)
    out: Measured = {}
    size = [_pt(t) for t in cascade.page["size"]]
    margin = [_pt(t) / PT_PER_MM for t in cascade.page["margin"]]
    out["page.width"], out["page.height"] = size[0] / PT_PER_MM, size[1] / PT_PER_MM
    out["page.top"], out["page.right"], out["page.bottom"], out["page.left"] = margin
    for key, value in _css_text(cascade, style, "p").items():
        out[f"body.{key}"] = value
    padded = ("caption", "table", "table_heading", "signature_party")
    for role, selector in CSS_ROLES.items():
        measured = _css_text(cascade, style, selector, margins=role not in padded)
        for key, value in measured.items():
            out[f"{role}.{key}"] = value
    # A caption's and a cell's space before and after are their padding (Word's a cell
    # paragraph's space before and after); the signature table has the party's space above.
    for role in ("caption", "table", "table_heading"):
        padding = [_pt(t) for t in cascade.get(CSS_ROLES[role], "padding")]
        out[f"{role}.before"], out[f"{role}.after"] = padding[0], padding[2]
    for role in FRONT_ROLES:
        for key, value in _css_text(cascade, style, FRONT_CSS[role]).items():
            out[f"{role}.{key}"] = value
    out["signature_party.before"] = _pt(cascade.get("table.signature", "margin-top")[0])
    out["signature_party.after"] = _pt(cascade.get("table.signature p.party", "margin")[2])
    header = root.find(".//div[@class='running-header']")
    out["header.lines"] = (
        tuple("".join(p.itertext()) for p in header.iter("p")) if header is not None else ()
    )
    if header is not None:
        for key, value in _css_text(cascade, style, ".running-header", margins=False).items():
            out[f"header.{key}"] = value
        out["header.distance"] = _pt(cascade.boxes["top-center"]["padding-top"][0]) / PT_PER_MM
    (box,) = [name for name in cascade.boxes if name.startswith("bottom-")]
    footer = cascade.boxes[box]
    out["footer.align"] = {"bottom-left": "left", "bottom-right": "right"}.get(box, "center")
    out["footer.bold"] = footer["font-weight"][0].value == "bold"
    out["footer.tracking"] = _pt(footer["letter-spacing"][0])
    words = []
    for token in footer["content"]:
        if token.type == "string":
            words.append(token.value)
        elif token.type == "function":
            counted = token.lower_name == "target-counter"  # the body's last page number
            pages = counted or tinycss2.serialize(token.arguments) == "pages"
            words.append("{pages}" if pages else "{page}")
    out["footer.text"] = "".join(words)
    out["footer.font"] = _font_role(style, family=_first_family(footer["font-family"], style))
    out["footer.size"] = _pt(footer["font-size"][0])
    out["footer.line"] = _pt(footer["line-height"][0])
    out["footer.gap"] = _pt(footer["padding-top"][0]) / PT_PER_MM
    return out


# --------------------------------------------------------------------------- the Typst source


TYPST_ROLES = {
    "body": "body",
    "title": "title",
    "subtitle": "subtitle",
    "chapter": "chapter",
    "article_heading": "article",
    "minor_heading": "minor",
    "caption": "caption",
    "table": "table",
    "table_heading": "table-heading",
    "signature_party": "party",
    "header": "header",
    "footer": "footer",
    **{role: role.replace("_", "-") for role in FRONT_ROLES},
}
_ENTRY = re.compile(r'(\w[\w-]*): ("[^"]*"|[^,()]+)')
_STRING = re.compile(
    r'#(?:box\()?"((?:[^"\\]|\\.)*)"|#counter\(page\)\.display\(\)|#str\(counter\(page\)\.final\(\)\.first\(\)\)'
)


_UNESCAPE = re.compile(r"\\u\{([0-9a-f]+)\}|\\(.)")


def _unescape(match: re.Match[str]) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    return {"n": "\n", "r": "\r", "t": "\t"}.get(match.group(2), match.group(2))


def _typst_pt(value: str) -> float:
    assert value.endswith("pt"), value
    return float(value[:-2])


def _typst_mm(value: str) -> float:
    assert value.endswith("mm"), value
    return float(value[:-2])


def _pieces(text: str) -> str:
    """Return the words of Typst markup `text` made of string literals and page counters."""
    out = []
    for match in _STRING.finditer(text):
        if match.group(0).startswith("#counter"):
            out.append("{page}")
        elif match.group(0).startswith("#str"):
            out.append("{pages}")
        else:
            out.append(_UNESCAPE.sub(_unescape, match.group(1)))
    return "".join(out)


def measure_typst(source: str, style: HouseStyle) -> Measured:
    """Return what the head of the Typst `source` states."""
    out: Measured = {}
    dictionaries = {}
    for match in re.finditer(r"^#let s-([\w-]+) = \((.*)\)$", source, re.MULTILINE):
        dictionaries[match.group(1)] = dict(_ENTRY.findall(match.group(2)))
    # The first page setting states the paper (the cover's and contents page's, without header
    # or footer), the last the body's header and footer.
    pages = re.findall(r"^#set page\((.*)\)$", source, re.MULTILINE)
    assert pages
    settings = pages[-1]
    no_header = re.search(r"\bheader: none\b", settings) is not None
    for role, name in TYPST_ROLES.items():
        if role == "header" and no_header:
            continue
        entries = dictionaries[name]
        size = _typst_pt(entries["size"])
        tracking = _typst_pt(entries["tracking"])
        measured = {
            "font": entries["font"].removeprefix("f-"),
            "size": size,
            "line": _typst_pt(entries["line"]),
            "before": _typst_pt(entries["before"]),
            "after": _typst_pt(entries["after"]),
            "indent": _typst_pt(entries["indent"]) / (size + tracking),
            "left": _typst_pt(entries["left"]) / (size + tracking),
            "align": "justify" if entries["justify"] == "true" else entries["align"],
            "bold": entries["weight"] == '"bold"',
            "tracking": tracking,
        }
        for key, value in measured.items():
            out[f"{role}.{key}"] = value
    paper = pages[0]
    for key in ("width", "height", "top", "right", "bottom", "left"):
        out[f"page.{key}"] = _typst_mm(re.search(rf"\b{key}: ([\d.]+mm)", paper).group(1))  # type: ignore[union-attr]
    header = settings[settings.index("header: ") : settings.index(", footer-descent")]
    if header == "header: none":
        out["header.lines"] = ()
    else:
        out["header.lines"] = tuple(_pieces(line) for line in header.split("#linebreak()"))
        lines = header.count("#linebreak()") + 1
        ascent = _typst_pt(re.search(r"header-ascent: ([\d.]+pt)", settings).group(1))  # type: ignore[union-attr]
        height = out["header.line"] * lines
        out["header.distance"] = (out["page.top"] * PT_PER_MM - ascent - height) / PT_PER_MM
    footer = settings[settings.index("footer: ") :]
    out["footer.text"] = _pieces(footer)
    descent = _typst_pt(re.search(r"footer-descent: ([\d.]+pt)", settings).group(1))  # type: ignore[union-attr]
    out["footer.gap"] = descent / PT_PER_MM
    return out


# --------------------------------------------------------------------------- comparing


def _close(a: Any, b: Any, key: str) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        tolerance = 0.1 if key.startswith("page.") or key.endswith((".distance", ".gap")) else 0.01
        return abs(float(a) - float(b)) <= tolerance
    return bool(a == b)


NOT_IN_CSS = frozenset({
    "header.before", "header.after", "header.left",
    "footer.before", "footer.after", "footer.indent", "footer.left",
    "caption.left", "table.left", "table_heading.left", "signature_party.left",
})  # fmt: skip
"""What the CSS has no place for: the space and indents of a margin box's line, the left
indent of a caption, a table cell or a signature line."""


def disagreements(**renderings: Measured) -> list[str]:
    """Return each value the renderings state differently, or only some of them state."""
    found = []
    every = set().union(*(set(m) for m in renderings.values()))
    for key in sorted(every):
        values = {name: m[key] for name, m in renderings.items() if key in m}
        missing = [name for name in renderings if name not in values]
        if missing and not (missing == ["css"] and key in NOT_IN_CSS):
            found.append(f"{key}: not in {', '.join(missing)}")
        first = next(iter(values.values()))
        if not all(_close(first, v, key) for v in values.values()):
            found.append(f"{key}: {values}")
    return found


def renderings(doc: n.Document, options: WriterOptions, style: HouseStyle) -> dict[str, Measured]:
    """Return what the DOCX, the CSS and the Typst source of `doc` state."""
    families = {role: (f"{role} face",) for role in FONT_ROLE_FALLBACKS}
    return {
        "docx": measure_docx(write_docx(doc, options), style),
        "css": measure_css(write_html(doc, options), style),
        "typst": measure_typst(typst_source(doc, options, families), style),
    }


def expected(style: HouseStyle, kind: str) -> Measured:
    """Return what the style file says of a document of `kind` (a few values, as a check that
    the renderings agree on the style's, not on a common mistake)."""
    margins = style.margins(kind)
    body = style.resolved("body")
    chapter = style.resolved("chapter")
    return {
        "page.top": margins.top,
        "page.right": margins.right,
        "page.bottom": margins.bottom,
        "page.left": margins.left,
        "body.size": body.size,
        "body.line": body.line,
        "body.font": body.font,
        "chapter.size": chapter.size,
        "chapter.font": chapter.font,
        "footer.text": style.footer.text,
    }


OPTIONS = WriterOptions(template_dirs=writer_options().template_dirs, pdf_engine="typst")


def _cases() -> Iterator[Any]:
    for style in ("default", "gongwen"):
        for kind in KINDS:
            yield pytest.param(style, kind, id=f"{style}-{kind}")


@pytest.mark.parametrize(("style_name", "kind"), list(_cases()))
def test_docx_css_and_typst_agree(
    documents: dict[str, n.Document], style_name: str, kind: str
) -> None:
    doc = replace(documents[kind], style=style_name)
    style = bundled_style(style_name)
    found = renderings(doc, OPTIONS, style)
    assert not disagreements(**found), "\n".join(disagreements(**found))
    for key, value in expected(style, kind).items():
        assert _close(found["docx"][key], value, key), (key, found["docx"][key], value)
    assert bool(found["docx"]["header.lines"]) == bool(style.header.lines)


ORGANISATION_STYLE = """\
# An organisation's house style: the default one, smaller, with its own margins and footer.
based_on: default
name: acme
description: 示例集团版式
page:
  margins: {top: 30, right: 20, bottom: 28, left: 30}
kinds:
  contract: {margins: {top: 22, right: 18, bottom: 22, left: 24}}
text:
  body: {size: 10.5, line: 18, indent: 2}
  title: {font: xiaobiaosong, size: 20, line: 30, bold: true}
  chapter: {font: kaiti, size: 15, line: 22, before: 12, after: 6}
  article_heading: {size: 12, line: 18, before: 8, after: 3}
  table: {size: 9, line: 13.5}
  footer: {size: 9, line: 13.5}
header:
  lines: ["示例集团　{title}"]
  distance: 12
  rule: 0
footer:
  text: 第 {page} 页／共 {pages} 页
  gap: 5
"""


@pytest.fixture(scope="module")
def organisation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("acme")
    (folder / "styles").mkdir()
    path = folder / "styles" / "acme.style.yaml"
    path.write_text(ORGANISATION_STYLE, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["regulation", "contract", "scorecard"])
def test_an_organisation_style_file_changes_all_three(
    documents: dict[str, n.Document], organisation: Path, kind: str
) -> None:
    style = load_style(organisation)
    options = replace(OPTIONS, style_file=organisation)
    doc = documents[kind]
    found = renderings(doc, options, style)
    assert not disagreements(**found), "\n".join(disagreements(**found))
    docx_found = found["docx"]
    # A contract's margins are the file's; a scorecard's the default style's for it (the file
    # names no scorecard under kinds), a regulation's the file's page.
    margins = {"contract": (22, 18, 22, 24), "scorecard": (25, 25, 25, 25)}.get(
        kind, (30, 20, 28, 30)
    )
    measured = tuple(docx_found[f"page.{side}"] for side in ("top", "right", "bottom", "left"))
    assert measured == pytest.approx(margins, abs=0.1)
    for key, value in {
        "body.size": 10.5,
        "body.line": 18,
        "title.font": "xiaobiaosong",
        "title.bold": True,
        "chapter.font": "kaiti",
        "chapter.size": 15,
        "table.size": 9,
        "header.lines": (f"示例集团　{doc.title}",),
        "header.distance": 12,
        "footer.text": "第 {page} 页／共 {pages} 页",
        "footer.gap": 5,
    }.items():
        assert _close(docx_found[key], value, key), (key, docx_found[key], value)


def test_the_style_is_found_by_name_in_a_template_folder(
    documents: dict[str, n.Document], organisation: Path
) -> None:
    options = WriterOptions(
        template_dirs=(organisation.parents[1], *OPTIONS.template_dirs), pdf_engine="typst"
    )
    doc = replace(documents["contract"], style="acme")
    found = renderings(doc, options, load_style(organisation))
    assert not disagreements(**found)
    assert found["css"]["body.size"] == 10.5 and found["typst"]["page.top"] == 22


# --------------------------------------------------------------------------- the Latin face


@pytest.fixture(scope="module")
def english_contracts() -> dict[str, n.Document]:
    """The bank's first contract in English and in both languages."""
    profile = load_profile(BANK)
    out = {}
    for lang in ("en", "zh+en"):
        (job,) = [
            j
            for j in jobs(profile, ["contract"], lang=lang)
            if j.engagement is profile.engagements[0]
        ]
        out[lang] = build_document(profile, job)
    return out


LATIN = '(name: "latin face", covers: "latin-in-cjk"), '
"""How a Typst font list of `renderings` begins with the Latin face (covering Latin only)."""


@pytest.mark.parametrize("style_name", ["default", "gongwen"])
@pytest.mark.parametrize("lang", ["en", "zh+en"])
def test_an_english_text_sets_latin_letters_in_the_latin_face_in_all_three(
    english_contracts: dict[str, n.Document],
    documents: dict[str, n.Document],
    style_name: str,
    lang: str,
) -> None:
    doc = replace(english_contracts[lang], style=style_name)
    style = bundled_style(style_name)
    found = renderings(doc, OPTIONS, style)
    assert not disagreements(**found), "\n".join(disagreements(**found))
    latin = style.fonts.latin
    document = docx.Document(BytesIO(write_docx(doc, OPTIONS)))
    for role, name in WORD_ROLES.items():
        ascii_font = _word_value(document, name, _path("w:rPr", "w:rFonts"), "w:ascii")
        assert ascii_font == latin.word, role
    # In English alone every font list begins with the Latin face; in both languages every
    # list but the body text's face's, and the English paragraphs': the Chinese paragraphs
    # keep their CJK faces (and CJK quotes “”), alike in the CSS and the Typst source.
    body_font = style.resolved("body").font
    cascade = Cascade([e.text for e in etree.HTML(write_html(doc, OPTIONS)).iter("style")])
    roles = {"body": "p", **CSS_ROLES, **FRONT_CSS}
    for role, selector in roles.items():
        families = _families(cascade.get(selector, "font-family"))
        first = families[: len(latin.families)] == list(latin.families)
        assert first == (lang == "en" or style.resolved(role).font != body_font), selector
    english = _families(cascade.get('p[lang="en"]', "font-family")) if lang == "zh+en" else []
    assert lang == "en" or english[: len(latin.families)] == list(latin.families)
    families = {role: (f"{role} face",) for role in FONT_ROLE_FALLBACKS}
    source = typst_source(doc, OPTIONS, families)
    lists = dict(re.findall(r"^#let f-([\w-]+) = \((.*)\)$", source, re.M))
    assert set(lists) == set(FONT_ROLE_FALLBACKS) - {"latin"} | {"english"}
    latin_first = {role for role, body in lists.items() if body.startswith(LATIN)}
    assert latin_first == set(lists) - ({body_font} if lang == "zh+en" else set()), lists
    assert "hyphenate: false, font: f-english)[" in source
    # A Chinese text keeps its CJK faces' own Latin letters in the PDFs.
    chinese = replace(documents["contract"], style=style_name)
    sheets = [e.text for e in etree.HTML(write_html(chinese, OPTIONS)).iter("style")]
    assert _families(Cascade(sheets).get("p", "font-family"))[0] not in latin.families
    assert LATIN not in typst_source(chinese, OPTIONS, families)
