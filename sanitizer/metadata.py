"""Metadata inspection: what a photo file carries, in plain words, grouped.

Used to show the reviewer (and the audit report) what the clean copy drops. It reads the
container itself (JPEG segments, PNG chunks, RIFF chunks, TIFF/EXIF IFDs, HEIF boxes) with
Pillow and a few hand-written walkers; it never runs exiftool (the bundled app has no perl).

Free-text values (comments, names, captions, camera serials) are only put in `detail` when
`show_values=True`: they can hold names. GPS positions are always shown (rounded to 2
decimals, about 1 km) because "this photo says where it was taken" is the point.
"""
from __future__ import annotations

import io
import math
import re
import struct
import warnings
import zlib
from pathlib import Path

from PIL import ExifTags, Image

from sanitizer import colour
from sanitizer.formats import content as sniffing
from sanitizer.regions import MetadataFinding

GROUPS = ("gps", "camera", "dates", "thumbnail", "makernotes", "xmp", "iptc", "icc", "comment",
          "text_chunks", "software", "other")

GROUP_LABELS = {
    "gps": "Location (GPS)",
    "camera": "Camera and owner (make, model, serial number)",
    "dates": "Dates and times",
    "thumbnail": "Hidden preview pictures (can show the unedited photo)",
    "makernotes": "Camera maker's private data",
    "xmp": "XMP (editing and description data)",
    "iptc": "IPTC (caption, credit, keywords)",
    "icc": "Colour profile",
    "comment": "Comments and descriptions",
    "text_chunks": "PNG text notes",
    "software": "Software used",
    "other": "Other technical data",
}

_MAX_READ = 64 << 20      # never read more than this for inspection
_MAX_CHUNK = 4 << 20      # per text chunk / segment body inspected

# EXIF tag -> (group, plain tag name, is free text)
_EXIF_TAGS: dict[int, tuple[str, str, bool]] = {
    0x010F: ("camera", "camera make", True),
    0x0110: ("camera", "camera model", True),
    0xA431: ("camera", "camera serial number", True),
    0xC62F: ("camera", "camera serial number", True),
    0xA430: ("camera", "camera owner name", True),
    0xA433: ("camera", "lens make", True),
    0xA434: ("camera", "lens model", True),
    0xA435: ("camera", "lens serial number", True),
    0xA420: ("camera", "unique image ID", True),
    0x0132: ("dates", "date modified", False),
    0x9003: ("dates", "date taken", False),
    0x9004: ("dates", "date digitized", False),
    0x9010: ("dates", "time zone", False),
    0x9011: ("dates", "time zone (taken)", False),
    0x9012: ("dates", "time zone (digitized)", False),
    0x9290: ("dates", "sub-second time", False),
    0x9291: ("dates", "sub-second time (taken)", False),
    0x9292: ("dates", "sub-second time (digitized)", False),
    0x0131: ("software", "software", True),
    0x000B: ("software", "processing software", True),
    0x013C: ("software", "host computer", True),
    0x010E: ("comment", "image description", True),
    0x9286: ("comment", "user comment", True),
    0x9C9B: ("comment", "Windows title", True),
    0x9C9C: ("comment", "Windows comment", True),
    0x9C9D: ("comment", "Windows author", True),
    0x9C9E: ("comment", "Windows keywords", True),
    0x9C9F: ("comment", "Windows subject", True),
    0x010D: ("comment", "document name", True),
    0x013B: ("other", "author name", True),
    0x8298: ("other", "copyright notice", True),
    0x0112: ("other", "orientation flag (applied to the pixels)", False),
    0x927C: ("makernotes", "maker notes", False),
    0x02BC: ("xmp", "XMP packet", False),
    0x83BB: ("iptc", "IPTC data", False),
    0x8773: ("icc", "colour profile", False),
    0x8649: ("other", "Photoshop resources", False),
    0xC4A5: ("other", "print settings (PrintIM)", False),
}
# Storage-structure tags (TIFF layout, EXIF pointers): not reported.
_STRUCTURAL = {0x00FE, 0x00FF, 0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0107, 0x010A, 0x0111,
               0x0115, 0x0116, 0x0117, 0x0118, 0x0119, 0x011A, 0x011B, 0x011C, 0x0122, 0x0123,
               0x0128, 0x012D, 0x013D, 0x013E, 0x013F, 0x0140, 0x0142, 0x0143, 0x0144, 0x0145,
               0x014A, 0x0152, 0x0153, 0x0201, 0x0202, 0x0211, 0x0212, 0x0213, 0x0214,
               0x8769, 0x8825, 0xA005, 0x9000, 0xA000, 0xA001, 0xA002, 0xA003, 0x9101}
