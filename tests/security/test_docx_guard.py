"""A DOCX a user hands policygen loads nothing from outside itself, whichever way it enters: a
template folder's ``styles/reference.docx`` or ``styles/house.docx``, or a Word template for
``render --template``. Every hostile package here is built with zipfile from the bundled
reference, one payload class each (part names and cases, parts reached only through a
relationship or not at all, fields beyond the old deny-list, split, glued, nested or hidden
in alternate content, tracked changes and content controls, external relationships of any
kind in any part, OLE objects, embedded packages, macros, altChunk, attached templates,
subdocuments, framesets, VML, DrawingML and SVG pictures, custom XML, glossary documents), and
must be refused with the file, the part and what was refused named. The bundled references, a
benign user reference (PAGE, TOC, DATE, STYLEREF, a web link, a logo) and one LibreOffice
saved still pass. Nothing here touches the network: the payloads' URLs are never fetched."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest
from secutil import MANUFACTURER

import policygen
from libreoffice import convert_one, needs_libreoffice
from policygen.errors import RenderError
from policygen.templating.environment import BUNDLED_TEMPLATES
from policygen.word_template import render_word_template
from policygen.writers.docx.guard import check_package
from policygen.writers.docx.guard_fields import FIELDS, NESTED, iter_instructions, refusal
from policygen.writers.docx.redline import Redline, write_redline
from policygen.writers.options import WriterOptions
from sample_docs import sample_regulation

PROFILE = policygen.load_profile(MANUFACTURER)
REFERENCE = BUNDLED_TEMPLATES / "styles" / "reference.docx"
URL = "http://203.0.113.9/logo.png"
"""A documentation address (TEST-NET-3): nothing here ever connects to it."""
SHARE = r"\\host\share\x"
"""A network share path, as Word field codes write one (backslashes doubled)."""
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument."
FOOTER = "word/footer1.xml"
HEADER = "word/header1.xml"
BODY_PLACEHOLDER = "<w:p><w:r><w:t>{{p body }}</w:t></w:r></w:p>"


# --------------------------------------------------------------------------- building packages


@dataclass
class Package:
    """A DOCX package as its parts, in zip order, edited in place."""

    parts: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def bundled(cls) -> Package:
        with zipfile.ZipFile(REFERENCE) as archive:
            return cls({name: archive.read(name) for name in archive.namelist()})

    def edit(self, name: str, old: str, new: str) -> Package:
        """Replace the first `old` in part `name` by `new`."""
        text = self.parts[name].decode()
        assert old in text, (name, old)
        self.parts[name] = text.replace(old, new, 1).encode()
        return self

    def rename(self, old: str, new: str) -> Package:
        """Move part `old` to `new`, with its content type and the relationship to it."""
        self.parts = {(new if k == old else k): v for k, v in self.parts.items()}
        self.edit("[Content_Types].xml", f'PartName="/{old}"', f'PartName="/{new}"')
        rels = "word/_rels/document.xml.rels"
        old_target, new_target = old.removeprefix("word/"), new.removeprefix("word/")
        return self.edit(rels, f'Target="{old_target}"', f'Target="{new_target}"')

    def add(self, name: str, data: bytes | str, content_type: str | None = None) -> Package:
        """Add part `name`, declared as `content_type` when given."""
        self.parts[name] = data.encode() if isinstance(data, str) else data
        if content_type is not None:
            override = f'<Override PartName="/{name}" ContentType="{content_type}"/>'
            self.edit("[Content_Types].xml", "</Types>", override + "</Types>")
        return self

    def default(self, extension: str, content_type: str) -> Package:
        default = f'<Default Extension="{extension}" ContentType="{content_type}"/>'
        return self.edit("[Content_Types].xml", "</Types>", default + "</Types>")

    def relate(
        self, rels: str, kind: str, target: str, *, rid: str = "rIdX", mode: str | None = None
    ) -> Package:
        """Add a relationship of `kind` (a last segment, or a whole URI) to part `rels`."""
        uri = kind if "/" in kind else R + kind
        extra = f' TargetMode="{mode}"' if mode is not None else ""
        line = f'<Relationship Id="{rid}" Type="{uri}" Target="{target}"{extra}/>'
        if rels not in self.parts:
            self.parts[rels] = (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships">{line}</Relationships>'
            ).encode()
            return self
        return self.edit(rels, "</Relationships>", line + "</Relationships>")

    def footer(self, xml: str, name: str = FOOTER) -> Package:
        """Append paragraph content `xml` to the footer part `name`."""
        return self.edit(name, "</w:ftr>", f"<w:p>{xml}</w:p></w:ftr>")

    def body(self, xml: str) -> Package:
        """Put `xml` (paragraphs) first in the body of the main document."""
        return self.edit("word/document.xml", "<w:body>", f"<w:body>{xml}")

    def house(self) -> Package:
        """Make the package a house template: add the ``{{p body }}`` paragraph."""
        return self.edit(
            "word/document.xml", "<w:sectPr w:rsidR", BODY_PLACEHOLDER + "<w:sectPr w:rsidR"
        )

    def bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return out.getvalue()


def run(xml: str) -> str:
    return f"<w:r>{xml}</w:r>"


def simple(code: str) -> str:
    return f'<w:fldSimple w:instr="{_attr(code)}">{run("<w:t>1</w:t>")}</w:fldSimple>'


def complex_field(*pieces: str, result: str = "1") -> str:
    """A complex field whose instruction is split into `pieces`, one run each (a piece that
    starts with ``<`` is put in as XML)."""
    code = "".join(
        piece
        if piece.startswith("<")
        else run(f'<w:instrText xml:space="preserve">{_text(piece)}</w:instrText>')
        for piece in pieces
    )
    return (
        run('<w:fldChar w:fldCharType="begin"/>') + code + run('<w:fldChar w:fldCharType="separate"/>')
        + run(f"<w:t>{result}</w:t>") + run('<w:fldChar w:fldCharType="end"/>')
    )  # fmt: skip


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def png() -> bytes:
    """Return a 1×1 PNG picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    )  # fmt: skip


