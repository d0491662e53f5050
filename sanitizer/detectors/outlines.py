"""Outlines in a picture: convex 4-sided shapes that may be a screen, a sheet or a board.

A screen-like outline is a panel within an even bezel, or one solid dark body (a dark-mode
monitor, whose bezel and panel look alike); an outline that runs off the picture (a laptop
at the edge of the photo) is closed by the picture's border. The other 4-sided outlines,
with no bezel, are kept apart as plain outlines (a sheet of paper on a busy background).

Neutral: used by the screen detector, by the document regions (the sheet around a block of
print, screens that hide their own text) and by the page finder (pages.py); computed once
per picture by `ImageAnalysis.outlines`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..ocr.base import TextBox
from .config import OutlineConfig

_DEFAULT = OutlineConfig()


@dataclass(frozen=True)
class ScreenQuad:
    polygon: tuple[tuple[float, float], ...]   # 4 corners in image pixels
    contrast: float                              # panel vs bezel luma difference
    panel_luma: float = 0.0                      # mean luma inside (paper is bright)
    area_fraction: float = 0.0                   # of the picture
    edges_touched: int = 0                       # picture edges the outline runs along
    corner_cos: float = 0.0                      # largest |cos| of its corner angles (0: square)
    bezel_luma: float = 0.0                      # mean luma of the ring around it (0: no bezel)
    # Not along two edges and not most of the picture (else it is the background or a page).
    screen_like: bool = False

    @property
    def along_edges(self) -> bool:
        """Runs along two or more picture edges: the picture's own background."""
        return self.edges_touched >= 2

    @property
    def box(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


@dataclass(frozen=True)
class Outlines:
    quads: list[ScreenQuad]         # a panel within an even bezel, or one solid dark body
    plain: list[ScreenQuad]         # 4-sided outlines with no bezel (contrast 0)


def find_outlines(rgb: np.ndarray, cfg: OutlineConfig = _DEFAULT) -> Outlines:
    """Screen-like and plain convex 4-sided outlines in the picture."""
    return Outlines(*_find_quads(rgb, cfg))


def _find_quads(rgb: np.ndarray, cfg: OutlineConfig) -> tuple[list[ScreenQuad], list[ScreenQuad]]:
    height, width = rgb.shape[:2]
    scale = min(1.0, cfg.work_side / max(height, width))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    gray = cv2.GaussianBlur(gray, (cfg.blur_px, cfg.blur_px), 0)
    area_total = gray.shape[0] * gray.shape[1]
    found: list[tuple[np.ndarray, tuple[float, ...]]] = []
    plain: list[tuple[np.ndarray, tuple[float, ...]]] = []
    for contours, solid in _candidate_contours(gray, cfg):
        for contour in contours:
            area = cv2.contourArea(contour)
            if not cfg.min_area_fraction * area_total <= area <= cfg.max_outline_fraction * area_total:
                continue
            quad = _as_quad(contour, cfg)
            if quad is None:
                continue
            measured = _dark_body_contrast(gray, quad, contour, cfg) if solid else _panel_contrast(gray, quad, cfg)
            if measured is not None:
                if not any(_same_quad(quad, q, cfg) for q, _ in found):
                    found.append((quad, measured))
            elif not solid and not _edges_touched(quad, gray.shape, cfg) \
                    and not any(_same_quad(quad, q, cfg) for q, _ in plain):
                # Without a bezel to go by, an outline closed by the picture's border is as
                # likely a sheet joined to the background beside it.
                plain.append((quad, (0.0, _inside_luma(gray, quad, cfg))))
    plain = [(q, m) for q, m in plain if not any(_same_quad(q, f, cfg) for f, _ in found)]

    def in_image(q: np.ndarray, contrast: float, luma: float, bezel: float = 0.0) -> ScreenQuad:
        area_fraction = float(cv2.contourArea(q)) / area_total
        touched = _edges_touched(q, gray.shape, cfg)
        return ScreenQuad(tuple((float(x / scale), float(y / scale)) for x, y in q), contrast, luma,
                          area_fraction, touched, corner_cos(q), bezel,
                          screen_like=area_fraction <= cfg.max_area_fraction and touched < 2)
    return ([in_image(q, *m) for q, m in found], [in_image(q, *m) for q, m in plain])


def _candidate_contours(gray: np.ndarray, cfg: OutlineConfig):
    """(outlines, solid) from edges (a bezel's border) and from very dark or very bright
    areas (a panel that is off, or lit and white); `solid` marks dark bodies, checked as a
    whole rather than as a panel in a bezel. The strictest edge level keeps only strong
    edges, such as a dark bezel against a lit panel, so a panel whose faint content edges
    join its outline to the wall behind it still comes out as one quad."""
    dilate = np.ones((cfg.edge_dilate_px, cfg.edge_dilate_px), np.uint8)
    for low, high in cfg.canny_levels:
        edges = cv2.dilate(cv2.Canny(gray, low, high), dilate)
        edges[[0, -1], :] = 255  # the picture's border closes outlines that run off it
        edges[:, [0, -1]] = 255
        yield cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0], False
    kernel = np.ones((cfg.mask_close_px, cfg.mask_close_px), np.uint8)
    dark, bright = (cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
                    for m in (gray < cfg.dark_level, gray > cfg.bright_level))
    for mask in (dark, bright):
        yield cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0], False
    # A dark-mode monitor is one dark body, bezel and panel alike; a cable or an arm
    # across it joins it to other dark things until thin parts are opened away.
    side = max(cfg.dark_body_min_open_px, int(cfg.dark_body_open * max(gray.shape)))
    body = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    yield cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0], True


