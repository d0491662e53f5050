"""Face detection with CenterFace (ONNX, onnxruntime on CPU), multi-scale and tiled.

Why several scales: CenterFace finds faces from about 20 px high in its own input up to
faces filling it. Event and crowd photos hold faces from ~10 px (a crowd at the back of
a hall) to the whole frame (a close-up), so the picture is analysed at a "detail" scale
(upscaled when the photo is small, so 10 px faces become ~20 px) and at coarser scales
for big faces. Large inputs are cut into overlapping tiles so memory stays bounded and
faces cut by a tile edge are seen whole in a neighbour; all detections are merged with
NMS. Small photos are also searched turned 90, 180 and 270 degrees at every scale, large
ones at the coarser scales (a patient lying in bed; np.rot90, so boxes map back exactly),
and turned 45, 135, 225 and 315 degrees within a smaller budget (a face slanted between two
quarter turns; the photo is warped onto a canvas that holds it).

Each merged box gets a calibrated confidence (face_config.Calibration: the share of such
boxes that were real faces on a tuning set) from its heatmap score, size, whether it was
found upright and how many passes found it; the sensitivity level is a bar on that
confidence, and a second bar splits "face" from "possible face" (Region.tier). A missed
face is the worst failure, so the default (HIGH) bar is low: extra boxes cost the reviewer
a click.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from ..cpu import inference_threads
from ..model_store import load_model_bytes
from . import face_config
from ..regions import Kind, Region, Shape, Tier, grow_box
from ..settings import Settings
from .analysis import ImageAnalysis

MODEL_NAME = "centerface"
INPUT_NAME = "input.1"
OUTPUT_NAMES = ["537", "538", "539"]  # heatmap, log-scale, offset (landmarks unused)
STRIDE = 4          # heatmap cell size in input pixels
INPUT_MULTIPLE = 32  # network input sides must be multiples of this

# Smallest face height (input pixels) the network finds reliably; sets the detail scale.
MODEL_MIN_FACE = 20.0
# Never upscale beyond this: past it the network sees only interpolation, not detail.
# (2.5x for photos under ~0.4 MP, the smallest face then 25 network px, measured 2026-12-07 on
# the crowd photos at HIGH: all faces 0.870 -> 0.902, but faces >= 10 px 0.967 -> 0.962 and
# false redaction 0.092 -> 0.096; bench/faces_eval.py with the two constants patched.)
MAX_UPSCALE = 2.0
# The coarsest pass sees the whole photo at this long side: faces filling the frame, and
# faces on posters and banners, score best there (measured on the WIDER corpus).
OVERVIEW_LONG_SIDE = 208
# Consecutive scales differ by at most this factor (CenterFace copes with ~4x per pass).
MAX_SCALE_RATIO = 3.5
# Tiles: side in network pixels, and overlap so a face on a tile edge is whole in a neighbour.
TILE_SIDE = 1920  # a 1080p photo is one tile; peak memory ~0.6 GB at 1920x1920
# (Taller tiles were tried for 12 MP, 2 of 1440x2048 for its 2701x2025 pass instead of 4 of
# 1440x1088, 6 % fewer network pixels: no faster, x1.015 back to back, 2026-12-07.)
TILE_OVERLAP = 128
# Merging: boxes overlapping this much (IoU), or this share of the smaller one, are one face.
NMS_IOU = 0.3
NMS_CONTAINED = 0.7
# A diagonal and a quarter-turn box are one face from this share of the smaller one (see
# merge_boxes). Measured at keep 0.08 with a first refit of the calibration (2026-12-07),
# false redaction on the crowd photos at the same 0.967 of faces >= 10 px hidden: 0.7 (as for
# any two boxes) 0.1005, 0.5 0.0968, 0.4 0.0961, 0.3 0.0951; on the tuning half, crowd photos
# / their 45-degree copies: 0.5 0.0886 / 0.0423, 0.4 0.0879 / 0.0415, 0.3 0.0873 / 0.0414,
# 0.2 0.0872 / 0.0411, faces hidden the same (0.3 hid the most of all sizes when slanted).
NMS_CONTAINED_ACROSS_LOOKS = 0.3
# A face whose box, grown by this share on each side, runs past the photo's edge is taken as
# cut by it (covered by a rectangle). The margin every face had before the levels had their own.
CUT_FACE_MARGIN = 0.22
MIN_FACE_PX = 4.0  # detections smaller than this (display pixels) are heatmap noise


@dataclass(frozen=True)
class ScalePlan:
    """Which scales a photo is analysed at (the same at every sensitivity level: a level is
    a bar on the calibrated confidence, face_config.LEVELS, not a different search)."""
    min_face_px: float      # smallest face (display px) the detail scale is chosen for
    # Inference budget in network megapixels: base + per_mp x photo megapixels. Bounds
    # the detail scale on large photos (time grows with network pixels).
    budget_base_mp: float
    budget_per_mp: float
    # ... and never more than this: past it a photo's faces are large enough in pixels (see below).
    budget_max_mp: float


# The budget puts the detail pass at 1.0x on 1080p (faces from ~20 px) and 0.63x on 12 MP
# (from ~32 px, 1.1% of the height), to keep within 0.3 s and 1 s on two cores; photos under
# ~0.35 MP get the full 2x upscale (faces from 10 px). The cap binds above ~10 MP. At 12 MP,
# 0.63x (4.8 network MP) also needs one coarser pass fewer than the uncapped 0.675x: measured
# 2026-12-07, bench/bench_faces.py 12 MP 1.05 / 1.35 s -> 0.91 / 1.14 s back to back on a busy
# machine (CPU 1.94 / 2.39 s -> 1.65 / 1.96 s), the planted faces all found; on the
# original-resolution crowd photos enlarged to 12 MP (bench/make_enlarged.py, then
# bench/faces_eval.py --corpus, HIGH) faces hidden 0.952 -> 0.953, false redaction 0.043 -> 0.045.
# (A cap of 4.4, 0.61x: 0.88-0.92 s, but one of the bench's 36 px planted faces was missed.)
SCALE_PLAN = ScalePlan(min_face_px=10.0, budget_base_mp=1.27, budget_per_mp=0.35, budget_max_mp=4.8)


@dataclass
class Timings:
    """Where the time went in the last detect() (seconds), for bench/bench_faces.py."""
    passes: list[dict] = field(default_factory=list)  # per scale: size, tiles, prep, infer, decode, cpu
    resize: float = 0.0
    merge: float = 0.0
    total: float = 0.0
    cpu: float = 0.0  # process CPU seconds (all threads): comparable on a busy machine


# ---------------------------------------------------------------- model session

# Tried and not used: CenterFace quantised to int8 (onnxruntime static QDQ, per-channel
# weights, MinMax calibration on tuning-half crowd photos; opset 9 -> 13 first). A 1920 x 1088
# pass took 0.74-0.77x the time (this machine has AVX2, no VNNI), but heatmap peaks moved by
# 0.05-0.25, and on the crowd photos (faces only, HIGH) faces >= 10 px hidden fell 0.970 ->
# 0.941 and all faces 0.872 -> 0.817; turned 90 degrees 0.966 -> 0.932 (2026-12-06/07).
@lru_cache(maxsize=1)
def _session():
    """One onnxruntime session per process, built from verified model bytes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Two threads: the target workstations have few cores, and more threads than cores
    # only adds contention with the UI and the other detectors.
    options.intra_op_num_threads = inference_threads()  # 2, fewer in a batch worker
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # No busy-waiting between operators: the cores are shared with the UI and other work,
    # and on CenterFace's large operators spinning bought no speed (measured).
    # (Two one-thread sessions running two tiles at once took 0.72-1.02x the time of this
    # session running four 1440 x 1088 tiles one after another, median 0.90 over ten rounds
    # back to back, 2026-12-07: too little for a second session and a pool.)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(load_model_bytes(MODEL_NAME), options, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------- scale plan