OLE_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
"""The start of an OLE compound file (an embedded object, a macro project)."""


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --------------------------------------------------------------------------- the payloads

Make = Callable[[], Package]


def _renamed_footer(new: str) -> Make:
    return lambda: (
        Package.bundled().rename(FOOTER, new).footer(simple(f"INCLUDEPICTURE {URL}"), new)
    )


def _in_footer(xml: str) -> Make:
    return lambda: Package.bundled().footer(xml)


def _obj(xml: str) -> str:
    return f'<w:p><w:r><w:object xmlns:o="urn:schemas-microsoft-com:office:office">{xml}</w:object></w:r></w:p>'


ALTERNATE = (
    '<mc:AlternateContent xmlns:w99="urn:example:unknown"><mc:Choice Requires="w99">'
    + run('<w:instrText xml:space="preserve"> PAGE </w:instrText>')
    + "</mc:Choice><mc:Fallback>"
    + run(f'<w:instrText xml:space="preserve">INCLUDEPICTURE "{URL}"</w:instrText>')
    + "</mc:Fallback></mc:AlternateContent>"
)
"""An instruction Word and LibreOffice take from the fallback (the choice needs a namespace
they do not know), while a reader joining both branches reads PAGE."""

LINKED_PICTURE = (
    '<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="9" name="p"/>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
    'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic='
    '"http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="9" '
    'name="p"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdH"/><a:stretch>'
    "<a:fillRect/></a:stretch></pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic>"
    "</wp:inline></w:drawing></w:r>"
)
"""A picture linked (not embedded) through relationship rIdH: LibreOffice fetches it when the
document opens, even when rIdH is a web hyperlink (tried once against a loopback server)."""

GLOSSARY = (
    f'<w:glossaryDocument xmlns:w="{W}"><w:docParts><w:docPart><w:docPartPr><w:name w:val="x"/>'
    "</w:docPartPr><w:docPartBody><w:p>"
    + complex_field(f'DATABASE \\d "{SHARE}.mdb" \\s "select * from t"')
    + "</w:p></w:docPartBody></w:docPart></w:docParts></w:glossaryDocument>"
)

