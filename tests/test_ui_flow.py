"""The whole app driven like a user: drop a folder, wait, review, export, read the report."""
from __future__ import annotations

import hashlib
import json

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from ui.main_window import EMPTY_HINT, Status

from ui_support import drop_paths, make_batch, make_window, wait_for_analysis, widget_point

EXPORT_TIMEOUT_MS = 120_000


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def by_name(window):
    return {item.path.name: item for item in window.items.values()}


def test_drop_a_folder_fills_the_queue_and_analysis_finishes(qtbot, tmp_path):
    batch = tmp_path / "photos"
    make_batch(batch)
    window = make_window(qtbot, tmp_path)
    assert EMPTY_HINT in window.drop_zone.hint.text()
    assert window.drop_zone.hint.isVisible()

    drop = drop_paths(window.drop_zone, [batch])
    assert drop.isAccepted()
    assert sorted(by_name(window)) == ["broken.jpg", "gala.jpg", "poster.png", "ward_visit.jpg"]
    assert window.queue.isVisible() and not window.drop_zone.hint.isVisible()
    assert window.queue.topLevelItemCount() == 4

    wait_for_analysis(qtbot, window)
    items = by_name(window)
    broken = items.pop("broken.jpg")
    assert broken.status is Status.ERROR
    assert window.status_text(broken.key).startswith("Error")
    text = window._rows[broken.key].text(2)  # the reason, in plain words
    assert text and len(text) < 160
    assert "Traceback" not in text and "Exception" not in text
    for item in items.values():
        assert item.status in (Status.NEEDS_REVIEW, Status.NOTHING_FOUND), item.path.name
        assert item.plan is not None and item.plan.error is None
        assert item.thumbnail is not None and not item.thumbnail.isNull()
    gala = items["gala.jpg"].plan  # stored 320x480 with EXIF orientation 6: shown upright
    assert (gala.width, gala.height) == (480, 320)
    assert not window.progress.isVisible()

    drop_paths(window.drop_zone, [batch])  # the same folder again adds nothing twice
    assert window.queue.topLevelItemCount() == 4


def test_cancel_stops_the_files_still_waiting(qtbot, tmp_path):
    batch = tmp_path / "photos"
    make_batch(batch, corrupt=False)
    window = make_window(qtbot, tmp_path)
    window.add_paths([batch])
    assert window.btn_cancel.isVisibleTo(window)
    window.btn_cancel.click()
    wait_for_analysis(qtbot, window)
    statuses = [item.status for item in window.items.values()]
    assert statuses.count(Status.CANCELLED) >= 2  # one worker: at most one file had started
    assert "cancelled" in window.status_text(next(k for k, i in window.items.items()
                                                  if i.status is Status.CANCELLED))


