"""Pass 1 of a video: decode every frame, detect on keyframes, build tracks -> Plan.

Keyframes: faces every `face_every` frames and PHI (text, codes, screens) every
`phi_every` frames, counted from the start of each shot, plus the first and last frame of
every shot. A scene cut is a large change between small grey thumbnails of consecutive
frames; a false cut only costs an extra detection, a missed one is covered by the union
boxes of the tracker, so the threshold is set low.
"""
from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from ..errors import Cancelled, DecodeError, SanitizerError
from ..regions import Plan, Region
from ..settings import DETECTOR_SWITCHES, Settings
from .frame_detect import video_detector
from .tracking import TrackParams, build_track_regions
from .video_io import VideoInfo, display_rgb, open_input, probe, video_stream

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
Detect = Callable[[np.ndarray, Settings], list[Region]]

THUMB_SIZE = (64, 36)
PHI_QUEUE = 2


@dataclass
class VideoOptions:
    face_every: int = 4          # frames between face detections (1 = every frame)
    phi_every: int = 15          # frames between text / code / screen detections
    scene_cut_threshold: float = 18.0  # mean abs grey change (0-255) of 64x36 thumbnails
    face_long_side: int | None = 960   # face network budget per keyframe (None: photo detector)
    blur_frame_when_lost: bool = False  # cover the whole frame when a face track is lost
    face_track: TrackParams = field(default_factory=TrackParams)
    phi_track: TrackParams | None = None  # None: derived from phi_every

    def face_params(self, fps: float) -> TrackParams:
        hold = max(2 * self.face_every, int(round(0.25 * fps)))
        return replace(self.face_track, hold_frames=max(self.face_track.hold_frames, hold),
                       edge_hold_frames=max(self.face_track.edge_hold_frames, int(round(fps))),
                       blur_frame_when_lost=self.blur_frame_when_lost,
                       lost_frames=max(1, int(round(fps))))

    def phi_params(self, fps: float) -> TrackParams:
        if self.phi_track is not None:
            return self.phi_track
        # Held for a whole interval both ways: PHI may appear any time between two keyframes.
        return TrackParams(grow=0.1, hold_frames=self.phi_every, hold_grow=0.2, max_gap=1)


def cancelled_error() -> SanitizerError:
    return Cancelled("cancelled")


def _face_settings(settings: Settings) -> Settings:
    return settings.with_only("faces")


def _phi_settings(settings: Settings) -> Settings:
    return replace(settings, faces=False)


