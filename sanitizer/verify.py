"""Verification of a written file: its container holds only pixel-storage structure.

Allowlists, not denylists (libmat2's rule): every JPEG segment, PNG chunk and RIFF chunk
must be one of a few structural kinds, nothing may follow the end of the image, the
header size must be the expected one, and the file must decode. Any problem is returned
as a short plain-words string (no file content is ever quoted).
"""
from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

from PIL import Image

from sanitizer.chunk_walks import PNG_SIGNATURE as _PNG_SIGNATURE
from sanitizer.chunk_walks import iter_png_chunks, iter_riff_chunks
from sanitizer.jpeg_segments import JpegSegmentWalk, JpegStructureError

# JPEG markers a clean file may contain (APP0 only as a plain JFIF header).
_JPEG_ALLOWED = {
    0xDB: "DQT", 0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC4: "DHT", 0xDD: "DRI", 0xDA: "SOS", 0xE0: "APP0",
}
_SOF = {0xC0, 0xC1, 0xC2}

_PNG_ALLOWED = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
_APNG_ALLOWED = {b"acTL", b"fcTL", b"fdAT"}  # animation control and frame data (APNG)

_WEBP_ALLOWED = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
_WEBP_ANIMATION_ALLOWED = {b"ANIM", b"ANMF"}  # loop count + background, and frames
_WEBP_FRAME_ALLOWED = {b"VP8 ", b"VP8L", b"ALPH"}  # what an ANMF frame may hold
_VP8X_ALPHA = 0x10
_VP8X_ANIMATION = 0x02

# GIF: only the NETSCAPE2.0 (loop count) application extension, graphic control blocks
# (delay, transparency, disposal) and images; no comment, plain-text or other application data.
_GIF_LOOP_APPS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}

# Pillow `info` keys a clean decode may show: storage facts only.
_INFO_ALLOWED = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
                 "transparency", "loop", "background", "duration", "timestamp", "compression",
                 # animation timing and frame composition (GIF, APNG, WebP)
                 "version", "disposal", "blend", "default_image"}
# Per format: GIF "extension" is the (position of the) application block, which gif_structure
# has already limited to the loop count; APNG "bbox" is a frame's place on the canvas.
_INFO_ALLOWED_FOR = {"gif": {"extension"}, "png": {"bbox"}}

# Decoding the whole JPEG back costs about as much as decoding the input. A DCT-scaled
# decode (1/8) still walks every entropy-coded block, so truncation and corrupt data
# are caught, at a fraction of the cost. Set False to decode at full size.
FAST_JPEG_DECODE = True


def normalise_format(fmt: str) -> str:
    f = fmt.lower().lstrip(".")
    return {"jpg": "jpeg", "jpe": "jpeg"}.get(f, f)


def verify_clean_file(path: Path, fmt: str, expected_size: tuple[int, int], frames: int = 1) -> list[str]:
    """Problems found in `path` (an empty list means clean). fmt: jpeg, png, webp or gif;
    `frames` > 1 for an animation (its frame structure is then allowed, and counted)."""
    fmt = normalise_format(fmt)
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ["the written file cannot be read back"]
    walkers = {"jpeg": jpeg_structure, "png": png_structure, "webp": webp_structure, "gif": gif_structure}
    if fmt not in walkers:
        return [f"no verifier for output format {fmt!r}"]
    problems, header_size = walkers[fmt](data, animated=frames > 1)
    if header_size is not None and tuple(header_size) != tuple(expected_size):
        problems.append(f"header size {header_size[0]}x{header_size[1]} is not the expected "
                        f"{expected_size[0]}x{expected_size[1]}")
    problems += decode_check(data, fmt, expected_size, frames)
    return problems


