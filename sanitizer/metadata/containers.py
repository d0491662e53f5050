"""Container walkers: JPEG segments, PNG chunks, RIFF (WebP) chunks, TIFF tags, GIF extensions."""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from PIL import ExifTags, Image

from sanitizer.chunk_walks import iter_png_chunks, iter_riff_chunks
from sanitizer.jpeg_segments import SOS, JpegSegmentWalk
from sanitizer.metadata.blocks import exif_findings, icc_findings, iptc_findings, photoshop_findings, xmp_findings
from sanitizer.metadata.findings import MAX_CHUNK, Findings, read_head, text_of


# ---- JPEG ------------------------------------------------------------------------
def read_jpeg(path: Path, found: Findings) -> None:
    data = read_head(path)
    walk = JpegSegmentWalk(data, strict=False)  # any input: damage is reported, not fatal
    icc_parts: list[bytes] = []
    for segment in walk:
        if segment.marker != SOS:
            _jpeg_segment(segment.marker, segment.payload, found, icc_parts)
    if icc_parts:
        icc_findings(b"".join(icc_parts), found)
    trailing = len(data) - walk.stopped_at
    if trailing > 0:
        tail = data[walk.stopped_at:]
        if b"\xff\xd8\xff" in tail[:64]:
            found.add("thumbnail", "extra embedded images", f"extra images after the photo ({trailing // 1024} KB)")
        elif tail.strip(b"\x00\xff"):
            found.add("other", "trailing data", f"{trailing} bytes after the end of the image")


def _jpeg_segment(marker: int, seg: bytes, found: Findings, icc_parts: list[bytes]) -> None:
    app = marker - 0xE0
    if marker == 0xFE:
        found.add("comment", "JPEG comment", "JPEG comment", seg)
    elif marker == 0xE0:
        if seg.startswith(b"JFIF\x00") and len(seg) >= 14 and seg[12] and seg[13]:
            found.add("thumbnail", "JFIF thumbnail", "JFIF thumbnail")
        elif seg.startswith(b"JFXX\x00"):
            found.add("thumbnail", "JFIF extension thumbnail", "JFIF extension thumbnail")
        elif not seg.startswith(b"JFIF\x00"):
            _segment(found, "APP0", seg)
    elif marker == 0xE1:
        if seg.startswith(b"Exif\x00"):
            try:
                exif_findings(seg[6:], found)
            except Exception:  # noqa: BLE001
                found.add("other", "damaged EXIF", "damaged EXIF block")
        elif seg.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
            xmp_findings(seg[29:], found)
        elif seg.startswith(b"http://ns.adobe.com/xmp/extension/\x00"):
            xmp_findings(seg[35 + 40:], found)
        else:
            _segment(found, "APP1", seg)
    elif marker == 0xE2:
        if seg.startswith(b"ICC_PROFILE\x00"):
            icc_parts.append(seg[14:])
        elif seg.startswith(b"MPF\x00"):
            found.add("thumbnail", "multi-picture previews", "preview/extra images (multi-picture format)")
        elif seg.startswith(b"FPXR"):
            found.add("thumbnail", "FlashPix data", "FlashPix extension data (can hold a preview)")
        else:
            _segment(found, "APP2", seg)
    elif marker == 0xED and seg.startswith(b"Photoshop 3.0\x00"):
        photoshop_findings(seg[14:], found)
    elif marker == 0xEE and seg.startswith(b"Adobe"):
        return  # colour-transform flag: storage structure
    elif 0 <= app <= 15:
        _segment(found, f"APP{app}", seg)


def _segment(found: Findings, marker: str, seg: bytes) -> None:
    """An APPn segment nobody names: its size, and its first bytes only when values are asked
    for (an unknown segment can start with anything, a patient's name included)."""
    found.add("other", f"{marker} segment", f"{marker} segment ({len(seg)} bytes)", _ident(seg) or None)


def _ident(seg: bytes) -> str:
    ident = seg[:20].split(b"\x00", 1)[0]
    return re.sub(rb"[^A-Za-z0-9 ._/:-]", b"", ident).decode("ascii").strip()


# ---- PNG -----------------------------------------------------------------------
_PNG_STRUCTURAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT",
                   b"bKGD", b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT"}


def read_png(path: Path, found: Findings) -> None:
    with open(path, "rb") as fh:
        fh.read(8)
        for chunk in iter_png_chunks(fh):
            if chunk.ctype == b"IEND":
                fh.seek(chunk.body + chunk.length + 4)
                if fh.read(1):
                    found.add("other", "trailing data", "data after the end of the image")
            elif chunk.ctype not in _PNG_STRUCTURAL:
                _png_chunk(chunk.ctype, fh.read(min(chunk.length, MAX_CHUNK)), chunk.length, found)


# PNG's registered text keywords and those common tools write (lower case).
_PNG_KEYWORDS = {
    "title", "author", "description", "copyright", "creation time", "software", "disclaimer", "warning",
    "source", "comment", "xml:com.adobe.xmp", "date:create", "date:modify", "date:timestamp",
    "raw profile type exif", "raw profile type iptc", "raw profile type xmp", "raw profile type 8bim",
    "raw profile type icc", "raw profile type app1",
}


