"""Export: choose where the clean copies go and how areas are hidden, write them, report.

Clean copies are written by the engine (sanitizer.pipeline.clean), which writes a new file
from the pixels, reads it back to verify it and only then renames it into place. The
dialog refuses the originals' folder so an original can never be overwritten or mixed up.
"""
from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QRegularExpression, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QRegularExpressionValidator
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from sanitizer.audit import AuditReport
from sanitizer.errors import OutputError
from sanitizer.pipeline import NEUTRAL_PREFIX, check_output_dir
from sanitizer.settings import Preset, Settings, Style

from . import file_dialogs, theme
from .settings_dialog import PRESET_LABELS
from .worker import ExportJob, Exporter

STYLE_LABELS = {Style.BLUR: "Strong blur", Style.PIXELATE: "Pixelate", Style.FILL: "Solid black box"}


def check_output_folder(folder: Path, sources: list[Path]) -> str | None:
    """A plain reason why `folder` cannot receive the clean copies, or None when it can."""
    if not str(folder).strip():
        return "Choose a folder for the clean copies."
    try:
        resolved = folder.expanduser().resolve()
    except OSError:
        return "That folder cannot be used."
    source_folders = {s.resolve().parent for s in sources}
    if resolved in source_folders:
        return ("That is the folder of the original photos. Choose another folder so the "
                "originals are never touched.")
    if resolved.exists() and not resolved.is_dir():
        return "That is a file, not a folder."
    return None


def next_free_folder(folder: Path) -> Path:
    """'<folder> 2', '<folder> 3', ... : the first that does not exist yet."""
    n = 2
    while (candidate := folder.with_name(f"{folder.name} {n}")).exists():
        n += 1
    return candidate


def default_output_folder(last: Path | None, sources: list[Path]) -> Path:
    if last is not None and check_output_folder(last, sources) is None:
        return last
    first_parent = sources[0].resolve().parent if sources else Path.home()
    return first_parent.parent / f"{first_parent.name} - clean copies"


