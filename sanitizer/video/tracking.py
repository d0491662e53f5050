"""Offline tracking: keyframe detections -> per-track Regions that cover every frame.

Detectors run on keyframes only (every N frames, plus the first and last frame of each
shot). Because the whole video is analysed before anything is written, tracks are built
offline, looking both ways in time:

- detections on consecutive keyframes are linked by IoU or by centre distance (same kind);
- between two linked keyframes the track is covered by ONE box: the union of the two grown
  keyframe boxes. Any path from one box to the other stays inside it, so a face that moves
  non-linearly between keyframes is still hidden (the cost is a slightly larger box);
- a track that misses up to `max_gap` keyframes and is found again is bridged the same way;
- before its first and after its last detection a track is held (grown box) for
  `hold_frames`, because the face was probably there, undetected, since the previous
  keyframe; holds and links never cross a scene cut;
- optionally, when a track is lost in mid-frame (not at the border, not at a cut), the
  whole frame is covered for `lost_frames` (a "tracking lost" region).

Representation in the Plan (what the GUI timeline and the renderer use): one Region per
track per keyframe interval. `track_id` groups a track's Regions (a reviewer toggles all
Regions of a track at once), `frame_span=(first, last)` is inclusive, and `box` is what is
redacted on every frame of that span. A frame is rendered with every Region whose span
contains it (a Region with no span covers every frame, e.g. a manual box for the whole clip).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..regions import Box, DecidedBy, Decision, Kind, Region, Shape, Tier, grow_box, iou


LOST_REASON = "tracking lost: whole frame"


@dataclass
class TrackParams:
    grow: float = 0.08          # margin added to each side (the detector already adds its own)
    hold_frames: int = 8        # frames held before the first / after the last detection
    hold_grow: float = 0.3      # margin of held boxes (the face may have moved)
    edge_hold_frames: int = 30  # longer hold for a track that starts / ends at the frame edge
    max_gap: int = 2            # keyframes a track may miss and still be bridged
    min_iou: float = 0.1
    max_centre_shift: float = 1.0  # link when centres are within this many box sizes...
    max_size_ratio: float = 2.0    # ...and the sizes differ by at most this factor
    border_share: float = 0.04   # a box this close to the edge is leaving, not lost
    blur_frame_when_lost: bool = False
    lost_frames: int = 30
    ellipse_min_iou: float = 0.7  # keyframe boxes overlapping less than this give a rect


@dataclass
class _Track:
    track_id: int
    kind: Kind
    # (keyframe index in the shot's keyframe list, frame number, region)
    hits: list[tuple[int, int, Region]] = field(default_factory=list)


def union_box(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _linkable(a: Box, b: Box, params: TrackParams, gap: int) -> float:
    """A link score (higher is better); 0 when the boxes cannot be the same object."""
    overlap = iou(a, b)
    if overlap >= params.min_iou:
        return 1.0 + overlap
    ax, ay = a[0] + a[2] / 2, a[1] + a[3] / 2
    bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
    size = max(a[2], a[3], b[2], b[3], 1.0)
    shift = ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 / size
    area_a, area_b = max(a[2] * a[3], 1.0), max(b[2] * b[3], 1.0)
    ratio = max(area_a, area_b) / min(area_a, area_b)
    if shift <= params.max_centre_shift * (1 + gap) and ratio <= params.max_size_ratio ** 2:
        return 1.0 / (1.0 + shift)
    return 0.0


def _link_shot(keyframes: list[int], detections: dict[int, list[Region]],
               params: TrackParams, next_id: list[int]) -> list[_Track]:
    """Greedy frame-to-frame association inside one shot."""
    active: list[_Track] = []
    finished: list[_Track] = []
    for k_idx, frame in enumerate(keyframes):
        found = detections.get(frame, [])
        still: list[_Track] = []
        for t in active:
            if k_idx - t.hits[-1][0] > params.max_gap + 1:
                finished.append(t)
            else:
                still.append(t)
        active = still
        pairs = []
        for ti, t in enumerate(active):
            last = t.hits[-1]
            gap = k_idx - last[0] - 1
            for di, r in enumerate(found):
                if r.kind is not t.kind:
                    continue
                s = _linkable(last[2].box, r.box, params, gap)
                if s > 0:
                    pairs.append((s, ti, di))
        pairs.sort(reverse=True)
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _s, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            active[ti].hits.append((k_idx, frame, found[di]))
        for di, r in enumerate(found):
            if di not in used_d:
                t = _Track(track_id=next_id[0], kind=r.kind)
                next_id[0] += 1
                t.hits.append((k_idx, frame, r))
                active.append(t)
    return finished + active


def _near_border(box: Box, width: int, height: int, share: float) -> bool:
    x, y, w, h = box
    mx, my = width * share, height * share
    return x <= mx or y <= my or x + w >= width - mx or y + h >= height - my


def _segment(t: _Track, box: Box, span: tuple[int, int], score: float, reason: str,
             whole_frame: bool = False, moved: bool = False) -> Region:
    # Polygons (e.g. a tilted wristband) become their bounding box. An ellipse inscribed in
    # the union of two boxes far apart would miss their outer corners, so those are rects.
    shape = t.hits[0][2].shape
    if whole_frame or moved or shape is Shape.POLYGON:
        shape = Shape.RECT
    # A track the detector was sure of on any keyframe is a face on all of them.
    tier = Tier.CERTAIN if any(hit.tier is Tier.CERTAIN for _k, _f, hit in t.hits) else Tier.POSSIBLE
    return Region(kind=t.kind, box=box, score=float(score), reason=reason, shape=shape,
                  track_id=t.track_id, frame_span=span, tier=tier)


def _track_regions(t: _Track, shot: tuple[int, int], keyframes: list[int],
                   width: int, height: int, params: TrackParams) -> list[Region]:
    shot_start, shot_end = shot
    out: list[Region] = []
    hits = t.hits
    reason = hits[0][2].reason or t.kind.value
    first_frame = hits[0][1]
    held = grow_box(hits[0][2].box, params.hold_grow)
    # Hold backwards: the face was likely there since the previous keyframe. A face first
    # found at the edge was probably entering, partly visible for longer before that.
    back = params.hold_frames
    if _near_border(hits[0][2].box, width, height, params.border_share):
        back = max(back, params.edge_hold_frames)
    before = max(shot_start, first_frame - back)
    if before < first_frame:
        out.append(_segment(t, held, (before, first_frame - 1), hits[0][2].score, reason))
    for (ka, fa, ra), (kb, fb, rb) in zip(hits, hits[1:]):
        box = union_box(grow_box(ra.box, params.grow), grow_box(rb.box, params.grow))
        moved = iou(ra.box, rb.box) < params.ellipse_min_iou
        out.append(_segment(t, box, (fa, fb - 1), max(ra.score, rb.score), reason, moved=moved))
        if params.blur_frame_when_lost and kb - ka > 1 and not _near_border(ra.box, width, height, params.border_share):
            out.append(_segment(t, (0.0, 0.0, float(width), float(height)), (fa + 1, fb - 1),
                                ra.score, LOST_REASON, whole_frame=True))
    k_last, last_frame, last = hits[-1]
    out.append(_segment(t, grow_box(last.box, params.grow), (last_frame, last_frame), last.score, reason))
    forward = params.hold_frames
    if _near_border(last.box, width, height, params.border_share):
        forward = max(forward, params.edge_hold_frames)  # leaving: partly visible a while longer
    after = min(shot_end, last_frame + forward)
    if after > last_frame:
        out.append(_segment(t, grow_box(last.box, params.hold_grow), (last_frame + 1, after),
                            last.score, reason))
    lost = (params.blur_frame_when_lost and last_frame < shot_end
            and k_last < len(keyframes) - 1
            and not _near_border(last.box, width, height, params.border_share))
    if lost:
        until = min(shot_end, last_frame + max(params.lost_frames, 1))
        out.append(_segment(t, (0.0, 0.0, float(width), float(height)), (last_frame + 1, until),
                            last.score, LOST_REASON, whole_frame=True))
    return out


def build_track_regions(detections: dict[int, list[Region]], keyframes: list[int],
                        shot_starts: list[int], frame_count: int, width: int, height: int,
                        params: TrackParams, first_track_id: int = 1) -> list[Region]:
    """Regions covering every frame of every track, from detections on `keyframes`.

    `shot_starts` lists the first frame of each shot (0 included); tracks never cross them.
    Every shot's first and last frame should be keyframes so nothing is extrapolated.
    """
    starts = sorted(set([0] + [s for s in shot_starts if 0 < s < frame_count]))
    ends = [s - 1 for s in starts[1:]] + [frame_count - 1]
    next_id = [first_track_id]
    regions: list[Region] = []
    for shot in zip(starts, ends):
        shot_keys = sorted(k for k in keyframes if shot[0] <= k <= shot[1])
        for t in _link_shot(shot_keys, detections, params, next_id):
            regions.extend(_track_regions(t, shot, shot_keys, width, height, params))
    return regions


def regions_by_frame(regions: list[Region], frame_count: int) -> list[list[Region]]:
    """For each frame, the Regions whose span contains it (spanless Regions cover all frames)."""
    table: list[list[Region]] = [[] for _ in range(frame_count)]
    for r in regions:
        a, b = r.frame_span if r.frame_span is not None else (0, frame_count - 1)
        for f in range(max(0, a), min(frame_count - 1, b) + 1):
            table[f].append(r)
    return table


def track_ids(regions: list[Region]) -> list[int]:
    return sorted({r.track_id for r in regions if r.track_id is not None})


def regions_at(regions: list[Region], frame: int) -> list[Region]:
    """The Regions drawn on `frame` (for the editor's current frame and the preview)."""
    return [r for r in regions if r.frame_span is None or r.frame_span[0] <= frame <= r.frame_span[1]]


def set_track_decision(regions: list[Region], track_id: int, decision: Decision,
                       by: DecidedBy = DecidedBy.REVIEWER) -> int:
    """Keep or redact a whole track (every Region with that track_id); returns how many changed."""
    changed = 0
    for r in regions:
        if r.track_id == track_id:
            r.set_decision(decision, by)
            changed += 1
    return changed
