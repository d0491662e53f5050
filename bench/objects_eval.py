#!/usr/bin/env python3
"""Measure PHI object detection on generated photos (the validation seeds) or any phi_score set.

    python bench/objects_eval.py OUT_DIR [--seeds 1000000:1000150] [--long-side 2400]
        [--gt GT_DIR] [--mode objects|rules|all] [--preset standard|strict] [--misses]

Without --gt, draws the validation photos with tools/synth_objects.py into OUT_DIR/gt (seeds
>= 1,000,000: never used for training or tuning). Then runs the detectors (`objects`: the
object model alone, every class; `rules`: the registered PHI detectors, as the app runs them,
which include the object model for the classes its config registers; `all`: both), writes
redacted JPEGs (quality 95) to OUT_DIR/<mode>[-strict], and prints:
- ../shared/eval/phi_score.py's summary (PHI boxes hidden, by kind and text height);
- PHI boxes hidden by text height (< 10, 10-20, >= 20 px) x in-plane angle and x tilt, when
  the ground truth says which object each box is on (the generated set does);
- objects found: the share of ground-truth objects (document, wristband, screen, barcode)
  whose polygon is at least 95 % covered by redacted regions (any kind), and by a region of
  the right kind, also split by the print the object was drawn with (below and from 5 px, the
  floor issue 13 asks for); and the regions proposed per photo that lie mostly off every object.
  --misses lists each document, wristband and screen not found (photo, size, print, share
  covered), to look at.

    python bench/objects_eval.py OUT_DIR --propose IMAGE_DIR [--preset strict]

--propose: photos without ground truth (real ICU frames): the object regions proposed per photo
by kind, and OUT_DIR/proposals/<name>.jpg with each region's polygon drawn, to look at.
OUT_DIR must be outside the project (it holds corpus-derived pictures).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(EVAL))

from sanitizer import netguard  # noqa: E402

netguard.install()

from sanitizer.detectors.base import run_detectors  # noqa: E402
from sanitizer.detectors.objects import CLASSES, find_objects  # noqa: E402
from sanitizer.redact import apply_redactions, region_mask  # noqa: E402
from sanitizer.regions import Kind  # noqa: E402
from sanitizer.settings import Preset, Settings  # noqa: E402

OBJECT_KINDS = ("document", "wristband", "screen", "barcode")
COVERED = 0.95  # an object is found when this share of its polygon is redacted
PRINT_FLOOR = 5.0  # issue 13 asks for objects with print down to 5 px; found is also split there


def _height_bin(h: float) -> str:
    return "h<10" if h < 10 else "h10-20" if h < 20 else "h>=20"


def _angle_bin(deg: float) -> str:
    lo = int(deg // 90) * 90
    return f"angle {lo}-{lo + 90}"


def _tilt_bin(deg: float) -> str:
    lo = int(deg // 15) * 15
    return f"tilt {lo}-{lo + 15}"


def detect(rgb: np.ndarray, mode: str, settings: Settings):
    if mode == "objects":
        return find_objects(rgb, CLASSES, settings.preset is Preset.STRICT)
    regions = run_detectors(rgb, settings)  # every registered PHI detector (faces are off)
    if mode == "all":
        h, w = rgb.shape[:2]
        extra = find_objects(rgb, CLASSES, settings.preset is Preset.STRICT)
        regions += [c for r in extra if (c := r.clipped(w, h)) is not None]
    return regions


def _poly_roi(poly, w: int, h: int):
    """The polygon's mask over its bounding box clipped to the image, and that box."""
    pts = np.asarray(poly, np.float64)
    x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int), [w, h])
    if x1 <= x0 or y1 <= y0:
        return None, (0, 0, 0, 0)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [np.round(pts - [x0, y0]).astype(np.int32)], 1)
    return mask.astype(bool), (x0, y0, x1, y1)


def _redacted_masks(regions, w: int, h: int) -> dict:
    """Redacted pixels: over all regions (key None) and per region kind."""
    masks = {None: np.zeros((h, w), bool)}
    for r in regions:
        got = region_mask(r, w, h)
        if got is None:
            continue
        m, (x0, y0, x1, y1) = got
        for key in (None, r.kind):
            if key not in masks:
                masks[key] = np.zeros((h, w), bool)
            masks[key][y0:y1, x0:x1] |= m
    return masks


