#!/usr/bin/env python3
"""Score the face detector on the WIDER corpus with the shared, tool-agnostic scorer.

Runs FaceDetector on every photo of ../shared/corpus/faces (or every Nth with --every),
redacts with sanitizer.redact.apply_redactions (Standard preset unless --style), writes
<stem>_clean.jpg (JPEG q92) into --out, then runs ../shared/eval/faces_score.py on it.
Outputs go to a temporary folder outside the repo unless --out is given: they are
derived from corpus photos and must not land in the project.

    .venv/bin/python bench/faces_eval.py [--every 4] [--sensitivity high] [--style blur]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sanitizer.detectors.analysis import ImageAnalysis  # noqa: E402
from sanitizer.detectors.faces import FaceDetector  # noqa: E402
from sanitizer.formats import load_image  # noqa: E402
from sanitizer.settings import Sensitivity, Settings, Style  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "faces"
SCORER = REPO.parent / "shared" / "eval" / "faces_score.py"


def redact(pixels: np.ndarray, regions, settings: Settings) -> np.ndarray:
    from sanitizer.redact import apply_redactions
    return apply_redactions(pixels, regions, settings, seed=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--every", type=int, default=1, help="use every Nth photo (quick runs)")
    parser.add_argument("--sensitivity", choices=[s.value for s in Sensitivity], default="high")
    parser.add_argument("--style", choices=[s.value for s in Style], default=None,
                        help="face style (default: the Standard preset's blur)")
    args = parser.parse_args()

    settings = Settings(sensitivity=Sensitivity(args.sensitivity),
                        face_style=Style(args.style) if args.style else None)
    out = args.out or Path(tempfile.mkdtemp(prefix="faces_eval_"))
    out.mkdir(parents=True, exist_ok=True)
    photos = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    photos = photos[:: args.every]
    detector = FaceDetector()
    timing_lines = []
    total_regions = 0
    started = time.perf_counter()
    # With a subset, tell the scorer which originals count (the rest are out of scope, not failures).
    for photo in photos:
        pixels = load_image(photo).pixels
        t0 = time.perf_counter()
        regions = detector.detect(ImageAnalysis(pixels), settings)
        timing_lines.append(f"{photo.name}\t{time.perf_counter() - t0:.4f}")
        total_regions += len(regions)
        cleaned = redact(pixels, regions, settings)
        dest = out / f"{photo.stem}_clean.jpg"
        Image.fromarray(cleaned[..., :3]).save(dest, quality=92)
    elapsed = time.perf_counter() - started
    (out / "timing.tsv").write_text("\n".join(timing_lines) + "\n")
    print(f"{len(photos)} photos, {total_regions} face regions, {elapsed:.1f} s "
          f"(detect median {np.median([float(x.split()[1]) for x in timing_lines]):.3f} s) -> {out}")

    orig = args.corpus
    if args.every > 1:
        # The scorer scores every GT file in --orig; point it at a folder of links to the subset.
        orig = out / "_orig"
        orig.mkdir(exist_ok=True)
        for photo in photos:
            for src in (photo, photo.with_suffix(".gt.txt")):
                link = orig / src.name
                if not link.exists():
                    link.symlink_to(src)
    scored = out / "_scored"
    scored.mkdir(exist_ok=True)
    for photo in photos:
        dest = scored / f"{photo.stem}_clean.jpg"
        if not dest.exists():
            dest.symlink_to(out / dest.name)
    cmd = [sys.executable, str(SCORER), "--orig", str(orig), "--out", str(scored),
           "--timing", str(out / "timing.tsv"), "--json", str(out / "score.json"),
           "--per-face", str(out / "per_face.tsv")]
    print("$", " ".join(cmd))
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
