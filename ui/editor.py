"""The review editor: one file, its regions, and every change the reviewer makes (undoable).

The canvas reports gestures; this module turns them into QUndoCommands that edit the
engine's Plan (Region objects), so undo/redo and the export see exactly the same model.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap, QUndoCommand, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QMenu, QScrollArea, QSplitter, QToolBar,
                               QToolButton, QVBoxLayout, QWidget)

from sanitizer.regions import DecidedBy, Decision, Kind, Plan, Region, Shape, Tier
from sanitizer.settings import Settings

from .canvas import KEEP_COLOUR, KIND_COLOURS, KIND_LABELS, Canvas, Mode, moved_polygon
from .metadata_panel import MetadataPanel
from .region_list import BulkChoice, BulkPanel, RegionList
from .timeline import Timeline
from .worker import ImageLoader


def regions_at(regions: list[Region], frame: int) -> list[Region]:
    """The Regions shown on one video frame (a Region without a span covers every frame)."""
    return [r for r in regions if r.frame_span is None or r.frame_span[0] <= frame <= r.frame_span[1]]


# ----- undoable edits of the Plan -------------------------------------------------------------
class _EditCommand(QUndoCommand):
    def __init__(self, editor: "EditorWidget", text: str) -> None:
        super().__init__(text)
        self.editor = editor

    def _changed(self) -> None:
        self.editor.plan_changed()


class ToggleCommand(_EditCommand):
    """Hide <-> keep, recorded as the reviewer's decision."""

    def __init__(self, editor, region: Region) -> None:
        super().__init__(editor, "keep area" if region.redacted else "hide area")
        self.region = region
        self.before = (region.decision, region.decided_by)

    def redo(self) -> None:
        new = Decision.KEEP if self.before[0] is Decision.REDACT else Decision.REDACT
        self.region.set_decision(new, DecidedBy.REVIEWER)
        self._changed()

    def undo(self) -> None:
        self.region.decision, self.region.decided_by = self.before
        self._changed()


class _DecisionsCommand(_EditCommand):
    """A new decision for several Regions at once; undo puts each one's old decision back."""

    def __init__(self, editor, text: str, regions: list[Region]) -> None:
        super().__init__(editor, text)
        self.regions = regions
        self.before = [(r.decision, r.decided_by) for r in regions]

    def undo(self) -> None:
        for r, (decision, by) in zip(self.regions, self.before):
            r.decision, r.decided_by = decision, by
        self._changed()


class TrackToggleCommand(_DecisionsCommand):
    """Video: hide <-> keep every Region of one track, so a face is treated the same in every frame."""

    def __init__(self, editor, regions: list[Region]) -> None:
        super().__init__(editor, "keep track" if regions[0].redacted else "hide track", regions)
        self.new = Decision.KEEP if regions[0].redacted else Decision.REDACT

    def redo(self) -> None:
        for r in self.regions:
            r.set_decision(self.new, DecidedBy.REVIEWER)
        self._changed()


class SpanCommand(_EditCommand):
    """Video: the frames a Region covers."""

    def __init__(self, editor, region: Region, span: tuple[int, int]) -> None:
        super().__init__(editor, "change frames")
        self.region, self.before, self.after = region, region.frame_span, span

    def redo(self) -> None:
        self.region.frame_span = self.after
        self._changed()

    def undo(self) -> None:
        self.region.frame_span = self.before
        self._changed()


class ConsentCommand(_DecisionsCommand):
    """Keep a face because consent is on file (for a video: every Region of its track)."""

    def __init__(self, editor, regions: list[Region]) -> None:
        super().__init__(editor, "consent on file", regions)

    def redo(self) -> None:
        for r in self.regions:
            r.mark_consent()
        self._changed()


class GeometryCommand(_EditCommand):
    """Move or resize (a polygon's points follow its box)."""

    def __init__(self, editor, region: Region, new_box) -> None:
        super().__init__(editor, "move area")
        self.region = region
        self.before = (region.box, region.polygon)
        self.after = (tuple(float(v) for v in new_box), moved_polygon(region, new_box))

    def redo(self) -> None:
        self.region.box, self.region.polygon = self.after
        self._changed()

    def undo(self) -> None:
        self.region.box, self.region.polygon = self.before
        self._changed()


