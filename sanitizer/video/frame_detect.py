"""Detectors for video frames: the photo detectors, with a per-frame time budget for faces.

The photo face detector analyses a picture at several scales and tiles (up to ~2 network
megapixels) because a crowd photo may hold 10 px faces. A video runs it on a keyframe
every few frames, so its budget here is one pass with the long side at
`face_long_side` network pixels (faces from about 20 network pixels: 27 px in 720p,
40 px in 1080p) plus the coarse overview pass for faces filling the frame. Boxes are made
exactly as the photo detector makes them (same threshold per sensitivity, margin, shape).
The face module has no public one-pass entry point yet, so the pass is done here with its
model session and constants (same decoding); if those change, the photo detector runs as
is (slower, never less thorough).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

import cv2
import numpy as np

from ..detectors import run_detectors
from ..regions import Kind, Region, Shape, grow_box
from ..settings import Settings

log = logging.getLogger(__name__)

Detect = Callable[[np.ndarray, Settings], list[Region]]


def _centerface_pass(faces, session, rgb: np.ndarray, scale: float, small_threshold: float,
                     threshold: float) -> np.ndarray:
    """One CenterFace inference on the frame resized by `scale`: rows (x0, y0, x1, y1, score)
    in frame pixels. Same decoding as the photo detector (score over threshold, a lower bar
    for faces under SMALL_FACE_NET_PX high), without tiling: a video frame at the video
    budget fits one network input."""
    height, width = rgb.shape[:2]
    net_w, net_h = max(1, round(width * scale)), max(1, round(height * scale))
    scaled = rgb if (net_w, net_h) == (width, height) else cv2.resize(
        rgb, (net_w, net_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    multiple = faces.INPUT_MULTIPLE
    pad_h, pad_w = (-net_h) % multiple, (-net_w) % multiple
    if pad_h or pad_w:
        scaled = cv2.copyMakeBorder(scaled, 0, pad_h, 0, pad_w, cv2.BORDER_CONSTANT, value=0)
    blob = np.ascontiguousarray(scaled.transpose(2, 0, 1)[None], dtype=np.float32)
    heatmap, log_scale, offset = (o[0] for o in session.run(faces.OUTPUT_NAMES, {faces.INPUT_NAME: blob})[:3])
    heatmap = heatmap[0]
    stride = faces.STRIDE
    small_px = getattr(faces, "SMALL_FACE_NET_PX", 0.0)
    ys, xs = np.nonzero(heatmap > min(small_threshold, threshold))
    if len(ys) == 0:
        return np.empty((0, 5), np.float32)
    box_h = np.exp(log_scale[0, ys, xs]) * stride
    keep = (heatmap[ys, xs] > threshold) | (box_h < small_px)
    ys, xs, box_h = ys[keep], xs[keep], box_h[keep]
    box_w = np.exp(log_scale[1, ys, xs]) * stride
    cy = (ys + offset[0, ys, xs] + 0.5) * stride
    cx = (xs + offset[1, ys, xs] + 0.5) * stride
    boxes = np.stack([cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2,
                      heatmap[ys, xs]], axis=1).astype(np.float32)
    boxes[:, :4] /= np.float32(scale)
    return boxes


def _budget_faces(rgb: np.ndarray, settings: Settings, long_side: int) -> list[Region] | None:
    """Faces at the video budget, or None when the face module lacks the needed pieces."""
    try:
        from ..detectors import faces
        session = faces._session()  # noqa: SLF001 - see module docstring
        tuning = faces.TUNINGS[settings.sensitivity]
        overview_side = faces.OVERVIEW_LONG_SIDE
        merge, margin, min_px = faces.merge_boxes, faces.BOX_MARGIN, faces.MIN_FACE_PX
    except (ImportError, AttributeError, KeyError):
        return None
    height, width = rgb.shape[:2]
    longest = max(width, height)
    scales = [min(1.0, long_side / longest)]
    overview = min(1.0, overview_side / longest)
    if scales[0] / overview > 1.2:
        scales.append(overview)
    coarse = getattr(tuning, "coarse_threshold", tuning.threshold)
    try:
        found = [_centerface_pass(faces, session, rgb, scale, tuning.threshold if i == 0 else coarse, coarse)
                 for i, scale in enumerate(scales)]
    except (AttributeError, ValueError, IndexError):
        log.info("the face module changed; using the photo detector for video")
        return None
    merged = merge(np.concatenate(found)) if found else np.empty((0, 5), np.float32)
    regions: list[Region] = []
    for x0, y0, x1, y1, score in merged:
        x0, y0 = max(0.0, float(x0)), max(0.0, float(y0))
        x1, y1 = min(float(width), float(x1)), min(float(height), float(y1))
        if min(x1 - x0, y1 - y0) < min_px:
            continue
        box = grow_box((x0, y0, x1 - x0, y1 - y0), margin)
        clipped = Region(Kind.FACE, box, float(score), "face", Shape.ELLIPSE).clipped(width, height)
        if clipped is not None:
            regions.append(clipped)
    return regions


def video_detector(face_long_side: int | None) -> Detect:
    """A `detect(rgb, settings)` for keyframes. `face_long_side=None` runs the photo detector."""

    def detect(rgb: np.ndarray, settings: Settings) -> list[Region]:
        regions: list[Region] = []
        others = replace(settings, faces=False)
        if settings.faces:
            fast = _budget_faces(rgb, settings, face_long_side) if face_long_side else None
            if fast is None:
                others = settings  # the photo detector handles faces too
            else:
                regions.extend(fast)
        if others.faces or others.text or others.barcodes or others.screens:
            regions.extend(run_detectors(rgb, others))
        return regions

    return detect
