"""A wheel built from the repository works outside it: templates, styles and schema ship inside."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("policygen-*.whl")
    return built


def test_wheel_ships_templates_styles_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "policygen/templates/zh/regulation.md.j2",
        "policygen/templates/zh/contract.md.j2",
        "policygen/templates/zh/sla.md.j2",
        "policygen/templates/zh/terms.yaml",
        "policygen/templates/zh/defaults.yaml",
        "policygen/templates/zh/schema.yaml",
        "policygen/templates/zh/styles/reference.docx",
        "policygen/templates/zh/styles/base.css",
        "policygen/templates/zh/styles/default.style.yaml",
        "policygen/templates/zh/styles/gongwen.style.yaml",
        "policygen/templates/zh/styles/gongwen.docx",
        "policygen/schemas/profile.schema.json",
        "policygen/editor/static/index.html",
        "policygen/editor/static/app.js",
        "policygen/editor/static/form.js",
        "policygen/editor/static/editor.css",
        "policygen/batch/dask.yaml",
    ):
        assert required in names, required


def test_wheel_renders_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import policygen; "
        "assert policygen.__file__.startswith(sys.argv[1]), policygen.__file__; "
        "files = policygen.render_set(sys.argv[2], formats=['docx', 'txt']); "
        "print(len(files))"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            script,
            str(site),
            str(ROOT / "examples" / "manufacturer.yaml"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 14  # seven documents (no DPA; a safety agreement) × 2
