"""Read every field instruction of a WordprocessingML part, and say which ones are refused.

Input: a parsed XML part (lxml root). Output: each field's instruction as Word and LibreOffice
would assemble it when they update the field, innermost field first, and for one instruction
the reason it is refused (None: on the allow-list, FIELDS).

A field is either simple (``w:fldSimple w:instr="PAGE"``) or complex: ``w:fldChar`` begin,
the instruction in ``w:instrText`` runs (split anywhere, over any number of runs), separate,
the shown result, end. Complex fields nest, and a nested field inside another's instruction is
replaced by its *result* when the outer one is updated, so ``{ INCLU{ QUOTE "DEPICTURE" } … }``
becomes INCLUDEPICTURE: the reader puts NESTED where such a result goes, and a field whose name
contains it is refused (its name is only known at update time). NESTED also stands for
anything else in an instruction whose text the reader cannot be sure of — a content control
(its text may come from bound data), a tracked insertion or deletion (accepting or rejecting
changes it), alternate content (Word and LibreOffice may take different branches), a drawing,
a symbol, or plain ``w:t`` text (not an instruction run) — so no engine can read a different
field name than the one checked. Markup that would let it (a field character or instruction
outside a run or outside the WordprocessingML namespace, a field whose end lies in another
content control or branch than its start) is refused outright.

Joining is the one liberty taken: text the reader drops (an unknown element, a paragraph
mark) can only make an engine's field name end earlier than the one checked. FIELDS is
therefore closed under prefixes: no proper prefix of an allowed name is a field Word knows
that is not itself allowed (PAGE → PAGEREF, SECTION → SECTIONPAGES; PRINTDATE is left out
because PRINT is a field)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

NESTED = "\ufffc"
"""Stands in an instruction for text known only when the field is updated (see above)."""

FIELDS: dict[str, str] = {
    # Page numbers and counts: the footer's 第 N 页 共 M 页 (tools/make_reference_docx.py).
    "PAGE": "the current page number",
    "NUMPAGES": "the number of pages in the document",
    "SECTIONPAGES": "the number of pages in the section (the body's count, pages)",
    "SECTION": "the current section number",
    # Running heads, contents and cross-references: read from the document itself.
    "STYLEREF": "the text of the nearest paragraph in a style (a running head)",
    "TOC": "the table of contents, built from the headings (fields)",
    "REF": "the text or number of a bookmark (cross-references, fields)",
    "PAGEREF": "the page of a bookmark (contents entries)",
    "NOTEREF": "the number of a footnote",
    "SEQ": "a caption number (表1, 图2)",
    # Dates: the reader's clock or dates stored in the document, never the network.
    "DATE": "today's date",
    "TIME": "the current time",
    "CREATEDATE": "the date the document was created",
    "SAVEDATE": "the date the document was last saved",
    # Document properties: the values in docProps, which policygen fills from the tree.
    "TITLE": "the title property",
    "SUBJECT": "the subject property",
    "AUTHOR": "the author property",
    "KEYWORDS": "the keywords property",
    "COMMENTS": "the comments property",
    "DOCPROPERTY": "a document property by name",
    # A link, followed only when clicked: web and mail addresses or a bookmark (as for
    # hyperlink relationships, guard), checked by _refused_hyperlink.
    "HYPERLINK": "a web, mail or bookmark link",
}
"""Fields a house style or Word template may hold, each with why it is harmless: it shows a
number, a date, a property or text of the same document, and loads and runs nothing. Every
other field is refused: INCLUDEPICTURE, INCLUDETEXT, INCLUDE, LINK, IMPORT, EMBED, DDE,
DDEAUTO, DATABASE and RD load files or URLs or run programs; MERGEFIELD and its kin need a
data source; MACROBUTTON, GOTOBUTTON, PRINT, ADDIN, AUTOTEXT, QUOTE, IF, SET, ASK, FILLIN,
FILENAME, USERNAME and the others are not needed by a house style, and some of them run code,
prompt the reader, disclose the reader's files or name, or build other fields' names."""

HYPERLINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""Schemes a HYPERLINK field may point to (not ``file:``, which reaches network shares)."""

