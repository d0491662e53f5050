"""JPEG (and MPO: a JPEG whose extra pictures are previews, gain maps or depth maps).

Speed: a 12 MP photo must load, clean and verify in about 0.3 s. For the common case (RGB
or gray, no colour profile or an sRGB one) the pixels are decoded by OpenCV's libjpeg-turbo
straight into a numpy array, which skips Pillow's copy out of its own pixel store (~70 ms
on 12 MP) and gives the same pixel values. Pillow still reads the header (size limit,
orientation, profile) and decodes everything else (CMYK, wide-gamut profiles, 12-bit...).
OpenCV tolerates a truncated file (it fills the rest with gray), so the entropy-coded data
is first checked to run to an end-of-image marker. A file cut short with an end marker
appended passes that check; libjpeg then warns that data ran out, and that warning
(caught by `libjpeg_messages`, never printed) refuses the file. Pillow's libjpeg keeps its
warnings to itself, so a file Pillow decodes is first decoded by OpenCV at 1/8 scale for
the same check.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sanitizer import colour, errors
from sanitizer.formats import libjpeg_messages
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
        else:
            check_data_complete(Path(self.path).read_bytes())
        return super().decode(im, icc)


_DAMAGED = "the JPEG file is damaged: part of its picture data is missing"


def decode_with_opencv(path: Path, size: tuple[int, int]) -> np.ndarray | None:
    """RGB pixels (stored orientation), or None to let Pillow decode (and report errors).

    Raises DecodeError when libjpeg reports that picture data is missing."""
    data = Path(path).read_bytes()
    if not scan_is_complete(data):
        return None  # truncated: Pillow raises the proper "truncated" error
    buffer = np.frombuffer(data, np.uint8)
    with libjpeg_messages.captured() as messages:
        if _RGB_FLAG is not None:  # OpenCV >= 4.10 can have libjpeg-turbo write RGB directly
            pixels = cv2.imdecode(buffer, _RGB_FLAG | cv2.IMREAD_IGNORE_ORIENTATION)
        else:
            bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
            pixels = None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if messages.data_lost:
        raise errors.DecodeError(_DAMAGED)
    if pixels is None or pixels.shape != (size[1], size[0], 3):
        return None
    return pixels


def check_data_complete(data: bytes) -> None:
    """Raise DecodeError when libjpeg finds picture data missing (a cheap 1/8-scale grey decode:
    all compressed data is still read, the full-size pixels are never made)."""
    if not scan_is_complete(data):
        return  # no end marker: Pillow raises its own "truncated" error
    with libjpeg_messages.captured() as messages:
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8 | cv2.IMREAD_IGNORE_ORIENTATION)
    if messages.data_lost:
        raise errors.DecodeError(_DAMAGED)


def scan_is_complete(data: bytes) -> bool:
    """True when the first image's segments and scans run to an end-of-image marker."""
    walk = JpegSegmentWalk(data, strict=False)
    for _ in walk:
        pass
    return walk.reached_end_of_image
