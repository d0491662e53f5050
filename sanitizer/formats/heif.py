"""HEIC/HEIF (pillow-heif, libheif) and AVIF (Pillow's own AVIF plugin).

Orientation is applied exactly once:
- HEIF: libheif applies the irot/imir boxes while decoding (as the HEIF spec says the
  display image is defined) and pillow-heif then resets the EXIF orientation to 1, so the
  parser reports orientation 1 and applies nothing more.
- AVIF: Pillow's plugin decodes the stored pixels and turns irot/imir into an EXIF
  orientation value, so the base parser's EXIF orientation step applies it.
Colour from an ICC profile, or from an nclx box with wide-gamut primaries (Display P3).
"""
from __future__ import annotations


from PIL import Image
import pillow_heif

from sanitizer import colour, errors
from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import AVIF, HEIF
from sanitizer.chunk_walks import boxes_in
from sanitizer.metadata.isobmff import child_box

# Thumbnails, depth and auxiliary images are never decoded: only the primary image is used.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


class HeifParser(ImageParser):
    mimetypes = (HEIF,)
    name = "heif"
    label = "HEIC/HEIF"
    pillow_formats = ("HEIF",)

    def check(self, im: Image.Image) -> None:
        # Several top-level images (bursts, edits): pillow-heif opens the primary one.
        # libheif >= 1.19 decodes a file cut inside its image data without an error (the
        # missing tiles come out grey), so the boxes are checked to lie inside the file.
        if not boxes_are_complete(self.path.read_bytes()):
            raise errors.DecodeError(f"the {self.label} file is truncated or damaged (its image data "
                                     "runs past the end of the file)")

    def orientation(self, im: Image.Image) -> int:
        return 1

    def icc_profile(self, im: Image.Image) -> bytes | None:
        icc = im.info.get("icc_profile")
        if icc:
            return bytes(icc)
        return colour.nclx_to_icc(im.info.get("nclx_profile"))


class AvifParser(ImageParser):
    mimetypes = (AVIF,)
    name = "avif"
    label = "AVIF"
    pillow_formats = ("AVIF",)


def boxes_are_complete(data: bytes) -> bool:
    """True when every top-level box, and every file extent the 'iloc' box lists, fits in the file."""
    end, last, meta = len(data), 0, None
    for box in boxes_in(data):
        if box.end > end:
            return False
        if box.kind == b"meta":
            meta = (box.payload + 4, box.end)  # a FullBox: skip version and flags
        last = box.end
    if end - last >= 8 or meta is None:  # the walk stopped at a header that is not a box
        return False
    iloc = child_box(data, *meta, b"iloc")
    return iloc is not None and _extents_fit(data, *iloc)


def _extents_fit(data: bytes, start: int, end: int) -> bool:
    """Walk the 'iloc' box (ISO/IEC 14496-12 8.11.3): file-offset extents must end inside the file."""
    body = memoryview(data)[start:end]
    pos = 0

    def take(nbytes: int) -> int:
        nonlocal pos
        if pos + nbytes > len(body):
            raise ValueError("iloc box cut short")
        value = int.from_bytes(body[pos:pos + nbytes], "big")
        pos += nbytes
        return value

    try:
        version = take(1)
        take(3)  # flags
        sizes = take(2)
        offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
        base_offset_size = (sizes >> 4) & 0xF
        index_size = sizes & 0xF if version in (1, 2) else 0
        for _ in range(take(2 if version < 2 else 4)):
            take(2 if version < 2 else 4)  # item id
            method = take(2) & 0xF if version in (1, 2) else 0
            take(2)  # data reference index
            base = take(base_offset_size)
            for _ in range(take(2)):
                take(index_size)
                offset, length = take(offset_size), take(length_size)
                if method == 0 and base + offset + length > len(data):
                    return False
    except ValueError:
        return False
    return True
