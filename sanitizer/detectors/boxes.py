"""Plain box arithmetic shared by the detectors and their helpers: (x, y, w, h) tuples."""
from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]


def center_in(box: Box, outer: Box) -> bool:
    """The centre of `box` lies within `outer`."""
    x, y, w, h = box
    ox, oy, ow, oh = outer
    return ox <= x + w / 2 <= ox + ow and oy <= y + h / 2 <= oy + oh


def overlap(a: Box, b: Box) -> float:
    """The area the two boxes share."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy


def gap(a: Box, b: Box) -> float:
    """The distance between the two boxes (0 when they touch or overlap)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    dx = max(0.0, max(ax, bx) - min(ax + aw, bx + bw))
    dy = max(0.0, max(ay, by) - min(ay + ah, by + bh))
    return float(np.hypot(dx, dy))


def union(boxes: list[Box]) -> Box:
    """The smallest box holding all `boxes`."""
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)
