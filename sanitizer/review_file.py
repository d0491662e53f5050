"""A saved review: which files, their sha256, every region with its decision, and approvals.

Written only when the reviewer asks (Save review), to a file the reviewer chose, so a
review of 50 photos survives closing the app. It holds where areas are (boxes) and the
detector's short reason ("face", "MRN pattern"), never pixels, never the text that was
read, never metadata values. On opening, a file whose sha256 differs from the saved one
is analysed afresh instead (fail closed: decisions never move onto different pixels).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from .errors import SanitizerError
from .regions import DecidedBy, Decision, Kind, Plan, Region, Shape, Tier
from .tempfiles import TEMP_PREFIX

REVIEW_FORMAT = "phi-sanitizer-review"
REVIEW_VERSION = 1
REVIEW_SUFFIX = ".review.json"


class ReviewFileError(SanitizerError):
    """The review file cannot be read (not a review, damaged, newer version)."""


@dataclass
class SavedFile:
    """One file of a saved review."""
    path: Path
    sha256: str
    width: int
    height: int
    approved: bool = False
    regions: list[Region] = field(default_factory=list)

    def applies_to(self, plan: Plan, sha256: str) -> bool:
        """True when `plan` is the very file this review was made on (same bytes, same size)."""
        return (sha256 == self.sha256 and not plan.error
                and (plan.width, plan.height) == (self.width, self.height))

    def apply(self, plan: Plan) -> None:
        """The saved regions and approval replace what the fresh analysis proposed."""
        plan.regions = [replace(r) for r in self.regions]
        plan.approved = self.approved


def region_to_dict(r: Region) -> dict:
    out = {"id": r.id, "kind": r.kind.value, "box": [float(v) for v in r.box], "shape": r.shape.value,
           "tier": r.tier.value, "decision": r.decision.value, "decided_by": r.decided_by.value,
           "score": round(float(r.score), 4), "reason": r.reason}
    if r.polygon is not None:
        out["polygon"] = [[float(x), float(y)] for x, y in r.polygon]
    if r.track_id is not None:
        out["track_id"] = r.track_id
    if r.frame_span is not None:
        out["frames"] = list(r.frame_span)
    return out


def region_from_dict(d: dict) -> Region:
    polygon = tuple((float(x), float(y)) for x, y in d["polygon"]) if d.get("polygon") else None
    frames = d.get("frames")
    return Region(kind=Kind(d["kind"]), box=tuple(float(v) for v in d["box"]), score=float(d.get("score", 1.0)),
                  reason=str(d.get("reason", "")), shape=Shape(d.get("shape", "rect")), polygon=polygon,
                  decision=Decision(d["decision"]), decided_by=DecidedBy(d["decided_by"]),
                  track_id=d.get("track_id"), frame_span=(int(frames[0]), int(frames[1])) if frames else None,
                  tier=Tier(d.get("tier", "certain")), id=str(d["id"]))


def review_json(entries: Iterable[tuple[Plan, str]]) -> dict:
    """The review document for (plan, sha256 of its file) pairs."""
    files = []
    for plan, sha256 in entries:
        files.append({"path": str(plan.source), "sha256": sha256, "width": plan.width, "height": plan.height,
                      "approved": plan.approved, "regions": [region_to_dict(r) for r in plan.regions]})
    return {"format": REVIEW_FORMAT, "version": REVIEW_VERSION, "files": files}


def save_review(dest: Path, entries: Iterable[tuple[Plan, str]]) -> None:
    """Write the review atomically: a temporary file beside `dest`, then a rename over it.

    Unlike a clean copy, a review file is meant to be saved again under the same name."""
    dest = Path(dest)
    text = json.dumps(review_json(entries), indent=1)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".json", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_review(path: Path) -> list[SavedFile]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ReviewFileError("the review file cannot be read") from None
    if not isinstance(doc, dict) or doc.get("format") != REVIEW_FORMAT:
        raise ReviewFileError("that is not a saved review")
    if doc.get("version") != REVIEW_VERSION:
        raise ReviewFileError("the review was saved by another version of the app")
    try:
        return [SavedFile(path=Path(f["path"]), sha256=str(f["sha256"]), width=int(f["width"]),
                          height=int(f["height"]), approved=bool(f.get("approved", False)),
                          regions=[region_from_dict(r) for r in f["regions"]])
                for f in doc["files"]]
    except (KeyError, TypeError, ValueError, IndexError):
        raise ReviewFileError("the review file is damaged") from None