PAYLOADS: dict[str, tuple[Make, tuple[str, ...]]] = {
    # Part names and cases: every part is inspected, whatever it is called.
    "footer-renamed-upper-case": (
        _renamed_footer("word/footer1.XML"),
        ("word/footer1.XML", "INCLUDEPICTURE"),
    ),
    "footer-renamed-no-extension": (
        _renamed_footer("word/FOOTER_1"),
        ("word/FOOTER_1", "INCLUDEPICTURE"),
    ),
    "footer-named-like-a-picture": (
        _renamed_footer("word/media/image1.png"),
        ("word/media/image1.png", "INCLUDEPICTURE"),
    ),
    "unreachable-part": (
        lambda: Package.bundled().add(
            "word/footer9.XML",
            Package.bundled().footer(simple(f"INCLUDEPICTURE {URL}")).parts[FOOTER],
            CT + "wordprocessingml.footer+xml",
        ),
        ("word/footer9.XML", "INCLUDEPICTURE"),
    ),
    "relationships-upper-case": (
        lambda: Package.bundled().relate(
            "word/_rels/footer1.xml.RELS", "image", URL, mode="External"
        ),
        ("word/_rels/footer1.xml.RELS", "image", URL),
    ),
    "names-differing-in-case": (
        lambda: Package.bundled().add("word/Footer1.xml", Package.bundled().parts[FOOTER]),
        ("word/Footer1.xml", "重复"),
    ),
    "undeclared-part": (
        lambda: Package.bundled().add("word/payload", b"MZ\x90\x00"),
        ("word/payload", "[Content_Types].xml"),
    ),
    "entity-in-a-dtd": (
        lambda: (
            Package.bundled()
            .edit(FOOTER, "<w:ftr ", '<!DOCTYPE w:ftr [<!ENTITY e "INCLUDEPICTURE">]><w:ftr ')
            .footer(complex_field(run(f'<w:instrText>&e; "{URL}"</w:instrText>')))
        ),
        (FOOTER, "DTD"),
    ),
    # Fields: an allow-list, not a deny-list.
    "database-field": (
        _in_footer(complex_field(f'DATABASE \\d "{SHARE}.mdb" \\s "select * from t"')),
        (FOOTER, "DATABASE"),
    ),
    "rd-field": (_in_footer(simple(f'RD "{SHARE}.docx"')), (FOOTER, "RD")),
    "macrobutton-field": (
        _in_footer(complex_field("MACROBUTTON AutoOpen 点击此处")),
        (FOOTER, "MACROBUTTON"),
    ),
    "hyperlink-field-to-a-share": (
        _in_footer(complex_field(f'HYPERLINK "file:///{SHARE}"')),
        (FOOTER, "HYPERLINK"),
    ),
    "name-glued-to-its-argument": (
        _in_footer(simple(f'INCLUDEPICTURE"{URL}"')),
        (FOOTER, "INCLUDEPICTURE"),
    ),
    "name-glued-to-a-switch": (
        _in_footer(complex_field(f'INCLUDETEXT\\c AnsiText "{SHARE}.txt"')),
        (FOOTER, "INCLUDETEXT"),
    ),
    "split-over-many-runs": (
        _in_footer(complex_field(*"DATABASE", f' \\d "{SHARE}.mdb"')),
        (FOOTER, "DATABASE"),
    ),
    "instruction-in-text-runs": (
        _in_footer(complex_field(run(f'<w:t>INCLUDEPICTURE "{URL}"</w:t>'))),
        (FOOTER, "computed at update time"),
    ),
    "nested-field-builds-the-name": (
        _in_footer(
            complex_field(
                "INCLU", complex_field('QUOTE "DEPICTURE"', result="DEPICTURE"), f' "{URL}"'
            )
        ),
        (FOOTER, "QUOTE"),
    ),
    "allowed-nested-field-builds-the-name": (
        _in_footer(
            complex_field("INCLU", complex_field("REF part", result="DEPICTURE"), f' "{URL}"')
        ),
        (FOOTER, "INCLU{…}", "computed at update time"),
    ),
    "nested-field-in-a-switch": (
        _in_footer(complex_field('DATE \\@ "', complex_field(f'INCLUDETEXT "{SHARE}"'), '"')),
        (FOOTER, "INCLUDETEXT"),
    ),
    "alternate-content": (
        _in_footer(complex_field(ALTERNATE)),
        (FOOTER, "computed at update time"),
    ),
    "tracked-change": (
        _in_footer(
            complex_field(
                '<w:del w:id="1" w:author="a">'
                + run("<w:delInstrText> PAGE </w:delInstrText>")
                + "</w:del>",
                '<w:ins w:id="2" w:author="a">'
                + run(f'<w:instrText xml:space="preserve">DATABASE \\d "{SHARE}"</w:instrText>')
                + "</w:ins>",
            )
        ),
        (FOOTER, "computed at update time"),
    ),
    "content-control": (
        _in_footer(
            complex_field(
                "<w:sdt><w:sdtPr/><w:sdtContent>"
                + run(f'<w:instrText xml:space="preserve">DATABASE \\d "{SHARE}"</w:instrText>')
                + "</w:sdtContent></w:sdt>"
            )
        ),
        (FOOTER, "computed at update time"),
    ),
    "instruction-outside-a-run": (
        _in_footer(f'<w:instrText>DATABASE \\d "{SHARE}"</w:instrText>'),
        (FOOTER, "instrText", "w:r"),
    ),
    "glossary-document": (
        lambda: (
            Package.bundled()
            .add(
                "word/glossary/document.xml",
                GLOSSARY,
                CT + "wordprocessingml.document.glossary+xml",
            )
            .relate("word/_rels/document.xml.rels", "glossaryDocument", "glossary/document.xml")
        ),
        ("word/glossary/document.xml", "DATABASE"),
    ),
    # Relationships: external ones of any kind, in any part; internal ones of a kind not needed.
    "external-mode-with-a-space": (
        lambda: Package.bundled().relate(
            "word/_rels/document.xml.rels", "image", URL, mode=" External"
        ),
        ("word/_rels/document.xml.rels", "image", URL),
    ),
    "linked-picture-in-a-theme": (
        lambda: Package.bundled().relate(
            "word/theme/_rels/theme1.xml.Rels", "image", URL, mode="External"
        ),
        ("word/theme/_rels/theme1.xml.Rels", "image"),
    ),
    "attached-template-internal": (
        lambda: (
            Package.bundled()
            .edit("word/settings.xml", "<w:zoom ", '<w:attachedTemplate r:id="rIdT"/><w:zoom ')
            .relate("word/_rels/settings.xml.rels", "attachedTemplate", "t.dotm", rid="rIdT")
            .add("word/t.dotm", _zip_bytes(), CT + "wordprocessingml.template")
        ),
        ("word/settings.xml", "attachedTemplate"),
    ),
    "subdocument": (
        lambda: (
            Package.bundled()
            .body('<w:p><w:subDoc r:id="rIdS"/></w:p>')
            .relate("word/_rels/document.xml.rels", "subDocument", "sub.docx", rid="rIdS")
            .add("word/sub.docx", _zip_bytes(), CT + "wordprocessingml.document")
        ),
        ("subDoc",),
    ),
    "frameset": (
        lambda: (
            Package.bundled()
            .edit(
                "word/webSettings.xml",
                "<w:allowPNG/>",
                '<w:allowPNG/><w:frameset><w:frame><w:name w:val="f"/><w:sourceFileName r:id="rIdF"/>'
                "</w:frame></w:frameset>",
            )
            .relate("word/_rels/webSettings.xml.rels", "frame", "f.html", rid="rIdF")
            .add("word/f.html", f'<html><body><img src="{URL}"/></body></html>', "text/html")
        ),
        ("word/webSettings.xml", "frameset"),
    ),
    "ole-object": (
        lambda: (
            Package.bundled()
            .relate(
                "word/_rels/document.xml.rels", "oleObject", "embeddings/oleObject1.bin", rid="rIdO"
            )
            .body(_obj('<o:OLEObject Type="Embed" ProgID="Package" r:id="rIdO"/>'))
            .add("word/embeddings/oleObject1.bin", OLE_FILE, CT + "oleObject")
        ),
        ("word/_rels/document.xml.rels", "oleObject"),
    ),
    "embedded-package": (
        lambda: (
            Package.bundled()
            .add("word/embeddings/x.docx", _zip_bytes(), CT + "wordprocessingml.document")
            .relate("word/_rels/document.xml.rels", "package", "embeddings/x.docx", rid="rIdP")
        ),
        ("word/_rels/document.xml.rels", "package"),
    ),
    "ole-object-without-a-relationship": (
        lambda: Package.bundled().body(
            _obj('<o:OLEObject Type="Link" ProgID="Word.Document.12"/>')
        ),
        ("word/document.xml", "object"),
    ),
    "activex-control": (
        lambda: Package.bundled().body(
            '<w:p><w:r><w:object><w:control r:id="rIdA"/></w:object></w:r></w:p>'
        ),
        ("word/document.xml", "object"),
    ),
    "macros": (
        lambda: (
            Package.bundled()
            .add("word/vbaProject.bin", OLE_FILE, "application/vnd.ms-office.vbaProject")
            .relate(
                "word/_rels/document.xml.rels",
                "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                "vbaProject.bin",
            )
        ),
        ("vbaProject",),
    ),
    "alt-chunk-in-renamed-parts": (
        lambda: (
            Package.bundled()
            .rename(HEADER, "word/header1.XML")
            .edit("word/header1.XML", "</w:hdr>", '<w:altChunk r:id="rIdC"/></w:hdr>')
            .relate("word/_rels/header1.XML.RELS", "aFChunk", "chunk.html", rid="rIdC")
        ),
        ("word/header1.XML", "altChunk"),
    ),
    "internal-target-outside-the-package": (
        lambda: Package.bundled().relate(
            "word/_rels/document.xml.rels", "image", "../../../etc/passwd"
        ),
        ("word/_rels/document.xml.rels", "outside the package"),
    ),
    # Pictures and data that name a location.
    "hyperlink-used-as-a-picture": (
        lambda: (
            Package.bundled()
            .body(f"<w:p>{LINKED_PICTURE}</w:p>")
            .relate("word/_rels/document.xml.rels", "hyperlink", URL, rid="rIdH", mode="External")
        ),
        ("word/document.xml", "blip", "rIdH"),
    ),
    "vml-fill-alternate-source": (
        lambda: Package.bundled().edit(
            HEADER,
            "</w:hdr>",
            '<w:p><w:r><w:pict><v:rect style="width:9pt;height:9pt">'
            f'<v:fill o:althref="{URL}"/></v:rect></w:pict></w:r></w:p></w:hdr>',
        ),
        (HEADER, "althref", URL),
    ),
    "vml-picture-source": (
        lambda: Package.bundled().edit(
            HEADER,
            "</w:hdr>",
            '<w:p><w:r><w:pict><v:shape style="width:9pt;height:9pt">'
            f'<v:imagedata src="{URL}" o:title=""/></v:shape></w:pict></w:r></w:p></w:hdr>',
        ),
        (HEADER, "imagedata", URL),
    ),
    "svg-picture-source": (
        lambda: (
            Package.bundled()
            .default("svg", "image/svg+xml")
            .add(
                "word/media/logo.svg",
                f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{URL}"/></svg>',
            )
            .relate("word/_rels/header1.xml.rels", "image", "media/logo.svg")
        ),
        ("word/media/logo.svg", URL),
    ),
    "svg-stylesheet": (
        lambda: (
            Package.bundled()
            .default("svg", "image/svg+xml")
            .add(
                "word/media/logo.svg",
                f'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "{URL}";</style></svg>',
            )
        ),
        ("word/media/logo.svg", "@import"),
    ),
    "picture-that-is-a-package": (
        lambda: (
            Package.bundled().default("png", "image/png").add("word/media/image2.png", _zip_bytes())
        ),
        ("word/media/image2.png", "embedded"),
    ),
    "custom-xml-form-template": (
        lambda: Package.bundled().add(
            "customXml/item2.xml",
            '<customXsn xmlns="http://schemas.microsoft.com/office/2006/metadata/customXsn">'
            f"<xsnLocation>{URL}</xsnLocation></customXsn>",
        ),
        ("customXml/item2.xml", "xsnLocation"),
    ),
}
"""Each payload class: how to build the package, and what the refusal must name."""

