"""Is this file a video? Decided from its first bytes, never from its name.

Self-contained on purpose: photos share the ISO-BMFF container with videos (HEIC, AVIF,
CR3 use an `ftyp` box too), so the ftyp brands are checked against the still-image brands.
"""
from __future__ import annotations

import struct
from pathlib import Path

HEAD_BYTES = 512

# Brands that mean a still image (or camera RAW), never a video.
_IMAGE_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
    b"MiHB", b"MiHE", b"MiAF", b"MiA1", b"MiA2", b"avif", b"avis", b"avio", b"crx ", b"jpx ",
    b"jp2 ", b"jxl ",
}
# QuickTime files from before the ftyp box start with one of these boxes.
_OLD_QUICKTIME = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_ASF = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"
_MATROSKA = b"\x1a\x45\xdf\xa3"


def _ftyp_is_image(head: bytes) -> bool:
    size = struct.unpack(">I", head[:4])[0]
    body = head[8:min(max(size, 16), len(head))]
    major = body[:4]
    compatible = {body[i:i + 4] for i in range(8, len(body) - 3, 4)}
    if major in _IMAGE_BRANDS:
        return True
    # A few images carry a generic major brand; their compatible list names the image brand.
    return bool(compatible & _IMAGE_BRANDS) and not compatible & {b"avc1", b"mp41", b"mp42", b"qt  ", b"M4V "}


def sniff_video(head: bytes) -> bool:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return not _ftyp_is_image(head)
    if head[4:8] in _OLD_QUICKTIME:
        return True
    if head[:8] == _ASF or head[:4] == _MATROSKA:
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return True  # MPEG transport stream
    if head[:4] == b"\x00\x00\x01\xba" or head[:3] == b"FLV":
        return True  # MPEG program stream, Flash video
    return False


def is_video(path: Path | str) -> bool:
    """True for files the video pipeline should take (it may still refuse them clearly,
    e.g. an audio-only MP4); False for images, unreadable and unknown files."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    return sniff_video(head)
