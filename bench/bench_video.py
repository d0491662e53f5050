#!/usr/bin/env python3
"""Benchmark: video processing speed (analyse + clean) at 720p and 1080p, and where time goes.

Targets on the 2-core machine: >= 15 frames/s at 720p, >= 8 frames/s at 1080p, for the
whole job (pass 1: decode + detect on keyframes + tracking; pass 2: decode + redact +
encode + read-back verification). The clip is the test clip (pans, zooms and cuts over
photos with faces, see tests/video_fixtures.py) rendered at each size, so no corpus file
is needed. CPU seconds are printed too: the machine is shared, and wall time alone
mixes in the other users' load.

    .venv/bin/python bench/bench_video.py [--seconds 10] [--sizes 720,1080] [--all-detectors]
        [--face-every 4] [--phi-every 15] [--preset veryfast]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from sanitizer import netguard  # noqa: E402
from stopwatch import Stopwatch  # noqa: E402

netguard.install()

from sanitizer.settings import Settings  # noqa: E402
from sanitizer.video import analyse as analyse_mod  # noqa: E402
from sanitizer.video import clean as clean_mod  # noqa: E402
from sanitizer.video.analyse import VideoOptions, analyse_video  # noqa: E402
from sanitizer.video.clean import clean_video  # noqa: E402
from sanitizer.video.encode import EncoderSettings, Mp4Writer  # noqa: E402
from sanitizer.video.frame_detect import video_detector  # noqa: E402
from video_fixtures import Shot, long_shots, write_clip  # noqa: E402

SIZES = {"720": (1280, 720), "1080": (1920, 1080)}


def scaled_shots(seconds: float) -> list[Shot]:
    shots = long_shots()
    factor = seconds / 10.0
    return [Shot(s.photo, max(2, round(s.frames * factor)), s.start, s.end) for s in shots]


def run(size: tuple[int, int], seconds: float, settings: Settings, options: VideoOptions,
        encoder: EncoderSettings, folder: Path) -> dict:
    width, height = size
    source = folder / f"bench_{height}.mp4"
    write_clip(source, scaled_shots(seconds), width=width, height=height, audio=False)
    watch = Stopwatch()
    # Wrap the stages (module attributes the engine looks up at call time).
    originals = (analyse_mod.display_rgb, clean_mod.display_rgb, clean_mod.apply_redactions,
                 clean_mod.redact_yuv420, clean_mod.verify_output, Mp4Writer.write_yuv420, Mp4Writer.close)
    analyse_mod.display_rgb = watch.wrap("to RGB (pass 1, keyframes)", analyse_mod.display_rgb)
    clean_mod.display_rgb = watch.wrap("to RGB (pass 2, rotated or unusual frames)", clean_mod.display_rgb)
    clean_mod.apply_redactions = watch.wrap("redact", clean_mod.apply_redactions)
    clean_mod.redact_yuv420 = watch.wrap("redact", clean_mod.redact_yuv420)
    clean_mod.verify_output = watch.wrap("verify (read back)", clean_mod.verify_output)
    Mp4Writer.write_yuv420 = watch.wrap("encode (x264)", Mp4Writer.write_yuv420)
    Mp4Writer.close = watch.wrap("encode (x264)", Mp4Writer.close)
    keyframe_detect = video_detector(options.face_long_side)
    faces_watch = watch.wrap("detect faces (keyframes)", keyframe_detect)
    # PHI keyframes run on their own thread beside decoding and faces: their time overlaps.
    phi_watch = watch.wrap("detect PHI (keyframes, own thread)", keyframe_detect)

    def detect(rgb, keyframe_settings):
        return (faces_watch if keyframe_settings.faces else phi_watch)(rgb, keyframe_settings)

    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        plan = analyse_video(source, settings, options=options, detect=detect)
        t1 = time.perf_counter()
        dest = folder / f"bench_{height}_clean.mp4"
        dest.unlink(missing_ok=True)
        clean_video(plan, dest, settings, encoder=encoder)
        t2, cpu2 = time.perf_counter(), time.process_time()
    finally:
        (analyse_mod.display_rgb, clean_mod.display_rgb, clean_mod.apply_redactions,
         clean_mod.redact_yuv420, clean_mod.verify_output, Mp4Writer.write_yuv420, Mp4Writer.close) = originals
    frames = plan.frame_count
    named = sum(v for k, v in watch.seconds.items() if "own thread" not in k)
    return {
        "size": f"{width}x{height}", "frames": frames, "keyframes": sum(n for k, n in watch.calls.items() if k.startswith("detect")),
        "analyse_s": t1 - t0, "clean_s": t2 - t1, "total_s": t2 - t0,
        "fps": frames / (t2 - t0), "cpu_s": cpu2 - cpu0, "stages": dict(watch.seconds),
        "other_s": (t2 - t0) - named, "tracks": len({r.track_id for r in plan.regions}),
        "regions": len(plan.regions),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--sizes", default="720,1080")
    ap.add_argument("--all-detectors", action="store_true", help="text, codes and screens too")
    ap.add_argument("--face-every", type=int, default=VideoOptions.face_every)
    ap.add_argument("--face-long-side", type=int, default=VideoOptions.face_long_side)
    ap.add_argument("--phi-every", type=int, default=VideoOptions.phi_every)
    ap.add_argument("--preset", default=EncoderSettings.preset)
    a = ap.parse_args()
    settings = Settings() if a.all_detectors else Settings().with_only("faces")
    options = VideoOptions(face_every=a.face_every, face_long_side=a.face_long_side, phi_every=a.phi_every)
    encoder = EncoderSettings(preset=a.preset)
    targets = {"720": 15.0, "1080": 8.0}
    print(f"settings: {'all detectors' if a.all_detectors else 'faces only'}, faces every "
          f"{options.face_every} frames at {options.face_long_side} px, PHI every {options.phi_every}, x264 preset {encoder.preset}"
          "; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench_video_") as tmp:
        for key in a.sizes.split(","):
            r = run(SIZES[key], a.seconds, settings, options, encoder, Path(tmp))
            verdict = "meets" if r["fps"] >= targets[key] else "BELOW"
            print(f"\n{r['size']}: {r['frames']} frames in {r['total_s']:.1f} s = {r['fps']:.1f} frames/s "
                  f"({verdict} target {targets[key]:g}); analyse {r['analyse_s']:.1f} s, clean {r['clean_s']:.1f} s; "
                  f"CPU {r['cpu_s']:.1f} s ({r['cpu_s'] / r['frames'] * 1000:.0f} ms/frame); "
                  f"{r['keyframes']} detector runs, {r['tracks']} tracks, {r['regions']} regions")
            for stage, sec in sorted(r["stages"].items(), key=lambda kv: -kv[1]):
                print(f"    {stage:28s} {sec:7.2f} s  {sec / r['frames'] * 1000:6.1f} ms/frame  "
                      f"{100 * sec / r['total_s']:5.1f} %")
            print(f"    {'decode, cut detection, waiting, rest':28s} {r['other_s']:7.2f} s  "
                  f"{r['other_s'] / r['frames'] * 1000:6.1f} ms/frame  {100 * r['other_s'] / r['total_s']:5.1f} %")
            print(f"    load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
