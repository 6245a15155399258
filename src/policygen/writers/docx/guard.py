"""Refuse a DOCX package from outside policygen that would make Word or LibreOffice load anything.

Input: the bytes of a DOCX package policygen builds on — a template folder's
``styles/reference.docx`` or ``styles/house.docx``, a Word template given to ``render
--template`` — or what rendering such a template produced, and the name errors call it by.
Output: None when the package is safe to build on; otherwise a RenderError naming the file,
the part and what was refused. Whatever such a package holds reaches everyone who opens the
documents made from it, so the whole package is inspected, not only the parts python-docx uses:

* every zip entry, whatever its name or case and whether or not a relationship reaches it. An
  entry that is XML (by its declared content type or by its first bytes) is parsed without
  entities, DTDs or network and inspected as below; any other must be a picture, a font or
  printer settings (BINARY_TYPES) and not a zip or OLE file (an embedded package or object).
  An entry not declared in ``[Content_Types].xml``, two entries whose names differ only in
  case, an encrypted entry, a DTD or an encoding other than UTF-8/16 make the package invalid.
  An entry no relationship reaches is inspected all the same, and never reaches the output
  (python-docx writes only the parts it reaches);
* every relationship, in every part: an external one (``TargetMode="External"``) is refused
  unless it is a hyperlink to an ``http:``, ``https:`` or ``mailto:`` address, which Word
  follows only when clicked (a letterhead may well link to the company's site); an internal
  one must be of a kind a house style needs (RELATIONSHIPS: no altChunk, OLE object, embedded
  package, ActiveX control, macros, subdocument, attached template, frame, media…) and point
  inside the package. A kept hyperlink may be used only by a link: a picture linked
  (``r:link``) through one is fetched when the document opens;
* elements that load or run something by themselves (REFUSED_ELEMENTS: altChunk, mail merge,
  attached template, subdocument, frameset, OLE objects, controls, online video…, wherever
  they sit, alternate content and glossary documents included), and attributes naming a
  location to load (``src``, ``href``: VML pictures and fills, SVG images and stylesheets);
* every field instruction, simple or complex, split over runs, nested: only the fields of
  guard_fields.FIELDS pass (page numbers, dates, contents, cross-references, document
  properties, web links).

Refusing rather than quietly dropping: a house style that loses its letterhead image without a
word would go unnoticed until printed, while an error naming the part says what to remove."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from io import BytesIO
from urllib.parse import urlsplit

from lxml import etree

from policygen.errors import RenderError
from policygen.writers.docx import guard_fields
from policygen.writers.docx.guard_fields import FIELDS, HYPERLINK_SCHEMES, NESTED, MalformedField

MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""Largest total size of a package's parts once unzipped."""
MAX_PARTS = 2_000
"""Most entries a package's zip may hold."""
MAIN_DOCUMENT = "word/document.xml"
"""The main document part every DOCX policygen builds on has."""
MAIN_CONTENT_TYPES = frozenset(
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"}
)
"""Content types of a Word document's main part (a macro-enabled .docm is not one)."""

RELATIONSHIPS: dict[str, str] = {
    # The package and its properties.
    "officeDocument": "the main document",
    "core-properties": "title, author and dates (docProps/core.xml)",
    "extended-properties": "application and company (docProps/app.xml)",
    "custom-properties": "custom properties (DOCPROPERTY shows them)",
    "thumbnail": "the preview picture",
    # The house style itself.
    "styles": "paragraph and character styles",
    "stylesWithEffects": "Word 2010's copy of the styles",
    "numbering": "list definitions (第一章, 第一条, （一）)",
    "settings": "document settings (inspected: mail merge and attached templates are refused)",
    "webSettings": "web settings (inspected: framesets are refused)",
    "fontTable": "the fonts the document names",
    "font": "an embedded font, inside the package",
    "theme": "theme colours and fonts",
    "header": "a running head",
    "footer": "a running foot",
    "footnotes": "footnotes",
    "endnotes": "endnotes",
    "comments": "comments",
    "commentsExtended": "comment threads (Word 2013)",
    "commentsIds": "comment ids (Word 2016)",
    "commentsExtensible": "comment dates (Word 2018)",
    "people": "comment authors",
    "image": "a picture inside the package (the letterhead's logo)",
    "hdphoto": "a picture inside the package (HD Photo, Word's picture effects)",
    "glossaryDocument": "building blocks (cover pages, AutoText), inspected like the body",
    "customXml": "a custom XML data item (Word, SharePoint and WPS write them), inspected",
    "customXmlProps": "the properties of a custom XML data item",
    "printerSettings": "printer settings (a binary DEVMODE)",
    "classificationlabels": "sensitivity labels (docMetadata/LabelInfo.xml)",
}
"""Internal relationship kinds (the last segment of ``Type``) a house style or Word template
may hold, each with why: each names a part of the same package that shows text, pictures or
properties, and every part is inspected. Every other kind is refused, among them aFChunk
(altChunk), oleObject, package, control, activeXControlBinary, vbaProject, keyMapCustomizations,
subDocument, attachedTemplate, frame, transform (saveThroughXslt), video, audio, media,
webextension and digital signatures."""
HYPERLINK = "hyperlink"
"""The one kind of external relationship kept, for HYPERLINK_SCHEMES targets."""
LINK_ELEMENTS = frozenset({"hyperlink", "hlinkClick", "hlinkHover", "hlinkMouseOver"})
"""Elements whose ``r:id`` may name an external hyperlink relationship: links followed when
clicked (WordprocessingML and DrawingML)."""
SHOWN_KINDS = {"aFChunk": "aFChunk (altChunk)"}
"""How errors name a relationship kind whose name says little."""