ENTRY_POINTS = ("reference", "house", "word-template")
"""The ways a user's DOCX enters: a folder's reference.docx, its house.docx, render --template."""


def render_through(entry: str, package: Package, tmp_path: Path) -> dict[str, bytes]:
    """Render the example profile's SLA with `package` entering by `entry`; return the files."""
    folder = tmp_path / "templates"
    (folder / "styles").mkdir(parents=True, exist_ok=True)
    if entry == "reference":
        (folder / "styles" / "reference.docx").write_bytes(package.bytes())
        return {"sla.docx": policygen.render(PROFILE, "sla", "docx", template_dirs=[folder])}
    if entry == "house":
        (folder / "styles" / "house.docx").write_bytes(package.house().bytes())
        return {"sla.docx": policygen.render(PROFILE, "sla", "docx", template_dirs=[folder])}
    template = tmp_path / "mine.docx"
    template.write_bytes(package.bytes())
    return render_word_template(PROFILE, template, ["sla"])


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("make", "named"), PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_docx_that_would_load_anything_is_refused(
    tmp_path: Path, entry: str, make: Make, named: tuple[str, ...]
) -> None:
    with pytest.raises(RenderError) as error:
        render_through(entry, make(), tmp_path)
    message = str(error.value)
    shown = {"reference": "reference.docx", "house": "house.docx", "word-template": "mine.docx"}
    assert shown[entry] in message, message
    for name in named:
        assert name.lower() in message.lower(), (name, message)
    assert re.search(r"\((refused|not a valid DOCX)", message), message


