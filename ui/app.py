"""Entry point of the desktop app (`sanitize-gui`).

Order matters: the network guard goes in before anything else is imported, leftovers of a
crashed run are swept, and an exception hook makes sure no error ever closes the window
(it is logged by type and location only: messages can carry file names or text).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from sanitizer import netguard

netguard.install()  # first: nothing below may open a connection

from sanitizer import tempfiles  # noqa: E402

log = logging.getLogger("ui")

def build_parser() -> argparse.ArgumentParser:
    """Command-line options; packaging adds its own (for example --self-test) here."""
    parser = argparse.ArgumentParser(prog="sanitize-gui", description="Hide faces and patient information "
                                     "in photos and videos, and remove hidden metadata.")
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to add at start")
    parser.add_argument("--self-test", action="store_true", help="check the installation offline and exit")
    return parser


def phi_free_trace(exc_type, exc, tb) -> str:
    """The exception's type and where it happened; never its message (it may hold names or text)."""
    frames = traceback.extract_tb(tb)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-8:]))
    return f"{exc_type.__name__} at {where}" if where else exc_type.__name__


def install_excepthook() -> None:
    """Uncaught exceptions are logged without PHI and shown in a message box; the app stays open."""
    showing = False

    def hook(exc_type, exc, tb) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error: %s", phi_free_trace(exc_type, exc, tb))
        from PySide6.QtWidgets import QApplication, QMessageBox
        if showing or QApplication.instance() is None:
            return
        showing = True
        try:
            QMessageBox.warning(
                None, "Something went wrong",
                "Something unexpected happened, but your original files are safe: they are never changed.\n\n"
                f"The problem was noted ({exc_type.__name__}). You can carry on; if it happens again, "
                "restart the app.")
        finally:
            showing = False

    sys.excepthook = hook


def main(argv: list[str] | None = None) -> int:
    import multiprocessing
    multiprocessing.freeze_support()  # the analysis worker process, in a PyInstaller build
    args = build_parser().parse_args(argv)
    if args.self_test:  # for IT after installing: no window, one PASS/FAIL line per check
        from sanitizer.selftest import run_self_test
        return run_self_test()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    swept = tempfiles.sweep_system_temp()  # leftovers of a run that crashed
    if swept:
        log.warning("removed %d temporary item(s) left by an earlier run", swept)

    from PySide6.QtCore import QTimer

    from .main_window import MainWindow

    install_excepthook()
    app = create_application()
    window = MainWindow()
    window.show()
    if os.environ.get("SANITIZER_REPORT_SHOWN") == "1":  # bench/bench_launch.py: launch-to-window time
        QTimer.singleShot(0, lambda: print(f"window-shown {time.time():.6f}", flush=True))
        QTimer.singleShot(1500, app.quit)
    if args.paths:
        window.add_paths(args.paths)
    try:
        return app.exec()
    finally:
        window.shutdown()
        window.close()
        tempfiles.cleanup_private()


def create_application(dark: bool | None = None):
    """The QApplication with the app's names, style and colours (shared with tools/screenshots.py);
    `dark` None follows the system's light or dark choice."""
    from PySide6.QtWidgets import QApplication

    from .main_window import APP_TITLE
    from .theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName(APP_TITLE)
    app.setStyle("Fusion")
    apply_theme(app, dark)
    return app


if __name__ == "__main__":
    sys.exit(main())
