"""Benchmark: median seconds to load + write + verify a 12 MP JPEG (target <= 0.3 s).

Builds a photo-like 4000x3000 JPEG (skimage sample photos upscaled, plus sensor-like noise,
with EXIF/GPS/thumbnail so the loader has real metadata to skip), then times the clean path
the pipeline uses: load_image -> write_clean_image (encode + verify + rename).
Prints the split: decode, encode, verify (structure walk, decode-back).

    .venv/bin/python bench/bench_clean.py [--runs 7] [--full-decode]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanitizer import verify  # noqa: E402
from sanitizer.formats import load_image  # noqa: E402
from sanitizer.writer import _encode, output_spec, write_clean_image  # noqa: E402


def photo_like(width: int = 4000, height: int = 3000, seed: int = 0) -> np.ndarray:
    from skimage import data
    tiles = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    rng = np.random.default_rng(seed)
    half_w, half_h = width // 2, height // 2
    quad = [np.asarray(Image.fromarray(t).resize((half_w, half_h), Image.BICUBIC)) for t in tiles]
    img = np.vstack([np.hstack(quad[:2]), np.hstack(quad[2:])]).astype(np.int16)
    img += rng.normal(0, 4, img.shape).astype(np.int16)  # sensor noise: keeps JPEG sizes realistic
    return np.clip(img, 0, 255).astype(np.uint8)


def make_input(path: Path) -> None:
    import piexif
    thumb = io.BytesIO()
    Image.fromarray(photo_like(160, 120)).save(thumb, "JPEG")
    exif = piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"BenchCam", piexif.ImageIFD.Model: b"X1", piexif.ImageIFD.Orientation: 1},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:01:02 03:04:05"},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((41, 1), (52, 1), (0, 1))},
        "1st": {}, "thumbnail": thumb.getvalue(),
    })
    Image.fromarray(photo_like()).save(path, "JPEG", quality=92, exif=exif)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--full-decode", action="store_true", help="verify by decoding the JPEG at full size")
    args = ap.parse_args()
    verify.FAST_JPEG_DECODE = not args.full_decode
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "photo.jpg"
        make_input(src)
        print(f"input: 4000x3000 JPEG, {src.stat().st_size / 1e6:.1f} MB; "
              f"verify decode-back: {'full size' if args.full_decode else 'DCT-scaled 1/8'}")
        totals, cpus, decodes, encodes, verifies = [], [], [], [], []
        for run in range(args.runs):
            out = tmp / f"out{run}.jpg"
            c0 = time.process_time()
            t0 = time.perf_counter()
            loaded = load_image(src)
            t1 = time.perf_counter()
            ext, fmt = output_spec(loaded)
            write_clean_image(loaded.pixels, out, fmt)
            t2 = time.perf_counter()
            cpus.append(time.process_time() - c0)
            totals.append(t2 - t0)
            decodes.append(t1 - t0)
            # split of the write step, measured separately on the same pixels
            buf = io.BytesIO()
            t3 = time.perf_counter()
            _encode(loaded.pixels, buf, fmt, 92)
            t4 = time.perf_counter()
            problems = verify.verify_clean_file(out, fmt, loaded.size)
            t5 = time.perf_counter()
            assert not problems, problems
            encodes.append(t4 - t3)
            verifies.append(t5 - t4)
        med = statistics.median
        print(f"median over {args.runs} runs: total {med(totals):.3f} s (load + write + verify)")
        print(f"  CPU time of the same (robust to other load on the machine): {med(cpus):.3f} s")
        print(f"  load (decode to sRGB array): {med(decodes):.3f} s")
        print(f"  encode JPEG q92:             {med(encodes):.3f} s")
        print(f"  verify (walk + decode-back): {med(verifies):.3f} s")
        print(f"  rest (temp file, rename):    {med(totals) - med(decodes) - med(encodes) - med(verifies):.3f} s")
        print("target <= 0.300 s:", "MET" if med(totals) <= 0.3 else "NOT MET",
              f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