# ---- JPEG --------------------------------------------------------------------
def jpeg_structure(data: bytes, animated: bool = False) -> tuple[list[str], tuple[int, int] | None]:
    problems: list[str] = ["a JPEG cannot hold an animation"] if animated else []
    size = None
    if not data.startswith(b"\xff\xd8"):
        return ["not a JPEG (no start-of-image marker)"], None
    walk = JpegSegmentWalk(data, strict=True)  # our own output: any damage is a problem
    try:
        for segment in walk:
            marker = segment.marker
            if marker not in _JPEG_ALLOWED:
                problems.append(f"JPEG segment {_marker_name(marker)} is not allowed")
            elif marker == 0xE0 and not _plain_jfif(segment.payload):
                problems.append("APP0 segment is not a plain JFIF header")
            elif marker in _SOF and len(segment.payload) >= 5:
                height, width = struct.unpack(">HH", segment.payload[1:5])
                if size is not None:
                    problems.append("more than one JPEG frame header")
                size = (width, height)
    except JpegStructureError as damage:
        problems.append(str(damage))
    if not walk.reached_end_of_image:
        problems.append("the JPEG has no end-of-image marker (truncated)")
    elif walk.stopped_at < len(data):
        problems.append(f"{len(data) - walk.stopped_at} bytes follow the end of the JPEG image")
    if size is None:
        problems.append("the JPEG has no frame header")
    return problems, size


def _plain_jfif(segment: bytes) -> bool:
    # "JFIF\0", version (2), units (1), density (4), thumbnail w, h = 0, 0: no thumbnail.
    return len(segment) == 14 and segment.startswith(b"JFIF\x00") and segment[12:14] == b"\x00\x00"


def _marker_name(marker: int) -> str:
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return {0xFE: "COM (comment)", 0xC8: "JPG", 0xDC: "DNL"}.get(marker, f"0xFF{marker:02X}")


# ---- PNG ---------------------------------------------------------------------
def png_structure(data: bytes, animated: bool = False) -> tuple[list[str], tuple[int, int] | None]:
    if not data.startswith(_PNG_SIGNATURE):
        return ["not a PNG (bad signature)"], None
    problems: list[str] = []
    size = None
    pos, end, first, iend = 8, len(data), True, False
    stream = io.BytesIO(data)
    stream.seek(8)
    for chunk in iter_png_chunks(stream):
        ctype, length = chunk.ctype, chunk.length
        body_end = chunk.body + length
        if body_end + 4 > end:
            problems.append("a PNG chunk runs past the end of the file")
            pos = end
            break
        body = data[chunk.body:body_end]
        crc = struct.unpack(">I", data[body_end:body_end + 4])[0]
        if zlib.crc32(ctype + body) != crc:
            problems.append("a PNG chunk has a bad checksum")
        if ctype not in _PNG_ALLOWED and not (animated and ctype in _APNG_ALLOWED):
            problems.append(f"PNG chunk {ctype.decode('latin-1')!r} is not allowed")
        if first:
            if ctype != b"IHDR" or length != 13:
                problems.append("the PNG does not start with a header chunk")
            else:
                size = struct.unpack(">II", body[:8])
            first = False
        pos = body_end + 4
        iend = ctype == b"IEND"
    if not iend:
        problems.append("the PNG has no end chunk (truncated)")
    elif pos < end:
        problems.append(f"{end - pos} bytes follow the end of the PNG image")
    return problems, size


# ---- WebP --------------------------------------------------------------------
def webp_structure(data: bytes, animated: bool = False) -> tuple[list[str], tuple[int, int] | None]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return ["not a WebP (bad RIFF header)"], None
    problems: list[str] = []
    riff_size = struct.unpack("<I", data[4:8])[0]
    if riff_size + 8 != len(data):
        problems.append("the RIFF size does not match the file size (trailing or missing data)")
    size = None
    end = min(len(data), riff_size + 8)
    for chunk in iter_riff_chunks(data, 12, end):
        fourcc, body = chunk.fourcc, data[chunk.body:chunk.body_end]
        if chunk.body_end > end:
            problems.append("a WebP chunk runs past the end of the file")
            break
        if fourcc not in _WEBP_ALLOWED and not (animated and fourcc in _WEBP_ANIMATION_ALLOWED):
            problems.append(f"WebP chunk {fourcc.decode('latin-1')!r} is not allowed")
        elif fourcc == b"ANMF":
            problems += _webp_frame_problems(body)
        elif fourcc == b"VP8X" and len(body) >= 10:
            if body[0] & ~(_VP8X_ALPHA | (_VP8X_ANIMATION if animated else 0)):
                problems.append("the WebP extended header declares metadata or animation")
            size = (int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1)
        elif fourcc == b"VP8 " and size is None and len(body) >= 10:
            size = (struct.unpack("<H", body[6:8])[0] & 0x3FFF, struct.unpack("<H", body[8:10])[0] & 0x3FFF)
        elif fourcc == b"VP8L" and size is None and len(body) >= 5:
            bits = int.from_bytes(body[1:5], "little")
            size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return problems, size


