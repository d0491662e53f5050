"""Readable in light and dark: contrast computed from the palette the app installs, a visible
focus, a window that fits the screen at any scale factor, names elided in the middle, plain words."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.main_window import STATUS_ROLES, Status

from ui_support import make_window, plain_photo

REPO = Path(__file__).resolve().parents[1]
ROLES = QPalette.ColorRole


@pytest.fixture
def themed(qapp):
    """Install the app's light or dark theme for one test, then put the default back."""
    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    yield lambda dark: theme.apply_theme(qapp, dark)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)
    theme._current = theme.LIGHT


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_contrast_is_at_least_4_5_in_both_palettes(qtbot, themed, tmp_path, dark):
    table = themed(dark)
    palette = QApplication.instance().palette()
    for text, background in [(ROLES.WindowText, ROLES.Window), (ROLES.Text, ROLES.Base),
                             (ROLES.Text, ROLES.AlternateBase), (ROLES.ButtonText, ROLES.Button),
                             (ROLES.HighlightedText, ROLES.Highlight), (ROLES.PlaceholderText, ROLES.Base)]:
        ratio = theme.contrast(palette.color(text), palette.color(background))
        assert ratio >= theme.MIN_TEXT_CONTRAST, (text, background, round(ratio, 2))
    low = [(fg, bg, round(theme.contrast(table[fg], table[bg]), 2))
           for fg, backgrounds in theme.TEXT_ON.items() for bg in backgrounds
           if theme.contrast(table[fg], table[bg]) < theme.MIN_TEXT_CONTRAST]
    assert low == []
    assert all(theme.contrast(table["focus"], table[bg]) >= theme.MIN_FOCUS_CONTRAST for bg in theme.FOCUS_ON)
    # Every status as the queue draws it, on the rows' own backgrounds (plain and alternate).
    window = make_window(qtbot, tmp_path)
    window.add_paths([plain_photo(tmp_path / "a.png")])
    item = next(iter(window.items.values()))
    for status in Status:
        item.status = status
        window._refresh_row(item)
        colour = window._rows[item.key].foreground(1).color()
        for background in (ROLES.Base, ROLES.AlternateBase):
            ratio = theme.contrast(colour, palette.color(background))
            assert ratio >= theme.MIN_TEXT_CONTRAST, (status, round(ratio, 2))
    assert set(STATUS_ROLES) == set(Status)


def test_keyboard_focus_is_visible(qtbot, themed, tmp_path):
    themed(False)
    window = make_window(qtbot, tmp_path)
    button = window.btn_add_files
    before = button.grab().toImage()
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    after = button.grab().toImage()

    def pixels(image):
        image = image.convertToFormat(image.Format.Format_RGB888)
        return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).astype(int)

    a, b = pixels(before), pixels(after)
    assert a.shape == b.shape and np.abs(a - b).max() > 60  # the focused button looks different


FIT = r"""
import sys
from PySide6.QtCore import QStandardPaths
QStandardPaths.setTestModeEnabled(True)
from ui.app import create_application
app = create_application(dark=False)
from PySide6.QtWidgets import QToolButton
from ui.main_window import MainWindow
window = MainWindow()
window.show()
app.processEvents()
free = window.screen().availableGeometry()
for page in range(window.pages.count()):
    window.pages.setCurrentIndex(page)
    app.processEvents()
    if not free.contains(window.frameGeometry()):
        print(f"TOO BIG page {page}: {window.frameGeometry()} on {free}")
    if window.pages.currentWidget() is window.editor:  # every action on show, or in the overflow menu
        bar = window.editor.toolbar
        hidden = [a for a in bar.actions()
                  if bar.widgetForAction(a) is not None and not bar.widgetForAction(a).isVisible()]
        extension = [b for b in bar.findChildren(QToolButton)
                     if b.objectName() == "qt_toolbar_ext_button" and b.isVisible()]
        if hidden and not extension:
            print("HIDDEN without overflow:", [a.text() for a in hidden])
        print("toolbar checked")
print("OK", free.width(), free.height())
window.shutdown()
"""


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_the_window_fits_a_laptop_screen_at_any_scale_factor(tmp_path, scale):
    config = tmp_path / "screen.json"
    config.write_text('{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, '
                      '"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}')
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": scale,
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", FIT], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TOO BIG" not in done.stdout and "HIDDEN" not in done.stdout, done.stdout
    expected = {"1": "1366 768", "1.5": "911 512", "2": "683 384"}[scale]
    assert f"OK {expected}" in done.stdout and "toolbar checked" in done.stdout


def test_names_are_elided_in_the_middle_and_the_column_widens(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyleOptionViewItem
    window = make_window(qtbot, tmp_path)
    window.add_paths([plain_photo(tmp_path / ("Ward 5 visit with the new equipment " * 3 + "0042.png"))])
    delegate = window.queue.itemDelegateForColumn(0)
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, window.queue.model().index(0, 0))
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() == 900)
    narrow = window.queue.columnWidth(0)
    window.resize(1250, 600)
    qtbot.waitUntil(lambda: window.width() == 1250)
    assert window.queue.columnWidth(0) > narrow + 100


def test_plain_words(qtbot, tmp_path):
    from sanitizer.regions import Kind, Region, Tier
    from ui.editor import describe_region
    face = describe_region(Region(Kind.FACE, (0, 0, 5, 5), reason="face", tier=Tier.POSSIBLE))
    assert "Marked because it looks like a face (the detector is not sure)." in face
    assert "Found because" not in face
    text = describe_region(Region(Kind.TEXT, (0, 0, 5, 5), reason="MRN pattern"))
    assert "the text looks like a record number" in text
    window = make_window(qtbot, tmp_path)
    photo = plain_photo(tmp_path / "a.png")
    window.add_paths([photo])
    window.add_paths([photo])  # the same file again
    assert window.progress_label.text() == "That file is already in the list."
