"""PHI-bearing objects found by a learned model, without reading them: documents and charts,
wristbands and labels, screens and monitors, barcodes and QR codes, at any angle.

The model (models/phi_objects.onnx, trained by tools/train_objects.py on photos drawn by
tools/synth_objects.py) outputs one mask per class at 1/4 of a 512 px view of the photo. Each
connected blob of a mask becomes one region whose polygon is the blob's smallest turned
rectangle, grown by a margin, so a turned or tilted object is covered whole.

`find_objects` is a pure function (RGB array + config + session -> regions); ObjectDetector is
the thin wrapper for the registry, picking classes by the settings' switches (documents,
wristbands, screens, barcodes); it reads only `analysis.rgb`, so it computes nothing shared.

Not in sanitizer/detectors/base.py's registry yet: the second model is good on its own
generator's photos but hides less than the rule detectors on the shared wristband photos and
adds false redaction on crowd photos (models/phi_objects.md). Register it as
(("documents", "wristbands", "screens", "barcodes"), "sanitizer.detectors.objects",
"ObjectDetector") once it meets the measured targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..model_store import load_model_bytes
from ..regions import Kind, Region, Shape, Tier
from ..settings import Preset, Settings
from .analysis import ImageAnalysis

MODEL_NAME = "phi_objects"
# Output order of the model's masks (tools/synth_objects.CLASSES).
CLASSES = ("document", "wristband", "screen", "barcode")
_KINDS = {"document": Kind.DOCUMENT, "wristband": Kind.WRISTBAND, "screen": Kind.SCREEN, "barcode": Kind.BARCODE}
# Which settings switch turns each class on.
SWITCH = {"document": "documents", "wristband": "wristbands", "screen": "screens", "barcode": "barcodes"}


@dataclass(frozen=True)
class ObjectModelConfig:
    # The model was trained at this input size (tools/train_objects.INPUT_LONG_SIDE); another
    # size changes how large objects look to it.
    input_long_side: int = 512
    # The net downsamples by 32: inputs are padded to a multiple of it.
    pad_multiple: int = 32
    # A blob is a pixel run above this probability (the decision point of the training loss).
    mask_threshold: float = 0.5
    # Regions whose peak probability is below this are not proposed (Standard); Strict
    # proposes down to strict_min_peak. Chosen for the second model (2026-12-06) on training-
    # range seeds 90000-90059 (never the validation seeds) and on the crowd photos' proposals:
    # min_peak 0.6 / 0.7 / 0.8 / 0.9 found 0.869 / 0.869 / 0.869 / 0.857 of the objects, with
    # 0.62 / 0.47 / 0.33 / 0.25 proposals per photo off every object and 0.89 / 0.67 / 0.47 /
    # 0.29 per crowd photo: 0.8 is the last step that costs no object.
    min_peak: float = 0.8
    strict_min_peak: float = 0.7
    # At or above this peak a region is CERTAIN; between min_peak and this, POSSIBLE.
    certain_peak: float = 0.85
    # Smallest blob kept, in model-input pixels (a 512 px view): a wristband at 5 % of the
    # frame's long side is about 25 x 6 px there.
    min_area_px: float = 40.0
    # Margin around each blob's turned rectangle: a share of its short side plus a fixed
    # amount in model pixels (the masks are 4x coarser than the input and soft at edges).
    margin_frac: float = 0.06
    margin_px: float = 3.0


DEFAULT_CONFIG = ObjectModelConfig()


@lru_cache(maxsize=1)
def _session():
    """One onnxruntime session per process, built from verified model bytes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2  # as faces.py: few cores, shared with the UI
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(load_model_bytes(MODEL_NAME), options, providers=["CPUExecutionProvider"])


def predict_masks(rgb: np.ndarray, config: ObjectModelConfig, session) -> tuple[np.ndarray, float]:
    """Per-class probabilities (classes, h, w) at the model's input scale, and that scale
    (model pixels per photo pixel)."""
    height, width = rgb.shape[:2]
    scale = config.input_long_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    m = config.pad_multiple
    ph, pw = -(-size[1] // m) * m, -(-size[0] // m) * m
    padded = cv2.copyMakeBorder(small, 0, ph - size[1], 0, pw - size[0], cv2.BORDER_REFLECT)
    x = (padded.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
    logits = session.run(None, {"image": x})[0][0]
    prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))  # no overflow on confident pixels
    full = np.stack([cv2.resize(p, (pw, ph), interpolation=cv2.INTER_LINEAR) for p in prob])
    return full[:, :size[1], :size[0]], scale


def _blob_polygon(points: np.ndarray, config: ObjectModelConfig) -> np.ndarray:
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    grow = config.margin_frac * min(w, h) + config.margin_px
    return cv2.boxPoints(((cx, cy), (w + 2 * grow, h + 2 * grow), angle))


def find_objects(rgb: np.ndarray, classes: tuple[str, ...], strict: bool = False,
                 config: ObjectModelConfig = DEFAULT_CONFIG, session=None) -> list[Region]:
    """Regions for the wanted `classes` in an HxWx3 uint8 RGB photo."""
    if not classes or rgb.ndim != 3 or min(rgb.shape[:2]) < 8:
        return []
    probs, scale = predict_masks(rgb, config, session if session is not None else _session())
    min_peak = config.strict_min_peak if strict else config.min_peak
    regions: list[Region] = []
    for name in classes:
        prob = probs[CLASSES.index(name)]
        count, labels, stats, _ = cv2.connectedComponentsWithStats((prob >= config.mask_threshold).astype(np.uint8))
        for i in range(1, count):
            if stats[i, cv2.CC_STAT_AREA] < config.min_area_px:
                continue
            blob = labels == i
            peak = float(prob[blob].max())
            if peak < min_peak:
                continue
            ys, xs = np.nonzero(blob)
            poly = _blob_polygon(np.column_stack([xs, ys]).astype(np.float32), config) / scale
            x0, y0 = poly.min(axis=0)
            x1, y1 = poly.max(axis=0)
            regions.append(Region(
                _KINDS[name], (float(x0), float(y0), float(x1 - x0), float(y1 - y0)), round(peak, 3),
                f"{name} (object model)", shape=Shape.POLYGON,
                polygon=tuple((float(a), float(b)) for a, b in poly),
                tier=Tier.CERTAIN if peak >= config.certain_peak else Tier.POSSIBLE))
    return regions


class ObjectDetector:
    name = "objects"

    def __init__(self, config: ObjectModelConfig = DEFAULT_CONFIG):
        self.config = config

    def detect(self, analysis: ImageAnalysis, settings: Settings) -> list[Region]:
        classes = tuple(c for c in CLASSES if getattr(settings, SWITCH[c]))
        return find_objects(analysis.rgb, classes, settings.preset is Preset.STRICT, self.config)
