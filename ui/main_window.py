"""The main window: drop zone and queue of files, the review editor, export.

Each file is a QueueItem; its Plan (the engine's model) is filled by the background
analysis and edited by the review editor. Statuses are shown in plain words and colours.
"""
from __future__ import annotations

import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QGuiApplication, QDropEvent, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFrame, QHBoxLayout, QHeaderView, QLabel,
                               QMainWindow, QMessageBox, QProgressBar, QPushButton, QStackedLayout,
                               QStackedWidget, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from sanitizer import pipeline
from sanitizer.phi import file_name_finding
from sanitizer.regions import Kind, Plan
from sanitizer.review_file import REVIEW_SUFFIX, ReviewFileError, SavedFile, load_review, save_review

from . import file_dialogs
from .editor import EditorWidget, one_per_track, regions_at
from . import theme
from .grid import ApprovalGrid
from .settings_store import SettingsStore
from .worker import GRID_TILE, THUMB_SIZE, AnalysisQueue, FileHasher, ImageLoader

APP_TITLE = "PHI Sanitizer"
EMPTY_HINT = "Drop photos, videos or folders here"


class Status(str, Enum):
    WAITING = "Waiting"
    ANALYSING = "Analysing…"
    NEEDS_REVIEW = "Needs review"
    NOTHING_FOUND = "Nothing found: check and approve"
    APPROVED = "Approved"
    EXPORTING = "Exporting…"
    EXPORTED = "Exported and verified"
    ERROR = "Error"
    CANCELLED = "Not analysed (cancelled)"


# The theme role of each status's colour (ui/theme.py keeps every one readable, light or dark).
STATUS_ROLES: dict[Status, str] = {
    Status.WAITING: "muted",
    Status.ANALYSING: "info",
    Status.NEEDS_REVIEW: "warning",
    Status.APPROVED: "good",
    Status.NOTHING_FOUND: "info",
    Status.EXPORTING: "info",
    Status.EXPORTED: "good",
    Status.ERROR: "error",
    Status.CANCELLED: "muted",
}

# Sort "by status": what needs the reviewer first, finished files last.
STATUS_ORDER = [Status.ERROR, Status.NEEDS_REVIEW, Status.NOTHING_FOUND, Status.ANALYSING, Status.WAITING,
                Status.APPROVED, Status.EXPORTING, Status.EXPORTED, Status.CANCELLED]
# "Show:" filter of the queue: label -> the statuses shown (None: all).
STATUS_FILTERS: dict[str, set[Status] | None] = {
    "All files": None,
    "Waiting for approval": {Status.NEEDS_REVIEW, Status.NOTHING_FOUND},
    "Approved": {Status.APPROVED},
    "Exported": {Status.EXPORTED},
    "Errors": {Status.ERROR},
    "Not analysed yet": {Status.WAITING, Status.ANALYSING, Status.CANCELLED},
}
SORTS = ("In the order added", "By status", "By name")


def eta_words(seconds: float) -> str:
    if seconds < 60:
        return "under a minute left"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''} left"


SINGULARS = {Kind.FACE: "face", Kind.TEXT: "patient text", Kind.WRISTBAND: "wristband",
             Kind.BARCODE: "barcode or QR code", Kind.SCREEN: "screen", Kind.DOCUMENT: "document",
             Kind.MANUAL: "area added by you"}
PLURALS = {Kind.FACE: "faces", Kind.TEXT: "patient texts", Kind.WRISTBAND: "wristbands",
           Kind.BARCODE: "barcodes or QR codes", Kind.SCREEN: "screens", Kind.DOCUMENT: "documents",
           Kind.MANUAL: "areas added by you"}
# Short words for the queue; the metadata panel has the long explanations.
GROUP_WORDS = {"gps": "location", "camera": "camera serial", "dates": "dates", "thumbnail": "thumbnail",
               "makernotes": "maker notes", "xmp": "XMP", "iptc": "captions", "icc": "colour profile",
               "comment": "comments", "text_chunks": "text", "software": "software", "other": "other"}


@dataclass
class QueueItem:
    key: int
    path: Path
    status: Status = Status.WAITING
    plan: Plan | None = None
    thumbnail: QImage | None = None
    error: str | None = None
    output: Path | None = None
    progress: float = 0.0
    extra: dict = field(default_factory=dict)
    # The reviewer changed or approved something that is neither exported nor saved yet.
    dirty: bool = False
    sha256: str = ""                  # of the file as analysed (for Save / Open review)
    saved: SavedFile | None = None    # a reopened review, applied once the analysis is done
    revision: int = 0                 # counts edits of the plan (a grid preview older than this is stale)
    personal_name: bool = False       # the file's name may hold a person's details

    @property
    def is_video(self) -> bool:
        return self.plan is not None and self.plan.media == "video"