BINARY_TYPES: dict[str, str] = {
    "image/": "pictures: Word and LibreOffice only draw them",
    "application/vnd.openxmlformats-officedocument.obfuscatedFont": "embedded fonts",
    "application/x-fontdata": "embedded fonts (older Word)",
    "application/x-font-ttf": "embedded fonts",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.printerSettings": (
        "printer settings"
    ),
}
"""Content types (or, ending in ``/``, their prefixes) of the parts that may be other than XML,
each with why: nothing in them is followed or run. Every other binary part is refused: OLE
objects, embedded packages, ActiveX controls, macros."""
_CONTAINERS = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
"""The first bytes of a zip (an embedded package) and of an OLE compound file."""

REFUSED_ELEMENTS: dict[str, str] = {
    "altChunk": "altChunk（打开时导入的 HTML、RTF 或文档） (altChunk)",
    "mailMerge": "邮件合并数据源 (mail merge data source)",
    "attachedTemplate": "附加模板 (attachedTemplate)",
    "subDoc": "子文档 (subDoc)",
    "frameset": "框架集 (frameset)",
    "saveThroughXslt": "保存时套用的 XSLT (saveThroughXslt)",
    "object": "嵌入或链接的对象 (object)",
    "OLEObject": "OLE 对象 (OLEObject)",
    "control": "ActiveX 控件 (control)",
    "movie": "影片 (movie)",
    "webVideoPr": "联机视频 (online video)",
    "videoFile": "视频 (videoFile)",
    "audioFile": "音频 (audioFile)",
    "quickTimeFile": "QuickTime 影片 (quickTimeFile)",
    "wavAudioFile": "音频 (wavAudioFile)",
    "xsnLocation": "文档信息面板的表单模板地址 (xsnLocation)",
}
"""Elements refused wherever they appear, in any namespace, by local name, with how errors name
them: each loads or runs something (a file, a URL, a program, a data source) by itself or
through its relationship."""
_LOCATIONS = "//@*[local-name()='src' or local-name()='href' or local-name()='althref']"
"""Attributes naming a location to load, in any namespace."""
_SVG_REFUSED = frozenset({"script", "foreignObject"})
"""Elements of an SVG picture refused besides: a script, and embedded HTML."""
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_R_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_VML = "urn:schemas-microsoft-com:vml"
_SVG = "http://www.w3.org/2000/svg"
_VML_SHAPES = frozenset(
    {"shape", "rect", "roundrect", "oval", "line", "polyline", "arc", "curve", "group"}
)
"""VML elements whose plain ``href`` is a link followed when clicked (not a picture's source)."""
_RASTER_DATA = re.compile(r"data:image/(png|jpeg|gif);", re.IGNORECASE)
"""A ``data:`` URL an SVG or VML picture may hold: a raster picture, which loads nothing."""
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\"\s)]*)|@import", re.IGNORECASE)
"""A stylesheet's reference to another resource (SVG styles and presentation attributes)."""
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ENCODINGS = frozenset({"UTF-8", "UTF-16", "UTF-16LE", "UTF-16BE"})
"""The encodings Word reads XML parts in."""
_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False
)
"""Reads a part without expanding entities or loading anything it names."""
_SHOWN_CHARS = 200
"""Longest value quoted in full in an error message."""
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted entry
    ValueError,
)


