"""Metadata inspection: what a photo file carries, in plain words, grouped.

Used to show the reviewer (and the audit report) what the clean copy drops. It reads the
container itself (JPEG segments, PNG chunks, RIFF chunks, TIFF/EXIF IFDs, HEIF boxes) with
Pillow and a few hand-written walkers; it never runs exiftool (the bundled app has no perl).

Values (comments, names, captions, camera serials, dates, GPS positions, the first bytes of
an unknown block) are only put in `detail` when `show_values=True`: any field can hold a
name. Without values a finding names what is there ("GPS position", "APP10 segment").
"""
from __future__ import annotations

import warnings
from pathlib import Path

from sanitizer.formats import content as sniffing
from sanitizer.metadata.blocks import exif_findings, icc_findings, iptc_findings, xmp_findings
from sanitizer.metadata.containers import read_gif, read_jpeg, read_png, read_tiff, read_webp
from sanitizer.metadata.findings import GROUP_LABELS, GROUPS, Findings
from sanitizer.metadata.isobmff import read_avif, read_heif
from sanitizer.regions import MetadataFinding

__all__ = ["GROUPS", "GROUP_LABELS", "inspect_metadata", "exif_findings", "xmp_findings", "iptc_findings",
           "icc_findings"]

_READERS = {
    sniffing.JPEG: read_jpeg, sniffing.PNG: read_png, sniffing.WEBP: read_webp, sniffing.TIFF: read_tiff,
    sniffing.HEIF: read_heif, sniffing.AVIF: read_avif, sniffing.GIF: read_gif,
}


def inspect_metadata(path: Path, show_values: bool = False) -> list[MetadataFinding]:
    """What metadata `path` carries. Never raises for a damaged file: reads what it can."""
    path = Path(path)
    found = Findings(show_values)
    try:
        mime = sniffing.sniff(path)
    except OSError:
        return []
    reader = _READERS.get(mime)
    if reader is None:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader(path, found)
    except Exception:  # noqa: BLE001 - a damaged file: report what was found so far
        found.add("other", "unreadable metadata", "part of the metadata could not be read")
    return found.result()
