"""Video input and output with PyAV: safe opening, probing, display-oriented frames.

Threat model for the input side: a video file is untrusted. FFmpeg can follow references
to other files or URLs (HLS/DASH playlists, concat lists, QuickTime data references), so
every input is opened as an explicit `file:` URL with a protocol whitelist of `file` only
and a whitelist of ordinary container demuxers. Nothing here can open a network socket,
and playlists that point at other files are refused before any of them is read.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import DecodeError, TooLarge, UnsupportedFormat
from ..regions import MetadataFinding

# Demuxers allowed to read an input (av_match_list tokens). No playlist, concat, image
# sequence or device demuxers: those can read other files than the one given.
SAFE_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,asf,avi,matroska,webm,mpegts,mpeg,flv"
SAFE_PROTOCOLS = "file"
MAX_PIXELS = 40_000_000  # beyond 8K: refuse rather than exhaust memory


def file_url(path: Path) -> str:
    """An explicit `file:` URL so that a name containing ':' is never taken as a protocol."""
    return "file:" + str(Path(path).resolve())


def open_input(path: Path) -> av.container.InputContainer:
    """Open a local video file for reading, with the protocol and demuxer whitelists."""
    path = Path(path)
    if not path.is_file():
        raise DecodeError("the video file does not exist or is not a regular file")
    if path.stat().st_size == 0:
        raise DecodeError("the file is empty (0 bytes)")
    try:
        return av.open(file_url(path), mode="r", container_options={
            "protocol_whitelist": SAFE_PROTOCOLS,
            "format_whitelist": SAFE_DEMUXERS,
        })
    except av.error.ArgumentError:
        raise UnsupportedFormat("this video container type is not supported") from None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        raise DecodeError("the file could not be opened as a video (damaged or not a video)") from None


# ---- orientation ---------------------------------------------------------------------
@dataclass(frozen=True)
class Orientation:
    """How to turn decoded (coded) pixels into what a player shows (FFmpeg's autorotate)."""
    op: str = "none"  # none, clock, cclock, clock_flip, cclock_flip, rot180, hflip, vflip

    @property
    def swaps_axes(self) -> bool:
        return self.op in ("clock", "cclock", "clock_flip", "cclock_flip")

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        op = self.op
        if op == "none":
            return rgb
        if op == "clock":
            out = np.rot90(rgb, -1)
        elif op == "cclock":
            out = np.rot90(rgb, 1)
        elif op == "cclock_flip":
            out = rgb.transpose(1, 0, 2)
        elif op == "clock_flip":
            out = np.rot90(rgb, -1)[::-1]
        elif op == "rot180":
            out = rgb[::-1, ::-1]
        elif op == "hflip":
            out = rgb[:, ::-1]
        elif op == "vflip":
            out = rgb[::-1]
        else:  # pragma: no cover - constructed only by orientation_from_matrix
            raise ValueError(op)
        return np.ascontiguousarray(out)


def orientation_from_matrix(matrix: tuple[int, ...] | None) -> Orientation:
    """The display-matrix handling of FFmpeg's autorotate (fftools), in numpy terms."""
    if matrix is None:
        return Orientation()
    a, b, _u, c, d = matrix[0], matrix[1], matrix[2], matrix[3], matrix[4]
    scale0 = np.hypot(a, c)
    scale1 = np.hypot(b, d)
    if scale0 == 0 or scale1 == 0:
        return Orientation()
    # fftools get_rotation() = -av_display_rotation_get(), normalised to [0, 360).
    theta = round(float(np.degrees(np.arctan2(b / scale1, a / scale0)))) % 360.0
    if abs(theta - 90) < 1.0:
        return Orientation("cclock_flip" if c > 0 else "clock")
    if abs(theta - 180) < 1.0:
        if a < 0 and d < 0:
            return Orientation("rot180")
        if a < 0:
            return Orientation("hflip")
        if d < 0:
            return Orientation("vflip")
        return Orientation()
    if abs(theta - 270) < 1.0:
        return Orientation("clock_flip" if c < 0 else "cclock")
    if abs(theta) < 1.0 or abs(theta - 360) < 1.0:
        return Orientation("vflip") if d < 0 else Orientation()
    raise UnsupportedFormat("the video is rotated by an angle other than a quarter turn")


def frame_display_matrix(frame: av.VideoFrame) -> tuple[int, ...] | None:
    for sd in frame.side_data:
        if "DISPLAYMATRIX" in str(sd.type).upper():
            raw = bytes(sd)
            if len(raw) >= 36:
                return struct.unpack("<9i", raw[:36])
    return None


def frame_orientation(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> Orientation:
    matrix = frame_display_matrix(frame)
    if matrix is not None:
        return orientation_from_matrix(matrix)
    rotate = stream.metadata.get("rotate")  # old-style tag, when no display matrix exists
    if rotate:
        try:
            degrees = int(float(rotate)) % 360
        except ValueError:
            return Orientation()
        return Orientation({0: "none", 90: "clock", 180: "rot180", 270: "cclock"}.get(degrees, "none"))
    return Orientation()


def display_rgb(frame: av.VideoFrame, orientation: Orientation) -> np.ndarray:
    """The frame as an HxWx3 uint8 RGB array in display orientation."""
    return orientation.apply(frame.to_ndarray(format="rgb24"))


# ---- probing -------------------------------------------------------------------------
@dataclass
class VideoInfo:
    width: int                 # display size (orientation applied)
    height: int
    coded_width: int
    coded_height: int
    orientation: Orientation
    fps: Fraction              # average rate; the output keeps the source timestamps
    frame_count_hint: int      # for progress: declared, else duration x rate; 0 when unknown
    declared_frames: int       # the container index's frame count; 0 when it has none
    duration: float
    codec: str
    container: str
    has_audio: bool
    audio_codec: str | None
    variable_frame_rate: bool
    metadata: list[MetadataFinding] = field(default_factory=list)


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    pictures = [s for s in container.streams.video
                if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not pictures:
        if container.streams.audio:
            raise UnsupportedFormat("the file has sound only, no picture: it is not a video")
        raise UnsupportedFormat("the file has no video stream")
    stream = pictures[0]
    if stream.codec_context is None:
        raise UnsupportedFormat("the video codec is not supported")
    return stream


def _rate(stream: av.video.stream.VideoStream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < float(rate) <= 1000:
            return Fraction(rate)
    return Fraction(30)


def first_frame(container: av.container.InputContainer,
                stream: av.video.stream.VideoStream) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError:
        raise DecodeError("the video could not be decoded (damaged or unsupported encoding)") from None
    raise DecodeError("no picture could be decoded from this video (empty or damaged)")


def probe(path: Path) -> VideoInfo:
    """What the video is, checked by decoding its first frame; raises SanitizerError subclasses."""
    container = open_input(path)
    try:
        stream = video_stream(container)
        codec = stream.codec_context.name
        frame = first_frame(container, stream)
        orientation = frame_orientation(frame, stream)
        coded_w, coded_h = frame.width, frame.height
        if coded_w * coded_h > MAX_PIXELS:
            raise TooLarge("the video frame is larger than 8K, which is not supported")
        width, height = (coded_h, coded_w) if orientation.swaps_axes else (coded_w, coded_h)
        audio = container.streams.audio[0] if container.streams.audio else None
        average, nominal = stream.average_rate, stream.guessed_rate or stream.base_rate
        vfr = bool(average and nominal and abs(float(average) - float(nominal)) > 0.01 * float(nominal))
        duration = 0.0
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / av.time_base
        hint = stream.frames or (int(round(duration * float(_rate(stream)))) if duration else 0)
        return VideoInfo(
            width=width, height=height, coded_width=coded_w, coded_height=coded_h,
            orientation=orientation, fps=_rate(stream), frame_count_hint=int(hint),
            declared_frames=int(stream.frames or 0),
            duration=duration, codec=codec, container=container.format.name,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None and audio.codec_context else None,
            variable_frame_rate=vfr, metadata=metadata_findings(container),
        )
    finally:
        container.close()


# ---- metadata findings ---------------------------------------------------------------
_GPS_KEYS = ("location", "iso6709", "gps", "xyz")
_CAMERA_KEYS = ("make", "model", "camera", "serial", "lens", "device")
_DATE_KEYS = ("date", "time", "year")
_SOFTWARE_KEYS = ("encoder", "software", "handler_name", "vendor")
_STRUCTURAL = {"major_brand", "minor_version", "compatible_brands", "language"}


def _group_for(key: str) -> str:
    k = key.lower()
    if any(w in k for w in _GPS_KEYS):
        return "gps"
    if any(w in k for w in _CAMERA_KEYS):
        return "camera"
    if any(w in k for w in _DATE_KEYS):
        return "dates"
    if any(w in k for w in _SOFTWARE_KEYS):
        return "software"
    return "comment" if any(w in k for w in ("comment", "description", "title", "lyrics")) else "other"


def metadata_findings(container: av.container.InputContainer) -> list[MetadataFinding]:
    """What the video carries beyond pictures, in plain words (values never included)."""
    found: list[MetadataFinding] = []
    seen: set[tuple[str, str]] = set()

    def add(group: str, tag: str, detail: str = "") -> None:
        if (group, tag) not in seen:
            seen.add((group, tag))
            found.append(MetadataFinding(group, tag, detail))

    for key in container.metadata:
        if key not in _STRUCTURAL:
            add(_group_for(key), key, "container tag")
    for s in container.streams:
        for key in s.metadata:
            if key not in _STRUCTURAL:
                add(_group_for(key), key, f"{s.type} stream tag")
        if s.type == "audio":
            add("other", "audio track", "sound (voices can identify people)")
        elif s.type == "subtitle":
            add("other", "subtitle track", "timed text")
        elif s.type == "data":
            add("other", "data track", "timed metadata (GPS, telemetry, timecode)")
        elif s.type == "attachment":
            add("thumbnail", "attachment", "attached file or cover art")
        elif s.type == "video" and s.disposition & av.stream.Disposition.attached_pic:
            add("thumbnail", "cover art", "embedded still picture")
    try:
        if container.chapters():
            add("other", "chapters", "chapter titles")
    except (AttributeError, av.error.FFmpegError):
        pass
    return found