def plan_scales(width: int, height: int, tuning: ScalePlan = SCALE_PLAN,
                budget_mp: float | None = None) -> list[float]:
    """Scales (network px per display px) to analyse a width x height photo at, finest first.
    `budget_mp` (network megapixels for the finest pass) replaces the tuning's budget."""
    pixels = float(width * height)
    if budget_mp is None:
        budget_mp = min(tuning.budget_base_mp + tuning.budget_per_mp * pixels / 1e6, tuning.budget_max_mp)
    detail = min(MODEL_MIN_FACE / tuning.min_face_px, MAX_UPSCALE, math.sqrt(budget_mp * 1e6 / pixels))
    if abs(detail - 1.0) < 0.05:
        detail = 1.0  # a resize for a 5% change costs more than it brings
    overview = min(1.0, OVERVIEW_LONG_SIDE / max(width, height))
    scales = [detail]
    # Coarser passes down to the overview, no two further apart than MAX_SCALE_RATIO.
    while scales[-1] / overview > 1.05:
        steps = math.ceil(math.log(scales[-1] / overview) / math.log(MAX_SCALE_RATIO))
        scales.append(scales[-1] / (scales[-1] / overview) ** (1.0 / steps))
    return scales


def plan_turned_scales(width: int, height: int, tuning: ScalePlan = SCALE_PLAN,
                       plan: face_config.RotationPlan = face_config.ROTATION) -> list[float]:
    """Scales of the passes over the photo turned 90, 180 and 270 degrees (each scale runs
    three times): the upright plan on small photos, else with RotationPlan's smaller budget
    for the finest pass."""
    megapixels = width * height / 1e6
    if megapixels <= plan.full_plan_max_mp:
        return plan_scales(width, height, tuning)
    return plan_scales(width, height, tuning, budget_mp=plan.budget_base_mp + plan.budget_per_mp * megapixels)


