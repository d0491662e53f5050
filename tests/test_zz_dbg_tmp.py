import sys, time, threading, os
sys.path.insert(0, "/work/main/tests")
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui_support import plain_photo

@pytest.mark.parametrize("step", ["exec", "main"])
def test_dbg(qtbot, tmp_path, step, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    from ui import app as app_module
    QTimer.singleShot(300, QApplication.quit)
    if step == "exec":
        QApplication.instance().exec()
    else:
        app_module.main([])
    photo = plain_photo(tmp_path / "photo.png", (400, 300))
    from sanitizer import pipeline
    done = []
    t = threading.Thread(target=lambda: done.append(pipeline.load_display(photo)))
    t0 = time.time(); t.start()
    try:
        qtbot.waitUntil(lambda: bool(done), timeout=5000)
    finally:
        print(step, "took", round(time.time() - t0, 3), done and "ok")
