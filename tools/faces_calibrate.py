#!/usr/bin/env python3
"""Fit and check the face detector's confidence (sanitizer/detectors/face_config.py).

    collect SET_DIR... --cache DIR     run the detector's passes, keep every candidate per photo
    (a set given as DIR=UPRIGHT_SET:ANGLE is a make_rotated.py copy of a collected set: its
    candidates are the upright photos', turned; see turn_rows. A bench/make_slanted.py copy
    is a set of its own: collect it like any other)
    fit --cache DIR                    fit the logistic calibration on the tuning half (even-
                                       indexed photos of every set), print its weights and a
                                       reliability table (confidence -> share of real faces)
                                       for the tuning and the check half
    render SET_DIR --cache DIR --out OUT [--level high] [--half even|odd|all]
                                       redact with the current face_config from the cached
                                       candidates (no inference) and score with faces_score.py

A candidate is a real face when its box overlaps a ground-truth face (any size) by IoU >= 0.3.
Sets are WIDER-style folders (photo + <stem>.gt.txt); the cache and outputs are derived from
corpus photos and belong outside the repo (e.g. /tmp).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sanitizer.detectors import face_config, faces  # noqa: E402
from sanitizer.settings import Sensitivity, Settings  # noqa: E402

SCORER = REPO.parent / "shared" / "eval" / "faces_score.py"
PERSON_SCORER = REPO.parent / "shared" / "eval" / "person_boxes_score.py"
MATCH_IOU = 0.3


def half(items: list[Path], which: str) -> list[Path]:
    return {"even": items[0::2], "odd": items[1::2], "all": items}[which]


def gt_boxes(photo: Path) -> np.ndarray:
    rows = []
    gt = photo.with_suffix(".gt.txt")
    for line in gt.read_text().splitlines() if gt.exists() else []:
        if line.startswith("#") or "|" not in line:
            continue
        x, y, w, h = map(float, line.split("|")[0].split()[:4])
        rows.append((x, y, x + w, y + h))
    return np.array(rows, np.float32).reshape(-1, 4)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of (n, 4) and (m, 4) x0 y0 x1 y1 boxes."""
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6)


def turn_rows(rows: np.ndarray, angle: int, width: int, height: int) -> np.ndarray:
    """Raw candidates of an upright width x height photo as found in its copy turned `angle`
    degrees clockwise (make_rotated.py): the detector turns every photo a quarter at a time
    with np.rot90, so a turned copy's passes are the upright photo's passes, relabelled."""
    # The turned copy's mirrored look mirrors the turned photo: what it finds (the copy's
    # upright faces) no pass over the upright photo saw, so that look is left out.
    rows = rows[rows[:, faces.PASS].astype(int) != 4 * faces.MIRRORED_PASS].copy()
    x0, y0, x1, y1 = (rows[:, c].copy() for c in (faces.X0, faces.Y0, faces.X1, faces.Y1))
    new = {90: (height - y1, x0, height - y0, x1), 180: (width - x1, height - y1, width - x0, height - y0),
           270: (y0, width - x1, y1, width - x0)}[angle]
    for column, values in zip((faces.X0, faces.Y0, faces.X1, faces.Y1), new):
        rows[:, column] = values
    passes = rows[:, faces.PASS].astype(int)
    turns = (passes % 4 + angle // 90) % 4
    number = passes // 4
    diagonal = faces.is_diagonal(rows)
    # Small photos run the same scales upright and turned: keep the pass numbering a real run
    # gives. A diagonal pass stays diagonal: the turned photo's 45-degree canvas is the upright
    # photo's, turned by quarters (up to interpolation).
    quarter = ~diagonal
    number = np.where(quarter & (turns == 0) & (number >= faces.TURNED_PASS_BASE), number - faces.TURNED_PASS_BASE, number)
    number = np.where(quarter & (turns != 0) & (number < faces.TURNED_PASS_BASE), number + faces.TURNED_PASS_BASE, number)
    rows[:, faces.PASS] = 4 * number + turns
    rows[:, faces.UPRIGHT] = (quarter & (turns == 0)).astype(np.float32)
    return rows


def load_rows(cache: Path, folder: Path, photo: Path) -> np.ndarray:
    """The merged candidates of a photo, from its cached raw candidates (those of the upright
    photo, turned, for a folder given as DIR=UPRIGHT_SET:ANGLE)."""
    return faces.merge_boxes(raw_rows(cache, folder, photo))


def raw_rows(cache: Path, folder: Path, photo: Path) -> np.ndarray:
    name, _, turned = str(folder).partition("=")
    if not turned:
        return np.load(cache / Path(name).name / f"{photo.stem}.npy")
    source, angle = turned.split(":")
    rows = np.load(cache / source / f"{photo.stem}.npy")
    from PIL import Image
    width, height = Image.open(photo).size
    if int(angle) in (90, 270):
        width, height = height, width  # the upright photo's size
    return turn_rows(rows, int(angle), width, height)


def cache_file(cache: Path, folder: Path, photo: Path) -> Path:
    name, _, turned = str(folder).partition("=")
    return cache / (turned.split(":")[0] if turned else Path(name).name) / f"{photo.stem}.npy"


def photos(folder: Path) -> list[Path]:
    folder = Path(str(folder).partition("=")[0])
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})