_GPS_DATE_TAGS = {0x001D: "GPS date", 0x0007: "GPS time"}

_IPTC_NAMES = {5: "title", 10: "urgency", 15: "category", 20: "supplemental category", 25: "keywords",
               40: "special instructions", 55: "date created", 60: "time created", 62: "digital creation date",
               63: "digital creation time",
               80: "by-line (author)", 85: "author title", 90: "city", 92: "sub-location", 95: "province/state",
               100: "country code", 101: "country", 105: "headline", 110: "credit", 115: "source",
               116: "copyright notice", 118: "contact", 120: "caption", 122: "caption writer"}
_IPTC_DATES = {55, 60, 62, 63}

_XMP_HINTS = [  # (regex on the packet, group, tag)
    (r"GPSLatitude|GPSLongitude|exif:GPS", "gps", "GPS position in XMP"),
    (r"GImage:Data|GDepth:Data|Container:Directory|hdrgm:|GainMap", "thumbnail", "embedded image in XMP (depth map / preview / gain map)"),
    (r"CreateDate|ModifyDate|DateCreated|DateTimeOriginal|MetadataDate", "dates", "dates in XMP"),
    (r"tiff:Make|tiff:Model|SerialNumber|aux:Lens|exifEX:Lens|CameraOwnerName", "camera", "camera details in XMP"),
    (r"CreatorTool|crs:Version|photoshop:History|xmpMM:History", "software", "editing software/history in XMP"),
    (r"dc:creator|photoshop:AuthorsPosition|Iptc4xmpCore:CreatorContactInfo", "other", "author in XMP"),
    (r"dc:description|dc:title|dc:subject|photoshop:Headline|exif:UserComment", "comment", "description/keywords in XMP"),
    (r"xmpMM:DocumentID|xmpMM:InstanceID|xmpMM:OriginalDocumentID", "other", "document IDs in XMP"),
    (r"mwg-rs:Regions|MP:RegionInfo|MPRI:Regions", "other", "named face regions in XMP"),
]


class _Findings:
    def __init__(self, show_values: bool):
        self.show_values = show_values
        self.items: dict[tuple[str, str], MetadataFinding] = {}

    def add(self, group: str, tag: str, detail: str = "", value: object = None, free_text: bool = True) -> None:
        if value is not None and (self.show_values or not free_text):
            shown = _text(value)
            if shown:
                detail = f"{detail}: {shown}" if detail else shown
        key = (group, tag)
        if key not in self.items:
            self.items[key] = MetadataFinding(group=group, tag=tag, detail=detail or tag)

    def result(self) -> list[MetadataFinding]:
        order = {g: i for i, g in enumerate(GROUPS)}
        return sorted(self.items.values(), key=lambda f: (order.get(f.group, 99), f.tag))


def inspect_metadata(path: Path, show_values: bool = False) -> list[MetadataFinding]:
    """What metadata `path` carries. Never raises for a damaged file: reads what it can."""
    path = Path(path)
    found = _Findings(show_values)
    try:
        mime = sniffing.sniff(path)
    except OSError:
        return []
    readers = {
        sniffing.JPEG: _jpeg, sniffing.PNG: _png, sniffing.WEBP: _webp, sniffing.TIFF: _tiff,
        sniffing.HEIF: _heif, sniffing.AVIF: _avif, sniffing.GIF: _gif,
    }
    reader = readers.get(mime)
    if reader is None:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader(path, found)
    except Exception:  # noqa: BLE001 - a damaged file: report what was found so far
        found.add("other", "unreadable metadata", "part of the metadata could not be read")
    return found.result()


