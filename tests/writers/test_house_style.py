"""An organisation's own ``styles/house.docx`` (a docxtpl template) around the generated body:
letterhead and cover fields from the tree, the body with Word-native numbering, the styles
and lists it needs copied in from reference.docx, and LibreOffice reading the result."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import docx
import pytest
from docx.oxml.ns import qn

import policygen
from libreoffice import convert_one, needs_libreoffice
from policygen.errors import RenderError
from policygen.house import house_context
from policygen.writers.docx import oxml
from sample_docs import sample_contract, sample_regulation

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "bank.yaml"
FONTS_CONF = ROOT / "tests" / "fonts.conf"
LETTERHEAD = "示例集团有限公司文件"


def house_folder(tmp_path: Path, *, body: bool = True) -> Path:
    """Write a template folder whose ``styles/house.docx`` has a letterhead, cover fields and
    (unless not `body`) the ``{{p body }}`` placeholder; return the folder."""
    folder = tmp_path / "templates"
    (folder / "styles").mkdir(parents=True)
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "{{ organisation }}　内部文件"
    document.add_paragraph(LETTERHEAD)
    document.add_paragraph("{{ title }}", "Title")
    document.add_paragraph("{{ organisation }}　{{ version }}　{{ date }}　{{ doc_no }}")
    if body:
        document.add_paragraph("{{p body }}")
    document.add_paragraph("（本文件由示例集团法律合规部发布）")
    document.save(folder / "styles" / "house.docx")
    return folder


@pytest.fixture(scope="module")
def regulation(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = house_folder(tmp_path_factory.mktemp("house"))
    return policygen.render(BANK, "regulation", "docx", template_dirs=[folder])


def test_letterhead_cover_fields_and_body(regulation: bytes) -> None:
    document = docx.Document(BytesIO(regulation))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == LETTERHEAD
    assert texts[1] == "明远商业银行信息科技外包管理办法"
    # {{ doc_no }} is the regulation's 发文字号, though its built-in subtitle shows it too.
    assert texts[2] == "明远商业银行股份有限公司　V2.0　2027年1月1日　明银发〔2026〕68号"
    assert texts[-1] == "（本文件由示例集团法律合规部发布）"
    assert "{{" not in "".join(texts)
    header = document.sections[0].header.paragraphs[0].text
    assert header == "明远商业银行股份有限公司　内部文件"


def test_articles_keep_native_numbering(regulation: bytes) -> None:
    document = docx.Document(BytesIO(regulation))
    articles = [p for p in document.paragraphs if p.style.name == "Article"]
    assert len(articles) > 50
    assert not any(p.text.startswith("第一条") for p in articles)  # the number is Word's
    numbering = oxml.read_numbering(document)
    for name, text in (("Article", "第%1条"), ("Heading 1", "第%1章"), ("List Number", "（%1）")):
        linked = oxml.style_numbering(document.styles[name])
        assert linked is not None, name
        num_id, level = linked
        abstract_id, _ = numbering.nums[num_id]
        assert numbering.abstracts[abstract_id][level].text == text


def test_house_styles_are_kept_and_missing_ones_copied(tmp_path: Path) -> None:
    folder = house_folder(tmp_path)
    house = docx.Document(folder / "styles" / "house.docx")
    house_title_size = house.styles["Title"].font.size
    data = policygen.render(BANK, "contract", "docx", contract_no="MY-ITO-2026-001",
                            template_dirs=[folder])  # fmt: skip
    document = docx.Document(BytesIO(data))
    names = {style.name for style in document.styles}
    assert {"Article", "Clause", "Sub-clause", "Table Text", "Signature Party"} <= names
    assert document.styles["Title"].font.size == house_title_size
    assert document.paragraphs[0].text == LETTERHEAD
    # No version or effective date; {{ doc_no }} is the contract number.
    assert (
        document.paragraphs[2].text == "明远商业银行股份有限公司\u3000\u3000\u3000MY-ITO-2026-001"
    )
    assert document.tables  # the signature block and fee tables came through


def test_contract_clauses_count_with_the_copied_article_list(tmp_path: Path) -> None:
    data = policygen.render(BANK, "contract", "docx", contract_no="MY-ITO-2026-001",
                            template_dirs=[house_folder(tmp_path)])  # fmt: skip
    document = docx.Document(BytesIO(data))
    numbering = oxml.read_numbering(document)
    article = oxml.style_numbering(document.styles["Article"])
    clause = oxml.style_numbering(document.styles["Clause"])
    assert article is not None and clause is not None and article[0] != clause[0]
    assert numbering.nums[article[0]][0] == numbering.nums[clause[0]][0]
    shown = numbering.levels(article[0])[0]
    assert (shown.fmt, shown.style) == ("chineseCounting", document.styles["Article"].style_id)
    assert numbering.levels(clause[0])[0].fmt == "decimal"
    clauses = [p.text for p in document.paragraphs if p.style.name == "Clause"]
    assert len(clauses) > 20 and not any(text.lstrip()[:1].isdigit() for text in clauses)
    # The Chinese faces the copied styles name come with their font table entries.
    with ZipFile(BytesIO(data)) as package:
        table = package.read("word/fontTable.xml").decode("utf-8")
    for face in ("宋体", "黑体", "楷体"):
        assert f'w:name="{face}"' in table, face
    assert (
        'w:name="宋体"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/>'
        in table
    )


def test_house_fields_of_a_contract_are_its_own() -> None:
    context = house_context(sample_contract())
    assert (context["contract_no"], context["signed_on"], context["signed_at"]) == (
        "HX-ITO-2026-001", "2026年3月18日", "北京市西城区",
    )  # fmt: skip
    assert context["version"] == context["date"] == ""
    assert context["doc_no"] == context["contract_no"]  # the number the contract is known by
    assert [party["role"] for party in context["parties"]] == ["甲方", "乙方"]
    regulation = house_context(sample_regulation())
    assert (regulation["version"], regulation["date"]) == ("V2.0", "2026年1月1日")
    assert regulation["contract_no"] == regulation["signed_on"] == ""
    assert regulation["doc_no"] == "华银发〔2026〕1号"


def test_the_house_stage_fills_the_template_and_the_writer_only_places_the_body(
    tmp_path: Path,
) -> None:
    """The house template runs in its own stage (policygen.house.fill_house); the DOCX writer
    is handed the filled-in document and runs no template: the same stage output gives the
    same DOCX, the body where ``{{p body }}`` was, between the house's own paragraphs."""
    from policygen.house import fill_house
    from policygen.writers import WriterOptions
    from policygen.writers.docx.writer import write_docx

    contract = sample_contract()
    house = fill_house(contract, [house_folder(tmp_path)])
    assert house is not None and house.name == "house.docx"
    filled = docx.Document(BytesIO(house.data))
    texts = [paragraph.text for paragraph in filled.paragraphs]
    assert "{{" not in "".join(texts) and contract.title in texts
    assert oxml.body_mark(filled) is not None
    options = WriterOptions(template_dirs=(ROOT / "src" / "policygen" / "templates" / "zh",))
    written = write_docx(contract, options, house=house)
    assert write_docx(contract, options, house=house) == written
    paragraphs = [p.text for p in docx.Document(BytesIO(written)).paragraphs]
    closing = paragraphs.index("（本文件由示例集团法律合规部发布）")
    assert closing == len(paragraphs) - 1  # the house's last paragraph stays last
    body = paragraphs[paragraphs.index(LETTERHEAD) + 3 : closing]
    assert len(body) > 10 and contract.title in body  # the body went in where the mark was
    with ZipFile(BytesIO(written)) as package:
        assert oxml.BODY_MARK not in package.read("word/document.xml").decode()
    assert fill_house(contract, [tmp_path / "nowhere"]) is None