def summarise_regions(plan: Plan | None) -> str:
    """'2 faces hidden, 1 PHI text hidden, 1 kept' in plain words."""
    if plan is None or plan.error:
        return ""
    regions = one_per_track(plan.regions)
    hidden = Counter(r.kind for r in regions if r.redacted)
    kept = sum(1 for r in regions if not r.redacted)
    parts = []
    for kind in Kind:
        n = hidden[kind]
        if n:
            parts.append(f"{n} {SINGULARS[kind] if n == 1 else PLURALS[kind]}")
    text = ", ".join(parts) + (" to hide" if parts else "")
    if kept:
        text += ("; " if text else "") + f"{kept} kept"
    groups = list(dict.fromkeys(m.group for m in plan.metadata))
    if groups:
        words = [GROUP_WORDS.get(g, g) for g in sorted(groups, key=lambda g: list(GROUP_WORDS).index(g)
                                                      if g in GROUP_WORDS else 99)]
        listed = ", ".join(words[:3]) + (f" and {len(words) - 3} more" if len(words) > 3 else "")
        text += ("; " if text else "") + f"hidden info: {listed}"
    return text or "—"


def padded_icon(image: QImage | None, size: QSize = THUMB_SIZE) -> QIcon:
    """A thumbnail centred on a fixed-size tile so every row lines up."""
    tile = QPixmap(size)
    tile.fill(theme.colour("tile"))
    painter = QPainter(tile)
    if image is not None and not image.isNull():
        scaled = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        painter.drawImage((size.width() - scaled.width()) // 2, (size.height() - scaled.height()) // 2, scaled)
    else:
        painter.setPen(theme.colour("tile_text"))
        painter.drawText(tile.rect(), Qt.AlignmentFlag.AlignCenter, "…")
    painter.end()
    return QIcon(tile)


def urls_to_paths(mime: QMimeData) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class DropZone(QFrame):
    """Accepts files and folders dropped from the desktop; shows a hint while the queue is empty."""

    pathsDropped = Signal(list)

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.hint = QLabel(f"<div style='font-size:20px; font-weight:600'>{EMPTY_HINT}</div>"
                           "<div style='margin-top:10px'>or use <b>Add files</b> / <b>Add folder</b> above.<br>"
                           "Nothing leaves this computer: the app works offline.</div>")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setObjectName("emptyHint")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(content)
        self.set_empty(True)

    def set_empty(self, empty: bool) -> None:
        self._stack.setCurrentIndex(0 if empty else 1)
        self.setProperty("dragging", False)

    @staticmethod
    def _accept_as_copy(event) -> bool:
        """Accept only as a Copy, whatever the source proposed: on Windows a Move drop lets the
        source delete the dragged originals. A source that cannot copy is refused."""
        if not event.possibleActions() & Qt.DropAction.CopyAction:
            event.ignore()
            return False
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and urls_to_paths(event.mimeData()) and self._accept_as_copy(event):
            self._set_dragging(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            self._accept_as_copy(event)

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._set_dragging(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._set_dragging(False)
        paths = urls_to_paths(event.mimeData())
        if not paths or not self._accept_as_copy(event):
            event.ignore()
            return
        self.pathsDropped.emit(paths)

    def _set_dragging(self, on: bool) -> None:
        self.setProperty("dragging", on)
        self.style().unpolish(self)
        self.style().polish(self)


class MiddleElideDelegate(QStyledItemDelegate):
    def initStyleOption(self, option, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class QueueView(QTreeWidget):
    COL_FILE, COL_STATUS, COL_FOUND = range(3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["File", "Status", "What was found"])
        self.setIconSize(THUMB_SIZE)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAcceptDrops(False)  # drops go to the surrounding DropZone
        # Long names keep their start and their end ("Ward 5 visit … 0042.jpg"); sentences are
        # cut at their end. The name and the findings columns share the room a wider window gives.
        self.setItemDelegateForColumn(self.COL_FILE, MiddleElideDelegate(self))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.COL_FILE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.COL_STATUS, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.COL_FOUND, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(self.COL_STATUS, 300)


class MainWindow(QMainWindow):
    def __init__(self, store: SettingsStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_TITLE)
        self.store = store if store is not None else SettingsStore()
        self.settings = self.store.load()
        self.items: dict[int, QueueItem] = {}
        self._rows: dict[int, QTreeWidgetItem] = {}
        self._keys = itertools.count(1)
        self._batch_total = 0
        self._batch_done = 0
        self._clock = time.monotonic
        self._file_seconds: list[float] = []   # how long each file of this batch took to analyse
        self._started_at: dict[int, float] = {}
        self.export_dialog = None
        self._changed_since_review = 0  # files of an opened review whose bytes differ now
        self._waiting_icon: QIcon | None = None

        self.analysis = AnalysisQueue(self)
        self.analysis.started.connect(self._on_started)
        self.analysis.thumbnail.connect(self._on_thumbnail)
        self.analysis.progress.connect(self._on_file_progress)
        self.analysis.analysed.connect(self._on_analysed)
        self.analysis.cancelled.connect(self._on_cancelled)
        self.analysis.idle.connect(self._on_idle)
        self.analysis.prepare(self.settings)
        self.hasher = FileHasher(self)
        self.hasher.hashed.connect(self._on_hashed)
        self.previews = ImageLoader(self)  # its own thread: grid tiles never delay the editor's previews
        self.previews.preview.connect(self._on_grid_preview)
        self._grid_revisions: dict[int, int] = {}   # key -> revision its grid tile shows

        self.queue = QueueView()
        self.queue.itemActivated.connect(lambda row, _col: self.open_review(row.data(0, Qt.ItemDataRole.UserRole)))
        self.queue.itemSelectionChanged.connect(self._update_actions)
        self.drop_zone = DropZone(self.queue)
        self.drop_zone.pathsDropped.connect(self.add_paths)

        self.editor = EditorWidget(self.settings)
        self.editor.backRequested.connect(self.show_queue)
        self.editor.nextRequested.connect(lambda: self._step(+1))
        self.editor.previousRequested.connect(lambda: self._step(-1))
        self.editor.planEdited.connect(self._on_plan_edited)
        self.editor.exportRequested.connect(self.open_export)
        self.editor.approved.connect(self._after_approval)
        self.editor.batchEdited.connect(lambda keys: [self._on_plan_edited(k) for k in keys])
        self.editor.batch_plans = lambda: [(i.key, i.plan) for i in self._approvable()]
        self.grid = ApprovalGrid()
        self.grid.backRequested.connect(self.show_queue)
        self.grid.openRequested.connect(self.open_review)
        self.grid.approveRequested.connect(self.set_approved)
        self._review_return_page: QWidget | None = None

        self._build_actions()
        self._build_pages()
        self._build_status_bar()
        self._update_actions()
        self.fit_to_screen()

    def fit_to_screen(self, preferred: QSize = QSize(1280, 820)) -> None:
        """The preferred size, or less: never larger than the screen's free area (at any scale factor)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(preferred)
            return
        free = screen.availableGeometry()
        frame = 40  # room for the title bar and borders the window manager adds
        self.resize(min(preferred.width(), free.width() - frame), min(preferred.height(), free.height() - frame))

    # ----- construction ------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.act_add_files = QAction("Add files…", self, shortcut=QKeySequence.StandardKey.Open,
                                     triggered=self.choose_files)
        self.act_add_folder = QAction("Add folder…", self, shortcut=QKeySequence("Ctrl+Shift+O"),
                                      triggered=self.choose_folder)
        self.act_review = QAction("Review", self, shortcut=QKeySequence("Return"), triggered=self.review_selected)
        self.act_review.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.queue.addAction(self.act_review)
        self.act_export = QAction("Export clean copies…", self, shortcut=QKeySequence("Ctrl+E"),
                                  triggered=self.open_export)
        self.act_cancel = QAction("Cancel analysis", self, triggered=self.cancel_analysis)
        self.act_remove = QAction("Remove from list", self, shortcut=QKeySequence.StandardKey.Delete,
                                  triggered=self.remove_selected)
        self.act_remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.queue.addAction(self.act_remove)
        self.act_clear = QAction("Clear list", self, triggered=self.clear_all)
        self.act_grid = QAction("Check at a glance", self, shortcut=QKeySequence("Ctrl+G"), triggered=self.show_grid)
        self.act_save_review = QAction("Save review…", self, shortcut=QKeySequence.StandardKey.Save,
                                       triggered=self.choose_review_to_save)
        self.act_open_review = QAction("Open review…", self, triggered=self.choose_review_to_open)
        self.act_settings = QAction("Settings…", self, triggered=self.open_settings)
        self.act_quit = QAction("Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        self.act_shortcuts = QAction("Keyboard shortcuts", self, triggered=self.show_shortcuts)
        self.act_about = QAction("About", self, triggered=self.show_about)

        file_menu = self.menuBar().addMenu("&File")
        for act in (self.act_add_files, self.act_add_folder, None, self.act_open_review, self.act_save_review,
                    None, self.act_export, None,
                    self.act_remove, self.act_clear, None, self.act_settings, None, self.act_quit):
            file_menu.addSeparator() if act is None else file_menu.addAction(act)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.act_grid)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

    def _build_pages(self) -> None:
        queue_page = QWidget()
        bar = QHBoxLayout()
        title = QLabel("Files to sanitize")
        title.setStyleSheet("font-size: 18px; font-weight: 600;")
        bar.addStretch(1)
        self.btn_add_files = QPushButton("Add files…")
        self.btn_add_files.clicked.connect(self.choose_files)
        self.btn_add_folder = QPushButton("Add folder…")
        self.btn_add_folder.clicked.connect(self.choose_folder)
        self.btn_review = QPushButton("Review")
        self.btn_review.setToolTip("Open the selected file (or the next one that needs review) in the editor")
        self.btn_review.clicked.connect(self.review_selected)
        self.btn_grid = QPushButton("Check at a glance")
        self.btn_grid.setToolTip("Every file as the export will write it: approve many at once (Ctrl+G)")
        self.btn_grid.clicked.connect(self.show_grid)
        self.btn_export = QPushButton("Export clean copies…")
        self.btn_export.setObjectName("primaryButton")
        self.btn_export.clicked.connect(self.open_export)
        for b in (self.btn_add_files, self.btn_add_folder, self.btn_review, self.btn_grid, self.btn_export):
            b.setMinimumHeight(34)
            bar.addWidget(b)
        layout = QVBoxLayout(queue_page)
        layout.setContentsMargins(16, 12, 16, 8)
        self.status_filter = QComboBox()
        self.status_filter.addItems(list(STATUS_FILTERS))
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.sort_choice = QComboBox()
        self.sort_choice.addItems(list(SORTS))
        self.sort_choice.currentIndexChanged.connect(self._sort_rows)
        view_bar = QHBoxLayout()
        view_bar.addWidget(QLabel("Show:"))
        view_bar.addWidget(self.status_filter)
        view_bar.addSpacing(12)
        view_bar.addWidget(QLabel("Sort:"))
        view_bar.addWidget(self.sort_choice)
        view_bar.addStretch(1)
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addLayout(view_bar)
        layout.addWidget(self.drop_zone, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(queue_page)
        self.pages.addWidget(self.editor)
        self.pages.addWidget(self.grid)
        self.setCentralWidget(self.pages)

    def _build_status_bar(self) -> None:
        self.progress_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.btn_cancel = QPushButton("Cancel")
        self.btn_cancel.clicked.connect(self.cancel_analysis)
        self.btn_cancel.hide()
        self.statusBar().addWidget(self.progress_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.btn_cancel)

    # ----- adding files ------------------------------------------------------------------
    def choose_files(self) -> None:
        files = file_dialogs.choose_files(self, "Add photos or videos")
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(self, "Add a folder (its subfolders are included)")
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> list[int]:
        """Queue every media file in `paths` (folders searched recursively); returns the new keys."""
        known = {item.path.resolve() for item in self.items.values()}
        added: list[int] = []
        found = pipeline.collect_inputs(paths)
        for path in found:
            resolved = path.resolve()
            if resolved in known:
                continue
            known.add(resolved)
            key = next(self._keys)
            item = QueueItem(key=key, path=path)
            self.items[key] = item
            self._make_row(item)
            added.append(key)
        if not added:
            if paths and found:
                n = len(found)
                self.progress_label.setText(f"{'That file is' if n == 1 else f'Those {n} files are'} "
                                            "already in the list.")
            elif paths:
                self.progress_label.setText("No photos or videos found in what was dropped.")
            return added
        self._enqueue(added)
        self.drop_zone.set_empty(False)
        self._update_progress()
        self._update_actions()
        return added

    def _enqueue(self, keys: list[int]) -> None:
        if not self.analysis.busy:
            self._batch_total, self._batch_done = 0, 0
            self._file_seconds = []
        self._batch_total += len(keys)
        for key in keys:
            self.analysis.enqueue(key, self.items[key].path, self.settings)

    def reanalyse(self, keys: list[int]) -> None:
        """Analyse these files again (with the current settings); what was found before is replaced."""
        for key in keys:
            item = self.items[key]
            item.plan, item.error, item.status, item.progress = None, None, Status.WAITING, 0.0
            item.revision += 1
            self._refresh_row(item)
        self._enqueue(keys)
        self._update_progress()
        self._update_actions()

    def _make_row(self, item: QueueItem) -> QTreeWidgetItem:
        row = QTreeWidgetItem([item.path.name, "", ""])
        row.setData(0, Qt.ItemDataRole.UserRole, item.key)
        row.setToolTip(0, item.path.name)
        if self._waiting_icon is None:  # one tile for every row still waiting (200 rows: no stall)
            self._waiting_icon = padded_icon(None)
        row.setIcon(0, self._waiting_icon)
        row.setSizeHint(0, QSize(THUMB_SIZE.width(), THUMB_SIZE.height() + 8))
        self.queue.addTopLevelItem(row)
        self._rows[item.key] = row
        self._refresh_row(item)
        if self.sort_choice.currentIndex():
            self._sort_rows()
        return row

    def _refresh_row(self, item: QueueItem) -> None:
        row = self._rows[item.key]
        text = item.status.value
        if item.status is Status.ERROR and item.error:
            text = "Error: see why on the right"
        elif item.status is Status.ANALYSING and item.progress > 0:
            text = f"Analysing… {int(item.progress * 100)}%"
        elif item.status is Status.EXPORTED and item.output is not None:
            text = f"Exported and verified → {item.output.name}"
        row.setText(QueueView.COL_STATUS, text)
        row.setToolTip(QueueView.COL_STATUS, text)
        colour = theme.colour(STATUS_ROLES[item.status])
        row.setForeground(QueueView.COL_STATUS, colour)
        font = row.font(QueueView.COL_STATUS)
        font.setBold(item.status in (Status.NEEDS_REVIEW, Status.ERROR, Status.EXPORTED))
        row.setFont(QueueView.COL_STATUS, font)
        found = summarise_regions(item.plan)
        if item.status is Status.ERROR and item.error:
            found = item.error[:1].upper() + item.error[1:]
        if item.personal_name:
            found = "File name may hold a person's name (export with neutral names)" + (f"; {found}" if found else "")
        row.setText(QueueView.COL_FOUND, found)
        row.setToolTip(QueueView.COL_FOUND, found)
        row.setHidden(not self._shown_by_filter(item))

    def _shown_by_filter(self, item: QueueItem) -> bool:
        shown = STATUS_FILTERS[self.status_filter.currentText()]
        return shown is None or item.status in shown

    def _apply_filter(self) -> None:
        for key, row in self._rows.items():
            row.setHidden(not self._shown_by_filter(self.items[key]))

    def _sort_rows(self) -> None:
        """Reorder the rows: as added (the keys grow), by status (what needs the reviewer first), by name."""
        mode = self.sort_choice.currentIndex()
        if mode == 1:
            def rank(k): return (STATUS_ORDER.index(self.items[k].status), k)
        elif mode == 2:
            def rank(k): return (self.items[k].path.name.lower(), k)
        else:
            def rank(k): return k
        selected = {row.data(0, Qt.ItemDataRole.UserRole) for row in self.queue.selectedItems()}
        while self.queue.topLevelItemCount():
            self.queue.takeTopLevelItem(0)
        for key in sorted(self._rows, key=rank):
            self.queue.addTopLevelItem(self._rows[key])
            self._rows[key].setSelected(key in selected)

    def status_text(self, key: int) -> str:
        return self._rows[key].text(QueueView.COL_STATUS)

    # ----- analysis results --------------------------------------------------------------
    def _on_started(self, key: int) -> None:
        item = self.items.get(key)
        if item is not None:
            self._started_at[key] = self._clock()
            item.status = Status.ANALYSING
            self._refresh_row(item)
            self.queue.scrollToItem(self._rows[key])  # the list follows the file being analysed
            self._update_progress()

    def _on_file_progress(self, key: int, done: int, total: int) -> None:
        item = self.items.get(key)
        if item is None or item.status is not Status.ANALYSING or not total:
            return
        fraction = done / total
        if fraction - item.progress >= 0.05 or fraction >= 1:
            item.progress = fraction
            self._refresh_row(item)

    def _on_thumbnail(self, key: int, image: QImage) -> None:
        item = self.items.get(key)
        if item is not None and not image.isNull():
            item.thumbnail = image
            self._rows[key].setIcon(0, padded_icon(image))

    def _on_analysed(self, key: int, plan: Plan) -> None:
        self._batch_done += 1
        if key in self._started_at:
            self._file_seconds.append(self._clock() - self._started_at.pop(key))
        item = self.items.get(key)
        if item is None:
            self._update_progress()
            return
        item.plan = plan
        # Read here, one file at a time, not for a whole folder at once when it is dropped.
        item.personal_name = file_name_finding(item.path) is not None
        if plan.error:
            item.status, item.error = Status.ERROR, plan.error
        else:
            item.status = self._review_status(item)
            self.hasher.hash(key, item.path)
        self._refresh_row(item)
        self._update_progress()
        self._update_actions()
        if self.pages.currentWidget() is self.editor and self.editor.key == key:
            self._show_in_editor(key)
        elif self.pages.currentWidget() is self.grid and not plan.error:
            self.show_grid()  # the new file gets its tile

    @staticmethod
    def _review_status(item: QueueItem) -> Status:
        """Only an explicit approval makes a file ready; being shown or paged past does not."""
        if item.plan.approved:
            return Status.APPROVED
        return Status.NEEDS_REVIEW if item.plan.regions else Status.NOTHING_FOUND

    def _on_hashed(self, key: int, sha256: str) -> None:
        item = self.items.get(key)
        if item is None or item.plan is None:
            return
        item.sha256 = sha256
        saved, item.saved = item.saved, None
        if saved is None or item.dirty:
            return  # nothing to restore, or the reviewer already started on the fresh analysis
        if saved.applies_to(item.plan, sha256):
            saved.apply(item.plan)
            item.revision += 1
            item.status = self._review_status(item)
            self._refresh_row(item)
            if self.pages.currentWidget() is self.editor and self.editor.key == key:
                self._show_in_editor(key)
        else:
            self._changed_since_review += 1
        self._update_progress()

    def _on_cancelled(self, key: int) -> None:
        self._batch_done += 1
        self._started_at.pop(key, None)
        item = self.items.get(key)
        if item is not None:
            item.status = Status.CANCELLED
            self._refresh_row(item)
        self._update_progress()

    def _on_idle(self) -> None:
        self._update_progress()
        self._update_actions()

    def cancel_analysis(self) -> None:
        self.analysis.cancel()
        self.progress_label.setText("Cancelling… the file being analysed stops after its current step.")

    def _update_progress(self) -> None:
        busy = self.analysis.busy
        self.progress.setVisible(busy)
        self.btn_cancel.setVisible(busy)
        self.act_cancel.setEnabled(busy)
        if busy:
            self.progress.setMaximum(max(1, self._batch_total))
            self.progress.setValue(self._batch_done)
            self.progress.setFormat(f"{self._batch_done} of {self._batch_total}")
            eta = self.batch_eta()
            self.progress_label.setText(f"Analysing {min(self._batch_done + 1, self._batch_total)} of "
                                        f"{self._batch_total} files" + (f", {eta_words(eta)}" if eta is not None else "")
                                        + "… you can start reviewing meanwhile.")
            return
        counts = Counter(item.status for item in self.items.values())
        parts = [f"{len(self.items)} files"]
        for status in (Status.NEEDS_REVIEW, Status.NOTHING_FOUND, Status.APPROVED, Status.EXPORTED,
                       Status.ERROR, Status.CANCELLED):
            if counts[status]:
                parts.append(f"{counts[status]} {status.value.lower()}")
        if self._changed_since_review:
            parts.append(f"{self._changed_since_review} changed since the review was saved (analysed afresh)")
        self.progress_label.setText(" · ".join(parts) if self.items else "Ready")

    def batch_eta(self) -> float | None:
        """Seconds the files still waiting will take, from the median time of those done (None: no figure yet)."""
        if not self._file_seconds:
            return None
        per_file = statistics.median(self._file_seconds)
        running = [self.items[k] for k in self._started_at if k in self.items]
        left = (self._batch_total - self._batch_done - len(running)) * per_file
        left += sum(max(0.0, 1.0 - i.progress) * per_file for i in running)
        return max(0.0, left)

    # ----- review ------------------------------------------------------------------------
    def ordered_keys(self) -> list[int]:
        return [self.queue.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.queue.topLevelItemCount())]

    def review_selected(self) -> None:
        selected = self.queue.selectedItems()
        if selected:
            self.open_review(selected[0].data(0, Qt.ItemDataRole.UserRole))
            return
        for key in self.ordered_keys():
            if self.items[key].status is Status.NEEDS_REVIEW:
                self.open_review(key)
                return
        keys = self.ordered_keys()
        if keys:
            self.open_review(keys[0])

    def open_review(self, key: int) -> None:
        if key not in self.items:
            return
        if self.pages.currentWidget() is not self.editor:
            self._review_return_page = self.pages.currentWidget()
        self.pages.setCurrentWidget(self.editor)
        self._show_in_editor(key)
        self.queue.setCurrentItem(self._rows[key])
        self.editor.canvas.setFocus()

    def _show_in_editor(self, key: int) -> None:
        item = self.items[key]
        keys = self.ordered_keys()
        position = f"File {keys.index(key) + 1} of {len(keys)}"
        if item.plan is None:
            self.editor.set_item(key, None, item.path.name, f"{position} · still being analysed…")
            self.editor.canvas.set_placeholder("Still being analysed… it appears here when done.")
            return
        self.editor.set_item(key, item.plan, item.path.name, f"{position} · {self._editor_status(item)}")

    def _editor_status(self, item: QueueItem) -> str:
        if item.plan is not None and item.plan.error:
            return f"Error: {item.plan.error}"
        return summarise_regions(item.plan)

    def _step(self, delta: int) -> None:
        keys = self.ordered_keys()
        if not keys or self.editor.key not in keys:
            return
        index = keys.index(self.editor.key) + delta
        if 0 <= index < len(keys):
            self.open_review(keys[index])

    def _after_approval(self, key: int) -> None:
        """Enter approved `key`: show the next file still waiting for approval."""
        keys = self.ordered_keys()
        start = keys.index(key) + 1 if key in keys else 0
        for other in keys[start:] + keys[:start]:
            item = self.items[other]
            if item.plan is not None and not item.plan.error and not item.plan.approved:
                self.open_review(other)
                return
        self.editor.set_status("Every file is approved. Export when you are ready (Ctrl+E).")

    def show_queue(self) -> None:
        if self.pages.currentWidget() is self.editor and self._review_return_page is self.grid:
            self.show_grid()  # back to where the reviewer came from
            return
        self.pages.setCurrentIndex(0)
        self.queue.setFocus()

    # ----- the grid: approve at a glance ---------------------------------------------------
    def _approvable(self) -> list[QueueItem]:
        return [self.items[k] for k in self.ordered_keys()
                if self.items[k].plan is not None and not self.items[k].plan.error]

    def show_grid(self) -> None:
        items = self._approvable()
        self.grid.set_tiles([(i.key, i.path.name, i.plan.approved) for i in items])
        for item in items:
            if self._grid_revisions.get(item.key) != item.revision:
                self._render_tile(item)
        self._review_return_page = None
        self.pages.setCurrentWidget(self.grid)
        self.grid.list.setFocus()

    def _render_tile(self, item: QueueItem) -> None:
        plan = item.plan
        if plan.media == "video":  # its first frame, with the areas that cover it
            from dataclasses import replace
            plan = replace(plan, regions=regions_at(plan.regions, 0))
        self._grid_revisions[item.key] = item.revision
        self.previews.render_preview(item.key, item.revision, plan, self.settings, size=GRID_TILE)

    def _on_grid_preview(self, key: int, revision: int, image) -> None:
        item = self.items.get(key)
        if item is not None and item.revision == revision:
            self.grid.set_preview(key, image, item.plan.approved)

    def set_approved(self, keys: list[int], approved: bool = True) -> None:
        """Approve (or withdraw the approval of) several files at once, from the grid."""
        for key in keys:
            item = self.items.get(key)
            if item is None or item.plan is None or item.plan.error or item.plan.approved == approved:
                continue
            item.plan.approved = approved
            item.dirty = True
            if item.status is not Status.EXPORTED:
                item.status = self._review_status(item)
            self._refresh_row(item)
            self.grid.set_approved(key, item.path.name, approved)
        self._update_progress()

    def _on_plan_edited(self, key: int) -> None:
        item = self.items.get(key)
        if item is None:
            return
        item.dirty = True
        item.revision += 1
        if self.pages.currentWidget() is self.grid:
            self._render_tile(item)
        if item.status is Status.EXPORTED:
            item.output = None  # changed after export: export again
        if item.status in (Status.EXPORTED, Status.NEEDS_REVIEW, Status.NOTHING_FOUND, Status.APPROVED):
            item.status = self._review_status(item)
        self._refresh_row(item)
        self._update_progress()
        if key == self.editor.key:
            self.editor.set_status(self.editor.status.text().split(" · ")[0] + " · " + self._editor_status(item))

    # ----- removing ----------------------------------------------------------------------
    def remove_selected(self) -> None:
        for row in self.queue.selectedItems():
            key = row.data(0, Qt.ItemDataRole.UserRole)
            if self.items[key].status is Status.ANALYSING:
                continue  # it finishes first; then it can be removed
            self._forget(key)
        self._after_removal()

    def clear_all(self) -> None:
        if not self.confirm_discard("Clear the list anyway?"):
            return
        self.analysis.cancel()
        for key in list(self.items):
            if self.items[key].status is not Status.ANALYSING:
                self._forget(key)
        self._after_removal()

    def _forget(self, key: int) -> None:
        row = self._rows.pop(key)
        self.queue.takeTopLevelItem(self.queue.indexOfTopLevelItem(row))
        self.items.pop(key)
        self.editor.forget(key)
        if self.editor.key == key:
            self.editor.set_item(None, None)

    def _after_removal(self) -> None:
        self.drop_zone.set_empty(not self.items)
        self._update_progress()
        self._update_actions()

    # ----- export ------------------------------------------------------------------------
    def exportable_keys(self) -> list[int]:
        return [k for k in self.ordered_keys()
                if self.items[k].plan is not None and self.items[k].status is not Status.ANALYSING]

    def open_export(self) -> None:
        from .export_dialog import ExportDialog
        keys = self.exportable_keys()
        if not keys:
            QMessageBox.information(self, APP_TITLE, "There is nothing to export yet: add files and wait "
                                    "for the analysis to finish.")
            return
        dialog = ExportDialog(self, [self.items[k] for k in keys], self.store, self.settings)
        dialog.fileExported.connect(self._on_file_exported)
        dialog.fileStarted.connect(self._on_export_started)
        dialog.fileSkipped.connect(self._on_export_skipped)
        self.export_dialog = dialog
        dialog.open()

    def _on_export_started(self, key: int) -> None:
        item = self.items.get(key)
        if item is not None and item.status is not Status.ERROR:
            item.extra["before_export"] = item.status
            item.status = Status.EXPORTING
            self._refresh_row(item)

    def _on_file_exported(self, key: int, result) -> None:
        item = self.items.get(key)
        if item is None:
            return
        if result.ok:
            item.status, item.output, item.error = Status.EXPORTED, result.output, None
            item.dirty = False
        else:
            item.status, item.error = Status.ERROR, result.error
        self._refresh_row(item)
        self._update_progress()

    def _on_export_skipped(self, key: int) -> None:
        item = self.items.get(key)
        if item is not None and item.status is Status.EXPORTING:
            item.status = item.extra.get("before_export", self._review_status(item))
            self._refresh_row(item)

    # ----- unsaved work, Save review / Open review -------------------------------------------
    def unsaved_count(self) -> int:
        return sum(1 for item in self.items.values() if item.dirty)

    def confirm_discard(self, question: str) -> bool:
        """Ask before review decisions that are neither exported nor saved are lost; True to go on."""
        n = self.unsaved_count()
        if not n:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE,
                          f"Your review of {n} file{'s' if n != 1 else ''} is not exported or saved. {question}",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Save the review to carry on later, or discard your decisions.")
        box.button(QMessageBox.StandardButton.Save).setText("Save review…")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.choose_review_to_save()
        return answer == QMessageBox.StandardButton.Discard

    def discard_unsaved_work(self) -> None:
        for item in self.items.values():
            item.dirty = False

    def choose_review_to_save(self) -> bool:
        name = file_dialogs.choose_save_file(self, "Save review", f"review{REVIEW_SUFFIX}",
                                             f"Saved review (*{REVIEW_SUFFIX})")
        return bool(name) and self.save_review_file(Path(name))

    def save_review_file(self, path: Path) -> bool:
        """Every analysed file with its regions, decisions and approval; True when written."""
        items = [i for i in (self.items[k] for k in self.ordered_keys()) if i.plan is not None and not i.plan.error]
        try:
            entries = [(i.plan, i.sha256 or pipeline.sha256_of(i.path)) for i in items]
            save_review(path, entries)
        except OSError:
            QMessageBox.warning(self, APP_TITLE, "The review could not be saved there. Choose another place.")
            return False
        for item in items:
            item.dirty = False
        waiting = len(self.items) - len(items)
        self.progress_label.setText(f"Review of {len(items)} files saved to {path.name}."
                                    + (f" {waiting} not analysed yet were left out." if waiting else ""))
        return True

    def choose_review_to_open(self) -> None:
        name = file_dialogs.choose_file(self, "Open review", f"Saved review (*{REVIEW_SUFFIX})")
        if name:
            self.open_review_file(Path(name))

    def open_review_file(self, path: Path) -> list[int]:
        """Queue the files of a saved review; their decisions return once each is analysed
        and found unchanged (same sha256). Returns the keys that will get decisions back."""
        try:
            saved_files = load_review(path)
        except ReviewFileError as exc:
            QMessageBox.warning(self, APP_TITLE, f"This review cannot be opened: {exc}.")
            return []
        by_path = {item.path.resolve(): item for item in self.items.values()}
        restored, missing = [], 0
        self._changed_since_review = 0
        for saved in saved_files:
            if not saved.path.is_file():
                missing += 1
                continue
            item = by_path.get(saved.path.resolve())
            if item is None:
                keys = self.add_paths([saved.path])
                if not keys:
                    continue
                item = self.items[keys[0]]
            item.saved = saved
            restored.append(item.key)
            if item.plan is not None and not item.plan.error and item.sha256:
                self._on_hashed(item.key, item.sha256)  # already analysed: restore now
        text = f"Opened a review of {len(saved_files)} files."
        if missing:
            text += f" {missing} could not be found where they were."
        self.progress_label.setText(text)
        return restored

    # ----- settings and help -------------------------------------------------------------
    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings) -> None:
        self.settings = settings
        self._grid_revisions.clear()  # previews follow the styles chosen
        self.store.save(self.settings)
        self.editor.settings = self.settings
        self.progress_label.setText("Settings saved. They apply to files added from now on.")
        self._offer_reanalysis()

    def _offer_reanalysis(self) -> None:
        """New settings find other things: offer to analyse again the files nobody has worked on."""
        untouched = [i.key for i in self.items.values()
                     if i.status in (Status.NEEDS_REVIEW, Status.NOTHING_FOUND, Status.CANCELLED, Status.ERROR)
                     and not i.dirty and not (i.plan is not None and i.plan.approved)]
        if not untouched:
            return
        kept = sum(1 for i in self.items.values() if i.plan is not None and (i.dirty or i.plan.approved))
        n = len(untouched)
        text = f"Analyse {n} file{'s' if n != 1 else ''} again with the new settings?"
        if kept:
            text += f" The {kept} file{'s' if kept != 1 else ''} you changed or approved stay as they are."
        answer = QMessageBox.question(self, APP_TITLE, text)
        if answer == QMessageBox.StandardButton.Yes:
            self.reanalyse(untouched)

    def show_shortcuts(self) -> None:
        lines = []
        for act in self.editor.actions():
            keys = act.shortcuts()
            if keys:
                names = ", ".join(k.toString(k.SequenceFormat.NativeText) for k in keys)
                lines.append(f"<tr><td>{act.text().replace('&', '')}</td><td><b>{names}</b></td></tr>")
        QMessageBox.information(self, "Keyboard shortcuts in the review",
                                "<table cellspacing=4>" + "".join(lines) + "</table>")

    def show_about(self) -> None:
        from sanitizer import __version__
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b> {__version__}<br>Hides faces and patient information in photos "
                          "and videos and removes hidden metadata. Works entirely offline.")

    def _update_actions(self) -> None:
        has_items = bool(self.items)
        self.btn_review.setEnabled(has_items)
        self.act_review.setEnabled(has_items)
        can_export = bool(self.exportable_keys()) if has_items else False
        self.btn_export.setEnabled(can_export)
        self.act_export.setEnabled(can_export)
        self.act_clear.setEnabled(has_items)
        self.act_remove.setEnabled(bool(self.queue.selectedItems()))

    # ----- closing -----------------------------------------------------------------------
    def shutdown(self, msecs: int = 10000) -> None:
        """Stop background work before the process ends (so no thread writes after exit)."""
        self.analysis.shutdown()
        if self.export_dialog is not None:
            self.export_dialog.cancel()
            self.export_dialog.wait(msecs)
        self.editor.wait_for_background(msecs)
        self.hasher.wait(msecs)
        self.previews.clear()
        self.previews.wait(msecs)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.isVisible() and not self.confirm_discard("Quit anyway?"):
            event.ignore()
            return
        if self.export_dialog is not None and self.export_dialog.running:
            answer = QMessageBox.question(self, APP_TITLE, "An export is running. Stop it and quit?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        super().closeEvent(event)
