"""Golden files: every example document as text, Markdown, HTML, normalised DOCX XML and
document tree, reviewed as a diff when it changes.

Regenerate every golden with one command, then read the diff before committing it::

    pytest tests/test_goldens.py --update-goldens

Each example set (examples/<example>.yaml) is rendered once, by the public API in txt, md,
html and docx, and its trees are built once (the trees the writers receive); the tests
compare them with ``tests/golden/<example>/``:

- ``<stem>.txt``, ``<stem>.md``: the plain-text and Markdown documents, as written.
- ``tree/<stem>.txt``: the document tree after numbering, references and unbreakable runs
  (policygen.tree.dump): one node a line.
- ``html/<stem>.html``: the HTML document with each ``<style>`` sheet's text replaced by the
  name of the file holding it, ``html/css/<stem>-<n>.css`` (n: the sheet's place in the
  document), stored once for the documents whose sheet is the same; <stem> is the first
  such document.
- ``docx/``: the DOCX parts where the risk is (DOCX_PARTS: document, numbering, styles,
  settings, headers, footers, core properties), canonicalised (C14N 1.0: attributes and
  namespace declarations sorted) and indented one element a line by lxml. Nothing is
  dropped: the DOCX is reproducible (its rsids come from python-docx's template, its dates
  from the document), so nothing varies from run to run. A regulation's contents page holds
  the page numbers of its Typst layout: its goldens assume the fonts ``make setup``
  installs (Noto CJK). Each distinct
  part is stored once, as ``docx/<part>/<stem>.xml`` (<stem>: the first document holding
  it; the styles of a whole set are one file); ``docx/index.txt`` lists every DOCX's zip
  entries in order, each stored part with the file holding it.

A document added or removed fails the test until the goldens are regenerated."""

from __future__ import annotations

import difflib
import fnmatch
import io
import re
import shutil
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree

import policygen
from policygen.api import renderable
from policygen.layout.engine import Engines
from policygen.pipeline import build_set
from policygen.tree import nodes as n
from policygen.tree.dump import dump

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"

EXAMPLES = ("bank", "manufacturer", "securities")
FORMATS = ("txt", "md", "html", "docx")

AREAS = ("html", "docx", "tree")
"""The folders of an example's goldens beside its text and Markdown files."""

DOCX_PARTS = (
    "word/document.xml",
    "word/numbering.xml",
    "word/styles.xml",
    "word/settings.xml",
    "word/header*.xml",
    "word/footer*.xml",
    "docProps/core.xml",
)
"""The DOCX parts kept as goldens (fnmatch patterns of zip entry names)."""

STYLE = re.compile(r"(?<=<style>)(.*?)(?=</style>)", re.DOTALL)
"""The text of an HTML style sheet."""


@dataclass(frozen=True)
class ExampleSet:
    """One example's documents, rendered once for every golden test."""

    name: str
    """The example, e.g. ``bank`` (examples/bank.yaml)."""
    files: dict[str, bytes]
    """Every document of the set in each of FORMATS, by file name (render_set)."""
    trees: dict[str, n.Document]
    """The tree of every document, by file stem (``contract-MY-ITO-2026-001``)."""


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request: pytest.FixtureRequest, engines: Engines) -> ExampleSet:
    """The example set of the test's parameter, rendered once for this module's tests."""
    name = request.param
    profile = renderable(ROOT / "examples" / f"{name}.yaml")
    # Typst, the default engine, whatever POLICYGEN_PDF_ENGINE says: it numbers the contents
    # pages of the DOCX.
    files = policygen.render_set(profile, formats=FORMATS, pdf_engine="typst", engines=engines)
    trees = {built.job.stem: built.document for built in build_set(profile)}
    return ExampleSet(name, files, trees)


def test_text_goldens(example: ExampleSet, update_goldens: bool) -> None:
    folder = GOLDEN / example.name
    expected = {
        name: data.decode()
        for name, data in example.files.items()
        if name.endswith((".txt", ".md"))
    }
    check(folder, None, expected, update_goldens)
    if folder.is_dir():
        unknown = {p.name for p in folder.iterdir() if p.is_dir()} - set(AREAS)
        assert not unknown, f"{example.name}: folders no test checks: {sorted(unknown)}"


def test_tree_goldens(example: ExampleSet, update_goldens: bool) -> None:
    expected = {f"{stem}.txt": dump(doc) for stem, doc in example.trees.items()}
    check(GOLDEN / example.name, "tree", expected, update_goldens)


def test_html_goldens(example: ExampleSet, update_goldens: bool) -> None:
    check(GOLDEN / example.name, "html", html_goldens(example.files), update_goldens)


def test_docx_goldens(example: ExampleSet, update_goldens: bool) -> None:
    check(GOLDEN / example.name, "docx", docx_goldens(example.files), update_goldens)


