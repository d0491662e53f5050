"""Detectors: each takes an RGB picture and returns Regions in its display pixels.

Every detector implements `Detector` from `base`. `build_detectors(settings)` is the one
place that decides which detectors run for given settings; models are loaded lazily and
cached per process.
"""
from __future__ import annotations

from .base import Detector, build_detectors, run_detectors

__all__ = ["Detector", "build_detectors", "run_detectors"]