def test_the_redline_uses_the_same_guard(tmp_path: Path) -> None:
    """``policygen diff --templates`` builds its redline on the folder's reference.docx too."""
    folder = tmp_path / "templates"
    (folder / "styles").mkdir(parents=True)
    make, _ = PAYLOADS["footer-renamed-upper-case"]
    (folder / "styles" / "reference.docx").write_bytes(make().bytes())
    redline = Redline("regulation", "办法", "", sample_regulation().meta, (), "信息科技部")
    with pytest.raises(RenderError, match=r"word/footer1\.XML.*INCLUDEPICTURE"):
        write_redline(redline, WriterOptions(template_dirs=(folder, BUNDLED_TEMPLATES)))
    assert write_redline(redline, WriterOptions(template_dirs=(BUNDLED_TEMPLATES,)))


# --------------------------------------------------------------------------- what rendering makes


JINJA_REVEAL = (
    run("<w:t>A{% if false %}</w:t>")
    + "<!--{% endif %}</w:t></w:r>"
    + complex_field(f'INCLUDEPICTURE "{URL}"').replace("<w:t>1</w:t>", "")
    + "<w:r><w:t>{% if false %}-->"
    + run("<w:t>{% endif %}B</w:t>")
)
"""Jinja tags that cut XML apart: the field sits in an XML comment (no field at all to a reader
of the template), and rendering removes the comment's ends around it."""


