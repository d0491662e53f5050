"""The OCR engine interface shared by every engine (RapidOCR by default, EasyOCR optional).

Engines work in two steps so callers can spend time where it matters: `detect` finds text
boxes (cheap at a reduced scale, tiled at full scale for small text) and `recognize` reads
only the boxes the caller picks. Recognised text is PHI: it lives in memory only and must
never reach a log, a reason string or a file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import cv2
import numpy as np

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


def quad_box(polygon: Sequence[Point]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def quad_sides(polygon: Sequence[Point]) -> tuple[float, float]:
    """(length along the text, height across it) of a 4-point text polygon."""
    p = [np.asarray(v, dtype=float) for v in polygon]
    along = (np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[3])) / 2
    across = (np.linalg.norm(p[3] - p[0]) + np.linalg.norm(p[2] - p[1])) / 2
    return float(along), float(across)


@dataclass(frozen=True)
class TextBox:
    """A detected (not yet read) text line: a 4-point polygon in image pixels."""
    polygon: Quad
    score: float = 1.0

    @property
    def box(self) -> tuple[float, float, float, float]:
        return quad_box(self.polygon)

    @property
    def height(self) -> float:
        along, across = quad_sides(self.polygon)
        return min(along, across)

    @property
    def length(self) -> float:
        along, across = quad_sides(self.polygon)
        return max(along, across)

    @property
    def angle(self) -> float:
        """Angle of the text baseline in degrees (0 = horizontal)."""
        (x0, y0), (x1, y1) = self.polygon[0], self.polygon[1]
        return math.degrees(math.atan2(y1 - y0, x1 - x0))


@dataclass(frozen=True)
class OcrWord:
    text: str
    polygon: Quad
    confidence: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return quad_box(self.polygon)


@dataclass(frozen=True)
class OcrLine:
    """One read line. `words` are the engine's word boxes, or boxes estimated by splitting
    the line in proportion to character counts when the engine gives none."""
    polygon: Quad
    text: str
    confidence: float
    words: tuple[OcrWord, ...] = field(default=())

    @property
    def box(self) -> tuple[float, float, float, float]:
        return quad_box(self.polygon)

    @property
    def height(self) -> float:
        return TextBox(self.polygon).height

    def __repr__(self) -> str:  # never print the text itself (it is PHI)
        return f"OcrLine(box={tuple(round(v) for v in self.box)}, chars={len(self.text)})"


class OcrEngine(Protocol):
    name: str

    def detect(self, rgb: np.ndarray, scale: float = 1.0) -> list[TextBox]:
        """Text line polygons found in `rgb` resized by `scale`, in `rgb`'s pixels."""
        ...

    def recognize(self, rgb: np.ndarray, boxes: Sequence[TextBox]) -> list[OcrLine]:
        """Read each box; the result has one line per box, in the same order."""
        ...


def read(engine: OcrEngine, rgb: np.ndarray, scale: float = 1.0) -> list[OcrLine]:
    """Detect then read every line (convenience for tests and small images)."""
    return engine.recognize(rgb, engine.detect(rgb, scale))


def order_quad(points: np.ndarray) -> Quad:
    """Order 4 points as top-left, top-right, bottom-right, bottom-left of the text."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    ordered = np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])
    if len({tuple(p) for p in ordered.tolist()}) < 4:  # degenerate (45 degrees): use minAreaRect order
        ordered = cv2.boxPoints(cv2.minAreaRect(pts.astype(np.float32))).astype(np.float64)
    return tuple((float(x), float(y)) for x, y in ordered)  # type: ignore[return-value]


def crop_quad(rgb: np.ndarray, polygon: Quad) -> np.ndarray:
    """Perspective-crop a text polygon to an upright strip (rotated when the text runs vertically)."""
    pts = np.asarray(polygon, dtype=np.float32)
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    width, height = max(width, 2), max(height, 2)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(pts, target)
    strip = cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC,
                                borderMode=cv2.BORDER_REPLICATE)
    if height > 1.5 * width:
        strip = np.rot90(strip)
    return np.ascontiguousarray(strip)


def split_words(polygon: Quad, text: str, confidence: float) -> tuple[OcrWord, ...]:
    """Estimate word polygons by splitting a line along its baseline by character counts."""
    if not text.strip():
        return ()
    p = np.asarray(polygon, dtype=np.float64)
    total = max(len(text), 1)
    words: list[OcrWord] = []
    start = 0
    for token in text.split(" "):
        end = start + len(token)
        if token:
            a, b = start / total, end / total
            top0, top1 = p[0] + (p[1] - p[0]) * a, p[0] + (p[1] - p[0]) * b
            bot0, bot1 = p[3] + (p[2] - p[3]) * a, p[3] + (p[2] - p[3]) * b
            quad = tuple((float(x), float(y)) for x, y in (top0, top1, bot1, bot0))
            words.append(OcrWord(token, quad, confidence))  # type: ignore[arg-type]
        start = end + 1
    return tuple(words)


_engines: dict[str, OcrEngine] = {}


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """The process-wide engine of that name (models load once per process)."""
    if name not in _engines:
        if name == "rapidocr":
            from .rapid import RapidOcrEngine
            _engines[name] = RapidOcrEngine()
        elif name == "easyocr":
            from .easy import EasyOcrEngine
            _engines[name] = EasyOcrEngine()
        else:
            raise ValueError(f"unknown OCR engine: {name}")
    return _engines[name]
