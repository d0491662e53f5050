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
from .config import TextLineConfig

_DEFAULT = TextLineConfig()


def find_text_lines(rgb: np.ndarray, engine: OcrEngine, cfg: TextLineConfig = _DEFAULT) -> list[TextBox]:
    """Every text line the detector finds, overlapping sightings merged."""
    height, width = rgb.shape[:2]
    scale = min(cfg.max_upscale, cfg.overview_side / max(height, width))
    return dedupe_polygons(_look_closer(rgb, list(engine.detect(rgb, scale)), scale, engine, cfg))


def _look_closer(rgb: np.ndarray, boxes: list[TextBox], scale: float, engine,
                 cfg: TextLineConfig = _DEFAULT) -> list[TextBox]:
    """Small print a few detector pixels high merges into one blob on the overview (a label
    held at an angle): such a blob neither reads nor classifies. Detect the lines of small,
    short boxes again on enlarged crops; where that finds nothing the overview box stays
    (fail closed).

    Looked at: boxes under closer_net_px detector pixels high and under closer_aspect long,
    and blobs (under closer_blob_aspect long: no line of print is that short for its height)
    under closer_blob_net_px high; most blob-like first, within closer_budget detector pixels."""
    if scale >= cfg.max_upscale:
        return boxes
    small = [b for b in boxes
             if (b.height * scale < cfg.closer_net_px and b.length < cfg.closer_aspect * b.height)
             or (b.height * scale < cfg.closer_blob_net_px and b.length < cfg.closer_blob_aspect * b.height)]
    small.sort(key=lambda b: b.length / max(b.height, 1.0))
    height, width = rgb.shape[:2]
    kept, budget = list(boxes), cfg.closer_budget
    looked: list[tuple[int, int, int, int]] = []
    for b in small:
        if any(center_in(b.box, area) for area in looked):
            continue
        x, y, w, h = b.box
        pad = cfg.closer_pad * max(w, h)
        x0, y0 = int(max(0.0, x - pad)), int(max(0.0, y - pad))
        x1, y1 = int(min(width, x + w + pad)), int(min(height, y + h + pad))
        crop_scale = min(cfg.max_upscale, cfg.closer_max_side / max(x1 - x0, y1 - y0, 1))
        cost = (x1 - x0) * (y1 - y0) * crop_scale ** 2
        if crop_scale < cfg.closer_min_gain * scale or cost > budget:
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
                                        and overlap(k.box, lines) >= cfg.closer_cover * k.box[2] * k.box[3])]
        kept += found
    return kept