@pytest.mark.parametrize("entry", ["house", "word-template"])
def test_a_field_made_by_rendering_the_template_is_refused(tmp_path: Path, entry: str) -> None:
    package = Package.bundled().body(f"<w:p>{JINJA_REVEAL}</w:p>")
    check_package(package.bytes(), "template")  # nothing to see before rendering
    with pytest.raises(RenderError, match=r"渲染结果 rendered.*INCLUDEPICTURE") as error:
        render_through(entry, package, tmp_path)
    assert "word/document.xml" in str(error.value)


# --------------------------------------------------------------------------- what still passes


def benign() -> Package:
    """Return a user reference with what a house style has: a logo and a web link in the
    header, a running head, dates, page numbers, a contents field, a custom XML item."""
    document = docx.Document(str(REFERENCE))
    header = document.sections[0].header
    header.paragraphs[0].add_run().add_picture(io.BytesIO(png()))
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        package = Package({name: archive.read(name) for name in archive.namelist()})
    fields = "".join(
        complex_field(code)
        for code in (
            'STYLEREF "Heading 1" \\l', 'DATE \\@ "yyyy年M月d日"', "SAVEDATE \\* MERGEFORMAT",
            "CREATEDATE", 'HYPERLINK "https://example.com/" \\o "官网"', 'HYPERLINK \\l "top"',
            "DOCPROPERTY Company", "TITLE", "SECTIONPAGES", "REF top \\h", "PAGEREF top \\h",
        )
    )  # fmt: skip
    return (
        package.relate("word/_rels/header1.xml.rels", "hyperlink", "https://example.com/", rid="rIdW", mode="External")
        .edit(HEADER, "</w:hdr>", f'<w:p><w:hyperlink r:id="rIdW">{run("<w:t>example.com</w:t>")}</w:hyperlink>{fields}</w:p></w:hdr>')
        .footer(simple(" PAGE \\* MERGEFORMAT ") + complex_field(" NUMPAGES ", " \\* Arabic"))
        .body("<w:p>" + complex_field(' TOC \\o "1-3" \\h \\z \\u ') + "</w:p>")
        .add("customXml/item9.xml", '<s:customData xmlns:s="http://www.wps.cn/officeDocument/2013/wpsCustomData"/>')
        .add("extra/unreached.xml", "<note>never reaches the output</note>")
    )  # fmt: skip


