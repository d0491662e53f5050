"""Background work for the window: analysis, image loading, previews and export.

Everything slow runs off the UI thread so the event loop keeps turning: analysis and export
on a BackgroundRunner (ui/runner.py), loading and previews on QThreadPool threads. The
machine this ships on has few cores and each detector already uses two threads, so analysis
runs one file at a time. Results come back through queued signals; tasks never touch widgets.
"""
from __future__ import annotations

import copy
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from sanitizer import pipeline
from sanitizer.errors import where_raised
from sanitizer.regions import Plan
from sanitizer.settings import Settings

from . import analysis_process
from .runner import BackgroundRunner, Outcome, TaskResult

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(120, 90)


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
    if pipeline.is_video(path):
        return _video_thumbnail(path, size)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # EXIF orientation, like the engine's display pixels
    original = reader.size()
    if original.isValid() and not original.isEmpty():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        try:  # formats Qt cannot read (HEIC, AVIF, ...): ask the engine
            image = array_to_qimage(pipeline.load_display(path))
        except Exception:  # noqa: BLE001 - the analysis reports the real problem in plain words
            return QImage()
    if not image.isNull() and (image.width() > size.width() or image.height() > size.height()):
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def _video_thumbnail(path: Path, size: QSize) -> QImage:
    try:
        from sanitizer.video import FrameReader  # PyAV only once a video is shown
        reader = FrameReader(path, 30.0)
        try:
            image = array_to_qimage(reader.frame(0))
        finally:
            reader.close()
    except Exception:  # noqa: BLE001 - the analysis reports the real problem in plain words
        return QImage()
    return image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def safe_reason(exc: BaseException) -> str:
    """Plain words for an unexpected failure inside a task (never the exception text)."""
    return pipeline.user_message(exc)


class _Signals(QObject):
    """Signals of the tasks; created on the UI thread so that slots run there."""
    thumbnail = Signal(int, QImage)
    loaded = Signal(int, object, QImage)    # key, ndarray (or None), QImage
    frame = Signal(int, int, object, QImage)  # key, frame index, ndarray, QImage
    preview = Signal(int, int, QImage)      # key, revision, QImage
    failed = Signal(int, str)               # key, plain reason
    hashed = Signal(int, str)               # key, sha256


class _Task(QRunnable):
    def __init__(self, fn) -> None:
        super().__init__()
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            self._fn()
        except Exception as exc:  # noqa: BLE001 - a worker must never take the app down
            # Type and place only: a traceback's message can quote file contents or OCR'd text.
            log.warning("background task failed: %s raised at %s", type(exc).__name__, where_raised(exc))


def _pool(threads: int) -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(threads)
    return pool


class AnalysisQueue(QObject):
    """Analyses queued files one at a time; cancel drops what has not started yet.

    The analysis runs on a BackgroundRunner (a low-priority worker process, or a thread when
    `use_processes=False` or no process can start). Thumbnails are made on a thread here.
    """

    thumbnail = Signal(int, QImage)
    started = Signal(int)
    progress = Signal(int, int, int)
    analysed = Signal(int, object)
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, use_processes: bool = True) -> None:
        super().__init__(parent)
        self._thumb_pool = _pool(1)
        self._signals = _Signals()
        self._signals.thumbnail.connect(self.thumbnail)
        self._runner = BackgroundRunner(self, use_processes)
        self._runner.finished.connect(self._on_finished)
        self._runner.progress.connect(self._on_progress)
        self._pending: deque[tuple[int, Path, Settings]] = deque()
        self._running: tuple[int, Path] | None = None
        self._cancelled = False

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
        self._cancelled = True
        self._runner.cancel()
        while self._pending:
            key, _, _ = self._pending.popleft()
            self.cancelled.emit(key)

    def wait(self, msecs: int = -1) -> bool:
        return self._thumb_pool.waitForDone(msecs) and self._runner.wait(msecs)

    def prepare(self, settings: Settings) -> None:
        """Start the worker process now and load the models, so the first file is quick."""
        self._runner.submit_background(analysis_process.warm_up, copy.deepcopy(settings))

    def shutdown(self) -> None:
        """Cancel everything and stop the worker process (called when the window closes)."""
        self.cancel()
        self._runner.stop_worker(kill_running=True)
        self._thumb_pool.waitForDone(5000)

    def _start_next(self) -> None:
        if self._running is not None or not self._pending:
            return
        key, path, settings = self._pending.popleft()
        self._running = (key, path)
        self._cancelled = False
        signals = self._signals
        self.started.emit(key)

        def thumb() -> None:
            try:
                signals.thumbnail.emit(key, make_thumbnail(path))
            except Exception:  # noqa: BLE001 - a missing thumbnail is not an error
                log.warning("thumbnail failed")

        self._thumb_pool.start(_Task(thumb))
        self._runner.run(analysis_process.analyse_file, path, settings)

    def _on_progress(self, fraction: float) -> None:
        if self._running is not None:
            self.progress.emit(self._running[0], int(fraction * 1000), 1000)

    def _on_finished(self, result: TaskResult) -> None:
        key, path = self._running
        self._running = None
        if result.outcome is Outcome.DONE:
            plan = result.value
        elif result.outcome is Outcome.WORKER_DIED:
            plan = Plan(source=path, error="the analyser stopped on this file (it may be damaged)")
        else:
            plan = Plan(source=path, error=result.reason)
        if self._cancelled and plan.error:
            self.cancelled.emit(key)
        else:
            self.analysed.emit(key, plan)
        self._start_next()
        if not self.busy:
            self.idle.emit()


