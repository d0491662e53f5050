"""Screens: screen-like outlines (a bezel around a lit panel, or a dark-mode monitor's solid
body) that hold text.

Monitors, laptops, phones and TVs show patient banners and charts. The outlines come from
the picture's analysis (outlines.py); under Standard a screen is redacted whole when text
lines sit inside it (text too small to read still counts as lines), under Strict every
screen-like panel that differs from its bezel is redacted.
"""
from __future__ import annotations

from ..regions import Kind, Region, grow_box
from ..settings import Preset, Settings
from .analysis import ImageAnalysis
from .boxes import center_in


class ScreenDetector:
    name = "screens"

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        cfg = analysis.config.screens
        regions: list[Region] = []
        with_text = analysis.screens_with_text
        for q in with_text:
            regions.append(Region(Kind.SCREEN, grow_box(q.box, cfg.margin), cfg.score, "screen"))
        if settings.preset is Preset.STRICT:
            # Under Strict a panel without readable text still counts when it differs from its bezel.
            taken = [q.box for q in with_text]
            for q in analysis.outlines.quads:
                if q.screen_like and q.contrast >= cfg.strict_min_contrast and not any(center_in(q.box, t) for t in taken):
                    regions.append(Region(Kind.SCREEN, grow_box(q.box, cfg.margin), cfg.strict_score, "screen"))
                    taken.append(q.box)
        return regions