def _png_chunk(ctype: bytes, body: bytes, length: int, found: Findings) -> None:
    name = ctype.decode("latin-1")
    if ctype in (b"tEXt", b"zTXt", b"iTXt"):
        keyword, _, rest = body.partition(b"\x00")
        key = text_of(keyword)[:40]
        # A keyword is free text too: only the registered and common ones are named.
        shown_key = key if key.lower() in _PNG_KEYWORDS or found.show_values else "keyword not shown"
        text = rest
        if ctype == b"zTXt":
            text = _inflate(rest[1:])
        elif ctype == b"iTXt" and len(rest) >= 2:
            compressed = rest[0] == 1
            parts = rest[2:].split(b"\x00", 2)
            text = parts[2] if len(parts) == 3 else b""
            if compressed:
                text = _inflate(text)
        if key == "XML:com.adobe.xmp":
            xmp_findings(text, found)
            found.add("text_chunks", "PNG XMP", f"PNG {name} chunk holding XMP ({length} bytes)")
            return
        if key.lower() in ("comment", "description", "title", "disclaimer", "warning"):
            found.add("comment", f"PNG {key.lower()}", f"PNG {key.lower()}", text)
        if key.startswith("Raw profile type"):
            _raw_profile(key, text, found)
        if key.lower() in ("creation time", "date:create", "date:modify", "date:timestamp"):
            found.add("dates", f"PNG text '{key}'", f"PNG {name} '{key}'", text)
        found.add("text_chunks", f"PNG text '{shown_key}'", f"PNG {name} note '{shown_key}' ({length} bytes)", text)
    elif ctype == b"eXIf":
        found.add("text_chunks", "PNG eXIf", "PNG eXIf chunk (EXIF data)")
        try:
            exif_findings(body, found)
        except Exception:  # noqa: BLE001
            found.add("other", "damaged EXIF", "damaged EXIF block")
    elif ctype == b"iCCP":
        icc = _inflate(body.partition(b"\x00")[2][1:], limit=32 << 20)
        icc_findings(icc, found) if icc else found.add("icc", "colour profile", "colour profile")
    elif ctype == b"tIME":
        found.add("dates", "PNG modification time", "PNG modification time")
    elif ctype == b"sPLT":
        found.add("other", "PNG chunk sPLT", "suggested palette")
    else:
        found.add("other", f"PNG chunk {text_of(ctype)}", f"PNG chunk '{text_of(ctype)}' ({length} bytes)")


def _inflate(data: bytes, limit: int = MAX_CHUNK) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, limit)
    except zlib.error:
        return b""


def _raw_profile(key: str, text: bytes, found: Findings) -> None:
    """ImageMagick stores EXIF/IPTC/XMP as hex text: 'Raw profile type exif'."""
    try:
        lines = text.strip().split(b"\n", 2)
        blob = bytes.fromhex(lines[2].decode("ascii").replace("\n", "").replace(" ", ""))
    except (IndexError, ValueError, UnicodeDecodeError):
        return
    kind = key.rsplit(" ", 1)[-1].lower()
    try:
        if kind in ("exif", "app1"):
            exif_findings(blob, found, "PNG text")
        elif kind in ("iptc", "8bim"):
            photoshop_findings(blob, found) if blob.startswith(b"8BIM") else iptc_findings(blob, found)
        elif kind == "xmp":
            xmp_findings(blob, found)
        elif kind in ("icc", "icm"):
            icc_findings(blob, found)
    except Exception:  # noqa: BLE001
        pass


# ---- WebP ------------------------------------------------------------------------
_RIFF_STRUCTURAL = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}


def read_webp(path: Path, found: Findings) -> None:
    data = read_head(path)
    end = len(data)
    for chunk in iter_riff_chunks(data, 12, end):
        fourcc, length, body = chunk.fourcc, chunk.length, data[chunk.body:chunk.body_end]
        if fourcc in _RIFF_STRUCTURAL:
            continue
        if fourcc == b"EXIF":
            exif_findings(body, found, "WebP EXIF")
        elif fourcc == b"XMP ":
            xmp_findings(body, found)
        elif fourcc == b"ICCP":
            icc_findings(body, found)
        else:
            found.add("other", f"RIFF chunk {text_of(fourcc)}", f"WebP chunk '{text_of(fourcc)}' ({length} bytes)")
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    if riff_end < end:
        found.add("other", "trailing data", f"{end - riff_end} bytes after the end of the image")


# ---- TIFF ------------------------------------------------------------------------
def read_tiff(path: Path, found: Findings) -> None:
    data = read_head(path)
    exif = Image.Exif()
    exif.load(data)
    ifd0 = dict(exif)
    exif_findings(data, found, "TIFF tags")
    if 0x02BC in ifd0 and isinstance(ifd0[0x02BC], bytes):
        xmp_findings(ifd0[0x02BC], found)
    if 0x83BB in ifd0:
        value = ifd0[0x83BB]
        iptc_findings(value if isinstance(value, bytes) else bytes(value), found)
    if 0x8649 in ifd0 and isinstance(ifd0[0x8649], bytes):
        photoshop_findings(ifd0[0x8649], found)
    if 0x8773 in ifd0 and isinstance(ifd0[0x8773], bytes):
        icc_findings(ifd0[0x8773], found)
    if 0x014A in ifd0:
        found.add("thumbnail", "sub-images", "sub-images (previews or other pages)")
    # IFD1 in a TIFF is the second page or a reduced preview.
    if exif.get_ifd(ExifTags.IFD.IFD1):
        found.add("thumbnail", "extra pages", "extra pages or preview images")


# ---- GIF -------------------------------------------------------------------------
def read_gif(path: Path, found: Findings) -> None:
    with Image.open(path, formats=["GIF"]) as im:
        info = dict(im.info)
    if info.get("comment"):
        found.add("comment", "GIF comment", "GIF comment", info["comment"])
    if info.get("xmp"):
        xmp_findings(bytes(info["xmp"]), found)
    if info.get("icc_profile"):
        icc_findings(bytes(info["icc_profile"]), found)
    if info.get("extension"):
        found.add("other", "GIF application data", "GIF application extension")
