"""Share of words hidden in outputs of forms and receipts (../shared/corpus/text).

    python bench/text_score.py --orig ../shared/corpus/text --out OUTDIR

Word boxes come from each source's own annotation: FUNSD (<name>.json, form[].words[].box),
SROIE (<name>.box.csv, 8 coordinates then the text), WildReceipt (<name>.json, annotations[].box,
8 coordinates) and ICDAR 2015 (<name>.gt.json, instances[].bbox, `ignore` ones skipped). Each box is
judged with the HIDDEN rule of ../shared/eval/faces_score.py (imported). Documents may be hidden
whole, so the target is >= 0.95 of words hidden. JSON summary last.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO.parent / "shared" / "eval"))

from faces_score import box_px, is_hidden, load_rgb, luma, match_outputs, region_metrics  # noqa: E402

IMAGE_EXT = {".jpg", ".jpeg", ".png"}


def _from_points(values) -> tuple[float, float, float, float]:
    xs, ys = values[0::2], values[1::2]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def word_boxes(image: Path) -> list[tuple[float, float, float, float]]:
    stem = image.with_suffix("")
    boxes: list[tuple[float, float, float, float]] = []
    for js in (stem.with_suffix(".json"), image.parent / f"{image.stem}.gt.json"):
        if not js.is_file():
            continue
        data = json.loads(js.read_text())
        for entity in data.get("form", []):
            for word in entity.get("words", []):
                x0, y0, x1, y1 = word["box"]
                boxes.append((x0, y0, x1 - x0, y1 - y0))
        for ann in data.get("annotations", []):
            boxes.append(_from_points([float(v) for v in ann["box"]]))
        for inst in data.get("instances", []):
            if not inst.get("ignore"):
                x0, y0, x1, y1 = inst["bbox"]
                boxes.append((x0, y0, x1 - x0, y1 - y0))
    sheet = image.parent / f"{image.stem}.box.csv"
    if sheet.is_file():
        for row in csv.reader(sheet.read_text(errors="replace").splitlines()):
            if len(row) >= 9:
                try:
                    boxes.append(_from_points([float(v) for v in row[:8]]))
                except ValueError:
                    continue
    return boxes


def score(orig: Path, out: Path) -> dict:
    images = sorted(p for p in orig.iterdir() if p.suffix.lower() in IMAGE_EXT)
    judged = [(img, word_boxes(img)) for img in images]
    judged = [(img, boxes) for img, boxes in judged if boxes]
    mapping, _ = match_outputs([img for img, _ in judged], out)
    by_source: dict[str, list[int]] = {}
    for img, boxes in judged:
        yi = luma(load_rgb(img)[0])
        H, W = yi.shape
        output = mapping.get(img.name)
        yo = luma(load_rgb(output)[0]) if output is not None else None
        source = img.name.split("_")[0]
        c = by_source.setdefault(source, [0, 0])
        for x, y, w, h in boxes:
            x0, y0, x1, y1 = box_px(x, y, w, h, W, H)
            if x1 <= x0 or y1 <= y0:
                continue
            hidden = yo is not None and yo.shape == yi.shape and is_hidden(
                region_metrics(yi[y0:y1, x0:x1], yo[y0:y1, x0:x1]))
            c[0] += int(hidden)
            c[1] += 1
    hidden = sum(v[0] for v in by_source.values())
    total = sum(v[1] for v in by_source.values())
    for name, (h, t) in sorted(by_source.items()):
        print(f"  {name:<12} {h}/{t} = {h / t:.4f}")
    share = round(hidden / total, 4) if total else None
    print(f"words hidden: {hidden}/{total} = {share}  (images with word boxes: {len(judged)})")
    return {"images": len(judged), "words_hidden": hidden, "words_total": total, "share_hidden": share,
            "by_source": {k: {"hidden": v[0], "total": v[1]} for k, v in by_source.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orig", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args(argv)
    print(json.dumps(score(a.orig, a.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
