"""PHI-bearing objects found by a learned model, without reading them: documents and charts,
wristbands and labels, screens and monitors, barcodes and QR codes, at any angle.

The model (models/phi_objects.onnx, trained by tools/train_objects.py on photos drawn by
tools/synth_objects.py) outputs one mask per class at 1/4 of its input. The photo is shown at
each of the config's view sizes (a small band is a smudge in the 512 px view it was trained
at, and as large as the bands it learned in the 768 px one), and at 1024 px for wristbands
only (`small_object_long_sides`: bands of a few per cent of the frame). It also looks at the
512 and 768 px views turned 90, 180 and 270 degrees: a page or screen must hold in the mean of
the four looks (`turned_look_classes`: what it sees one way up only is mostly not one), a band
is proposed where any look sees it (`any_look_classes`: small bands often show one way up). A
page or screen seen in the 512 px view must also be seen in the 768 px one (`cross_view_classes`:
what the model sees at the coarse size alone is mostly not one). Each
connected blob of a mask becomes one region whose polygon is the blob's smallest turned
rectangle, grown by a margin, so a turned or tilted object is covered whole; its sightings in
several views become one region.

`find_objects` is a pure function (RGB array + config + session -> regions); ObjectDetector is
the thin wrapper for the registry. It proposes only the classes its config registers
(`ObjectModelConfig.registered_classes`: documents, wristbands and screens; barcodes are left to
zxing and the bar-texture finder) and whose switch is on. Under Standard it finds screens alone
(the rule screen finder stands down, `DetectorConfig.rules_find`; Strict adds the rule finder's
panels); documents and wristbands the rule finders look for too (models/phi_objects.md). It
reads only `analysis.rgb` and `analysis.config`, so it computes nothing shared.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ..cpu import inference_threads
from ..model_store import load_model_bytes
from ..regions import Kind, Region, Shape, Tier
from ..settings import Preset, Settings
from .analysis import ImageAnalysis
from .boxes import overlap
from .config import ObjectModelConfig

MODEL_NAME = "phi_objects"
# Output order of the model's masks (tools/synth_objects.CLASSES).
CLASSES = ("document", "wristband", "screen", "barcode")
_KINDS = {"document": Kind.DOCUMENT, "wristband": Kind.WRISTBAND, "screen": Kind.SCREEN, "barcode": Kind.BARCODE}
# Which settings switch turns each class on.
SWITCH = {"document": "documents", "wristband": "wristbands", "screen": "screens", "barcode": "barcodes"}


DEFAULT_CONFIG = ObjectModelConfig()


@lru_cache(maxsize=1)
def _session():
    """One onnxruntime session per process, built from verified model bytes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = inference_threads()  # as faces.py: 2, fewer in a batch worker
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(load_model_bytes(MODEL_NAME), options, providers=["CPUExecutionProvider"])