def check_package(data: bytes, shown: str) -> None:
    """Raise RenderError, naming the file as `shown`, unless `data` is a DOCX package that
    loads nothing from outside itself (see the module's docstring for what is inspected)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as error:
        raise _invalid(shown, f"不是 zip 文件 ({error})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_PARTS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise _invalid(shown, f"解压后超过 {MAX_UNPACKED_BYTES} 字节或 {MAX_PARTS} 个部件")
        _check_names(infos, shown)
        if MAIN_DOCUMENT not in archive.namelist():
            raise _invalid(shown, f"缺少 {MAIN_DOCUMENT}")
        blobs = {info.filename: _read(archive, info, shown) for info in infos}
    types = _content_types(blobs, shown)
    roots: dict[str, etree._Element] = {}
    for name, blob in blobs.items():
        content_type = _content_type(types, name)
        if content_type is None and name != "[Content_Types].xml":
            raise _invalid(shown, f"{name} 未在 [Content_Types].xml 中声明内容类型")
        if _looks_like_xml(blob, content_type):
            roots[name] = _parse(blob, name, shown)
    links = _hyperlinks(roots)
    for name, blob in blobs.items():  # in zip order, so the first offence is named
        if name in roots:
            _check_xml(roots[name], name, shown, links.get(name.lower(), frozenset()))
        elif name != "[Content_Types].xml":
            _check_binary(blob, _content_type(types, name), name, shown)
    if _content_type(types, MAIN_DOCUMENT) not in MAIN_CONTENT_TYPES:
        raise _invalid(
            shown, f"{MAIN_DOCUMENT} 不是 Word 文档正文（{_content_type(types, MAIN_DOCUMENT)}）"
        )


# --------------------------------------------------------------------------- the zip


def _check_names(infos: list[zipfile.ZipInfo], shown: str) -> None:
    """Raise RenderError when two entries' names differ only in case (Word takes part names
    case-insensitively, so which one it reads is not certain) or an entry is encrypted."""
    seen: set[str] = set()
    for info in infos:
        key = info.filename.replace("\\", "/").lower()
        if key in seen:
            raise _invalid(shown, f"部件 {info.filename} 重复（名称不分大小写）")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _invalid(shown, f"部件 {info.filename} 已加密")


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    try:
        return archive.read(info)
    except _READ_ERRORS as error:
        raise _invalid(shown, f"{info.filename}: {error}") from None


def _content_types(blobs: dict[str, bytes], shown: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return the package's declared content types: by extension and by part name, both in
    lower case (OPC compares them so)."""
    if "[Content_Types].xml" not in blobs:
        raise _invalid(shown, "缺少 [Content_Types].xml")
    root = _parse(blobs["[Content_Types].xml"], "[Content_Types].xml", shown)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for element in root:
        name = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if name == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif name == "Override":
            overrides[element.get("PartName", "").lower()] = element.get("ContentType", "")
    return defaults, overrides


def _content_type(types: tuple[dict[str, str], dict[str, str]], name: str) -> str | None:
    """Return the content type declared for entry `name`; None when none is."""
    defaults, overrides = types
    declared = overrides.get("/" + name.lower())
    if declared is None:
        base = posixpath.basename(name)
        declared = defaults.get(base.rpartition(".")[2].lower() if "." in base else "")
    return declared


