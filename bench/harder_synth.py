#!/usr/bin/env python3
"""A harder copy of the synthetic PHI sets, to see how the detectors hold up beyond the dev half.

The acceptance half of ../shared/corpus/synth is harder than the dev half (smaller text,
steeper angles, motion blur, double JPEG). This script degrades the dev half the same ways
so that robustness can be measured before acceptance:

    python bench/harder_synth.py OUT_DIR [--scale 0.7] [--blur 5] [--sets wristbands,charts,screens]
        [--long-side 1280]

--long-side scales every photo to that long side instead (1280: the size of a 720p video
frame, to measure the PHI detectors as they run on video keyframes).

--tilt DEG views each photo from a steeper angle: the picture plane is turned by DEG degrees
about a random axis in it (a perspective warp, as if the camera stood off to one side) and
by up to DEG/2 degrees in the plane, then fitted back into the frame.

For each photo: downscale by --scale (smaller text), a motion blur of --blur pixels at a
random angle, then JPEG quality 75 and again 85 (double compression). The ground-truth JSON
is rewritten with the boxes scaled to match. Then run `sanitize clean OUT_DIR/<set> -o ...`
and ../shared/eval/phi_score.py --gt OUT_DIR/<set> as for the dev half. OUT_DIR must be
outside the project (it holds corpus-derived files).
"""
from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SYNTH = REPO.parent / "shared" / "corpus" / "synth"
sys.path.insert(0, str(REPO / "tests"))

from phi_fixtures import motion_blur  # noqa: E402  (the tests' own smear, one definition)


def _map_entry(entry: dict, homography: np.ndarray) -> dict:
    """The ground-truth entry with its box and polygon carried through the warp; the text
    height changes by the warp's local scale there."""
    out = dict(entry)
    local_scale = 1.0
    if "box" in out:
        x, y, w, h = out["box"]
        corners = _apply(homography, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
        x0, y0 = corners.min(axis=0)
        x1, y1 = corners.max(axis=0)
        out["box"] = [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]
        local_scale = float(np.sqrt(cv2.contourArea(corners.astype(np.float32)) / max(w * h, 1e-6)))
    if out.get("polygon"):
        out["polygon"] = _apply(homography, out["polygon"]).tolist()
    if "text_h" in out:
        out["text_h"] = out["text_h"] * local_scale
    return out


def _apply(homography: np.ndarray, points) -> np.ndarray:
    pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, homography).reshape(-1, 2)


def tilt_homography(size: tuple[int, int], degrees: float, rng) -> np.ndarray:
    """A view of the picture plane turned by `degrees` about a random in-plane axis (camera
    focal length = the long side) and by up to degrees/2 within the plane, scaled and moved
    so the whole warped picture fits the same frame."""
    width, height = size
    focal = float(max(size))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    axis_angle = rng.uniform(0, np.pi)
    axis = np.array([np.cos(axis_angle), np.sin(axis_angle), 0.0]) * np.radians(degrees)
    turn = cv2.Rodrigues(axis)[0]
    spin = cv2.Rodrigues(np.array([0.0, 0.0, np.radians(rng.uniform(-degrees / 2, degrees / 2))]))[0]
    warp = camera @ spin @ turn @ np.linalg.inv(camera)
    corners = _apply(warp, [[0, 0], [width, 0], [width, height], [0, height]])
    low, high = corners.min(axis=0), corners.max(axis=0)
    fit = min(width / (high[0] - low[0]), height / (high[1] - low[1]))
    place = np.array([[fit, 0, -low[0] * fit + (width - fit * (high[0] - low[0])) / 2],
                      [0, fit, -low[1] * fit + (height - fit * (high[1] - low[1])) / 2],
                      [0, 0, 1]])
    return place @ warp


def double_jpeg(rgb: np.ndarray) -> bytes:
    """JPEG at quality 75, decoded, then JPEG at quality 85: the file's bytes."""
    first = io.BytesIO()
    Image.fromarray(rgb).save(first, "JPEG", quality=75)
    second = io.BytesIO()
    Image.open(io.BytesIO(first.getvalue())).convert("RGB").save(second, "JPEG", quality=85)
    return second.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", type=float, default=0.7)
    ap.add_argument("--blur", type=int, default=5)
    ap.add_argument("--long-side", type=int, default=0, help="scale to this long side instead of --scale")
    ap.add_argument("--tilt", type=float, default=0.0, help="view the photo turned by this many degrees")
    ap.add_argument("--sets", default="wristbands,charts,screens")
    a = ap.parse_args(argv)
    if not SYNTH.is_dir():
        print("../shared/corpus/synth is absent; nothing to do")
        return 0
    if REPO in a.out.resolve().parents:
        print("OUT_DIR must be outside the project: it holds corpus-derived files")
        return 2
    rng = np.random.default_rng(2026)
    for name in a.sets.split(","):
        src, dst = SYNTH / name, a.out / name
        dst.mkdir(parents=True, exist_ok=True)
        count = 0
        for gt_path in sorted(src.glob("*.json")):
            gt = json.loads(gt_path.read_text(encoding="utf-8"))
            rgb = np.asarray(Image.open(src / gt["image"]).convert("RGB"))
            scale = a.long_side / max(rgb.shape[:2]) if a.long_side else a.scale
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            homography = np.diag([scale, scale, 1.0])
            if a.tilt:
                tilt = tilt_homography(size, a.tilt, rng)
                small = cv2.warpPerspective(small, tilt, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
                homography = tilt @ homography
            small = motion_blur(small, a.blur, float(rng.uniform(0, 180)))
            (dst / gt["image"]).write_bytes(double_jpeg(small))
            gt["width"], gt["height"] = size
            for key in ("phi_boxes", "nonphi_text_boxes", "regions"):
                gt[key] = [_map_entry(e, homography) for e in gt.get(key, [])]
            (dst / gt_path.name).write_text(json.dumps(gt), encoding="utf-8")
            count += 1
        print(f"{name}: {count} photos -> {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
