#!/usr/bin/env python3
"""A copy of a WIDER-style face set enlarged to a phone camera's size: what the face detector's
plan for large photos finds (bench/bench_faces.py times it on one made-up photo only).

    python bench/make_enlarged.py SRC DST [MEGAPIXELS]   (default 12)

Each photo is enlarged (Lanczos) to about MEGAPIXELS, keeping its shape, and saved as JPEG
quality 95; its face boxes are scaled with it. An enlarged photo holds no more detail than the
original, so this measures the plan (which scales and how small a face it looks for), not the
camera. Faces under 10 px high in the original are marked invalid, as make_rotated.py does, so
the scorer's "all" recall is recall over the faces the original set counts as >= 10 px.
Score with ../shared/eval/faces_score.py --orig DST --out OUT.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import cv2

MIN_FACE_PX = 10.0   # the scorer's "h>=10" faces, in the original; smaller ones become invalid
INVALID_FIELD = 7    # x y w h blur expression illumination INVALID occlusion pose


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    megapixels = float(argv[2]) if len(argv) == 3 else 12.0
    dst.mkdir(parents=True, exist_ok=True)
    count = 0
    for photo in sorted(src.glob("*.jpg")):
        gt = photo.with_suffix(".gt.txt")
        if not gt.exists():
            continue
        bgr = cv2.imread(str(photo), cv2.IMREAD_COLOR)
        height, width = bgr.shape[:2]
        factor = math.sqrt(megapixels * 1e6 / (width * height))
        size = (round(width * factor), round(height * factor))
        cv2.imwrite(str(dst / photo.name), cv2.resize(bgr, size, interpolation=cv2.INTER_LANCZOS4),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines = []
        for line in gt.read_text().splitlines():
            boxes, bar, rest = line.partition("|")
            fields = boxes.split()
            if line.startswith("#") or not bar or len(fields) < 4:
                lines.append(line)
                continue
            if float(fields[3]) < MIN_FACE_PX and len(fields) > INVALID_FIELD:
                fields[INVALID_FIELD] = "1"
            fields[:4] = [f"{float(v) * factor:.1f}" for v in fields[:4]]
            lines.append(" ".join(fields) + " |" + rest)
        (dst / gt.name).write_text("\n".join(lines) + "\n")
        count += 1
    print(f"{count} photos enlarged to ~{megapixels:g} MP into {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
