"""Text lines in a picture, found (not read) by the OCR engine's detector: on an overview of
the picture, then again on enlarged crops around small boxes (small print merged into blobs).

Neutral: used by the text scene (lines to group and read) and by the screen detector (a
screen holds lines); computed once per picture by `ImageAnalysis.text_lines`.
"""
from __future__ import annotations

import numpy as np

from ..ocr.base import OcrEngine, TextBox
from ..ocr.rapid import _dedupe as dedupe_polygons
from .boxes import center_in, overlap, union

OVERVIEW_SIDE = 1280
MAX_UPSCALE = 2.0
# Small, short boxes (maybe several lines of small print merged at overview scale) are
# detected again on enlarged crops: boxes under CLOSER_NET_PX detector pixels high and
# under CLOSER_ASPECT long, and blobs (under CLOSER_BLOB_ASPECT long: no line of print is
# that short for its height) under CLOSER_BLOB_NET_PX high; most blob-like first, within
# CLOSER_BUDGET detector pixels.
CLOSER_NET_PX = 32
CLOSER_ASPECT = 3.0
CLOSER_BLOB_ASPECT = 1.6
CLOSER_BLOB_NET_PX = 120
CLOSER_MAX_SIDE = 800
CLOSER_BUDGET = 600_000


def find_text_lines(rgb: np.ndarray, engine: OcrEngine) -> list[TextBox]:
    """Every text line the detector finds, overlapping sightings merged."""
    height, width = rgb.shape[:2]
    scale = min(MAX_UPSCALE, OVERVIEW_SIDE / max(height, width))
    return dedupe_polygons(_look_closer(rgb, list(engine.detect(rgb, scale)), scale, engine))


def _look_closer(rgb: np.ndarray, boxes: list[TextBox], scale: float, engine) -> list[TextBox]:
    """Small print a few detector pixels high merges into one blob on the overview (a label
    held at an angle): such a blob neither reads nor classifies. Detect the lines of small,
    short boxes again on enlarged crops; where that finds nothing the overview box stays
    (fail closed)."""
    if scale >= MAX_UPSCALE:
        return boxes
    small = [b for b in boxes
             if (b.height * scale < CLOSER_NET_PX and b.length < CLOSER_ASPECT * b.height)
             or (b.height * scale < CLOSER_BLOB_NET_PX and b.length < CLOSER_BLOB_ASPECT * b.height)]
    small.sort(key=lambda b: b.length / max(b.height, 1.0))
    height, width = rgb.shape[:2]
    kept, budget = list(boxes), CLOSER_BUDGET
    looked: list[tuple[int, int, int, int]] = []
    for b in small:
        if any(center_in(b.box, area) for area in looked):
            continue
        x, y, w, h = b.box
        pad = 0.5 * max(w, h)
        x0, y0 = int(max(0.0, x - pad)), int(max(0.0, y - pad))
        x1, y1 = int(min(width, x + w + pad)), int(min(height, y + h + pad))
        crop_scale = min(MAX_UPSCALE, CLOSER_MAX_SIDE / max(x1 - x0, y1 - y0, 1))
        cost = (x1 - x0) * (y1 - y0) * crop_scale ** 2
        if crop_scale < 1.5 * scale or cost > budget:
            continue
        budget -= cost
        area = (x0, y0, x1 - x0, y1 - y0)
        looked.append(area)
        found = [TextBox(tuple((px + x0, py + y0) for px, py in t.polygon), t.score)
                 for t in engine.detect(rgb[y0:y1, x0:x1], crop_scale)]
        if not found:
            continue
        # A small box is replaced only when the lines found cover most of it.
        lines = union([t.box for t in found])
        kept = [k for k in kept if not (k in small and center_in(k.box, area)
                                        and overlap(k.box, lines) >= 0.6 * k.box[2] * k.box[3])]
        kept += found
    return kept
