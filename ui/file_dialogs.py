"""File and folder choosers that leave no history behind.

Qt's file dialog remembers the folders it visited (`history`, `lastVisited`, sidebar
shortcuts) in the user's QtProject settings (~/.config/QtProject.conf, the registry on
Windows), and the Windows native dialog keeps its own most-recently-used folders. Folder
names of patient photos are themselves sensitive, and the app promises to write nothing
outside the output folder but its own documented choices. So Qt's own dialog is used (never
the OS one) and the QtProject file-dialog state is put back as it was once the dialog closes.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

_GROUP = "FileDialog"
_OPTIONS = QFileDialog.Option.DontUseNativeDialog


def _qt_project_settings() -> QSettings:
    return QSettings(QSettings.Scope.UserScope, "QtProject")


@contextmanager
def no_dialog_history() -> Iterator[None]:
    """Run a file dialog, then restore the QtProject file-dialog state it changed; a settings
    file (or its folder) that did not exist before is removed again."""
    settings = _qt_project_settings()
    path = Path(settings.fileName())
    file_existed, folder_existed = path.exists(), path.parent.exists()
    before = {key: settings.value(key) for key in settings.allKeys() if key.startswith(f"{_GROUP}/")}
    try:
        yield
    finally:
        settings = _qt_project_settings()
        settings.remove(_GROUP)
        for key, value in before.items():
            settings.setValue(key, value)
        settings.sync()
        if not file_existed and not settings.allKeys():
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".lock").unlink(missing_ok=True)
            if not folder_existed:
                try:
                    path.parent.rmdir()
                except OSError:
                    pass  # something else lives there now: leave it


def choose_files(parent: QWidget | None, caption: str) -> list[str]:
    with no_dialog_history():
        files, _ = QFileDialog.getOpenFileNames(parent, caption, "", "", None, _OPTIONS)
    return files


def choose_folder(parent: QWidget | None, caption: str, start: str = "") -> str:
    with no_dialog_history():
        return QFileDialog.getExistingDirectory(parent, caption, start,
                                                _OPTIONS | QFileDialog.Option.ShowDirsOnly)


def choose_file(parent: QWidget | None, caption: str, name_filter: str = "") -> str:
    with no_dialog_history():
        name, _ = QFileDialog.getOpenFileName(parent, caption, "", name_filter, None, _OPTIONS)
    return name


def choose_save_file(parent: QWidget | None, caption: str, suggested: str, name_filter: str = "") -> str:
    with no_dialog_history():
        name, _ = QFileDialog.getSaveFileName(parent, caption, suggested, name_filter, None, _OPTIONS)
    return name