W_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict OOXML
    }
)
"""The WordprocessingML namespaces (transitional and strict)."""

_STRUCTURE = frozenset({"fldChar", "fldSimple", "instrText", "delInstrText"})
"""Field markup: must be WordprocessingML, and (but fldSimple) inside a run."""
_REVISIONS = frozenset({"ins", "del", "moveFrom", "moveTo"})
"""Tracked changes: a field may start in one and end in another of the same kind."""
_OPAQUE = frozenset({"sdt", "fldSimple"}) | _REVISIONS
"""WordprocessingML containers whose text in an instruction is not certain."""
_MARKUP = tuple(f"{{*}}{name}" for name in _STRUCTURE)
"""Field markup in any namespace, as lxml tag patterns."""
_CONTENT = (
    *_MARKUP,
    *(f"{{*}}{name}" for name in _OPAQUE),
    *(
        f"{{*}}{name}"
        for name in (
            "t", "delText", "tab", "ptab", "br", "cr", "sym", "noBreakHyphen", "softHyphen",
            "drawing", "pict", "object", "ruby", "footnoteReference", "endnoteReference",
            "contentPart", "AlternateContent",
        )
    ),
)  # fmt: skip
"""Elements visited in document order: field markup, and whatever may put text in an
instruction."""
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_NAME = re.compile(r'[^ \t\r\n\\"]*')
"""A field's name: up to the first space, switch or quotation mark."""
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"?|(\S+)')
"""A quoted or bare argument of a field instruction."""
_LINK_SWITCHES = frozenset({"\\l", "\\o", "\\t"})
"""HYPERLINK switches followed by an argument that is not the link's target."""


class MalformedField(ValueError):
    """Field markup an engine might read otherwise than this reader; the message says which."""


@dataclass
class _Open:
    """A complex field whose end has not been reached yet."""

    context: tuple[object, ...]
    """The containers around its begin whose text is uncertain (see _context)."""
    pieces: list[str] = field(default_factory=list)
    """Its instruction so far."""
    in_result: bool = False
    """Whether its separate has been reached (later text is its result, not instruction)."""


def iter_instructions(root: etree._Element) -> Iterator[str]:
    """Yield the instruction of every field in `root`, innermost first: simple fields as
    they are met, complex fields at their end (or at the end of the part when never ended),
    and instruction text outside any field's instruction on its own. Raise MalformedField
    on markup that another reader might assemble differently."""
    if next(root.iter(*_MARKUP), None) is None:
        return  # most parts hold no field: spare the walk
    stack: list[_Open] = []
    for element in root.iter(*_CONTENT):
        name = etree.QName(element).localname
        top = stack[-1] if stack and not stack[-1].in_result else None
        if name in _STRUCTURE:
            _check_placement(element, name)
        if name == "fldSimple":
            if top is not None:
                top.pieces.append(NESTED)
            yield _attribute(element, "instr")
        elif name == "fldChar":
            kind = _attribute(element, "fldCharType")
            if kind == "begin":
                if top is not None:
                    top.pieces.append(NESTED)
                stack.append(_Open(_context(element)))
            elif kind in ("separate", "end"):
                if not stack:
                    continue  # an end without a begin ends nothing
                if _context(element) != stack[-1].context:
                    raise MalformedField(f"域的 {kind} 与 begin 不在同一内容控件、修订或分支中")
                if kind == "end":
                    yield "".join(stack.pop().pieces)
                else:
                    stack[-1].in_result = True
            else:
                raise MalformedField(f"未知的 fldCharType「{kind}」")
        elif name in ("instrText", "delInstrText"):
            if top is None:
                yield _text(element)  # outside an instruction: checked on its own
            elif _context(element) == top.context:
                top.pieces.append(_text(element))
            else:
                top.pieces.append(NESTED)
        elif top is not None:
            top.pieces.append(NESTED)
    for open_field in reversed(stack):
        yield "".join(open_field.pieces)


