"""Export is always in reach, every shortcut has one owner, the folder is checked before
anything is written, and a second export of the same files asks first."""
from __future__ import annotations

import os
from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.main_window import Status

from test_ui_review import analysed_window, answer_questions
from ui_support import make_window

EXPORT_TIMEOUT_MS = 120_000


def shortcut_scopes(window) -> dict[str, list[tuple[object, QWidget, Qt.ShortcutContext]]]:
    """Key sequence -> (owner, widget it is active in, context) for every action and QShortcut."""
    found: dict[str, list] = defaultdict(list)
    for owner in window.findChildren(QAction) + window.findChildren(QShortcut):
        keys = owner.shortcuts() if isinstance(owner, QAction) else [owner.key()]
        context = owner.shortcutContext()
        if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
            widgets = [window]
        elif isinstance(owner, QAction):
            widgets = [w for w in owner.associatedObjects() if isinstance(w, QWidget)]
        else:
            widgets = [owner.parentWidget()]
        for key in keys:
            if not key.isEmpty():
                for widget in widgets:
                    found[key.toString()].append((owner, widget, context))
    return found


def overlaps(a: tuple, b: tuple) -> bool:
    """Two shortcut owners can both match one key press in the same place."""
    (_, wa, ca), (_, wb, cb) = a, b
    if ca == Qt.ShortcutContext.WidgetShortcut or cb == Qt.ShortcutContext.WidgetShortcut:
        return wa is wb
    return wa is wb or wa.isAncestorOf(wb) or wb.isAncestorOf(wa)


