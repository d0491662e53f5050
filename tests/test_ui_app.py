"""The app's entry point: crash leftovers swept, exceptions never close the app, no PHI logged."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from sanitizer.tempfiles import TEMP_PREFIX
from ui import app as app_module

SECRET = "DOE, JANE MRN 00482913"
REPO = Path(__file__).resolve().parents[1]


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


RUN_MAIN = """
import sys
from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication
QStandardPaths.setTestModeEnabled(True)  # keep the real user's settings out of it
app = QApplication(sys.argv[:1])
def quit_soon():
    titles = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
    print("VISIBLE:" + "|".join(titles), flush=True)
    QApplication.quit()
QTimer.singleShot(1500, quit_soon)
from ui import app as app_module
sys.exit(app_module.main([]))
"""


def test_main_sweeps_leftovers_and_runs_until_quit(tmp_path):
    """The real entry point, in its own process (it installs process-wide hooks and styles)."""
    stale_dir = tmp_path / f"{TEMP_PREFIX}crashed"
    stale_dir.mkdir()
    (stale_dir / "frame.png").write_bytes(b"left by a crash")
    stale_file = tmp_path / f"{TEMP_PREFIX}abc.jpg"
    stale_file.write_bytes(b"partial")
    keep = tmp_path / "someone_elses.tmp"
    keep.write_bytes(b"not ours")
    env = {**os.environ, "TMPDIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", RUN_MAIN], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "VISIBLE:PHI Sanitizer" in done.stdout
    assert not stale_dir.exists() and not stale_file.exists()
    assert keep.exists()
