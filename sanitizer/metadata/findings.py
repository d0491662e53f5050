"""The findings collector shared by the metadata readers, and the group names."""
from __future__ import annotations

import re
from pathlib import Path

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

MAX_READ = 64 << 20      # never read more than this for inspection
MAX_CHUNK = 4 << 20      # per text chunk / segment body inspected


class Findings:
    """Findings of one file, one per (group, tag). Values (text, dates, positions, bytes of an
    unknown block) only when asked for: without them a finding names what is there, never
    what it says, since any field can hold a name."""

    def __init__(self, show_values: bool):
        self.show_values = show_values
        self.items: dict[tuple[str, str], MetadataFinding] = {}

    def add(self, group: str, tag: str, detail: str = "", value: object = None) -> None:
        if value is not None and self.show_values:
            shown = text_of(value)
            if shown:
                detail = f"{detail}: {shown}" if detail else shown
        key = (group, tag)
        if key not in self.items:
            self.items[key] = MetadataFinding(group=group, tag=tag, detail=detail or tag)

    def result(self) -> list[MetadataFinding]:
        order = {g: i for i, g in enumerate(GROUPS)}
        return sorted(self.items.values(), key=lambda f: (order.get(f.group, 99), f.tag))


# ---- helpers -----------------------------------------------------------------
def text_of(value: object) -> str:
    """A short printable form of a tag value (EXIF comment prefixes and control bytes removed)."""
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


def read_head(path: Path) -> bytes:
    """The file's bytes, up to MAX_READ (metadata lives near the start or is bounded by it)."""
    with open(path, "rb") as fh:
        return fh.read(MAX_READ)
