"""Content sniffing: what a file really is, from its first bytes, never from its name.

Returns a MIME type. Camera RAW files are mostly TIFF containers, so a TIFF header is
looked at more closely (DNG version tag, CR2 marker, CFA / linear-raw pixel data) before
it is called a plain TIFF.
"""
from __future__ import annotations

import struct
from pathlib import Path

HEAD_BYTES = 64

# MIME types the loader decodes.
JPEG, PNG, TIFF, WEBP, HEIF, AVIF, BMP, GIF = (
    "image/jpeg", "image/png", "image/tiff", "image/webp",
    "image/heif", "image/avif", "image/bmp", "image/gif",
)

# ISO-BMFF brands (ftyp major or compatible) and what they mean.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"MiHB"}
_AVIF_BRANDS = {b"avif", b"avis"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"3g2a", b"avc1", b"dash"}

# Extensions whose presence on a TIFF-like file means camera RAW (used only to refuse, never to accept).
RAW_EXTENSIONS = {
    ".dng": "DNG", ".cr2": "CR2", ".cr3": "CR3", ".crw": "CRW", ".nef": "NEF", ".nrw": "NRW",
    ".arw": "ARW", ".srf": "SRF", ".sr2": "SR2", ".orf": "ORF", ".rw2": "RW2", ".raf": "RAF",
    ".pef": "PEF", ".srw": "SRW", ".raw": "RAW", ".3fr": "3FR", ".erf": "ERF", ".kdc": "KDC",
    ".mrw": "MRW", ".x3f": "X3F", ".iiq": "IIQ", ".rwl": "RWL",
}


def raw_mime(kind: str) -> str:
    return f"image/x-raw-{kind.lower()}"


def sniff(path: Path) -> str | None:
    """MIME type of the file's content, or None when it is not a known image/video type.

    Cheap: reads the first bytes (and for TIFF, the first IFD). Raises OSError when the
    file cannot be read.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        mime = sniff_bytes(head)
        if mime == TIFF:
            mime = _refine_tiff(fh, head, path.suffix.lower())
    return mime


def sniff_bytes(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:2] == b"BM" and len(head) >= 26:
        return BMP
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return raw_mime("ORF")
    if head[:4] == b"IIU\x00":
        return raw_mime("RW2")
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return raw_mime("RAF")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:11] == b"CR\x02":
            return raw_mime("CR2")
        return TIFF
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return TIFF  # BigTIFF
    if head[:2] == b"\xff\x0a" or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "image/jxl"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head[:4] == b"\xff\x4f\xff\x51":
        return "image/jp2"
    if head[4:8] == b"ftyp":
        return _ftyp(head)
    if head[:4] == b"8BPS":
        return "image/vnd.adobe.photoshop"
    if head[:4] == b"%PDF":
        return "application/pdf"
    if head[:4] == b"\x00\x00\x01\x00":
        return "image/x-icon"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "video/x-ms-wmv"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    return None


def _ftyp(head: bytes) -> str | None:
    size = struct.unpack(">I", head[:4])[0]
    box = head[8:max(16, min(size, len(head)))]
    major = box[:4]
    compatible = {box[i:i + 4] for i in range(8, len(box) - 3, 4)}
    if major == b"crx ":
        return raw_mime("CR3")
    if major in _AVIF_BRANDS or (major in (b"mif1", b"msf1") and compatible & _AVIF_BRANDS):
        return AVIF
    if major in _HEIF_BRANDS or compatible & _HEIF_BRANDS:
        return HEIF
    if compatible & _AVIF_BRANDS:
        return AVIF
    if major in _VIDEO_BRANDS or major[:3] == b"3gp":
        return "video/mp4"
    return None


def _refine_tiff(fh, head: bytes, suffix: str) -> str:
    """A TIFF header: tell camera RAW apart from a plain TIFF by its tags."""
    try:
        kind = _tiff_raw_kind(fh, head)
    except (OSError, struct.error, ValueError):
        kind = None  # a damaged TIFF is the decoder's problem, reported as a decode error
    if kind == "DNG":
        return raw_mime("DNG")
    if kind is not None or suffix in RAW_EXTENSIONS:
        return raw_mime(RAW_EXTENSIONS.get(suffix, "RAW"))
    return TIFF


def _tiff_raw_kind(fh, head: bytes) -> str | None:
    """"DNG", "RAW" (CFA / linear-raw pixel data) or None for an ordinary TIFF."""
    endian = "<" if head[:2] == b"II" else ">"
    if head[2:4] in (b"+\x00", b"\x00+"):
        return None  # BigTIFF: never used by cameras
    offset = struct.unpack(endian + "I", head[4:8])[0]
    kind = None
    seen = 0
    queue = [offset]
    while queue and seen < 8:
        off = queue.pop(0)
        if off == 0:
            continue
        seen += 1
        fh.seek(off)
        count_b = fh.read(2)
        if len(count_b) < 2:
            break
        count = struct.unpack(endian + "H", count_b)[0]
        if count > 1000:
            break
        entries = fh.read(12 * count)
        for i in range(0, len(entries) - 11, 12):
            tag, typ, n = struct.unpack(endian + "HHI", entries[i:i + 8])
            value = entries[i + 8:i + 12]
            if tag == 0xC612:  # DNGVersion
                return "DNG"
            elif tag == 0x0106 and typ == 3:  # PhotometricInterpretation
                photometric = struct.unpack(endian + "H", value[:2])[0]
                if photometric in (32803, 34892):  # CFA, LinearRaw
                    kind = "RAW"
            elif tag == 0x014A and n >= 1:  # SubIFDs: walk them too (RAW data hides there)
                if n == 1:
                    queue.append(struct.unpack(endian + "I", value)[0])
                else:
                    pos = fh.tell()
                    fh.seek(struct.unpack(endian + "I", value)[0])
                    queue.extend(struct.unpack(endian + "I" * min(n, 4), fh.read(4 * min(n, 4))))
                    fh.seek(pos)
    return kind
