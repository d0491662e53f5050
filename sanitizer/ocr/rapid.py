"""RapidOCR 3.x (PP-OCR models on onnxruntime) as the default OCR engine.

Recognition uses the models shipped inside the rapidocr wheel; text detection uses the
PP-OCRv4 mobile detector from models/ (put there at setup by models/fetch_models.py), about
three times faster than the wheel's PP-OCRv6 small detector at the same recall on the PHI
sets. Every model is named by explicit path (so rapidocr never takes its download branch)
and checked by sha256 before first use.
Detection runs on a resized copy of the picture and, when that is large, on overlapping
tiles, so small text on large photos is still found without feeding the whole photo to the
network at once. The session is built once per process.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from ..cpu import inference_threads
from ..errors import SanitizerError
from ..model_store import file_sha256, model_path
from .base import OcrLine, TextBox, crop_quad, order_quad, split_words

log = logging.getLogger(__name__)

# File name in rapidocr/models -> sha256 of the file shipped in rapidocr 3.10.0.
MODEL_FILES = {
    "rec": ("PP-OCRv6_rec_small.onnx", "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
    "cls": ("ch_ppocr_mobile_v2.0_cls_mobile.onnx",
            "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"),
}

TILE = 1344      # detector input side above which the picture is cut into tiles
OVERLAP = 160    # tile overlap, larger than the tallest text a tile is meant to catch
REC_BATCH = 8


class OcrModelError(SanitizerError):
    """The OCR models are missing or do not match their recorded checksums."""


def model_dir() -> Path:
    import rapidocr
    return Path(rapidocr.__file__).resolve().parent / "models"


def verified_model_paths() -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for role, (name, expected) in MODEL_FILES.items():
        path = model_dir() / name
        if not path.is_file() or file_sha256(path) != expected:
            raise OcrModelError("The text recognition model files are missing or damaged; "
                                "reinstall the application.")
        paths[role] = path
    paths["det"] = model_path("text_detector")
    return paths


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, box_thresh: float = 0.3) -> None:
        self._box_thresh = box_thresh
        self._lock = threading.Lock()
        self._det = None
        self._rec = None

    def _load(self) -> None:
        if self._det is not None:
            return
        with self._lock:
            if self._det is not None:
                return
            from rapidocr import RapidOCR
            paths = verified_model_paths()
            engine = RapidOCR(params={
                "Global.log_level": "error",
                "Global.model_root_dir": str(model_dir()),
                "Det.model_path": str(paths["det"]),
                "Rec.model_path": str(paths["rec"]),
                "Cls.model_path": str(paths["cls"]),
                # We resize ourselves; "max" with a huge limit keeps our scale.
                "Det.limit_type": "max",
                "Det.limit_side_len": 100000,
                "Det.box_thresh": self._box_thresh,
                "Rec.rec_batch_num": REC_BATCH,
            })
            # rapidocr exposes no public per-stage API; these loaders build the two sessions.
            self._rec = engine._load_rec_model()
            self._det = engine._load_det_model()
            # ...with onnxruntime's defaults, whose threads spin while waiting: next to the
            # face network (another thread) that burns the cores the other work needs.
            for stage, role in ((self._det, "det"), (self._rec, "rec")):
                stage.session.session = _session(paths[role])
            # rapidocr's own logger would otherwise print warnings (never text, but noise).
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)

    # -- detection ---------------------------------------------------------------------
    def detect(self, rgb: np.ndarray, scale: float = 1.0) -> list[TextBox]:
        self._load()
        small = rgb
        if scale != 1.0:  # resize before the colour swap: a 12 MP swap alone costs 80 ms
            h, w = rgb.shape[:2]
            size = (max(32, round(w * scale)), max(32, round(h * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
        sx = rgb.shape[1] / bgr.shape[1]
        sy = rgb.shape[0] / bgr.shape[0]
        boxes: list[TextBox] = []
        for x0, y0, tile in _tiles(bgr):
            quads, scores = self._detect_tile(tile)
            for quad, score in zip(quads, scores):
                pts = np.asarray(quad, dtype=np.float64) + (x0, y0)
                pts[:, 0] *= sx
                pts[:, 1] *= sy
                boxes.append(TextBox(order_quad(pts), float(score)))
        return _dedupe(boxes)

    def _detect_tile(self, bgr: np.ndarray):
        """rapidocr's detector steps with our own input scaling: its normaliser works in
        float64 and cost 13 ms a call; OpenCV's blob maker gives the same float32 input
        ((pixel / 255 - 0.5) / 0.5, sides rounded to multiples of 32) in a fraction of that."""
        h, w = bgr.shape[:2]
        size = (max(32, int(round(w / 32) * 32)), max(32, int(round(h / 32) * 32)))
        blob = cv2.dnn.blobFromImage(bgr, scalefactor=1 / 127.5, size=size, mean=(127.5, 127.5, 127.5))
        preds = self._det.session(blob)
        quads, scores = self._det.postprocess_op(preds, (h, w))
        return (quads if len(quads) else []), scores

    # -- recognition -------------------------------------------------------------------
    def recognize(self, rgb: np.ndarray, boxes: Sequence[TextBox]) -> list[OcrLine]:
        if not boxes:
            return []
        self._load()
        from rapidocr.ch_ppocr_rec.typings import TextRecInput
        crops = [cv2.cvtColor(crop_quad(rgb, b.polygon), cv2.COLOR_RGB2BGR) for b in boxes]
        result = self._rec(TextRecInput(img=crops, return_word_box=False))
        lines = []
        for box, text, score in zip(boxes, result.txts, result.scores):
            text = str(text).strip()
            lines.append(OcrLine(box.polygon, text, float(score), split_words(box.polygon, text, float(score))))
        return lines


def _session(path: Path):
    """An onnxruntime session like the face detector's: two threads that sleep, not spin,
    while they wait (the cores are shared with the face network, the code scan and the UI)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = inference_threads()  # 2, fewer in a batch worker
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False  # as rapidocr sets it: memory goes back after each photo
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _tiles(img: np.ndarray):
    """Overlapping tiles of at most TILE x TILE pixels (the whole image when it is small)."""
    h, w = img.shape[:2]
    if max(h, w) <= TILE:
        yield 0, 0, img
        return
    step = TILE - OVERLAP
    ys = list(range(0, max(h - TILE, 0) + 1, step))
    xs = list(range(0, max(w - TILE, 0) + 1, step))
    if ys[-1] + TILE < h:
        ys.append(h - TILE)
    if xs[-1] + TILE < w:
        xs.append(w - TILE)
    for y in ys:
        for x in xs:
            yield x, y, img[max(y, 0):y + TILE, max(x, 0):x + TILE]


def _dedupe(boxes: list[TextBox]) -> list[TextBox]:
    """Drop polygons mostly inside a larger one (the same line seen by two overlapping tiles)."""
    boxes = sorted(boxes, key=lambda b: -b.height * b.length)
    kept: list[tuple[TextBox, np.ndarray]] = []
    for b in boxes:
        poly = np.asarray(b.polygon, dtype=np.float32)
        area = max(float(cv2.contourArea(poly)), 1e-6)
        x, y, w, h = b.box
        duplicate = False
        for k, kpoly in kept:
            kx, ky, kw, kh = k.box
            if x > kx + kw or kx > x + w or y > ky + kh or ky > y + h:
                continue
            inter, _ = cv2.intersectConvexConvex(poly, kpoly)
            if inter > 0.6 * area:
                duplicate = True
                break
        if not duplicate:
            kept.append((b, poly))
    return [b for b, _ in kept]
