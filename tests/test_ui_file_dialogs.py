"""The app's file and folder choosers leave no folder history in Qt's shared settings."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from ui import file_dialogs

NATIVE, USER = QSettings.Format.NativeFormat, QSettings.Scope.UserScope


@pytest.fixture
def user_settings_dir(tmp_path, qapp):
    """Point user-scope QSettings (where QtProject.conf lives) at an empty folder for one test."""
    config = tmp_path / "config"
    QSettings.setPath(NATIVE, USER, str(config))
    try:
        yield config
    finally:
        QSettings.setPath(NATIVE, USER, QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.GenericConfigLocation))


def _accept_the_dialog_soon() -> None:
    def accept():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QFileDialog) and widget.isVisible():
                widget.accept()
                return
        QTimer.singleShot(50, accept)
    QTimer.singleShot(50, accept)


def test_choosing_a_folder_writes_no_dialog_history(user_settings_dir, tmp_path):
    photos = tmp_path / "Ward5_patient_photos"
    photos.mkdir()
    _accept_the_dialog_soon()
    assert Path(file_dialogs.choose_folder(None, "Add a folder", str(photos))) == photos
    assert not user_settings_dir.exists() or list(user_settings_dir.rglob("*")) == []


def test_an_existing_qt_history_is_left_as_it_was(user_settings_dir, tmp_path):
    user_settings_dir.mkdir()
    conf = QSettings(NATIVE, USER, "QtProject")
    conf.setValue("FileDialog/history", ["file:///srv/elsewhere"])
    conf.setValue("Other/kept", "yes")
    conf.sync()
    photos = tmp_path / "Ward5_patient_photos"
    photos.mkdir()
    _accept_the_dialog_soon()
    file_dialogs.choose_folder(None, "Add a folder", str(photos))
    text = Path(conf.fileName()).read_text()
    assert "Ward5" not in text and "elsewhere" in text and "kept=yes" in text


def test_qt_dialogs_do_write_history_without_the_guard(user_settings_dir, tmp_path):
    """The thing guarded against is real: a plain QFileDialog records the folder."""
    photos = tmp_path / "Ward5_patient_photos"
    photos.mkdir()
    _accept_the_dialog_soon()
    QFileDialog.getExistingDirectory(None, "x", str(photos), QFileDialog.Option.DontUseNativeDialog)
    QSettings(NATIVE, USER, "QtProject").sync()
    assert "Ward5" in "".join(p.read_text() for p in user_settings_dir.rglob("*.conf"))
