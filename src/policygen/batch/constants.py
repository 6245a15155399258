"""The names every part of a batch run shares."""

from __future__ import annotations

from typing import Literal

DEFAULT_KINDS = ("contract", "sla")
"""The documents rendered per row when none are asked for."""

OUTPUT_FOLDER = "输出目录"
"""What a headline calls the output folder when it cannot be written (输出目录有误)."""

MANIFEST = ".policygen.json"
"""The file in each row's folder recording, per output, the hash of its inputs and its bytes."""

Status = Literal["rendered", "skipped", "failed"]
