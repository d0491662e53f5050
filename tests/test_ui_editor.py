"""The review editor driven with the mouse and keyboard, as a reviewer would."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from sanitizer.regions import DecidedBy, Decision, Kind, Plan, Region, Shape
from ui.canvas import Mode

from ui_support import open_editor, plain_photo, widget_point

W, H = 400, 300


@pytest.fixture
def editor(qtbot, tmp_path):
    photo = plain_photo(tmp_path / "photo.png", (W, H))
    plan = Plan(source=photo, width=W, height=H, regions=[
        Region(Kind.FACE, (40.0, 40.0, 80.0, 80.0), score=0.9, reason="face"),
        Region(Kind.TEXT, (200.0, 180.0, 140.0, 50.0), score=0.8, reason="MRN pattern"),
    ])
    widget = open_editor(qtbot, plan, "photo.png", 1, (1100, 760), 10_000)
    widget.plan_for_test = plan
    return widget


def drag(qtbot, canvas, points):
    """Press at the first image point, move through the others, release at the last."""
    first = widget_point(canvas, *points[0])
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=first)
    for p in points[1:]:
        qtbot.mouseMove(canvas, widget_point(canvas, *p))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=widget_point(canvas, *points[-1]))


def test_click_toggles_and_undo_redo_restore(qtbot, editor):
    face = editor.plan_for_test.regions[0]
    qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 80, 80))
    assert face.decision is Decision.KEEP and face.decided_by is DecidedBy.REVIEWER
    assert editor.plan_for_test.regions[1].decision is Decision.REDACT  # the other one untouched
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert face.decision is Decision.REDACT and face.decided_by is DecidedBy.DETECTOR
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert face.decision is Decision.KEEP
    qtbot.keyClick(editor.canvas, Qt.Key.Key_T)  # keyboard toggle of the selected area
    assert face.decision is Decision.REDACT


def test_draw_rectangle_adds_manual_region(qtbot, editor):
    editor.act_rect.trigger()
    assert editor.canvas.mode is Mode.RECT
    drag(qtbot, editor.canvas, [(250, 20), (300, 60), (350, 100)])
    added = editor.plan_for_test.regions[-1]
    assert len(editor.plan_for_test.regions) == 3
    assert added.kind is Kind.MANUAL and added.redacted
    assert added.box == pytest.approx((250, 20, 100, 80), abs=2.5)
    assert editor.canvas.mode is Mode.SELECT  # back to selecting after one shape
    editor.undo_stack.undo()
    assert len(editor.plan_for_test.regions) == 2


def test_freehand_area_is_a_polygon_region(qtbot, editor):
    editor.act_free.trigger()
    drag(qtbot, editor.canvas, [(20, 200), (60, 180), (100, 210), (90, 260), (40, 270), (20, 230)])
    added = editor.plan_for_test.regions[-1]
    assert added.kind is Kind.MANUAL and added.shape is Shape.POLYGON
    assert len(added.polygon) >= 3
    x, y, w, h = added.box
    assert x == pytest.approx(20, abs=2.5) and x + w == pytest.approx(100, abs=2.5)


def test_drag_moves_and_corner_resizes_without_toggling(qtbot, editor):
    face = editor.plan_for_test.regions[0]
    drag(qtbot, editor.canvas, [(80, 80), (100, 90), (120, 100)])
    assert face.box == pytest.approx((80, 60, 80, 80), abs=2.5)
    assert face.decision is Decision.REDACT
    drag(qtbot, editor.canvas, [(160, 140), (180, 160), (200, 170)])  # bottom-right handle
    assert face.box == pytest.approx((80, 60, 120, 110), abs=2.5)
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert face.box == pytest.approx((40, 40, 80, 80))


def test_delete_and_consent_from_the_keyboard(qtbot, editor):
    plan = editor.plan_for_test
    face, text = plan.regions
    editor.canvas.select(face)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_C)
    assert face.decision is Decision.KEEP and face.decided_by is DecidedBy.CONSENT
    editor.canvas.select(text)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Delete)
    assert text not in plan.regions
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert text in plan.regions


def test_result_view_shows_the_real_redaction(qtbot, editor):
    face, text = editor.plan_for_test.regions
    face.set_decision(Decision.KEEP)
    original = editor.canvas.shown_image
    editor.act_after.setChecked(True)
    qtbot.waitUntil(lambda: editor.showing_result, timeout=10_000)
    shown = editor.canvas.shown_image

    def crop(image, box):
        x, y, w, h = (int(v) for v in box)
        img = image.convertToFormat(image.Format.Format_RGB888)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        return arr[y:y + h, x * 3:(x + w) * 3].astype(int)

    assert np.abs(crop(shown, text.box) - crop(original, text.box)).mean() > 20  # hidden
    assert np.array_equal(crop(shown, face.box), crop(original, face.box))     # kept: untouched
    assert not editor.canvas.show_regions


def test_zoom_keeps_the_point_under_the_cursor(qtbot, editor):
    canvas = editor.canvas
    anchor = widget_point(canvas, 100, 100)
    before = canvas.to_image(QPointF(anchor))
    canvas.set_zoom(canvas.zoom * 3, QPointF(anchor))
    after = canvas.to_image(QPointF(anchor))
    assert (after - before).manhattanLength() < 0.5
    editor.act_fit.trigger()
    assert canvas.zoom < 3


def test_dragging_empty_space_pans_and_the_wheel_zooms(qtbot, editor):
    canvas = editor.canvas
    before = canvas.to_image(QPointF(canvas.width() / 2, canvas.height() / 2))
    # Widget positions fixed before the drag: the view moves under the mouse while panning.
    points = [widget_point(canvas, x, y) for x, y in [(380, 20), (360, 40), (340, 60)]]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])  # empty corner: a pan
    qtbot.mouseMove(canvas, points[1])
    qtbot.mouseMove(canvas, points[2])
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[2])
    after = canvas.to_image(QPointF(canvas.width() / 2, canvas.height() / 2))
    assert after.x() == pytest.approx(before.x() + 40, abs=2) and after.y() == pytest.approx(before.y() - 40, abs=2)
    assert len(editor.plan_for_test.regions) == 2
    zoom = canvas.zoom
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    wheel = QWheelEvent(centre, canvas.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    canvas.wheelEvent(wheel)
    assert canvas.zoom == pytest.approx(zoom * 1.25)


@pytest.fixture
def crowded(qtbot, tmp_path):
    """A photo with sure and unsure faces and a sure text area."""
    from sanitizer.regions import Tier
    photo = plain_photo(tmp_path / "crowd.png", (W, H))
    plan = Plan(source=photo, width=W, height=H, regions=[
        Region(Kind.FACE, (10.0, 10.0, 40.0, 40.0), reason="face"),
        Region(Kind.FACE, (60.0, 10.0, 30.0, 30.0), reason="face", tier=Tier.POSSIBLE),
        Region(Kind.TEXT, (200.0, 180.0, 140.0, 50.0), reason="MRN pattern"),
        Region(Kind.FACE, (100.0, 10.0, 30.0, 30.0), reason="face", tier=Tier.POSSIBLE),
    ])
    widget = open_editor(qtbot, plan, "crowd.png", 1, (1100, 760), 10_000)
    widget.plan_for_test = plan
    return widget


def test_region_list_shows_kind_tier_decision_and_tab_walks_it(qtbot, crowded):
    regions = crowded.plan_for_test.regions
    rows = crowded.region_list.row_texts()
    assert rows == [("Face", "sure", "hidden"), ("Face", "unsure", "hidden"),
                    ("PHI text", "sure", "hidden"), ("Face", "unsure", "hidden")]
    crowded.canvas.setFocus()
    qtbot.keyClick(crowded.canvas, Qt.Key.Key_Tab)
    assert crowded.canvas.selected is regions[0]
    qtbot.keyClick(crowded.canvas, Qt.Key.Key_Tab)
    qtbot.keyClick(crowded.canvas, Qt.Key.Key_Tab)
    assert crowded.canvas.selected is regions[2]
    assert crowded.region_list.currentItem() is crowded.region_list.topLevelItem(2)
    qtbot.keyClick(crowded.canvas, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert crowded.canvas.selected is regions[1]
    assert crowded.canvas.hasFocus()  # Tab walked the areas, it did not move the focus away
    qtbot.keyClick(crowded.canvas, Qt.Key.Key_Space)  # and the keyboard decides the one selected
    assert regions[1].decision is Decision.KEEP
    assert crowded.region_list.row_texts()[1] == ("Face", "unsure", "kept")
    crowded.region_list.setCurrentItem(crowded.region_list.topLevelItem(3))  # a click in the list selects
    assert crowded.canvas.selected is regions[3]


def test_bulk_keep_every_unsure_area_in_this_file_then_undo(qtbot, crowded):
    from sanitizer.regions import Tier
    from ui.region_list import BulkChoice
    regions = crowded.plan_for_test.regions
    crowded.bulk.choose(BulkChoice(tier=Tier.POSSIBLE), everywhere=False)
    crowded.bulk.keep_button.click()
    assert [r.decision for r in regions] == [Decision.REDACT, Decision.KEEP, Decision.REDACT, Decision.KEEP]
    assert all(r.decided_by is DecidedBy.REVIEWER for r in (regions[1], regions[3]))
    crowded.undo_stack.undo()  # one step undoes the whole bulk action
    assert all(r.decision is Decision.REDACT for r in regions)
    crowded.bulk.choose(BulkChoice(kind=Kind.FACE), everywhere=False)
    crowded.bulk.keep_button.click()
    assert [r.decision for r in regions] == [Decision.KEEP, Decision.KEEP, Decision.REDACT, Decision.KEEP]


def test_bulk_hide_in_every_file_reaches_the_other_plans(qtbot, crowded, tmp_path):
    from ui.region_list import BulkChoice
    other = Plan(source=tmp_path / "other.png", width=W, height=H, regions=[
        Region(Kind.FACE, (1.0, 1.0, 20.0, 20.0), decision=Decision.KEEP),
        Region(Kind.BARCODE, (50.0, 50.0, 20.0, 20.0), decision=Decision.KEEP)])
    crowded.batch_plans = lambda: [(1, crowded.plan_for_test), (2, other)]
    for r in crowded.plan_for_test.regions:
        r.set_decision(Decision.KEEP)
    edited = []
    crowded.batchEdited.connect(edited.append)
    crowded.bulk.choose(BulkChoice(kind=Kind.FACE), everywhere=True)
    crowded.bulk.hide_button.click()
    assert other.regions[0].decision is Decision.REDACT and other.regions[1].decision is Decision.KEEP
    assert [r.decision for r in crowded.plan_for_test.regions] == [
        Decision.REDACT, Decision.REDACT, Decision.KEEP, Decision.REDACT]
    assert edited == [[2]]  # the window is told which other files changed
    crowded.undo_stack.undo()
    assert other.regions[0].decision is Decision.KEEP
