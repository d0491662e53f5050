#!/usr/bin/env python3
"""Count the frames of the 10 s 720p test clip in which a known face is not hidden.

The clip (tests/video_fixtures.py: zoom on a close-up, a cut, a pan over a group photo, a
zoom out; 300 frames at 30 fps, 1280x720, with title/GPS/make/model tags and sound) is
analysed and cleaned with the real face detector, then every frame of the output is
compared with the source by the HIDDEN rule of ../shared/eval/faces_score.py.

Two figures: faces at least half inside the frame (the target: 0 frames), and every
face sliver however small (a chin at the top edge), for information.

    .venv/bin/python bench/video_faces.py [--seconds 10] [--face-every 4] [--face-long-side 960]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from sanitizer import netguard  # noqa: E402

netguard.install()

from sanitizer.settings import Settings  # noqa: E402
from sanitizer.video.analyse import VideoOptions, analyse_video  # noqa: E402
from sanitizer.video.clean import clean_video  # noqa: E402
from video_fixtures import Shot, long_shots, unhidden_frames, write_clip  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--face-every", type=int, default=VideoOptions.face_every)
    ap.add_argument("--face-long-side", type=int, default=VideoOptions.face_long_side)
    a = ap.parse_args()
    factor = a.seconds / 10.0
    shots = [Shot(s.photo, max(2, round(s.frames * factor)), s.start, s.end) for s in long_shots()]
    settings = Settings().with_only("faces")
    options = VideoOptions(face_every=a.face_every, face_long_side=a.face_long_side)
    with tempfile.TemporaryDirectory(prefix="video_faces_") as tmp:
        source = Path(tmp) / "clip.mov"
        truth = write_clip(source, shots)
        t0 = time.perf_counter()
        plan = analyse_video(source, settings, options=options)
        dest = Path(tmp) / "clip_clean.mp4"
        clean_video(plan, dest, settings)
        seconds = time.perf_counter() - t0
        failing, with_faces, frames = unhidden_frames(source, dest, truth, min_visible=0.5)
        failing_any, with_any, frames_any = unhidden_frames(source, dest, truth, min_visible=0.0)
    faces = sum(len([f for f in fs if f.visible >= 0.5]) for fs in truth)
    print(f"clip: {len(truth)} frames 1280x720, {faces} face-frames (faces >= half inside the frame); "
          f"faces every {options.face_every} frames at {options.face_long_side} px; {seconds:.1f} s")
    print(f"frames with a face (>= half visible) NOT hidden: {failing} of {with_faces}  {frames[:30]}")
    print(f"frames with any face sliver NOT hidden:          {failing_any} of {with_any}  {frames_any[:30]}")
    print(f"tracks {len({r.track_id for r in plan.regions})}, regions {len(plan.regions)}")
    return 0 if failing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
