"""Screens: screen-like outlines (a bezel around a lit panel, or a dark-mode monitor's solid
body) that hold text.

Monitors, laptops, phones and TVs show patient banners and charts. The outlines come from
the picture's analysis (outlines.py); under Standard a screen is redacted whole when text
lines sit inside it (text too small to read still counts as lines), under Strict every
screen-like panel that differs from its bezel is redacted, except the flat bars of a
letterboxed video frame (letterbox.py) and panels closed by the picture's border (a video
frame's picture ends at its bars): without text, the bezel all round is the only sign of a
screen (`ScreenConfig.strict_max_edges_touched`), and such a panel must show something,
colour or dense edges (`shows_content`): a blank one holds nothing to hide, and walls,
drawers and doors look like one.

This is the rule finder. It looks only when `DetectorConfig.rules_find` says so: by default
not under Standard (the object model finds screens, objects.py), but under Strict, because the
model misses most real TVs, laptops and phones (COCO photos: 3 of 20 hidden, this finder's
panels 15) and Strict is the preset that hides every screen-like panel.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..regions import Kind, Region, grow_box
from ..settings import Preset, Settings
from .analysis import ImageAnalysis
from .boxes import center_in
from .config import ScreenConfig
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
            # Under Strict a panel without readable text still counts when it differs from its bezel
            # and shows something.
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
                if not (q.screen_like and q.contrast >= cfg.strict_min_contrast) or any(center_in(q.box, t) for t in taken):
                    continue
                if shows_content(analysis.rgb, q.polygon, cfg):  # not a blank panel, wall or drawer
                    regions.append(Region(Kind.SCREEN, grow_box(q.box, cfg.margin), cfg.strict_score, "screen"))
                    taken.append(q.box)
        return regions


def shows_content(rgb: np.ndarray, polygon, cfg: ScreenConfig) -> bool:
    """Whether the panel inside `polygon` shows something: strong colour (a monitor's traces
    and numbers) or dense edges (print, waveforms, images), measured inside its outline."""
    poly = np.asarray(polygon, np.float32)
    centre = poly.mean(axis=0)
    poly = centre + (poly - centre) * (1.0 - cfg.content_inset)
    height, width = rgb.shape[:2]
    x0, y0 = (max(0, int(v)) for v in np.floor(poly.min(axis=0)))
    x1, y1 = min(width, int(np.ceil(poly[:, 0].max()))), min(height, int(np.ceil(poly[:, 1].max())))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return False
    scale = cfg.content_side / max(x1 - x0, y1 - y0)
    crop = cv2.resize(rgb[y0:y1, x0:x1], None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    inside = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round((poly - (x0, y0)) * scale).astype(np.int32)], 1)
    inside = cv2.erode(inside, np.ones((3, 3), np.uint8)) > 0  # the rim may still touch the bezel
    if not inside.any():
        return False
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    colour = ((hsv[..., 1] > cfg.content_saturation) & (hsv[..., 2] > cfg.content_value))[inside].mean()
    edges = (cv2.Canny(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), *cfg.content_canny) > 0)[inside].mean()
    return bool(colour >= cfg.strict_content_colour or edges >= cfg.strict_content_edges)