def plan_diagonal_scales(width: int, height: int, tuning: ScalePlan = SCALE_PLAN,
                          plan: face_config.RotationPlan = face_config.ROTATION) -> list[float]:
    """Scales of the passes over the photo turned 45, 135, 225 and 315 degrees (each scale runs
    four times, on a canvas about twice the scaled photo's area): RotationPlan's diagonal
    budget for the finest pass, never finer than the turned passes'."""
    megapixels = width * height / 1e6
    turned_budget = plan_turned_scales(width, height, tuning, plan)[0] ** 2 * megapixels
    if megapixels <= plan.full_plan_max_mp:
        budget = min(plan.diagonal_small_budget_mp, turned_budget)
    else:
        budget = plan.diagonal_share_of_turned * turned_budget
    budget *= min(1.0, plan.diagonal_max_canvas_ratio / diagonal_canvas_ratio(width, height))
    return plan_scales(width, height, tuning, budget_mp=budget)


def plan_mirror(width: int, height: int, look: face_config.MirrorLook = face_config.MIRROR) -> bool:
    """Whether the finest upright pass is also run on the photo mirrored left to right."""
    return look.enabled and width * height / 1e6 <= look.max_mp


def diagonal_canvas_ratio(width: int, height: int) -> float:
    """Area of the 45-degree canvas that holds a width x height photo, over the photo's."""
    return (width + height) ** 2 / (2.0 * max(width * height, 1))


def tile_spans(length: int) -> list[tuple[int, int]]:
    """(start, size) of the tiles covering `length` network pixels along one axis.

    As few tiles as TILE_SIDE allows, all the same size and just large enough that
    neighbours overlap by TILE_OVERLAP (no tile wider than needed: inference time is
    proportional to pixels).
    """
    if length <= TILE_SIDE:
        return [(0, length)]
    count = math.ceil((length - TILE_OVERLAP) / (TILE_SIDE - TILE_OVERLAP))
    size = math.ceil((length + (count - 1) * TILE_OVERLAP) / count / INPUT_MULTIPLE) * INPUT_MULTIPLE
    size = min(size, length)
    starts = [round(i * (length - size) / (count - 1)) for i in range(count)]
    return [(start, size) for start in starts]


def _pad_to_multiple(tile: np.ndarray) -> np.ndarray:
    h, w = tile.shape[:2]
    ph, pw = (-h) % INPUT_MULTIPLE, (-w) % INPUT_MULTIPLE
    if ph or pw:
        tile = cv2.copyMakeBorder(tile, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0)
    return tile


# ---------------------------------------------------------------- decoding

# Columns of a candidate row (display pixels once mapped back).
X0, Y0, X1, Y1, SCORE, PASS, UPRIGHT, SUPPORT = range(8)
N_COLUMNS = 8


