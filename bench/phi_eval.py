"""Run the PHI detectors over a folder of photos and write redacted outputs for the scorers.

    python bench/phi_eval.py SRC_DIR OUT_DIR [--preset standard|strict] [--faces] [--limit N]
                             [--only text,wristbands,documents,barcodes,screens]

Outputs are written as <stem>.png (lossless, so the scorers judge the redaction and not JPEG
loss) with sanitizer.redact.apply_redactions, then judged with ../shared/eval/phi_score.py,
faces_score.py or bench/screens_score.py. Prints seconds per image. Prints no OCR text.
Use `sanitize clean` for the end-to-end figure once the CLI is at hand; this script lets the
detectors be measured on their own (and with faces off).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanitizer import netguard  # noqa: E402

netguard.install()

from sanitizer.detectors import run_detectors  # noqa: E402
from sanitizer.redact import apply_redactions  # noqa: E402
from sanitizer.settings import Preset, Settings  # noqa: E402

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--preset", default="standard", choices=["standard", "strict"])
    ap.add_argument("--faces", action="store_true", help="also run the face detector")
    ap.add_argument("--only", default="text,wristbands,documents,barcodes,screens",
                    help="detector switches to turn on (settings.DETECTOR_SWITCHES, faces aside)")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args(argv)
    enabled = set(a.only.split(","))
    settings = Settings(preset=Preset(a.preset)).with_only(*enabled, *(["faces"] if a.faces else []))
    a.out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in a.src.iterdir() if p.suffix.lower() in IMAGE_EXT)
    if a.limit:
        files = files[:a.limit]
    times = []
    kinds: dict[str, int] = {}
    for path in files:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        start = time.perf_counter()
        regions = run_detectors(rgb, settings)
        times.append(time.perf_counter() - start)
        for r in regions:
            kinds[r.kind.value] = kinds.get(r.kind.value, 0) + 1
        Image.fromarray(apply_redactions(rgb, regions, settings, seed=0)).save(a.out / f"{path.stem}.png")
    if times:
        print(f"{len(files)} images, median {statistics.median(times):.2f} s, mean {statistics.mean(times):.2f} s")
    print("regions by kind:", dict(sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
