"""The review canvas: draws a photo and its regions, turns mouse gestures into requests.

Like labelme's canvas it only draws and hit-tests. It never changes a Region itself: it
emits what the reviewer asked for (toggle, move, draw) and the editor applies it through
undoable commands on the engine's Plan. Coordinates: regions are in image (display)
pixels; the view maps them with a scale and an offset for zoom and pan.
"""
from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QBrush, QColor, QFont, QImage, QMouseEvent, QPainter, QPainterPath, QPen,
                           QPolygonF, QWheelEvent)
from PySide6.QtWidgets import QSizePolicy, QWidget

from sanitizer.regions import DecidedBy, Kind, Region, Shape

# One colour per kind, chosen to stay distinct for the common colour-vision deficiencies.
KIND_COLOURS: dict[Kind, QColor] = {
    Kind.FACE: QColor("#e53935"),
    Kind.TEXT: QColor("#8e24aa"),
    Kind.WRISTBAND: QColor("#fb8c00"),
    Kind.BARCODE: QColor("#1e88e5"),
    Kind.SCREEN: QColor("#00897b"),
    Kind.DOCUMENT: QColor("#6d4c41"),
    Kind.MANUAL: QColor("#fdd835"),
}

KIND_LABELS: dict[Kind, str] = {
    Kind.FACE: "Face",
    Kind.TEXT: "PHI text",
    Kind.WRISTBAND: "Wristband",
    Kind.BARCODE: "Barcode / QR",
    Kind.SCREEN: "Screen",
    Kind.DOCUMENT: "Document",
    Kind.MANUAL: "Added by you",
}

KEEP_COLOUR = QColor("#43a047")
HANDLE_PX = 7.0        # half size of a resize handle, in screen pixels
CLICK_SLOP_PX = 4.0    # a press and release closer than this is a click, not a drag
MIN_SIZE_PX = 4.0      # drawn boxes smaller than this (image pixels) are ignored
MIN_ZOOM, MAX_ZOOM = 0.02, 16.0


class Mode(str, Enum):
    SELECT = "select"
    RECT = "rect"
    FREEHAND = "freehand"


def region_outline(region: Region, box: tuple[float, float, float, float] | None = None,
                   polygon=None) -> QPainterPath:
    """The region's outline in image coordinates (optionally with a box/polygon being dragged)."""
    x, y, w, h = box if box is not None else region.box
    path = QPainterPath()
    pts = polygon if polygon is not None else region.polygon
    if region.shape is Shape.POLYGON and pts and len(pts) >= 3:
        path.addPolygon(QPolygonF([QPointF(px, py) for px, py in pts]))
        path.closeSubpath()
    elif region.shape is Shape.ELLIPSE:
        path.addEllipse(QRectF(x, y, w, h))
    else:
        path.addRect(QRectF(x, y, w, h))
    return path


def moved_polygon(region: Region, new_box) -> tuple[tuple[float, float], ...] | None:
    """The polygon's points mapped from its current box into `new_box` (move or resize)."""
    if region.shape is not Shape.POLYGON or not region.polygon:
        return None
    ox, oy, ow, oh = region.box
    nx, ny, nw, nh = new_box
    sx = nw / ow if ow else 1.0
    sy = nh / oh if oh else 1.0
    return tuple((nx + (px - ox) * sx, ny + (py - oy) * sy) for px, py in region.polygon)