class ExportDialog(QDialog):
    """Runs one export; stays open to show progress and then a summary."""

    fileStarted = Signal(int)
    fileExported = Signal(int, object)    # key, CleanResult
    fileSkipped = Signal(int)             # key: not exported because the export was stopped
    exportFinished = Signal(object)       # summary dict

    def __init__(self, parent: QWidget | None, items: list, store, settings: Settings) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export clean copies")
        self.setMinimumWidth(560)
        self.items = items
        self.store = store
        self.base_settings = settings
        self.report_paths: tuple[Path, Path] | None = None
        self.summary: dict | None = None
        self.results: list = []
        self.skipped = 0
        self._exporter = Exporter(self)
        self._exporter.started.connect(self.fileStarted)
        self._exporter.exported.connect(self._on_exported)
        self._exporter.skipped.connect(self._on_skipped)
        self._exporter.progress.connect(self._on_progress)
        self._exporter.finished.connect(self._on_finished)
        self._out_dir: Path | None = None
        self._report: AuditReport | None = None
        self._build(settings)

    # ----- layout ------------------------------------------------------------------------
    def _build(self, settings: Settings) -> None:
        sources = [item.path for item in self.items]
        self.folder_edit = QLineEdit(str(default_output_folder(self.store.last_output_folder, sources)))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)

        self.standard = QRadioButton(PRESET_LABELS[Preset.STANDARD])  # the same words as in Settings
        self.strict = QRadioButton(PRESET_LABELS[Preset.STRICT])
        group = QButtonGroup(self)
        group.addButton(self.standard)
        group.addButton(self.strict)
        (self.strict if settings.preset is Preset.STRICT else self.standard).setChecked(True)
        self.standard.toggled.connect(self._sync_face_style)

        self.face_style = QComboBox()
        # Item data are the enum values as plain strings (Qt does not keep Python enum types).
        self.face_style.addItem("As the preset says", "")
        for style, label in STYLE_LABELS.items():
            self.face_style.addItem(label, style.value)
        face = settings.face_style.value if settings.face_style else ""
        self.face_style.setCurrentIndex(max(0, self.face_style.findData(face)))
        self.text_style = QComboBox()
        for style, label in STYLE_LABELS.items():
            self.text_style.addItem(label, style.value)
        self.text_style.setCurrentIndex(max(0, self.text_style.findData(settings.text_style.value)))

        unreviewed = [i for i in self.items if self._needs_eyes(i)]
        n = len(unreviewed)
        self.include_unreviewed = QCheckBox(
            f"Also export {n} file{'s' if n != 1 else ''} that nobody approved "
            f"({'it is' if n == 1 else 'they are'} marked “not approved” in the report)")
        self.include_unreviewed.setObjectName("warningOption")
        self.include_unreviewed.setVisible(bool(unreviewed))
        self.include_unreviewed.toggled.connect(self._update_count)

        personal = sum(1 for i in self.items if getattr(i, "personal_name", False))
        self.neutral_names = QCheckBox("Neutral file names:")
        self.neutral_names.setToolTip("Name the clean copies PREFIX_001, PREFIX_002, ... instead of "
                                      "“<name>_clean”; the report pairs each with its original")
        self.neutral_prefix = QLineEdit(settings.neutral_prefix or "photo")
        self.neutral_prefix.setValidator(QRegularExpressionValidator(QRegularExpression(NEUTRAL_PREFIX.pattern)))
        self.neutral_prefix.setMaximumWidth(160)
        self.neutral_names.toggled.connect(self.neutral_prefix.setEnabled)
        # On by default when a file name looks personal: the safe choice is the default one.
        self.neutral_names.setChecked(bool(settings.neutral_prefix) or personal > 0)
        self.neutral_prefix.setEnabled(self.neutral_names.isChecked())
        names_row = QHBoxLayout()
        names_row.addWidget(self.neutral_names)
        names_row.addWidget(self.neutral_prefix)
        names_row.addWidget(QLabel("_001, _002, …"))
        names_row.addStretch(1)
        self.name_warning = QLabel(
            f"{personal} file name{'s' if personal != 1 else ''} may hold a person's name: "
            "neutral names keep {0} out of the clean copies.".format("them" if personal != 1 else "it"))
        self.name_warning.setObjectName("warningText")
        self.name_warning.setWordWrap(True)
        self.name_warning.setVisible(personal > 0)

        videos = sum(1 for i in self.items if i.plan is not None and i.plan.media == "video")
        self.keep_sound = QCheckBox("Keep the sound of the videos (voices and names said aloud are not checked)")
        self.keep_sound.setVisible(videos > 0)

        form = QFormLayout()
        form.addRow("Save clean copies to:", folder_row)
        form.addRow("Preset:", self.standard)
        form.addRow("", self.strict)
        form.addRow("Faces:", self.face_style)
        form.addRow("Patient information:", self.text_style)
        form.addRow("File names:", names_row)
        form.addRow("", self.name_warning)
        form.addRow("Videos:" if videos else "", self.keep_sound)

        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setObjectName("errorText")
        self.error_label.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.hide()

        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("primaryButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(self._open_folder)
        self.open_button.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)

        self.options = QWidget()
        options_layout = QVBoxLayout(self.options)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addLayout(form)
        options_layout.addWidget(self.include_unreviewed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.options)
        layout.addWidget(self.count_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary_label)
        layout.addLayout(buttons)
        self._update_count()

    @staticmethod
    def _needs_eyes(item) -> bool:
        plan = item.plan
        return plan is not None and not plan.error and not plan.approved

    def selected_items(self) -> list:
        include = self.include_unreviewed.isChecked()
        return [i for i in self.items if include or not self._needs_eyes(i)]

    def _update_count(self) -> None:
        chosen = self.selected_items()
        errors = sum(1 for i in chosen if i.plan is not None and i.plan.error)
        ok = len(chosen) - errors
        text = f"{ok} file{'s' if ok != 1 else ''} will be exported."
        if errors:
            text += f" {errors} file{'s' if errors != 1 else ''} could not be read and will be listed in the report."
        skipped = len(self.items) - len(chosen)
        if skipped:
            text += f" {skipped} not approved yet will wait."
        self.count_label.setText(text)
        self.export_button.setEnabled(ok > 0 or errors > 0)

    def _sync_face_style(self) -> None:
        pass  # "As the preset says" follows the radio buttons; nothing to mirror

    def chosen_settings(self) -> Settings:
        settings = copy.deepcopy(self.base_settings)
        settings.preset = Preset.STRICT if self.strict.isChecked() else Preset.STANDARD
        face = self.face_style.currentData()
        settings.face_style = Style(face) if face else None
        settings.text_style = Style(self.text_style.currentData())
        prefix = self.neutral_prefix.text().strip()
        settings.neutral_prefix = prefix if self.neutral_names.isChecked() and NEUTRAL_PREFIX.fullmatch(prefix) else ""
        return settings

    def set_output_folder(self, folder: Path) -> None:
        self.folder_edit.setText(str(folder))

    def _choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(self, "Folder for the clean copies", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # ----- running -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._exporter.running

    def start(self) -> bool:
        """Validate the choices and start writing; False (with a message shown) when refused."""
        folder = Path(self.folder_edit.text().strip()).expanduser()
        chosen = self.selected_items()
        problem = check_output_folder(folder, [i.path for i in self.items])
        if problem is None and not chosen:
            problem = "There is nothing to export."
        if problem is None and self.neutral_names.isChecked() and not self.chosen_settings().neutral_prefix:
            problem = "Type a word for the neutral names (letters, digits, - and _)."
        if problem is None:
            folder = self._folder_for_repeat(folder, chosen)
            if folder is None:
                return False
            try:  # made and checked writable before anything is written into it
                check_output_dir(folder, [i.path for i in self.items])
            except OutputError as exc:
                problem = f"Nothing was exported: {exc}. Choose another folder."
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return False
        self.error_label.hide()
        settings = self.chosen_settings()
        self._remember(settings)
        self._out_dir = folder
        self._report = AuditReport(out_dir=folder, settings=settings)
        self.results, self.skipped = [], 0
        self.options.setEnabled(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Stop")
        self.progress.setMaximum(len(chosen))
        self.progress.setValue(0)
        self.progress.show()
        self._exporter.start([ExportJob(i.key, i.plan) for i in chosen], folder, settings,
                             keep_audio=self.keep_sound.isChecked())
        return True

    def _remember(self, chosen: Settings) -> None:
        """The next export starts from these choices (the window's settings object is shared)."""
        base = self.base_settings
        base.preset, base.face_style, base.text_style = chosen.preset, chosen.face_style, chosen.text_style
        base.neutral_prefix = chosen.neutral_prefix
        self.store.save(base)

    def _folder_for_repeat(self, folder: Path, chosen: list) -> Path | None:
        """When some of these files were already exported to `folder`, ask: a new folder
        (returned), extra copies beside the first ones (`folder`), or nothing (None)."""
        target = folder.resolve()
        again = [i for i in chosen if getattr(i, "output", None) is not None
                 and i.output.parent.resolve() == target and i.output.exists()]
        if not again:
            return folder
        n = len(again)
        box = QMessageBox(QMessageBox.Icon.Question, "Export again?",
                          f"{n} of these file{'s were' if n != 1 else ' was'} already exported to this folder.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                          | QMessageBox.StandardButton.Cancel, self)
        fresh = next_free_folder(folder)
        box.setInformativeText(f"Export into a new folder, “{fresh.name}”, or write extra copies "
                               "(with -2 in their names) beside the first ones?")
        box.button(QMessageBox.StandardButton.Yes).setText("Use a new folder")
        box.button(QMessageBox.StandardButton.No).setText("Write extra copies")
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Yes:
            self.folder_edit.setText(str(fresh))
            return fresh
        return folder if answer == QMessageBox.StandardButton.No else None

    def cancel(self) -> None:
        self._exporter.cancel()

    def wait(self, msecs: int = -1) -> bool:
        return self._exporter.wait(msecs)

    def _cancel_or_close(self) -> None:
        if self.running:
            self._exporter.cancel()
            self.cancel_button.setEnabled(False)
            self.count_label.setText("Stopping after the current file…")
        else:
            self.reject()

    def _on_exported(self, key: int, result) -> None:
        if self._report is not None:
            self._report.add(result)
        self.results.append((key, result))
        self.fileExported.emit(key, result)

    def _on_skipped(self, key: int) -> None:
        self.skipped += 1
        self.fileSkipped.emit(key)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self.count_label.setText(f"Exported {done} of {total}…")

    def _on_finished(self, _results) -> None:
        results = [r for _, r in self.results]
        cancelled = self.skipped
        ok = [r for r in results if r.ok]
        failed = [r for r in results if not r.ok]
        report_error = None
        if ok:  # only a folder that received files becomes the next default
            self.store.last_output_folder = self._out_dir
        if self._report is not None and results:
            try:
                self.report_paths = self._report.write()
            except Exception:  # noqa: BLE001 - the files are written; say the report is missing
                report_error = "The report could not be written to that folder."
        self.summary = {"exported": len(ok), "failed": len(failed), "cancelled": cancelled,
                        "report": self.report_paths}
        error = theme.colours()["error"]
        lines = [f"<b>{len(ok)} file{'s' if len(ok) != 1 else ''} exported and verified</b> "
                 f"to {self._out_dir}."]
        if failed:
            lines.append(f"<span style='color:{error}'><b>{len(failed)} could not be exported:</b></span>")
            lines.extend(f"&nbsp;&nbsp;• {r.source.name}: {r.error}" for r in failed[:8])
            if len(failed) > 8:
                lines.append(f"&nbsp;&nbsp;… and {len(failed) - 8} more (see the report)")
        if cancelled:
            lines.append(f"{cancelled} not exported because you stopped the export.")
        if self.report_paths:
            lines.append(f"Report: {self.report_paths[0].name} (and .csv) in the same folder.")
        if report_error:
            lines.append(f"<span style='color:{error}'>{report_error}</span>")
        self.summary_label.setText("<br>".join(lines))
        self.summary_label.show()
        self.progress.hide()
        self.count_label.hide()
        self.cancel_button.setText("Close")
        self.cancel_button.setEnabled(True)
        self.open_button.setVisible(bool(ok))
        self.exportFinished.emit(self.summary)

    def _open_folder(self) -> None:
        if self._out_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._out_dir)))

    def reject(self) -> None:
        if self.running:
            self._cancel_or_close()
            return
        super().reject()
