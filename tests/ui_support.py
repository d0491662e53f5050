"""Helpers shared by the tests of the desktop app: a generated batch, a window, a drop."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from sanitizer import sample_photos
from ui.main_window import MainWindow
from ui.settings_store import SettingsStore

ANALYSIS_TIMEOUT_MS = 120_000


def make_batch(folder: Path, corrupt: bool = True) -> list[Path]:
    """Three small dirty photos (one in a subfolder), a non-media file, and maybe a corrupt JPEG."""
    (folder / "day2").mkdir(parents=True, exist_ok=True)
    files = [
        sample_photos.dirty_jpeg(folder / "ward_visit.jpg", sample_photos.scene(480, 320, seed=1)),
        sample_photos.dirty_png(folder / "poster.png", sample_photos.scene(400, 300, seed=2)),
        sample_photos.dirty_jpeg(folder / "day2" / "gala.jpg", sample_photos.scene(480, 320, seed=3),
                                 orientation=6),
    ]
    (folder / "notes.txt").write_text("not a photo")
    if corrupt:
        broken = folder / "day2" / "broken.jpg"
        good = (folder / "ward_visit.jpg").read_bytes()
        broken.write_bytes(good[:600])  # the header survives, the picture does not
        files.append(broken)
    return files


def plain_photo(path: Path, size=(320, 240)) -> Path:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path, "PNG")
    return path


def make_store(tmp_path: Path) -> SettingsStore:
    return SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_window(qtbot, tmp_path: Path) -> MainWindow:
    window = MainWindow(store=make_store(tmp_path))
    # A test ends with the window closed: no "save your review?" question may block it.
    qtbot.addWidget(window, before_close_func=lambda w: w.discard_unsaved_work())
    window.show()
    qtbot.waitExposed(window)
    return window


def drop_paths(target: QWidget, paths: list[Path], actions=Qt.DropAction.CopyAction,
               modifiers=Qt.KeyboardModifier.NoModifier) -> QDropEvent:
    """What the OS does when files are dragged from the desktop onto `target`.

    `actions` are what the source offers; Qt proposes one of them from the `modifiers`
    (Shift proposes Move, as a plain drag between folders on one drive does on Windows)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = target.rect().center()
    args = (actions, mime, Qt.MouseButton.LeftButton, modifiers)
    try:  # PySide6 >= 6.12 takes a QPointF (the QPoint form is deprecated there)
        enter = QDragEnterEvent(QPointF(centre), *args)
    except TypeError:
        enter = QDragEnterEvent(centre, *args)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return enter
    drop = QDropEvent(QPointF(centre), *args)
    QApplication.sendEvent(target, drop)
    return drop


def wait_for_analysis(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.analysis.busy, timeout=ANALYSIS_TIMEOUT_MS)


def widget_point(canvas, x: float, y: float) -> QPoint:
    """An image coordinate as a point on the canvas widget."""
    return canvas.to_widget(QPointF(x, y)).toPoint()


def open_editor(qtbot, plan, name: str, item: int, size: tuple[int, int], timeout_ms: int):
    """A shown EditorWidget with `plan` loaded, once its canvas holds the picture."""
    from sanitizer.settings import Settings
    from ui.editor import EditorWidget
    editor = EditorWidget(Settings())
    qtbot.addWidget(editor)
    editor.resize(*size)
    editor.show()
    qtbot.waitExposed(editor)
    editor.set_item(item, plan, name)
    qtbot.waitUntil(lambda: editor.canvas.image_size == (plan.width, plan.height), timeout=timeout_ms)
    return editor
