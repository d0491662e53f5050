"""No lost work, no moved originals: copy-only drops, questions before losing a review,
Save review / Open review."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from sanitizer.regions import Decision, Kind

from ui_support import drop_paths, make_window, plain_photo, wait_for_analysis

EVERY_ACTION = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction


def answer_questions(monkeypatch, answer) -> list[str]:
    """Every QMessageBox.exec() returns `answer`; returns the questions asked."""
    asked: list[str] = []

    def fake_exec(box):
        asked.append(box.text())
        return answer

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return asked


def analysed_window(qtbot, tmp_path, names=("a.png", "b.png")):
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = [plain_photo(folder / n) for n in names]
    window = make_window(qtbot, tmp_path)
    window.add_paths(paths)
    wait_for_analysis(qtbot, window)
    return window, paths


def hide_a_box(window, key, box=(10.0, 10.0, 40.0, 30.0)):
    """The reviewer draws a box on file `key` in the editor."""
    window.open_review(key)
    window.editor._on_rect_drawn(box)
    return window.items[key].plan.regions[-1]


def test_a_drop_that_proposes_move_is_taken_as_a_copy(qtbot, tmp_path):
    photo = plain_photo(tmp_path / "photo.png")
    window = make_window(qtbot, tmp_path)
    drop = drop_paths(window.drop_zone, [photo], actions=EVERY_ACTION, modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert drop.proposedAction() == Qt.DropAction.MoveAction  # what the source asked for
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction
    assert len(window.items) == 1
    # A source that can only move the files is refused: nothing is queued.
    refused = drop_paths(window.drop_zone, [plain_photo(tmp_path / "other.png")], actions=Qt.DropAction.MoveAction)
    assert not refused.isAccepted()
    assert len(window.items) == 1
    wait_for_analysis(qtbot, window)


def test_quit_and_clear_ask_when_review_work_is_not_exported(qtbot, tmp_path, monkeypatch):
    window, _ = analysed_window(qtbot, tmp_path)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert window.close() is True  # nothing reviewed yet: no question
    assert asked == []
    window.show()
    hide_a_box(window, window.ordered_keys()[0])

    assert window.close() is False and window.isVisible()  # Cancel: stays open
    assert "not exported or saved" in asked[-1]
    window.act_clear.trigger()
    assert len(window.items) == 2 and len(asked) == 2  # Cancel: the list is kept

    answer_questions(monkeypatch, QMessageBox.StandardButton.Discard)
    window.act_clear.trigger()
    assert window.items == {}


def test_save_review_then_open_it_in_a_new_window(qtbot, tmp_path, monkeypatch):
    window, (a, b) = analysed_window(qtbot, tmp_path)
    key_a, key_b = window.ordered_keys()
    drawn = hide_a_box(window, key_a)
    window.editor.toggle_region(drawn)  # kept by the reviewer
    window.items[key_b].plan.approved = True
    qtbot.waitUntil(lambda: all(i.sha256 for i in window.items.values()), timeout=10_000)

    saved = tmp_path / "ward.review.json"
    assert window.save_review_file(saved) is True
    assert window.unsaved_count() == 0
    doc = json.loads(saved.read_text())
    files = {f["path"]: f for f in doc["files"]}
    assert set(files) == {str(a), str(b)}
    region = files[str(a)]["regions"][-1]
    assert region["id"] == drawn.id and region["kind"] == "manual" and region["decision"] == "keep"
    assert region["decided_by"] == "reviewer" and region["tier"] == "certain"
    assert files[str(b)]["approved"] is True and files[str(a)]["approved"] is False
    assert len(files[str(a)]["sha256"]) == 64
    assert not list(saved.parent.glob(".sanitize-partial-*"))  # written atomically, nothing left over

    # A new window (the app restarted): the files come back with their decisions.
    b.write_bytes(b.read_bytes() + b"\0")  # b changed since: it must not get the old approval
    again = make_window(qtbot, tmp_path / "second")
    restored = again.open_review_file(saved)
    assert len(restored) == 2
    wait_for_analysis(qtbot, again)
    qtbot.waitUntil(lambda: all(i.saved is None for i in again.items.values()), timeout=10_000)
    items = {i.path: i for i in again.items.values()}
    back = items[a].plan.regions[-1]
    assert (back.id, back.kind, back.decision) == (drawn.id, Kind.MANUAL, Decision.KEEP)
    assert back.box == drawn.box
    assert items[b].plan.approved is False
    assert "changed since the review was saved" in again.progress_label.text()


def test_a_damaged_review_file_is_refused_in_plain_words(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    bad = tmp_path / "bad.review.json"
    bad.write_text("{ not json")
    assert window.open_review_file(bad) == []
    assert shown and "cannot be opened" in shown[0]


def tile_pixels(image):
    import numpy as np
    img = image.convertToFormat(image.Format.Format_RGB888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3]


def test_the_grid_shows_the_export_and_approves_at_a_glance(qtbot, tmp_path):
    window, (a, b) = analysed_window(qtbot, tmp_path)
    key_a, key_b = window.ordered_keys()
    hide_a_box(window, key_a, (0.0, 0.0, 160.0, 240.0))  # the left half of a 320x240 photo
    window.act_grid.trigger()
    grid = window.grid
    assert window.pages.currentWidget() is grid
    qtbot.waitUntil(lambda: len(grid._images) == 2, timeout=20_000)

    # The tile is the export's render: the hidden half is black, the rest is the photo's noise.
    pixels = tile_pixels(grid._images[key_a]).reshape(grid._images[key_a].height(), -1, 3).astype(int)
    width = pixels.shape[1]
    assert pixels[:, 4:width // 2 - 4].mean() < 25
    assert pixels[:, width // 2 + 4:].mean() > 80

    # Select every picture, Enter: all approved; nothing else was touched.
    grid.list.setFocus()
    qtbot.keyClick(grid.list, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(grid.list, Qt.Key.Key_Return)
    assert all(i.plan.approved and i.status.value == "Approved" for i in window.items.values())
    assert all("✓ Approved" in grid.list.item(n).text() for n in range(grid.list.count()))
    window.open_export()
    assert len(window.export_dialog.selected_items()) == 2
    window.export_dialog.close()

    # An edit in the editor makes the tile stale; going back to the grid renders it again.
    window.open_review(key_b)
    hide_a_box(window, key_b, (160.0, 0.0, 160.0, 240.0))
    window.editor.backRequested.emit()
    assert window.pages.currentWidget() is grid  # the editor returns to where the reviewer came from
    qtbot.waitUntil(lambda: window._grid_revisions.get(key_b) == window.items[key_b].revision
                    and key_b in grid._images, timeout=20_000)
    qtbot.waitUntil(lambda: tile_pixels(grid._images[key_b]).reshape(grid._images[key_b].height(), -1, 3)
                    [:, -20:].mean() < 25, timeout=20_000)
