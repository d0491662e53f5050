"""The JPEG marker-segment walk, shared by the metadata reader and the output verifier."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

EOI = 0xD9  # end of image
SOS = 0xDA  # start of scan: entropy-coded data follows the segment
TEM = 0x01  # standalone marker with no length (rare)

# Inside entropy-coded data, 0xFF is followed by 0x00 (stuffing) or RST0-7; any other byte
# (after optional 0xFF fill) is the next marker.
_NEXT_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


class JpegStructureError(ValueError):
    """A strict walk met damage it cannot step over (the message is in plain words)."""


class JpegSegment(NamedTuple):
    marker: int      # the byte after 0xFF, e.g. 0xE1 for APP1
    payload: bytes   # the segment body after its 2-byte length (may be cut short when not strict)


class JpegSegmentWalk:
    """The marker segments of a JPEG's first image, walked from just after the SOI marker.

    Iterating yields one JpegSegment per marker that carries a length, in file order (SOS
    included; the entropy-coded data after it is skipped). Once the iteration is over,
    `reached_end_of_image` tells whether an EOI marker closed the image, and `stopped_at` is
    the offset just after that EOI (or where the walk stopped), so `data[stopped_at:]` is
    whatever follows the image.

    Why `strict`: one walk serves two opposite needs.
    - strict=False (metadata reader, any input): damaged files are normal and must still be
      reported. The walk stops quietly at bytes that are not a marker, yields a segment whose
      length runs past the data as far as it goes, and skips TEM as a length-less marker.
    - strict=True (verifier, our own output, which must be well-formed): a non-marker byte
      between segments or a segment length that is too small or runs past the end raises
      JpegStructureError, and only RST0-7 count as length-less, so any other marker is read
      as a segment and left to the caller's allowlist.
    In both modes a walk that ends without an EOI (cut-off file) just leaves
    `reached_end_of_image` False; the caller decides what that means.
    """

    def __init__(self, data: bytes, *, strict: bool):
        self.data = data
        self.strict = strict
        self.reached_end_of_image = False
        self.stopped_at = min(2, len(data))

    def __iter__(self) -> Iterator[JpegSegment]:
        data, end, strict = self.data, len(self.data), self.strict
        pos, damage = 2, None
        self.reached_end_of_image = False
        while pos < end:
            if data[pos] != 0xFF:
                damage = "unexpected bytes between JPEG segments"
                break
            while pos < end and data[pos] == 0xFF:  # 0xFF fill bytes may precede a marker
                pos += 1
            if pos >= end:
                break
            marker = data[pos]
            pos += 1
            if marker == EOI:
                self.reached_end_of_image = True
                break
            if 0xD0 <= marker <= 0xD7 or (marker == TEM and not strict):
                continue
            if pos + 2 > end:
                break
            length = int.from_bytes(data[pos:pos + 2], "big")
            if strict and (length < 2 or pos + length > end):
                damage = "a JPEG segment runs past the end of the file"
                break
            yield JpegSegment(marker, data[pos + 2:pos + length])
            pos += length
            if marker == SOS:
                next_marker = _NEXT_MARKER.search(data, pos)
                if next_marker is None:
                    pos = end
                    break
                pos = next_marker.start()
        self.stopped_at = min(pos, end)
        if strict and damage:
            raise JpegStructureError(damage)