def _drawn_print(gt: dict, region: dict) -> float | None:
    """The print height the generator drew the region's object with (photo pixels), if known."""
    objects = gt.get("meta", {}).get("objects")
    index = region.get("object")
    if not objects or index is None:
        return None
    return objects[index].get("print_px")


def object_metrics(gt: dict, regions, w: int, h: int, tally: dict) -> None:
    """Objects found (any kind / right kind) and proposals lying mostly off every object."""
    redacted = _redacted_masks(regions, w, h)
    nothing = np.zeros((h, w), bool)
    on_objects = np.zeros((h, w), bool)
    for r in gt.get("regions", []):
        kind = "screen" if r.get("kind") == "monitor" else r.get("kind")
        if kind not in OBJECT_KINDS:
            continue
        poly, (x0, y0, x1, y1) = _poly_roi(r["polygon"], w, h)
        if poly is None or not poly.any():
            continue
        on_objects[y0:y1, x0:x1] |= poly
        area = poly.sum()
        share_any, share_kind = ((cover[y0:y1, x0:x1] & poly).sum() / area
                                 for cover in (redacted[None], redacted.get(Kind(kind), nothing)))
        by_any, by_kind = share_any >= COVERED, share_kind >= COVERED
        drawn = _drawn_print(gt, r)
        if not by_any and kind != "barcode":  # to look at: what was missed, and how much of it shows
            tally.setdefault("misses", []).append(
                f"{gt['image']} {kind} {x1 - x0}x{y1 - y0} px, print {drawn}, covered {share_any:.2f}")
        counts = [(f"{kind}:any", by_any), (f"{kind}:kind", by_kind)]
        if drawn is not None:  # the floor is print of 5 px; the generator draws down to 2.5
            counts.append((f"{kind}:any print {'<' if drawn < PRINT_FLOOR else '>='} {PRINT_FLOOR:g} px", by_any))
        for key, found in counts:
            c = tally.setdefault(key, [0, 0])
            c[0] += found
            c[1] += 1
    for r in regions:
        got = region_mask(r, w, h)
        if got is None or r.kind.value not in OBJECT_KINDS:
            continue
        m, (x0, y0, x1, y1) = got
        inside = (m & on_objects[y0:y1, x0:x1]).sum() / max(1, m.sum())
        tally["proposals"] = tally.get("proposals", 0) + 1
        tally["off_object"] = tally.get("off_object", 0) + (inside < 0.2)


