"""The grid: every file as its export will look, so a batch is checked and approved at a glance.

Each tile is the engine's own preview render (the redactions the export writes), never the
original; a batch of "nothing found" photos is approved here in a few key presses.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from . import theme
from .worker import GRID_TILE

KEY_ROLE = Qt.ItemDataRole.UserRole


def tile_icon(image: QImage | None, approved: bool, size: QSize = GRID_TILE) -> QIcon:
    """The preview centred on a fixed tile; an approved file gets a green frame."""
    tile = QPixmap(size)
    tile.fill(theme.colour("tile"))
    painter = QPainter(tile)
    if image is not None and not image.isNull():
        painter.drawImage((size.width() - image.width()) // 2, (size.height() - image.height()) // 2, image)
    else:
        painter.setPen(theme.colour("tile_text"))
        painter.drawText(tile.rect(), Qt.AlignmentFlag.AlignCenter, "Preparing the preview…")
    if approved:
        pen = painter.pen()
        pen.setColor(theme.colour("good"))
        pen.setWidth(6)
        painter.setPen(pen)
        painter.drawRect(tile.rect().adjusted(3, 3, -3, -3))
    painter.end()
    return QIcon(tile)


class ApprovalGrid(QWidget):
    """Shows tiles fed by the main window; reports which files the reviewer approves or opens."""

    approveRequested = Signal(list, bool)   # keys, approved
    openRequested = Signal(int)
    backRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(GRID_TILE)
        self.list.setSpacing(8)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda item: self.openRequested.emit(item.data(KEY_ROLE)))
        self._tiles: dict[int, QListWidgetItem] = {}
        self._images: dict[int, QImage] = {}

        self.act_back = self._action("◀ All files", ["Esc"], self.backRequested.emit)
        self.act_approve = self._action("Approve selected", ["Return", "Enter"], lambda: self._approve(True))
        self.act_unapprove = self._action("Withdraw approval", [], lambda: self._approve(False))
        self.act_open = self._action("Open in the editor", ["Ctrl+Return"], self._open_current)
        bar = QHBoxLayout()
        title = QLabel("Check at a glance: each picture is exactly what the export writes")
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        title.setWordWrap(True)
        bar.addWidget(self._button(self.act_back))
        bar.addWidget(title, 1)
        for act in (self.act_open, self.act_unapprove, self.act_approve):
            bar.addWidget(self._button(act))
        hint = QLabel("Select pictures (Ctrl+A for all) and press Enter to approve them. "
                      "A green frame means approved. Double-click a picture to review it closely.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(bar)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)

    def _action(self, text: str, keys: list[str], slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # ----- fed by the window ------------------------------------------------------------
    def set_tiles(self, tiles: list[tuple[int, str, bool]]) -> None:
        """(key, file name, approved) for every file that can be approved, in queue order."""
        selected = set(self.selected_keys())
        self.list.clear()
        self._tiles = {}
        for key, name, approved in tiles:
            item = QListWidgetItem(self._caption(name, approved))
            item.setData(KEY_ROLE, key)
            item.setToolTip(name)
            item.setSizeHint(QSize(GRID_TILE.width() + 16, GRID_TILE.height() + 48))
            item.setIcon(tile_icon(self._images.get(key), approved))
            self.list.addItem(item)
            self._tiles[key] = item
            item.setSelected(key in selected)
        self._images = {k: v for k, v in self._images.items() if k in self._tiles}

    @staticmethod
    def _caption(name: str, approved: bool) -> str:
        return f"{name}\n{'✓ Approved' if approved else 'Not approved yet'}"

    def set_preview(self, key: int, image: QImage, approved: bool) -> None:
        self._images[key] = image
        item = self._tiles.get(key)
        if item is not None:
            item.setIcon(tile_icon(image, approved))

    def set_approved(self, key: int, name: str, approved: bool) -> None:
        item = self._tiles.get(key)
        if item is not None:
            item.setText(self._caption(name, approved))
            item.setIcon(tile_icon(self._images.get(key), approved))

    def forget_preview(self, key: int) -> None:
        self._images.pop(key, None)

    def selected_keys(self) -> list[int]:
        return [item.data(KEY_ROLE) for item in self.list.selectedItems()]

    def _approve(self, approved: bool) -> None:
        keys = self.selected_keys()
        if keys:
            self.approveRequested.emit(keys, approved)

    def _open_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.openRequested.emit(item.data(KEY_ROLE))
