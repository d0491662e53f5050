"""The detector interface and the registry that picks detectors for given settings."""
from __future__ import annotations

import importlib
from typing import Protocol

import numpy as np

from ..regions import Region
from ..settings import Settings
from .analysis import ImageAnalysis
from .config import DEFAULT_CONFIG, DetectorConfig


class Detector(Protocol):
    name: str

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        """Find regions in the analysed picture (display orientation, its pixels)."""
        ...

# A detector may also have `prepare(analysis, settings)`: called for every detector before
# any detect(), to start background work its detect() will wait for (the code scan), so that
# work overlaps the detectors that run first.


# (settings switches, module, factory): the detector runs when any of its switches is on.
# Modules are imported only when enabled so that a faces-only run never loads OCR models.
# PHI text, wristband labels and documents are one text scene (text_scene.py): its groups
# claim lines from one another, so one detector reports all three, each part done only
# when its own switch is on.
_REGISTRY: list[tuple[tuple[str, ...], str, str]] = [
    (("faces",), "sanitizer.detectors.faces", "FaceDetector"),
    (("text", "wristbands", "documents"), "sanitizer.detectors.phi_text", "PhiTextDetector"),
    (("barcodes",), "sanitizer.detectors.barcodes", "BarcodeDetector"),
    (("screens",), "sanitizer.detectors.screens", "ScreenDetector"),
    # The learned object model, for the classes its config registers (objects.py); the rule
    # finders above stand down for the classes it finds alone (DetectorConfig.rules_find).
    (("wristbands", "documents", "screens"), "sanitizer.detectors.objects", "ObjectDetector"),
]

# Detector objects by module: they hold loaded models, so they are kept per process.
_cache: dict[str, Detector] = {}


def build_detectors(settings: Settings) -> list[Detector]:
    detectors: list[Detector] = []
    for switches, module_name, factory in _REGISTRY:
        if not any(getattr(settings, switch) for switch in switches):
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


def detect_all(analysis: ImageAnalysis, settings: Settings) -> list[Region]:
    """Every enabled detector on one analysed picture (or one view of it); regions clipped
    to the picture."""
    detectors = build_detectors(settings)
    for detector in detectors:
        prepare = getattr(detector, "prepare", None)
        if prepare is not None:
            prepare(analysis, settings)
    regions: list[Region] = []
    for detector in detectors:
        regions.extend(detector.detect(analysis, settings))
    height, width = analysis.rgb.shape[:2]
    return [c for r in regions if (c := r.clipped(width, height)) is not None]


def run_detectors(rgb: np.ndarray, settings: Settings, config: DetectorConfig = DEFAULT_CONFIG) -> list[Region]:
    """Every enabled detector on one picture: one analysis, closed when done."""
    with ImageAnalysis(rgb, settings.ocr_engine, config) as analysis:
        return detect_all(analysis, settings)
