"""Detectors for video frames: the photo detectors, with a per-frame time budget for faces.

The photo face detector analyses a picture at several scales and tiles (up to ~2 network
megapixels) because a crowd photo may hold 10 px faces. A video runs it on a keyframe
every few frames, so its budget here is one pass with the long side at
`face_long_side` network pixels (faces from about 20 network pixels: 27 px in 720p,
40 px in 1080p) plus the coarse overview pass for faces filling the frame. Boxes are made
exactly as the photo detector makes them (same threshold per sensitivity, margin, shape).
The face module has no public per-scale entry point yet, so its one-scale pass is called
with the signatures known; if it changes, the photo detector runs as is (slower, never
less thorough).
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import replace
from typing import Callable

import numpy as np

from ..detectors import run_detectors
from ..regions import Kind, Region, Shape, grow_box
from ..settings import Settings

log = logging.getLogger(__name__)

Detect = Callable[[np.ndarray, Settings], list[Region]]


def _face_pass(faces, session, rgb: np.ndarray, scale: float, first: bool, tuning, timings) -> np.ndarray | None:
    """One pass of the photo detector at `scale`, whichever of its known signatures it has."""
    detect_at = faces.FaceDetector._detect_at  # noqa: SLF001 - see module docstring
    params = list(inspect.signature(detect_at).parameters)
    coarse = getattr(tuning, "coarse_threshold", tuning.threshold)
    if params == ["session", "rgb", "scale", "small_threshold", "threshold", "timings"]:
        return detect_at(session, rgb, scale, tuning.threshold if first else coarse, coarse, timings)
    if params == ["session", "rgb", "scale", "threshold", "timings"]:
        return detect_at(session, rgb, scale, tuning.threshold, timings)
    return None


def _budget_faces(rgb: np.ndarray, settings: Settings, long_side: int) -> list[Region] | None:
    """Faces at the video budget, or None when the face module lacks the needed pieces."""
    try:
        from ..detectors import faces
        session = faces._session()  # noqa: SLF001 - see module docstring
        tuning = faces.TUNINGS[settings.sensitivity]
        overview_side = faces.OVERVIEW_LONG_SIDE
        merge, margin, min_px = faces.merge_boxes, faces.BOX_MARGIN, faces.MIN_FACE_PX
        timings = faces.Timings()
    except (ImportError, AttributeError, KeyError):
        return None
    height, width = rgb.shape[:2]
    longest = max(width, height)
    scales = [min(1.0, long_side / longest)]
    overview = min(1.0, overview_side / longest)
    if scales[0] / overview > 1.2:
        scales.append(overview)
    found = []
    for i, scale in enumerate(scales):
        boxes = _face_pass(faces, session, rgb, scale, i == 0, tuning, timings)
        if boxes is None:
            log.info("face module changed its internals; using the photo detector for video")
            return None
        found.append(boxes)
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
