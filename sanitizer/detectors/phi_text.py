"""PHI in the picture: text lines that look like PHI, wristband labels and documents.

Standard: PHI-like lines (reason from the rule that fired), wristband labels and dense text
(charts, forms, whiteboards) are redacted; other text is kept. Strict: every text line is
redacted too. Reasons are short ("MRN pattern", "name", "wristband", "chart") and never hold
the text itself.
"""
from __future__ import annotations

import numpy as np

from ..regions import Kind, Region
from ..settings import Preset, Settings
from .analysis import ImageAnalysis
from .outlines import page_around
from .pale_areas import pale_area_around
from .text_scene import Group, TextScene, analyse_scene


def _grow(box: tuple[float, float, float, float], pad: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (x - pad, y - pad, w + 2 * pad, h + 2 * pad)


class PhiTextDetector:
    name = "phi_text"

    def prepare(self, analysis: ImageAnalysis, settings: Settings) -> None:
        if settings.wristbands:
            analysis.start_code_scan()  # wristband labels are found from their codes

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        documents = settings.documents and analysis.config.rules_find("document")
        if not (settings.text or settings.wristbands or documents):
            return []  # documents left to the object model alone: no text is looked at
        cfg = analysis.config.phi_text
        scene = analyse_scene(analysis, settings)
        regions: list[Region] = []
        screen_quads = _screen_quads(analysis, settings)
        for group in scene.groups:
            region = _group_region(analysis, scene, group)
            if group.kind == "document" and screen_quads and _inside_any(region, screen_quads, cfg.inside_screen):
                continue  # the screen detector hides the whole screen
            regions.append(region)
        if not settings.text:
            return regions
        grouped = scene.grouped()
        strict = settings.preset is Preset.STRICT
        for i, box in enumerate(scene.boxes):
            if i in grouped:
                continue
            pad = cfg.line_margin * box.height
            finding = scene.findings.get(i)
            if finding is not None:
                regions.append(Region(Kind.TEXT, _grow(box.box, pad), finding.score, finding.reason))
            elif i in scene.unread:
                regions.append(Region(Kind.TEXT, _grow(box.box, pad), cfg.unread_score, "unread text"))
            elif strict:
                regions.append(Region(Kind.TEXT, _grow(box.box, pad), cfg.text_score, "text"))
        return regions


def _group_region(analysis: ImageAnalysis, scene: TextScene, group: Group) -> Region:
    cfg = analysis.config.phi_text
    if group.kind == "wristband":
        return Region(Kind.WRISTBAND, group.box, cfg.label_score, "wristband")
    heights = [scene.boxes[i].height for i in group.members]
    # A page found from its rows of print may hold no detected line at all.
    pad = cfg.group_margin * float(np.median(heights)) if heights else cfg.page_margin * max(group.box[2:])
    box = _grow(group.box, pad)
    page = page_around(analysis.outlines.quads, group.box, analysis.config.outlines)
    if page is None:  # no outline seen: the paper itself, a pale area around the print
        gx, gy, gw, gh = group.box
        page = pale_area_around(analysis.rgb, group.box, reach=cfg.sheet_reach * max(gw, gh),
                                close=cfg.sheet_close * pad, max_growth=cfg.sheet_max_growth,
                                ink_percentile=cfg.sheet_ink_percentile, cfg=analysis.config.pale_areas)
    if page is not None:  # hide the whole sheet: letterhead and footer too
        x0, y0 = min(box[0], page[0]), min(box[1], page[1])
        x1, y1 = max(box[0] + box[2], page[0] + page[2]), max(box[1] + box[3], page[1] + page[3])
        box = (x0, y0, x1 - x0, y1 - y0)
    return Region(Kind.DOCUMENT, box, cfg.document_score, "chart")


def _screen_quads(analysis: ImageAnalysis, settings: Settings):
    """Outlines of the screens the screen detector hides (when it runs)."""
    if not settings.screens or not analysis.config.rules_find("screen", settings.preset is Preset.STRICT):
        return []
    return [s.polygon for s in analysis.screens_with_text]


def _inside_any(region: Region, quads, share: float) -> bool:
    """The region lies (`share` of it) inside one screen outline."""
    x, y, w, h = region.box
    for q in quads:
        xs = [p[0] for p in q]
        ys = [p[1] for p in q]
        ix = max(0.0, min(x + w, max(xs)) - max(x, min(xs)))
        iy = max(0.0, min(y + h, max(ys)) - max(y, min(ys)))
        if ix * iy >= share * w * h:
            return True
    return False