def _decode(outputs: list[np.ndarray], floor: float) -> np.ndarray:
    """Heatmap peaks above `floor` as candidate rows in network pixels."""
    heatmap, log_scale, offset = outputs[0][0, 0], outputs[1][0], outputs[2][0]
    ys, xs = np.nonzero(heatmap > floor)
    rows = np.zeros((len(ys), N_COLUMNS), np.float32)
    if len(ys) == 0:
        return rows
    box_h = np.exp(log_scale[0, ys, xs]) * STRIDE
    box_w = np.exp(log_scale[1, ys, xs]) * STRIDE
    cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
    cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
    rows[:, X0], rows[:, Y0] = cx - box_w / 2, cy - box_h / 2
    rows[:, X1], rows[:, Y1] = cx + box_w / 2, cy + box_h / 2
    rows[:, SCORE] = heatmap[ys, xs]
    return rows


def unturn_boxes(rows: np.ndarray, turns: int, width: int, height: int) -> np.ndarray:
    """Map boxes found in np.rot90(photo, turns) back to the width x height photo (in place).

    np.rot90 turns anticlockwise: with turns=1 the turned pixel (x', y') is the photo's
    (width - y', x'), and so on; exact, since a quarter turn moves whole pixels.
    """
    x0, y0, x1, y1 = (rows[:, c].copy() for c in (X0, Y0, X1, Y1))
    if turns == 1:
        rows[:, X0], rows[:, X1], rows[:, Y0], rows[:, Y1] = width - y1, width - y0, x0, x1
    elif turns == 2:
        rows[:, X0], rows[:, X1], rows[:, Y0], rows[:, Y1] = width - x1, width - x0, height - y1, height - y0
    elif turns == 3:
        rows[:, X0], rows[:, X1], rows[:, Y0], rows[:, Y1] = y0, y1, height - x1, height - x0
    return rows


