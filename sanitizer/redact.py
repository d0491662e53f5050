"""Irreversible redaction of regions in a pixel array.

Three styles, all meant to leave nothing recoverable:
- fill: solid colour.
- blur: box blur with a kernel of at least half the region, applied twice, then noise.
  The noise matters: a known blur kernel can be partly inverted, a blur plus noise cannot.
  A large region is blurred and noised at a small work size, then scaled up.
- pixelate: blocks no smaller than 1/8 of the region (at most 8 blocks across), then the
  same strong blur and noise, so block means do not survive as a coarse portrait either.
Masks have hard edges so every pixel of the region is covered. In a picture with
transparency a redacted region becomes opaque (no trace left in the alpha channel either),
and colour under fully transparent pixels is cleared everywhere.
"""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from .regions import Region, Shape
from .settings import Settings, Style
from .transparency import clear_invisible_colour

FILL_COLOUR = (0, 0, 0)
NOISE_AMPLITUDE = 10  # uniform integer noise in [-10, 10] (std ~6 grey levels)
MIN_BLOCKS = 8  # pixelation: block >= region/8
BLUR_WORK_SIDE = 64  # long side (px) at which a large region is blurred


def region_mask(region: Region, width: int, height: int) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """A boolean mask of the region over its clipped bounding box, and that box (x0, y0, x1, y1)."""
    x, y, w, h = region.box
    x0, y0 = max(0, int(np.floor(x))), max(0, int(np.floor(y)))
    x1, y1 = min(width, int(np.ceil(x + w))), min(height, int(np.ceil(y + h)))
    if x1 <= x0 or y1 <= y0:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    if region.shape is Shape.ELLIPSE:
        centre = (int(round(x + w / 2 - x0)), int(round(y + h / 2 - y0)))
        axes = (max(1, int(np.ceil(w / 2))), max(1, int(np.ceil(h / 2))))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, thickness=-1)
    elif region.shape is Shape.POLYGON and region.polygon and len(region.polygon) >= 3:
        pts = np.array([[px - x0, py - y0] for px, py in region.polygon], np.float32)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    else:
        mask[:] = 1
    return mask.astype(bool), (x0, y0, x1, y1)


def _strong_blur(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = patch.shape[:2]
    # A large region is averaged down first (area averaging is itself a box filter) and
    # blurred at that size: the same kernel relative to the region, a fraction of the cost.
    small = patch
    if max(h, w) > BLUR_WORK_SIDE:
        f = BLUR_WORK_SIDE / max(h, w)
        small = cv2.resize(patch, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    k = max(3, (max(sh, sw) + 1) // 2)
    out = cv2.blur(small, (k, k), borderType=cv2.BORDER_REFLECT)
    out = cv2.blur(out, (k, k), borderType=cv2.BORDER_REFLECT)
    # Noise at the work size, where the blurred information lives, before scaling up: as
    # effective against inverting the blur, and smooth at full size, so a video encoder
    # does not spend its bits on grain (per-pixel noise doubled the file and tripled the
    # decode time). Integer noise and a saturating cv2.add: video calls this per frame.
    noise = rng.integers(-NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1, out.shape, dtype=np.int8)
    out = cv2.add(out, noise, dtype=cv2.CV_8U)
    if out.shape[:2] != (h, w):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def pixel_blocks(patch: np.ndarray) -> np.ndarray:
    """The patch as at most MIN_BLOCKS x MIN_BLOCKS flat blocks."""
    h, w = patch.shape[:2]
    bw, bh = max(1, min(MIN_BLOCKS, w)), max(1, min(MIN_BLOCKS, h))
    small = cv2.resize(patch, (bw, bh), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _pixelate(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return _strong_blur(pixel_blocks(patch), rng)


def _fill(patch: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    out = np.empty_like(patch)
    out[...] = np.array(FILL_COLOUR + (255,), np.uint8)[: patch.shape[2]]
    return out


_RENDERERS = {Style.FILL: _fill, Style.BLUR: _strong_blur, Style.PIXELATE: _pixelate}


def redact_region(pixels: np.ndarray, region: Region, style: Style, rng: np.random.Generator,
                  fill: int | None = None) -> None:
    """Redact one region in place, in an RGB(A) picture or in one plane of a video frame
    (`fill` is then the plane's value for a solid fill)."""
    height, width = pixels.shape[:2]
    found = region_mask(region, width, height)
    if found is None:
        return
    mask, (x0, y0, x1, y1) = found
    patch = pixels[y0:y1, x0:x1]
    if style is Style.FILL and fill is not None:
        rendered = np.full_like(patch, fill)
    else:
        rendered = _RENDERERS[style](np.ascontiguousarray(patch), rng)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        # Alpha is flattened too: letters drawn in the alpha channel (or one level off it)
        # would otherwise survive a colour-only redaction.
        rendered[..., 3] = 255
    cv2.copyTo(rendered, mask.view(np.uint8), patch)


# Black in limited-range YUV (what FILL_COLOUR becomes in a yuv420p video frame).
_YUV_FILL = (16, 128, 128)


def _scaled(region: Region, factor: float) -> Region:
    x, y, w, h = region.box
    polygon = tuple((px * factor, py * factor) for px, py in region.polygon) if region.polygon else None
    return replace(region, box=(x * factor, y * factor, w * factor, h * factor), polygon=polygon)


def redact_yuv420(planes: tuple[np.ndarray, np.ndarray, np.ndarray], regions: list[Region],
                  settings: Settings, seed: int | None = None) -> None:
    """Redact in place the Y, U and V planes of a yuv420p video frame (U and V at half size).

    The same regions and styles as apply_redactions, without turning the frame into RGB and
    back, and on half the pixels (chroma is quarter size). Each plane loses its detail: Y is
    blurred or filled at full size, U and V with the region halved.
    """
    luma, cb, cr = planes
    rng = np.random.default_rng(seed)
    for region in regions:
        if not region.redacted:
            continue
        style = settings.style_for(region.kind.value)
        redact_region(luma, region, style, rng, fill=_YUV_FILL[0])
        half = _scaled(region, 0.5)
        redact_region(cb, half, style, rng, fill=_YUV_FILL[1])
        redact_region(cr, half, style, rng, fill=_YUV_FILL[2])


def apply_redactions(pixels: np.ndarray, regions: list[Region], settings: Settings,
                     seed: int | None = None) -> np.ndarray:
    """A new array with every region whose decision is REDACT rendered in its kind's style."""
    out = np.array(pixels, copy=True)
    if out.ndim == 2:
        out = np.stack([out] * 3, axis=-1)
    clear_invisible_colour(out)
    rng = np.random.default_rng(seed)
    for region in regions:
        if region.redacted:
            redact_region(out, region, settings.style_for(region.kind.value), rng)
    return out