# ---- helpers -----------------------------------------------------------------
def _text(value: object) -> str:
    if isinstance(value, bytes):
        if value.startswith((b"ASCII\x00\x00\x00", b"UNICODE\x00", b"JIS\x00\x00\x00\x00\x00")):
            value = value[8:]
        try:
            value = value.decode("utf-16-le") if value[1:2] == b"\x00" else value.decode("utf-8")
        except UnicodeDecodeError:
            value = value.decode("latin-1")
    if isinstance(value, tuple):
        value = " ".join(str(v) for v in value)
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)).strip()
    return text[:120] + ("..." if len(text) > 120 else "")


def _read(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(_MAX_READ)


def _dms(value, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    ref_s = _text(ref).upper()
    return -deg if ref_s in ("S", "W") else deg


# ---- EXIF ----------------------------------------------------------------------
def exif_findings(blob: bytes, found: _Findings, where: str = "EXIF") -> None:
    """Findings from a TIFF-structured EXIF blob (with or without the 'Exif\\0\\0' prefix)."""
    if blob.startswith(b"Exif\x00\x00"):
        blob = blob[6:]
    exif = Image.Exif()
    exif.load(blob)
    ifd0 = dict(exif)
    sub = _safe_ifd(exif, ExifTags.IFD.Exif)
    gps = _safe_ifd(exif, ExifTags.IFD.GPSInfo)
    ifd1 = _safe_ifd(exif, ExifTags.IFD.IFD1)
    other = 0
    for tags in (ifd0, sub):
        for tag, value in tags.items():
            if tag in _STRUCTURAL:
                continue
            known = _EXIF_TAGS.get(tag)
            if known is None:
                other += 1
                continue
            group, name, free = known
            if tag == 0x927C:
                found.add(group, name, f"maker notes ({len(value) if hasattr(value, '__len__') else '?'} bytes)")
            elif tag == 0x0112:
                found.add(group, name)
            elif tag in (0x02BC, 0x83BB, 0x8773, 0x8649, 0xC4A5):
                found.add(group, name, f"{name} in {where}")
                if tag == 0x02BC and isinstance(value, (bytes, str)):
                    xmp_findings(value if isinstance(value, bytes) else value.encode(), found)
                elif tag == 0x83BB and isinstance(value, bytes):
                    iptc_findings(value, found)
            else:
                found.add(group, name, name, value, free)
    if other:
        found.add("other", "camera settings", f"{other} other EXIF fields (exposure, focus, flash...)")
    if gps:
        _gps(gps, found)
    if ifd1:
        _thumbnail_ifd(blob, ifd1, found)


def _safe_ifd(exif: Image.Exif, tag) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # noqa: BLE001 - damaged sub-IFD
        return {}


def _gps(gps: dict, found: _Findings) -> None:
    lat = _dms(gps.get(2), gps.get(1, "N")) if 2 in gps else None
    lon = _dms(gps.get(4), gps.get(3, "E")) if 4 in gps else None
    if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon) and (lat, lon) != (0.0, 0.0):
        digits = 6 if found.show_values else 2
        found.add("gps", "GPS position", f"GPS position {lat:.{digits}f}, {lon:.{digits}f}")
    else:
        found.add("gps", "GPS fields", f"{len(gps)} GPS fields (no position)")
    if 6 in gps:
        found.add("gps", "GPS altitude", "GPS altitude")
    for tag, name in _GPS_DATE_TAGS.items():
        if tag in gps:
            found.add("dates", name, name)


def _thumbnail_ifd(tiff_blob: bytes, ifd1: dict, found: _Findings) -> None:
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    detail = "thumbnail of the original"
    if isinstance(offset, int) and isinstance(length, int) and 0 < length < len(tiff_blob):
        try:
            with Image.open(io.BytesIO(tiff_blob[offset:offset + length])) as thumb:
                detail += f" ({thumb.size[0]}x{thumb.size[1]})"
        except Exception:  # noqa: BLE001
            pass
    elif 0x0111 not in ifd1:
        detail = "second image directory (thumbnail data)"
    found.add("thumbnail", "EXIF thumbnail", detail)


# ---- XMP / IPTC / Photoshop ------------------------------------------------------
def xmp_findings(packet: bytes, found: _Findings) -> None:
    found.add("xmp", "XMP packet", f"XMP packet ({max(1, len(packet) // 1024)} KB)")
    text = packet[:_MAX_CHUNK].decode("utf-8", "replace")
    for pattern, group, tag in _XMP_HINTS:
        if re.search(pattern, text):
            found.add(group, tag, tag)


def iptc_findings(data: bytes, found: _Findings) -> None:
    pos = 0
    any_ = False
    while pos + 5 <= len(data):
        if data[pos] != 0x1C:
            break
        record, dataset, length = data[pos + 1], data[pos + 2], struct.unpack(">H", data[pos + 3:pos + 5])[0]
        if length & 0x8000:
            break  # extended length: not used by photo tools
        value = data[pos + 5:pos + 5 + length]
        pos += 5 + length
        if record != 2 or dataset == 0:
            continue
        any_ = True
        name = _IPTC_NAMES.get(dataset, f"field 2:{dataset}")
        if dataset in _IPTC_DATES:
            found.add("dates", f"IPTC {name}", f"IPTC {name}", value, free_text=False)
        else:
            found.add("iptc", f"IPTC {name}", f"IPTC {name}", value)
    if any_ or not data:
        found.add("iptc", "IPTC data", "IPTC data")


def photoshop_findings(data: bytes, found: _Findings) -> None:
    """Photoshop image resources ('8BIM' blocks)."""
    pos, kinds = 0, 0
    while pos + 12 <= len(data) and data[pos:pos + 4] == b"8BIM":
        rid = struct.unpack(">H", data[pos + 4:pos + 6])[0]
        name_len = data[pos + 6]
        pos += 7 + name_len + ((name_len + 1) & 1)
        if pos + 4 > len(data):
            break
        size = struct.unpack(">I", data[pos:pos + 4])[0]
        body = data[pos + 4:pos + 4 + size]
        pos += 4 + size + (size & 1)
        if rid == 0x0404:
            iptc_findings(body, found)
        elif rid in (0x0409, 0x040C):
            found.add("thumbnail", "Photoshop thumbnail", "Photoshop thumbnail of the original")
        elif rid == 0x0422:
            exif_findings(body, found, "Photoshop resources")
        elif rid == 0x0424:
            xmp_findings(body, found)
        elif rid == 0x040F:
            found.add("icc", "colour profile", "colour profile in Photoshop resources")
        else:
            kinds += 1
    if kinds:
        found.add("other", "Photoshop resources", f"{kinds} Photoshop resource blocks")


def icc_findings(icc: bytes, found: _Findings) -> None:
    desc = colour.profile_description(icc)
    detail = f"colour profile ({len(icc) // 1024 or 1} KB), converted to sRGB"
    found.add("icc", "colour profile", detail, desc or None)


# ---- JPEG ------------------------------------------------------------------------
_NEXT_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


def _jpeg(path: Path, found: _Findings) -> None:
    data = _read(path)
    pos, end = 2, len(data)
    icc_parts: list[bytes] = []
    while pos + 2 <= end:
        if data[pos] != 0xFF:
            break
        while pos < end and data[pos] == 0xFF:
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if pos + 2 > end:
            break
        length = struct.unpack(">H", data[pos:pos + 2])[0]
        seg = data[pos + 2:pos + length]
        pos += length
        if marker == 0xDA:
            m = _NEXT_MARKER.search(data, pos)
            if m is None:
                pos = end
                break
            pos = m.start()
            continue
        _jpeg_segment(marker, seg, found, icc_parts)
    if icc_parts:
        icc_findings(b"".join(icc_parts), found)
    trailing = end - pos if pos < end else 0
    if trailing > 0:
        tail = data[pos:]
        if b"\xff\xd8\xff" in tail[:64]:
            found.add("thumbnail", "extra embedded images", f"extra images after the photo ({trailing // 1024} KB)")
        elif tail.strip(b"\x00\xff"):
            found.add("other", "trailing data", f"{trailing} bytes after the end of the image")


def _jpeg_segment(marker: int, seg: bytes, found: _Findings, icc_parts: list[bytes]) -> None:
    app = marker - 0xE0
    if marker == 0xFE:
        found.add("comment", "JPEG comment", "JPEG comment", seg)
    elif marker == 0xE0:
        if seg.startswith(b"JFIF\x00") and len(seg) >= 14 and seg[12] and seg[13]:
            found.add("thumbnail", "JFIF thumbnail", "JFIF thumbnail")
        elif seg.startswith(b"JFXX\x00"):
            found.add("thumbnail", "JFIF extension thumbnail", "JFIF extension thumbnail")
        elif not seg.startswith(b"JFIF\x00"):
            found.add("other", "APP0 segment", f"APP0 segment ({_ident(seg)})")
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
            found.add("other", "APP1 segment", f"APP1 segment ({_ident(seg)})")
    elif marker == 0xE2:
        if seg.startswith(b"ICC_PROFILE\x00"):
            icc_parts.append(seg[14:])
        elif seg.startswith(b"MPF\x00"):
            found.add("thumbnail", "multi-picture previews", "preview/extra images (multi-picture format)")
        elif seg.startswith(b"FPXR"):
            found.add("thumbnail", "FlashPix data", "FlashPix extension data (can hold a preview)")
        else:
            found.add("other", "APP2 segment", f"APP2 segment ({_ident(seg)})")
    elif marker == 0xED and seg.startswith(b"Photoshop 3.0\x00"):
        photoshop_findings(seg[14:], found)
    elif marker == 0xEE and seg.startswith(b"Adobe"):
        return  # colour-transform flag: storage structure
    elif 0 <= app <= 15:
        found.add("other", f"APP{app} segment", f"APP{app} segment ({_ident(seg)})")


def _ident(seg: bytes) -> str:
    ident = seg[:20].split(b"\x00", 1)[0]
    text = re.sub(rb"[^A-Za-z0-9 ._/:-]", b"", ident).decode("ascii").strip()
    return text or f"{len(seg)} bytes"


# ---- PNG -----------------------------------------------------------------------
_PNG_STRUCTURAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT",
                   b"bKGD", b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT"}


def _png(path: Path, found: _Findings) -> None:
    with open(path, "rb") as fh:
        fh.read(8)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            length, ctype = struct.unpack(">I4s", header)
            if ctype in _PNG_STRUCTURAL:
                if ctype == b"IEND":
                    tail = fh.read(5)[4:]
                    if tail:
                        found.add("other", "trailing data", "data after the end of the image")
                    break
                fh.seek(length + 4, 1)
                continue
            body = fh.read(min(length, _MAX_CHUNK))
            fh.seek(length - len(body) + 4, 1)
            _png_chunk(ctype, body, length, found)


def _png_chunk(ctype: bytes, body: bytes, length: int, found: _Findings) -> None:
    name = ctype.decode("latin-1")
    if ctype in (b"tEXt", b"zTXt", b"iTXt"):
        keyword, _, rest = body.partition(b"\x00")
        key = _text(keyword)[:40]
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
            found.add("dates", f"PNG text '{key}'", f"PNG {name} '{key}'", text, free_text=False)
        found.add("text_chunks", f"PNG text '{key}'", f"PNG {name} note '{key}' ({length} bytes)", text)
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
        found.add("other", f"PNG chunk {_text(ctype)}", f"PNG chunk '{_text(ctype)}' ({length} bytes)")


def _inflate(data: bytes, limit: int = _MAX_CHUNK) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, limit)
    except zlib.error:
        return b""