def _as_quad(contour: np.ndarray, cfg: OutlineConfig) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    approx = cv2.approxPolyDP(hull, cfg.poly_epsilon * perimeter, True)
    if len(approx) != 4:
        return None
    quad = approx.reshape(4, 2).astype(np.float32)
    # Screen-like: not a sliver, corners not far from right angles, filled outline.
    rect_w, rect_h = cv2.minAreaRect(quad)[1]
    if min(rect_w, rect_h) < cfg.min_aspect * max(rect_w, rect_h):
        return None
    if cv2.contourArea(contour) < cfg.min_hull_fill * cv2.contourArea(quad):
        return None
    if corner_cos(quad) > cfg.max_corner_cos:  # too slanted for a rectangle seen at an angle
        return None
    return quad


def corner_cos(quad: np.ndarray) -> float:
    """The largest |cos| of a 4-sided outline's corner angles: 0 for a rectangle seen
    square-on, higher the further from square-on it is seen."""
    cosines = []
    for k in range(4):
        a, b, c = quad[k - 1], quad[k], quad[(k + 1) % 4]
        v1, v2 = a - b, c - b
        cosines.append(abs(float(np.dot(v1, v2))) / (float(np.linalg.norm(v1) * np.linalg.norm(v2)) + 1e-6))
    return max(cosines)


def _edges_touched(quad: np.ndarray, shape: tuple[int, ...], cfg: OutlineConfig) -> int:
    """How many of the picture's edges the outline runs along. Two or more: the picture's
    own dark or bright background, not a screen seen whole within it."""
    height, width = shape[:2]
    return edges_touched(quad, (0.0, 0.0, float(width), float(height)), cfg.edge_margin * max(height, width))


def edges_touched(points: np.ndarray, picture: tuple[float, float, float, float], margin: float) -> int:
    """How many edges of `picture` (x, y, w, h: the whole picture, or the part of a video
    frame between its letterbox bars) an outline's corner `points` come within `margin` of."""
    x, y, w, h = picture
    xs, ys = points[:, 0], points[:, 1]
    return int((xs.min() <= x + margin) + (ys.min() <= y + margin) + (xs.max() >= x + w - 1 - margin)
               + (ys.max() >= y + h - 1 - margin))