def test_no_key_sequence_has_two_owners_in_one_place(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    clashes = []
    for key, owners in shortcut_scopes(window).items():
        for i, a in enumerate(owners):
            for b in owners[i + 1:]:
                if a[0] is not b[0] and overlaps(a, b):
                    clashes.append((key, a[0].text() if isinstance(a[0], QAction) else a[0],
                                    b[0].text() if isinstance(b[0], QAction) else b[0]))
    assert clashes == []
    assert "Ctrl+E" in shortcut_scopes(window)  # and export still has its key


def test_export_is_reachable_from_a_narrow_editor_by_button_and_ctrl_e(qtbot, tmp_path):
    window, _ = analysed_window(qtbot, tmp_path, names=("a.png",))
    window.resize(760, 560)
    window.open_review(window.ordered_keys()[0])
    editor = window.editor
    qtbot.waitUntil(lambda: editor.export_button.isVisible())
    for button in (editor.export_button, editor.approve_button):
        corner = button.mapTo(window, button.rect().bottomRight())
        assert window.rect().contains(corner), button.text()
    qtbot.keyClick(editor.canvas, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.export_dialog is not None and window.export_dialog.isVisible()
    window.export_dialog.close()
    window.export_dialog = None
    editor.export_button.click()
    assert window.export_dialog is not None and window.export_dialog.isVisible()
    window.export_dialog.close()


def approve_all(window):
    window.set_approved(list(window.items))


def test_an_output_folder_that_cannot_be_written_is_refused_before_writing(qtbot, tmp_path):
    window, _ = analysed_window(qtbot, tmp_path)
    approve_all(window)
    before = {k: i.status for k, i in window.items.items()}
    blocker = tmp_path / "not a folder"
    blocker.write_text("a file where the folder should be")
    window.open_export()
    dialog = window.export_dialog
    dialog.set_output_folder(blocker / "clean")
    assert dialog.start() is False
    assert "Nothing was exported" in dialog.error_label.text() and "cannot be created" in dialog.error_label.text()
    assert not dialog.running
    assert {k: i.status for k, i in window.items.items()} == before  # no file shown in red
    assert window.store.last_output_folder != blocker / "clean"      # not the next default
    dialog.close()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write into any folder")
def test_a_read_only_output_folder_is_refused(qtbot, tmp_path):
    window, _ = analysed_window(qtbot, tmp_path)
    approve_all(window)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    window.open_export()
    dialog = window.export_dialog
    dialog.set_output_folder(locked)
    assert dialog.start() is False
    assert "not writable" in dialog.error_label.text()
    assert list(locked.iterdir()) == []
    dialog.close()


def export(qtbot, window, folder, answer=None, monkeypatch=None):
    window.open_export()
    dialog = window.export_dialog
    dialog.set_output_folder(folder)
    asked = answer_questions(monkeypatch, answer) if answer is not None else []
    started = dialog.start()
    if started:
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=EXPORT_TIMEOUT_MS)
    dialog.close()
    return started, asked, dialog


def test_a_second_export_to_the_same_folder_asks(qtbot, tmp_path, monkeypatch):
    window, _ = analysed_window(qtbot, tmp_path)
    approve_all(window)
    out = tmp_path / "clean"
    started, asked, _ = export(qtbot, window, out, QMessageBox.StandardButton.Cancel, monkeypatch)
    assert started and asked == []  # the first export asks nothing
    assert all(i.status is Status.EXPORTED for i in window.items.values())
    first = sorted(p.name for p in out.glob("*_clean.*"))
    assert window.store.last_output_folder == out

    started, asked, _ = export(qtbot, window, out, QMessageBox.StandardButton.Cancel, monkeypatch)
    assert not started and "already exported to this folder" in asked[0]
    started, _, dialog = export(qtbot, window, out, QMessageBox.StandardButton.Yes, monkeypatch)
    assert started and dialog._out_dir == tmp_path / "clean 2"
    assert sorted(p.name for p in (tmp_path / "clean 2").glob("*_clean.*")) == first
    assert sorted(p.name for p in out.glob("*_clean*")) == first  # nothing added to the first folder

    started, _, _ = export(qtbot, window, tmp_path / "clean 2", QMessageBox.StandardButton.No, monkeypatch)
    assert started and len(list((tmp_path / "clean 2").glob("*_clean-2.*"))) == len(first)


def test_a_personal_file_name_turns_neutral_names_on(qtbot, tmp_path, monkeypatch):
    window, _ = analysed_window(qtbot, tmp_path, names=("Mrs Patel ward 5.png", "poster.png"))
    approve_all(window)
    rows = {i.path.name: window._rows[i.key].text(2) for i in window.items.values()}
    assert rows["Mrs Patel ward 5.png"].startswith("File name may hold a person's name")
    assert "person" not in rows["poster.png"]
    window.open_export()
    dialog = window.export_dialog
    assert dialog.neutral_names.isChecked() and dialog.name_warning.isVisibleTo(dialog)
    assert "1 file name may hold a person's name" in dialog.name_warning.text()
    dialog.neutral_prefix.setText("ward")
    out = tmp_path / "clean"
    dialog.set_output_folder(out)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=EXPORT_TIMEOUT_MS)
    dialog.close()
    outputs = {i.path.name: i.output.name for i in window.items.values()}
    assert sorted(outputs.values()) == ["ward_001.png", "ward_002.png"]
    assert not [p for p in out.iterdir() if "Patel" in p.name]


def test_stopping_an_export_skips_the_rest_without_errors(qtbot, tmp_path):
    window, _ = analysed_window(qtbot, tmp_path, names=("a.png", "b.png", "c.png"))
    approve_all(window)
    window.open_export()
    dialog = window.export_dialog
    dialog.set_output_folder(tmp_path / "clean")
    assert dialog.start()
    dialog.cancel_button.click()  # Stop, before the worker process has even started
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=EXPORT_TIMEOUT_MS)
    summary = dialog.summary
    assert summary["failed"] == 0 and summary["cancelled"] >= 2
    assert summary["exported"] + summary["cancelled"] == 3
    statuses = {i.status for i in window.items.values()}
    assert statuses <= {Status.APPROVED, Status.EXPORTED}  # nothing left "Exporting…", nothing red
    dialog.close()
