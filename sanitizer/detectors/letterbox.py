"""Letterbox bands: the flat bars a video frame or a screenshot carries along its edges.

A frame of 4:3 or portrait video shown in 16:9 has black bars at its sides (or top and
bottom). They hold nothing, yet their straight inner edge against the picture makes them look
like the body of a dark monitor to the outline finder: under Strict, every ICU video frame had
its two bars proposed as screens. A bar is a run of rows or columns, from an edge inwards, each
of one flat colour (the same as the edge's), covering the whole side.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .boxes import Box, overlap
from .config import LetterboxConfig


@dataclass(frozen=True)
class Letterbox:
    """Widths in pixels of the flat bars at each edge (0: none)."""
    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0

    def picture(self, width: int, height: int) -> Box:
        """What lies between the bars of a width x height frame (x, y, w, h)."""
        return (float(self.left), float(self.top), float(width - self.left - self.right),
                float(height - self.top - self.bottom))

    def share_inside(self, box: Box, width: int, height: int) -> float:
        """The share of a box (x, y, w, h), clipped to the picture, that lies in the bars."""
        seen = overlap(box, (0.0, 0.0, float(width), float(height)))
        if seen <= 0:
            return 0.0
        return 1.0 - overlap(box, self.picture(width, height)) / seen


def _bar_width(lines: np.ndarray, cfg: LetterboxConfig) -> int:
    """How many of `lines` (rows of pixels, the edge first) form one flat bar."""
    if len(lines) == 0:
        return 0
    edge = float(np.median(lines[0]))
    flat = (lines.std(axis=1) <= cfg.max_std) & (np.abs(lines.mean(axis=1) - edge) <= cfg.max_shift)
    width = len(lines) if flat.all() else int(np.argmin(flat))
    return width if width >= cfg.min_share * lines.shape[1] else 0


def find_letterbox(gray: np.ndarray, cfg: LetterboxConfig = LetterboxConfig()) -> Letterbox:
    """The bars of a grey picture (none where its edges are not flat)."""
    height, width = gray.shape[:2]
    across, down = min(int(cfg.max_share * width), width), min(int(cfg.max_share * height), height)
    # Side bars are measured along columns: their width must be a share of the frame's height
    # to count, and the reverse for top and bottom. Only these edge strips are converted.
    left = _bar_width(gray[:, :across].T.astype(np.float32), cfg)
    right = _bar_width(gray[:, ::-1][:, :across].T.astype(np.float32), cfg)
    top = _bar_width(gray[:down].astype(np.float32), cfg)
    bottom = _bar_width(gray[::-1][:down].astype(np.float32), cfg)
    return Letterbox(left, right, top, bottom)
