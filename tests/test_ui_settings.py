"""Remembered choices: round trip, bad values, and nothing that names a patient photo."""
from __future__ import annotations

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
