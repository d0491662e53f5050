"""Readers of metadata payloads found inside any container: EXIF, XMP, IPTC, Photoshop, ICC."""
from __future__ import annotations

import io
import math
import re
import struct

from PIL import ExifTags, Image

from sanitizer import colour
from sanitizer.metadata.findings import MAX_CHUNK, Findings, text_of

# EXIF tag -> (group, plain tag name, is free text)
_EXIF_TAGS: dict[int, tuple[str, str]] = {
    0x010F: ("camera", "camera make"),
    0x0110: ("camera", "camera model"),
    0xA431: ("camera", "camera serial number"),
    0xC62F: ("camera", "camera serial number"),
    0xA430: ("camera", "camera owner name"),
    0xA433: ("camera", "lens make"),
    0xA434: ("camera", "lens model"),
    0xA435: ("camera", "lens serial number"),
    0xA420: ("camera", "unique image ID"),
    0x0132: ("dates", "date modified"),
    0x9003: ("dates", "date taken"),
    0x9004: ("dates", "date digitized"),
    0x9010: ("dates", "time zone"),
    0x9011: ("dates", "time zone (taken)"),
    0x9012: ("dates", "time zone (digitized)"),
    0x9290: ("dates", "sub-second time"),
    0x9291: ("dates", "sub-second time (taken)"),
    0x9292: ("dates", "sub-second time (digitized)"),
    0x0131: ("software", "software"),
    0x000B: ("software", "processing software"),
    0x013C: ("software", "host computer"),
    0x010E: ("comment", "image description"),
    0x9286: ("comment", "user comment"),
    0x9C9B: ("comment", "Windows title"),
    0x9C9C: ("comment", "Windows comment"),
    0x9C9D: ("comment", "Windows author"),
    0x9C9E: ("comment", "Windows keywords"),
    0x9C9F: ("comment", "Windows subject"),
    0x010D: ("comment", "document name"),
    0x013B: ("other", "author name"),
    0x8298: ("other", "copyright notice"),
    0x0112: ("other", "orientation flag (applied to the pixels)"),
    0x927C: ("makernotes", "maker notes"),
    0x02BC: ("xmp", "XMP packet"),
    0x83BB: ("iptc", "IPTC data"),
    0x8773: ("icc", "colour profile"),
    0x8649: ("other", "Photoshop resources"),
    0xC4A5: ("other", "print settings (PrintIM)"),
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


def _dms(value, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    ref_s = text_of(ref).upper()
    return -deg if ref_s in ("S", "W") else deg


# ---- EXIF ----------------------------------------------------------------------
def exif_findings(blob: bytes, found: Findings, where: str = "EXIF") -> None:
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
            group, name = known
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
                found.add(group, name, name, value)
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


def _gps(gps: dict, found: Findings) -> None:
    lat = _dms(gps.get(2), gps.get(1, "N")) if 2 in gps else None
    lon = _dms(gps.get(4), gps.get(3, "E")) if 4 in gps else None
    if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon) and (lat, lon) != (0.0, 0.0):
        found.add("gps", "GPS position", "GPS position", f"{lat:.6f}, {lon:.6f}")
    else:
        found.add("gps", "GPS fields", f"{len(gps)} GPS fields (no position)")
    if 6 in gps:
        found.add("gps", "GPS altitude", "GPS altitude")
    for tag, name in _GPS_DATE_TAGS.items():
        if tag in gps:
            found.add("dates", name, name)


def _thumbnail_ifd(tiff_blob: bytes, ifd1: dict, found: Findings) -> None:
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
def xmp_findings(packet: bytes, found: Findings) -> None:
    found.add("xmp", "XMP packet", f"XMP packet ({max(1, len(packet) // 1024)} KB)")
    text = packet[:MAX_CHUNK].decode("utf-8", "replace")
    for pattern, group, tag in _XMP_HINTS:
        if re.search(pattern, text):
            found.add(group, tag, tag)


def iptc_findings(data: bytes, found: Findings) -> None:
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
            found.add("dates", f"IPTC {name}", f"IPTC {name}", value)
        else:
            found.add("iptc", f"IPTC {name}", f"IPTC {name}", value)
    if any_ or not data:
        found.add("iptc", "IPTC data", "IPTC data")


def photoshop_findings(data: bytes, found: Findings) -> None:
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


def icc_findings(icc: bytes, found: Findings) -> None:
    desc = colour.profile_description(icc)
    detail = f"colour profile ({len(icc) // 1024 or 1} KB), converted to sRGB"
    found.add("icc", "colour profile", detail, desc or None)