@pytest.mark.parametrize(
    "path", sorted((BUNDLED_TEMPLATES / "styles").glob("*.docx")), ids=lambda p: p.name
)
def test_the_bundled_references_pass(path: Path) -> None:
    check_package(path.read_bytes(), str(path))


def test_a_new_python_docx_document_passes() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    check_package(buffer.getvalue(), "default.docx")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_benign_user_docx_is_used(tmp_path: Path, entry: str) -> None:
    files = render_through(entry, benign(), tmp_path)
    (data,) = files.values()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        parts = {name: archive.read(name) for name in names}
    assert "extra/unreached.xml" not in names  # unreachable parts never reach the output
    xml = b"".join(parts.values())
    assert b"https://example.com/" in xml and b'TargetMode="External"' in xml
    assert b"PAGE" in xml and b"STYLEREF" in xml and any(n.startswith("word/media/") for n in names)


@needs_libreoffice
def test_a_reference_saved_by_libreoffice_passes(tmp_path: Path) -> None:
    source = tmp_path / "benign.docx"
    source.write_bytes(benign().bytes())
    saved = convert_one(source, "odt")
    again = convert_one(saved, "docx")
    check_package(again.read_bytes(), str(again))


# --------------------------------------------------------------------------- the field reader


def _instructions(xml: str) -> list[str]:
    from lxml import etree

    root = etree.fromstring(
        f'<w:ftr xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:p>{xml}</w:p></w:ftr>"
    )
    return list(iter_instructions(root))


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (complex_field(" PAGE "), [" PAGE "]),
        (complex_field(" NUM", "PAGES "), [" NUMPAGES "]),
        (simple("SECTIONPAGES"), ["SECTIONPAGES"]),
        (complex_field("A", complex_field("B"), "C"), ["B", f"A{NESTED}C"]),
        (complex_field("A", simple("B"), "C"), ["B", f"A{NESTED}{NESTED}C"]),
        (complex_field(run("<w:t>x</w:t>")), [NESTED]),
        (complex_field(" PAGE ", run("<w:tab/>")), [f" PAGE {NESTED}"]),
        (complex_field(ALTERNATE), [f"{NESTED}" * 3]),
        (f"<mc:AlternateContent><mc:Choice Requires='w'>{complex_field(' PAGE ')}</mc:Choice>"
         f"<mc:Fallback>{complex_field(' PAGE ')}</mc:Fallback></mc:AlternateContent>", [" PAGE ", " PAGE "]),
        (run('<w:fldChar w:fldCharType="begin"/>') + run("<w:instrText>DATE</w:instrText>"), ["DATE"]),
        (run("<w:instrText>INCLUDEPICTURE x</w:instrText>"), ["INCLUDEPICTURE x"]),
        (run("<w:instrText>  TOC  </w:instrText>"), ["TOC"]),
    ],
    ids=[
        "complex", "split", "simple", "nested", "nested-simple", "text-run", "tab",
        "alternate-in-instruction", "alternate-around-fields", "never-ended", "stray", "unpreserved",
    ],
)  # fmt: skip
def test_instructions_are_read_as_word_assembles_them(xml: str, expected: list[str]) -> None:
    assert _instructions(xml) == expected


