"""BMP / DIB."""
from __future__ import annotations

from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import BMP


class BmpParser(ImageParser):
    mimetypes = (BMP,)
    name = "bmp"
    label = "BMP"
    pillow_formats = ("BMP",)
