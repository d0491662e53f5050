"""Copies of a WIDER-style face set (photo + <name>.gt.txt) changed one way, for the face
detector's harder cases: bench/make_slanted.py (turned by any angle) and
bench/make_enlarged.py (enlarged to a camera's size).

Each copy is saved as JPEG quality 95 with its ground truth moved with it. Faces under 10 px
high in the original are marked invalid, as ../shared/eval/make_rotated.py does, so the
scorer's "all" recall is recall over the faces the original set counts as >= 10 px.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import cv2
import numpy as np

MIN_FACE_PX = 10.0   # the scorer's "h>=10" faces, in the original; smaller ones become invalid
INVALID_FIELD = 7    # x y w h blur expression illumination INVALID occlusion pose

Box = tuple[float, float, float, float]
# A photo (BGR) -> the changed photo, and how a face box (x, y, w, h) moves with it.
Change = Callable[[np.ndarray], tuple[np.ndarray, Callable[[float, float, float, float], Box]]]


def copy_face_set(src: Path, dst: Path, change: Change) -> int:
    """Write every photo of `src` that has ground truth, changed, with its moved ground truth,
    into `dst`; returns how many."""
    dst.mkdir(parents=True, exist_ok=True)
    count = 0
    for photo in sorted(src.glob("*.jpg")):
        gt = photo.with_suffix(".gt.txt")
        if not gt.exists():
            continue
        changed, move_box = change(cv2.imread(str(photo), cv2.IMREAD_COLOR))
        cv2.imwrite(str(dst / photo.name), changed, [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines = []
        for line in gt.read_text().splitlines():
            boxes, bar, rest = line.partition("|")
            fields = boxes.split()
            if line.startswith("#") or len(fields) < 4:  # comments, the image's path, the count
                lines.append(line)
                continue
            x, y, w, h = map(float, fields[:4])
            if h < MIN_FACE_PX and len(fields) > INVALID_FIELD:
                fields[INVALID_FIELD] = "1"
            fields[:4] = [f"{v:.1f}" for v in move_box(x, y, w, h)]
            lines.append(" ".join(fields) + (" |" + rest if bar else ""))
        (dst / gt.name).write_text("\n".join(lines) + "\n")
        count += 1
    return count
