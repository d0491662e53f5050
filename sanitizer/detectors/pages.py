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

from .outlines import ScreenQuad

WORK_SIDE = 640          # the page is examined at this long side (never enlarged past 2x)
MIN_PAPER_LUMA = 130     # a page is pale (dim rooms included)
INK_CONTRAST = 15        # print is this much darker than the paper around it
MIN_INK, MAX_INK = 0.01, 0.35   # share of the page that is print
MIN_ROWS = 6
MIN_SHORT_ROWS = 2       # rows under 0.6 of the longest: headings, the ends of paragraphs
MAX_ROW_PITCH = 4.0      # row spacing, in row heights (bricks and blinds are far sparser)
MAX_ROW_SPREAD = 0.6     # interquartile range of row heights, in row heights: print is of
                         # one size, people and shadows on a floor are not
ROW_JOIN = 0.03          # of the page width: gaps between words closed within a row
MARGIN = 0.04            # of the page's short side: the outline itself is not print


def printed_pages(gray: np.ndarray, quads: list[ScreenQuad], max_line_px: float) -> list[ScreenQuad]:
    """The pale quads holding rows of print whose rows are at most `max_line_px` high
    (`gray`: the picture in grey)."""
    pages = []
    for quad in quads:
        if not quad.screen_like or quad.panel_luma < MIN_PAPER_LUMA:
            continue
        if has_rows_of_print(gray, np.asarray(quad.polygon, np.float32), max_line_px):
            pages.append(quad)
    return pages


def has_rows_of_print(gray: np.ndarray, polygon: np.ndarray, max_line_px: float) -> bool:
    page, scale = _square_on(gray, polygon)
    height, width = page.shape
    m = int(MARGIN * min(height, width)) + 1
    page = page[m:height - m, m:width - m]
    if min(page.shape) < 16:
        return False
    max_row = max(3.0, max_line_px * scale)
    # The paper's own level, print closed away: shading and uneven light are not print.
    k = max(5, int(2.5 * max_row)) | 1
    paper = cv2.morphologyEx(page, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    ink = ((paper.astype(np.int16) - page) > INK_CONTRAST).astype(np.uint8)
    if not MIN_INK <= float(ink.mean()) <= MAX_INK:
        return False
    # Rows may run either way once the page is square-on (a page turned a quarter).
    return any(_rows_of_print(mask, max_row) for mask in (ink, np.ascontiguousarray(ink.T)))


def _rows_of_print(ink: np.ndarray, max_row: float) -> bool:
    width = ink.shape[1]
    rows = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, max(3, int(ROW_JOIN * width))), np.uint8))
    stats = cv2.connectedComponentsWithStats(rows)[2]
    spans = sorted((y, y + h, x, x + w) for x, y, w, h, _ in stats[1:]
                   if 2 <= h <= max_row and 3 * h <= w <= 0.97 * width)
    bands: list[list[int]] = []   # [top, bottom, left, right]: words and table cells side by side
    for top, bottom, left, right in spans:
        if bands and top < bands[-1][1] - 0.3 * (bottom - top):
            band = bands[-1]
            bands[-1] = [band[0], max(band[1], bottom), min(band[2], left), max(band[3], right)]
        else:
            bands.append([top, bottom, left, right])
    if len(bands) < MIN_ROWS:
        return False
    heights = np.array([b[1] - b[0] for b in bands], np.float32)
    centres = np.array([(b[0] + b[1]) / 2 for b in bands], np.float32)
    lengths = np.array([b[3] - b[2] for b in bands], np.float32)
    median = max(float(np.median(heights)), 1.0)
    pitch = float(np.median(np.diff(centres))) / median
    low, high = np.percentile(heights, [25, 75])
    return (pitch <= MAX_ROW_PITCH and float(high - low) <= MAX_ROW_SPREAD * median
            and int((lengths < 0.6 * lengths.max()).sum()) >= MIN_SHORT_ROWS)


def _square_on(gray: np.ndarray, polygon: np.ndarray) -> tuple[np.ndarray, float]:
    """The quad warped to a rectangle of its own proportions; (page, page px per image px)."""
    corners = _clockwise_from_top_left(polygon)
    width = max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3]))
    height = max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1]))
    scale = min(2.0, WORK_SIDE / max(width, height, 1.0))
    size = (max(8, int(width * scale)), max(8, int(height * scale)))
    target = np.float32([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]])
    warp = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, warp, size, flags=cv2.INTER_LINEAR), scale


def _clockwise_from_top_left(polygon: np.ndarray) -> np.ndarray:
    centre = polygon.mean(axis=0)
    order = np.argsort(np.arctan2(polygon[:, 1] - centre[1], polygon[:, 0] - centre[0]))
    ordered = polygon[order]
    return np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0).astype(np.float32)
