"""Frames of one video on request, for a viewer that scrubs back and forth (display orientation).

Uses the engine's safe opener (file protocol and known demuxers only) and its orientation
rules, so the editor shows exactly the pixels the detectors saw. Frames are numbered from
0 in decoding order, like the engine's frame spans (the engine refuses variable frame rate).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DecodeError
from . import video_io

SEEK_AHEAD_LIMIT = 90  # frames: further than this forward, seeking beats decoding through


class FrameReader:
    """Keeps the clip open and decodes forward while that is cheaper than seeking.

    Not thread-safe: one reader per thread."""

    def __init__(self, path: Path, fps: float) -> None:
        self._io = video_io
        self.path = Path(path)
        self.fps = fps
        self._container = video_io.open_input(self.path)
        self._stream = video_io.video_stream(self._container)
        self._orientation = None
        self._frames = None     # iterator over decoded frames
        self._next_index = 0    # index of the frame the iterator yields next
        self._restart()

    def close(self) -> None:
        self._container.close()

    def _restart(self, target: int = 0) -> None:
        stream = self._stream
        if self._frames is not None or target > 0:
            offset = (stream.start_time or 0)
            if target > 0 and stream.time_base:
                offset += int(target / self.fps / float(stream.time_base))
            # Seeking lands on the keyframe before the target; its index comes from its timestamp.
            self._container.seek(offset, stream=stream, backward=True, any_frame=False)
            self._next_index = None
        else:
            self._next_index = 0
        self._frames = self._container.decode(stream)

    def _index_of(self, frame) -> int:
        if frame.pts is None or not self._stream.time_base:
            return self._next_index or 0
        start = self._stream.start_time or 0
        return int(round((frame.pts - start) * float(self._stream.time_base) * self.fps))

    def frame(self, index: int) -> np.ndarray:
        """Display RGB of frame `index` (the last decodable frame if past the end)."""
        index = max(0, index)
        if self._next_index is None or index < self._next_index or index - self._next_index > SEEK_AHEAD_LIMIT:
            self._restart(index)
        last = None
        for frame in self._frames:
            current = self._index_of(frame) if self._next_index is None else self._next_index
            self._next_index = current + 1
            last = frame
            if current >= index:
                break
        if last is None:
            raise DecodeError("this part of the video could not be decoded")
        if self._orientation is None:
            self._orientation = self._io.frame_orientation(last, self._stream)
        return self._io.display_rgb(last, self._orientation)