def predict_masks(rgb: np.ndarray, long_side: int, config: ObjectModelConfig, session,
                  turned: bool = False, classes: tuple[str, ...] = CLASSES) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-class probabilities (classes, h, w) for the photo shown at `long_side`, where each
    class's blobs may reach (same shape), and that scale (model pixels per photo pixel). Only
    the `classes` asked for are enlarged from the model's quarter size to the photo's (the
    other rows are zero; a class nobody asked for cost a resize per view).

    `turned`: the model also looks at the view turned 90, 180 and 270 degrees. It was trained
    with quarter turns, so a real page or screen is seen every way up, while much of what it
    takes for one is seen one way only: for `config.turned_look_classes` the probability is
    that of the mean of the four looks' logits, and a blob reaches wherever the upright look or
    the mean does (the mean never shrinks what the upright look saw whole). A small band, on
    the other hand, is often seen one way up only: for `config.any_look_classes` the
    probability is the most confident look's.
    """
    height, width = rgb.shape[:2]
    scale = long_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    m = config.pad_multiple
    ph, pw = -(-size[1] // m) * m, -(-size[0] // m) * m
    padded = cv2.copyMakeBorder(small, 0, ph - size[1], 0, pw - size[0], cv2.BORDER_REFLECT)
    image = np.ascontiguousarray((padded.astype(np.float32) / 255.0).transpose(2, 0, 1))  # once for all looks
    rows = [CLASSES.index(c) for c in classes]
    if not turned:  # one look: a blob reaches as far as its probability
        full = _full_size(_sigmoid(_look(session, image, 0)), pw, ph, size, rows)
        return full, full, scale
    looks = np.stack([_look(session, image, turns) for turns in range(4)])
    prob = _sigmoid(looks[0])
    extent = prob.copy()
    mean_rows = [CLASSES.index(c) for c in config.turned_look_classes]
    mean = _sigmoid(looks[:, mean_rows].mean(axis=0))
    extent[mean_rows] = np.maximum(prob[mean_rows], mean)
    prob[mean_rows] = mean
    any_rows = [CLASSES.index(c) for c in config.any_look_classes]
    prob[any_rows] = _sigmoid(looks[:, any_rows].max(axis=0))
    full = _full_size(prob, pw, ph, size, rows)
    full_extent = full.copy()  # only the averaged classes reach further than their probability
    reaching = [r for r in mean_rows if r in rows]
    if reaching:
        full_extent[reaching] = _full_size(extent[reaching], pw, ph, size)
    return full, full_extent, scale


def _look(session, image: np.ndarray, turns: int) -> np.ndarray:
    """The model's logits (classes, h, w) for `image` (3xHxW, 0-1) turned `turns` quarter turns
    (np.rot90: no interpolation), turned back to the upright view."""
    x = np.ascontiguousarray(np.rot90(image, turns, axes=(1, 2))[None])
    return np.rot90(session.run(None, {"image": x})[0][0], -turns, axes=(1, 2))


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))  # no overflow on confident pixels


def _full_size(prob: np.ndarray, pw: int, ph: int, size: tuple[int, int],
               rows: list[int] | None = None) -> np.ndarray:
    """Masks at 1/4 scale -> the padded view's size, cropped to the photo's part; with `rows`,
    only those masks (the others zero)."""
    full = np.zeros((len(prob), size[1], size[0]), np.float32)
    for i in range(len(prob)) if rows is None else rows:
        full[i] = cv2.resize(prob[i], (pw, ph), interpolation=cv2.INTER_LINEAR)[:size[1], :size[0]]
    return full


def _blob_polygon(points: np.ndarray, config: ObjectModelConfig, along: float = 0.0) -> np.ndarray:
    """The blob's smallest turned rectangle plus the margin, and `along` x its length more at
    each end of its long side."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    grow = config.margin_frac * min(w, h) + config.margin_px
    w_more, h_more = (along * w, 0.0) if w >= h else (0.0, along * h)
    return cv2.boxPoints(((cx, cy), (w + 2 * (grow + w_more), h + 2 * (grow + h_more)), angle))


def find_objects(rgb: np.ndarray, classes: tuple[str, ...], strict: bool = False,
                 config: ObjectModelConfig = DEFAULT_CONFIG, session=None) -> list[Region]:
    """Regions for the wanted `classes` in an HxWx3 uint8 RGB photo, from every view size."""
    if not classes or rgb.ndim != 3 or min(rgb.shape[:2]) < 8:
        return []
    session = session if session is not None else _session()
    small = tuple(c for c in classes if c in config.small_object_classes)
    # Every view is also looked at turned when a class wanted there uses the turned looks: the
    # small-object views too, where a screen seen one way up only is mostly not one.
    views = [(side, classes, _looks_turned(classes, config)) for side in config.input_long_sides]
    longest = max(rgb.shape[:2])
    views += [(side, small, _looks_turned(small, config)) for side in config.small_object_long_sides
              if small and side <= config.max_small_view_upscale * longest]
    # A page or screen seen in the coarsest main view must also be seen in a finer view
    # (cross_view_classes; when a finer view looks for the class): the finer views' blobs of
    # those classes are taken at any peak, so a weaker sighting there can confirm.
    coarsest = min(config.input_long_sides)
    confirmed = {_KINDS[c] for c in classes if c in config.cross_view_classes
                 and any(side > coarsest and c in wanted for side, wanted, _ in views)}
    min_peak = config.strict_min_peak if strict else config.min_peak
    sightings: list[tuple[int, Region]] = []
    for long_side, wanted, turned in views:
        every_blob = frozenset(confirmed if long_side > coarsest else ())
        sightings += [(long_side, r) for r in _view_regions(rgb, wanted, min_peak, long_side, turned, config, session, every_blob)]
    found = [r for side, r in sightings if r.kind not in confirmed or (
        r.score >= min_peak and (side != coarsest or _seen_finer(r, sightings, coarsest, config)))]
    # One object seen in both views: one region holding both sightings (each view may see
    # only part of it), largest first so a part merges into the whole.
    found.sort(key=lambda r: -r.box[2] * r.box[3])
    kept: list[Region] = []
    for region in found:
        area = region.box[2] * region.box[3]
        same = next((i for i, k in enumerate(kept) if k.kind is region.kind
                     and overlap(k.box, region.box) >= config.duplicate_share * area), None)
        if same is None:
            kept.append(region)
        else:
            kept[same] = _merged(kept[same], region, config)
    return kept