class AddCommand(_EditCommand):
    def __init__(self, editor, plan: Plan, region: Region) -> None:
        super().__init__(editor, "add area")
        self.plan, self.region = plan, region

    def redo(self) -> None:
        self.plan.regions.append(self.region)
        self.editor.canvas.select(self.region)
        self._changed()

    def undo(self) -> None:
        self.plan.regions.remove(self.region)
        self.editor.canvas.select(None)
        self._changed()


class DeleteCommand(_EditCommand):
    def __init__(self, editor, plan: Plan, region: Region) -> None:
        super().__init__(editor, "delete area")
        self.plan, self.region = plan, region
        self.index = plan.regions.index(region)

    def redo(self) -> None:
        self.plan.regions.remove(self.region)
        self.editor.canvas.select(None)
        self._changed()

    def undo(self) -> None:
        self.plan.regions.insert(self.index, self.region)
        self._changed()


class ApproveCommand(_EditCommand):
    """The reviewer approves the file as it will be exported (or withdraws the approval)."""

    def __init__(self, editor, plan: Plan, approved: bool) -> None:
        super().__init__(editor, "approve file" if approved else "withdraw approval")
        self.plan, self.before, self.after = plan, plan.approved, approved

    def redo(self) -> None:
        self.plan.approved = self.after
        self._changed()

    def undo(self) -> None:
        self.plan.approved = self.before
        self._changed()


class BulkDecisionCommand(_DecisionsCommand):
    """One decision for every matching area, in this file or in several files at once."""

    def __init__(self, editor, text: str, regions: list[Region], decision: Decision, keys: list[int]) -> None:
        super().__init__(editor, text, regions)
        self.decision, self.keys = decision, keys

    def redo(self) -> None:
        for r in self.regions:
            r.set_decision(self.decision, DecidedBy.REVIEWER)
        self._changed()

    def _changed(self) -> None:
        self.editor.plan_changed()
        others = [k for k in self.keys if k != self.editor.key]
        if others:
            self.editor.batchEdited.emit(others)


# ----- side panels ----------------------------------------------------------------------------
def one_per_track(regions: list[Region]) -> list[Region]:
    """A video track counts once (its Regions are one face followed through the clip)."""
    seen: set[int] = set()
    out = []
    for r in regions:
        if r.track_id is not None:
            if r.track_id in seen:
                continue
            seen.add(r.track_id)
        out.append(r)
    return out


def swatch(colour: QColor, size: int = 14) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(colour)
    painter.setPen(colour.darker(130))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pix)


