"""The video timeline: where each tracked face or text appears, and which frame is shown.

Each track is one lane (every track, in a scrolling area); its bars are the frame spans of
its Regions, coloured by kind (dashed green when kept). Play runs at the clip's real speed:
each tick shows the frame due at that moment, so a slow decoder skips frames, never slows time. Clicking a bar asks to switch the whole track between hide and
keep; clicking elsewhere moves to that frame. Like the canvas, it only draws and reports.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QSlider,
                               QVBoxLayout, QWidget)

from sanitizer.regions import Plan, Region

from . import theme
from .canvas import KEEP_COLOUR, KIND_COLOURS, KIND_LABELS

LANE_H = 18
LABEL_W = 150
VISIBLE_LANES = 8   # lanes shown before the lane area scrolls (keeps the picture large)
PLAY_TICK_MS = 40   # how often playback asks for the frame due (25 a second; the decoder sets the real rate)


def lanes_of(regions: list[Region]) -> list[tuple[str, list[Region]]]:
    """(label, regions) per track, then one lane per manual region without a track."""
    tracks: dict[int, list[Region]] = {}
    singles: list[Region] = []
    for r in regions:
        if r.track_id is not None:
            tracks.setdefault(r.track_id, []).append(r)
        else:
            singles.append(r)
    lanes = [(f"{KIND_LABELS.get(rs[0].kind, rs[0].kind.value)} {tid}", rs) for tid, rs in sorted(tracks.items())]
    lanes += [(KIND_LABELS.get(r.kind, r.kind.value), [r]) for r in singles]
    return lanes


def format_time(frame: int, fps: float) -> str:
    seconds = frame / fps if fps else 0.0
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


class TrackLanes(QWidget):
    frameClicked = Signal(int)
    regionClicked = Signal(object)   # a Region of the track that was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self.frame = 0
        self.selected: Region | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_plan(self, plan: Plan | None) -> None:
        self.plan = plan
        self.setFixedHeight(max(1, self.lane_count()) * LANE_H + 6)
        self.update()

    def lane_count(self) -> int:
        return len(lanes_of(self.plan.regions)) if self.plan is not None else 0

    def _x(self, frame: float) -> float:
        count = max(1, self.plan.frame_count if self.plan else 1)
        return LABEL_W + (self.width() - LABEL_W - 4) * frame / count

    def _frame_at(self, x: float) -> int:
        count = max(1, self.plan.frame_count if self.plan else 1)
        return int(max(0, min(count - 1, (x - LABEL_W) / max(1, self.width() - LABEL_W - 4) * count)))

    def _bars(self):
        if self.plan is None:
            return
        for lane, (label, regions) in enumerate(lanes_of(self.plan.regions)):
            y = 3 + lane * LANE_H
            for r in regions:
                a, b = r.frame_span if r.frame_span is not None else (0, self.plan.frame_count - 1)
                yield lane, label, r, QRectF(self._x(a), y + 2, max(2.0, self._x(b + 1) - self._x(a)), LANE_H - 4)

    def region_at(self, x: float, y: float) -> Region | None:
        for _lane, _label, r, rect in self._bars():
            if rect.adjusted(-2, -2, 2, 2).contains(x, y):
                return r
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        region = self.region_at(pos.x(), pos.y())
        if region is not None:
            self.regionClicked.emit(region)
        elif pos.x() >= LABEL_W:
            self.frameClicked.emit(self._frame_at(pos.x()))

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.colour("base"))
        if self.plan is None:
            return
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        drawn_labels: set[int] = set()
        for lane, label, r, rect in self._bars():
            if lane not in drawn_labels:
                drawn_labels.add(lane)
                painter.setPen(theme.colour("text"))
                painter.drawText(QRectF(4, rect.top() - 2, LABEL_W - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter, label)
                painter.fillRect(QRectF(LABEL_W, rect.top() - 2, self.width() - LABEL_W, LANE_H),
                                 theme.colour("alt_base") if lane % 2 else theme.colour("base"))
            colour = KIND_COLOURS.get(r.kind, QColor("#999999")) if r.redacted else KEEP_COLOUR
            fill = QColor(colour)
            fill.setAlpha(200 if r.redacted else 60)
            pen = QPen(colour.darker(120), 2 if r is self.selected else 1)
            if not r.redacted:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 3, 3)
        x = self._x(self.frame + 0.5)
        painter.setPen(QPen(theme.colour("focus"), 2))
        painter.drawLine(int(x), 0, int(x), self.height())


class Timeline(QWidget):
    """Slider, time, track lanes and span buttons for one video."""

    frameChanged = Signal(int)
    regionClicked = Signal(object)
    spanStartRequested = Signal()
    spanEndRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(self._on_slider)
        self.time_label = QLabel("0:00.0")
        self.time_label.setMinimumWidth(170)
        self.lanes = TrackLanes()
        self.lanes.frameClicked.connect(self.set_frame)
        self.lanes.regionClicked.connect(self.regionClicked)
        self.lane_area = QScrollArea()
        self.lane_area.setWidget(self.lanes)
        self.lane_area.setWidgetResizable(True)
        self.lane_area.setFrameShape(QFrame.Shape.NoFrame)
        self.lane_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the clip at its real speed / pause (P)")
        self.play_button.clicked.connect(self.toggle_play)
        self._clock = time.monotonic
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_TICK_MS)
        self._play_timer.timeout.connect(self._tick)
        self._play_from: tuple[float, int] | None = None   # (clock, frame) when play was pressed
        back = QPushButton("◀")
        back.setToolTip("Previous frame (,)")
        back.clicked.connect(lambda: self.set_frame(self.slider.value() - 1))
        forward = QPushButton("▶|")
        forward.setToolTip("Next frame (.)")
        forward.clicked.connect(lambda: self.set_frame(self.slider.value() + 1))
        self.start_button = QPushButton("Starts here")
        self.start_button.setToolTip("The selected area is hidden from this frame on")
        self.start_button.clicked.connect(self.spanStartRequested)
        self.end_button = QPushButton("Ends here")
        self.end_button.setToolTip("The selected area is hidden up to this frame")
        self.end_button.clicked.connect(self.spanEndRequested)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(back)
        row.addWidget(self.slider, 1)
        row.addWidget(forward)
        row.addWidget(self.time_label)
        row.addWidget(self.start_button)
        row.addWidget(self.end_button)
        hint = QLabel("Each row is one face or text followed through the clip. Click a bar to hide or keep "
                      "it in every frame; click the timeline to jump there.")
        hint.setObjectName("mutedText")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.lane_area)
        layout.addWidget(hint)
        self._fps = 0.0

    @property
    def frame(self) -> int:
        return self.slider.value()

    def set_plan(self, plan: Plan | None) -> None:
        self.pause()
        self._fps = plan.fps if plan is not None else 0.0
        count = plan.frame_count if plan is not None else 1
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, count - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.lanes.set_plan(plan)
        self._fit_lane_area()
        self.lanes.frame = 0
        self._update_label()

    def set_frame(self, frame: int) -> None:
        self.slider.setValue(max(self.slider.minimum(), min(self.slider.maximum(), frame)))

    def set_selected(self, region: Region | None, can_span: bool) -> None:
        self.lanes.selected = region
        self.start_button.setEnabled(can_span)
        self.end_button.setEnabled(can_span)
        self.lanes.update()

    def refresh(self) -> None:
        self.lanes.set_plan(self.lanes.plan)
        self._fit_lane_area()

    def _fit_lane_area(self) -> None:
        shown = max(1, min(self.lanes.lane_count(), VISIBLE_LANES))
        self.lane_area.setFixedHeight(shown * LANE_H + 8)

    # ----- playback ------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._play_from is not None

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self._fps <= 0:
            return
        start = 0 if self.frame >= self.slider.maximum() else self.frame  # at the end: from the start
        self.set_frame(start)
        self._play_from = (self._clock(), start)
        self.play_button.setText("Pause")
        self._play_timer.start()

    def pause(self) -> None:
        self._play_from = None
        self._play_timer.stop()
        self.play_button.setText("Play")

    def _tick(self) -> None:
        """Show the frame due now: frames follow the clock, not the number of ticks."""
        if self._play_from is None:
            return
        started, first = self._play_from
        due = first + int((self._clock() - started) * self._fps)
        if due >= self.slider.maximum():
            self.set_frame(self.slider.maximum())
            self.pause()
        elif due != self.frame:
            self.set_frame(due)

    def _on_slider(self, value: int) -> None:
        self.lanes.frame = value
        self.lanes.update()
        self._update_label()
        self.frameChanged.emit(value)

    def _update_label(self) -> None:
        total = self.slider.maximum() + 1
        self.time_label.setText(f"{format_time(self.slider.value(), self._fps)} / "
                                f"{format_time(total, self._fps)} · frame {self.slider.value() + 1}")
