"""Read a file or a stream under a size limit, never holding more than one byte past it.

`read_at_most` reads an open binary stream (standard input, a file opened without following
links), `read_file` a file by its path; both return None for one that holds more than the
limit, and the caller says what is too large. Reading `limit` + 1 bytes, not checking the
size first, also stops a file that grows while it is read, and a stream of unknown size."""

from __future__ import annotations

import os
import typing


def read_at_most(stream: typing.BinaryIO, limit: int) -> bytes | None:
    """Return the rest of `stream`; None when that is more than `limit` bytes (it reads no
    more than `limit` + 1 of them)."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def read_file(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """Return the bytes of the file at `path`; None when it holds more than `limit`."""
    with open(path, "rb") as file:
        return read_at_most(file, limit)


__all__ = ["read_at_most", "read_file"]