def refusal(instruction: str) -> str | None:
    """Return why the field `instruction` is refused, in Chinese with English after; None
    when its field is on the allow-list (an empty instruction is no field)."""
    text = instruction.lstrip(" \t\r\n")
    if not text:
        return None
    name = _NAME.match(text).group(0).upper()  # type: ignore[union-attr]  # matches always
    if NESTED in name:
        return "域名由嵌套域、内容控件或修订在更新时决定 (field name computed at update time)"
    if not name.isascii() or name not in FIELDS:
        shown = name or text.split()[0]
        return f"不在允许的域之列 (field {shown} not allowed)"
    if name == "HYPERLINK":
        return _refused_hyperlink(text[len(name) :])
    return None


def field_name(instruction: str) -> str:
    """Return the field name of `instruction` in capitals, as shown in errors."""
    text = instruction.lstrip(" \t\r\n")
    return (_NAME.match(text).group(0) or text[:1]).upper()  # type: ignore[union-attr]  # matches always


def _refused_hyperlink(arguments: str) -> str | None:
    """Return why a HYPERLINK field with `arguments` is refused; None when its targets are web
    or mail addresses (or it only names a bookmark with ``\\l``)."""
    if NESTED in arguments:
        return "链接地址由嵌套域决定 (link target computed at update time)"
    tokens = list(_TOKEN.finditer(arguments))
    index = 0
    while index < len(tokens):
        quoted, bare = tokens[index].group(1), tokens[index].group(2)
        index += 1
        if bare is not None and bare.startswith("\\"):
            index += bare.lower() in _LINK_SWITCHES  # skip the switch's argument
            continue
        target = (quoted if quoted is not None else bare).replace("\\\\", "\\")
        if urlsplit(target).scheme.lower() not in HYPERLINK_SCHEMES:
            return f"链接地址只能是 http、https 或 mailto (link target {target!r} not allowed)"
    return None


def _check_placement(element: etree._Element, name: str) -> None:
    """Raise MalformedField unless field markup `element` is WordprocessingML and, but for
    fldSimple, sits in a WordprocessingML run (elsewhere an engine may ignore it or not)."""
    if etree.QName(element).namespace not in W_NAMESPACES:
        raise MalformedField(f"{name} 不在 WordprocessingML 命名空间中")
    if name == "fldSimple":
        return
    parent = element.getparent()
    if parent is None or parent.tag != f"{{{etree.QName(element).namespace}}}r":
        raise MalformedField(f"{name} 不在 w:r 中")


def _context(element: etree._Element) -> tuple[object, ...]:
    """Return the containers around `element` that make text in an instruction uncertain:
    each content control, nested simple field and element of another namespace (alternate
    content, a drawing, markup Word may ignore) itself, and the kind of each tracked change
    (a field may start in one insertion and end in another)."""
    found: list[object] = []
    for ancestor in element.iterancestors():
        qname = etree.QName(ancestor)
        if qname.namespace not in W_NAMESPACES:
            found.append(ancestor)
        elif qname.localname in _REVISIONS:
            found.append(qname.localname)
        elif qname.localname in _OPAQUE:
            found.append(ancestor)
    return tuple(found)


def _attribute(element: etree._Element, local: str) -> str:
    """Return the value of `element`'s attribute named `local` in any namespace; empty when
    there is none."""
    return next((v for k, v in element.attrib.items() if etree.QName(k).localname == local), "")


def _text(element: etree._Element) -> str:
    """Return the text of instruction run `element`; without ``xml:space="preserve"`` its
    outer white space is dropped, as XML allows (joining is the safe side, see above)."""
    text = element.text or ""
    return text if element.get(_XML_SPACE) == "preserve" else text.strip()
