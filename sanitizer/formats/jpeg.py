"""JPEG (and MPO: a JPEG whose extra pictures are previews, gain maps or depth maps)."""
from __future__ import annotations

from PIL import Image

from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import JPEG


class JpegParser(ImageParser):
    mimetypes = (JPEG,)
    name = "jpeg"
    label = "JPEG"
    pillow_formats = ("JPEG",)

    def check(self, im: Image.Image) -> None:
        # MPO frames after the first are previews/gain maps of the same photo: only the
        # primary picture is decoded, the rest is dropped with the rest of the file.
        return None
