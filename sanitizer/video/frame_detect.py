"""Detectors for video frames: the photo detectors, with a per-frame time budget for faces.

The photo face detector analyses a picture at several scales and tiles (up to ~2 network
megapixels) because a crowd photo may hold 10 px faces. A video runs it on a keyframe
every few frames, so its budget here is one pass with the long side at
`face_long_side` network pixels (faces from about 20 network pixels: 27 px in 720p,
40 px in 1080p) plus the coarse overview pass for faces filling the frame. Boxes are made
exactly as the photo detector makes them (it runs them, with this cheaper scale plan), and
the frame is also looked at turned 90, 180 and 270 degrees at one coarse scale (a patient
lying in bed).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from ..detectors import run_detectors
from ..detectors.analysis import ImageAnalysis
from ..regions import Region
from ..settings import DETECTOR_SWITCHES, Settings

Detect = Callable[[np.ndarray, Settings], list[Region]]


def video_face_scales(width: int, height: int, long_side: int) -> list[float]:
    """One detail pass with the long side at `long_side` network pixels, plus the photo
    detector's overview pass for faces that fill the frame."""
    from ..detectors import faces
    longest = max(width, height)
    scales = [min(1.0, long_side / longest)]
    overview = min(1.0, faces.OVERVIEW_LONG_SIDE / longest)
    if scales[0] / overview > 1.2:
        scales.append(overview)
    return scales


def _budget_faces(rgb: np.ndarray, settings: Settings, long_side: int) -> list[Region]:
    from ..detectors.base import build_detectors
    detector = build_detectors(settings.with_only("faces"))[0]
    height, width = rgb.shape[:2]
    from ..detectors import face_config
    turned = [min(1.0, face_config.ROTATION.video_long_side / max(width, height))] if face_config.ROTATION.enabled else []
    return detector.detect(ImageAnalysis(rgb), settings, scales=video_face_scales(width, height, long_side), turned_scales=turned)


def video_detector(face_long_side: int | None) -> Detect:
    """A `detect(rgb, settings)` for keyframes. `face_long_side=None` runs the photo detector."""

    def detect(rgb: np.ndarray, settings: Settings) -> list[Region]:
        regions: list[Region] = []
        others = replace(settings, faces=False)
        if settings.faces:
            if face_long_side:
                regions.extend(_budget_faces(rgb, settings, face_long_side))
            else:
                others = settings  # the photo detector handles faces too
        if any(getattr(others, n) for n in DETECTOR_SWITCHES):
            regions.extend(run_detectors(rgb, others))
        return regions

    return detect
