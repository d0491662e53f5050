"""Animated GIF, WebP and PNG: analysed like a short video, written back in their own format.

Analysis: faces are looked for every FACE_EVERY frames and text, codes and screens every
PHI_EVERY frames, plus the first and last frame of every shot (a shot ends at a large change
between small grey thumbnails, as for video). Keyframe detections become tracks with
`video.tracking` (union boxes between keyframes, holds before and after), so a redaction
never flashes off between two detections. Clean: each frame gets the Regions whose frame
span contains it and the frames are written with the original durations and loop count,
nothing else (no comment, XMP, EXIF or colour profile), then read back and verified.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from . import formats
from .errors import Cancelled
from .formats import Animation
from .pipeline import detect_in_pixels
from .regions import Plan, Region
from .redact import apply_redactions
from .settings import Settings
from .video.tracking import TrackParams, build_track_regions, regions_by_frame
from .writer import write_clean_animation

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

# Loops are short and small (typically under 100 frames of under 0.3 MP), so keyframes are
# denser than for video (4 and 15): at 30 frames/s a face is looked for every 67 ms.
FACE_EVERY = 2
PHI_EVERY = 6
# Mean absolute change (0-255) between 64x36 grey thumbnails that starts a new shot: the
# video threshold (sanitizer.video.analyse.VideoOptions.scene_cut_threshold).
SCENE_CUT = 18.0


def _face_params(fps: float) -> TrackParams:
    # Held for at least two face intervals and a quarter second either way (the video rule).
    hold = max(2 * FACE_EVERY, int(round(0.25 * fps)))
    return TrackParams(hold_frames=max(TrackParams().hold_frames, hold),
                       edge_hold_frames=max(TrackParams().edge_hold_frames, int(round(fps))))


def _phi_params() -> TrackParams:
    # Held a whole interval both ways: text may appear any time between two keyframes.
    return TrackParams(grow=0.1, hold_frames=PHI_EVERY, hold_grow=0.2, max_gap=1)


def shot_starts(frames: list[np.ndarray]) -> list[int]:
    """First frame of each shot (0 included)."""
    starts, previous = [0], None
    for index, frame in enumerate(frames):
        grey = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32)
        if previous is not None and float(np.abs(thumb - previous).mean()) > SCENE_CUT:
            starts.append(index)
        previous = thumb
    return starts


def keyframes(starts: list[int], count: int, every: int) -> list[int]:
    """Every `every`-th frame of each shot, counted from its start, plus each shot's last frame."""
    keys: set[int] = set()
    ends = [s - 1 for s in starts[1:]] + [count - 1]
    for start, end in zip(starts, ends):
        keys.update(range(start, end + 1, every))
        keys.add(end)
    return sorted(keys)


def analyse_animation(path: Path, settings: Settings, progress: Progress | None = None,
                      cancel: Cancel | None = None) -> tuple[Plan, Animation]:
    """The Plan (media "animation", one Region per track per keyframe interval) and the frames."""
    animation = formats.load_animation(path)
    count = len(animation.frames)
    width, height = animation.size
    starts = shot_starts(animation.frames)
    face_keys = keyframes(starts, count, FACE_EVERY) if settings.faces else []
    phi = settings.text or settings.barcodes or settings.screens
    phi_keys = keyframes(starts, count, PHI_EVERY) if phi else []
    face_only, phi_only = replace(settings, text=False, barcodes=False, screens=False), replace(settings, faces=False)
    face_hits: dict[int, list[Region]] = {}
    phi_hits: dict[int, list[Region]] = {}
    face_set, phi_set = set(face_keys), set(phi_keys)
    todo = sorted(face_set | phi_set)
    for done, index in enumerate(todo):
        if cancel is not None and cancel():
            raise Cancelled("cancelled")
        frame = animation.frames[index]  # RGB(A): a transparent frame is seen every way it can be
        if index in face_set:
            face_hits[index] = detect_in_pixels(frame, face_only)
        if index in phi_set:
            phi_hits[index] = detect_in_pixels(frame, phi_only)
        if progress:
            progress(done + 1, len(todo))
    faces = build_track_regions(face_hits, face_keys, starts, count, width, height, _face_params(animation.fps))
    first_phi_id = 1 + max((r.track_id or 0 for r in faces), default=0)
    texts = build_track_regions(phi_hits, phi_keys, starts, count, width, height, _phi_params(), first_phi_id)
    plan = Plan(source=Path(path), media="animation", format=animation.format, width=width, height=height,
                regions=faces + texts, frame_count=count, fps=animation.fps)
    return plan, animation


def clean_animation(plan: Plan, animation: Animation, dest: Path, settings: Settings) -> None:
    """Render every frame with the Regions that cover it and write the verified animation."""
    by_frame = regions_by_frame(plan.regions, len(animation.frames))
    # Every frame goes through apply_redactions, also one with nothing to hide: it also
    # blanks the colour under fully transparent pixels.
    frames = [apply_redactions(frame, by_frame[i], settings, seed=i) for i, frame in enumerate(animation.frames)]
    write_clean_animation(frames, animation.durations, animation.loop, dest, animation.format,
                          quality=settings.jpeg_quality)
