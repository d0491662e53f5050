"""The queue while a batch is analysed: per-file progress, an ETA, the list follows the file
being analysed, filter and sort by status, and new settings offer to analyse again.

The analysis itself is replaced by a recorder so the test decides when each file starts and
ends (and what time it is): the figures are then exact, never timed."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from sanitizer.regions import Kind, Plan, Region
from sanitizer.settings import Preset, Settings
from ui.main_window import Status
from ui.worker import AnalysisQueue

from ui_support import make_window, plain_photo


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(AnalysisQueue, "enqueue", lambda self, key, path, settings: queued.append(key))
    monkeypatch.setattr(AnalysisQueue, "busy", property(lambda self: bool(queued)))
    win = make_window(qtbot, tmp_path)
    win.queued = queued
    now = [0.0]
    win._clock = lambda: now[0]
    win.now = now
    folder = tmp_path / "photos"
    folder.mkdir()
    win.add_paths([plain_photo(folder / f"p{i:02d}.png", (40, 30)) for i in range(12)])
    return win


def finish(win, key, found: bool, at: float):
    win.now[0] = at
    win.queued.remove(key)
    regions = [Region(Kind.FACE, (1.0, 1.0, 5.0, 5.0))] if found else []
    win._on_analysed(key, Plan(source=win.items[key].path, width=40, height=30, regions=regions))


def test_progress_eta_and_the_list_follows_the_file_analysed(qtbot, window):
    window.resize(900, 420)
    keys = window.ordered_keys()
    assert len(window.queued) == 12
    window._on_started(keys[0])
    assert "left" not in window.progress_label.text()  # no figure before one file is done
    finish(window, keys[0], True, at=30.0)
    window._on_started(keys[1])
    # 10 files waiting and one just started, 30 s each: 5.5 minutes.
    assert "Analysing 2 of 12 files, about 6 minutes left" in window.progress_label.text()
    window._on_file_progress(keys[1], 500, 1000)  # half of it done (a video reports its frames)
    assert window.status_text(keys[1]) == "Analysing… 50%"
    assert window.batch_eta() == pytest.approx(10 * 30 + 15)

    for i, key in enumerate(keys[1:11], start=1):
        finish(window, key, found=i % 2 == 0, at=30.0 * (i + 1))
        window._on_started(keys[i + 1])
    last = window._rows[keys[11]]
    viewport = window.queue.viewport().rect()
    assert viewport.contains(window.queue.visualItemRect(last).center())  # scrolled to the file analysed
    assert "under a minute left" in window.progress_label.text()


def test_filter_and_sort_by_status(qtbot, window):
    keys = window.ordered_keys()
    for i, key in enumerate(keys[:6]):
        finish(window, key, found=i % 2 == 0, at=float(i))
    window.set_approved([keys[0]])
    window.status_filter.setCurrentText("Waiting for approval")
    shown = [k for k in keys if not window._rows[k].isHidden()]
    assert shown == keys[1:6]
    window.status_filter.setCurrentText("Approved")
    assert [k for k in keys if not window._rows[k].isHidden()] == [keys[0]]
    window.status_filter.setCurrentText("All files")
    window.sort_choice.setCurrentText("By status")
    statuses = [window.items[k].status for k in window.ordered_keys()]
    assert statuses == ([Status.NEEDS_REVIEW] * 2 + [Status.NOTHING_FOUND] * 3 + [Status.WAITING] * 6
                        + [Status.APPROVED])
    window.sort_choice.setCurrentText("In the order added")
    assert window.ordered_keys() == keys


def test_new_settings_offer_to_analyse_the_untouched_files_again(qtbot, window, monkeypatch):
    keys = window.ordered_keys()
    for key in keys:
        finish(window, key, found=True, at=1.0)
    window.set_approved([keys[0]])
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    window.apply_settings(Settings(preset=Preset.STRICT))
    assert "Analyse 11 files again" in asked[0] and "The 1 file you changed or approved" in asked[0]
    assert window.queued == keys[1:]
    assert window.items[keys[0]].plan.approved and window.items[keys[0]].status is Status.APPROVED
    assert all(window.items[k].status is Status.WAITING and window.items[k].plan is None for k in keys[1:])
