"""The Settings dialog: how hard to look, which preset, words that are never patient data."""
from __future__ import annotations

import copy

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from sanitizer.settings import Preset, Sensitivity, Settings

from .settings_store import parse_allowlist

SENSITIVITY_LABELS = {
    Sensitivity.HIGH: "High — hide anything that might be a face or patient information (recommended)",
    Sensitivity.MEDIUM: "Medium",
    Sensitivity.LOW: "Low — fewer proposals, more to check by eye",
}
PRESET_LABELS = {
    Preset.STANDARD: "Standard — faces blurred, patient information hidden",
    Preset.STRICT: "Strict — faces blacked out and all other text hidden too",
}


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._settings = copy.deepcopy(settings)
        self.sensitivity = QComboBox()
        for value, label in SENSITIVITY_LABELS.items():
            self.sensitivity.addItem(label, value.value)
        self.sensitivity.setCurrentIndex(max(0, self.sensitivity.findData(settings.sensitivity.value)))
        self.preset = QComboBox()
        for value, label in PRESET_LABELS.items():
            self.preset.addItem(label, value.value)
        self.preset.setCurrentIndex(max(0, self.preset.findData(settings.preset.value)))
        self.allowlist = QPlainTextEdit("\n".join(settings.allowlist))
        self.allowlist.setPlaceholderText("One per line, e.g. the hospital's name or ward signs")
        form = QFormLayout()
        form.addRow("Sensitivity:", self.sensitivity)
        form.addRow("Preset:", self.preset)
        form.addRow("Words that are never\npatient information:", self.allowlist)
        note = QLabel("Changes apply to files added from now on.")
        note.setObjectName("mutedText")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def result_settings(self) -> Settings:
        s = copy.deepcopy(self._settings)
        s.sensitivity = Sensitivity(self.sensitivity.currentData())
        s.preset = Preset(self.preset.currentData())
        s.allowlist = parse_allowlist(self.allowlist.toPlainText())
        return s