@pytest.mark.parametrize(
    ("instruction", "refused"),
    [
        (" PAGE ", False), ("page \\* MERGEFORMAT", False), ('TOC \\o "1-2" \\h \\z \\u', False),
        ("PAGEREF _Toc1 \\h", False), ("REF pg_3 \\n \\h", False), ('DATE \\@ "yyyy年M月d日"', False),
        ('HYPERLINK "mailto:legal@example.com"', False), ('HYPERLINK \\l "x" \\o "tip"', False),
        ("", False), ("   ", False),
        ('HYPERLINK "file:///x"', True), (f'HYPERLINK "{SHARE}"', True), (f"HYPERLINK {NESTED}", True),
        (f"PA{NESTED}GE", True), ("\\* MERGEFORMAT", True), ('"PAGE"', True), ("=1+1", True),
        ("PRINTDATE", True), ("PRINT \\p page", True), ("ＰＡＧＥ", True), ("PAGE\u00a0X", True),
        ("INCLUDEPICTURE x", True), ("IMPORT x", True), ("LINK Excel.Sheet.8 x", True),
        ("DDEAUTO c:\\x.exe", True), ("EMBED Package", True), ("AUTOTEXT x", True),
        ("MERGEFIELD name", True), ("ADDIN x", True), ("FILENAME \\p", True), ("QUOTE 65", True),
    ],
)  # fmt: skip
def test_fields_are_checked_against_the_allow_list(instruction: str, refused: bool) -> None:
    assert (refusal(instruction) is not None) is refused


# fmt: off
WORD_FIELDS = frozenset({
    "ADDIN", "ADDRESSBLOCK", "ADVANCE", "ASK", "AUTHOR", "AUTONUM", "AUTONUMLGL", "AUTONUMOUT",
    "AUTOTEXT", "AUTOTEXTLIST", "BARCODE", "BIBLIOGRAPHY", "BIDIOUTLINE", "CITATION", "COMMENTS",
    "COMPARE", "CREATEDATE", "DATABASE", "DATE", "DDE", "DDEAUTO", "DISPLAYBARCODE", "DOCPROPERTY",
    "DOCVARIABLE", "EDITTIME", "EMBED", "EQ", "FILENAME", "FILESIZE", "FILLIN", "FORMCHECKBOX",
    "FORMDROPDOWN", "FORMTEXT", "GOTOBUTTON", "GREETINGLINE", "HYPERLINK", "IF", "IMPORT",
    "INCLUDE", "INCLUDEPICTURE", "INCLUDETEXT", "INDEX", "INFO", "KEYWORDS", "LASTSAVEDBY", "LINK",
    "LISTNUM", "MACROBUTTON", "MERGEBARCODE", "MERGEFIELD", "MERGEREC", "MERGESEQ", "NEXT",
    "NEXTIF", "NOTEREF", "NUMCHARS", "NUMPAGES", "NUMWORDS", "PAGE", "PAGEREF", "PRINT",
    "PRINTDATE", "PRIVATE", "QUOTE", "RD", "REF", "REVNUM", "SAVEDATE", "SECTION", "SECTIONPAGES",
    "SEQ", "SET", "SHAPE", "SKIPIF", "STYLEREF", "SUBJECT", "SYMBOL", "TA", "TC", "TEMPLATE",
    "TIME", "TITLE", "TOA", "TOC", "USERADDRESS", "USERINITIALS", "USERNAME", "XE",
})
# fmt: on
"""The field names Word knows."""


def test_the_allow_list_is_closed_under_prefixes() -> None:
    """Text the reader drops can only end a field's name early, so no proper prefix of an
    allowed name may be a field Word knows that is refused (guard_fields)."""
    assert set(FIELDS) <= set(WORD_FIELDS)
    for name in FIELDS:
        for other in WORD_FIELDS:
            if name != other and name.startswith(other):
                assert other in FIELDS, (name, other)