def test_a_misspelt_house_field_is_named_with_the_field_meant(tmp_path: Path) -> None:
    folder = house_folder(tmp_path)
    house = docx.Document(folder / "styles" / "house.docx")
    house.add_paragraph("{{ titel }}")
    house.save(folder / "styles" / "house.docx")
    with pytest.raises(RenderError) as caught:
        policygen.render(BANK, "regulation", "docx", template_dirs=[folder])
    message = str(caught.value)
    assert message.startswith("house.docx（第 6 段「{{ titel }}」） 出错")
    assert "未定义的字段 titel，是否想写「title」？" in message


def test_house_without_body_placeholder_is_refused(tmp_path: Path) -> None:
    folder = house_folder(tmp_path, body=False)
    with pytest.raises(RenderError, match=r"\{\{p body \}\}"):
        policygen.render(BANK, "regulation", "docx", template_dirs=[folder])


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_shows_the_letterhead_and_article_numbers(
    regulation: bytes, tmp_path: Path
) -> None:
    source = tmp_path / "house-regulation.docx"
    source.write_bytes(regulation)
    text = convert_one(source, "txt:Text").read_text(encoding="utf-8-sig")
    assert text.lstrip().startswith(LETTERHEAD)
    assert "明银发〔2026〕68号" in text.split("第一章")[0]  # {{ doc_no }} on the cover
    for label in ("第一章", "第一条", "第二条", "第十条", "（一）"):
        assert label in text, label


