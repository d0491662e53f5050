"""Barcodes and QR codes: every code found is redacted; its content is never read out.

The codes come from the picture's analysis (codes.py: zxing-cpp decodes sharp codes and
names their format, a texture finder marks patches of dense bars it cannot decode). A
decoded code is certain; a bar texture is less so and gets a wider margin.
"""
from __future__ import annotations

from ..regions import Kind, Region, grow_box
from ..settings import Settings
from .analysis import ImageAnalysis
from .codes import covered


class BarcodeDetector:
    name = "barcodes"

    def prepare(self, analysis: ImageAnalysis, settings: Settings) -> None:
        analysis.start_code_scan()

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        cfg = analysis.config.barcodes
        scan = analysis.code_scan
        regions = [Region(Kind.BARCODE, grow_box(hit.box, cfg.decoded_margin), cfg.decoded_score, hit.reason)
                   for hit in scan.decoded]
        for hit in scan.texture:
            if not covered(hit, scan.decoded):
                regions.append(Region(Kind.BARCODE, grow_box(hit.box, cfg.texture_margin), cfg.texture_score,
                                      hit.reason))
        return regions