def diagonal_canvas(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`image` turned 45 degrees clockwise onto a canvas that holds all of it (corners black),
    and the 2 x 3 matrix taking canvas pixels back to the image's."""
    height, width = image.shape[:2]
    side_w = math.ceil((width + height) * math.sqrt(0.5))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -45.0, 1.0)
    matrix[0, 2] += side_w / 2 - width / 2
    matrix[1, 2] += side_w / 2 - height / 2
    canvas = cv2.warpAffine(image, matrix, (side_w, side_w), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return canvas, cv2.invertAffineTransform(matrix)


def undiagonal_boxes(rows: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Map boxes found on a diagonal canvas back to the image (in place): each box's centre
    through `back`, and the box becomes the one around the face's ellipse (the box's inscribed
    ellipse) turned 45 degrees, whose sides are both sqrt((a^2 + b^2) / 2) x 2."""
    cx, cy = (rows[:, X0] + rows[:, X1]) / 2, (rows[:, Y0] + rows[:, Y1]) / 2
    a, b = (rows[:, X1] - rows[:, X0]) / 2, (rows[:, Y1] - rows[:, Y0]) / 2
    half = np.sqrt((a * a + b * b) / 2)
    ox = back[0, 0] * cx + back[0, 1] * cy + back[0, 2]
    oy = back[1, 0] * cx + back[1, 1] * cy + back[1, 2]
    rows[:, X0], rows[:, X1], rows[:, Y0], rows[:, Y1] = ox - half, ox + half, oy - half, oy + half
    return rows


def is_diagonal(rows: np.ndarray) -> np.ndarray:
    """Whether each candidate row was found by a diagonal pass."""
    return rows[:, PASS] >= 4 * DIAGONAL_PASS_BASE


def merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Greedy NMS over (x0, y0, x1, y1, score, ...) rows, highest score first (turned
    passes' scores discounted by face_config.TURNED_RANK).

    A box is dropped when it overlaps a kept one by NMS_IOU, or when most of it lies
    inside a kept one (the half of a face a tile edge cut, a nose found as a small face).
    Full candidate rows (N_COLUMNS) also get SUPPORT: how many distinct passes (scale and
    turn) found the kept box (overlap >= NMS_IOU), the same face seen again at another
    scale or turn being evidence that it is a face.
    """
    if len(boxes) == 0:
        return boxes
    with_passes = boxes.shape[1] >= N_COLUMNS
    rank = boxes[:, 4].copy()
    if with_passes:
        # An upright face is also seen, weaker and with a worse-fitting box, by a turned
        # pass: the upright box wins unless the turned one scores clearly higher.
        rank[boxes[:, UPRIGHT] == 0] *= face_config.TURNED_RANK
    order = np.argsort(-rank, kind="stable")
    boxes = boxes[order]
    diagonal = is_diagonal(boxes) if with_passes else np.zeros(len(boxes), bool)
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    alive = np.ones(len(boxes), bool)
    keep: list[int] = []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        keep.append(i)
        rest = np.nonzero(alive[i + 1:])[0] + i + 1
        if with_passes:
            boxes[i, SUPPORT] = 1
        if len(rest) == 0:
            break
        iw = np.clip(np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]), 0, None)
        ih = np.clip(np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]), 0, None)
        inter = iw * ih
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-6)
        contained = inter / np.maximum(np.minimum(areas[i], areas[rest]), 1e-6)
        same = iou >= NMS_IOU
        inside = contained >= NMS_CONTAINED
        if with_passes:
            # A face slanted 45 degrees is boxed tightly by a diagonal pass and loosely, off
            # centre, by a quarter-turn one: across the two, a third of the smaller box inside
            # the other is enough.
            across = diagonal[rest] != diagonal[i]
            inside |= across & (contained >= NMS_CONTAINED_ACROSS_LOOKS)
        alive[rest[same | inside]] = False
        if with_passes:
            passes = set(boxes[rest[same], PASS].astype(int).tolist()) - {int(boxes[i, PASS])}
            boxes[i, SUPPORT] = 1 + len(passes)
    return boxes[keep]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def features(rows: np.ndarray, calibration: face_config.Calibration = face_config.CALIBRATION) -> np.ndarray:
    """The calibration's inputs for merged candidate rows (face_config.Calibration lists them)."""
    height = np.maximum(rows[:, Y1] - rows[:, Y0], 1.0)
    width = np.maximum(rows[:, X1] - rows[:, X0], 1.0)
    diagonal = is_diagonal(rows)
    # The face's own height is the box side along its upright axis: the box's width for a
    # face found turned a quarter. A diagonal pass's box is square (the box around the turned
    # face), within 10 % of the face's height.
    face_h = np.where(~diagonal & (rows[:, PASS].astype(int) % 2 == 1), width, height)
    return np.stack([
        _logit(rows[:, SCORE]),
        np.log2(np.minimum(face_h, calibration.max_face_px)),
        rows[:, UPRIGHT],
        diagonal.astype(np.float32),
        np.log2(np.maximum(rows[:, SUPPORT], 1)),
        np.ones(len(rows), np.float32),
    ], axis=1).astype(np.float64)


def confidence(rows: np.ndarray, calibration: face_config.Calibration = face_config.CALIBRATION) -> np.ndarray:
    """Calibrated P(face) per merged candidate row."""
    z = features(rows, calibration) @ np.asarray(calibration.weights, np.float64)
    knots = np.asarray(calibration.isotonic, np.float64)
    return np.interp(1.0 / (1.0 + np.exp(-z)), knots[:, 0], knots[:, 1])


# ---------------------------------------------------------------- detector

def _as_rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB)
    return pixels


