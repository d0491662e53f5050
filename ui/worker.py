"""Background work for the window: analysis, image loading, previews and export.

Everything slow runs on QThreadPool threads so the event loop keeps turning. The machine
this ships on has few cores and each detector already uses two threads, so analysis runs
one file at a time (onnxruntime, OpenCV and Pillow release the GIL while they compute).
Results come back to the UI thread through queued signals; the tasks never touch widgets.
"""
from __future__ import annotations

import copy
import logging
import multiprocessing
import threading
from collections import deque
# Imported here, at start-up, not on first use: an import on the UI thread mid-batch stalls it.
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import sharedctypes  # noqa: F401 - used by ctx.Value
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader

from sanitizer import pipeline
from sanitizer.errors import where_raised
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
        from .video_frames import VideoFrameReader
        reader = VideoFrameReader(path, 30.0)
        try:
            image = array_to_qimage(reader.frame(0))
        finally:
            reader.close()
    except Exception:  # noqa: BLE001 - the analysis reports the real problem in plain words
        return QImage()
    return image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


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
    frame = Signal(int, int, object, QImage)  # key, frame index, ndarray, QImage
    preview = Signal(int, int, QImage)      # key, revision, QImage
    exported = Signal(int, object)          # key, CleanResult
    export_finished = Signal(object)        # summary
    next_export = Signal()
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

    By default the analysis runs in one worker process at low priority (see
    ui/analysis_process.py for why); `use_processes=False` runs it on a thread instead.
    Thumbnails are always made on a thread of this process.
    """

    thumbnail = Signal(int, QImage)
    started = Signal(int)
    progress = Signal(int, int, int)
    analysed = Signal(int, object)
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, use_processes: bool = True) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._thumb_pool = _pool(1)
        self._signals = _Signals()
        self._signals.thumbnail.connect(self.thumbnail)
        self._signals.started.connect(self.started)
        self._signals.progress.connect(self.progress)
        self._signals.analysed.connect(self._on_analysed)
        self._pending: deque[tuple[int, Path, Settings]] = deque()
        self._running: int | None = None
        self._cancel = threading.Event()
        self._use_processes = use_processes
        self._executor = None
        self._future = None
        self._warm = None
        self._mp_cancel = None
        self._mp_progress = None
        self._poll = QTimer(self)
        self._poll.setInterval(200)
        self._poll.timeout.connect(self._poll_progress)

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
        if self._mp_cancel is not None:
            self._mp_cancel.set()
        while self._pending:
            key, _, _ = self._pending.popleft()
            self.cancelled.emit(key)

    def wait(self, msecs: int = -1) -> bool:
        done = self._pool.waitForDone(msecs) and self._thumb_pool.waitForDone(msecs)
        future = self._future
        if future is not None:
            try:
                future.exception(timeout=None if msecs < 0 else msecs / 1000)
            except Exception:  # noqa: BLE001 - timeout or a broken worker: not done
                return False
        return done

    def prepare(self, settings: Settings) -> None:
        """Start the worker process now and load the models, so the first file is quick."""
        if self._use_processes and self._ensure_executor():
            from . import analysis_process
            self._warm = self._executor.submit(analysis_process.warm_up, copy.deepcopy(settings))

    def shutdown(self) -> None:
        """Cancel everything and stop the worker process (called when the window closes)."""
        self.cancel()
        self._poll.stop()
        executor, self._executor = self._executor, None
        if executor is not None:
            if any(f is not None and not f.done() for f in (self._future, self._warm)):
                # A file half-analysed is thrown away anyway: do not make the user wait for
                # it. Its scratch files (videos) are swept on the next start.
                for process in list(getattr(executor, "_processes", None or {}).values()):
                    process.terminate()
            executor.shutdown(wait=True, cancel_futures=True)
        self._pool.waitForDone(5000)
        self._thumb_pool.waitForDone(5000)

    # ----- running one file --------------------------------------------------------------
    def _start_next(self) -> None:
        if self._running is not None or not self._pending:
            return
        key, path, settings = self._pending.popleft()
        self._running = key
        self._cancel = threading.Event()
        signals = self._signals
        signals.started.emit(key)

        def thumb() -> None:
            try:
                signals.thumbnail.emit(key, make_thumbnail(path))
            except Exception:  # noqa: BLE001 - a missing thumbnail is not an error
                log.warning("thumbnail failed")

        self._thumb_pool.start(_Task(thumb))
        if self._use_processes and self._ensure_executor():
            self._submit_to_process(key, path, settings)
        else:
            self._run_on_thread(key, path, settings)

    def _ensure_executor(self) -> bool:
        if self._executor is not None:
            return True
        try:
            from . import analysis_process
            ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
            self._mp_cancel = ctx.Event()
            self._mp_progress = ctx.Value("d", 0.0, lock=False)
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=ctx, initializer=analysis_process.init_worker,
                initargs=(self._mp_cancel, self._mp_progress))
            return True
        except Exception as exc:  # noqa: BLE001 - fall back to a thread, still off the UI thread
            log.warning("analysis process unavailable (%s); using a thread", type(exc).__name__)
            self._use_processes = False
            return False

    def _submit_to_process(self, key: int, path: Path, settings: Settings) -> None:
        from . import analysis_process
        self._mp_cancel.clear()
        self._mp_progress.value = 0.0
        signals = self._signals
        future = self._executor.submit(analysis_process.analyse_file, path, settings)
        self._future = future
        self._poll.start()

        def done(fut) -> None:  # runs on the executor's thread: only emit
            try:
                plan = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker died or the task failed
                reason = ("the analyser stopped on this file (it may be damaged)"
                          if isinstance(exc, BrokenProcessPool) else safe_reason(exc))
                log.warning("analysis task failed: %s raised at %s", type(exc).__name__, where_raised(exc))
                plan = Plan(source=path, error=reason)
            signals.analysed.emit(key, plan)

        future.add_done_callback(done)

    def _run_on_thread(self, key: int, path: Path, settings: Settings) -> None:
        cancel = self._cancel
        signals = self._signals

        def job() -> None:
            try:
                plan = pipeline.analyse(
                    path, settings,
                    progress=lambda done, total: signals.progress.emit(key, done, total),
                    cancel=cancel.is_set,
                )
            except Exception as exc:  # noqa: BLE001 - report as this file's error
                log.warning("analysis task failed: %s raised at %s", type(exc).__name__, where_raised(exc))
                plan = Plan(source=path, error=safe_reason(exc))
            signals.analysed.emit(key, plan)

        self._pool.start(_Task(job))

    def _poll_progress(self) -> None:
        if self._running is not None and self._mp_progress is not None:
            self.progress.emit(self._running, int(self._mp_progress.value * 1000), 1000)

    def _on_analysed(self, key: int, plan: Plan) -> None:
        was_cancelled = self._cancel.is_set()
        self._running = None
        self._future = None
        self._poll.stop()
        if self._executor is not None and plan.error and "analyser stopped" in plan.error:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None  # a fresh worker for the next file
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
    frame = Signal(int, int, object, QImage)
    preview = Signal(int, int, QImage)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.loaded.connect(self.loaded)
        self._signals.frame.connect(self.frame)
        self._reader = None          # VideoFrameReader of the video on show (loader thread only)
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
                from .video_frames import VideoFrameReader
                if self._reader is None or self._reader.path != path:
                    if self._reader is not None:
                        self._reader.close()
                    self._reader = VideoFrameReader(path, fps)
                pixels = self._reader.frame(index)
                signals.frame.emit(key, index, pixels, array_to_qimage(pixels))
            except Exception as exc:  # noqa: BLE001
                self._reader = None
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


GRID_TILE = QSize(240, 180)


def export_preview(plan: Plan, settings: Settings, size: QSize = GRID_TILE) -> QImage:
    """The file as the export will write it (a video: its first frame), scaled to a tile.

    `plan` must hold only the regions to draw (for a video, those covering frame 0)."""
    pixels = None
    if plan.media == "video":
        from .video_frames import VideoFrameReader
        reader = VideoFrameReader(plan.source, plan.fps)
        try:
            pixels = reader.frame(0)
        finally:
            reader.close()
    rendered = array_to_qimage(pipeline.render_preview(plan, settings, pixels))
    return rendered.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class PreviewRenderer(QObject):
    """Export previews for the grid, one at a time on a thread; stale ones are dropped by the caller."""

    rendered = Signal(int, int, QImage)     # key, revision, tile
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.preview.connect(self.rendered)
        self._signals.failed.connect(self.failed)

    def render(self, key: int, revision: int, plan: Plan, settings: Settings) -> None:
        plan_copy, settings_copy = copy.deepcopy(plan), copy.deepcopy(settings)  # edits may follow
        signals = self._signals

        def job() -> None:
            try:
                signals.preview.emit(key, revision, export_preview(plan_copy, settings_copy))
            except Exception as exc:  # noqa: BLE001
                signals.failed.emit(key, safe_reason(exc))

        self._pool.start(_Task(job))

    def clear(self) -> None:
        self._pool.clear()  # renders not started yet

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)


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

    Like analysis, the writing runs in a low-priority worker process (started for the
    export), so decoding, redacting and encoding never compete with the window; when a
    process cannot be started it runs on a thread instead.
    """

    started = Signal(int)                # key
    exported = Signal(int, object)       # key, CleanResult
    progress = Signal(int, int)          # files done, total
    finished = Signal(object)            # list of (key, CleanResult)

    def __init__(self, parent: QObject | None = None, use_processes: bool = True) -> None:
        super().__init__(parent)
        self._pool = _pool(1)
        self._signals = _Signals()
        self._signals.started.connect(self.started)
        self._signals.exported.connect(self._on_exported)
        self._signals.export_finished.connect(self._on_finished)
        self._signals.next_export.connect(self._next_in_process)
        self._use_processes = use_processes
        self._cancel = threading.Event()
        self.running = False
        self._total = 0
        self._done = 0
        self._results: list = []
        self._queue: deque = deque()
        self._executor = None
        self._mp_cancel = None
        self._future = None
        self._out_dir = Path()
        self._settings = Settings()
        self._reserved: set[str] = set()
        self._keep_audio = False

    def start(self, jobs: list[ExportJob], out_dir: Path, settings: Settings, keep_audio: bool = False) -> None:
        self._cancel = threading.Event()
        self._keep_audio = keep_audio
        self.running = True
        self._total, self._done, self._results = len(jobs), 0, []
        # Snapshots, so that edits made while exporting cannot change a file half-way.
        self._queue = deque((j.key, copy.deepcopy(j.plan)) for j in jobs)
        self._out_dir, self._settings, self._reserved = Path(out_dir), copy.deepcopy(settings), set()
        if self._use_processes and self._ensure_executor():
            self._next_in_process()
        else:
            self._run_on_thread()

    def _ensure_executor(self) -> bool:
        if self._executor is not None:
            return True
        try:
            from . import analysis_process
            ctx = multiprocessing.get_context("spawn")
            self._mp_cancel = ctx.Event()
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                                 initializer=analysis_process.init_worker,
                                                 initargs=(self._mp_cancel, None))
            return True
        except Exception as exc:  # noqa: BLE001 - a thread still keeps the window free
            log.warning("export process unavailable (%s); using a thread", type(exc).__name__)
            self._use_processes = False
            return False

    def _next_in_process(self) -> None:
        from . import analysis_process
        signals = self._signals
        if not self._queue:
            signals.export_finished.emit(self._results)
            return
        key, plan = self._queue.popleft()
        if self._cancel.is_set():
            signals.exported.emit(key, pipeline.CleanResult(source=plan.source, error=EXPORT_CANCELLED))
            QTimer.singleShot(0, self._next_in_process)
            return
        signals.started.emit(key)
        future = self._executor.submit(analysis_process.clean_file, plan, self._out_dir, self._settings,
                                       self._reserved, self._keep_audio)
        self._future = future

        def done(fut) -> None:  # executor thread: only emit
            try:
                result, reserved = fut.result()
                self._reserved = reserved
            except Exception as exc:  # noqa: BLE001 - the worker died or the task failed
                reason = ("the export stopped on this file (it may be damaged)"
                          if isinstance(exc, BrokenProcessPool) else safe_reason(exc))
                result = pipeline.CleanResult(source=plan.source, error=reason)
            signals.exported.emit(key, result)
            signals.next_export.emit()

        future.add_done_callback(done)

    def _run_on_thread(self) -> None:
        cancel = self._cancel
        signals = self._signals
        queue, out_dir, settings, reserved = list(self._queue), self._out_dir, self._settings, self._reserved
        keep_audio = self._keep_audio
        self._queue.clear()

        def job() -> None:
            for key, plan in queue:
                if cancel.is_set():
                    result = pipeline.CleanResult(source=plan.source, error=EXPORT_CANCELLED)
                else:
                    signals.started.emit(key)
                    try:
                        result = pipeline.clean(plan, out_dir, settings, reserved_names=reserved,
                                                cancel=cancel.is_set, keep_audio=keep_audio)
                    except Exception as exc:  # noqa: BLE001
                        result = pipeline.CleanResult(source=plan.source, error=safe_reason(exc))
                signals.exported.emit(key, result)
            signals.export_finished.emit(None)

        self._pool.start(_Task(job))

    def cancel(self) -> None:
        self._cancel.set()
        if self._mp_cancel is not None:
            self._mp_cancel.set()

    def wait(self, msecs: int = -1) -> bool:
        done = self._pool.waitForDone(msecs)
        if self._future is not None:
            try:
                self._future.exception(timeout=None if msecs < 0 else msecs / 1000)
            except Exception:  # noqa: BLE001
                return False
        return done

    def shutdown(self) -> None:
        self.cancel()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._pool.waitForDone(10000)

    def _on_finished(self, _results) -> None:
        self.running = False
        if self._executor is not None:  # the process is only needed while exporting
            self._executor.shutdown(wait=False)
            self._executor = None
        self.finished.emit(self._results)

    def _on_exported(self, key: int, result) -> None:
        self._done += 1
        self._results.append((key, result))
        self.exported.emit(key, result)
        self.progress.emit(self._done, self._total)
