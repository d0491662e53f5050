"""PNG. Text chunks are dropped before Pillow parses the file.

tEXt/zTXt/iTXt are metadata we never keep, and a huge or compressed one is a cheap way to
exhaust memory; skipping them unread (by seeking past) removes that risk. An XMP iTXt of
reasonable size is kept only because Pillow reads orientation from it. The iCCP profile is
taken out and inflated here with its own limit (Pillow caps it at 1 MB, and real CMYK/LUT
profiles can be bigger).
"""
from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image

from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import PNG

SIGNATURE = b"\x89PNG\r\n\x1a\n"
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
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            length, ctype = struct.unpack(">I4s", header)
            keep = True
            if ctype in TEXT_CHUNKS:
                keep = False
                if ctype == b"iTXt" and length <= _KEEP_LIMIT:
                    start = fh.read(len(_XMP_KEY))
                    fh.seek(-len(start), 1)
                    keep = start == _XMP_KEY
            elif ctype == b"eXIf" and length > _KEEP_LIMIT:
                keep = False
            elif ctype == b"iCCP":
                icc = _inflate_iccp(fh.read(length))
                fh.seek(4, 1)
                continue
            if not keep:
                fh.seek(length + 4, 1)
                continue
            body = fh.read(length + 4)
            parts.append(header + body)
            if ctype == b"IEND" or len(body) < length + 4:
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
