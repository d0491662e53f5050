"""Printed pages found without reading them: a pale outline (a sheet on a clipboard, a form,
a whiteboard) that, seen square-on, holds rows of dark print.

The OCR detector misses print that is small, blurred and turned all at once (a chart on a
bed seen from the side), yet a page of print is plain to see as a page: its outline comes
from the outline finder's quads (outlines.py), the quad is warped to a rectangle, and the dark marks in it
are merged along each row. Many separate rows, close together for their height and not all
the same length, are lines of print; bricks, blinds and tiles give thin rows far apart or
rows of one length, a sign's big letters give rows too tall for print, and people and
shadows on a pale floor give rows of every height.
"""
from __future__ import annotations

import cv2
import numpy as np

from .config import PageConfig
from .outlines import ScreenQuad

_DEFAULT = PageConfig()


def printed_pages(gray: np.ndarray, quads: list[ScreenQuad], max_line_px: float,
                  cfg: PageConfig = _DEFAULT) -> list[ScreenQuad]:
    """The pale quads holding rows of print whose rows are at most `max_line_px` high
    (`gray`: the picture in grey)."""
    pages = []
    for quad in quads:
        if not quad.screen_like or quad.panel_luma < cfg.min_paper_luma:
            continue
        if has_rows_of_print(gray, np.asarray(quad.polygon, np.float32), max_line_px, cfg):
            pages.append(quad)
    return pages


def print_on_paper(quad: ScreenQuad, cfg: PageConfig = _DEFAULT) -> bool:
    """Whether an outline is the block of print on a sheet rather than the sheet: its "bezel"
    is paper, paler than the print it rings (the sheet's own margin)."""
    return quad.bezel_luma >= cfg.min_paper_luma and quad.bezel_luma > quad.panel_luma


def has_rows_of_print(gray: np.ndarray, polygon: np.ndarray, max_line_px: float,
                      cfg: PageConfig = _DEFAULT) -> bool:
    page, scale = _square_on(gray, polygon, cfg)
    height, width = page.shape
    m = int(cfg.margin * min(height, width)) + 1
    page = page[m:height - m, m:width - m]
    if min(page.shape) < cfg.min_page_px:
        return False
    max_row = max(cfg.min_row_px, max_line_px * scale)
    # The paper's own level, print closed away: shading and uneven light are not print.
    k = max(cfg.min_paper_kernel, int(cfg.paper_close_rows * max_row)) | 1
    paper = cv2.morphologyEx(page, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    ink = ((paper.astype(np.int16) - page) > cfg.ink_contrast).astype(np.uint8)
    if not cfg.min_ink <= float(ink.mean()) <= cfg.max_ink:
        return False
    # Rows may run either way once the page is square-on (a page turned a quarter).
    return any(_rows_of_print(mask, max_row, cfg) for mask in (ink, np.ascontiguousarray(ink.T)))


def _rows_of_print(ink: np.ndarray, max_row: float, cfg: PageConfig) -> bool:
    width = ink.shape[1]
    join = max(cfg.min_join_px, int(cfg.row_join * width))
    rows = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, join), np.uint8))
    stats = cv2.connectedComponentsWithStats(rows)[2]
    spans = sorted((y, y + h, x, x + w) for x, y, w, h, _ in stats[1:]
                   if cfg.min_row_height <= h <= max_row and cfg.min_row_aspect * h <= w <= cfg.max_row_width * width)
    bands: list[list[int]] = []   # [top, bottom, left, right]: words and table cells side by side
    for top, bottom, left, right in spans:
        if bands and top < bands[-1][1] - cfg.row_overlap * (bottom - top):
            band = bands[-1]
            bands[-1] = [band[0], max(band[1], bottom), min(band[2], left), max(band[3], right)]
        else:
            bands.append([top, bottom, left, right])
    if len(bands) < cfg.min_rows:
        return False
    heights = np.array([b[1] - b[0] for b in bands], np.float32)
    centres = np.array([(b[0] + b[1]) / 2 for b in bands], np.float32)
    lengths = np.array([b[3] - b[2] for b in bands], np.float32)
    median = max(float(np.median(heights)), 1.0)
    pitch = float(np.median(np.diff(centres))) / median
    low, high = np.percentile(heights, [25, 75])   # the interquartile range
    return (pitch <= cfg.max_row_pitch and float(high - low) <= cfg.max_row_spread * median
            and int((lengths < cfg.short_row * lengths.max()).sum()) >= cfg.min_short_rows)


def _square_on(gray: np.ndarray, polygon: np.ndarray, cfg: PageConfig) -> tuple[np.ndarray, float]:
    """The quad warped to a rectangle of its own proportions; (page, page px per image px)."""
    corners = _clockwise_from_top_left(polygon)
    width = max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3]))
    height = max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1]))
    scale = min(cfg.max_upscale, cfg.work_side / max(width, height, 1.0))
    size = (max(cfg.min_warp_px, int(width * scale)), max(cfg.min_warp_px, int(height * scale)))
    target = np.float32([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]])
    warp = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, warp, size, flags=cv2.INTER_LINEAR), scale


def _clockwise_from_top_left(polygon: np.ndarray) -> np.ndarray:
    centre = polygon.mean(axis=0)
    order = np.argsort(np.arctan2(polygon[:, 1] - centre[1], polygon[:, 0] - centre[0]))
    ordered = polygon[order]
    return np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0).astype(np.float32)