def _raw_profile(key: str, text: bytes, found: _Findings) -> None:
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


def _webp(path: Path, found: _Findings) -> None:
    data = _read(path)
    pos, end = 12, len(data)
    while pos + 8 <= end:
        fourcc = data[pos:pos + 4]
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + length]
        pos += 8 + length + (length & 1)
        if fourcc in _RIFF_STRUCTURAL:
            continue
        if fourcc == b"EXIF":
            exif_findings(body, found, "WebP EXIF")
        elif fourcc == b"XMP ":
            xmp_findings(body, found)
        elif fourcc == b"ICCP":
            icc_findings(body, found)
        else:
            found.add("other", f"RIFF chunk {_text(fourcc)}", f"WebP chunk '{_text(fourcc)}' ({length} bytes)")
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    if riff_end < end:
        found.add("other", "trailing data", f"{end - riff_end} bytes after the end of the image")


# ---- TIFF ------------------------------------------------------------------------
def _tiff(path: Path, found: _Findings) -> None:
    data = _read(path)
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


# ---- HEIF / AVIF -------------------------------------------------------------------
def _heif(path: Path, found: _Findings) -> None:
    import pillow_heif

    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
    primary = heif[heif.primary_index]
    info = primary.info
    if info.get("exif"):
        exif_findings(bytes(info["exif"]), found, "HEIF EXIF")
    if info.get("xmp"):
        xmp_findings(bytes(info["xmp"]), found)
    if info.get("icc_profile"):
        icc_findings(bytes(info["icc_profile"]), found)
    for block in info.get("metadata") or []:
        if block.get("type") not in ("Exif", "mime"):
            found.add("other", f"HEIF metadata {block.get('type')}", "other HEIF metadata block")
    if len(heif) > 1:
        found.add("thumbnail", "extra images", f"{len(heif) - 1} other images stored in the file")
    _iso_refs(_read(path), found)


