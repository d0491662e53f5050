"""PNG. Text chunks are dropped before Pillow parses the file.

tEXt/zTXt/iTXt are metadata we never keep, and a huge or compressed one is a cheap way to
exhaust memory; skipping them unread (by seeking past) removes that risk. An XMP iTXt of
reasonable size is kept only because Pillow reads orientation from it. The iCCP profile is
taken out and inflated here with its own limit (Pillow caps it at 1 MB, and real CMYK/LUT
profiles can be bigger).
"""
from __future__ import annotations

import io
import os
import warnings
import zlib

from PIL import Image

from sanitizer.chunk_walks import PNG_SIGNATURE as SIGNATURE
from sanitizer.chunk_walks import iter_png_chunks
from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import PNG

TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt"}
_XMP_KEY = b"XML:com.adobe.xmp\x00"
_KEEP_LIMIT = 1 << 20  # eXIf / XMP above 1 MB: not a real photo's metadata, skipped
_ICC_LIMIT = 32 << 20  # inflated ICC profile cap


def _inflate_iccp(body: bytes) -> bytes | None:
    """The profile of an iCCP chunk body (name, NUL, method, zlib data); None if unusable."""
    sep = body.find(b"\x00")
    if sep < 0 or sep + 2 > len(body):
        return None
    inflater = zlib.decompressobj()
    try:
        icc = inflater.decompress(body[sep + 2:], _ICC_LIMIT)
    except zlib.error:
        return None
    return icc if icc and not inflater.unconsumed_tail else None


def filtered_png_bytes(path) -> tuple[bytes, bytes | None]:
    """The file's bytes without text chunks, oversized eXIf and iCCP; and the ICC profile."""
    parts = [SIGNATURE]
    icc = None
    with open(path, "rb") as fh:
        if fh.read(8) != SIGNATURE:
            raise SyntaxError("not a PNG file")
        file_size = os.fstat(fh.fileno()).st_size
        for chunk in iter_png_chunks(fh):
            ctype = chunk.ctype
            # A declared length is never trusted for a read: a damaged 4-byte length can
            # claim 4 GB, and read(n) reserves n bytes before it finds the file shorter.
            length = min(chunk.length, max(0, file_size - chunk.body))
            if ctype in TEXT_CHUNKS:
                if not (ctype == b"iTXt" and chunk.length <= _KEEP_LIMIT and fh.read(len(_XMP_KEY)) == _XMP_KEY):
                    continue  # skipped unread
            elif ctype == b"eXIf" and chunk.length > _KEEP_LIMIT:
                continue
            elif ctype == b"iCCP":
                icc = _inflate_iccp(fh.read(length))
                continue
            fh.seek(chunk.body)
            body = fh.read(min(length + 4, max(0, file_size - chunk.body)))
            parts.append(chunk.header + body)
            if len(body) < chunk.length + 4:
                break
    return b"".join(parts), icc


class PngParser(ImageParser):
    mimetypes = (PNG,)
    name = "png"
    label = "PNG"
    pillow_formats = ("PNG",)

    def open(self) -> Image.Image:
        data, self._icc = filtered_png_bytes(self.path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=["PNG"])

    def icc_profile(self, im: Image.Image) -> bytes | None:
        return self._icc
