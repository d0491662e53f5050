"""WebP (still images only)."""
from __future__ import annotations

from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import WEBP


class WebpParser(ImageParser):
    mimetypes = (WEBP,)
    name = "webp"
    label = "WebP"
    pillow_formats = ("WEBP",)