def _avif(path: Path, found: _Findings) -> None:
    with Image.open(path, formats=["AVIF"]) as im:
        info = dict(im.info)
    if info.get("exif"):
        exif_findings(bytes(info["exif"]), found, "AVIF EXIF")
    if info.get("xmp"):
        xmp_findings(bytes(info["xmp"]) if not isinstance(info["xmp"], str) else info["xmp"].encode(), found)
    if info.get("icc_profile"):
        icc_findings(bytes(info["icc_profile"]), found)
    _iso_refs(_read(path), found)


_ISO_TOP_LEVEL = {b"ftyp", b"meta", b"mdat", b"free", b"skip", b"idat"}


def _iso_refs(data: bytes, found: _Findings) -> None:
    """Thumbnails and auxiliary images (depth, gain maps) from the HEIF 'iref' box; odd top-level boxes."""
    pos, end = 0, len(data)
    while pos + 8 <= end:
        size, box = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = end - pos
        if size < 8 or pos + size > end or not box.isalnum():
            found.add("other", "trailing data", f"{end - pos} bytes of unknown data after the image boxes")
            break
        if box not in _ISO_TOP_LEVEL:
            found.add("other", f"box {_text(box)}", f"container box '{_text(box)}' ({size} bytes)")
        pos += size
    meta = _child_box(data, 0, len(data), b"meta")
    if meta is None:
        return
    iref = _child_box(data, meta[0] + 4, meta[1], b"iref")
    if iref is None:
        return
    pos, end = iref[0] + 4, iref[1]
    counts: dict[bytes, int] = {}
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size < 8:
            break
        counts[kind] = counts.get(kind, 0) + 1
        pos += size
    if counts.get(b"thmb"):
        found.add("thumbnail", "HEIF thumbnail", f"{counts[b'thmb']} thumbnail(s) of the original")
    if counts.get(b"auxl"):
        found.add("thumbnail", "auxiliary images", "auxiliary images (depth map, HDR gain map or transparency)")


def _child_box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(payload start, payload end) of the first box of `kind` between start and end."""
    pos = start
    while pos + 8 <= end:
        size, box = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return None
        if box == kind:
            return pos + header, min(pos + size, end)
        pos += size
    return None


# ---- GIF -------------------------------------------------------------------------
def _gif(path: Path, found: _Findings) -> None:
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
