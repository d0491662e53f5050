"""One background runner for the slow engine calls (analysis, export): typed outcomes.

A task runs in one low-priority worker process (see ui/analysis_process.py for why), or on a
thread of this process when no process can be started. Either way the caller gets a
TaskResult whose `outcome` says what happened; nothing is read from error text. The runner
never touches widgets from its threads: results come back through a queued signal.
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from enum import Enum
from multiprocessing import sharedctypes  # noqa: F401 - used by ctx.Value (imported at start-up, not mid-batch)
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from sanitizer import pipeline
from sanitizer.errors import where_raised

from . import analysis_process

log = logging.getLogger(__name__)

PROGRESS_POLL_MS = 200  # how often the fraction done of a task in the worker process is read


class Outcome(str, Enum):
    DONE = "done"                # the task returned `value`
    FAILED = "failed"            # the task raised; `reason` in plain words
    WORKER_DIED = "worker died"  # the worker process ended mid-task (a decoder crash); a new one starts next


@dataclass
class TaskResult:
    outcome: Outcome
    value: Any = None
    reason: str = ""


class _Relay(QObject):
    """Created on the UI thread: signals emitted from worker threads are delivered there."""
    finished = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        self._fn()


class BackgroundRunner(QObject):
    """Runs one task at a time; `finished` carries its TaskResult, `progress` the fraction done.

    A task is a function of ui.analysis_process that accepts `cancel` and `progress`
    keywords on a thread; in the worker process it reads them from the process's globals."""

    finished = Signal(object)    # TaskResult
    progress = Signal(float)     # 0..1 of the task running

    def __init__(self, parent: QObject | None = None, use_processes: bool = True) -> None:
        super().__init__(parent)
        self._use_processes = use_processes
        self._executor: ProcessPoolExecutor | None = None
        self._mp_cancel = None
        self._mp_progress = None
        self._thread_cancel = threading.Event()
        self._thread_progress = 0.0
        self._future = None
        self._background = None   # a task whose result nobody waits for (model loading)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished)
        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(lambda: self.progress.emit(self.fraction_done()))
        self.running = False

    @property
    def in_process(self) -> bool:
        return self._executor is not None

    def fraction_done(self) -> float:
        if self._executor is not None and self._mp_progress is not None:
            return float(self._mp_progress.value)
        return self._thread_progress

    def start_worker(self) -> bool:
        """Start the worker process now (idempotent); False when only a thread is available."""
        if not self._use_processes:
            return False
        if self._executor is not None:
            return True
        try:
            ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
            self._mp_cancel = ctx.Event()
            self._mp_progress = ctx.Value("d", 0.0, lock=False)
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                                 initializer=analysis_process.init_worker,
                                                 initargs=(self._mp_cancel, self._mp_progress))
            return True
        except Exception as exc:  # noqa: BLE001 - a thread still keeps the window free
            log.warning("worker process unavailable (%s); using a thread", type(exc).__name__)
            self._use_processes = False
            return False

    def submit_background(self, fn: Callable, *args) -> None:
        """Run `fn` in the worker process with no result wanted (loading models ahead of time)."""
        if self.start_worker():
            self._background = self._executor.submit(fn, *args)

    def run(self, fn: Callable, *args) -> None:
        """Start one task; its TaskResult arrives through `finished` on the UI thread."""
        assert not self.running, "one task at a time"
        self.running = True
        relay = self._relay
        if self.start_worker():
            self._mp_cancel.clear()
            self._mp_progress.value = 0.0
            future = self._executor.submit(fn, *args)
            self._future = future
            self._poll.start()

            def done(fut) -> None:  # runs on the executor's thread: only emit
                try:
                    result = TaskResult(Outcome.DONE, fut.result())
                except BrokenProcessPool:
                    result = TaskResult(Outcome.WORKER_DIED, reason="the worker stopped on this file")
                except Exception as exc:  # noqa: BLE001 - the task raised inside the worker
                    log.warning("background task failed: %s raised at %s", type(exc).__name__, where_raised(exc))
                    result = TaskResult(Outcome.FAILED, reason=pipeline.user_message(exc))
                relay.finished.emit(result)

            future.add_done_callback(done)
            return
        self._thread_cancel = cancel = threading.Event()
        self._thread_progress = 0.0

        def report(done: int, total: int) -> None:
            if total:
                self._thread_progress = done / total

        def job() -> None:
            try:
                result = TaskResult(Outcome.DONE, fn(*args, cancel=cancel.is_set, progress=report))
            except Exception as exc:  # noqa: BLE001 - a task must never take the app down
                # Type and place only: a message can quote file contents or text read in a picture.
                log.warning("background task failed: %s raised at %s", type(exc).__name__, where_raised(exc))
                result = TaskResult(Outcome.FAILED, reason=pipeline.user_message(exc))
            relay.finished.emit(result)

        self._poll.start()
        self._pool.start(_Job(job))

    def cancel(self) -> None:
        """Ask the task running to stop between steps."""
        self._thread_cancel.set()
        if self._mp_cancel is not None:
            self._mp_cancel.set()

    def _on_finished(self, result: TaskResult) -> None:
        self.running = False
        self._future = None
        self._poll.stop()
        if result.outcome is Outcome.WORKER_DIED and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None  # a fresh worker for the next task
        self.finished.emit(result)

    def wait(self, msecs: int = -1) -> bool:
        done = self._pool.waitForDone(msecs)
        future = self._future
        if future is not None:
            try:
                future.exception(timeout=None if msecs < 0 else msecs / 1000)
            except Exception:  # noqa: BLE001 - timeout or a broken worker: not done
                return False
        return done

    def stop_worker(self, kill_running: bool = False, wait: bool = True) -> None:
        """End the worker process; `kill_running` does not wait for a task half done, and
        `wait=False` returns at once (the process exits on its own; no stall of the window)."""
        self.cancel()
        executor, self._executor = self._executor, None
        if executor is not None:
            if kill_running and any(f is not None and not f.done() for f in (self._future, self._background)):
                # A file half-analysed is thrown away anyway: do not make the user wait for
                # it. Its scratch files (videos) are swept on the next start.
                for process in list((getattr(executor, "_processes", None) or {}).values()):
                    process.terminate()
            executor.shutdown(wait=wait, cancel_futures=True)
        self._poll.stop()
        if wait:
            self._pool.waitForDone(10000)
