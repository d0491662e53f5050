"""GIF (still images only: an animated GIF is refused, never reduced to one frame silently)."""
from __future__ import annotations

from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import GIF


class GifParser(ImageParser):
    mimetypes = (GIF,)
    name = "gif"
    label = "GIF"
    pillow_formats = ("GIF",)