class FaceDetector:
    """CenterFace at several scales, tiles, quarter turns and diagonals; Regions of kind FACE
    drawn as ellipses, each with a calibrated confidence and a tier."""

    name = "faces"

    def __init__(self) -> None:
        self.last_timings = Timings()
        self.last_candidates = np.empty((0, N_COLUMNS), np.float32)  # merged rows of the last detect()
        self._lock = threading.Lock()  # last_timings only; the session itself is thread-safe

    def detect(self, analysis: ImageAnalysis, settings: Settings, scales: list[float] | None = None,
               turned_scales: list[float] | None = None,
               diagonal_scales: list[float] | None = None) -> list[Region]:
        """Faces in the analysed picture. `scales` (finest first) replaces the photo scale plan,
        `turned_scales` the plan of the passes over the photo turned 90, 180 and 270 degrees and
        `diagonal_scales` that of the passes turned 45, 135, 225 and 315 (with `scales` given,
        only the plans given run, and no mirrored look): video keyframes use a cheaper plan,
        with the same decoding, merging, confidence and box shapes."""
        started, cpu_started = time.perf_counter(), time.process_time()
        rgb = _as_rgb(analysis.rgb)
        height, width = rgb.shape[:2]
        mirror = False
        if scales is None:
            mirror = plan_mirror(width, height)
            scales = plan_scales(width, height)
            if turned_scales is None and face_config.ROTATION.enabled:
                turned_scales = plan_turned_scales(width, height)
            if diagonal_scales is None and face_config.ROTATION.enabled and face_config.ROTATION.diagonal_enabled:
                diagonal_scales = plan_diagonal_scales(width, height)
        timings = Timings()
        merged = self._candidates(rgb, scales, turned_scales or [], diagonal_scales or [], timings, mirror)
        t_merge = time.perf_counter()
        regions = self._regions(merged, face_config.LEVELS[settings.sensitivity], width, height)
        timings.merge += time.perf_counter() - t_merge
        timings.total = time.perf_counter() - started
        timings.cpu = time.process_time() - cpu_started
        with self._lock:
            self.last_timings = timings
            self.last_candidates = merged
        return regions

    def _candidates(self, rgb: np.ndarray, scales: list[float], turned_scales: list[float],
                    diagonal_scales: list[float], timings: Timings, mirror: bool = False) -> np.ndarray:
        """Every pass's heatmap peaks above the candidate floor, in display pixels, merged."""
        found = self.raw_candidates(rgb, scales, turned_scales, timings, diagonal_scales, mirror)
        t_merge = time.perf_counter()
        merged = merge_boxes(found)
        timings.merge = time.perf_counter() - t_merge
        return merged

    @staticmethod
    def raw_candidates(rgb: np.ndarray, scales: list[float], turned_scales: list[float],
                       timings: Timings, diagonal_scales: list[float] | None = None,
                       mirror: bool = False) -> np.ndarray:
        """Every pass's heatmap peaks above the candidate floor, in display pixels. `mirror`:
        the finest upright pass also looks at the photo mirrored (face_config.MirrorLook)."""
        session = _session()
        found = []
        for first_pass, plan, turns in ((0, scales, (0,)), (TURNED_PASS_BASE, turned_scales, (1, 2, 3)),
                                        (DIAGONAL_PASS_BASE, diagonal_scales or [], (0, 1, 2, 3))):
            diagonal = first_pass == DIAGONAL_PASS_BASE
            source, source_scale = rgb, 1.0
            for i, scale in enumerate(plan):
                scaled = _resize(source, scale / source_scale, timings)
                # Diagonal passes look at the canvas turned 45 degrees, then by quarters of it.
                base, back = diagonal_canvas(scaled) if diagonal else (scaled, np.eye(2, 3))
                for k in turns:
                    image = base if k == 0 else np.ascontiguousarray(np.rot90(base, k))
                    rows = _run_pass(session, image, timings)
                    unturn_boxes(rows, k, base.shape[1], base.shape[0])
                    if diagonal:
                        undiagonal_boxes(rows, back)
                    rows[:, :4] /= np.float32(scale)
                    rows[:, PASS] = 4 * (first_pass + i) + k
                    rows[:, UPRIGHT] = 1.0 if (k == 0 and not diagonal) else 0.0
                    timings.passes[-1].update(scale=round(scale, 3), degrees=(90 * k - 45) % 360 if diagonal else 90 * k)
                    found.append(rows)
                if mirror and first_pass == 0 and i == 0:
                    found.append(_mirrored_pass(session, scaled, scale, timings))
                if scale < 1.0:
                    # Coarser passes shrink this pass's (downscaled) image, not the full photo:
                    # on a 12 MP photo that saves reading 12 MP per pass.
                    source, source_scale = scaled, scale
        return np.concatenate(found) if found else np.empty((0, N_COLUMNS), np.float32)

    @staticmethod
    def _regions(merged: np.ndarray, level: face_config.Level, width: int, height: int) -> list[Region]:
        """Regions for the merged candidates the level keeps, with confidence and tier."""
        regions = []
        for row, conf in zip(merged, confidence(merged)):
            face_w, face_h = float(row[X1] - row[X0]), float(row[Y1] - row[Y0])
            if conf < level.keep or min(face_w, face_h) < MIN_FACE_PX:
                continue
            # Grow the model's estimate of the whole face, even where it runs past the edge.
            box = grow_box((float(row[X0]), float(row[Y0]), face_w, face_h), level.margin)
            # A face cut by the border is covered by a rectangle: an ellipse fitted into the
            # clipped box would leave the face's corners at the edge uncovered. The network's
            # box of a cut face stops near the edge, so "cut" is judged with a wider margin.
            bx, by, bw, bh = grow_box((float(row[X0]), float(row[Y0]), face_w, face_h),
                                      max(level.margin, CUT_FACE_MARGIN))
            inside = bx >= 0 and by >= 0 and bx + bw <= width and by + bh <= height
            shape = Shape.ELLIPSE if inside else Shape.RECT
            tier = Tier.CERTAIN if conf >= level.certain else Tier.POSSIBLE
            region = Region(kind=Kind.FACE, box=box, score=float(conf), reason="face", shape=shape, tier=tier)
            clipped = region.clipped(width, height)
            if clipped is not None:
                regions.append(clipped)
        return regions


