"""The Region and Plan model shared by detectors, the CLI, the GUI and video.

A Plan lives in memory only: it is never written to disk because its regions point at
where PHI sits in a photo. Coordinates are display pixels (EXIF orientation applied).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Kind(str, Enum):
    FACE = "face"
    TEXT = "text"
    WRISTBAND = "wristband"
    BARCODE = "barcode"
    SCREEN = "screen"
    DOCUMENT = "document"
    MANUAL = "manual"


class Shape(str, Enum):
    RECT = "rect"
    ELLIPSE = "ellipse"
    POLYGON = "polygon"


class Decision(str, Enum):
    REDACT = "redact"
    KEEP = "keep"


class Tier(str, Enum):
    """How sure the detector is. Both tiers are hidden by default; the reviewer can keep
    every *possible* region of a file in one action."""
    CERTAIN = "certain"
    POSSIBLE = "possible"


class DecidedBy(str, Enum):
    DETECTOR = "detector"
    REVIEWER = "reviewer"
    CONSENT = "consent on file"


Box = tuple[float, float, float, float]  # x, y, w, h


@dataclass
class Region:
    kind: Kind
    box: Box
    score: float = 1.0
    reason: str = ""
    shape: Shape = Shape.RECT
    # Polygon vertices in display pixels; only used when shape is POLYGON.
    polygon: tuple[tuple[float, float], ...] | None = None
    decision: Decision = Decision.REDACT
    decided_by: DecidedBy = DecidedBy.DETECTOR
    # Video only: which track the region belongs to and the frames it covers (inclusive).
    track_id: int | None = None
    frame_span: tuple[int, int] | None = None
    tier: Tier = Tier.CERTAIN
    # Unique across processes (analysis runs in one process, the reviewer draws in another, and
    # the audit counts regions by id): a per-process counter gave two regions the same id.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def redacted(self) -> bool:
        return self.decision is Decision.REDACT

    def set_decision(self, decision: Decision, by: DecidedBy = DecidedBy.REVIEWER) -> None:
        self.decision = decision
        self.decided_by = by

    def mark_consent(self) -> None:
        """A reviewer records that the person consented: keep, and say why in the audit."""
        self.set_decision(Decision.KEEP, DecidedBy.CONSENT)

    def clipped(self, width: int, height: int) -> "Region | None":
        """This region clipped to the image; None when nothing of it is inside."""
        x, y, w, h = self.box
        x0, y0 = max(0.0, x), max(0.0, y)
        x1, y1 = min(float(width), x + w), min(float(height), y + h)
        if x1 <= x0 or y1 <= y0:
            return None
        from dataclasses import replace
        return replace(self, box=(x0, y0, x1 - x0, y1 - y0))

    def to_json(self) -> dict:
        """The public JSON form of the design's scan contract (never any OCR'd text)."""
        x, y, w, h = self.box
        out = {
            "kind": self.kind.value,
            "box": [round(x), round(y), round(w), round(h)],
            "score": round(float(self.score), 3),
            "reason": self.reason,
            "tier": self.tier.value,
        }
        if self.track_id is not None:  # video only
            out["track_id"] = self.track_id
        if self.frame_span is not None:
            out["frames"] = list(self.frame_span)
        return out


def grow_box(box: Box, margin: float) -> Box:
    """Grow a box by `margin` times its size on every side."""
    x, y, w, h = box
    return (x - w * margin, y - h * margin, w * (1 + 2 * margin), h * (1 + 2 * margin))


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class MetadataFinding:
    """One piece of metadata a file carries, in plain words.

    `group` is one of metadata.GROUPS (gps, camera, dates, thumbnail, makernotes, xmp,
    iptc, icc, comment, text_chunks, software, other). `tag` names the field, `detail`
    is a human description safe to show (GPS coordinates are shown; free text is not
    unless the caller asked for values).
    """
    group: str
    tag: str
    detail: str = ""

    def to_json(self) -> dict:
        return {"group": self.group, "tag": self.tag}


@dataclass
class Plan:
    """One file, what was found in it, and what the reviewer decided."""
    source: Path
    media: str = "image"  # "image", "video" or "animation" (animated GIF / WebP / PNG)
    format: str = ""
    width: int = 0
    height: int = 0
    regions: list[Region] = field(default_factory=list)
    metadata: list[MetadataFinding] = field(default_factory=list)
    error: str | None = None
    # Video and animation only: frame count and rate, so the GUI can show a timeline.
    frame_count: int = 0
    fps: float = 0.0
    # True only when a reviewer explicitly approved this file (being shown is not approval).
    approved: bool = False

    @property
    def redacted_regions(self) -> list[Region]:
        return [r for r in self.regions if r.redacted]

    def to_json(self) -> dict:
        out = {
            "path": str(self.source),
            "width": self.width,
            "height": self.height,
            "regions": [r.to_json() for r in self.regions],
            "metadata": [m.to_json() for m in self.metadata],
            "error": self.error,
        }
        if self.media in ("video", "animation"):  # extra keys only here: photo lines keep the exact contract
            out.update(media=self.media, frame_count=self.frame_count, fps=round(self.fps, 3))
        return out