def _looks_turned(wanted: tuple[str, ...], config: ObjectModelConfig) -> bool:
    return any(c in config.turned_look_classes + config.any_look_classes for c in wanted)


def _seen_finer(region: Region, sightings: list[tuple[int, Region]], coarsest: int,
                config: ObjectModelConfig) -> bool:
    """Whether a view finer than the `coarsest` has a blob of the region's class (at any peak)
    over most of the smaller of the two."""
    area = region.box[2] * region.box[3]
    return any(side > coarsest and r.kind is region.kind
               and overlap(r.box, region.box) >= config.cross_view_share * min(area, r.box[2] * r.box[3])
               for side, r in sightings)


def _merged(a: Region, b: Region, config: ObjectModelConfig) -> Region:
    """One region covering both: the convex hull of the two polygons, the higher score."""
    assert a.polygon is not None and b.polygon is not None  # every region here is a polygon
    hull = cv2.convexHull(np.array(a.polygon + b.polygon, np.float32)).reshape(-1, 2)
    return _polygon_region(a.kind, hull, max(a.score, b.score), a.reason, config)


def _polygon_region(kind: Kind, poly: np.ndarray, peak: float, reason: str, config: ObjectModelConfig) -> Region:
    """A polygon region (vertices in photo pixels) with its bounding box, and its tier by `peak`."""
    x0, y0 = poly.min(axis=0)
    x1, y1 = poly.max(axis=0)
    return Region(kind, (float(x0), float(y0), float(x1 - x0), float(y1 - y0)), peak, reason,
                  shape=Shape.POLYGON, polygon=tuple((float(u), float(v)) for u, v in poly),
                  tier=Tier.CERTAIN if peak >= config.certain_peak else Tier.POSSIBLE)


def _view_regions(rgb: np.ndarray, classes: tuple[str, ...], min_peak: float, long_side: int, turned: bool,
                  config: ObjectModelConfig, session, every_blob: frozenset[Kind] = frozenset()) -> list[Region]:
    """The view's regions of blobs peaking at `min_peak` or more; for the kinds in `every_blob`,
    every blob whatever its peak."""
    probs, extents, scale = predict_masks(rgb, long_side, config, session, turned, classes)
    regions: list[Region] = []
    for name in classes:
        prob = probs[CLASSES.index(name)]
        reach = extents[CLASSES.index(name)]
        count, labels, stats, _ = cv2.connectedComponentsWithStats((reach >= config.mask_threshold).astype(np.uint8))
        for i in range(1, count):
            if stats[i, cv2.CC_STAT_AREA] < config.min_area_px:
                continue
            blob = labels == i
            peak = float(prob[blob].max())
            if peak < (0.0 if _KINDS[name] in every_blob else min_peak):
                continue
            ys, xs = np.nonzero(blob)
            along = config.band_end_margin if name == "wristband" else 0.0
            poly = _blob_polygon(np.column_stack([xs, ys]).astype(np.float32), config, along) / scale
            regions.append(_polygon_region(_KINDS[name], poly, round(peak, 3), f"{name} (object model)", config))
    return regions


class ObjectDetector:
    name = "objects"

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        config = analysis.config.objects
        classes = tuple(c for c in CLASSES if c in config.registered_classes and getattr(settings, SWITCH[c]))
        if not classes:
            return []
        return find_objects(analysis.rgb, classes, settings.preset is Preset.STRICT, config)
