"""What runs inside the analysis worker process (no Qt here).

Analysis runs in a separate, lower-priority process rather than a thread of the window's
process: the detectors keep both cores busy (onnxruntime spins its threads), and at normal
priority that starves the UI thread for a tenth of a second at a time; a decoder that
crashes on a damaged file also takes down only the worker, never the window.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

_cancel = None    # multiprocessing Event: set by the window to stop the current file
_progress = None  # multiprocessing Value('d'): fraction of the current file done


def lower_priority() -> None:
    """Let the window's thread win every contest for a core."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)
        elif sys.platform == "win32":
            import ctypes
            below_normal = 0x00004000
            kernel32 = ctypes.windll.kernel32
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
    except (OSError, AttributeError):
        pass  # still correct, only less responsive


def init_worker(cancel_event, progress_value) -> None:
    from sanitizer import netguard
    netguard.install()  # first, as in every process of the app
    lower_priority()
    # Worker processes end through os._exit (atexit does not run): register the clean-up of
    # this process's scratch folder where multiprocessing runs it on a normal exit.
    from multiprocessing import util

    from sanitizer import tempfiles
    util.Finalize(None, tempfiles.cleanup_private, exitpriority=10)
    global _cancel, _progress
    _cancel, _progress = cancel_event, progress_value
    _exit_with_parent()


def _exit_with_parent() -> None:
    """If the window's process dies (killed, crashed), end this worker too: no orphan holding models."""
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        from sanitizer import tempfiles
        tempfiles.cleanup_private()
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _report(done: int, total: int) -> None:
    if _progress is not None and total:
        _progress.value = done / total


def _in_worker(cancel, progress):
    """The cancel and progress callbacks: given on a thread, the process's own in the worker."""
    if cancel is None and _cancel is not None:
        cancel = _cancel.is_set
    if progress is None:
        if _progress is not None:
            _progress.value = 0.0
        progress = _report
    return cancel, progress


def analyse_file(path: Path, settings, cancel=None, progress=None):
    from sanitizer import pipeline
    cancel, progress = _in_worker(cancel, progress)
    return pipeline.analyse(path, settings, progress=progress, cancel=cancel)


def warm_up(settings) -> bool:
    """Import the engine and load the detectors' models so the first file does not wait for them."""
    from sanitizer import pipeline
    return pipeline.warm_up(settings)


def clean_file(plan, out_dir: Path, settings, reserved: set[str], keep_audio: bool = False,
               cancel=None, progress=None):
    """Write one clean copy; returns the CleanResult and the output names now taken."""
    from sanitizer import pipeline
    cancel, progress = _in_worker(cancel, progress)
    result = pipeline.clean(plan, out_dir, settings, reserved_names=reserved, progress=progress, cancel=cancel,
                            keep_audio=keep_audio)
    return result, reserved