def collect(args) -> None:
    from sanitizer.formats import load_image
    detector = faces.FaceDetector()
    for folder in args.sets:
        (args.cache / folder.name).mkdir(parents=True, exist_ok=True)
        order = half(photos(folder), "odd") + half(photos(folder), "even")  # check half first
        for photo in order[::-1] if args.backwards else order:  # a second process can meet the first
            dest = cache_file(args.cache, folder, photo)
            if dest.exists():
                continue
            rgb = faces._as_rgb(load_image(photo).pixels)
            height, width = rgb.shape[:2]
            np.save(dest, detector.raw_candidates(rgb, faces.plan_scales(width, height),
                                                  faces.plan_turned_scales(width, height), faces.Timings(),
                                                  faces.plan_diagonal_scales(width, height),
                                                  faces.plan_mirror(width, height)))
        print(f"{folder.name}: {len(photos(folder))} photos cached")


def load_set(cache: Path, folder: Path, which: str):
    """(candidate rows, is-face labels) over a half of a set."""
    rows_all, labels_all = [], []
    for photo in half(photos(folder), which):
        if not cache_file(cache, folder, photo).exists():
            continue  # not collected yet
        rows = load_rows(cache, folder, photo)
        gt = gt_boxes(photo)
        match = box_iou(rows[:, :4], gt).max(axis=1) >= MATCH_IOU if len(gt) and len(rows) else np.zeros(len(rows), bool)
        rows_all.append(rows)
        labels_all.append(match)
    return np.concatenate(rows_all), np.concatenate(labels_all)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iterations: int = 50) -> np.ndarray:
    """Newton's method (IRLS) for L2-regularised logistic regression."""
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def fit_isotonic(p: np.ndarray, y: np.ndarray, tolerance: float = 0.01) -> tuple[tuple[float, float], ...]:
    """Pool-adjacent-violators fit of y on p, as (p, share) breakpoints: the blocks' means,
    thinned while straight-line interpolation stays within `tolerance` of every block dropped
    (picking blocks evenly by index left a 0.93-0.99 stretch of real faces at 0.8)."""
    order = np.argsort(p)
    p, y = p[order], y[order].astype(float)
    blocks: list[list[float]] = []  # [sum p, sum y, count]
    for pi, yi in zip(p, y):
        blocks.append([pi, yi, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last)]
    points = [(0.0, 0.0)] + [(b[0] / b[2], b[1] / b[2]) for b in blocks] + [(1.0, 1.0)]
    kept = [points[0]]
    start = 0
    for end in range(2, len(points)):
        (x0, v0), (x1, v1) = points[start], points[end]
        inner = points[start + 1:end]
        if any(abs(v0 + (v1 - v0) * (x - x0) / max(x1 - x0, 1e-9) - v) > tolerance for x, v in inner):
            start = end - 1
            kept.append(points[start])
    kept.append(points[-1])
    out: list[tuple[float, float]] = []
    for x, v in kept:  # strictly increasing x, non-decreasing share
        if out and x <= out[-1][0]:
            continue
        out.append((round(float(x), 4), round(float(max(v, out[-1][1] if out else 0.0)), 4)))
    return tuple(out)


def reliability(conf: np.ndarray, y: np.ndarray) -> str:
    edges = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.01]
    lines = []
    for lo, hi in zip(edges, edges[1:]):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            lines.append(f"    {lo:.2f}-{min(hi, 1):.2f}: {sel.sum():6d} boxes, mean confidence "
                         f"{conf[sel].mean():.3f}, real faces {y[sel].mean():.3f}")
    return "\n".join(lines)


