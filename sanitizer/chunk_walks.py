"""One walker per container format of untrusted input: ISOBMFF boxes, PNG chunks, RIFF chunks.

(JPEG segments have theirs in jpeg_segments.py.) A walker only reads headers and says where
each box or chunk lies; what a body means, and whether a damaged structure is a finding, a
refusal or a failed verification, is the caller's business. Every walk moves forward by at
least one header per step, so no input makes it loop, and it never reads a body itself.
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple


# ---- ISO base media file format (HEIF, AVIF, MP4): ISO/IEC 14496-12 4.2 ----------------
class Box(NamedTuple):
    kind: bytes    # four-character type, e.g. b"meta"
    start: int     # offset of the box header
    payload: int   # offset of the first byte after the header (32- or 64-bit size)
    end: int       # offset just past the box as declared (may pass the walk's end when cut short)


def iter_boxes(read_at: Callable[[int, int], bytes], start: int, end: int) -> Iterator[Box]:
    """The boxes laid end to end between `start` and `end`; `read_at(offset, n)` gives bytes.

    A size of 0 means "to the end". The walk stops at a header that cannot be a box (a size
    smaller than its own header, a 64-bit size cut off); a box declared past `end` is
    yielded and ends the walk. Callers compare the last box's end with `end` to tell a
    complete structure from a damaged one."""
    pos = start
    while pos + 8 <= end:
        head = read_at(pos, 8)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            wide = read_at(pos + 8, 8) if pos + 16 <= end else b""
            if len(wide) < 8:
                return
            size, header = struct.unpack(">Q", wide)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield Box(kind, pos, pos + header, pos + size)
        if pos + size > end:
            return
        pos += size


def boxes_in(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """iter_boxes over bytes in memory."""
    return iter_boxes(lambda pos, n: bytes(data[pos:pos + n]), start, len(data) if end is None else end)


# ---- PNG: ISO/IEC 15948 5.3 --------------------------------------------------------------
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngChunk(NamedTuple):
    ctype: bytes   # chunk type, e.g. b"IHDR"
    length: int    # body length as declared
    body: int      # offset of the body in the stream (the 4-byte CRC follows the body)

    @property
    def header(self) -> bytes:
        return struct.pack(">I4s", self.length, self.ctype)


def iter_png_chunks(fh: BinaryIO) -> Iterator[PngChunk]:
    """The chunks of a PNG stream positioned just after its signature, up to IEND.

    The caller may read or skip a body: the walk seeks to the next header itself. It stops
    after IEND or when a whole 8-byte header cannot be read."""
    pos = fh.tell()
    while True:
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return
        length, ctype = struct.unpack(">I4s", head)
        yield PngChunk(ctype, length, pos + 8)
        if ctype == b"IEND":
            return
        pos += 12 + length


# ---- RIFF (WebP): chunks are padded to an even length -----------------------------------
class RiffChunk(NamedTuple):
    fourcc: bytes
    body: int      # offset of the body
    length: int    # body length as declared (the body may run past the data when cut short)

    @property
    def body_end(self) -> int:
        return self.body + self.length


def iter_riff_chunks(data: bytes | memoryview, start: int, end: int) -> Iterator[RiffChunk]:
    """The chunks laid end to end between `start` and `end` of `data`."""
    pos = start
    while pos + 8 <= end:
        fourcc = bytes(data[pos:pos + 4])
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        yield RiffChunk(fourcc, pos + 8, length)
        pos += 8 + length + (length & 1)