def _thumb(frame: av.VideoFrame) -> np.ndarray:
    """A small grey picture of the frame for cut detection (from the luma plane when there is one)."""
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12"):
        plane = frame.planes[0]
        luma = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, :plane.width]
    else:
        luma = frame.to_ndarray(format="gray")
    step = max(1, min(luma.shape[0] // (THUMB_SIZE[1] * 2), luma.shape[1] // (THUMB_SIZE[0] * 2)))
    luma = np.ascontiguousarray(luma[::step, ::step])  # subsample first: only coarse change matters
    return cv2.resize(luma, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.int16)


@dataclass
class _Pass1:
    info: VideoInfo
    face_keys: list[int] = field(default_factory=list)
    phi_keys: list[int] = field(default_factory=list)
    face_hits: dict[int, list[Region]] = field(default_factory=dict)
    phi_hits: dict[int, list[Region]] = field(default_factory=dict)
    shot_starts: list[int] = field(default_factory=lambda: [0])
    frames: int = 0


def _detect_pass(path: Path, info: VideoInfo, settings: Settings, options: VideoOptions,
                 detect: Detect, progress: Progress | None, cancel: Cancel | None) -> _Pass1:
    do_faces = settings.faces
    do_phi = any(getattr(settings, n) for n in DETECTOR_SWITCHES if n != "faces")
    face_settings, phi_settings = _face_settings(settings), _phi_settings(settings)
    state = _Pass1(info)
    # PHI keyframes are analysed on a second thread while this one decodes and finds faces:
    # OCR, zxing and OpenCV release the GIL, and the text analysis has single-threaded
    # stretches that would leave a core idle. At most PHI_QUEUE frames wait (memory bound).
    phi_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video-phi")
    phi_pending: dict[int, Future] = {}

    def run(index: int, frame: av.VideoFrame, faces: bool, phi: bool) -> None:
        if not (faces and do_faces) and not (phi and do_phi):
            return
        rgb = display_rgb(frame, info.orientation)
        if phi and do_phi:
            waiting = [f for f in phi_pending.values() if not f.done()]
            if len(waiting) >= PHI_QUEUE:
                wait(waiting, return_when=FIRST_COMPLETED)
            phi_pending[index] = phi_pool.submit(detect, rgb, phi_settings)
        if faces and do_faces:
            state.face_hits[index] = detect(rgb, face_settings)

    container = open_input(path)
    try:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        total = info.frame_count_hint
        shot_start = 0
        prev: tuple[int, av.VideoFrame] | None = None
        prev_thumb: np.ndarray | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                if cancel is not None and cancel():
                    raise cancelled_error()
                if (frame.width, frame.height) != (info.coded_width, info.coded_height):
                    raise DecodeError("the video changes picture size part-way, which is not supported")
                thumb = _thumb(frame)
                if prev_thumb is not None and float(np.abs(thumb - prev_thumb).mean()) > options.scene_cut_threshold:
                    # A cut: the previous frame closes its shot, so it must be a keyframe.
                    pi, pframe = prev
                    run(pi, pframe, pi not in state.face_hits, pi not in phi_pending)
                    for keys, hits in ((state.face_keys, state.face_hits), (state.phi_keys, phi_pending)):
                        if pi in hits and (not keys or keys[-1] != pi):
                            keys.append(pi)
                    shot_start = index
                    state.shot_starts.append(index)
                offset = index - shot_start
                want_face = offset % max(1, options.face_every) == 0
                want_phi = offset % max(1, options.phi_every) == 0
                run(index, frame, want_face, want_phi)
                if want_face:
                    state.face_keys.append(index)
                if want_phi:
                    state.phi_keys.append(index)
                prev, prev_thumb = (index, frame), thumb
                state.frames = index + 1
                if progress is not None:
                    progress(index + 1, max(total, index + 1))
        except av.error.FFmpegError:
            raise DecodeError("the video could not be decoded to the end (damaged or truncated)") from None
        if prev is None:
            raise DecodeError("no picture could be decoded from this video (empty or damaged)")
        # The last frame closes the last shot.
        pi, pframe = prev
        run(pi, pframe, pi not in state.face_hits, pi not in phi_pending)
        for keys, hits in ((state.face_keys, state.face_hits), (state.phi_keys, phi_pending)):
            if keys and keys[-1] != pi:
                keys.append(pi)
        state.phi_hits = {index: future.result() for index, future in phi_pending.items()}
    finally:
        phi_pool.shutdown(wait=True, cancel_futures=True)
        container.close()
    if info.declared_frames and state.frames < info.declared_frames * 0.98 - 1:
        raise DecodeError("the video is truncated: fewer pictures could be decoded than it declares")
    return state


def analyse_video(path: Path | str, settings: Settings, progress: Progress | None = None,
                  cancel: Cancel | None = None, options: VideoOptions | None = None,
                  detect: Detect | None = None) -> Plan:
    """Analyse a video into a Plan (media="video").

    Raises SanitizerError subclasses for files that cannot be processed (the pipeline turns
    them into Plan.error). `detect` replaces the detector registry (tests, benchmarks).
    Regions: one per track per keyframe interval; see sanitizer.video.tracking.
    """
    path = Path(path)
    if options is None:
        # Settings carries the user's choice once it has the field (requested from the lead).
        options = VideoOptions(blur_frame_when_lost=settings.video_blur_frame_when_lost)
    info = probe(path)
    detect = detect or video_detector(options.face_long_side)
    state = _detect_pass(path, info, settings, options, detect, progress, cancel)
    fps = float(info.fps)
    faces = build_track_regions(state.face_hits, state.face_keys, state.shot_starts, state.frames,
                                info.width, info.height, options.face_params(fps))
    first_phi_id = 1 + max((r.track_id or 0 for r in faces), default=0)
    phi = build_track_regions(state.phi_hits, state.phi_keys, state.shot_starts, state.frames,
                              info.width, info.height, options.phi_params(fps), first_phi_id)
    return Plan(
        source=path, media="video", format=f"{info.container.split(',')[0]}/{info.codec}",
        width=info.width, height=info.height, regions=faces + phi, metadata=info.metadata,
        frame_count=state.frames, fps=fps,
    )