# Pass numbers of the turned passes start here (PASS = 4 x pass number + quarter turns), and
# those of the diagonal passes (quarter turns of the 45-degree canvas) here. The mirrored look
# is an upright pass: the last number before the turned ones (a plan has far fewer scales).
TURNED_PASS_BASE = 16
DIAGONAL_PASS_BASE = 32
MIRRORED_PASS = TURNED_PASS_BASE - 1


def _mirrored_pass(session, scaled: np.ndarray, scale: float, timings: Timings) -> np.ndarray:
    """Candidate rows of the photo (already at `scale`) mirrored left to right, mapped back."""
    width = scaled.shape[1]
    rows = _run_pass(session, np.ascontiguousarray(scaled[:, ::-1]), timings)
    rows[:, X0], rows[:, X1] = width - rows[:, X1], width - rows[:, X0]
    rows[:, :4] /= np.float32(scale)
    rows[:, PASS] = 4 * MIRRORED_PASS
    rows[:, UPRIGHT] = 1.0
    timings.passes[-1].update(scale=round(scale, 3), degrees=0, mirrored=True)
    return rows


def _resize(rgb: np.ndarray, scale: float, timings: Timings) -> np.ndarray:
    t0 = time.perf_counter()
    height, width = rgb.shape[:2]
    net_w, net_h = max(1, round(width * scale)), max(1, round(height * scale))
    if (net_w, net_h) == (width, height):
        return rgb
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(rgb, (net_w, net_h), interpolation=interpolation)
    timings.resize += time.perf_counter() - t0
    return scaled


def _run_pass(session, image: np.ndarray, timings: Timings) -> np.ndarray:
    """Candidate rows found in `image` (network pixels = image pixels), all tiles."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    net_h, net_w = image.shape[:2]
    prep = infer = decode = 0.0
    found = []
    tiles = 0
    for ty, th in tile_spans(net_h):
        for tx, tw in tile_spans(net_w):
            t1 = time.perf_counter()
            tile = _pad_to_multiple(image[ty:ty + th, tx:tx + tw])
            blob = np.ascontiguousarray(tile.transpose(2, 0, 1)[None], dtype=np.float32)
            t2 = time.perf_counter()
            outputs = session.run(OUTPUT_NAMES, {INPUT_NAME: blob})
            t3 = time.perf_counter()
            rows = _decode(outputs, face_config.CANDIDATE_FLOOR)
            rows[:, [X0, X1]] += tx
            rows[:, [Y0, Y1]] += ty
            found.append(rows)
            t4 = time.perf_counter()
            prep += t2 - t1
            infer += t3 - t2
            decode += t4 - t3
            tiles += 1
    timings.passes.append({"size": (net_w, net_h), "tiles": tiles, "prep": prep, "infer": infer,
                           "decode": decode, "cpu": time.process_time() - cpu0,
                           "wall": time.perf_counter() - t0})
    return np.concatenate(found)
