#!/usr/bin/env python3
"""A copy of a WIDER-style face set enlarged to a phone camera's size: what the face detector's
plan for large photos finds (bench/bench_faces.py times it on one made-up photo only).

    python bench/make_enlarged.py SRC DST [MEGAPIXELS]   (default 12)

Each photo is enlarged (Lanczos) to about MEGAPIXELS, keeping its shape; its face boxes are
scaled with it (bench/face_sets.py: JPEG quality 95, faces under 10 px in the original marked
invalid). An enlarged photo holds no more detail than the original, so this measures the plan
(which scales, and how small a face it looks for), not the camera.
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


def enlarge(bgr: np.ndarray, megapixels: float):
    """The photo at about `megapixels`, and how a face box moves with it."""
    height, width = bgr.shape[:2]
    factor = math.sqrt(megapixels * 1e6 / (width * height))
    size = (round(width * factor), round(height * factor))
    enlarged = cv2.resize(bgr, size, interpolation=cv2.INTER_LANCZOS4)
    return enlarged, lambda x, y, w, h: (x * factor, y * factor, w * factor, h * factor)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    megapixels = float(argv[2]) if len(argv) == 3 else 12.0
    count = copy_face_set(src, dst, lambda bgr: enlarge(bgr, megapixels))
    print(f"{count} photos enlarged to ~{megapixels:g} MP into {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
