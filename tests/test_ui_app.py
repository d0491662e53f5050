"""The app's entry point: crash leftovers swept, exceptions never close the app, no PHI logged."""
from __future__ import annotations

import logging
import sys
import tempfile

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from sanitizer.tempfiles import TEMP_PREFIX
from ui import app as app_module

SECRET = "DOE, JANE MRN 00482913"


def test_excepthook_shows_a_box_and_logs_without_the_message(qtbot, monkeypatch, caplog):
    shown = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a))
    app_module.install_excepthook()
    try:
        raise ValueError(SECRET)
    except ValueError:
        exc_info = sys.exc_info()
    with caplog.at_level(logging.ERROR):
        sys.excepthook(*exc_info)
    assert len(shown) == 1
    assert "ValueError" in shown[0][2] and SECRET not in shown[0][2]
    assert "ValueError" in caplog.text and SECRET not in caplog.text
    assert "test_ui_app.py" in caplog.text  # where it happened is kept


def test_main_sweeps_leftovers_and_runs_until_quit(qtbot, monkeypatch, tmp_path):
    QStandardPaths.setTestModeEnabled(True)  # keep the real user's settings out of it
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    stale_dir = tmp_path / f"{TEMP_PREFIX}crashed"
    stale_dir.mkdir()
    (stale_dir / "frame.png").write_bytes(b"left by a crash")
    stale_file = tmp_path / f"{TEMP_PREFIX}abc.jpg"
    stale_file.write_bytes(b"partial")
    keep = tmp_path / "someone_elses.tmp"
    keep.write_bytes(b"not ours")

    seen = []

    def quit_soon():
        seen.extend(w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible())
        QApplication.quit()

    QTimer.singleShot(300, quit_soon)
    assert app_module.main([]) == 0
    assert "PHI Sanitizer" in seen
    assert not stale_dir.exists() and not stale_file.exists()
    assert keep.exists()
