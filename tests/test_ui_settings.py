"""Remembered choices: round trip, bad values, and nothing that names a patient photo."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from sanitizer.settings import Preset, Sensitivity, Settings, Style
from ui.settings_store import SettingsStore, parse_allowlist


def store_at(tmp_path):
    return SettingsStore(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


def test_round_trip(tmp_path):
    store = store_at(tmp_path)
    store.save(Settings(preset=Preset.STRICT, sensitivity=Sensitivity.MEDIUM, face_style=Style.PIXELATE,
                        text_style=Style.BLUR, allowlist=["Mercy General", "Ward 4"]))
    store.last_output_folder = tmp_path / "out"
    again = store_at(tmp_path)
    loaded = again.load()
    assert loaded.preset is Preset.STRICT and loaded.sensitivity is Sensitivity.MEDIUM
    assert loaded.face_style is Style.PIXELATE and loaded.text_style is Style.BLUR
    assert loaded.allowlist == ["Mercy General", "Ward 4"]
    assert again.last_output_folder == tmp_path / "out"


def test_defaults_and_bad_values_fall_back(tmp_path):
    assert store_at(tmp_path).load() == Settings()
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    qs.setValue("preset", "nonsense")
    qs.setValue("sensitivity", 42)
    qs.sync()
    loaded = store_at(tmp_path).load()
    assert loaded.preset is Preset.STANDARD and loaded.sensitivity is Sensitivity.HIGH


def test_only_choices_are_stored(tmp_path):
    store = store_at(tmp_path)
    store.save(Settings())
    store.last_output_folder = tmp_path
    assert set(store.stored_keys()) <= {"preset", "sensitivity", "face_style", "text_style", "allowlist",
                                        "last_output_folder"}


def test_parse_allowlist():
    assert parse_allowlist(" Mercy General \n\nward 4, Ward 4\nICU ") == ["Mercy General", "ward 4", "ICU"]


def test_settings_dialog_returns_real_choices(qtbot):
    from ui.settings_dialog import SettingsDialog
    dialog = SettingsDialog(Settings(allowlist=["Mercy General"]))
    qtbot.addWidget(dialog)
    dialog.sensitivity.setCurrentIndex(dialog.sensitivity.findData(Sensitivity.LOW.value))
    dialog.preset.setCurrentIndex(dialog.preset.findData(Preset.STRICT.value))
    dialog.allowlist.setPlainText("Mercy General\nWard 4\n")
    chosen = dialog.result_settings()
    assert chosen.sensitivity is Sensitivity.LOW and chosen.preset is Preset.STRICT
    assert chosen.allowlist == ["Mercy General", "Ward 4"]
    assert chosen.describe()["preset"] == "strict"  # usable by the audit report as it is


def test_export_dialog_choices_and_folder_rules(qtbot, tmp_path):
    from types import SimpleNamespace

    from sanitizer.regions import Plan
    from ui.export_dialog import ExportDialog, check_output_folder, default_output_folder

    originals = tmp_path / "photos"
    originals.mkdir()
    photo = originals / "a.jpg"
    photo.write_bytes(b"x")
    item = SimpleNamespace(key=1, path=photo, plan=Plan(source=photo, approved=True))
    dialog = ExportDialog(None, [item], store_at(tmp_path), Settings())
    qtbot.addWidget(dialog)
    assert Path(dialog.folder_edit.text()) != originals  # the default is never the originals' folder
    dialog.strict.setChecked(True)
    dialog.face_style.setCurrentIndex(dialog.face_style.findData(Style.PIXELATE.value))
    chosen = dialog.chosen_settings()
    assert chosen.preset is Preset.STRICT and chosen.face_style is Style.PIXELATE
    assert chosen.style_for("face") is Style.PIXELATE and chosen.describe()["face_style"] == "pixelate"
    assert check_output_folder(originals, [photo]) is not None
    assert check_output_folder(originals / "." , [photo]) is not None
    assert check_output_folder(tmp_path / "clean", [photo]) is None
    assert default_output_folder(originals, [photo]) != originals  # a remembered bad folder is not reused
