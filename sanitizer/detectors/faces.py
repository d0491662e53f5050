"""Face detection with CenterFace (ONNX, onnxruntime on CPU), multi-scale and tiled.

Why several scales: CenterFace finds faces from about 20 px high in its own input up to
faces filling it. Event and crowd photos hold faces from ~10 px (a crowd at the back of
a hall) to the whole frame (a close-up), so the picture is analysed at a "detail" scale
(upscaled when the photo is small, so 10 px faces become ~20 px) and at coarser scales
for big faces. Large inputs are cut into overlapping tiles so memory stays bounded and
faces cut by a tile edge are seen whole in a neighbour; all detections are merged with
NMS. A missed face is the worst failure, so the default (HIGH) threshold is low: extra
boxes cost the reviewer a click.
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
from ..regions import Kind, Region, Shape, grow_box
from ..settings import Sensitivity, Settings
from .analysis import ImageAnalysis

MODEL_NAME = "centerface"
INPUT_NAME = "input.1"
OUTPUT_NAMES = ["537", "538", "539"]  # heatmap, log-scale, offset (landmarks unused)
STRIDE = 4          # heatmap cell size in input pixels
INPUT_MULTIPLE = 32  # network input sides must be multiples of this

# Smallest face height (input pixels) the network finds reliably; sets the detail scale.
MODEL_MIN_FACE = 20.0
# Never upscale beyond this: past it the network sees only interpolation, not detail.
MAX_UPSCALE = 2.0
# The coarsest pass sees the whole photo at this long side: faces filling the frame, and
# faces on posters and banners, score best there (measured on the WIDER corpus).
OVERVIEW_LONG_SIDE = 208
# Consecutive scales differ by at most this factor (CenterFace copes with ~4x per pass).
MAX_SCALE_RATIO = 3.5
# Tiles: side in network pixels, and overlap so a face on a tile edge is whole in a neighbour.
TILE_SIDE = 1920  # a 1080p photo is one tile; peak memory ~0.6 GB at 1920x1920
TILE_OVERLAP = 128
# Merging: boxes overlapping this much (IoU), or this share of the smaller one, are one face.
NMS_IOU = 0.3
NMS_CONTAINED = 0.7
# Boxes are grown by this share of their size on each side. Above (sqrt(2) - 1) / 2 = 0.207
# the ellipse drawn inside the grown box contains the face box's corners too.
BOX_MARGIN = 0.22
SMALL_FACE_NET_PX = 40.0  # see Tuning.threshold
MIN_FACE_PX = 4.0  # detections smaller than this (display pixels) are heatmap noise


@dataclass(frozen=True)
class Tuning:
    """What one sensitivity level means."""
    # Heatmap score a small face (< SMALL_FACE_NET_PX high in the network input) must reach
    # in the detail pass: such faces are seen by no other pass and score low.
    threshold: float
    # Score every other box must reach: larger faces score higher, and a low bar there
    # only adds big false boxes (a coffee cup, a cat).
    coarse_threshold: float
    min_face_px: float      # smallest face (display px) the detail scale is chosen for
    # Inference budget in network megapixels: base + per_mp x photo megapixels. Bounds
    # the detail scale on large photos (time grows with network pixels).
    budget_base_mp: float
    budget_per_mp: float


TUNINGS: dict[Sensitivity, Tuning] = {
    # HIGH: measured on the WIDER dev half (bench/faces_eval.py), 0.07/0.10 hides ~1 point
    # more faces >= 10 px than 0.10/0.10 for ~1 point more false redaction.
    # The budget puts the detail pass at 1.0x on 1080p (faces from ~20 px) and ~0.7x on
    # 12 MP (from ~30 px, 1% of the height), to keep within 0.3 s and 1 s on two cores;
    # photos under ~0.6 MP get the full 2x upscale (faces from 10 px).
    Sensitivity.HIGH: Tuning(threshold=0.07, coarse_threshold=0.10, min_face_px=10.0,
                             budget_base_mp=1.27, budget_per_mp=0.35),
    Sensitivity.MEDIUM: Tuning(threshold=0.15, coarse_threshold=0.20, min_face_px=12.0,
                               budget_base_mp=1.0, budget_per_mp=0.3),
    Sensitivity.LOW: Tuning(threshold=0.35, coarse_threshold=0.40, min_face_px=16.0,
                            budget_base_mp=0.8, budget_per_mp=0.2),
}


@dataclass
class Timings:
    """Where the time went in the last detect() (seconds), for bench/bench_faces.py."""
    passes: list[dict] = field(default_factory=list)  # per scale: size, tiles, prep, infer, decode, cpu
    merge: float = 0.0
    total: float = 0.0
    cpu: float = 0.0  # process CPU seconds (all threads): comparable on a busy machine


# ---------------------------------------------------------------- model session

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
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(load_model_bytes(MODEL_NAME), options, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------- scale plan

def plan_scales(width: int, height: int, tuning: Tuning) -> list[float]:
    """Scales (network px per display px) to analyse a width x height photo at, finest first."""
    pixels = float(width * height)
    budget = (tuning.budget_base_mp + tuning.budget_per_mp * pixels / 1e6) * 1e6
    detail = min(MODEL_MIN_FACE / tuning.min_face_px, MAX_UPSCALE, math.sqrt(budget / pixels))
    if abs(detail - 1.0) < 0.05:
        detail = 1.0  # a resize for a 5% change costs more than it brings
    overview = min(1.0, OVERVIEW_LONG_SIDE / max(width, height))
    scales = [detail]
    # Coarser passes down to the overview, no two further apart than MAX_SCALE_RATIO.
    while scales[-1] / overview > 1.05:
        steps = math.ceil(math.log(scales[-1] / overview) / math.log(MAX_SCALE_RATIO))
        scales.append(scales[-1] / (scales[-1] / overview) ** (1.0 / steps))
    return scales


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

def _decode(outputs: list[np.ndarray], small_threshold: float, threshold: float) -> np.ndarray:
    """Heatmap peaks as rows (x0, y0, x1, y1, score) in network pixels.

    A peak counts when it reaches `threshold`, or `small_threshold` for a box less than
    SMALL_FACE_NET_PX high.
    """
    heatmap, log_scale, offset = outputs[0][0, 0], outputs[1][0], outputs[2][0]
    ys, xs = np.nonzero(heatmap > min(small_threshold, threshold))
    if len(ys) == 0:
        return np.empty((0, 5), np.float32)
    box_h = np.exp(log_scale[0, ys, xs]) * STRIDE
    keep = (heatmap[ys, xs] > threshold) | (box_h < SMALL_FACE_NET_PX)
    ys, xs, box_h = ys[keep], xs[keep], box_h[keep]
    box_w = np.exp(log_scale[1, ys, xs]) * STRIDE
    cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
    cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
    return np.stack([cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2,
                     heatmap[ys, xs]], axis=1).astype(np.float32)


def merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Greedy NMS over (x0, y0, x1, y1, score) rows, highest score first.

    A box is dropped when it overlaps a kept one by NMS_IOU, or when most of it lies
    inside a kept one (the half of a face a tile edge cut, a nose found as a small face).
    """
    if len(boxes) == 0:
        return boxes
    order = np.argsort(-boxes[:, 4])
    boxes = boxes[order]
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    alive = np.ones(len(boxes), bool)
    keep: list[int] = []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        keep.append(i)
        rest = np.nonzero(alive[i + 1:])[0] + i + 1
        if len(rest) == 0:
            break
        iw = np.clip(np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]), 0, None)
        ih = np.clip(np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]), 0, None)
        inter = iw * ih
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-6)
        contained = inter / np.maximum(np.minimum(areas[i], areas[rest]), 1e-6)
        alive[rest[(iou >= NMS_IOU) | (contained >= NMS_CONTAINED)]] = False
    return boxes[keep]


