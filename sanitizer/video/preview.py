"""One frame of a video for the editor: as decoded (display orientation) and as it will be exported."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from ..errors import DecodeError
from ..redact import apply_redactions
from ..regions import Plan
from ..settings import Settings
from .tracking import regions_at
from .video_io import display_rgb, frame_orientation, open_input, video_stream


def frame_at(path: Path, index: int, fps: float) -> np.ndarray:
    """Frame `index` (counted from 0) as display-oriented RGB.

    Seeks to the key frame before the frame's time, then decodes forward; with a variable
    frame rate the frame shown is the one at index/fps seconds, close to the exact index.
    """
    container = open_input(Path(path))
    try:
        stream = video_stream(container)
        target = max(0.0, index / fps) if fps > 0 else 0.0
        start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        if target > 0 and stream.time_base:
            container.seek(int((start + target) / stream.time_base), stream=stream, backward=True)
        last = None
        half = 0.5 / fps if fps > 0 else 0.0
        for frame in container.decode(stream):
            last = frame
            if frame.time is None or frame.time - start >= target - half:
                break
        if last is None:
            raise DecodeError("this frame of the video could not be decoded")
        return display_rgb(last, frame_orientation(last, stream))
    except av.error.FFmpegError:
        raise DecodeError("this frame of the video could not be decoded") from None
    finally:
        container.close()


def render_frame(plan: Plan, index: int, settings: Settings, pixels: np.ndarray | None = None) -> np.ndarray:
    """Frame `index` with the plan's redactions drawn exactly as the export draws them."""
    if pixels is None:
        pixels = frame_at(plan.source, index, plan.fps)
    return apply_redactions(pixels, regions_at(plan.regions, index), settings, seed=0)
