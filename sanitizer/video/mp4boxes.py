"""Walking the ISO base media (MP4) box tree of a file we wrote: used to blank the user-data
box after encoding and to check the box tree against an allowlist before the rename."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import VerificationFailed


@dataclass(frozen=True)
class Box:
    kind: str      # four-character type, e.g. "moov"
    start: int     # offset of the box header
    payload: int   # offset of the first byte after the header
    end: int       # offset just past the box


def child_boxes(fh: BinaryIO, start: int, end: int) -> list[Box]:
    """The boxes laid end to end between two offsets; a structure that does not add up is refused."""
    damaged = VerificationFailed("the written video has a damaged structure")
    boxes: list[Box] = []
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        size, kind = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise damaged
            size = struct.unpack(">Q", fh.read(8))[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise damaged
        boxes.append(Box(kind.decode("latin-1"), pos, pos + header, pos + size))
        pos += size
    if pos != end:
        raise damaged
    return boxes
