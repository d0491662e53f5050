"""Small white labels with print on them (wristband labels whose code is too small or blurred
to see), found without reading them: a pale, compact, band-shaped patch with dark print inside,
confirmed when the OCR detector finds at least two text lines on it when enlarged.
"""
from __future__ import annotations

import cv2
import numpy as np

from .config import LabelConfig
from .pale_areas import whiteness

_DEFAULT = LabelConfig()


def label_candidates(rgb: np.ndarray, cfg: LabelConfig = _DEFAULT) -> list[tuple[float, float, float, float]]:
    """Boxes (image pixels) of pale, filled, band-shaped patches with some dark print."""
    height, width = rgb.shape[:2]
    scale = min(1.0, cfg.work_side / max(height, width))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    low = whiteness(small)
    high = np.maximum(np.maximum(small[:, :, 0], small[:, :, 1]), small[:, :, 2])
    mask = ((low > cfg.min_whiteness) & ((high.astype(np.int16) - low) < cfg.max_tint)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((cfg.close_px, cfg.close_px), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    area_total = small.shape[0] * small.shape[1]
    found: list[tuple[float, tuple[float, float, float, float]]] = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not cfg.min_area * area_total <= area <= cfg.max_area * area_total:
            continue
        # The label with its print filled in: blurred print is wider than the closing and
        # would otherwise leave holes that make the label look ragged and inkless.
        component = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        outline = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
        filled = np.zeros_like(component)
        cv2.drawContours(filled, outline, -1, 1, thickness=-1)
        inside = filled.astype(bool)
        pts = (np.column_stack(np.nonzero(inside)[::-1]) + (x, y)).astype(np.float32)
        rect_w, rect_h = cv2.minAreaRect(pts)[1]
        if float(inside.sum()) / max(rect_w * rect_h, 1.0) < cfg.min_fill:
            continue
        aspect = max(rect_w, rect_h) / max(min(rect_w, rect_h), 1.0)
        if not cfg.min_aspect <= aspect <= cfg.max_aspect:
            continue
        patch = low[y:y + h, x:x + w]
        paper = float(np.percentile(patch[component.astype(bool)], cfg.paper_percentile))
        ink = float(((patch < paper - cfg.ink_contrast) & inside).sum()) / max(float(inside.sum()), 1.0)
        if not cfg.min_ink <= ink <= cfg.max_ink:
            continue
        found.append((ink, (x / scale, y / scale, w / scale, h / scale)))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found]


def confirmed_labels(rgb: np.ndarray, engine, cfg: LabelConfig = _DEFAULT) -> list[tuple[float, float, float, float]]:
    """Candidates on which the OCR detector sees print: two small lines, or one line up to
    merged_line of the label's short side (blurred small print merges into one line)."""
    labels = []
    for box in label_candidates(rgb, cfg)[:cfg.max_candidates]:
        x, y, w, h = (int(v) for v in box)
        crop = rgb[max(0, y):y + h, max(0, x):x + w]
        if min(crop.shape[:2]) < cfg.min_crop_px:
            continue
        scale = min(cfg.max_crop_upscale, cfg.crop_side / max(crop.shape[:2]))
        heights = [b.height for b in engine.detect(crop, scale)]
        small = sum(hgt <= cfg.small_line * min(w, h) for hgt in heights)
        merged = sum(hgt <= cfg.merged_line * min(w, h) for hgt in heights)
        if small >= cfg.min_small_lines or merged >= 1:
            labels.append(box)
    return labels
