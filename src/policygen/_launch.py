"""The ``policygen`` command's entry point: ``--version`` is answered at once, without loading
the command line (typer, rich: a tenth of a second); anything else goes to policygen.cli."""

from __future__ import annotations

import sys

from policygen import __version__


def version_line() -> str:
    """What ``policygen --version`` prints."""
    return f"policygen {__version__}"


def main() -> int:
    """Run the ``policygen`` command with the process's arguments; return its exit code."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(version_line() + "\n")
        return 0
    from policygen.cli import main as run

    return run()
