"""Turn a house style into the stylesheet of the HTML page and the WeasyPrint PDF.

Input: a HouseStyle and a document kind. Output: CSS text giving the page (size, margins,
running header and footer) and every font, size, line height, indent and spacing the style
states, for the selectors the HTML writer writes. ``styles/base.css`` holds the rest, which
is not style but structure (how tables collapse their borders, what may not break across a
page, what a screen shows); a user's ``styles/<kind>.css`` and ``styles/<style>.css`` follow
this sheet and may change anything, for the HTML and WeasyPrint PDF only.

Fonts are fontconfig family names only, never ``url()`` or ``@font-face``: the PDF writer loads
nothing from outside the template folders."""

from __future__ import annotations

import hashlib

from policygen.caches import CACHES
from policygen.kinds import DOCUMENT_KINDS
from policygen.style.model import (
    CONTEXTUAL_ROLES,
    CharacterRole,
    FontRole,
    HouseStyle,
    Resolved,
    TextRole,
)

END_ANCHOR = "_end"
"""The id of the element ending the body (writers.front.END_ANCHOR): its page number is the
body's page count."""

RUNNING_HEADER = "running-header"
"""The class of the HTML element holding the running header's lines, and the name of the
running element the page's ``@top-center`` box shows."""

SELECTORS: dict[TextRole, str] = {
    "title": "h1.title",
    "subtitle": "p.subtitle",
    "chapter": "section.chapter > h2,\nh2.heading",
    "article_heading": "h3",
    "minor_heading": "h4, h5, h6",
    "caption": "table.data caption",
    "table": "table.data td",
    "table_heading": "table.data th",
    "signature_party": "table.signature p.party",
    "signature_line": "table.signature p.blank",
}
"""The elements of each text role the PDFs print (body: the page's root and paragraphs)."""

CHARACTER_SELECTORS: dict[CharacterRole, str] = {
    "article_label": ".article > p.run-in > .label:first-child,\n.article > p.article-label > .label",
    "strong": "strong",
    "emphasis": "em",
}
"""The elements of each character role."""


