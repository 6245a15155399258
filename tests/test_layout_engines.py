"""The layout stage: PDF engines are objects holding their own state, a DOCX-only render of a
document without a contents page imports no engine, and the DOCX contents page shows the
pages of the layout the pipeline passes it."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from policygen.layout.engine import ENGINES, Engines, Layout, engine_class, engine_for
from policygen.pipeline import jobs, render_job, start_job
from policygen.profile.load import load_profile
from policygen.writers.options import DEFAULT_PDF_ENGINE, PDF_ENGINES

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "policygen"
BANK = ROOT / "examples" / "bank.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

ENGINE_MODULES = ("weasyprint", "typst", "pydyf")
"""Top-level packages of the PDF engines (pydyf: WeasyPrint's PDF writer)."""


def _imported(argv: list[str], tmp_path: Path) -> set[str]:
    """Return the modules `python -X importtime -m policygen ARGV` imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "policygen", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.MULTILINE)
    assert found, done.stderr[-2000:]
    return set(found)


def _engine_modules(modules: set[str]) -> set[str]:
    return {
        name
        for name in modules
        if name.split(".")[0] in ENGINE_MODULES
        or name.startswith(("policygen.layout.typst", "policygen.layout.weasyprint"))
        or name == "policygen.writers.pdf_typst"
    }


def test_a_docx_only_contract_imports_no_pdf_engine(tmp_path: Path) -> None:
    """A contract has no contents page: its DOCX needs no layout, so no engine loads."""
    argv = ["render", str(BANK), "-d", "contract", "-f", "docx", "-o", str(tmp_path / "out")]
    modules = _imported(argv, tmp_path)
    assert "policygen.writers.docx.writer" in modules  # the measure sees the render's imports
    assert _engine_modules(modules) == set()
    assert (tmp_path / "out" / "contract-MY-ITO-2026-001.docx").is_file()


def test_a_docx_only_regulation_loads_the_default_engine_alone(tmp_path: Path) -> None:
    """A regulation's contents page shows its layout's pages: the default engine lays it out
    (in a layout process of its own), and WeasyPrint stays unloaded."""
    argv = ["render", str(BANK), "-d", "regulation", "-f", "docx", "-o", str(tmp_path / "out")]
    engines = _engine_modules(_imported(argv, tmp_path))
    assert "policygen.layout.typst_engine" in engines
    assert not any(name.split(".")[0] in ("weasyprint", "pydyf") for name in engines)
    assert "typst" not in engines  # the binding loads in the layout process only


def test_the_engine_registry_is_the_list_of_engines() -> None:
    assert tuple(ENGINES) == PDF_ENGINES
    assert DEFAULT_PDF_ENGINE == "typst"
    for name in PDF_ENGINES:
        cls = engine_class(name)
        assert cls.name == name and cls.cores >= 1 and cls.workers_from >= 2


MODULES_WITH_ENGINE_STATE = [
    SRC / "layout" / "engine.py",
    SRC / "layout" / "typst_engine.py",
    SRC / "layout" / "weasyprint_engine.py",
    SRC / "layout" / "typst_compiler.py",
    SRC / "layout" / "weasyprint_layout.py",
    SRC / "writers" / "pdf.py",
    SRC / "writers" / "pdf_typst.py",
    SRC / "writers" / "docx" / "writer.py",
    SRC / "pipeline.py",
]


@pytest.mark.parametrize("path", MODULES_WITH_ENGINE_STATE, ids=lambda p: p.name)
def test_no_module_keeps_layout_state_in_globals(path: Path) -> None:
    """Engines, their caches and their layouts live in objects: no module of the layout
    stage rebinds a global, and none holds a mutable container at module level that is not a
    literal table named in capitals."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Global)], path.name
    containers = ("deque", "dict", "list", "set", "local", "WeakSet", "OrderedDict")
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign | ast.Assign):
            continue
        targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = node.value
        call = isinstance(value, ast.Call) and getattr(value.func, "id", "") in containers
        literal = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp)
        assert not call, (path.name, names)
        tables = all(name.isupper() or name == "__all__" for name in names)
        assert not literal or tables, (path.name, names)


def test_parallel_and_batch_and_pipeline_name_no_engine() -> None:
    """Engine-specific scheduling lives in the engines (PdfEngine.cores, workers_from)."""
    files = [SRC / "pipeline.py", SRC / "parallel.py", *sorted((SRC / "batch").glob("*.py"))]
    assert len(files) > 3
    for path in files:
        assert '"typst"' not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_the_docx_contents_page_shows_the_pages_of_the_layout(
    engine: str, engines: Engines
) -> None:
    """The regulation laid out once by each engine: its PDF is printed from that layout, and
    its DOCX contents page shows the Layout's pages, each where the PDF prints the heading."""
    profile = load_profile(BANK)
    (job,) = jobs(profile, ["regulation"])
    started = start_job(profile, job, ["docx", "pdf"], engines=engines, pdf_engine=engine)
    files = started.result()
    later = started.files["regulation.docx"]
    layout_future = getattr(later, "layout", None)
    assert layout_future is not None
    layout: Layout = layout_future.result()
    pdf = PdfReader(io.BytesIO(files["regulation.pdf"]))
    assert layout.pages == len(pdf.pages)
    body = docx.Document(io.BytesIO(files["regulation.docx"])).element.body
    entries = []
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is not None and re.fullmatch(r"TOC1", style.get(f"{W}val", "")):
            texts = [t.text or "" for t in paragraph.iter(f"{W}t")]
            entries.append(("".join(texts[:-1]), int(texts[-1])))
    chapters = [(text, page) for text, page in entries if text.startswith("第")]
    assert len(chapters) >= 5
    for text, page in chapters:
        printed = re.sub(r"\s+", "", pdf.pages[page - 1].extract_text())
        assert re.sub(r"\s+", "", text) in printed, (engine, text, page)


def test_an_engine_made_alone_prints_what_a_session_prints(engines: Engines) -> None:
    profile = load_profile(BANK)
    (job,) = jobs(profile, ["sla"])[:1]
    in_session = render_job(profile, job, ["pdf"], engines=engines)
    alone = render_job(profile, job, ["pdf"])  # a session of its own, closed after
    assert in_session == alone
    with engine_for(DEFAULT_PDF_ENGINE) as engine:
        assert engine.name == DEFAULT_PDF_ENGINE
