"""The editor's video timeline: frames on demand, whole-track decisions, manual boxes over a span."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt

from sanitizer.regions import DecidedBy, Decision, Kind, Plan, Region

from ui_support import open_editor, widget_point

av = pytest.importorskip("av")

W, H, FPS, FRAMES = 320, 240, 10, 30


def marker_x(i: int) -> int:
    return 10 + 9 * i


def write_clip(path) -> None:
    """Frame i is grey with a white bar at x = marker_x(i), so the frame on show can be checked."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = {"g": "10"}
        for i in range(FRAMES):
            rgb = np.full((H, W, 3), 90, np.uint8)
            rgb[:, marker_x(i):marker_x(i) + 6] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def brightest_column(image) -> int:
    img = image.convertToFormat(image.Format.Format_Grayscale8)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width()]
    return int(arr.mean(axis=0).argmax())


@pytest.fixture
def video_editor(qtbot, tmp_path):
    clip = tmp_path / "clip.mp4"
    write_clip(clip)
    track = [Region(Kind.FACE, (40.0, 40.0, 60.0, 60.0), track_id=1, frame_span=(0, 14)),
             Region(Kind.FACE, (60.0, 40.0, 60.0, 60.0), track_id=1, frame_span=(15, 29))]
    other = Region(Kind.FACE, (200.0, 120.0, 50.0, 50.0), track_id=2, frame_span=(5, 20))
    plan = Plan(source=clip, media="video", width=W, height=H, frame_count=FRAMES, fps=float(FPS),
                regions=[*track, other])
    editor = open_editor(qtbot, plan, "clip.mp4", 7, (1100, 800), 20_000)
    editor.test_plan = plan
    return editor


def test_timeline_shows_the_requested_frame(qtbot, video_editor):
    editor = video_editor
    assert editor.timeline.isVisible()
    assert abs(brightest_column(editor.canvas.shown_image) - marker_x(0) - 2) <= 3
    for target in (17, 4, 25):  # forward, backward (seek), forward again
        editor.timeline.set_frame(target)
        qtbot.waitUntil(lambda: editor._shown_frame == target, timeout=20_000)
        assert abs(brightest_column(editor.canvas.shown_image) - marker_x(target) - 2) <= 3
    # Only the Regions covering the frame are on the canvas.
    assert [r.frame_span for r in editor.canvas._regions] == [(15, 29)]


def test_clicking_a_face_switches_its_whole_track(qtbot, video_editor):
    editor = video_editor
    first, second, other = editor.test_plan.regions
    qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 70, 70))
    assert first.decision is Decision.KEEP and second.decision is Decision.KEEP
    assert other.decision is Decision.REDACT
    editor.undo_stack.undo()
    assert first.redacted and second.redacted
    # The same from the timeline lane of track 2.
    lanes = editor.timeline.lanes
    bar = next(rect for _lane, _label, r, rect in lanes._bars() if r is other)
    qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=bar.center().toPoint())
    assert other.decision is Decision.KEEP and other.decided_by is DecidedBy.REVIEWER
    assert editor.frame_index == 5  # jumped to where that face appears


def test_manual_box_covers_a_span_of_frames(qtbot, video_editor):
    editor = video_editor
    editor.timeline.set_frame(5)
    qtbot.waitUntil(lambda: editor._shown_frame == 5, timeout=20_000)
    editor.act_rect.trigger()
    qtbot.mousePress(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 150, 150))
    qtbot.mouseMove(editor.canvas, widget_point(editor.canvas, 190, 200))
    qtbot.mouseRelease(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor.canvas, 190, 200))
    manual = editor.test_plan.regions[-1]
    assert manual.kind is Kind.MANUAL and manual.frame_span == (5, FRAMES - 1)
    editor.timeline.set_frame(12)
    editor.timeline.end_button.click()
    assert manual.frame_span == (5, 12)
    editor.timeline.set_frame(20)
    assert manual not in editor.canvas._regions