def _quad_and_ring(shape: tuple[int, ...], quad: np.ndarray,
                   cfg: OutlineConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the quad, of the quad less a thin margin, and of a thin ring around it."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, quad.astype(np.int32), 1)
    square = np.ones((max(cfg.min_ring_px, int(cfg.ring_fraction * np.sqrt(cv2.contourArea(quad)))),) * 2, np.uint8)
    return mask, cv2.erode(mask, square), cv2.dilate(mask, square) - mask


def _panel_contrast(gray: np.ndarray, quad: np.ndarray, cfg: OutlineConfig) -> tuple[float, float, float] | None:
    """(luma difference between the panel and a thin ring around it (the bezel), panel luma,
    bezel luma)."""
    _, inner, ring = _quad_and_ring(gray.shape, quad, cfg)
    if inner.sum() < cfg.min_inner_px or ring.sum() < cfg.min_ring_count:
        return None
    ring_values = gray[ring > 0].astype(np.float32)
    # A bezel is a fairly even band; a random edge loop is not.
    if float(ring_values.std()) > cfg.max_bezel_std:
        return None
    inside = float(gray[inner > 0].mean())
    bezel = float(ring_values.mean())
    return abs(inside - bezel), inside, bezel


def _inside_luma(gray: np.ndarray, quad: np.ndarray, cfg: OutlineConfig) -> float:
    _, inner, _ = _quad_and_ring(gray.shape, quad, cfg)
    return float(gray[inner > 0].mean()) if inner.any() else 0.0


def _dark_body_contrast(gray: np.ndarray, quad: np.ndarray, contour: np.ndarray,
                        cfg: OutlineConfig) -> tuple[float, float, float] | None:
    """For a solid dark body (a dark-mode monitor seen whole): it must fill its outline and
    be dark throughout; (luma difference to its surroundings, its luma, theirs)."""
    if cv2.contourArea(contour) < cfg.dark_body_min_fill * cv2.contourArea(quad):
        return None
    if cv2.contourArea(quad) > cfg.dark_body_max_fraction * gray.shape[0] * gray.shape[1]:
        return None  # most of a night scene is one dark body too
    mask, _, ring = _quad_and_ring(gray.shape, quad, cfg)
    if mask.sum() < cfg.min_inner_px or ring.sum() < cfg.min_ring_count:
        return None
    inside = float(np.median(gray[mask > 0]))
    if inside > cfg.dark_body_max_luma:
        return None
    around = float(gray[ring > 0].mean())
    return abs(inside - around), inside, around


def _same_quad(a: np.ndarray, b: np.ndarray, cfg: OutlineConfig) -> bool:
    return float(np.abs(a.mean(axis=0) - b.mean(axis=0)).max()) < cfg.same_quad_px and \
        abs(cv2.contourArea(a) - cv2.contourArea(b)) < cfg.same_quad_area * max(cv2.contourArea(a), cv2.contourArea(b))


def _lines_inside(quad: ScreenQuad, lines: list[TextBox], cfg: OutlineConfig) -> int:
    """Text lines inside the outline that are small next to it (screen print, not a banner)."""
    poly = np.asarray(quad.polygon, dtype=np.float32)
    short_side = min(quad.box[2], quad.box[3])
    count = 0
    for b in lines:
        x, y, w, h = b.box
        if b.height <= cfg.screen_max_line_height * short_side and cv2.pointPolygonTest(poly, (x + w / 2, y + h / 2), False) >= 0:
            count += 1
    return count


def screens_with_text(quads: list[ScreenQuad], lines: list[TextBox],
                      cfg: OutlineConfig = _DEFAULT) -> list[ScreenQuad]:
    """The screen-like outlines (`quads`) that hold at least screen_min_text_lines small text
    lines; of nested outlines of one monitor (bezel and panel), the outer one."""
    keep = [q for q in quads if q.screen_like and _lines_inside(q, lines, cfg) >= cfg.screen_min_text_lines]
    # Nested outlines of one monitor (bezel and panel): keep the outer one.
    keep.sort(key=lambda q: -q.box[2] * q.box[3])
    outer: list[ScreenQuad] = []
    for q in keep:
        x, y, w, h = q.box
        if not any(cv2.pointPolygonTest(np.asarray(o.polygon, np.float32), (x + w / 2, y + h / 2), False) >= 0
                   for o in outer):
            outer.append(q)
    return outer


def page_around(quads: list[ScreenQuad], box: tuple[float, float, float, float],
                cfg: OutlineConfig = _DEFAULT) -> tuple[float, float, float, float] | None:
    """The outline (a sheet, a clipboard, a board) that a block of dense text sits on, so
    its letterhead and footer are hidden with it; None when there is no such outline."""
    x, y, w, h = box
    center = (x + w / 2, y + h / 2)
    best = None
    for q in quads:
        qx, qy, qw, qh = q.box
        if qw * qh > cfg.page_max_growth * w * h or qw * qh < w * h or q.along_edges:  # not the picture's own border
            continue
        if cv2.pointPolygonTest(np.asarray(q.polygon, np.float32), center, False) < 0:
            continue
        if best is None or qw * qh > best[2] * best[3]:  # the outermost: the whole sheet
            best = q.box
    return best