def test_an_endless_house_template_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The house template is the user's: it renders under the user-template time limit."""
    from policygen.templating import limits

    monkeypatch.setenv(limits.TIMEOUT_VARIABLE, "2")
    folder = house_folder(tmp_path)
    house = docx.Document(folder / "styles" / "house.docx")
    house.add_paragraph(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    )
    house.save(folder / "styles" / "house.docx")
    with pytest.raises(RenderError, match="超时"):
        policygen.render(BANK, "regulation", "docx", template_dirs=[folder])


def test_core_properties_survive_docxtpl(regulation: bytes) -> None:
    """Importing docxtpl (through docxcompose) rebinds python-docx's ``cp`` prefix; the
    keywords and version of every DOCX the process writes afterwards must still be there."""
    from policygen.templating.docxtpl_loader import load_docxtpl

    load_docxtpl()
    plain = policygen.render(BANK, "regulation", "docx")
    with ZipFile(BytesIO(plain)) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "<cp:keywords>" in core and "<cp:version>" in core
    keywords = docx.Document(BytesIO(plain)).core_properties.keywords
    assert "外包" in keywords
    assert docx.Document(BytesIO(regulation)).core_properties.keywords == keywords


def test_house_bookmarks_do_not_clash_with_the_body(tmp_path: Path) -> None:
    """The house letterhead's own bookmark uses id 1, as the body's first one does: after
    rendering every bookmark has its own id and each end closes its own start."""
    folder = house_folder(tmp_path)
    path = folder / "styles" / "house.docx"
    house = docx.Document(path)
    letterhead = house.paragraphs[0]
    oxml.add_bookmark(letterhead, "Letterhead", 1)
    house.save(path)
    data = policygen.render(BANK, "regulation", "docx", template_dirs=[folder])
    body = docx.Document(BytesIO(data)).element.body
    starts = body.findall(".//" + qn("w:bookmarkStart"))
    ends = body.findall(".//" + qn("w:bookmarkEnd"))
    start_ids = [s.get(qn("w:id")) for s in starts]
    assert len(starts) > 50
    assert len(set(start_ids)) == len(start_ids)
    assert sorted(e.get(qn("w:id")) for e in ends) == sorted(start_ids)
    names = {s.get(qn("w:name")): s.get(qn("w:id")) for s in starts}
    assert names["Letterhead"] == "1"


def test_no_writer_runs_a_template() -> None:
    """Writers are pure: templates (Markdown, Word, house) run in the stages before them, so
    no module under writers/ imports Jinja, docxtpl or the template limits."""
    import ast

    forbidden = ("jinja2", "docxtpl", "policygen.templating.limits",
                 "policygen.templating.docxtpl_loader", "policygen.house")  # fmt: skip
    writers = ROOT / "src" / "policygen" / "writers"
    found = []
    for path in sorted(writers.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        checking = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in checking or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            found += [f"{path.name}: {m}" for m in names if m.startswith(forbidden)]
    assert found == []
