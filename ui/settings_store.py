"""Settings the app remembers between runs (QSettings).

Only choices are kept: sensitivity, preset, redaction styles, allowlist, last output folder.
Never a list of recent files: file names of patient photos are themselves sensitive.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from sanitizer.settings import Preset, Sensitivity, Settings, Style

ORGANISATION = "PHI Sanitizer"
APPLICATION = "PHI Sanitizer"

# Keys that may be stored; anything else found in the store is ignored on load.
_KEYS = ("preset", "sensitivity", "face_style", "text_style", "allowlist", "last_output_folder")


def _enum_or(enum_type, value, default):
    try:
        return enum_type(str(value))
    except (ValueError, TypeError):
        return default


class SettingsStore:
    """Reads and writes the remembered choices; a bad stored value falls back to the default."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings(ORGANISATION, APPLICATION)

    def load(self) -> Settings:
        defaults = Settings()
        face_raw = self._qs.value("face_style", "")
        allowlist_raw = self._qs.value("allowlist", "")
        return Settings(
            preset=_enum_or(Preset, self._qs.value("preset", defaults.preset.value), defaults.preset),
            sensitivity=_enum_or(
                Sensitivity, self._qs.value("sensitivity", defaults.sensitivity.value), defaults.sensitivity
            ),
            face_style=_enum_or(Style, face_raw, None) if face_raw else None,
            text_style=_enum_or(Style, self._qs.value("text_style", defaults.text_style.value), defaults.text_style),
            allowlist=parse_allowlist(str(allowlist_raw or "")),
        )

    def save(self, settings: Settings) -> None:
        self._qs.setValue("preset", settings.preset.value)
        self._qs.setValue("sensitivity", settings.sensitivity.value)
        self._qs.setValue("face_style", settings.face_style.value if settings.face_style else "")
        self._qs.setValue("text_style", settings.text_style.value)
        self._qs.setValue("allowlist", "\n".join(settings.allowlist))
        self._qs.sync()

    @property
    def last_output_folder(self) -> Path | None:
        raw = self._qs.value("last_output_folder", "")
        return Path(str(raw)) if raw else None

    @last_output_folder.setter
    def last_output_folder(self, folder: Path | None) -> None:
        self._qs.setValue("last_output_folder", str(folder) if folder else "")
        self._qs.sync()

    def stored_keys(self) -> list[str]:
        return list(self._qs.allKeys())


def parse_allowlist(text: str) -> list[str]:
    """One word or phrase per line (commas also separate); blanks and duplicates dropped."""
    seen: dict[str, None] = {}
    for line in text.replace(",", "\n").splitlines():
        word = line.strip()
        if word and word.lower() not in (k.lower() for k in seen):
            seen[word] = None
    return list(seen)
