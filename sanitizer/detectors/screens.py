"""Screens: screen-like outlines (a bezel around a lit panel, or a dark-mode monitor's solid
body) that hold text.

Monitors, laptops, phones and TVs show patient banners and charts. The outlines come from
the picture's analysis (outlines.py); under Standard a screen is redacted whole when text
lines sit inside it (text too small to read still counts as lines), under Strict every
screen-like panel that differs from its bezel is redacted, except the flat bars of a
letterboxed video frame (letterbox.py) and panels closed by the picture's border (a video
frame's picture ends at its bars): without text, the bezel all round is the only sign of a
screen (`ScreenConfig.strict_max_edges_touched`).

This is the rule finder. It looks only when `DetectorConfig.rules_find` says so: by default
not under Standard (the object model finds screens, objects.py), but under Strict, because the
model misses most real TVs, laptops and phones (COCO photos: 3 of 20 hidden, this finder's
panels 15) and Strict is the preset that hides every screen-like panel.
"""
from __future__ import annotations

import numpy as np

from ..regions import Kind, Region, grow_box
from ..settings import Preset, Settings
from .analysis import ImageAnalysis
from .boxes import center_in
from .outlines import edges_touched


class ScreenDetector:
    name = "screens"

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        if not analysis.config.rules_find("screen", settings.preset is Preset.STRICT):
            return []  # the object model finds screens (objects.py)
        cfg = analysis.config.screens
        regions: list[Region] = []
        with_text = analysis.screens_with_text
        for q in with_text:
            regions.append(Region(Kind.SCREEN, grow_box(q.box, cfg.margin), cfg.score, "screen"))
        if settings.preset is Preset.STRICT:
            # Under Strict a panel without readable text still counts when it differs from its bezel.
            taken = [q.box for q in with_text]
            height, width = analysis.rgb.shape[:2]
            bars = analysis.letterbox
            picture = bars.picture(width, height)  # a video frame's picture lies between its bars
            margin = analysis.config.outlines.edge_margin * max(height, width)
            for q in analysis.outlines.quads:
                if bars.share_inside(q.box, width, height) >= analysis.config.letterbox.screen_share:
                    continue  # a video frame's flat bar, not a dark monitor
                if edges_touched(np.asarray(q.polygon), picture, margin) > cfg.strict_max_edges_touched:
                    continue  # closed by the picture's border: no bezel on that side to go by
                if q.corner_cos > cfg.strict_max_corner_cos:
                    continue  # with no print inside, only a panel seen near square-on counts
                if q.screen_like and q.contrast >= cfg.strict_min_contrast and not any(center_in(q.box, t) for t in taken):
                    regions.append(Region(Kind.SCREEN, grow_box(q.box, cfg.margin), cfg.strict_score, "screen"))
                    taken.append(q.box)
        return regions
