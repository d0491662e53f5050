"""Pass 2 of a video: decode again, redact every frame from the Plan, encode, verify, rename.

Nothing is copied from the source container except, on request, the sound: pictures are
re-encoded from redacted pixels, every tag, chapter, subtitle, data track and cover art is
left behind. The file is written under a temporary name, read back and verified
(sanitizer.video.verify), and only then renamed to `dest`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import DecodeError, SanitizerError
from ..redact import apply_redactions, redact_yuv420
from ..regions import Plan
from ..settings import Settings
from ..tempfiles import atomic_output
from .analyse import Cancel, Progress, cancelled_error
from .encode import MP4_AUDIO_CODECS, EncoderSettings, Mp4Writer, even
from .tracking import regions_by_frame
from .verify import Expected, verify_output
from .video_io import display_rgb, open_input, probe, video_stream

log = logging.getLogger(__name__)


@dataclass
class VideoCleanInfo:
    """What the export did, for the audit report (no region coordinates, no tag values)."""
    output: Path
    frames: int
    width: int               # written size (odd sizes are padded to even by one pixel)
    height: int
    fps: float
    audio: str               # "removed", "copied", "re-encoded to AAC", "none in source"
    frames_redacted: int     # frames in which at least one region was redacted
    tracks_redacted: int
    tracks_kept: int


def _yuv_direct(frame: av.VideoFrame, info) -> bool:
    """Redact and encode the decoded yuv420p planes as they are (no RGB round trip): for the
    common phone and camera frame (limited-range 8-bit 4:2:0, no rotation, sizes that split
    evenly into planes). Anything else goes through RGB."""
    return (frame.format.name == "yuv420p" and info.orientation.op == "none"
            and frame.width % 2 == 0 and frame.height % 4 == 0)


def yuv420_planes(yuv: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes inside a packed yuv420p array (height % 4 == 0)."""
    quarter = height // 4
    luma = yuv[:height]
    cb = yuv[height:height + quarter].reshape(height // 2, width // 2)
    cr = yuv[height + quarter:height + 2 * quarter].reshape(height // 2, width // 2)
    return luma, cb, cr


def _audio_label(has_audio: bool, keep: bool, mode: str | None) -> str:
    if not has_audio:
        return "none in source"
    if not keep:
        return "removed"
    return "copied" if mode == "copy" else "re-encoded to AAC"


def clean_video(plan: Plan, dest: Path | str, settings: Settings, progress: Progress | None = None,
                cancel: Cancel | None = None, keep_audio: bool = False,
                encoder: EncoderSettings | None = None) -> VideoCleanInfo:
    """Write the redacted, metadata-free MP4 of `plan` to `dest` (which must not exist).

    Raises SanitizerError subclasses; on any error nothing is left at `dest`.
    """
    dest = Path(dest)
    if plan.media != "video" or plan.frame_count <= 0:
        raise SanitizerError("this plan is not a video analysis")
    info = probe(plan.source)
    if (info.width, info.height) != (plan.width, plan.height):
        raise SanitizerError("the file changed since it was analysed; analyse it again")
    table = regions_by_frame([r for r in plan.regions if r.redacted], plan.frame_count)
    tracks = {r.track_id for r in plan.regions if r.track_id is not None}
    redacted_tracks = {r.track_id for r in plan.regions if r.track_id is not None and r.redacted}
    frames_redacted = 0
    with atomic_output(dest) as tmp:
        container = open_input(plan.source)
        writer: Mp4Writer | None = None
        try:
            vstream = video_stream(container)
            vstream.thread_type = "AUTO"
            astream = container.streams.audio[0] if keep_audio and container.streams.audio else None
            time_base = vstream.time_base or Fraction(1, 90000)
            writer = Mp4Writer(tmp, plan.width, plan.height, info.fps, time_base, audio=astream,
                               settings=encoder)
            streams = [vstream] + ([astream] if astream is not None else [])
            first_pts: int | None = None
            start_seconds: float | None = None
            waiting_audio: list[av.Packet] = []
            index = 0

            def audio_packet(packet: av.Packet) -> None:
                if writer.audio_mode == "copy":
                    writer.write_audio_packet(packet, start_seconds or 0.0)
                    return
                for aframe in packet.decode():
                    if aframe.time is None or aframe.time >= (start_seconds or 0.0) - 0.001:
                        writer.write_audio_frame(aframe)

            try:
                for packet in container.demux(streams):
                    if astream is not None and packet.stream.index == astream.index:
                        if start_seconds is None:
                            waiting_audio.append(packet)
                        else:
                            audio_packet(packet)
                        continue
                    for frame in packet.decode():
                        if cancel is not None and cancel():
                            raise cancelled_error()
                        if index >= plan.frame_count:
                            raise SanitizerError("the file changed since it was analysed; analyse it again")
                        if frame.pts is None:
                            pts = int(round(index / float(info.fps) / float(time_base)))
                        else:
                            if first_pts is None:
                                first_pts = frame.pts
                            pts = frame.pts - first_pts
                        if start_seconds is None:
                            start_seconds = float(frame.time) if frame.time is not None else 0.0
                            for held in waiting_audio:
                                audio_packet(held)
                            waiting_audio.clear()
                        regions = table[index]
                        if _yuv_direct(frame, info):
                            yuv = frame.to_ndarray()  # a copy, in PyAV's packed yuv420p layout
                            if regions:
                                redact_yuv420(yuv420_planes(yuv, frame.width, frame.height), regions, settings)
                            writer.write_yuv420(yuv, pts)
                        else:
                            rgb = display_rgb(frame, info.orientation)
                            if regions:
                                rgb = apply_redactions(rgb, regions, settings)
                            writer.write_frame(rgb, pts)
                        frames_redacted += bool(regions)
                        index += 1
                        if progress is not None:
                            progress(index, plan.frame_count)
            except av.error.FFmpegError:
                raise DecodeError("the video could not be decoded to the end (damaged or truncated)") from None
            if index != plan.frame_count:
                raise SanitizerError("the file changed since it was analysed; analyse it again")
            writer.close()
            writer = None
        finally:
            if writer is not None:
                writer.abort()
            container.close()
        mode = None
        if astream is not None:
            mode = "copy" if astream.codec_context.name in MP4_AUDIO_CODECS else "aac"
        verify_output(tmp, Expected(even(plan.width), even(plan.height), plan.frame_count,
                                    audio=astream is not None))
    return VideoCleanInfo(
        output=dest, frames=plan.frame_count, width=even(plan.width), height=even(plan.height),
        fps=plan.fps, audio=_audio_label(info.has_audio, keep_audio, mode),
        frames_redacted=frames_redacted, tracks_redacted=len(redacted_tracks),
        tracks_kept=len(tracks - redacted_tracks),
    )

