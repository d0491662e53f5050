"""The one abstract image parser every format module fills in (libmat2's shape).

A parser opens the file header-only, checks the pixel limit before any decoding, decodes
the first (and only allowed) frame, and hands back display-oriented sRGB pixels as a
fresh numpy array. Nothing of the original file's metadata travels with LoadedImage.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from sanitizer import colour, errors

# Decompression-bomb guard, checked from the header before decoding. 120 MP covers every
# phone and camera sensor on sale (the largest are ~100-102 MP) with room to spare. The
# pixels of a 120 MP RGBA image are ~0.5 GB, but a whole clean (detectors, redaction,
# encoding) peaks at ~3.4 GB (measured; README "Formats"), which a workstation can hold.
MAX_PIXELS = 120_000_000

# EXIF orientation -> Pillow transpose turning stored pixels into display pixels.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class LoadedImage:
    """Decoded pixels and the few facts the writer needs. Holds no metadata of the file."""
    pixels: np.ndarray            # HxWx3 or HxWx4 uint8, display orientation, sRGB
    format: str                   # jpeg png tiff webp heif avif bmp gif
    has_alpha: bool
    stored_size: tuple[int, int]  # (width, height) as stored, before orientation
    orientation: int = 1          # EXIF orientation that was applied (1-8)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in display pixels."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


class ImageParser:
    """Base parser: subclasses set `mimetypes`, `name`, `pillow_formats` and may override hooks."""

    mimetypes: ClassVar[tuple[str, ...]] = ()
    name: ClassVar[str] = ""
    pillow_formats: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = ""  # plain words used in messages ("JPEG")

    def __init__(self, path: Path):
        self.path = Path(path)

    # -- hooks -------------------------------------------------------------
    def open(self) -> Image.Image:
        """Open header-only (no pixel decoding yet)."""
        with warnings.catch_warnings():
            # Our own MAX_PIXELS check replaces Pillow's bomb warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(self.path, formats=list(self.pillow_formats))

    def check(self, im: Image.Image) -> None:
        """Refuse what this format allows but we do not (animation, ...)."""
        if getattr(im, "n_frames", 1) > 1:
            raise errors.UnsupportedFormat(
                f"animated or multi-frame {self.label} files are not supported: "
                "export a single still image first")

    def orientation(self, im: Image.Image) -> int:
        """EXIF orientation (Pillow also reads XMP tiff:Orientation when EXIF has none)."""
        try:
            value = int(im.getexif().get(0x0112, 1))
        except Exception:  # noqa: BLE001 - damaged EXIF: pixels are still good, show as stored
            return 1
        return value if value in range(1, 9) else 1

    def stored_size(self, im: Image.Image) -> tuple[int, int]:
        return im.size

    def orientation_left_after_load(self, im: Image.Image, orientation: int) -> int:
        """What remains to apply once the decoder has run (some decoders rotate themselves)."""
        return orientation

    def decode(self, im: Image.Image, icc: bytes | None) -> tuple[np.ndarray, bool]:
        """Decode the pixels to (sRGB uint8 array, has_alpha), stored orientation."""
        im.load()
        return to_srgb_pixels(im, icc)

    def icc_profile(self, im: Image.Image) -> bytes | None:
        icc = im.info.get("icc_profile")
        return bytes(icc) if icc else None

    # -- the fixed algorithm -------------------------------------------------
    def load(self) -> LoadedImage:
        im = self.open()
        try:
            width, height = im.size
            stored = self.stored_size(im)
            if width <= 0 or height <= 0:
                raise errors.DecodeError("the image header gives an empty size")
            if width * height > MAX_PIXELS:
                raise errors.TooLarge(
                    f"the image is {width}x{height} pixels ({width * height / 1e6:.0f} MP), above the "
                    f"{MAX_PIXELS // 1_000_000} MP limit; resize it before cleaning")
            self.check(im)
            orientation = self.orientation(im)
            icc = self.icc_profile(im)
            pixels, has_alpha = self.decode(im, icc)
            pending = self.orientation_left_after_load(im, orientation)
        finally:
            im.close()
        if pending != 1:
            pixels = transpose_array(pixels, pending)
        return LoadedImage(
            pixels=np.ascontiguousarray(pixels),
            format=self.name,
            has_alpha=has_alpha,
            stored_size=(int(stored[0]), int(stored[1])),
            orientation=orientation,
        )


def transpose_array(a: np.ndarray, orientation: int) -> np.ndarray:
    """Apply EXIF orientation to an HxWxC array (same result as Image.transpose)."""
    if orientation == 2:
        return a[:, ::-1]
    if orientation == 3:
        return a[::-1, ::-1]
    if orientation == 4:
        return a[::-1]
    if orientation == 5:
        return a.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(a, k=-1)
    if orientation == 7:
        return a[::-1, ::-1].transpose(1, 0, 2)
    if orientation == 8:
        return np.rot90(a, k=1)
    return a


def to_srgb_pixels(im: Image.Image, icc: bytes | None) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (HxWx3 or HxWx4 uint8 sRGB array, has_alpha).

    Alpha is kept only when it is not fully opaque, so an opaque RGBA HEIC can become a JPEG.
    """
    alpha: Image.Image | None = None
    mode = im.mode
    if mode == "P" or mode == "PA":
        im = im.convert("RGBA" if ("transparency" in im.info or mode == "PA") else "RGB")
        mode = im.mode
    if mode == "1":
        im, mode = im.convert("L"), "L"
    elif mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        im, mode = _wide_gray_to_l(im), "L"
    elif mode in ("La", "RGBa"):
        im = im.convert("LA" if mode == "La" else "RGBA")
        mode = im.mode
    elif mode in ("YCbCr", "HSV", "RGBX"):
        im, mode = im.convert("RGB"), "RGB"
    if mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        im = im.convert("RGB" if mode == "RGBA" else "L")
        mode = im.mode
    if mode not in ("RGB", "L", "CMYK", "LAB"):
        im = im.convert("RGB")
    rgb = colour.to_srgb(im, icc)
    pixels = np.asarray(rgb, dtype=np.uint8)
    if alpha is not None:
        a = np.asarray(alpha, dtype=np.uint8)
        if int(a.min()) < 255:
            return np.dstack([pixels, a]), True
    return pixels, False


def _wide_gray_to_l(im: Image.Image) -> Image.Image:
    """16-bit / 32-bit grayscale to 8-bit, scaling by the mode's range (not by clipping)."""
    a = np.asarray(im)
    if im.mode == "F":
        peak = 1.0 if float(np.nanmax(a)) <= 1.0 else 255.0
        out = np.clip(np.nan_to_num(a) / peak * 255.0, 0, 255)
    elif im.mode == "I" and int(a.max(initial=0)) <= 255 and int(a.min(initial=0)) >= 0:
        out = a
    else:
        out = np.clip(a.astype(np.int64) >> 8, 0, 255)
    return Image.fromarray(np.round(out).astype(np.uint8), "L")