def test_review_then_export_writes_verified_files_and_report(qtbot, tmp_path):
    batch = tmp_path / "photos"
    make_batch(batch)
    originals = {p: sha(p) for p in batch.rglob("*") if p.is_file()}
    window = make_window(qtbot, tmp_path)
    drop_paths(window.drop_zone, [batch])
    wait_for_analysis(qtbot, window)

    # Review every file with the keyboard; on the first one draw a box to hide.
    keys = window.ordered_keys()
    readable = [k for k in keys if window.items[k].plan.error is None]
    window.open_review(keys[0])
    editor = window.editor
    if keys[0] != readable[0]:
        assert "could not be read" in editor.canvas._placeholder  # the corrupt one says so
        window.open_review(readable[0])
    first = window.items[readable[0]]
    qtbot.waitUntil(lambda: editor.canvas.image_size == (first.plan.width, first.plan.height), timeout=10_000)
    editor.act_rect.trigger()
    qtbot.mousePress(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 10, 10))
    qtbot.mouseMove(editor.canvas, widget_point(editor.canvas, 40, 40))
    qtbot.mouseMove(editor.canvas, widget_point(editor.canvas, 70, 60))
    qtbot.mouseRelease(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 70, 60))
    drawn = first.plan.regions[-1]
    assert drawn.kind.value == "manual"
    for _ in readable:  # Enter approves the file on show and moves to the next one waiting
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Return)
    assert all(window.items[k].plan.approved for k in readable)
    assert all(window.items[k].status is Status.APPROVED for k in readable)

    window.open_export()
    dialog = window.export_dialog
    assert not dialog.include_unreviewed.isVisible()
    dialog.set_output_folder(batch)  # the originals' folder is refused
    assert dialog.start() is False
    assert "original" in dialog.error_label.text()

    out = tmp_path / "clean"
    dialog.set_output_folder(out)
    assert dialog.start() is True
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=EXPORT_TIMEOUT_MS)
    assert dialog.summary["exported"] == 3 and dialog.summary["failed"] == 1

    items = by_name(window)
    assert items["broken.jpg"].status is Status.ERROR
    assert "broken.jpg" in dialog.summary_label.text()
    for name in ("ward_visit.jpg", "poster.png", "gala.jpg"):
        item = items[name]
        assert item.status is Status.EXPORTED, name
        assert window.status_text(item.key).startswith("Exported and verified")
        assert item.output.parent == out and item.output.exists()
        with Image.open(item.output) as img:
            assert img.size == (item.plan.width, item.plan.height)
            assert not img.getexif() and "xmp" not in img.info and "icc_profile" not in img.info
            assert not any(k in img.info for k in ("Author", "Description", "Comment", "comment"))

    # The box drawn by the reviewer is solid in the exported pixels.
    with Image.open(first.output) as img:
        pixels = np.asarray(img.convert("RGB")).astype(int)
    x, y, w, h = (int(round(v)) for v in drawn.box)
    assert pixels[y + 3:y + h - 3, x + 3:x + w - 3].mean() < 25

    json_path, csv_path = dialog.report_paths
    assert json_path.parent == out and csv_path.exists()
    report = json.loads(json_path.read_text())
    records = {r["input"]: r for r in report["files"]}
    assert records["broken.jpg"]["status"] == "failed" and records["broken.jpg"]["error"]
    for name in ("ward_visit.jpg", "poster.png", "gala.jpg"):
        assert records[name]["sha256_output"] == sha(items[name].output)
        assert records[name]["approved"] is True
    assert records[first.path.name]["regions_redacted"].get("manual") == 1

    # Originals untouched; the remembered settings hold no file names.
    assert {p: sha(p) for p in originals} == originals
    stored = " ".join(str(window.store._qs.value(k)) for k in window.store.stored_keys())
    assert not any(n in stored for n in ("ward_visit", "poster", "gala", "broken"))
    assert window.store.last_output_folder == out
    dialog.close()


def test_only_approved_files_are_exported_unless_asked(qtbot, tmp_path):
    batch = tmp_path / "photos"
    make_batch(batch, corrupt=False)
    window = make_window(qtbot, tmp_path)
    window.add_paths([batch])
    wait_for_analysis(qtbot, window)
    keys = window.ordered_keys()
    window.open_review(keys[0])
    for _ in keys:  # paging past every file approves nothing
        qtbot.keyClick(window.editor.canvas, Qt.Key.Key_PageDown)
    assert window.editor.key == keys[-1]
    assert not any(i.plan.approved for i in window.items.values())
    assert all(i.status in (Status.NEEDS_REVIEW, Status.NOTHING_FOUND) for i in window.items.values())
    window.open_review(keys[1])
    window.editor.approve_button.click()
    assert window.items[keys[1]].plan.approved and window.items[keys[1]].status is Status.APPROVED
    assert window.editor.key == keys[2]  # on to the next file waiting for approval

    window.open_export()
    dialog = window.export_dialog
    assert dialog.include_unreviewed.isVisibleTo(dialog)
    assert "2 files that nobody approved" in dialog.include_unreviewed.text()
    assert [i.key for i in dialog.selected_items()] == [keys[1]]
    dialog.include_unreviewed.setChecked(True)
    assert len(dialog.selected_items()) == len(window.items)
    out = tmp_path / "clean"
    dialog.set_output_folder(out)
    assert dialog.start() is True
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=EXPORT_TIMEOUT_MS)
    report = json.loads(dialog.report_paths[0].read_text())
    approved = {r["input"]: r["approved"] for r in report["files"]}
    assert approved == {i.path.name: i.key == keys[1] for i in window.items.values()}
    assert report["summary"]["exported_unreviewed"] == 2
    dialog.close()
