#!/usr/bin/env python3
"""A copy of a WIDER-style face set turned by any angle: faces slanted between the quarter turns
(a patient propped up in bed, a photo taken at a tilt).

    python bench/make_slanted.py SRC DST ANGLE   (degrees clockwise, e.g. 45 or 135)

../shared/eval/make_rotated.py turns by quarter turns only (exact, no interpolation). Here each
photo is turned about its centre with bicubic interpolation onto a canvas that holds all of it
(the corners filled black) and saved as JPEG quality 95. A face box turned by a slant is no
longer a box: its new ground truth is the box around the ellipse inscribed in the turned face
box (the face, not the turned box's empty corners). Faces under 10 px high upright are marked
invalid (bench/face_sets.py), so the scorer's "all" recall is recall over the faces >= 10 px.
Score with ../shared/eval/faces_score.py --orig DST --out OUT.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from face_sets import copy_face_set  # noqa: E402


def slant(rgb: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo turned `angle` degrees clockwise on a canvas holding all of it, and the 2x3
    matrix taking its pixels to the canvas."""
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(math.ceil(width * cos + height * sin)), int(math.ceil(width * sin + height * cos))
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    turned = cv2.warpAffine(rgb, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return turned, matrix


def turned_face_box(x: float, y: float, w: float, h: float, matrix: np.ndarray, angle: float):
    """The box (x, y, w, h) around the ellipse inscribed in the face box, once turned."""
    cx, cy = matrix @ np.array([x + w / 2, y + h / 2, 1.0])
    theta = math.radians(angle)
    a, b = w / 2, h / 2
    half_w = math.sqrt((a * math.cos(theta)) ** 2 + (b * math.sin(theta)) ** 2)
    half_h = math.sqrt((a * math.sin(theta)) ** 2 + (b * math.cos(theta)) ** 2)
    return cx - half_w, cy - half_h, 2 * half_w, 2 * half_h


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    src, dst, angle = Path(argv[0]), Path(argv[1]), float(argv[2])

    def change(bgr: np.ndarray):
        turned, matrix = slant(bgr, angle)
        return turned, lambda x, y, w, h: turned_face_box(x, y, w, h, matrix, angle)

    count = copy_face_set(src, dst, change)
    print(f"{count} photos turned {angle:g} degrees into {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