def fit(args) -> None:
    tune = [load_set(args.cache, folder, "even") for folder in args.sets]
    check = [load_set(args.cache, folder, "odd") for folder in args.sets]
    tune_rows = np.concatenate([r for r, _ in tune])
    x = faces.features(tune_rows)
    y = np.concatenate([label for _, label in tune]).astype(float)
    w = tuple(round(float(v), 4) for v in fit_logistic(x, y))
    # The logistic output itself (an identity map, not face_config's current isotonic map).
    logistic = faces.confidence(tune_rows, face_config.Calibration(weights=w, isotonic=((0.0, 0.0), (1.0, 1.0))))
    calibration = face_config.Calibration(weights=w, isotonic=fit_isotonic(logistic, y))
    print(calibration)
    for name, parts in (("tuning half", tune), ("check half", check)):
        rows = np.concatenate([r for r, _ in parts])
        labels = np.concatenate([label for _, label in parts])
        print(f"  {name}: {len(rows)} candidates, {labels.sum()} real faces")
        print(reliability(faces.confidence(rows, calibration), labels))
    for folder, (rows, labels) in zip(args.sets, check):
        print(f"  {folder.name} check half:")
        print(reliability(faces.confidence(rows, calibration), labels))


def count_stray(regions, gt: np.ndarray) -> int:
    """Regions whose box touches no ground-truth face box (any size, valid or not)."""
    if not regions:
        return 0
    boxes = np.array([(x, y, x + w, y + h) for x, y, w, h in (r.box for r in regions)], np.float32)
    if not len(gt):
        return len(regions)
    return int((box_iou(boxes, gt).max(axis=1) <= 0).sum())


def render(args) -> None:
    import cv2
    from sanitizer.formats import load_image
    from sanitizer.redact import apply_redactions
    settings = Settings(sensitivity=Sensitivity(args.level))
    level = face_config.LEVELS[settings.sensitivity]
    if args.keep is not None or args.margin is not None:
        level = face_config.Level(keep=level.keep if args.keep is None else args.keep,
                                  margin=level.margin if args.margin is None else args.margin)
    folder = args.sets[0]
    chosen = [p for p in half(photos(folder), args.half) if cache_file(args.cache, folder, p).exists()]
    out = args.out
    (out / "orig").mkdir(parents=True, exist_ok=True)
    (out / "clean").mkdir(parents=True, exist_ok=True)
    boxes = stray = 0
    for photo in chosen:
        for src in (photo, photo.with_suffix(".gt.txt"), photo.with_suffix(".txt")):
            link = out / "orig" / src.name
            if src.exists() and not link.exists():
                link.symlink_to(src.resolve())  # a relative path would dangle from OUT/orig
        pixels = load_image(photo).pixels
        rows = load_rows(args.cache, folder, photo)
        regions = faces.FaceDetector._regions(rows, level, pixels.shape[1], pixels.shape[0])
        boxes += len(regions)
        stray += count_stray(regions, gt_boxes(photo))
        cleaned = apply_redactions(pixels, regions, settings, seed=0)
        cv2.imwrite(str(out / "clean" / f"{photo.stem}_clean.jpg"), cv2.cvtColor(cleaned[..., :3], cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
    print(f"{folder.name} {args.half} {args.level}: {len(chosen)} photos, {boxes} face regions, "
          f"{stray / len(chosen):.2f} per photo touching no ground-truth face")
    folder_path = Path(str(folder).partition("=")[0])
    if (folder_path / "classes.txt").exists():  # person boxes only (ICU frames)
        (out / "orig" / "classes.txt").unlink(missing_ok=True)
        (out / "orig" / "classes.txt").symlink_to((folder_path / "classes.txt").resolve())
        subprocess.call([sys.executable, str(PERSON_SCORER), "--orig", str(out / "orig"), "--out", str(out / "clean")])
        return
    subprocess.call([sys.executable, str(SCORER), "--orig", str(out / "orig"), "--out", str(out / "clean"),
                     "--json", str(out / "score.json"), "--per-image", str(out / "per_image.tsv"),
                     "--per-face", str(out / "per_face.tsv")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["collect", "fit", "render"])
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--level", default="high", choices=[s.value for s in Sensitivity])
    parser.add_argument("--half", default="all", choices=["even", "odd", "all"])
    parser.add_argument("--backwards", action="store_true", help="collect: go through the photos backwards")
    parser.add_argument("--keep", type=float, help="try this keep threshold instead of the level's")
    parser.add_argument("--margin", type=float, help="try this box margin instead of face_config's")
    args = parser.parse_args()
    {"collect": collect, "fit": fit, "render": render}[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
