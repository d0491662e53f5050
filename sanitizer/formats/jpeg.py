"""JPEG (and MPO: a JPEG whose extra pictures are previews, gain maps or depth maps).

Speed: a 12 MP photo must load, clean and verify in about 0.3 s. For the common case (RGB
or gray, no colour profile or an sRGB one) the pixels are decoded by OpenCV's libjpeg-turbo
straight into a numpy array, which skips Pillow's copy out of its own pixel store (~70 ms
on 12 MP) and gives the same pixel values. Pillow still reads the header (size limit,
orientation, profile) and decodes everything else (CMYK, wide-gamut profiles, 12-bit...).
OpenCV tolerates a truncated file (it fills the rest with gray), so the entropy-coded data
is first checked to run to an end-of-image marker.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sanitizer import colour
from sanitizer.formats.base import ImageParser
from sanitizer.formats.content import JPEG
from sanitizer.jpeg_segments import JpegSegmentWalk

_RGB_FLAG = getattr(cv2, "IMREAD_COLOR_RGB", None)


class JpegParser(ImageParser):
    mimetypes = (JPEG,)
    name = "jpeg"
    label = "JPEG"
    pillow_formats = ("JPEG",)

    def check(self, im: Image.Image) -> None:
        # MPO frames after the first are previews/gain maps of the same photo: only the
        # primary picture is decoded, the rest is dropped with the rest of the file.
        return None

    def decode(self, im: Image.Image, icc: bytes | None) -> tuple[np.ndarray, bool]:
        if im.mode in ("RGB", "L") and (not icc or colour.is_srgb(icc)):
            pixels = decode_with_opencv(self.path, im.size)
            if pixels is not None:
                return pixels, False
        return super().decode(im, icc)


def decode_with_opencv(path: Path, size: tuple[int, int]) -> np.ndarray | None:
    """RGB pixels (stored orientation), or None to let Pillow decode (and report errors)."""
    data = Path(path).read_bytes()
    if not scan_is_complete(data):
        return None  # truncated: Pillow raises the proper "truncated" error
    buffer = np.frombuffer(data, np.uint8)
    if _RGB_FLAG is not None:  # OpenCV >= 4.10 can have libjpeg-turbo write RGB directly
        pixels = cv2.imdecode(buffer, _RGB_FLAG | cv2.IMREAD_IGNORE_ORIENTATION)
    else:
        bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        pixels = None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if pixels is None or pixels.shape != (size[1], size[0], 3):
        return None
    return pixels


def scan_is_complete(data: bytes) -> bool:
    """True when the first image's segments and scans run to an end-of-image marker."""
    walk = JpegSegmentWalk(data, strict=False)
    for _ in walk:
        pass
    return walk.reached_end_of_image