def propose(src: Path, out: Path, strict: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files = sorted(p for p in src.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    colours = {Kind.DOCUMENT: (255, 0, 0), Kind.WRISTBAND: (0, 255, 0), Kind.SCREEN: (0, 128, 255),
               Kind.BARCODE: (255, 0, 255)}
    for path in files:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        regions = find_objects(rgb, CLASSES, strict)
        drawn = rgb.copy()
        for r in regions:
            key = f"{r.kind.value} {r.tier.value}"
            counts[key] = counts.get(key, 0) + 1
            cv2.polylines(drawn, [np.round(np.array(r.polygon)).astype(np.int32)], True, colours[r.kind],
                          max(2, rgb.shape[1] // 300))
        Image.fromarray(drawn).save(out / (path.stem + ".jpg"), quality=85)
    n = max(1, len(files))
    print(f"{len(files)} photos, {'strict' if strict else 'standard'}; regions per photo by kind and tier:")
    for key in sorted(counts):
        print(f"  {key:<20} {counts[key]} ({counts[key] / n:.2f} per photo)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--gt", type=Path, help="an existing phi_score set instead of generated photos")
    ap.add_argument("--seeds", default="1000000:1000150")
    ap.add_argument("--long-side", type=int, default=2400)
    ap.add_argument("--mode", default="objects", choices=["objects", "rules", "all"])
    ap.add_argument("--preset", default="standard", choices=["standard", "strict"])
    ap.add_argument("--propose", type=Path, help="photos without ground truth: count and draw proposals")
    ap.add_argument("--misses", action="store_true", help="list each object not found, to look at")
    a = ap.parse_args(argv)
    if REPO in a.out.resolve().parents:
        print("OUT_DIR must be outside the project: it holds corpus-derived pictures")
        return 2
    if a.propose:
        propose(a.propose, a.out / f"proposals-{a.preset}", a.preset == "strict")
        return 0
    import phi_score
    import synth_objects

    gt_dir = a.gt
    if gt_dir is None:
        gt_dir = a.out / "gt"
        lo, hi = (int(v) for v in a.seeds.split(":"))
        if lo < synth_objects.VAL_SEED_START:
            print("validation seeds start at", synth_objects.VAL_SEED_START)
            return 2
        gt_dir.mkdir(parents=True, exist_ok=True)
        for seed in range(lo, hi):
            name = gt_dir / f"obj_{seed:07d}.json"
            if not name.is_file():
                _, data, gt = synth_objects.make_scene(seed, a.long_side)
                (gt_dir / gt["image"]).write_bytes(data)
                name.write_text(json.dumps(gt), encoding="utf-8")
    settings = Settings(preset=Preset(a.preset), faces=False)
    out_dir = a.out / (a.mode + ("-strict" if a.preset == "strict" else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    tally: dict = {}
    by: dict[str, list[int]] = {}
    seconds = []
    for gt_path in sorted(gt_dir.glob("*.json")):
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        rgb = np.asarray(Image.open(gt_dir / gt["image"]).convert("RGB"))
        start = time.perf_counter()
        regions = detect(rgb, a.mode, settings)
        seconds.append(time.perf_counter() - start)
        out = apply_redactions(rgb, regions, settings, seed=0)
        Image.fromarray(out).save(out_dir / (Path(gt["image"]).stem + ".jpg"), quality=95)  # a re-encode is never "hidden"
        h, w = rgb.shape[:2]
        object_metrics(gt, regions, w, h, tally)
        objects = gt.get("meta", {}).get("objects")
        if objects:
            yi, yo = phi_score.luma(rgb), phi_score.luma(out)
            for box, hidden in phi_score._judge(gt["phi_boxes"], yi, yo):
                obj = objects[box["object"]]
                hb = _height_bin(box.get("text_h") or 0)
                for key in (hb, f"{hb} {_angle_bin(obj['angle_deg'])}", f"{hb} {_tilt_bin(obj['tilt_deg'])}",
                            _angle_bin(obj["angle_deg"]), _tilt_bin(obj["tilt_deg"]), f"object {obj['kind']}"):
                    c = by.setdefault(key, [0, 0])
                    c[0] += hidden
                    c[1] += 1
    summary = phi_score.score(gt_dir, out_dir, label=f"{a.mode} {a.preset}")
    print(f"\nmode {a.mode}, preset {a.preset}: {len(seconds)} photos, detector median "
          f"{float(np.median(seconds)):.2f} s per photo")
    if by:
        print("PHI boxes hidden by text height, in-plane angle and tilt of their object:")
        for key in sorted(by):
            print(f"  {key:<28} {by[key][0]}/{by[key][1]} = {by[key][0] / by[key][1]:.3f}")
    print(f"objects found (>= {COVERED:.0%} of the polygon redacted):")
    found_any = [0, 0]
    for key in sorted(k for k in tally if ":" in k):
        v = tally[key]
        print(f"  {key:<20} {v[0]}/{v[1]} = {v[0] / v[1]:.3f}")
        if key.endswith(":any") and not key.startswith("barcode"):
            found_any = [found_any[0] + v[0], found_any[1] + v[1]]
    if found_any[1]:
        print(f"  documents+wristbands+screens, any kind: {found_any[0]}/{found_any[1]} = "
              f"{found_any[0] / found_any[1]:.3f}")
    for side in ("<", ">="):
        part = [tally[k] for k in tally if k.endswith(f" print {side} {PRINT_FLOOR:g} px") and not k.startswith("barcode")]
        if part:
            got, total = sum(v[0] for v in part), sum(v[1] for v in part)
            print(f"  documents+wristbands+screens, print {side} {PRINT_FLOOR:g} px: {got}/{total} = {got / total:.3f}")
    if a.misses:
        print("objects not found (documents, wristbands, screens):")
        for line in tally.get("misses", []):
            print("  " + line)
    photos = max(1, len(seconds))
    print(f"object regions proposed {tally.get('proposals', 0)} ({tally.get('proposals', 0) / photos:.2f} per photo), "
          f"mostly off every object {tally.get('off_object', 0)} ({tally.get('off_object', 0) / photos:.2f} per photo)")
    print(json.dumps({"phi_recall": summary["phi_recall"], "regions_hidden": summary["regions_hidden"],
                      "objects_found_any": round(found_any[0] / found_any[1], 4) if found_any[1] else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