def test_every_track_gets_a_lane_and_the_lanes_scroll(qtbot, tmp_path):
    from ui.timeline import LANE_H, VISIBLE_LANES
    clip = tmp_path / "crowd.mp4"
    write_clip(clip)
    regions = [Region(Kind.FACE, (10.0 * t, 10.0, 20.0, 20.0), track_id=t, frame_span=(t, t + 5)) for t in range(17)]
    plan = Plan(source=clip, media="video", width=W, height=H, frame_count=FRAMES, fps=float(FPS), regions=regions)
    editor = open_editor(qtbot, plan, "crowd.mp4", 3, (1100, 800), 20_000)
    timeline = editor.timeline
    assert timeline.lanes.lane_count() == 17
    assert timeline.lanes.height() == 17 * LANE_H + 6                     # all 17 lanes drawn
    assert timeline.lane_area.height() == VISIBLE_LANES * LANE_H + 8       # 8 on show, the rest scroll
    last = regions[-1]
    bar = next(rect for _lane, _label, r, rect in timeline.lanes._bars() if r is last)
    timeline.lane_area.ensureVisible(int(bar.center().x()), int(bar.center().y()))
    qtbot.mouseClick(timeline.lanes, Qt.MouseButton.LeftButton, pos=bar.center().toPoint())
    assert last.decision is Decision.KEEP  # the 17th track is reachable and decided like the others


def test_play_runs_at_the_clips_real_speed_and_pauses(qtbot, video_editor):
    timeline = video_editor.timeline
    now = [100.0]
    timeline._clock = lambda: now[0]
    qtbot.keyClick(video_editor.canvas, Qt.Key.Key_P)
    assert timeline.playing and timeline.play_button.text() == "Pause"
    now[0] += 1.0             # one second later: frame 10 of a 10 frames/s clip, however many ticks ran
    timeline._tick()
    assert timeline.frame == FPS
    now[0] += 0.55
    timeline._tick()
    assert timeline.frame == 15
    timeline.play_button.click()  # pause: time passing no longer moves the frame
    now[0] += 5
    timeline._tick()
    assert timeline.frame == 15 and not timeline.playing
    timeline.play()
    now[0] += 10                  # past the end: stops on the last frame
    timeline._tick()
    assert timeline.frame == FRAMES - 1 and not timeline.playing


def test_the_export_dialog_offers_to_keep_the_sound(qtbot, tmp_path):
    from types import SimpleNamespace

    from PySide6.QtCore import QSettings

    from sanitizer.settings import Settings
    from ui.export_dialog import ExportDialog
    from ui.settings_store import SettingsStore
    from video_fixtures import short_shots
    from video_fixtures import write_clip as write_dirty_clip

    clip = tmp_path / "in" / "speech.mp4"
    clip.parent.mkdir()
    write_dirty_clip(clip, short_shots()[:1], width=320, height=180, fps=10)
    with av.open(str(clip)) as c:
        frames = sum(1 for _ in c.decode(video=0))
    plan = Plan(source=clip, media="video", width=320, height=180, frame_count=frames, fps=10.0, approved=True)
    store = SettingsStore(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    for keep, out in ((True, tmp_path / "with"), (False, tmp_path / "without")):
        dialog = ExportDialog(None, [SimpleNamespace(key=1, path=clip, plan=plan)], store, Settings())
        qtbot.addWidget(dialog)
        assert dialog.keep_sound.isVisibleTo(dialog) and not dialog.keep_sound.isChecked()  # off unless asked
        dialog.keep_sound.setChecked(keep)
        dialog.set_output_folder(out)
        assert dialog.start()
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
        assert dialog.summary["exported"] == 1, dialog.summary_label.text()
        with av.open(str(next(out.glob("*_clean.mp4")))) as c:
            assert len(c.streams.audio) == (1 if keep else 0)
