"""One analysis per picture: the pixels and everything detectors share about them.

The pipeline builds one `ImageAnalysis` per picture (or per view of a picture: a transparent
picture is looked at over white, over black and as its alpha channel, one analysis each) and
hands it to every detector. Shared intermediates are computed on first use and kept on the
object, so two detectors asking for the text lines get one OCR detection pass, and a detector
that is switched off costs nothing: nothing is computed unless a detector asks for it.

The code scan may run on a background thread (zxing, OpenCV and numpy release the GIL, so it
overlaps the face network); the analysis owns that thread for its lifetime: use it as a
context manager, or call `close()`.

Nothing here is kept between pictures: only loaded models are cached per process (the OCR
engine in ocr/base.py, the detectors in base.py).
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property

import cv2
import numpy as np

from ..ocr.base import OcrEngine, TextBox, get_engine
from .codes import CodeScan, scan_codes
from .config import DEFAULT_CONFIG, DetectorConfig
from .letterbox import Letterbox, find_letterbox
from .outlines import Outlines, ScreenQuad, find_outlines, screens_with_text
from .text_lines import find_text_lines


class ImageAnalysis:
    """Lazily computed, cached intermediates of one HxWx3 uint8 RGB picture (display orientation)."""

    def __init__(self, rgb: np.ndarray, ocr_engine: str = "rapidocr",
                 config: DetectorConfig = DEFAULT_CONFIG) -> None:
        self.rgb = rgb
        self.ocr_engine = ocr_engine
        self.config = config  # every detector's numbers (config.py)
        self._gray_lock = threading.Lock()
        self._gray: np.ndarray | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._code_scan: Future | None = None

    # -- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        """Wait for background work and release its thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def __enter__(self) -> ImageAnalysis:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- intermediates ----------------------------------------------------------------
    @property
    def gray(self) -> np.ndarray:
        """The picture in grey (the code scan's thread and the page finder share it)."""
        with self._gray_lock:
            if self._gray is None:
                self._gray = cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY)
            return self._gray

    @property
    def ocr(self) -> OcrEngine:
        """The OCR engine (loaded once per process)."""
        return get_engine(self.ocr_engine)

    @cached_property
    def text_lines(self) -> list[TextBox]:
        """Text lines found (not read) by the OCR engine's detector."""
        return find_text_lines(self.rgb, self.ocr, self.config.text_lines)

    def start_code_scan(self) -> None:
        """Start the code scan on this analysis's background thread (once); `code_scan` waits
        for it. Called before the face detector runs, so the two overlap."""
        if self._code_scan is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="code-scan")
            self._code_scan = self._executor.submit(self._scan_codes)

    @property
    def code_scan(self) -> CodeScan:
        """Codes (decoded and bar textures) and the label each is printed on."""
        if self._code_scan is None:
            future: Future = Future()
            future.set_result(self._scan_codes())
            self._code_scan = future
        return self._code_scan.result()

    def _scan_codes(self) -> CodeScan:
        return scan_codes(self.rgb, self.gray, self.config.codes, self.config.pale_areas)

    @cached_property
    def outlines(self) -> Outlines:
        """Convex 4-sided outlines: screen-like ones and plain ones (sheets)."""
        return find_outlines(self.rgb, self.config.outlines)

    @cached_property
    def letterbox(self) -> Letterbox:
        """Flat bars along the picture's edges (a video frame's letterbox)."""
        return find_letterbox(self.gray, self.config.letterbox)

    @cached_property
    def screens_with_text(self) -> list[ScreenQuad]:
        """Screen-like outlines holding text lines: the screens the screen detector hides
        and inside which the document logic leaves the text to it."""
        return screens_with_text(self.outlines.quads, self.text_lines, self.config.outlines)
