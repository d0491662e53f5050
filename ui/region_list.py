"""The editor's list of areas (kind, how sure, decision) and its bulk keep / hide panel.

Hundreds of boxes on one photo cannot be clicked one by one: the list walks them from the
keyboard and the panel decides all areas of a kind or a tier at once, in this file or in
every file of the batch. Both only report choices; the editor turns them into undoable edits.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHeaderView, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QWidget)

from sanitizer.regions import DecidedBy, Decision, Kind, Region, Tier

from .canvas import KIND_LABELS

TIER_WORDS = {Tier.CERTAIN: "sure", Tier.POSSIBLE: "unsure"}


def decision_words(region: Region) -> str:
    if region.redacted:
        return "hidden"
    return "kept: consent on file" if region.decided_by is DecidedBy.CONSENT else "kept"


class RegionList(QTreeWidget):
    """One row per area (per track for a video); selecting a row selects the area."""

    regionActivated = Signal(object)   # Region

    COLUMNS = ("What", "Detector", "Export")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(list(self.COLUMNS))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._regions: list[Region] = []
        self._quiet = False
        self.currentItemChanged.connect(self._on_current)

    def set_regions(self, regions: list[Region], selected: Region | None) -> None:
        self._quiet = True
        try:
            self.clear()
            self._regions = list(regions)
            for region in self._regions:
                self.addTopLevelItem(QTreeWidgetItem([KIND_LABELS.get(region.kind, region.kind.value),
                                                      TIER_WORDS[region.tier], decision_words(region)]))
            self.show_selected(selected)
        finally:
            self._quiet = False

    @property
    def regions(self) -> list[Region]:
        return self._regions

    def row_texts(self) -> list[tuple[str, str, str]]:
        return [tuple(self.topLevelItem(i).text(c) for c in range(3)) for i in range(self.topLevelItemCount())]

    def show_selected(self, region: Region | None) -> None:
        quiet, self._quiet = self._quiet, True
        try:
            index = self._index_of(region)
            self.setCurrentItem(self.topLevelItem(index) if index is not None else None)
        finally:
            self._quiet = quiet

    def _index_of(self, region: Region | None) -> int | None:
        if region is None:
            return None
        for i, r in enumerate(self._regions):
            if r is region or (region.track_id is not None and r.track_id == region.track_id):
                return i
        return None

    def step(self, current: Region | None, delta: int) -> Region | None:
        """The area after (delta=+1) or before (-1) `current`, wrapping round."""
        if not self._regions:
            return None
        index = self._index_of(current)
        if index is None:
            index = 0 if delta > 0 else len(self._regions) - 1
        else:
            index = (index + delta) % len(self._regions)
        return self._regions[index]

    def _on_current(self, item: QTreeWidgetItem | None, _previous) -> None:
        if self._quiet or item is None:
            return
        self.regionActivated.emit(self._regions[self.indexOfTopLevelItem(item)])


@dataclass(frozen=True)
class BulkChoice:
    """Which areas a bulk action decides: every area of a kind, or of a tier."""
    kind: Kind | None = None
    tier: Tier | None = None

    def matches(self, region: Region) -> bool:
        return (self.kind is None or region.kind is self.kind) and (self.tier is None or region.tier is self.tier)


class BulkPanel(QWidget):
    """'Hide / Keep' + which areas + 'in this file / in every file'."""

    decide = Signal(object, object, bool)   # BulkChoice, Decision, every file

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.which = QComboBox()
        self.which.addItem("all unsure areas", BulkChoice(tier=Tier.POSSIBLE))
        self.which.addItem("all sure areas", BulkChoice(tier=Tier.CERTAIN))
        for kind in Kind:
            self.which.addItem(f"all: {KIND_LABELS[kind]}", BulkChoice(kind=kind))
        self.where = QComboBox()
        self.where.addItem("in this file", False)
        self.where.addItem("in every file", True)
        self.hide_button = QPushButton("Hide")
        self.keep_button = QPushButton("Keep")
        self.hide_button.setToolTip("Hide every area chosen on the left (undo with Ctrl+Z)")
        self.keep_button.setToolTip("Show every area chosen on the left in the export (undo with Ctrl+Z)")
        self.hide_button.clicked.connect(lambda: self._emit(Decision.REDACT))
        self.keep_button.clicked.connect(lambda: self._emit(Decision.KEEP))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.which, 0, 0)
        grid.addWidget(self.where, 1, 0)
        grid.addWidget(self.hide_button, 0, 1)
        grid.addWidget(self.keep_button, 1, 1)
        grid.setColumnStretch(0, 1)

    def choose(self, choice: BulkChoice, everywhere: bool) -> None:
        self.which.setCurrentIndex(next(i for i in range(self.which.count()) if self.which.itemData(i) == choice))
        self.where.setCurrentIndex(1 if everywhere else 0)

    def _emit(self, decision: Decision) -> None:
        self.decide.emit(self.which.currentData(), decision, bool(self.where.currentData()))