class ImageLoader(QObject):
    """Loads the full display image of one file for the editor, and renders previews."""

    loaded = Signal(int, object, QImage)
    frame = Signal(int, int, object, QImage)
    preview = Signal(int, int, QImage)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.loaded.connect(self.loaded)
        self._signals.frame.connect(self.frame)
        self._reader = None          # FrameReader of the video on show (loader thread only)
        self._wanted_frame: tuple[int, int] | None = None
        self._signals.preview.connect(self.preview)
        self._signals.failed.connect(self.failed)

    def load(self, key: int, path: Path) -> None:
        signals = self._signals

        def job() -> None:
            try:
                pixels = pipeline.load_display(path)
                signals.loaded.emit(key, pixels, array_to_qimage(pixels))
            except Exception as exc:  # noqa: BLE001
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def load_frame(self, key: int, path: Path, fps: float, index: int) -> None:
        """Decode one frame of a video; while scrubbing only the latest request is served."""
        self._wanted_frame = (key, index)
        signals = self._signals

        def job() -> None:
            if self._wanted_frame != (key, index):
                return  # the reviewer has already asked for another frame
            try:
                if self._reader is None or self._reader.path != path:
                    if self._reader is not None:
                        self._reader.close()
                    from sanitizer.video import FrameReader
                    self._reader = FrameReader(path, fps)
                pixels = self._reader.frame(index)
                signals.frame.emit(key, index, pixels, array_to_qimage(pixels))
            except Exception as exc:  # noqa: BLE001
                self._reader = None
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def render_preview(self, key: int, revision: int, plan: Plan, settings: Settings,
                       pixels: np.ndarray | None = None, size: QSize | None = None) -> None:
        """The export's render of `plan` (see export_preview); arrives through `preview`."""
        # A snapshot: the reviewer may edit the plan while the preview renders.
        plan_copy = copy.deepcopy(plan)
        settings_copy = copy.deepcopy(settings)
        signals = self._signals

        def job() -> None:
            try:
                signals.preview.emit(key, revision, export_preview(plan_copy, settings_copy, pixels, size))
            except Exception as exc:  # noqa: BLE001
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def clear(self) -> None:
        self._pool.clear()  # jobs not started yet

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)


GRID_TILE = QSize(240, 180)


def export_preview(plan: Plan, settings: Settings, pixels: np.ndarray | None = None,
                   size: QSize | None = None) -> QImage:
    """The file as the export will write it, scaled to `size` when given (off the UI thread).

    Without `pixels` the picture is decoded here (a video: its first frame; `plan` must then
    hold only the regions covering that frame)."""
    if pixels is None and plan.media == "video":
        from sanitizer.video import FrameReader  # PyAV only once a video is shown
        reader = FrameReader(plan.source, plan.fps)
        try:
            pixels = reader.frame(0)
        finally:
            reader.close()
    image = array_to_qimage(pipeline.render_preview(plan, settings, pixels))
    if size is not None:
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