class Legend(QWidget):
    """Colour of each kind and how many areas of it the file has (hidden / kept)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        grid.setHorizontalSpacing(8)
        grid.setColumnStretch(1, 1)
        self._counts: dict[Kind, QLabel] = {}
        for row, kind in enumerate(Kind):
            icon = QLabel()
            icon.setPixmap(swatch(KIND_COLOURS[kind]).pixmap(14, 14))
            grid.addWidget(icon, row, 0)
            grid.addWidget(QLabel(KIND_LABELS[kind]), row, 1, Qt.AlignmentFlag.AlignLeft)
            count = QLabel("")
            count.setObjectName("mutedText")
            grid.addWidget(count, row, 2, Qt.AlignmentFlag.AlignRight)
            self._counts[kind] = count
        keep = QLabel()
        keep.setPixmap(swatch(KEEP_COLOUR).pixmap(14, 14))
        grid.addWidget(keep, len(Kind), 0)
        grid.addWidget(QLabel("Kept (dashed: shown in the export)"), len(Kind), 1, 1, 2, Qt.AlignmentFlag.AlignLeft)

    def set_regions(self, regions: list[Region]) -> None:
        regions = one_per_track(regions)
        hidden = Counter(r.kind for r in regions if r.redacted)
        kept = Counter(r.kind for r in regions if not r.redacted)
        for kind, label in self._counts.items():
            parts = []
            if hidden[kind]:
                parts.append(f"{hidden[kind]} hidden")
            if kept[kind]:
                parts.append(f"{kept[kind]} kept")
            label.setText(", ".join(parts))


# The detectors' short reasons, said as a reviewer would say them.
REASON_WORDS = {
    "face": "it looks like a face", "name": "the text looks like a person's name",
    "MRN pattern": "the text looks like a record number", "date of birth": "the text looks like a date of birth",
    "date": "the text holds a date", "phone number": "the text looks like a phone number",
    "fax number": "the text looks like a fax number", "SSN pattern": "the text looks like a social security number",
    "email address": "the text is an email address", "street address": "the text looks like an address",
    "room number": "the text looks like a room or bed number", "ID number": "the text holds a long number",
    "age": "the text looks like an age", "QR code": "it is a QR code", "barcode": "it is a barcode",
    "drawn by reviewer": "you drew it",
}


def describe_region(region: Region | None) -> str:
    if region is None:
        return "Click an area to hide or keep it. Drag to move it, drag a corner to resize."
    what = KIND_LABELS.get(region.kind, region.kind.value)
    if region.redacted:
        state = "will be hidden"
    elif region.decided_by is DecidedBy.CONSENT:
        state = "kept: consent on file"
    else:
        state = "kept (you chose to show it)"
    why = ""
    if region.reason:
        why = f"<br>Marked because {REASON_WORDS.get(region.reason, region.reason)}"
        if region.tier is Tier.POSSIBLE:
            why += " (the detector is not sure)"
        why += "."
    return f"<b>{what}</b> — {state}{why}"


# ----- the editor -----------------------------------------------------------------------------
class EditorWidget(QWidget):
    """Shows one file for review. The main window feeds it (key, plan) and listens for edits."""

    nextRequested = Signal()
    previousRequested = Signal()
    backRequested = Signal()
    exportRequested = Signal()
    planEdited = Signal(int)
    approved = Signal(int)       # the reviewer approved this file (Enter): the window moves on
    batchEdited = Signal(list)   # keys of other files a bulk action changed

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.key: int | None = None
        self.plan: Plan | None = None
        self._pixels: np.ndarray | None = None
        self._original: QImage | None = None
        self._revision = 0
        self._preview_revision = -1
        self._undo_group = QUndoGroup(self)
        self._stacks: dict[int, QUndoStack] = {}
        self._loader = ImageLoader(self)
        self._loader.loaded.connect(self._on_loaded)
        self._loader.frame.connect(self._on_frame)
        self.frame_index = 0
        self._shown_frame = -1
        self.timeline = Timeline()
        self.timeline.hide()
        self.timeline.frameChanged.connect(self._on_frame_changed)
        self.timeline.regionClicked.connect(self._on_timeline_region)
        self.timeline.spanStartRequested.connect(lambda: self._set_span(start=True))
        self.timeline.spanEndRequested.connect(lambda: self._set_span(start=False))
        self._loader.preview.connect(self._on_preview)
        self._loader.failed.connect(self._on_load_failed)

        self.canvas = Canvas()
        self.canvas.regionClicked.connect(self.toggle_region)
        self.canvas.regionChanged.connect(self._on_region_changed)
        self.canvas.rectDrawn.connect(self._on_rect_drawn)
        self.canvas.polygonDrawn.connect(self._on_polygon_drawn)
        self.canvas.selectionChanged.connect(self._on_selection)
        self.canvas.contextRequested.connect(self._on_context)

        self.title = QLabel("")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.status = QLabel("")
        self.status.setObjectName("mutedText")
        self.legend = Legend()
        self.selection_info = QLabel(describe_region(None))
        self.selection_info.setWordWrap(True)
        self.selection_info.setTextFormat(Qt.TextFormat.RichText)
        self.selection_info.setMinimumHeight(48)
        self.metadata = MetadataPanel()
        self.region_list = RegionList()
        self.region_list.regionActivated.connect(self.select_region)
        self.bulk = BulkPanel()
        self.bulk.decide.connect(self.bulk_decide)
        # Set by the window: (key, Plan) of every analysed file, for "in every file".
        self.batch_plans = lambda: [] if self.plan is None else [(self.key, self.plan)]
        self._build_actions()
        self._build_layout()
        self._update_actions()

    # ----- layout ------------------------------------------------------------------------
    def _action(self, text: str, shortcut, slot, tip: str, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in shortcuts if s])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        keys = ", ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts if s)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_back = self._action("◀ All files", "Esc", self.backRequested.emit, "Back to the list of files")
        self.act_prev = self._action("Previous", ["PgUp", "Alt+Left"], self.previousRequested.emit, "Previous file")
        self.act_next = self._action("Next", ["PgDown", "Alt+Right"], self.nextRequested.emit, "Next file")
        self.mode_group = QActionGroup(self)
        self.act_select = self._action("Select", "V", lambda on: on and self.canvas.set_mode(Mode.SELECT),
                                       "Select, move and resize areas", checkable=True)
        self.act_rect = self._action("Draw box", "R", lambda on: on and self.canvas.set_mode(Mode.RECT),
                                     "Draw a new box to hide", checkable=True)
        self.act_free = self._action("Draw freehand", "D", lambda on: on and self.canvas.set_mode(Mode.FREEHAND),
                                     "Draw a freehand area to hide", checkable=True)
        for act in (self.act_select, self.act_rect, self.act_free):
            self.mode_group.addAction(act)
        self.act_select.setChecked(True)
        self.act_toggle = self._action("Hide / keep", ["T", "Space"], self.toggle_selected,
                                       "Switch the selected area between hidden and kept")
        self.act_consent = self._action("Consent on file", "C", self.consent_selected,
                                        "Keep this face: the person's consent is on file")
        self.act_delete = self._action("Delete", ["Del", "Backspace"], self.delete_selected,
                                       "Remove the selected area")
        self.act_undo = self._undo_group.createUndoAction(self, "Undo")
        self.act_undo.setShortcuts(QKeySequence.StandardKey.Undo)
        self.act_redo = self._undo_group.createRedoAction(self, "Redo")
        # Both common spellings, whatever the platform's own standard is.
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act in (self.act_undo, self.act_redo):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
        self.act_after = self._action("Show result", "B", self._on_after_toggled,
                                      "Show the photo exactly as it will be exported", checkable=True)
        self.act_fit = self._action("Fit", "0", self.canvas.fit_to_window, "Fit the photo to the window")
        self.act_zoom_in = self._action("Zoom in", ["+", "="], lambda: self.canvas.set_zoom(self.canvas.zoom * 1.25),
                                        "Zoom in (or use the mouse wheel)")
        self.act_zoom_out = self._action("Zoom out", "-", lambda: self.canvas.set_zoom(self.canvas.zoom / 1.25),
                                         "Zoom out")
        self.act_approve = self._action("Approve", ["Return", "Enter"], self.approve,
                                        "This file is checked: export it as the result view shows it. "
                                        "Then go to the next file")
        self.act_unapprove = self._action("Withdraw approval", "", lambda: self._set_approved(False),
                                          "This file is not checked after all: it waits for approval")
        # No shortcut of its own: the window's Export action owns Ctrl+E (two owners made it ambiguous).
        self.act_export = self._action("Export…", "", self.exportRequested.emit, "Export clean copies (Ctrl+E)")
        self.act_next_region = self._action("Next area", "Tab", lambda: self._walk(+1),
                                            "Select the next area in the list")
        self.act_prev_region = self._action("Previous area", ["Shift+Tab", "Shift+Backtab"], lambda: self._walk(-1),
                                            "Select the previous area in the list")
        self.act_play = self._action("Play / pause", "P", self.timeline.toggle_play,
                                     "Video: play at real speed, or pause")
        self.act_prev_frame = self._action("Previous frame", ",", lambda: self.timeline.set_frame(self.frame_index - 1),
                                           "Video: previous frame")
        self.act_next_frame = self._action("Next frame", ".", lambda: self.timeline.set_frame(self.frame_index + 1),
                                           "Video: next frame")

    def _build_layout(self) -> None:
        top = QToolBar()
        top.setIconSize(QSize(16, 16))
        top.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        top.addAction(self.act_back)
        top.addSeparator()
        top.addAction(self.act_prev)
        top.addAction(self.act_next)
        top.addSeparator()
        for act in (self.act_select, self.act_rect, self.act_free):
            top.addAction(act)
        top.addSeparator()
        for act in (self.act_toggle, self.act_consent, self.act_delete, self.act_undo, self.act_redo):
            top.addAction(act)
        top.addSeparator()
        top.addAction(self.act_after)
        for act in (self.act_zoom_out, self.act_fit, self.act_zoom_in):
            top.addAction(act)
        self.toolbar = top

        # Approve and Export sit beside the file's name, outside the toolbar, so no window
        # width can push them out of reach.
        self.approve_button = QToolButton()
        self.approve_button.setDefaultAction(self.act_approve)
        self.approve_button.setObjectName("approveButton")
        self.unapprove_button = QToolButton()
        self.unapprove_button.setDefaultAction(self.act_unapprove)
        self.export_button = QToolButton()
        self.export_button.setDefaultAction(self.act_export)
        self.export_button.setObjectName("primaryButton")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.status)
        header = QHBoxLayout()
        header.addLayout(names, 1)
        for button in (self.unapprove_button, self.approve_button, self.export_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            header.addWidget(button)

        side = QFrame()
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("<b>What the colours mean</b>"))
        side_layout.addWidget(self.legend)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        side_layout.addWidget(line)
        areas_title = QLabel("<b>Areas in this file</b> (Tab / Shift+Tab to walk them)")
        areas_title.setWordWrap(True)
        side_layout.addWidget(areas_title)
        side_layout.addWidget(self.region_list, 2)
        side_layout.addWidget(self.bulk)
        side_layout.addWidget(QLabel("<b>Selected area</b>"))
        side_layout.addWidget(self.selection_info)
        line2 = QFrame()
        line2.setFrameShape(QFrame.Shape.HLine)
        side_layout.addWidget(line2)
        side_layout.addWidget(self.metadata, 1)
        side.setMinimumWidth(260)
        # The side panel scrolls rather than forcing the window taller than a small screen.
        side_scroll = QScrollArea()
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setMinimumWidth(280)

        picture = QWidget()
        picture_layout = QVBoxLayout(picture)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        picture_layout.addWidget(self.canvas, 1)
        picture_layout.addWidget(self.timeline)
        splitter = QSplitter()
        splitter.addWidget(picture)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 300])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(top)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

    # ----- file in, edits out ------------------------------------------------------------
    def set_item(self, key: int | None, plan: Plan | None, title: str = "", status: str = "") -> None:
        """Show a file: its regions at once, its pixels when the loader delivers them."""
        same = key is not None and key == self.key
        self.key, self.plan = key, plan
        self.title.setText(title)
        self.status.setText(status)
        self.metadata.set_plan(plan)
        if not same:
            self._pixels, self._original = None, None
            self._preview_revision = -1
            self.canvas.select(None)
            self.canvas.set_image(None)
            self.act_after.setChecked(False)
            self.frame_index, self._shown_frame = 0, -1
            is_video = plan is not None and plan.media == "video" and not plan.error
            self.timeline.setVisible(is_video)
            self.timeline.set_plan(plan if is_video else None)
            if key is not None and plan is not None and not plan.error:
                self.canvas.set_placeholder("Loading…")
                if is_video:
                    self._loader.load_frame(key, plan.source, plan.fps, 0)
                else:
                    self._loader.load(key, plan.source)
            elif plan is not None and plan.error:
                self.canvas.set_placeholder(f"This file could not be read:\n{plan.error}")
            else:
                self.canvas.set_placeholder("Select a file to review")
        if key is not None:
            stack = self._stacks.get(key)
            if stack is None:
                stack = self._stacks[key] = QUndoStack(self._undo_group)
            self._undo_group.setActiveStack(stack)
        else:
            self._undo_group.setActiveStack(None)
        self.canvas.set_regions(self.visible_regions())
        self.legend.set_regions(plan.regions if plan is not None else [])
        self._refresh_region_list()
        self._update_actions()

    def _refresh_region_list(self) -> None:
        regions = one_per_track(self.plan.regions) if self.plan is not None else []
        self.region_list.set_regions(regions, self.canvas.selected)

    @property
    def is_video(self) -> bool:
        return self.plan is not None and self.plan.media == "video"

    def visible_regions(self) -> list[Region]:
        if self.plan is None:
            return []
        return regions_at(self.plan.regions, self.frame_index) if self.is_video else self.plan.regions

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def forget(self, key: int) -> None:
        stack = self._stacks.pop(key, None)
        if stack is not None:
            self._undo_group.removeStack(stack)
            stack.deleteLater()

    @property
    def undo_stack(self) -> QUndoStack | None:
        return self._undo_group.activeStack()

    def push(self, command: QUndoCommand) -> None:
        stack = self.undo_stack
        if stack is None:
            command.redo()
        else:
            stack.push(command)  # push() calls redo()

    def plan_changed(self) -> None:
        """Called by every command: redraw, recount, refresh the result view."""
        self._revision += 1
        regions = self.plan.regions if self.plan is not None else []
        self.canvas.set_regions(self.visible_regions())
        self.legend.set_regions(regions)
        self._refresh_region_list()
        if self.is_video:
            self.timeline.refresh()
        self.selection_info.setText(describe_region(self.canvas.selected))
        self._update_actions()
        if self.act_after.isChecked():
            self._request_preview()
        if self.key is not None:
            self.planEdited.emit(self.key)

    # ----- gestures ----------------------------------------------------------------------
    def toggle_region(self, region: Region) -> None:
        if self.plan is None or region not in self.plan.regions:
            return
        if self.is_video and region.track_id is not None:
            track = [r for r in self.plan.regions if r.track_id == region.track_id]
            self.push(TrackToggleCommand(self, track))
        else:
            self.push(ToggleCommand(self, region))

    def approve(self) -> None:
        """Enter: the reviewer has checked this file; the window then shows the next one."""
        if self.plan is None or self.plan.error or self.key is None:
            return
        self._set_approved(True)
        self.approved.emit(self.key)

    def _set_approved(self, approved: bool) -> None:
        if self.plan is not None and not self.plan.error and self.plan.approved != approved:
            self.push(ApproveCommand(self, self.plan, approved))

    def select_region(self, region: Region) -> None:
        """Select an area chosen in the list; a video jumps to a frame that shows it."""
        if self.plan is None or region not in self.plan.regions:
            return
        if region.frame_span is not None and not (region.frame_span[0] <= self.frame_index <= region.frame_span[1]):
            self.timeline.set_frame(region.frame_span[0])
        self.canvas.select(region)

    def _walk(self, delta: int) -> None:
        region = self.region_list.step(self.canvas.selected, delta)
        if region is not None:
            self.select_region(region)

    def bulk_decide(self, choice: BulkChoice, decision: Decision, everywhere: bool) -> None:
        """Hide or keep every area `choice` matches, in this file or in every file (one undo step)."""
        if self.plan is None:
            return
        plans = self.batch_plans() if everywhere else [(self.key, self.plan)]
        regions, keys = [], []
        for key, plan in plans:
            matching = [r for r in plan.regions if choice.matches(r) and r.decision is not decision]
            if matching:
                regions.extend(matching)
                keys.append(key)
        if regions:
            verb = "hide" if decision is Decision.REDACT else "keep"
            self.push(BulkDecisionCommand(self, f"{verb} {len(regions)} areas", regions, decision, keys))

    def toggle_selected(self) -> None:
        if self.canvas.selected is not None:
            self.toggle_region(self.canvas.selected)

    def consent_selected(self) -> None:
        region = self.canvas.selected
        if region is None or region.decided_by is DecidedBy.CONSENT or self.plan is None:
            return
        if self.is_video and region.track_id is not None:
            self.push(ConsentCommand(self, [r for r in self.plan.regions if r.track_id == region.track_id]))
        else:
            self.push(ConsentCommand(self, [region]))

    def delete_selected(self) -> None:
        region = self.canvas.selected
        if region is not None and self.plan is not None and region in self.plan.regions:
            self.push(DeleteCommand(self, self.plan, region))

    def _on_region_changed(self, region: Region, box) -> None:
        self.push(GeometryCommand(self, region, box))

    def _on_rect_drawn(self, box) -> None:
        if self.plan is None:
            return
        region = Region(kind=Kind.MANUAL, box=tuple(box), reason="drawn by reviewer",
                        decided_by=DecidedBy.REVIEWER, frame_span=self._new_span())
        self.push(AddCommand(self, self.plan, region))
        self.act_select.setChecked(True)

    def _on_polygon_drawn(self, points) -> None:
        if self.plan is None:
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        region = Region(kind=Kind.MANUAL, box=box, shape=Shape.POLYGON, polygon=tuple(points),
                        reason="drawn by reviewer", decided_by=DecidedBy.REVIEWER,
                        frame_span=self._new_span())
        self.push(AddCommand(self, self.plan, region))
        self.act_select.setChecked(True)

    def _new_span(self) -> tuple[int, int] | None:
        """A box drawn on a video frame covers it to the end; trim with Starts/Ends here."""
        if not self.is_video:
            return None
        return (self.frame_index, max(self.frame_index, self.plan.frame_count - 1))

    def _set_span(self, start: bool) -> None:
        region = self.canvas.selected
        if region is None or not self.is_video:
            return
        a, b = region.frame_span if region.frame_span is not None else (0, self.plan.frame_count - 1)
        span = (self.frame_index, max(self.frame_index, b)) if start else (min(a, self.frame_index), self.frame_index)
        if span != region.frame_span:
            self.push(SpanCommand(self, region, span))

    def _on_timeline_region(self, region: Region) -> None:
        if region.frame_span is not None and not (region.frame_span[0] <= self.frame_index <= region.frame_span[1]):
            self.timeline.set_frame(region.frame_span[0])
        self.canvas.select(region)
        self.toggle_region(region)

    def _on_frame_changed(self, index: int) -> None:
        self.frame_index = index
        self.canvas.set_regions(self.visible_regions())
        if self.plan is not None and self.key is not None:
            self._loader.load_frame(self.key, self.plan.source, self.plan.fps, index)

    def _on_frame(self, key: int, index: int, pixels, image: QImage) -> None:
        if key != self.key:
            return
        first = self._shown_frame < 0
        self._shown_frame = index
        self._pixels, self._original = pixels, image
        if self.act_after.isChecked():
            self._request_preview()
        else:
            self.canvas.set_image(image, keep_view=not first)

    def _on_selection(self, region: Region | None) -> None:
        self.region_list.show_selected(region)
        self.selection_info.setText(describe_region(region))
        self.timeline.set_selected(region, region is not None and self.is_video)
        self._update_actions()

    def _on_context(self, region: Region, global_pos) -> None:
        menu = QMenu(self)
        menu.addAction("Keep (show in export)" if region.redacted else "Hide", lambda: self.toggle_region(region))
        if region.kind is Kind.FACE:
            menu.addAction("Keep: consent on file", self.consent_selected)
        menu.addSeparator()
        menu.addAction("Delete area", self.delete_selected)
        menu.popup(global_pos)

    def _update_actions(self) -> None:
        has_plan = self.plan is not None and not self.plan.error
        selected = self.canvas.selected
        for act in (self.act_select, self.act_rect, self.act_free, self.act_after, self.act_fit,
                    self.act_zoom_in, self.act_zoom_out):
            act.setEnabled(has_plan)
        self.act_toggle.setEnabled(selected is not None)
        self.act_delete.setEnabled(selected is not None)
        self.act_consent.setEnabled(selected is not None and selected.kind is Kind.FACE
                                    and selected.decided_by is not DecidedBy.CONSENT)
        self.act_prev_frame.setEnabled(self.is_video)
        self.act_next_frame.setEnabled(self.is_video)
        self.act_play.setEnabled(self.is_video)
        self.act_approve.setEnabled(has_plan)
        self.act_unapprove.setEnabled(has_plan and self.plan.approved)
        self.act_approve.setText("Approved ✓" if has_plan and self.plan.approved else "Approve")

    # ----- pixels and the result view ----------------------------------------------------
    def _on_loaded(self, key: int, pixels, image: QImage) -> None:
        if key != self.key:
            return  # the reviewer already moved on
        self._pixels, self._original = pixels, image
        if self.act_after.isChecked():
            self._request_preview()
        else:
            self.canvas.set_image(image)

    def _on_load_failed(self, key: int, reason: str) -> None:
        if key == self.key:
            self.canvas.set_image(None)
            self.canvas.set_placeholder(f"This file could not be shown:\n{reason}")

    def _on_after_toggled(self, on: bool) -> None:
        self.canvas.show_regions = not on
        self.canvas.set_banner("Result: this is how the exported copy will look" if on else "")
        self.act_after.setText("Show original" if on else "Show result")
        if on:
            self._request_preview()
        elif self._original is not None:
            self.canvas.set_image(self._original, keep_view=True)
        self.canvas.update()

    def _request_preview(self) -> None:
        if self.plan is None or self.key is None or self._pixels is None:
            return
        plan = self.plan
        if self.is_video:  # the frame on show with the areas that cover it
            from dataclasses import replace
            plan = replace(self.plan, regions=self.visible_regions())
        self._loader.render_preview(self.key, self._revision, plan, self.settings, self._pixels)

    def _on_preview(self, key: int, revision: int, image: QImage) -> None:
        if key != self.key or revision != self._revision or not self.act_after.isChecked():
            return  # stale: an edit happened after this render started
        self._preview_revision = revision
        self.canvas.set_image(image, keep_view=True)

    @property
    def showing_result(self) -> bool:
        return self.act_after.isChecked() and self._preview_revision == self._revision

    def wait_for_background(self, msecs: int = 5000) -> bool:
        return self._loader.wait(msecs)
