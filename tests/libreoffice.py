"""Run LibreOffice headless the way the tests do: a private user profile, the test fonts
(tests/fonts.conf maps 宋体/黑体/仿宋 to Noto CJK) unless a test asks for the machine's own, and
every conversion checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is missing"
)


def soffice(
    args: list[str], profile: Path, fonts: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run LibreOffice headless with the user profile `profile` and the test fonts; with
    `fonts`, with the machine's own fontconfig set-up and these variables instead (e.g.
    ``XDG_CONFIG_HOME`` for a user's conf.d)."""
    if fonts is None:
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    else:
        env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"} | dict(fonts)
    return subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )  # fmt: skip


def convert(
    sources: list[Path],
    target: str,
    outdir: Path,
    profile: Path,
    fonts: Mapping[str, str] | None = None,
) -> str:
    """Convert `sources` to `target` (``pdf``, ``txt:Text``, ``docx``) into `outdir`, with the
    fontconfig set-up `fonts` (see `soffice`); return LibreOffice's output, after checking that
    it converted every file and reported no error."""
    arguments = ["--convert-to", target, "--outdir", str(outdir), *map(str, sources)]
    result = soffice(arguments, profile, fonts)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error" not in output.lower(), output
    assert "repair" not in output.lower(), output
    suffix = target.split(":")[0]
    for source in sources:
        assert (outdir / f"{source.stem}.{suffix}").is_file(), output
    return output


def convert_one(source: Path, target: str) -> Path:
    """Convert `source` to `target` beside it (profile in a folder beside it too); return the
    converted file."""
    convert([source], target, source.parent, source.parent / f".lo-profile-{source.stem}")
    return source.with_suffix("." + target.split(":")[0])
