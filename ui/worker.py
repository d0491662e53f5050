"""Background work for the window: analysis, image loading, previews and export.

Everything slow runs on QThreadPool threads so the event loop keeps turning. The machine
this ships on has few cores and each detector already uses two threads, so analysis runs
one file at a time (onnxruntime, OpenCV and Pillow release the GIL while they compute).
Results come back to the UI thread through queued signals; the tasks never touch widgets.
"""
from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from sanitizer import pipeline
from sanitizer.regions import Plan
from sanitizer.settings import Settings

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(120, 90)
EXPORT_CANCELLED = "export cancelled"


def array_to_qimage(pixels: np.ndarray) -> QImage:
    """An HxWx3/4 uint8 array as a QImage that owns its own copy of the pixels."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    fmt = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
           4: QImage.Format.Format_RGBA8888}[channels]
    return QImage(pixels.data, width, height, pixels.strides[0], fmt).copy()


def make_thumbnail(path: Path, size: QSize = THUMB_SIZE) -> QImage:
    """A small picture for the queue; a null QImage when neither Qt nor the engine can decode it."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # EXIF orientation, like the engine's display pixels
    original = reader.size()
    if original.isValid() and not original.isEmpty():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull() and not pipeline.is_video(path):
        try:  # formats Qt cannot read (HEIC, AVIF, ...): ask the engine
            image = array_to_qimage(pipeline.load_display(path))
        except Exception:  # noqa: BLE001 - the analysis reports the real problem in plain words
            return QImage()
    if not image.isNull() and (image.width() > size.width() or image.height() > size.height()):
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def safe_reason(exc: BaseException) -> str:
    """Plain words for an unexpected failure inside a task (never the exception text)."""
    return pipeline._user_message(exc) if hasattr(pipeline, "_user_message") else (
        f"unexpected problem ({type(exc).__name__})")


class _Signals(QObject):
    """Signals of the tasks; created on the UI thread so that slots run there."""
    thumbnail = Signal(int, QImage)
    started = Signal(int)
    progress = Signal(int, int, int)
    analysed = Signal(int, object)          # key, Plan
    loaded = Signal(int, object, QImage)    # key, ndarray (or None), QImage
    preview = Signal(int, int, QImage)      # key, revision, QImage
    exported = Signal(int, object)          # key, CleanResult
    export_finished = Signal(object)        # summary
    failed = Signal(int, str)               # key, plain reason


class _Task(QRunnable):
    def __init__(self, fn) -> None:
        super().__init__()
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            self._fn()
        except Exception:  # noqa: BLE001 - a worker must never take the app down
            log.exception("background task failed")


def _pool(threads: int) -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(threads)
    return pool


class AnalysisQueue(QObject):
    """Analyses queued files one at a time; cancel drops what has not started yet."""

    thumbnail = Signal(int, QImage)
    started = Signal(int)
    progress = Signal(int, int, int)
    analysed = Signal(int, object)
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.thumbnail.connect(self.thumbnail)
        self._signals.started.connect(self.started)
        self._signals.progress.connect(self.progress)
        self._signals.analysed.connect(self._on_analysed)
        self._pending: deque[tuple[int, Path, Settings]] = deque()
        self._running: int | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._pending)

    def pending_count(self) -> int:
        return len(self._pending) + (1 if self._running is not None else 0)

    def enqueue(self, key: int, path: Path, settings: Settings) -> None:
        self._pending.append((key, path, copy.deepcopy(settings)))
        self._start_next()

    def cancel(self) -> None:
        """Stop the file being analysed (between steps) and forget the ones waiting."""
        self._cancel.set()
        while self._pending:
            key, _, _ = self._pending.popleft()
            self.cancelled.emit(key)

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _start_next(self) -> None:
        if self._running is not None or not self._pending:
            return
        key, path, settings = self._pending.popleft()
        self._running = key
        self._cancel = threading.Event()
        cancel = self._cancel
        signals = self._signals

        def job() -> None:
            signals.started.emit(key)
            try:
                signals.thumbnail.emit(key, make_thumbnail(path))
            except Exception:  # noqa: BLE001 - a missing thumbnail is not an error
                log.warning("thumbnail failed: %s", "decode")
            plan = pipeline.analyse(
                path, settings,
                progress=lambda done, total: signals.progress.emit(key, done, total),
                cancel=cancel.is_set,
            )
            signals.analysed.emit(key, plan)

        def guarded() -> None:
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - report as this file's error
                log.warning("analysis task failed: %s", type(exc).__name__)
                signals.analysed.emit(key, Plan(source=path, error=safe_reason(exc)))

        self._pool.start(_Task(guarded))

    def _on_analysed(self, key: int, plan: Plan) -> None:
        was_cancelled = self._cancel.is_set()
        self._running = None
        if was_cancelled and plan.error:
            self.cancelled.emit(key)
        else:
            self.analysed.emit(key, plan)
        self._start_next()
        if not self.busy:
            self.idle.emit()


