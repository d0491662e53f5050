"""Walking the ISO base media (MP4) box tree of a file we wrote: used to blank the user-data
box after encoding and to check the box tree against an allowlist before the rename."""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from ..chunk_walks import iter_boxes
from ..errors import VerificationFailed


@dataclass(frozen=True)
class Box:
    kind: str      # four-character type, e.g. "moov"
    start: int     # offset of the box header
    payload: int   # offset of the first byte after the header
    end: int       # offset just past the box


def child_boxes(fh: BinaryIO, start: int, end: int) -> list[Box]:
    """The boxes laid end to end between two offsets; a structure that does not add up is refused."""
    def read_at(pos: int, n: int) -> bytes:
        fh.seek(pos)
        return fh.read(n)

    boxes = [Box(b.kind.decode("latin-1"), b.start, b.payload, b.end) for b in iter_boxes(read_at, start, end)]
    if (boxes[-1].end if boxes else start) != end:  # cut short, overlong, or not boxes at all
        raise VerificationFailed("the written video has a damaged structure")
    return boxes
