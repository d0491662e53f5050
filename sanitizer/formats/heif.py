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

from sanitizer import colour
from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import AVIF, HEIF

# Thumbnails, depth and auxiliary images are never decoded: only the primary image is used.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


class HeifParser(ImageParser):
    mimetypes = (HEIF,)
    name = "heif"
    label = "HEIC/HEIF"
    pillow_formats = ("HEIF",)

    def check(self, im: Image.Image) -> None:
        # Several top-level images (bursts, edits): pillow-heif opens the primary one.
        return None

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
