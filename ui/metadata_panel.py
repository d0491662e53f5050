"""The list of hidden information that the export removes from a file, in plain words."""
from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from sanitizer.regions import MetadataFinding, Plan

# metadata.GROUPS in the engine, said the way a non-technical reader would say it.
GROUP_LABELS: dict[str, str] = {
    "gps": "Location where the photo was taken (GPS)",
    "camera": "Camera or phone make, model and serial number",
    "dates": "Dates and times",
    "thumbnail": "A small copy of the original picture (thumbnail)",
    "makernotes": "Camera maker's private notes",
    "xmp": "Editing history and descriptions (XMP)",
    "iptc": "Captions, names and keywords (IPTC)",
    "icc": "Colour profile",
    "comment": "Comments stored in the file",
    "text_chunks": "Text stored in the file",
    "software": "Software used to make or edit the file",
    "other": "Other hidden information",
}

_GROUP_ORDER = list(GROUP_LABELS)


def group_label(group: str) -> str:
    return GROUP_LABELS.get(group, GROUP_LABELS["other"])


def describe_findings(findings: list[MetadataFinding]) -> list[tuple[str, list[str]]]:
    """(group label, details) pairs in a fixed order; details deduplicated, empty when vague."""
    grouped: "OrderedDict[str, list[str]]" = OrderedDict()
    for group in sorted({f.group for f in findings},
                        key=lambda g: _GROUP_ORDER.index(g) if g in _GROUP_ORDER else len(_GROUP_ORDER)):
        grouped[group] = []
    for finding in findings:
        text = (finding.detail or "").strip()
        details = grouped[finding.group]
        if text and text not in details:
            details.append(text)
    return [(group_label(g), details) for g, details in grouped.items()]


class MetadataPanel(QWidget):
    """Shows what will be removed from the selected file when it is exported."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = QLabel("<b>Hidden information that will be removed</b>")
        self._title.setWordWrap(True)
        self._list = QListWidget()
        self._list.setWordWrap(True)
        self._list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self._list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._list.setFrameShape(QListWidget.Shape.NoFrame)
        self._note = QLabel("The exported copy is written from the pixels only, so all of it is left behind.")
        self._note.setWordWrap(True)
        self._note.setObjectName("mutedText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._title)
        layout.addWidget(self._list, 1)
        layout.addWidget(self._note)
        self.set_plan(None)

    def lines(self) -> list[str]:
        return [self._list.item(i).text() for i in range(self._list.count())]

    def set_plan(self, plan: Plan | None) -> None:
        self._list.clear()
        if plan is None:
            self._add("Select a file to see its hidden information.", muted=True)
            return
        if plan.error:
            self._add("Not known: the file could not be read.", muted=True)
            return
        described = describe_findings(plan.metadata)
        if not described:
            self._add("No hidden information found. The export still writes a fresh file.", muted=True)
            return
        for label, details in described:
            self._add("• " + label, bold=True)
            for detail in details[:6]:
                self._add("      " + detail)
            if len(details) > 6:
                self._add(f"      and {len(details) - 6} more")

    def _add(self, text: str, bold: bool = False, muted: bool = False) -> None:
        item = QListWidgetItem(text)
        font = item.font()
        font.setBold(bold)
        item.setFont(font)
        if muted:
            item.setForeground(Qt.GlobalColor.darkGray)
        self._list.addItem(item)