class Canvas(QWidget):
    """Shows the image and regions; emits the reviewer's gestures in image coordinates."""

    regionClicked = Signal(object)                 # Region
    regionChanged = Signal(object, object)         # Region, new box (x, y, w, h)
    rectDrawn = Signal(object)                     # box (x, y, w, h)
    polygonDrawn = Signal(object)                  # tuple of (x, y)
    selectionChanged = Signal(object)              # Region | None
    contextRequested = Signal(object, object)      # Region, global QPoint
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 120)  # small screens at 200 %: the window must still fit
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # The image is kept as a QImage (no conversion on the UI thread) plus one copy
        # scaled to the current zoom, so a repaint never resamples a 12-megapixel photo.
        self._image: QImage | None = None
        self._scaled: tuple[float, QImage] | None = None
        self._regions: list[Region] = []
        self._placeholder = "Select a file to review"
        self.mode = Mode.SELECT
        self.show_regions = True
        self.selected: Region | None = None
        self._scale = 1.0
        self._offset = QPointF(0, 0)
        self._fit = True
        # Gesture state
        self._press_pos: QPointF | None = None
        self._drag_kind: str | None = None   # "move", "resize", "pan", "rect", "freehand"
        self._drag_corner = 0
        self._drag_box: tuple[float, float, float, float] | None = None
        self._start_box: tuple[float, float, float, float] | None = None
        self._pan_start = QPointF(0, 0)
        self._freehand: list[QPointF] = []
        self._last_pos = QPointF(0, 0)
        self._banner = ""

    # ----- content -----------------------------------------------------------------------
    def set_image(self, image: QImage | None, keep_view: bool = False) -> None:
        self._image = image if image is not None and not image.isNull() else None
        self._scaled = None
        if not keep_view:
            self._fit = True
        self._update_fit()
        self.update()

    def set_regions(self, regions: list[Region]) -> None:
        """The list is the Plan's own; the canvas only reads it."""
        self._regions = regions
        if self.selected is not None and self.selected not in regions:
            self.select(None)
        self.update()

    def set_banner(self, text: str) -> None:
        """A short note shown over the top of the picture (empty: none)."""
        self._banner = text
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def select(self, region: Region | None) -> None:
        if region is not self.selected:
            self.selected = region
            self.selectionChanged.emit(region)
        self.update()

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        cursor = Qt.CursorShape.ArrowCursor if mode is Mode.SELECT else Qt.CursorShape.CrossCursor
        self.setCursor(cursor)

    @property
    def image_size(self) -> tuple[int, int]:
        return (self._image.width(), self._image.height()) if self._image is not None else (0, 0)

    @property
    def shown_image(self) -> QImage | None:
        """The full-resolution picture on show (the original, or the export preview)."""
        return self._image

    # ----- view transform ----------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._scale

    def fit_to_window(self) -> None:
        self._fit = True
        self._update_fit()
        self.update()

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        if self._image is None:
            return
        scale = max(MIN_ZOOM, min(MAX_ZOOM, scale))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        image_point = self.to_image(anchor)
        self._scale = scale
        self._offset = anchor - image_point * scale
        self._fit = False
        self.zoomChanged.emit(scale)
        self.update()

    def _update_fit(self) -> None:
        if self._image is None or not self._fit:
            return
        margin = 16
        w, h = self._image.width(), self._image.height()
        avail_w, avail_h = max(1, self.width() - 2 * margin), max(1, self.height() - 2 * margin)
        self._scale = min(avail_w / w, avail_h / h)
        self._offset = QPointF((self.width() - w * self._scale) / 2, (self.height() - h * self._scale) / 2)
        self.zoomChanged.emit(self._scale)

    def to_image(self, p: QPointF) -> QPointF:
        return (QPointF(p) - self._offset) / self._scale

    def to_widget(self, p: QPointF) -> QPointF:
        return QPointF(p) * self._scale + self._offset

    def widget_rect(self, box) -> QRectF:
        x, y, w, h = box
        return QRectF(self.to_widget(QPointF(x, y)), self.to_widget(QPointF(x + w, y + h)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._update_fit()
        super().resizeEvent(event)

    # ----- hit-testing -------------------------------------------------------------------
    def region_at(self, widget_pos: QPointF) -> Region | None:
        """The smallest region under the point, so a small box inside a big one stays reachable."""
        p = self.to_image(widget_pos)
        hits = [r for r in self._regions if region_outline(r).contains(p)]
        if not hits:
            return None
        return min(hits, key=lambda r: r.box[2] * r.box[3])

    def corner_at(self, widget_pos: QPointF) -> int:
        """1..4 (top-left, top-right, bottom-right, bottom-left) of the selected region's handles."""
        if self.selected is None:
            return 0
        rect = self.widget_rect(self.selected.box)
        corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
        for index, c in enumerate(corners, start=1):
            if abs(c.x() - widget_pos.x()) <= HANDLE_PX and abs(c.y() - widget_pos.y()) <= HANDLE_PX:
                return index
        return 0

    # ----- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._image is None:
            return
        pos = event.position()
        self._press_pos = pos
        if event.button() == Qt.MouseButton.MiddleButton:
            self._begin_pan(pos)
            return
        if event.button() == Qt.MouseButton.RightButton:
            region = self.region_at(pos)
            if region is not None:
                self.select(region)
                self.contextRequested.emit(region, event.globalPosition().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.mode is Mode.RECT:
            self._drag_kind = "rect"
            return
        if self.mode is Mode.FREEHAND:
            self._drag_kind = "freehand"
            self._freehand = [self.to_image(pos)]
            return
        corner = self.corner_at(pos)
        if corner:
            self._drag_kind, self._drag_corner = "resize", corner
            self._start_box = self.selected.box
            return
        region = self.region_at(pos)
        if region is not None:
            self.select(region)
            self._drag_kind = "move"
            self._start_box = region.box
            return
        self.select(None)
        self._begin_pan(pos)

    def _begin_pan(self, pos: QPointF) -> None:
        self._drag_kind = "pan"
        self._pan_start = pos - self._offset
        self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        self._last_pos = pos
        kind = self._drag_kind
        if kind is None:
            if self.mode is Mode.SELECT and self._image is not None:
                if self.corner_at(pos):
                    self.setCursor(Qt.CursorShape.SizeFDiagCursor)
                elif self.region_at(pos) is not None:
                    self.setCursor(Qt.CursorShape.PointingHandCursor)
                else:
                    self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if kind == "pan":
            self._offset = pos - self._pan_start
            self._fit = False
        elif kind == "move" and self._start_box is not None:
            delta = (pos - self._press_pos) / self._scale
            x, y, w, h = self._start_box
            self._drag_box = self._clamp((x + delta.x(), y + delta.y(), w, h))
        elif kind == "resize" and self._start_box is not None:
            self._drag_box = self._resized(self._start_box, self._drag_corner, self.to_image(pos))
        elif kind == "freehand":
            p = self.to_image(pos)
            if not self._freehand or (p - self._freehand[-1]).manhattanLength() * self._scale >= 3:
                self._freehand.append(p)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        kind, self._drag_kind = self._drag_kind, None
        pos = event.position()
        press = self._press_pos if self._press_pos is not None else pos
        moved = (pos - press).manhattanLength() > CLICK_SLOP_PX
        try:
            if kind == "pan":
                self.set_mode(self.mode)
            elif kind in ("move", "resize") and self.selected is not None:
                if kind == "move" and not moved:
                    self.regionClicked.emit(self.selected)
                elif self._drag_box is not None and self._drag_box != self._start_box:
                    self.regionChanged.emit(self.selected, self._drag_box)
            elif kind == "rect" and moved:
                a, b = self.to_image(press), self.to_image(pos)
                box = self._clamp_rect(min(a.x(), b.x()), min(a.y(), b.y()),
                                       abs(a.x() - b.x()), abs(a.y() - b.y()))
                if box[2] >= MIN_SIZE_PX and box[3] >= MIN_SIZE_PX:
                    self.rectDrawn.emit(box)
            elif kind == "freehand" and len(self._freehand) >= 3:
                w, h = self.image_size
                pts = tuple((min(max(p.x(), 0.0), w), min(max(p.y(), 0.0), h)) for p in self._freehand)
                xs, ys = [p[0] for p in pts], [p[1] for p in pts]
                if max(xs) - min(xs) >= MIN_SIZE_PX and max(ys) - min(ys) >= MIN_SIZE_PX:
                    self.polygonDrawn.emit(pts)
        finally:
            self._drag_box = self._start_box = None
            self._freehand = []
            self._press_pos = None
            self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if self._image is None:
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self._scale * (1.25 ** steps), event.position())

    # ----- geometry helpers --------------------------------------------------------------
    def _clamp(self, box):
        w_img, h_img = self.image_size
        x, y, w, h = box
        x = min(max(x, -w + 1), w_img - 1)
        y = min(max(y, -h + 1), h_img - 1)
        return (x, y, w, h)

    def _clamp_rect(self, x, y, w, h):
        w_img, h_img = self.image_size
        x0, y0 = max(0.0, x), max(0.0, y)
        x1, y1 = min(float(w_img), x + w), min(float(h_img), y + h)
        return (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))

    def _resized(self, box, corner: int, p: QPointF):
        x0, y0, w, h = box
        x1, y1 = x0 + w, y0 + h
        if corner in (1, 4):
            x0 = min(p.x(), x1 - MIN_SIZE_PX)
        else:
            x1 = max(p.x(), x0 + MIN_SIZE_PX)
        if corner in (1, 2):
            y0 = min(p.y(), y1 - MIN_SIZE_PX)
        else:
            y1 = max(p.y(), y0 + MIN_SIZE_PX)
        return (x0, y0, x1 - x0, y1 - y0)

    # ----- painting ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor("#2b2f33"))
        if self._image is None:
            painter.setPen(QColor("#c8ccd0"))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.3)
            painter.setFont(font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            return
        if self._scale < 1.0:
            painter.drawImage(self._offset, self._scaled_image())
        else:  # zoomed in: let the painter pick the visible pixels
            painter.save()
            painter.translate(self._offset)
            painter.scale(self._scale, self._scale)
            painter.drawImage(QPointF(0, 0), self._image)
            painter.restore()
        if self.show_regions:
            for region in self._regions:
                self._paint_region(painter, region)
        self._paint_gesture(painter)
        if self._banner:
            self._paint_banner(painter)

    def _paint_banner(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        w, h = metrics.horizontalAdvance(self._banner) + 28, metrics.height() + 12
        box = QRectF((self.width() - w) / 2, 10, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(32, 33, 36, 215))
        painter.drawRoundedRect(box, h / 2, h / 2)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._banner)

    def _scaled_image(self) -> QImage:
        if self._scaled is None or self._scaled[0] != self._scale:
            w = max(1, round(self._image.width() * self._scale))
            h = max(1, round(self._image.height() * self._scale))
            self._scaled = (self._scale, self._image.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                            Qt.TransformationMode.SmoothTransformation))
        return self._scaled[1]

    def _paint_region(self, painter: QPainter, region: Region) -> None:
        dragging = region is self.selected and self._drag_box is not None
        box = self._drag_box if dragging else region.box
        polygon = moved_polygon(region, box) if dragging else None
        outline = region_outline(region, box, polygon)
        colour = KIND_COLOURS.get(region.kind, QColor("#ffffff"))
        painter.save()
        painter.translate(self._offset)
        painter.scale(self._scale, self._scale)
        pen = QPen(colour if region.redacted else KEEP_COLOUR, 2.5 if region is self.selected else 2.0)
        pen.setCosmetic(True)
        if not region.redacted:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        fill = QColor(colour)
        fill.setAlpha(70 if region.redacted else 0)
        painter.setBrush(QBrush(fill))
        painter.drawPath(outline)
        painter.restore()
        rect = self.widget_rect(box)
        self._paint_tag(painter, region, rect, colour)
        if region is self.selected:
            painter.setPen(QPen(QColor("white"), 1))
            painter.setBrush(QColor("#202020"))
            for c in (rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()):
                painter.drawRect(QRectF(c.x() - HANDLE_PX / 1.4, c.y() - HANDLE_PX / 1.4,
                                        HANDLE_PX * 1.4, HANDLE_PX * 1.4))

    def _paint_tag(self, painter: QPainter, region: Region, rect: QRectF, colour: QColor) -> None:
        if region.redacted:
            text = KIND_LABELS.get(region.kind, region.kind.value)
        elif region.decided_by is DecidedBy.CONSENT:
            text = "Kept: consent on file"
        else:
            text = "Kept"
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.85))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        tw, th = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
        tag = QRectF(rect.left(), rect.top() - th, tw, th)
        if tag.top() < 0:
            tag.moveTop(rect.top())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour if region.redacted else KEEP_COLOUR)
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(QColor("black") if (colour.lightness() > 150 and region.redacted) else QColor("white"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_gesture(self, painter: QPainter) -> None:
        pen = QPen(KIND_COLOURS[Kind.MANUAL], 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self._drag_kind == "rect" and self._press_pos is not None:
            painter.drawRect(QRectF(self._press_pos, self._last_pos).normalized())
        elif self._drag_kind == "freehand" and len(self._freehand) > 1:
            painter.drawPolyline(QPolygonF([self.to_widget(p) for p in self._freehand]))
