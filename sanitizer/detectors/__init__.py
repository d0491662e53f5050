"""Detectors: each takes the analysis of a picture and returns Regions in its display pixels.

Every detector implements `Detector` from `base` and is given one `ImageAnalysis` per picture
(analysis.py), which computes the shared intermediates (grey image, outlines, text lines,
codes) on first use. `build_detectors(settings)` is the one place that decides which
detectors run for given settings; models are loaded lazily and cached per process.

Detector modules (faces, phi_text, barcodes, screens) never import one another; what they
share lives in the analysis or in neutral helper modules (boxes, codes, labels, outlines,
pages, pale_areas, text_lines, text_scene).
"""
from __future__ import annotations

from .analysis import ImageAnalysis
from .base import Detector, build_detectors, detect_all, run_detectors

__all__ = ["Detector", "ImageAnalysis", "build_detectors", "detect_all", "run_detectors"]