def test_goldens_cover_every_document(example: ExampleSet) -> None:
    """Every document of the set has its tree, HTML and DOCX checked, and nothing else."""
    for fmt in FORMATS:
        stems = {name.removesuffix(f".{fmt}") for name in example.files if name.endswith(f".{fmt}")}
        assert stems == set(example.trees), fmt


# --------------------------------------------------------------------------- HTML


def html_goldens(files: Mapping[str, bytes]) -> dict[str, str]:
    """Return the HTML goldens of `files` by path under ``html/``: each document with its
    style sheets' text replaced by the name of the ``css/`` file holding it, and those files,
    each distinct sheet once."""
    out: dict[str, str] = {}
    stored: dict[str, str] = {}  # a sheet's text → its file
    for name, data in files.items():
        if not name.endswith(".html"):
            continue
        pieces = STYLE.split(data.decode())  # text, sheet, text, sheet, …, text
        for number, at in enumerate(range(1, len(pieces), 2), start=1):
            css = pieces[at]
            file = stored.setdefault(css, f"css/{name.removesuffix('.html')}-{number}.css")
            out[file] = css
            pieces[at] = f"/* {file} */"
        out[name] = "".join(pieces)
    return out


# --------------------------------------------------------------------------- DOCX


def docx_goldens(files: Mapping[str, bytes]) -> dict[str, str]:
    """Return the DOCX goldens of `files` by path under ``docx/``: each distinct part of
    DOCX_PARTS once, normalised, and ``index.txt``."""
    out: dict[str, str] = {}
    stored: dict[tuple[str, str], str] = {}  # (part, normalised text) → its file
    index: list[str] = []
    for name, data in files.items():
        if not name.endswith(".docx"):
            continue
        stem = name.removesuffix(".docx")
        index.append(name)
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for entry in package.namelist():
                if not any(fnmatch.fnmatchcase(entry, pattern) for pattern in DOCX_PARTS):
                    index.append(f"  {entry}")
                    continue
                part = PurePosixPath(entry).stem
                text = normalised_xml(package.read(entry))
                if (part, text) not in stored:
                    stored[part, text] = f"{part}/{stem}.xml"
                    out[stored[part, text]] = text
                index.append(f"  {entry} → {stored[part, text]}")
    out["index.txt"] = "".join(f"{line}\n" for line in index)
    return out


def normalised_xml(data: bytes) -> str:
    """Return the XML part `data` canonicalised (inclusive C14N 1.0: attributes and namespace
    declarations sorted, every declaration kept where it is, no XML declaration), then
    indented two spaces a level, one element a line. Text inside elements is left as it is."""
    canonical = etree.tostring(etree.fromstring(data), method="c14n")
    root = etree.fromstring(canonical)
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- checking


def check(folder: Path, area: str | None, expected: dict[str, str], update: bool) -> None:
    """Assert that the goldens of `area` in `folder` (a subfolder; None: the files directly
    in `folder`) are `expected`, by path below it; with `update`, rewrite them first."""
    where = folder if area is None else folder / area
    if update:
        if area is None:
            for old in stored_files(where, area):
                old.unlink()
        elif where.is_dir():
            shutil.rmtree(where)
        for name, text in expected.items():
            path = where / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode())
    stored = {p.relative_to(where).as_posix(): p for p in stored_files(where, area)}
    label = f"{folder.name}/{area}" if area else folder.name
    assert set(stored) == set(expected), (
        f"{label}: goldens added or removed: run with --update-goldens\n"
        f"  not stored: {sorted(set(expected) - set(stored))}\n"
        f"  not rendered: {sorted(set(stored) - set(expected))}"
    )
    changed = [
        name for name, text in expected.items() if text != stored[name].read_bytes().decode()
    ]
    assert not changed, (
        f"{label}: {len(changed)} changed: {changed}; review, then run with --update-goldens\n"
        + first_lines(diff_of(stored[changed[0]], expected[changed[0]], changed[0]), 60)
    )


def stored_files(where: Path, area: str | None) -> Iterator[Path]:
    """Yield the golden files of `area` in `where`: every file below it for an area, the
    files directly in it for None."""
    if not where.is_dir():
        return
    found = where.rglob("*") if area is not None else where.iterdir()
    yield from sorted(p for p in found if p.is_file())


def diff_of(path: Path, text: str, name: str) -> Iterator[str]:
    """Yield a unified diff from the golden at `path` to `text`."""
    old = path.read_bytes().decode().splitlines(keepends=True)
    yield from difflib.unified_diff(old, text.splitlines(keepends=True), name, f"{name} (now)")


def first_lines(lines: Iterator[str], count: int) -> str:
    """Return the first `count` of `lines` joined, and how many were left out."""
    kept = [line for _, line in zip(range(count), lines, strict=False)]
    rest = sum(1 for _ in lines)
    return "".join(kept) + (f"… {rest} more lines\n" if rest else "")
