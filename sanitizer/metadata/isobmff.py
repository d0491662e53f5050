"""HEIF / AVIF (ISO base media file format): metadata items, thumbnails, auxiliary images."""
from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image

from sanitizer.metadata.blocks import exif_findings, icc_findings, xmp_findings
from sanitizer.metadata.findings import Findings, read_head, text_of

# ---- HEIF / AVIF -------------------------------------------------------------------
def read_heif(path: Path, found: Findings) -> None:
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
    _iso_refs(read_head(path), found)


def read_avif(path: Path, found: Findings) -> None:
    with Image.open(path, formats=["AVIF"]) as im:
        info = dict(im.info)
    if info.get("exif"):
        exif_findings(bytes(info["exif"]), found, "AVIF EXIF")
    if info.get("xmp"):
        xmp_findings(bytes(info["xmp"]) if not isinstance(info["xmp"], str) else info["xmp"].encode(), found)
    if info.get("icc_profile"):
        icc_findings(bytes(info["icc_profile"]), found)
    _iso_refs(read_head(path), found)


_ISO_TOP_LEVEL = {b"ftyp", b"meta", b"mdat", b"free", b"skip", b"idat"}


def _iso_refs(data: bytes, found: Findings) -> None:
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
            found.add("other", f"box {text_of(box)}", f"container box '{text_of(box)}' ({size} bytes)")
        pos += size
    meta = child_box(data, 0, len(data), b"meta")
    if meta is None:
        return
    iref = child_box(data, meta[0] + 4, meta[1], b"iref")
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


def child_box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
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
