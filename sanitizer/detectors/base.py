"""The detector interface and the registry that picks detectors for given settings."""
from __future__ import annotations

import importlib
from typing import Protocol

import numpy as np

from ..regions import Region
from ..settings import Settings


class Detector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray, settings: Settings) -> list[Region]:
        """Find regions in an HxWx3 uint8 RGB array (display orientation)."""
        ...

# A detector may also have `prepare(rgb, settings)`: called for every detector before any
# detect(), to start background work its detect() will wait for (the code scan), so that
# work overlaps the detectors that run first.


# (settings flag, module, factory). Modules are imported only when enabled so that a
# faces-only run never loads OCR models.
_REGISTRY: list[tuple[str, str, str]] = [
    ("faces", "sanitizer.detectors.faces", "FaceDetector"),
    ("text", "sanitizer.detectors.phi_text", "PhiTextDetector"),
    ("barcodes", "sanitizer.detectors.barcodes", "BarcodeDetector"),
    ("screens", "sanitizer.detectors.screens", "ScreenDetector"),
]

_cache: dict[str, Detector] = {}


def build_detectors(settings: Settings) -> list[Detector]:
    detectors: list[Detector] = []
    for flag, module_name, factory in _REGISTRY:
        if not getattr(settings, flag):
            continue
        if module_name not in _cache:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:  # detector not built yet
                    continue
                raise
            _cache[module_name] = getattr(module, factory)()
        detectors.append(_cache[module_name])
    return detectors


def run_detectors(rgb: np.ndarray, settings: Settings) -> list[Region]:
    detectors = build_detectors(settings)
    for detector in detectors:
        prepare = getattr(detector, "prepare", None)
        if prepare is not None:
            prepare(rgb, settings)
    regions: list[Region] = []
    for detector in detectors:
        regions.extend(detector.detect(rgb, settings))
    height, width = rgb.shape[:2]
    return [c for r in regions if (c := r.clipped(width, height)) is not None]
