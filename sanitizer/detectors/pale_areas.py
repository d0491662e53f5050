"""Pale areas: the white or pale connected area (a label, a sheet of paper) that print sits on.

Neutral: used by the code finders (the label a code is printed on), the label finder and
the document regions (the sheet around a block of print).
"""
from __future__ import annotations

import cv2
import numpy as np

from .config import PaleAreaConfig

_DEFAULT = PaleAreaConfig()


def whiteness(rgb: np.ndarray) -> np.ndarray:
    """Per-pixel minimum of R, G and B: labels are white or pale, skin and most backgrounds
    are not. (Elementwise minimum: numpy's min over the channel axis is 4x slower.)"""
    return np.minimum(np.minimum(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])


def pale_area_around(rgb: np.ndarray, box: tuple[float, float, float, float], *, reach: float,
                     close: float, max_growth: float, max_sides: int | None = None,
                     ink_percentile: float | None = None,
                     cfg: PaleAreaConfig = _DEFAULT) -> tuple[float, float, float, float] | None:
    """The white or pale connected area (a label, a sheet of paper) that print in `box` sits on.

    Pale in `whiteness` means close to the paper level measured in the box and its margin;
    the dark print inside is closed into the paper with a kernel of `close` pixels. The
    search window reaches `reach` pixels past the box. The area is rejected (None) when it
    is more than `max_growth` times the box, or touches more than `max_sides` sides of the
    window (it runs off into a white background). The print's level is the box's
    `ink_percentile`: a code is half ink, a sparse table on a sheet far less (both default
    to `cfg`'s). The window
    is shrunk so the kernel and the window stay small: an outline needs no fine detail, and
    at full size a long text line on a 12 MP photo made this a 0.3 s step.
    """
    max_sides = cfg.max_sides if max_sides is None else max_sides
    ink_percentile = cfg.ink_percentile if ink_percentile is None else ink_percentile
    x, y, w, h = box
    H, W = rgb.shape[:2]
    x0, y0 = int(max(0, x - reach)), int(max(0, y - reach))
    x1, y1 = int(min(W, x + w + reach)), int(min(H, y + h + reach))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    f = min(1.0, cfg.max_kernel_px / max(close, 1.0), cfg.max_window_px / max(x1 - x0, y1 - y0))
    window = whiteness(rgb[y0:y1, x0:x1])
    if f < 1.0:
        size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        window = cv2.resize(window, size, interpolation=cv2.INTER_AREA)
    window = cv2.GaussianBlur(window, (cfg.smooth_px, cfg.smooth_px), 0)
    cx0, cy0 = int((x - x0) * f), int((y - y0) * f)
    cw, ch = max(1, int(w * f)), max(1, int(h * f))
    core = window[max(cy0, 0):cy0 + ch, max(cx0, 0):cx0 + cw]
    if core.size < cfg.min_core_px:
        return None
    # Paper from the print and its margin: a small or blurred code alone holds little white.
    g = int(cfg.paper_margin * min(cw, ch))
    paper = float(np.percentile(window[max(cy0 - g, 0):cy0 + ch + g, max(cx0 - g, 0):cx0 + cw + g],
                                cfg.paper_percentile))
    ink = float(np.percentile(core, ink_percentile))
    if paper - ink < cfg.min_contrast:
        return None
    bright = (window >= paper - cfg.bright_level * (paper - ink)).astype(np.uint8)
    k = max(cfg.min_kernel_px, int(close * f)) | 1
    closed = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed)
    core_labels = labels[max(cy0, 0):cy0 + ch, max(cx0, 0):cx0 + cw]
    values, counts = np.unique(core_labels[core_labels > 0], return_counts=True)
    if len(values) == 0:
        return None
    label = int(values[np.argmax(counts)])
    lx, ly, lw, lh, area = (int(v) for v in stats[label])
    win_h, win_w = window.shape[:2]
    touches = (lx <= 0) + (ly <= 0) + (lx + lw >= win_w) + (ly + lh >= win_h)
    if area > max_growth * cw * ch or touches > max_sides:
        return None
    return (lx / f + x0, ly / f + y0, lw / f, lh / f)
