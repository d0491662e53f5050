"""Pictures with transparency: what detectors must look at, and what the output may keep.

A transparent picture has more than one face. Text can be drawn in the colour channels
and show only over a dark page, or drawn in the alpha channel alone and show only over a
light one, or sit one alpha level off its background where no eye sees it but a threshold
gives it back. So detectors are run on every way the picture can be seen (`detection_views`)
and the export keeps no colour where the picture is fully transparent
(`clear_invisible_colour`): a viewer never shows it, a hostile reader of the raw channels
would.
"""
from __future__ import annotations

import numpy as np


def has_alpha(pixels: np.ndarray) -> bool:
    return pixels.ndim == 3 and pixels.shape[2] == 4


def _over(rgb: np.ndarray, alpha: np.ndarray, background: int) -> np.ndarray:
    a = alpha.astype(np.uint16)[..., None]
    mixed = (rgb.astype(np.uint16) * a + background * (255 - a) + 127) // 255
    return mixed.astype(np.uint8)


def _stretched(alpha: np.ndarray) -> np.ndarray:
    """The alpha channel as a grey picture with its range stretched to 0-255, so letters one
    level off their background read as black on white (or white on black)."""
    low, high = int(alpha.min()), int(alpha.max())
    if high == low:
        return np.repeat(alpha[..., None], 3, axis=2)
    scaled = (alpha.astype(np.uint16) - low) * 255 // (high - low)
    return np.repeat(scaled.astype(np.uint8)[..., None], 3, axis=2)


def detection_views(pixels: np.ndarray) -> list[np.ndarray]:
    """The RGB pictures detectors must see: the picture itself when it is opaque; for a
    transparent one, its colour channels as stored, the picture over white and over black,
    and its stretched alpha channel. Views identical to an earlier one are left out."""
    if not has_alpha(pixels):
        opaque = np.ascontiguousarray(pixels[..., :3])
        opaque.flags.writeable = False  # the same pixels are exported after analysis: detectors only read
        return [opaque]
    rgb, alpha = pixels[..., :3], pixels[..., 3]
    candidates = [np.ascontiguousarray(rgb), _over(rgb, alpha, 255), _over(rgb, alpha, 0), _stretched(alpha)]
    views: list[np.ndarray] = []
    for view in candidates:
        if not any(np.array_equal(view, seen) for seen in views):
            view.flags.writeable = False  # detectors only read
            views.append(view)
    return views


def clear_invisible_colour(pixels: np.ndarray) -> np.ndarray:
    """The picture with black colour wherever it is fully transparent (in place; returned)."""
    if has_alpha(pixels):
        pixels[pixels[..., 3] == 0, :3] = 0
    return pixels