class ImageLoader(QObject):
    """Loads the full display image of one file for the editor, and renders previews."""

    loaded = Signal(int, object, QImage)
    preview = Signal(int, int, QImage)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.loaded.connect(self.loaded)
        self._signals.preview.connect(self.preview)
        self._signals.failed.connect(self.failed)

    def load(self, key: int, path: Path) -> None:
        signals = self._signals

        def job() -> None:
            try:
                if pipeline.is_video(path):
                    signals.loaded.emit(key, None, make_thumbnail(path, QSize(1280, 720)))
                    return
                pixels = pipeline.load_display(path)
                signals.loaded.emit(key, pixels, array_to_qimage(pixels))
            except Exception as exc:  # noqa: BLE001
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def render_preview(self, key: int, revision: int, plan: Plan, settings: Settings,
                       pixels: np.ndarray | None) -> None:
        # A snapshot: the reviewer may edit the plan while the preview renders.
        plan_copy = copy.deepcopy(plan)
        settings_copy = copy.deepcopy(settings)
        signals = self._signals

        def job() -> None:
            try:
                rendered = pipeline.render_preview(plan_copy, settings_copy, pixels)
                signals.preview.emit(key, revision, array_to_qimage(rendered))
            except Exception as exc:  # noqa: BLE001
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)


@dataclass
class ExportJob:
    key: int
    plan: Plan


class Exporter(QObject):
    """Writes clean copies one file at a time; each result arrives as soon as it is verified."""

    started = Signal(int)                # key
    exported = Signal(int, object)       # key, CleanResult
    progress = Signal(int, int)          # files done, total
    finished = Signal(object)            # list of (key, CleanResult)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.started.connect(self.started)
        self._signals.exported.connect(self._on_exported)
        self._signals.export_finished.connect(self._on_finished)
        self.running = False
        self._cancel = threading.Event()
        self._total = 0
        self._done = 0

    def start(self, jobs: list[ExportJob], out_dir: Path, settings: Settings) -> None:
        self._cancel = threading.Event()
        cancel = self._cancel
        self.running = True
        self._total, self._done = len(jobs), 0
        # Snapshots, so that edits made while exporting cannot change a file half-way.
        snapshot = [(j.key, copy.deepcopy(j.plan)) for j in jobs]
        settings_copy = copy.deepcopy(settings)
        signals = self._signals

        def job() -> None:
            reserved: set[str] = set()
            results = []
            for key, plan in snapshot:
                if cancel.is_set():
                    result = pipeline.CleanResult(source=plan.source, error=EXPORT_CANCELLED)
                else:
                    signals.started.emit(key)
                    try:
                        result = pipeline.clean(plan, out_dir, settings_copy, reserved_names=reserved,
                                                cancel=cancel.is_set)
                    except Exception as exc:  # noqa: BLE001
                        result = pipeline.CleanResult(source=plan.source, error=safe_reason(exc))
                results.append((key, result))
                signals.exported.emit(key, result)
            signals.export_finished.emit(results)

        self._pool.start(_Task(job))

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _on_finished(self, results) -> None:
        self.running = False
        self.finished.emit(results)

    def _on_exported(self, key: int, result) -> None:
        self._done += 1
        self.exported.emit(key, result)
        self.progress.emit(self._done, self._total)
