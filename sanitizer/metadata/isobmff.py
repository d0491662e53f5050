"""HEIF / AVIF (ISO base media file format): metadata items, thumbnails, auxiliary images."""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from sanitizer.chunk_walks import boxes_in
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
    end, last = len(data), 0
    for box in boxes_in(data):
        if box.end > end or not box.kind.isalnum():
            break
        if box.kind not in _ISO_TOP_LEVEL:
            name = text_of(box.kind)
            found.add("other", f"box {name}", f"container box '{name}' ({box.end - box.start} bytes)")
        last = box.end
    if end - last >= 8:
        found.add("other", "trailing data", f"{end - last} bytes of unknown data after the image boxes")
    meta = child_box(data, 0, len(data), b"meta")
    if meta is None:
        return
    iref = child_box(data, meta[0] + 4, meta[1], b"iref")
    if iref is None:
        return
    counts: dict[bytes, int] = {}
    for ref in boxes_in(data, iref[0] + 4, iref[1]):
        counts[ref.kind] = counts.get(ref.kind, 0) + 1
    if counts.get(b"thmb"):
        found.add("thumbnail", "HEIF thumbnail", f"{counts[b'thmb']} thumbnail(s) of the original")
    if counts.get(b"auxl"):
        found.add("thumbnail", "auxiliary images", "auxiliary images (depth map, HDR gain map or transparency)")


def child_box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(payload start, payload end) of the first box of `kind` between start and end."""
    for box in boxes_in(data, start, end):
        if box.kind == kind:
            return box.payload, min(box.end, end)
    return None
