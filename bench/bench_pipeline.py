"""Median analysis seconds per 12 MP photo for the whole detector pipeline, and where it goes.

    python bench/bench_pipeline.py [--count N] [--preset standard|strict]

Photos: a mix from ../shared/corpus (synthetic wristband, chart and screen photos, COCO scenes
and a real phone JPEG), each resized to 4000 x 3000 (12 MP), so every run measures the same
work. Times `sanitizer.detectors.run_detectors` with all detectors on, after one warm-up
photo (model loading is reported separately). Prints a breakdown by stage: face detector,
OCR text detection, code finders, screen outlines, OCR recognition, the rest (grouping,
classification, clipping). Target: median <= 2.0 s on a 2-core machine.
Nothing is written; no OCR text is printed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sanitizer import netguard  # noqa: E402
from stopwatch import Stopwatch  # noqa: E402

netguard.install()

from sanitizer.detectors import base as registry  # noqa: E402
from sanitizer.settings import Preset, Settings  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
SIZE = (4000, 3000)


def pick_photos(count: int) -> list[Path]:
    pools = [sorted((CORPUS / "synth" / "wristbands").glob("*.jpg")),
             sorted((CORPUS / "objects").glob("*.jpg")),
             sorted((CORPUS / "synth" / "charts").glob("*.jpg")),
             sorted((CORPUS / "synth" / "screens").glob("*.jpg")),
             sorted((CORPUS / "metadata").glob("*Oppo_R7*.jpg"))]
    photos: list[Path] = []
    k = 0
    while len(photos) < count and any(pools):
        pool = pools[k % len(pools)]
        if pool:
            photos.append(pool.pop(len(pool) // 2 if len(pool) > 2 else 0))
        k += 1
    return photos


def load_12mp(path: Path) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    if img.height > img.width:
        img = img.rotate(90, expand=True)
    return np.asarray(img.resize(SIZE, Image.BICUBIC))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--preset", default="standard", choices=["standard", "strict"])
    a = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print("../shared/corpus is absent; nothing to measure")
        return 0
    settings = Settings(preset=Preset(a.preset))
    photos = pick_photos(a.count + 1)
    clock = Stopwatch()

    start = time.perf_counter()
    detectors = registry.build_detectors(settings)
    warm = load_12mp(photos[0])
    registry.run_detectors(warm, settings)
    print(f"model loading + warm-up photo: {time.perf_counter() - start:.2f} s; "
          f"detectors: {[d.name for d in detectors]}")

    # Stage wrappers (installed after warm-up so loading is not counted).
    from sanitizer.detectors import codes, outlines
    from sanitizer.ocr import get_engine
    engine = get_engine(settings.ocr_engine)
    clock.patch(engine, "detect", "OCR text detection")
    clock.patch(engine, "recognize", "OCR recognition")
    clock.patch(codes, "decode_codes", "codes: zxing decode")
    clock.patch(codes, "bar_texture", "codes: bar texture")
    clock.patch(outlines, "_find_quads", "screen outlines")
    for d in detectors:
        if d.name not in ("phi_text", "barcodes", "screens"):
            clock.patch(d, "detect", f"detector {d.name}")

    times, cpus = [], []
    for path in photos[1:]:
        rgb = load_12mp(path)
        t0, c0 = time.perf_counter(), time.process_time()
        regions = registry.run_detectors(rgb, settings)
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        cpus.append(time.process_time() - c0)
        print(f"{path.parent.name}/{path.stem[:24]:<24} {elapsed:6.2f} s  CPU {cpus[-1]:5.2f} s  "
              f"regions {len(regions)}")
    total = sum(times)
    print(f"\n{len(times)} photos of {SIZE[0]}x{SIZE[1]}: median {statistics.median(times):.2f} s, "
          f"mean {statistics.mean(times):.2f} s (target median <= 2.0 s); CPU median "
          f"{statistics.median(cpus):.2f} s; load average now {os.getloadavg()[0]:.1f}")
    print("where the time goes (share of all analysis time; the code scan runs on its own thread, "
          "beside the face network, so stages overlap):")
    accounted = 0.0
    for stage, seconds in sorted(clock.seconds.items(), key=lambda kv: -kv[1]):
        background = stage.startswith("codes:")
        if not background:
            accounted += seconds
        print(f"  {stage:<24} {seconds / len(times):6.2f} s/photo  {100 * seconds / total:5.1f} %"
              + ("  (background thread)" if background else ""))
    rest = total - accounted
    print(f"  {'other (waiting for codes, grouping, rules)':<24} {rest / len(times):6.2f} s/photo  "
          f"{100 * rest / total:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