def css_string(text: str) -> str:
    """Return `text` as a CSS string literal: quotes, backslashes and line breaks escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or char == "\x7f":
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def font_family(style: HouseStyle, role: FontRole, *, latin: bool = False) -> str:
    """Return the CSS ``font-family`` value of font `role`: its families, its fallbacks' and
    the generic family; with `latin` (a text with English in it), the Latin face's families
    (``fonts.latin``) first, which Pango uses for every character they have."""
    first = style.fonts.latin.families if latin else ()
    families = [css_string(family) for family in (*first, *style.fonts.families(role))]
    generic = next(
        (
            style.fonts.role(r).generic
            for r in style.fonts.chain(role)
            if style.fonts.role(r).generic
        ),
        None,
    )
    return ", ".join([*families, *([generic] if generic else [])])


def _pt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "pt" if value else "0"


def _mm(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "mm" if value else "0"


def footer_content(text: str, numbering: str = "all") -> str:
    """Return the CSS ``content`` of footer words `text`: ``{page}`` and ``{pages}`` become
    the page counters. With `numbering` ``body`` (the style's ``footer.numbering``) the count
    is the page number of the anchor ending the body (writers.front.END_ANCHOR), the sheets
    before the body not being counted."""
    count = f"target-counter(url(#{END_ANCHOR}), page)" if numbering == "body" else "counter(pages)"
    out: list[str] = []
    rest = text
    while rest:
        page, pages = rest.find("{page}"), rest.find("{pages}")
        found = [(i, token) for i, token in ((page, "{page}"), (pages, "{pages}")) if i >= 0]
        if not found:
            out.append(css_string(rest))
            break
        index, token = min(found)
        if index:
            out.append(css_string(rest[:index]))
        out.append("counter(page)" if token == "{page}" else count)
        rest = rest[index + len(token) :]
    return " ".join(out)


FRONT_PAGE = "front"
"""The named page of the cover and the contents page (base.css puts them on it)."""

FRONT_ROLES: tuple[TextRole, ...] = (
    "cover_title", "cover_subtitle", "cover_line", "cover_party", "cover_organisation",
    "cover_date", "toc_heading", "toc_1", "toc_2",
)  # fmt: skip
"""The text roles of the cover and the contents page (writers.html writes them as classes
of the same name, ``cover-title``…)."""
FRONT_SELECTORS: dict[TextRole, str] = {
    role: ("section.cover p." if role.startswith("cover") else "nav.contents p.")
    + role.replace("_", "-")
    for role in FRONT_ROLES
}
"""The elements of each text role of the front matter."""

SPACING: dict[TextRole, str] = {
    "caption": "padding",
    "table": "cell",
    "table_heading": "cell",
    "signature_party": "after",
    "signature_line": "after",
}
"""How each role's space before and after is given, where it is not as margins: a caption's
as its padding, a cell paragraph's as the cell's (Word's space before and after a cell's
paragraph), a signature line's below it only (the signature table has the space above)."""


def _text(style: HouseStyle, text: Resolved, latin: bool = False) -> list[str]:
    """Return the declarations setting the font (`latin`: the Latin face first), size, line
    height, alignment and first-line indent of `text`."""
    return [
        f"font-family: {font_family(style, text.font, latin=latin)};",
        f"font-size: {_pt(text.size)};",
        f"line-height: {_pt(text.line)};",
        f"font-weight: {'bold' if text.bold else 'normal'};",
        f"letter-spacing: {_pt(text.tracking)};",
        f"text-align: {text.align};",
        f"text-indent: {_pt(text.indent * text.char_width)};",
    ]


def _spacing(text: Resolved, how: str) -> str:
    """Return the declaration giving `text` its space before and after and its left indent."""
    before, after = _pt(text.before), _pt(text.after)
    if how == "cell":
        return f"padding: {before} 5pt {after};"
    if how == "padding":
        return f"padding: {before} 0 {after};"
    if how == "after":
        return f"margin: 0 0 {after};"
    return f"margin: {before} 0 {after} {_pt(text.left * text.char_width)};"


def _rule(selector: str, declarations: list[str]) -> str:
    body = "".join(f"  {d}\n" for d in declarations)
    return f"{selector} {{\n{body}}}\n"


@CACHES.memo(maxsize=64)
def _cached(digest: str, kind: str, style_json: str, lang: str) -> str:
    return _stylesheet(HouseStyle.model_validate_json(style_json), kind, lang)


ENGLISH_PARAGRAPH = 'p[lang="en"]'
"""The English paragraphs of a text in both languages (writers.html marks them)."""


def stylesheet(style: HouseStyle, kind: str, lang: str = "zh") -> str:
    """Return the stylesheet of `style` for a document of `kind` in the languages `lang`
    (made once per style, kind and languages). A text with English in it puts the Latin face
    (``fonts.latin``) first in its font lists: in English alone (``en``), every list; in both
    languages (``zh+en``), every list but the body text's face's, and the English paragraphs'
    (ENGLISH_PARAGRAPH): the Chinese paragraphs keep their CJK faces (whose “” Pango would
    otherwise take from the Latin face), as in the Typst PDF (HouseStyle.latin_first)."""
    data = style.model_dump_json()
    return _cached(hashlib.sha256(data.encode("utf-8")).hexdigest(), kind, data, lang)


# Long by design: one CSS rule after another, in the order the stylesheet prints them; split,
# the order of the cascade would be spread over several functions.
def _stylesheet(style: HouseStyle, kind: str, lang: str = "zh") -> str:
    def latin(font: FontRole) -> bool:  # the Latin face first in `font`'s list
        return style.latin_first(font, lang)

    margins = style.margins(kind)
    page = style.page
    body = style.resolved("body")
    header = style.resolved("header")
    footer = style.resolved("footer")
    rules: list[str] = [
        f"/* Made from the house style “{style.name}” (styles/{style.name}.style.yaml) for a "
        f"document of kind {kind}: change the style file, not this sheet. */\n"
    ]
    page_rule = [
        f"size: {_mm(page.width)} {_mm(page.height)};",
        f"margin: {_mm(margins.top)} {_mm(margins.right)} {_mm(margins.bottom)} "
        f"{_mm(margins.left)};",
    ]
    boxes = []
    if style.header.lines:
        boxes.append(
            "  @top-center {\n"
            f"    content: element({RUNNING_HEADER});\n"
            "    width: 100%;\n"
            "    vertical-align: top;\n"
            f"    padding-top: {_mm(style.header.distance)};\n"
            "  }\n"
        )
    box = {"left": "bottom-left", "right": "bottom-right"}.get(footer.align, "bottom-center")
    footer_box = [
        f"content: {footer_content(style.footer.text, style.footer.numbering)};",
        *_text(style, footer, latin(footer.font)),
        "white-space: nowrap;",
        "vertical-align: top;",
        f"padding-top: {_mm(style.footer.gap)};",
    ]
    boxes.append(f"  @{box} {{\n" + "".join(f"    {d}\n" for d in footer_box) + "  }\n")
    rules.append(
        "@page {\n" + "".join(f"  {d}\n" for d in page_rule) + "\n" + "\n".join(boxes) + "}\n"
    )
    # The cover and the contents page: no header or footer, and with footer.numbering: body
    # not counted, so that the body's first page is page 1.
    front = ["  @top-center { content: none; }\n", f"  @{box} {{ content: none; }}\n"]
    if style.footer.numbering == "body":
        front.insert(0, "  counter-increment: page 0;\n")
    rules.append(f"@page {FRONT_PAGE} {{\n" + "".join(front) + "}\n")
    rules.append(
        _rule(
            "html",
            [
                f"font-family: {font_family(style, body.font, latin=latin(body.font))};",
                f"font-size: {_pt(body.size)};",
                f"line-height: {_pt(body.line)};",
                f"font-weight: {'bold' if body.bold else 'normal'};",
                f"letter-spacing: {_pt(body.tracking)};",
            ],
        )
    )
    rules.append(
        _rule(
            "p",
            [
                f"text-indent: {_pt(body.indent * body.char_width)};",
                f"text-align: {body.align};",
                _spacing(body, ""),
            ],
        )
    )
    if lang != "zh":
        family = font_family(style, body.font, latin=True)
        rules.append(_rule(ENGLISH_PARAGRAPH, [f"font-family: {family};"]))
    for role, selector in SELECTORS.items():
        text = style.resolved(role)
        rules.append(
            _rule(
                selector,
                [*_text(style, text, latin(text.font)), _spacing(text, SPACING.get(role, ""))],
            )
        )
    for role in FRONT_ROLES:
        text = style.resolved(role)
        # Margins, which collapse as LibreOffice sets the DOCX's space between two lines: the
        # larger of the first's space after and the second's space before.
        selector = FRONT_SELECTORS[role]
        rules.append(_rule(selector, [*_text(style, text, latin(text.font)), _spacing(text, "")]))
        if role in CONTEXTUAL_ROLES:
            rules.append(_rule(f"{selector} + p.{role.replace('_', '-')}", ["margin-top: 0;"]))
    table = style.resolved("table")
    rules.append(
        _rule(
            "table.data",
            [
                f"margin: 0 0 {_pt(style.table_block.after)};",
                f"font-size: {_pt(table.size)};",
                f"line-height: {_pt(table.line)};",
                f"letter-spacing: {_pt(table.tracking)};",
            ],
        )
    )
    rules.append(
        _rule("table.signature", [f"margin-top: {_pt(style.resolved('signature_party').before)};"])
    )
    for character_role, selector in CHARACTER_SELECTORS.items():
        character = style.characters.get(character_role)
        if character is None:
            continue
        declarations = []
        if character.font is not None:
            family = font_family(style, character.font, latin=latin(character.font))
            declarations.append(f"font-family: {family};")
        if character.bold is not None:
            declarations.append(f"font-weight: {'bold' if character.bold else 'normal'};")
        if character_role == "emphasis":
            declarations.append("font-style: normal;")
        if declarations:
            rules.append(_rule(selector, declarations))
    if kind in DOCUMENT_KINDS and DOCUMENT_KINDS[kind].scheme == "contract":
        # Sub-clauses (1.1.1) one step in from the clauses (1.1), as the DOCX's Sub-clause.
        left = style.lists.sub_clause_left * body.char_width
        rules.append(_rule("ol.items ol.items > li > p", [f"padding-left: {_pt(left)};"]))
    if style.header.lines:
        rule = [f"border-bottom: {_pt(style.header.rule)} solid #000;"] if style.header.rule else []
        running = [
            f"position: running({RUNNING_HEADER});",
            *_text(style, header, latin(header.font)),
            *rule,
        ]
        rules.append(_rule(f".{RUNNING_HEADER}", running))
        rules.append(
            _rule(
                f".{RUNNING_HEADER} p",
                ["margin: 0;", "text-indent: inherit;", "text-align: inherit;"],
            )
        )
    return "\n".join(rules)


__all__ = ["CHARACTER_SELECTORS", "RUNNING_HEADER", "SELECTORS", "css_string", "font_family",
           "footer_content", "stylesheet"]  # fmt: skip
