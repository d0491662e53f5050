"""TIFF (single image; reduced-resolution preview pages after the first are ignored).

Recent Pillow versions apply the TIFF Orientation tag while loading (and then delete the
tag); older ones do not. The orientation left to apply is read again after loading, so it
is applied exactly once either way.
"""
from __future__ import annotations

from PIL import Image

from sanitizer import errors
from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import TIFF

_REDUCED_IMAGE = 1  # NewSubfileType bit 0: a reduced-resolution copy of another page


class TiffParser(ImageParser):
    mimetypes = (TIFF,)
    name = "tiff"
    label = "TIFF"
    pillow_formats = ("TIFF",)

    def check(self, im: Image.Image) -> None:
        frames = getattr(im, "n_frames", 1)
        if frames <= 1:
            return
        try:
            for index in range(1, min(frames, 16)):
                im.seek(index)
                if not int(im.tag_v2.get(254, 0)) & _REDUCED_IMAGE:
                    raise errors.UnsupportedFormat(
                        "multi-page TIFF files are not supported: save each page as its own image first")
        finally:
            im.seek(0)

    def orientation_left_after_load(self, im: Image.Image, orientation: int) -> int:
        return self.orientation(im)

    def stored_size(self, im: Image.Image) -> tuple[int, int]:
        return tuple(getattr(im, "_tile_size", im.size))
