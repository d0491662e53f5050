"""Light and dark colours of the app, its style sheet, and the contrast rule they obey.

Every text colour is chosen against the backgrounds it is drawn on so that its contrast is at
least 4.5:1 (WCAG 2 AA for normal text); the keyboard focus ring at least 3:1 (AA for
interface parts). tests/test_ui_theme.py computes both from these tables. Widgets ask for a
role ("muted", "error", ...) rather than a colour, so the dark palette follows everywhere.
The dark palette is used when the system asks for it (Qt's colour scheme hint).
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtCore import Qt

MIN_TEXT_CONTRAST = 4.5
MIN_FOCUS_CONTRAST = 3.0

LIGHT: dict[str, str] = {
    "window": "#f6f7f9", "base": "#ffffff", "alt_base": "#f1f3f4", "panel": "#ffffff", "header": "#e8eaed",
    "text": "#202124", "muted": "#4d5156", "border": "#b0b7bf",
    "button": "#ffffff", "button_text": "#202124", "button_hover": "#eef3fd",
    "primary": "#1765cc", "primary_text": "#ffffff", "primary_hover": "#1558b0",
    "highlight": "#1a73e8", "highlighted_text": "#ffffff", "focus": "#1a73e8",
    "info": "#1967d2", "good": "#137333", "warning": "#a24f00", "error": "#c5221f",
    "disabled_text": "#6b7075", "tile": "#dadce0", "tile_text": "#202124",
}
DARK: dict[str, str] = {
    "window": "#1f2023", "base": "#28292c", "alt_base": "#303134", "panel": "#28292c", "header": "#35363a",
    "text": "#e8eaed", "muted": "#bdc1c6", "border": "#6f7378",
    "button": "#3c4043", "button_text": "#e8eaed", "button_hover": "#474b50",
    "primary": "#8ab4f8", "primary_text": "#1f2023", "primary_hover": "#a8c7fa",
    "highlight": "#8ab4f8", "highlighted_text": "#1f2023", "focus": "#8ab4f8",
    "info": "#8ab4f8", "good": "#81c995", "warning": "#fcad70", "error": "#f28b82",
    "disabled_text": "#9aa0a6", "tile": "#3c4043", "tile_text": "#e8eaed",
}

# Which text colours are drawn on which backgrounds (the pairs the contrast test checks).
TEXT_ON: dict[str, tuple[str, ...]] = {
    "text": ("window", "base", "alt_base", "panel", "header", "button"),
    "muted": ("window", "base", "alt_base", "panel"),
    "button_text": ("button", "button_hover"),
    "primary_text": ("primary", "primary_hover"),
    "highlighted_text": ("highlight",),
    "info": ("base", "alt_base", "window"),
    "good": ("base", "alt_base", "window"),
    "warning": ("base", "alt_base", "window"),
    "error": ("base", "alt_base", "window"),
    "tile_text": ("tile",),
}
FOCUS_ON = ("window", "base", "panel", "button")


def relative_luminance(colour: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio, 1..21."""
    la, lb = sorted((relative_luminance(QColor(a)), relative_luminance(QColor(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


_current: dict[str, str] = LIGHT


def colours() -> dict[str, str]:
    """The table in use (light until apply_theme chose otherwise)."""
    return _current


def colour(role: str) -> QColor:
    return QColor(_current[role])


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark


def make_palette(table: dict[str, str]) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window", QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "base", QPalette.ColorRole.AlternateBase: "alt_base",
        QPalette.ColorRole.Text: "text", QPalette.ColorRole.Button: "button",
        QPalette.ColorRole.ButtonText: "button_text", QPalette.ColorRole.Highlight: "highlight",
        QPalette.ColorRole.HighlightedText: "highlighted_text", QPalette.ColorRole.ToolTipBase: "panel",
        QPalette.ColorRole.ToolTipText: "text", QPalette.ColorRole.PlaceholderText: "muted",
        QPalette.ColorRole.Link: "info",
    }
    for role, name in roles.items():
        p.setColor(role, QColor(table[name]))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(table["disabled_text"]))
    return p


def style_sheet(t: dict[str, str]) -> str:
    return f"""
QMainWindow, QDialog {{ background: {t['window']}; }}
QLabel {{ color: {t['text']}; }}
QLabel#mutedText {{ color: {t['muted']}; }}
QLabel#errorText {{ color: {t['error']}; font-weight: 600; }}
QLabel#warningText, QCheckBox#warningOption {{ color: {t['warning']}; font-weight: 600; }}
QPushButton {{ padding: 6px 14px; border: 1px solid {t['border']}; border-radius: 6px;
    background: {t['button']}; color: {t['button_text']}; }}
QPushButton:hover {{ background: {t['button_hover']}; }}
QPushButton:disabled {{ color: {t['disabled_text']}; }}
QPushButton#primaryButton, QToolButton#primaryButton {{
    background: {t['primary']}; color: {t['primary_text']}; border: 1px solid {t['primary']}; font-weight: 600; }}
QPushButton#primaryButton:hover, QToolButton#primaryButton:hover {{ background: {t['primary_hover']}; }}
QToolButton#primaryButton {{ padding: 4px 14px; border-radius: 6px; }}
QToolButton#approveButton {{ padding: 4px 14px; border-radius: 6px; border: 1px solid {t['good']};
    color: {t['good']}; font-weight: 600; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QLineEdit:focus {{ border: 2px solid {t['focus']}; }}
QCheckBox:focus, QRadioButton:focus {{ color: {t['text']}; text-decoration: underline; }}
QTreeWidget:focus, QListWidget:focus {{ border: 2px solid {t['focus']}; }}
QFrame#dropZone {{ border: 2px dashed {t['border']}; border-radius: 12px; background: {t['base']}; }}
QFrame#dropZone[dragging="true"] {{ border-color: {t['focus']}; }}
QLabel#emptyHint {{ color: {t['muted']}; }}
QTreeWidget {{ border: none; font-size: 13px; }}
QTreeWidget::item {{ padding: 4px; }}
QHeaderView::section {{ background: {t['header']}; color: {t['text']}; padding: 6px; border: none;
    font-weight: 600; }}
QFrame#sidePanel {{ background: {t['panel']}; border-left: 1px solid {t['border']}; }}
QToolBar {{ border: none; spacing: 4px; }}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 4px; color: {t['text']}; }}
QToolBar QToolButton:checked {{ background: {t['button_hover']}; }}
QToolBar QToolButton:hover {{ background: {t['button_hover']}; }}
QProgressBar {{ border: 1px solid {t['border']}; border-radius: 4px; text-align: center; height: 16px;
    color: {t['text']}; }}
QProgressBar::chunk {{ background: {t['highlight']}; border-radius: 3px; }}
"""


def apply_theme(app, dark: bool | None = None) -> dict[str, str]:
    """Palette and style sheet of the app; `dark` None follows the system's choice."""
    global _current
    _current = DARK if (system_prefers_dark() if dark is None else dark) else LIGHT
    app.setPalette(make_palette(_current))
    app.setStyleSheet(style_sheet(_current))
    return _current