def _looks_like_xml(blob: bytes, content_type: str | None) -> bool:
    """Return whether `blob` is to be read as XML: declared so, or starting like XML (after a
    byte-order mark, white space or the zeros of UTF-16/32) whatever its declared type."""
    if content_type is not None and content_type.lower().endswith("xml"):
        return True
    return blob[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


def _check_binary(blob: bytes, content_type: str | None, name: str, shown: str) -> None:
    """Refuse binary part `name` unless it is of a content type in BINARY_TYPES and no
    embedded package or OLE file."""
    declared = (content_type or "").lower()
    allowed = any(
        declared.startswith(kind) if kind.endswith("/") else declared == kind.lower()
        for kind in BINARY_TYPES
    )
    if not allowed or blob.startswith(_CONTAINERS):
        raise _refused(
            shown, name, f"嵌入的对象、文档包或程序（{content_type}）",
            f"embedded object, package or program {content_type}",
        )  # fmt: skip


def _parse(blob: bytes, name: str, shown: str) -> etree._Element:
    """Return part `name` parsed; raise RenderError when it is not well-formed XML in UTF-8
    or UTF-16, or has a DTD (OOXML parts have none; entities could hide markup)."""
    try:
        root = etree.fromstring(blob, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise _invalid(shown, f"{name}: {error}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise _invalid(shown, f"{name} 含 DTD")
    if (info.encoding or "UTF-8").upper() not in _ENCODINGS:
        raise _invalid(shown, f"{name} 的编码 {info.encoding} 不是 UTF-8 或 UTF-16")
    return root


# --------------------------------------------------------------------------- one XML part


def _hyperlinks(roots: dict[str, etree._Element]) -> dict[str, frozenset[str]]:
    """Return the ids of the external hyperlink relationships of each part, by the part's
    name in lower case (OPC names are case-insensitive)."""
    found: dict[str, frozenset[str]] = {}
    for name, root in roots.items():
        if etree.QName(root).localname != "Relationships":
            continue
        ids = frozenset(
            relationship.get("Id", "")
            for relationship in root.iter("{*}Relationship")
            if relationship.get("Type", "").rstrip("/").rpartition("/")[2] == HYPERLINK
            and relationship.get("TargetMode", "").strip().lower() not in ("", "internal")
        )
        source = _source_part(name).lower()
        found[source] = found.get(source, frozenset()) | ids
    return found


def _check_xml(
    root: etree._Element, name: str, shown: str, hyperlinks: frozenset[str] = frozenset()
) -> None:
    """Refuse XML part `name` when its relationships, elements, attributes or fields would
    load or run anything; `hyperlinks` are the ids of its external hyperlink relationships,
    which only a link may use."""
    if etree.QName(root).localname == "Relationships":
        _check_relationships(root, name, shown)
        return
    if hyperlinks:
        _check_hyperlink_uses(root, name, shown, hyperlinks)
    _check_elements(root, name, shown)
    _check_attributes(root, name, shown)
    if etree.QName(root).namespace == _SVG or etree.QName(root).localname == "svg":
        _check_svg(root, name, shown)
    _check_fields(root, name, shown)


def _check_relationships(root: etree._Element, name: str, shown: str) -> None:
    """Refuse an external relationship other than a web or mail hyperlink, and an internal one
    of a kind not in RELATIONSHIPS or pointing outside the package."""
    source = _source_part(name)
    for relationship in root.iter("{*}Relationship"):
        kind = relationship.get("Type", "").rstrip("/").rpartition("/")[2]
        target = relationship.get("Target", "").strip()
        shown_kind = SHOWN_KINDS.get(kind, kind or "relationship")
        mode = relationship.get("TargetMode", "").strip().lower()
        if mode not in ("", "internal"):
            if kind == HYPERLINK and urlsplit(target).scheme.lower() in HYPERLINK_SCHEMES:
                continue
            raise _refused(
                shown, name, f"外部引用 {shown_kind} {_clip(target)}",
                f"external {shown_kind} {_clip(target)}",
                "Word 打开文档时会加载它",
            )  # fmt: skip
        if kind not in RELATIONSHIPS:
            raise _refused(
                shown, name, f"不允许的关系 {shown_kind}（{_clip(target)}）",
                f"relationship {shown_kind} {_clip(target)}",
                "样式文档不需要它，Word 可能借它加载或运行内容",
            )  # fmt: skip
        if _outside(source, target):
            raise _refused(
                shown, name, f"指向包外的关系 {shown_kind} {_clip(target)}",
                f"relationship {shown_kind} to {_clip(target)} outside the package",
            )  # fmt: skip


def _source_part(rels_name: str) -> str:
    """Return the part whose relationships entry `rels_name` holds, whatever its case:
    word/_rels/a.xml.rels → word/a.xml, _rels/.rels → "" (the package)."""
    match = re.fullmatch(r"(?:(.*)/)?_rels/([^/]*)\.rels", rels_name, re.IGNORECASE)
    if match is None:
        return rels_name
    folder, base = match.group(1) or "", match.group(2)
    return posixpath.join(folder, base) if base else ""


def _outside(source: str, target: str) -> bool:
    """Return whether internal `target`, relative to part `source`, is a URL, a network or
    drive path, or a path climbing out of the package."""
    if "\\" in target or target.startswith("//") or _SCHEME.match(target):
        return True
    if target.startswith("/"):
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    return joined == ".." or joined.startswith("../")


def _check_hyperlink_uses(
    root: etree._Element, name: str, shown: str, hyperlinks: frozenset[str]
) -> None:
    """Refuse a use of an external hyperlink relationship other than as a link: a picture's
    ``r:link`` naming one is fetched when the document opens, whatever the relationship's
    kind (LibreOffice does)."""
    for value in root.xpath("//@*[namespace-uri()=$a or namespace-uri()=$b]", a=_R, b=_R_STRICT):
        if str(value) not in hyperlinks:
            continue
        element = etree.QName(value.getparent()).localname
        if element in LINK_ELEMENTS and etree.QName(value.attrname).localname == "id":
            continue
        raise _refused(
            shown, name, f"当作图片或内容使用的超链接 {element}/@{value.attrname} → {value}",
            f"hyperlink relationship {value} used by {element}", "Word 或 LibreOffice 打开时会加载它",
        )  # fmt: skip


def _check_elements(root: etree._Element, name: str, shown: str) -> None:
    for element in root.iter(*(f"{{*}}{local}" for local in REFUSED_ELEMENTS)):
        what = REFUSED_ELEMENTS[etree.QName(element).localname]
        zh, _, en = what.rpartition(" (")
        raise _refused(shown, name, zh, en.rstrip(")"), "Word 会借它加载或运行外部内容")
    for instruction in root.xpath("//processing-instruction('xml-stylesheet')"):
        raise _refused(shown, name, "样式表处理指令", f"xml-stylesheet {_clip(instruction.text)}")


def _check_attributes(root: etree._Element, name: str, shown: str) -> None:
    """Refuse a ``src``, ``href`` or ``althref`` attribute (VML pictures and fills, SVG)
    naming anything but a place in the same part or a raster ``data:`` picture; a VML shape's
    or SVG link's plain ``href`` may be a web or mail address, followed only when clicked."""
    for value in root.xpath(_LOCATIONS):
        target = str(value).strip()
        if not target or target.startswith("#") or _RASTER_DATA.match(target):
            continue
        qname, attribute = etree.QName(value.getparent()), etree.QName(value.attrname)
        link = attribute.localname == "href" and (
            (qname.namespace == _VML and qname.localname in _VML_SHAPES and not attribute.namespace)
            or (qname.namespace == _SVG and qname.localname == "a")
        )
        if link and urlsplit(target).scheme.lower() in HYPERLINK_SCHEMES:
            continue
        where = f"{qname.localname}/@{attribute.localname}"
        raise _refused(
            shown, name, f"指向外部的图片或链接 {where}={_clip(target)}",
            f"{where} {_clip(target)}", "Word 或 LibreOffice 显示时会加载它",
        )  # fmt: skip


def _check_svg(root: etree._Element, name: str, shown: str) -> None:
    """Refuse an SVG picture's scripts, embedded HTML, ``@import`` and ``url()`` references
    other than to its own elements or raster ``data:`` pictures."""
    for element in root.iter(*(f"{{*}}{local}" for local in _SVG_REFUSED)):
        local = etree.QName(element).localname
        raise _refused(shown, name, f" SVG 的 {local}", f"SVG {local}")
    styles = [str(value) for value in root.xpath("//@*")]
    styles += [element.text or "" for element in root.iter("{*}style")]
    for style in styles:
        for match in _CSS_URL.finditer(style):
            target = match.group(1)
            if target is not None and (target.startswith("#") or _RASTER_DATA.match(target)):
                continue
            shown_target = _clip(match.group(0))
            raise _refused(shown, name, f" SVG 样式引用 {shown_target}", f"SVG {shown_target}")


def _check_fields(root: etree._Element, name: str, shown: str) -> None:
    """Refuse a field not on the allow-list, innermost first, and field markup that Word and
    LibreOffice might assemble otherwise than guard_fields does."""
    try:
        for instruction in guard_fields.iter_instructions(root):
            reason = guard_fields.refusal(instruction)
            if reason is None:
                continue
            code = _clip(" ".join(instruction.replace(NESTED, "{…}").split()))
            field = guard_fields.field_name(instruction.replace(NESTED, "{…}"))
            raise RenderError(
                f"{shown} 的 {name} 含域「{code}」：{reason}；只允许这些域："
                f"{'、'.join(FIELDS)}，请删除该域 (refused: field {field} in {name} of {shown})"
            )
    except MalformedField as error:
        raise _refused(
            shown, name, f"无法确定的域标记（{error}）", "field markup Word may read otherwise",
            "Word 与 LibreOffice 可能读出另一个域",
        ) from None  # fmt: skip


# --------------------------------------------------------------------------- errors


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _invalid(shown: str, reason: str) -> RenderError:
    return RenderError(f"{shown} 不是有效的 DOCX 文件：{reason} (not a valid DOCX: {shown})")


def _refused(
    shown: str, part: str, what: str, english: str, why: str = "它会加载或运行外部内容"
) -> RenderError:
    return RenderError(
        f"{shown} 的 {part} 含{what}：{why}，请从文档中删除 "
        f"(refused: {english} in {part} of {shown})"
    )
