"""Animated GIF, WebP and PNG (APNG): every frame as the viewer sees it, with its timing.

Each frame is the whole composed canvas (Pillow applies GIF disposal, APNG blend/dispose and
WebP frame offsets), so a redaction drawn on frame i covers what is shown at frame i,
whatever the file's own frame-difference coding. Nothing of the file's metadata travels
with an Animation: only pixels, per-frame durations and the loop count.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image

from sanitizer import colour, errors
from sanitizer.chunk_walks import iter_png_chunks
from sanitizer.formats.base import MAX_PIXELS, ImageParser, transpose_array

# Pillow format -> our name; the formats whose animation we clean (and write back as such).
ANIMATED_FORMATS = {"GIF": "gif", "WEBP": "webp", "PNG": "png"}

# A frame with no delay is shown for 100 ms by browsers; kept as written (timing is kept),
# this is only the value used for a frame rate when every delay is 0.
_DEFAULT_DURATION_MS = 100


@dataclass
class Animation:
    frames: list[np.ndarray]   # each HxWx3 (or HxWx4 when any frame is transparent) uint8 sRGB
    durations: list[int]       # milliseconds per frame, as the file gives them
    loop: int | None           # 0 = for ever, n = n times, None = the file said nothing (play once)
    format: str                # gif, webp or png
    has_alpha: bool

    @property
    def size(self) -> tuple[int, int]:
        return int(self.frames[0].shape[1]), int(self.frames[0].shape[0])

    @property
    def fps(self) -> float:
        total = sum(d or _DEFAULT_DURATION_MS for d in self.durations)
        return 1000.0 * len(self.durations) / max(total, 1)


def is_animated(im: Image.Image) -> bool:
    return im.format in ANIMATED_FORMATS and bool(getattr(im, "is_animated", False))


def png_declares_animation(path) -> bool:
    """An APNG 'acTL' chunk with two or more frames before the first image data."""
    with open(path, "rb") as fh:
        fh.seek(8)
        for chunk in iter_png_chunks(fh):
            if chunk.ctype == b"IDAT":
                return False
            if chunk.ctype == b"acTL" and chunk.length >= 8:
                return struct.unpack(">I", fh.read(4))[0] > 1
    return False


def decode_animation(parser: ImageParser, im: Image.Image) -> Animation:
    """All frames of an opened animated picture. The decompression-bomb guard counts every
    frame: frames x width x height must stay under MAX_PIXELS (the memory the frames need)."""
    width, height = im.size
    count = int(getattr(im, "n_frames", 1))
    if width * height * count > MAX_PIXELS:
        raise errors.TooLarge(
            f"the animation is {count} frames of {width}x{height} pixels ({width * height * count / 1e6:.0f} MP "
            f"in all), above the {MAX_PIXELS // 1_000_000} MP limit; shorten or shrink it before cleaning")
    orientation = parser.orientation(im)
    icc = parser.icc_profile(im)
    frames: list[np.ndarray] = []
    durations: list[int] = []
    loop = im.info.get("loop")
    for index in range(count):
        im.seek(index)
        rgba = im.convert("RGBA")
        rgb = colour.to_srgb(rgba.convert("RGB"), icc) if icc else rgba.convert("RGB")
        frame = np.dstack([np.asarray(rgb, dtype=np.uint8), np.asarray(rgba.getchannel("A"), dtype=np.uint8)])
        frames.append(transpose_array(frame, orientation) if orientation != 1 else frame)
        durations.append(max(0, int(im.info.get("duration", 0) or 0)))
    has_alpha = any(int(f[..., 3].min()) < 255 for f in frames)
    if not has_alpha:
        frames = [np.ascontiguousarray(f[..., :3]) for f in frames]
    return Animation(frames=frames, durations=durations, loop=None if loop is None else int(loop),
                     format=ANIMATED_FORMATS[str(im.format)], has_alpha=has_alpha)
