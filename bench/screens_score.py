"""Share of TV/monitor, laptop and phone screens hidden in outputs (COCO YOLO labels).

    python bench/screens_score.py --orig ../shared/corpus/objects --out OUTDIR

Each YOLO box of class 62 (tv), 63 (laptop) or 67 (cell phone) is judged with the HIDDEN rule
of ../shared/eval/faces_score.py (its functions are imported, not copied). Prints the share
hidden per class and overall, and a JSON summary line last.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
sys.path.insert(0, str(EVAL))

from faces_score import box_px, is_hidden, load_rgb, luma, match_outputs, region_metrics  # noqa: E402

CLASSES = {62: "tv", 63: "laptop", 67: "cell phone"}
IMAGE_EXT = {".jpg", ".jpeg", ".png"}


def score(orig: Path, out: Path, per_box: bool = False) -> dict:
    images = sorted(p for p in orig.iterdir() if p.suffix.lower() in IMAGE_EXT)
    labelled = []
    for img in images:
        label = img.with_suffix(".txt")
        if not label.is_file():
            continue
        boxes = []
        for row in label.read_text().splitlines():
            parts = row.split()
            if len(parts) >= 5 and int(float(parts[0])) in CLASSES:
                boxes.append((int(float(parts[0])), *map(float, parts[1:5])))
        if boxes:
            labelled.append((img, boxes))
    mapping, _ = match_outputs([img for img, _ in labelled], out)
    counts = {name: [0, 0] for name in CLASSES.values()}
    for img, boxes in labelled:
        yi = luma(load_rgb(img)[0])
        H, W = yi.shape
        output = mapping.get(img.name)
        yo = luma(load_rgb(output)[0]) if output is not None else None
        for cls, cx, cy, w, h in boxes:
            x0, y0, x1, y1 = box_px((cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H, W, H)
            hidden = False
            if yo is not None and yo.shape == yi.shape and x1 > x0 and y1 > y0:
                hidden = is_hidden(region_metrics(yi[y0:y1, x0:x1], yo[y0:y1, x0:x1]))
            if per_box:
                print(f"  {'hidden' if hidden else 'MISSED'}  {img.name}  {CLASSES[cls]:<10} "
                      f"x={x0} y={y0} {x1 - x0}x{y1 - y0} of {W}x{H}")
            c = counts[CLASSES[cls]]
            c[0] += int(hidden)
            c[1] += 1
    hidden = sum(c[0] for c in counts.values())
    total = sum(c[1] for c in counts.values())
    summary = {"images": len(labelled), "screens_hidden": hidden, "screens_total": total,
               "share_hidden": round(hidden / total, 4) if total else None,
               "by_class": {k: {"hidden": v[0], "total": v[1]} for k, v in counts.items()}}
    for name, (h, t) in counts.items():
        print(f"  {name:<11} {h}/{t}")
    print(f"screens hidden: {hidden}/{total} = {summary['share_hidden']}")
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orig", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--per-box", action="store_true", help="print every screen box and whether it is hidden")
    a = ap.parse_args(argv)
    print(json.dumps(score(a.orig, a.out, a.per_box)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