def _webp_frame_problems(body: bytes) -> list[str]:
    """The chunks inside one ANMF frame (after its 16-byte frame header): image data only."""
    problems: list[str] = []
    for chunk in iter_riff_chunks(body, 16, len(body)):
        if chunk.body_end > len(body):
            problems.append("a WebP frame chunk runs past its frame")
            break
        if chunk.fourcc not in _WEBP_FRAME_ALLOWED:
            problems.append(f"WebP frame chunk {chunk.fourcc.decode('latin-1')!r} is not allowed")
    return problems


# ---- GIF ---------------------------------------------------------------------
def gif_structure(data: bytes, animated: bool = True) -> tuple[list[str], tuple[int, int] | None]:
    """Header, screen descriptor, colour table, then only images, graphic control blocks and
    a loop-count application block, up to the trailer with nothing after it."""
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        return ["not a GIF (bad signature)"], None
    problems: list[str] = []
    size = struct.unpack("<HH", data[6:10])
    pos, end = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0), len(data)
    trailer = False
    while pos < end:
        block = data[pos]
        if block == 0x3B:
            trailer = True
            pos += 1
            break
        if block == 0x2C:  # image descriptor, optional local colour table, LZW code size, data
            if pos + 10 > end:
                break
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        elif block == 0x21 and pos + 1 < end:
            label = data[pos + 1]
            pos += 2
            if label == 0xFF:
                ident = data[pos + 1:pos + 12] if pos < end and data[pos] == 11 else b""
                if ident not in _GIF_LOOP_APPS:
                    problems.append("a GIF application extension other than the loop count is not allowed")
            elif label != 0xF9:
                problems.append({0xFE: "a GIF comment is not allowed",
                                 0x01: "GIF plain-text data is not allowed"}.get(label, f"GIF extension 0x{label:02X} is not allowed"))
        else:
            problems.append("unexpected bytes between GIF blocks")
            break
        while pos < end:  # data sub-blocks: a length byte, then that many bytes; 0 ends them
            length = data[pos]
            pos += 1 + length
            if length == 0:
                break
    if not trailer:
        problems.append("the GIF has no trailer (truncated)")
    elif pos < end:
        problems.append(f"{end - pos} bytes follow the end of the GIF")
    return problems, (int(size[0]), int(size[1]))


# ---- decode back ---------------------------------------------------------------
def decode_check(data: bytes, fmt: str, expected_size: tuple[int, int], frames: int = 1) -> list[str]:
    pillow_format = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}[fmt]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as im:
                problems = []
                if im.size != tuple(expected_size):
                    problems.append(f"decoded size {im.size[0]}x{im.size[1]} is not the expected "
                                    f"{expected_size[0]}x{expected_size[1]}")
                if fmt == "jpeg" and FAST_JPEG_DECODE:
                    im.draft(im.mode, (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
                found = int(getattr(im, "n_frames", 1))
                if found != frames:
                    problems.append(f"{found} frame(s) decoded, {frames} written")
                extra: set[str] = set()
                for index in range(found):
                    im.seek(index)
                    im.load()
                    extra |= {str(k) for k in im.info
                              if k not in _INFO_ALLOWED and k not in _INFO_ALLOWED_FOR.get(fmt, ())}
                if extra:
                    problems.append("the decoder reports metadata: " + ", ".join(sorted(extra)))
                return problems
    except Exception:  # noqa: BLE001 - any failure to decode means the file is not good
        return ["the written file does not decode"]
