"""Read a written MP4 back and refuse it unless it holds pictures (and sound if asked) only.

Allowlists, not denylists: the box tree may only contain the boxes libavformat writes for a
plain H.264/AAC file; tags may only be the structural ones FFmpeg reports for every MP4
(brands, language "und", the default handler names); the decoded frames must carry no
side data that says where or with what they were made (display matrix, SEI user data).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from ..errors import VerificationFailed
from .mp4boxes import child_boxes
from .video_io import SAFE_PROTOCOLS, file_url

_CONTAINER_TAGS = {"major_brand", "minor_version", "compatible_brands"}
_STREAM_TAGS = {
    "language": {"und"},
    "handler_name": {"VideoHandler", "SoundHandler"},
    "vendor_id": {"[0][0][0][0]"},
}
_FORBIDDEN_FRAME_SIDE_DATA = ("DISPLAYMATRIX", "SEI_UNREGISTERED", "S12M_TIMECODE", "GOP_TIMECODE")

# Box tree allowlist: parent -> boxes allowed inside it. Boxes not named as parents here
# are leaves whose content is codec or index data (not descended into).
_CONTAINERS = {
    "": {"ftyp", "free", "mdat", "moov"},
    "moov": {"mvhd", "trak", "free", "iods"},  # udta is blanked to free by the writer
    "trak": {"tkhd", "edts", "mdia"},
    "edts": {"elst"},
    "mdia": {"mdhd", "hdlr", "minf"},
    "minf": {"vmhd", "smhd", "dinf", "stbl"},
    "dinf": {"dref"},
    "stbl": {"stsd", "stts", "stss", "ctts", "stsc", "stsz", "stz2", "stco", "co64",
             "sgpd", "sbgp", "sdtp", "cslg"},
}


@dataclass
class Expected:
    width: int
    height: int
    frames: int
    audio: bool


def check_box_tree(path: Path) -> None:
    """Every box is on the allowlist; the iTunes tag list is empty; data references are local."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        stack = [("", 0, fh.tell())]
        while stack:
            parent, start, end = stack.pop()
            allowed = _CONTAINERS[parent]
            for kind, payload, box_end in ((b.kind, b.payload, b.end) for b in child_boxes(fh, start, end)):
                if kind not in allowed:
                    raise VerificationFailed("the written video contains an unexpected part; it was not kept")
                if kind == "free" and parent == "moov":
                    fh.seek(payload)
                    if any(fh.read(box_end - payload)):
                        raise VerificationFailed("the written video still carries tags; it was not kept")
                if kind == "dref":
                    # One entry: "url " with the self-contained flag and no location string.
                    fh.seek(payload)
                    body = fh.read(box_end - payload)
                    entry = body[8:]
                    if len(entry) != 12 or entry[4:8] != b"url " or entry[11] != 1:
                        raise VerificationFailed("the written video refers to outside data; it was not kept")
                if kind in _CONTAINERS:
                    stack.append((kind, payload, box_end))


def verify_output(path: Path, expected: Expected) -> dict:
    """Raise VerificationFailed unless `path` is exactly the clean video we meant to write."""
    check_box_tree(path)
    try:
        container = av.open(file_url(path), mode="r",
                            container_options={"protocol_whitelist": SAFE_PROTOCOLS})
    except av.error.FFmpegError:
        raise VerificationFailed("the written video could not be read back; it was not kept") from None
    try:
        extra = set(container.metadata) - _CONTAINER_TAGS
        if extra:
            raise VerificationFailed("the written video still carries container tags; it was not kept")
        kinds = [s.type for s in container.streams]
        want = ["video"] + (["audio"] if expected.audio else [])
        if sorted(kinds) != sorted(want):
            raise VerificationFailed("the written video has unexpected tracks; it was not kept")
        for s in container.streams:
            for key, value in s.metadata.items():
                if value not in _STREAM_TAGS.get(key, set()):
                    raise VerificationFailed("the written video still carries track tags; it was not kept")
        try:
            if container.chapters():
                raise VerificationFailed("the written video has chapters; it was not kept")
        except AttributeError:
            pass
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        if video.codec_context.name != "h264":
            raise VerificationFailed("the written video has the wrong encoding; it was not kept")
        frames = 0
        try:
            for frame in container.decode(video):
                if (frame.width, frame.height) != (expected.width, expected.height):
                    raise VerificationFailed("the written video has the wrong size; it was not kept")
                if frame.format.name != "yuv420p":
                    raise VerificationFailed("the written video has the wrong pixel format; it was not kept")
                for sd in frame.side_data:
                    if any(k in str(sd.type).upper() for k in _FORBIDDEN_FRAME_SIDE_DATA):
                        raise VerificationFailed("the written video carries extra frame data; it was not kept")
                frames += 1
        except av.error.FFmpegError:
            raise VerificationFailed("the written video does not decode; it was not kept") from None
        if frames != expected.frames:
            raise VerificationFailed("the written video is missing frames; it was not kept")
        return {"frames": frames, "streams": kinds}
    finally:
        container.close()