class FileHasher(QObject):
    """sha256 of analysed files, off the UI thread (a saved review names files by it)."""

    hashed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.hashed.connect(self.hashed)

    def hash(self, key: int, path: Path) -> None:
        signals = self._signals

        def job() -> None:
            try:
                signals.hashed.emit(key, pipeline.sha256_of(path))
            except OSError:
                log.warning("file could not be hashed")

        self._pool.start(_Task(job))

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)


@dataclass
class ExportJob:
    key: int
    plan: Plan


class Exporter(QObject):
    """Writes clean copies one file at a time; each result arrives as soon as it is verified.

    Like analysis, the writing runs on a BackgroundRunner (a low-priority worker process,
    started for the export and ended after it), so decoding, redacting and encoding never
    compete with the window.
    """

    started = Signal(int)                # key
    exported = Signal(int, object)       # key, CleanResult of a file written or failed
    skipped = Signal(int)                # key of a file not exported because the export was stopped
    progress = Signal(int, int)          # files done, total
    finished = Signal(object)            # list of (key, CleanResult)

    def __init__(self, parent: QObject | None = None, use_processes: bool = True) -> None:
        super().__init__(parent)
        self._runner = BackgroundRunner(self, use_processes)
        self._runner.finished.connect(self._on_finished_one)
        self.running = False
        self._total = 0
        self._done = 0
        self._results: list = []
        self._queue: deque = deque()
        self._current: tuple[int, Plan] | None = None
        self._cancelled = False
        self._out_dir = Path()
        self._settings = Settings()
        self._reserved: set[str] = set()
        self._keep_audio = False

    def start(self, jobs: list[ExportJob], out_dir: Path, settings: Settings, keep_audio: bool = False) -> None:
        self.running, self._cancelled = True, False
        self._total, self._done, self._results = len(jobs), 0, []
        # Snapshots, so that edits made while exporting cannot change a file half-way.
        self._queue = deque((j.key, copy.deepcopy(j.plan)) for j in jobs)
        self._out_dir, self._settings, self._reserved = Path(out_dir), copy.deepcopy(settings), set()
        self._keep_audio = keep_audio
        self._next()

    def _next(self) -> None:
        while self._queue and self._cancelled:  # stopped: the rest are not exported
            key, _plan = self._queue.popleft()
            self._record(key, None)
        if not self._queue:
            self._finish()
            return
        key, plan = self._current = self._queue.popleft()
        self.started.emit(key)
        self._runner.run(analysis_process.clean_file, plan, self._out_dir, self._settings, self._reserved,
                         self._keep_audio)

    def _on_finished_one(self, result: TaskResult) -> None:
        key, plan = self._current
        self._current = None
        if result.outcome is Outcome.DONE:
            clean_result, self._reserved = result.value
        elif result.outcome is Outcome.WORKER_DIED:
            clean_result = pipeline.CleanResult(source=plan.source,
                                                error="the export stopped on this file (it may be damaged)")
        else:
            clean_result = pipeline.CleanResult(source=plan.source, error=result.reason)
        stopped = self._cancelled and not clean_result.ok  # the file in hand when Stop was pressed
        self._record(key, None if stopped else clean_result)
        self._next()

    def _record(self, key: int, result) -> None:
        """`result` None: skipped because the export was stopped."""
        self._done += 1
        if result is None:
            self.skipped.emit(key)
        else:
            self._results.append((key, result))
            self.exported.emit(key, result)
        self.progress.emit(self._done, self._total)

    def _finish(self) -> None:
        self.running = False
        self._runner.stop_worker(wait=False)  # the process is only needed while exporting
        self.finished.emit(self._results)

    def cancel(self) -> None:
        self._cancelled = True
        self._runner.cancel()

    def wait(self, msecs: int = -1) -> bool:
        return self._runner.wait(msecs)

    def shutdown(self) -> None:
        self.cancel()
        self._runner.stop_worker()