# ---------------------------------------------------------------- detector

def _as_rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB)
    return pixels


class FaceDetector:
    """CenterFace at several scales and tiles; Regions of kind FACE drawn as ellipses."""

    name = "faces"

    def __init__(self) -> None:
        self.last_timings = Timings()
        self._lock = threading.Lock()  # last_timings only; the session itself is thread-safe

    def detect(self, analysis: ImageAnalysis, settings: Settings,
               scales: list[float] | None = None) -> list[Region]:
        """Faces in the analysed picture. `scales` (finest first) replaces the photo scale plan:
        video keyframes use a cheaper plan, with the same decoding, merging and box shapes."""
        started, cpu_started = time.perf_counter(), time.process_time()
        rgb = _as_rgb(analysis.rgb)
        height, width = rgb.shape[:2]
        tuning = TUNINGS[settings.sensitivity]
        timings = Timings()
        session = _session()
        found = []
        source, source_scale = rgb, 1.0
        for i, scale in enumerate(scales or plan_scales(width, height, tuning)):
            small_threshold = tuning.threshold if i == 0 else tuning.coarse_threshold
            boxes, scaled = self._detect_at(session, source, scale / source_scale, small_threshold,
                                            tuning.coarse_threshold, timings)
            boxes[:, :4] /= np.float32(source_scale)
            timings.passes[-1]["scale"] = round(scale, 3)
            found.append(boxes)
            if scale < 1.0:
                # Coarser passes shrink this pass's (downscaled) image, not the full photo:
                # on a 12 MP photo that saves reading 12 MP per pass.
                source, source_scale = scaled, scale
        t_merge = time.perf_counter()
        merged = merge_boxes(np.concatenate(found)) if found else np.empty((0, 5), np.float32)
        regions = []
        for x0, y0, x1, y1, score in merged:
            face_w, face_h = float(x1 - x0), float(y1 - y0)
            if min(face_w, face_h) < MIN_FACE_PX:
                continue
            # Grow the model's estimate of the whole face, even where it runs past the edge.
            box = grow_box((float(x0), float(y0), face_w, face_h), BOX_MARGIN)
            bx, by, bw, bh = box
            inside = bx >= 0 and by >= 0 and bx + bw <= width and by + bh <= height
            # A face cut by the border is covered by a rectangle: an ellipse fitted into the
            # clipped box would leave the face's corners at the edge uncovered.
            shape = Shape.ELLIPSE if inside else Shape.RECT
            region = Region(kind=Kind.FACE, box=box, score=float(score), reason="face", shape=shape)
            clipped = region.clipped(width, height)
            if clipped is not None:
                regions.append(clipped)
        timings.merge = time.perf_counter() - t_merge
        timings.total = time.perf_counter() - started
        timings.cpu = time.process_time() - cpu_started
        with self._lock:
            self.last_timings = timings
        return regions

    @staticmethod
    def _detect_at(session, rgb: np.ndarray, scale: float, small_threshold: float, threshold: float,
                   timings: Timings) -> tuple[np.ndarray, np.ndarray]:
        """Detections at one scale, in `rgb`'s pixels (x0, y0, x1, y1, score), and the scaled image."""
        height, width = rgb.shape[:2]
        t0, cpu0 = time.perf_counter(), time.process_time()
        net_w, net_h = max(1, round(width * scale)), max(1, round(height * scale))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        scaled = rgb if (net_w, net_h) == (width, height) else cv2.resize(rgb, (net_w, net_h), interpolation=interpolation)
        prep = time.perf_counter() - t0
        infer = decode = 0.0
        found = []
        tiles = 0
        for ty, th in tile_spans(net_h):
            for tx, tw in tile_spans(net_w):
                t1 = time.perf_counter()
                tile = _pad_to_multiple(scaled[ty:ty + th, tx:tx + tw])
                blob = np.ascontiguousarray(tile.transpose(2, 0, 1)[None], dtype=np.float32)
                t2 = time.perf_counter()
                outputs = session.run(OUTPUT_NAMES, {INPUT_NAME: blob})
                t3 = time.perf_counter()
                boxes = _decode(outputs, small_threshold, threshold)
                boxes[:, [0, 2]] += tx
                boxes[:, [1, 3]] += ty
                found.append(boxes)
                t4 = time.perf_counter()
                prep += t2 - t1
                infer += t3 - t2
                decode += t4 - t3
                tiles += 1
        boxes = np.concatenate(found)
        boxes[:, :4] /= np.float32(scale)
        timings.passes.append({"size": (net_w, net_h), "tiles": tiles,
                               "prep": prep, "infer": infer, "decode": decode,
                               "cpu": time.process_time() - cpu0})
        return boxes, scaled
