"""Codes in a picture: barcodes and QR codes zxing-cpp decodes, and patches of bar texture
it cannot decode; and the pale label each code is printed on. Positions and formats only:
a code's content is never kept.

Neutral: used by the barcode detector (codes are redacted) and by the text scene (a code on
a label makes a wristband); computed once per picture by `ImageAnalysis.code_scan`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .config import CodeConfig, PaleAreaConfig
from .pale_areas import pale_area_around

# Formats zxing reports -> the short reason shown to the reviewer.
_REASONS = {
    "QRCode": "QR code", "MicroQRCode": "QR code", "RMQRCode": "QR code",
    "Code128": "Code128 barcode", "Code39": "Code39 barcode", "Code93": "Code93 barcode",
    "DataMatrix": "Data Matrix code", "PDF417": "PDF417 code", "Aztec": "Aztec code",
    "EAN13": "EAN barcode", "EAN8": "EAN barcode", "UPCA": "UPC barcode", "UPCE": "UPC barcode",
    "ITF": "ITF barcode", "Codabar": "Codabar barcode",
}
_DEFAULT = CodeConfig()


@dataclass(frozen=True)
class CodeHit:
    """One code: its 4 corners in image pixels and a reason; never its content."""
    polygon: tuple[tuple[float, float], ...]
    reason: str
    decoded: bool
    strength: float = 1.0

    @property
    def box(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def _format_name(barcode) -> str:
    text = str(barcode.format)
    return text.split(".")[-1].replace(" ", "")


def decode_codes(gray: np.ndarray, cfg: CodeConfig = _DEFAULT) -> list[CodeHit]:
    """Codes zxing-cpp can decode; only their position and format are kept."""
    import zxingcpp

    scale = 1.0
    pixels = gray.shape[0] * gray.shape[1]
    if pixels > cfg.max_decode_pixels:
        scale = (cfg.max_decode_pixels / pixels) ** 0.5
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    hits: list[CodeHit] = []
    for code in zxingcpp.read_barcodes(gray):
        if not code.valid:
            continue
        pos = code.position
        corners = [pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left]
        polygon = tuple((p.x / scale, p.y / scale) for p in corners)
        reason = _REASONS.get(_format_name(code), "barcode")
        hits.append(CodeHit(polygon, reason, True))
        del code  # content is never kept past this point
    return hits


def bar_texture(gray: np.ndarray, cfg: CodeConfig = _DEFAULT) -> list[CodeHit]:
    """Patches of dense, parallel, high-contrast bars (1D barcodes zxing could not decode).

    The structure tensor is averaged over cell x cell blocks: bars give strong gradients that
    all point one way (coherence near 1), printed text gives strong gradients in many directions.
    Inside a wide bar or space there is no gradient, so gaps are closed, or a large code falls
    apart into slivers; and closed per orientation band, or a code is welded to the print
    beside it. The bands are only split where oriented cells form an area big enough to
    hold a code (a 12 MP photo has thousands of specks).
    """
    cell = cfg.cell_px
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    size = (max(1, gray.shape[1] // cell), max(1, gray.shape[0] // cell))
    jxx = cv2.blur(cv2.resize(gx * gx, size, interpolation=cv2.INTER_AREA), (3, 3))
    jyy = cv2.blur(cv2.resize(gy * gy, size, interpolation=cv2.INTER_AREA), (3, 3))
    jxy = cv2.blur(cv2.resize(gx * gy, size, interpolation=cv2.INTER_AREA), (3, 3))
    energy = jxx + jyy
    d1, d2 = jxx - jyy, 2 * jxy
    mag = np.sqrt(d1 * d1 + d2 * d2)
    coherence = mag / (energy + 1e-3)
    tensor = _Tensor(energy, d1, d2, mag, coherence, (coherence > cfg.min_coherence) & (energy > cfg.min_energy))
    # Each oriented cell's orientation as one of cfg.orientation_bands narrow sectors; a
    # band is two neighbouring sectors, so every orientation lies in two overlapping bands
    # and a code at the edge of one is whole in the next.
    sectors = np.full(tensor.barred.shape, 255, np.uint8)
    angle = 0.5 * np.arctan2(d2[tensor.barred], d1[tensor.barred])
    bands = cfg.orientation_bands
    sectors[tensor.barred] = ((angle + np.pi / 2) * (bands / np.pi)).astype(np.int32) % bands
    close = np.ones((cfg.close_cells, cfg.close_cells), np.uint8)
    areas = cv2.morphologyEx(tensor.barred.astype(np.uint8), cv2.MORPH_CLOSE, close)
    count, area_labels, stats, _ = cv2.connectedComponentsWithStats(areas)
    hits: list[CodeHit] = []
    m = cfg.window_margin_cells
    for i in _big_components(stats, cfg).tolist():
        x, y, w, h = (int(v) for v in stats[i][:4])
        # Room around the area, so closing does not stick to the window's edge.
        x0, y0 = max(0, x - m), max(0, y - m)
        window = (slice(y0, y + h + m), slice(x0, x + w + m))
        in_area = area_labels[window] == i
        here = sectors[window]
        for band in range(bands):
            mask = in_area & ((here == band) | (here == (band + 1) % bands))
            mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, close)
            hits += _bar_components(gray, mask, tensor, window, cfg)
    hits.sort(key=lambda h: -h.strength)
    kept: list[CodeHit] = []
    for hit in hits:  # one code seen in two bands: keep the stronger sighting
        if not covered(hit, kept):
            kept.append(hit)
    return kept


@dataclass
class _Tensor:
    """The structure tensor per cell, and which cells are strongly oriented."""
    energy: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    mag: np.ndarray
    coherence: np.ndarray
    barred: np.ndarray


def _big_components(stats: np.ndarray, cfg: CodeConfig) -> np.ndarray:
    """Labels of components large enough to hold a code, in one vectorised step."""
    sizes = stats[1:]
    return np.flatnonzero((sizes[:, cv2.CC_STAT_AREA] >= cfg.min_area_cells)
                          & (np.minimum(sizes[:, cv2.CC_STAT_WIDTH], sizes[:, cv2.CC_STAT_HEIGHT])
                             >= cfg.min_side_cells)) + 1


def _bar_components(gray: np.ndarray, mask: np.ndarray, tensor: _Tensor, window, cfg: CodeConfig,
                    split: bool = True) -> list[CodeHit]:
    """Bar codes among the components of one orientation band's `mask` (cells of `window`).
    The orientation checks count every strong cell in a component's area, whatever its band:
    print has strokes of many orientations there, bars have one. A ragged component (a
    small code that the closing joined to an edge of the same orientation beside it) is
    looked at again from its oriented cells alone, closed less."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    oy, ox = window[0].start, window[1].start
    hits: list[CodeHit] = []
    for i in _big_components(stats, cfg).tolist():
        x, y, w, h, area = (int(v) for v in stats[i])
        sel = labels[y:y + h, x:x + w] == i
        cut = (slice(oy + y, oy + y + h), slice(ox + x, ox + x + w))
        d1, d2 = tensor.d1[cut], tensor.d2[cut]
        oriented = sel & tensor.barred[cut]
        consistency = np.hypot(d1[oriented].sum(), d2[oriented].sum()) / (tensor.mag[cut][oriented].sum() + 1e-3)
        # The structure tensor summed over every strong cell in the area, oriented or not:
        # near 1 for bars; print (curves, crossings) pulls it down.
        strong = sel & (tensor.energy[cut] > cfg.min_energy)
        aligned = np.hypot(d1[strong].sum(), d2[strong].sum()) / (tensor.energy[cut][strong].sum() + 1e-3)
        if consistency < cfg.min_consistency or aligned < cfg.min_aligned:
            continue
        pts = (np.column_stack(np.nonzero(sel)[::-1]) + (ox + x, oy + y)).astype(np.float32)
        rect = cv2.minAreaRect(pts)
        (rw, rh) = rect[1]
        if area / max(rw * rh, 1.0) < cfg.min_rect_fill:
            if split:
                part = np.zeros_like(mask)
                part[y:y + h, x:x + w] = sel & tensor.barred[cut]
                k = cfg.ragged_close_cells
                part = cv2.morphologyEx(part, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
                hits += _bar_components(gray, part, tensor, window, cfg, split=False)
            continue
        corners = cv2.boxPoints(rect) * cfg.cell_px
        theta = 0.5 * float(np.arctan2(d2[sel].sum(), d1[sel].sum()))
        if not bar_profile(gray, corners, theta, cfg):
            continue
        polygon = tuple((float(px), float(py)) for px, py in corners)
        strength = float(area * consistency * float(np.mean(tensor.coherence[cut][sel])))
        hits.append(CodeHit(polygon, "barcode", False, strength))
    return hits


def label_around(rgb: np.ndarray, code_box: tuple[float, float, float, float], cfg: CodeConfig = _DEFAULT,
                 pale: PaleAreaConfig = PaleAreaConfig()) -> tuple[float, float, float, float] | None:
    """The light label a code is printed on (a wristband or specimen label), as a box.

    Searched within label_reach code sizes around the code, closing the print with a kernel
    of about a third of the code's short side; a label runs well past a small code printed at
    one end, but more than label_max_growth times its area is a white background, not a label.
    """
    x, y, w, h = code_box
    return pale_area_around(rgb, code_box, reach=cfg.label_reach * max(w, h), close=cfg.label_close * min(w, h),
                            max_growth=cfg.label_max_growth, cfg=pale)


def bar_profile(gray: np.ndarray, corners: np.ndarray, theta: float, cfg: CodeConfig = _DEFAULT) -> bool:
    """Read the intensity profile across the bars: a 1D code has many bars of varied widths,
    stripes on clothes, blinds or railings have few or evenly spaced ones."""
    across = np.array([np.cos(theta), np.sin(theta)])
    along = np.array([-across[1], across[0]])
    center = corners.mean(axis=0)
    rel = corners - center
    t_half = float(np.abs(rel @ across).max())
    s_half = float(np.abs(rel @ along).max())
    # Too few samples to count bars, or bars far shorter than the code is wide: a line of
    # print smeared along its strokes, not a code (1D codes are at most ~8 times as wide).
    if t_half < cfg.profile_min_half_span or s_half < t_half / cfg.profile_max_aspect:
        return False
    ts = np.arange(-t_half, t_half, cfg.profile_step_px, dtype=np.float32)
    offsets = np.linspace(-cfg.profile_row_offset, cfg.profile_row_offset, cfg.profile_rows) * s_half
    rows = []
    for off in offsets:
        xs = (center[0] + ts * across[0] + off * along[0]).astype(np.float32)
        ys = (center[1] + ts * across[1] + off * along[1]).astype(np.float32)
        rows.append(cv2.remap(gray, xs.reshape(1, -1), ys.reshape(1, -1), cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE).ravel().astype(np.float32))
    # Bars run straight through the patch: the profile near one end of the bars matches the
    # profile near the other end. Letters change shape along their strokes, so text does not.
    with np.errstate(invalid="ignore", divide="ignore"):  # a flat row has no correlation (nan)
        outer = float(np.corrcoef(rows[0], rows[-1])[0, 1])
        inner = float(np.corrcoef(rows[1], rows[-2])[0, 1])
    if not (outer >= cfg.min_outer_corr and inner >= cfg.min_inner_corr):
        return False
    profile = np.mean(rows, axis=0)
    if float(profile.max() - profile.min()) < cfg.min_profile_contrast:
        return False
    if _varied_bars(np.flatnonzero(np.diff((profile > (profile.max() + profile.min()) / 2).astype(np.int8))), cfg):
        return True
    # Under motion blur thin bars and spaces keep their shape but lose contrast next to the
    # wide ones and the quiet zone, so one threshold for the whole profile sees only the
    # widest bars: count them against the local mean instead. That also finds bar-like
    # runs of print, so only for bars that run almost perfectly straight through the patch
    # and are not much shorter than the code is wide (a line of text is long and low).
    if outer < cfg.blurred_min_corr or inner < cfg.blurred_min_corr or s_half < cfg.blurred_min_bar_length * t_half:
        return False
    return _varied_bars(_bar_edges(profile, cfg), cfg)


def _varied_bars(edges: np.ndarray, cfg: CodeConfig) -> bool:
    """Many bar edges, with bars and spaces of varied widths (stripes are even). A 1D code
    draws its bars and its spaces each from several widths (one to four modules); stripes
    (mown turf seen at a slant, a striped shirt, a railing) repeat one width for the bars or
    for the spaces, even where perspective spreads the other."""
    if len(edges) < cfg.min_bar_edges:
        return False
    runs = np.diff(edges).astype(np.float32)
    if float(runs.std() / (runs.mean() + 1e-6)) < cfg.min_run_variation:
        return False
    return all(_width_spread(widths, cfg) >= cfg.min_width_spread for widths in (runs[0::2], runs[1::2]))


def _width_spread(widths: np.ndarray, cfg: CodeConfig) -> float:
    """How far apart the wide and the narrow runs are (a high over a low percentile width)."""
    low, high = np.percentile(widths, cfg.width_spread_percentiles)
    return float(high / low)  # runs are counted in whole samples: never under 1


def _bar_edges(profile: np.ndarray, cfg: CodeConfig) -> np.ndarray:
    """Where the profile (sampled every half pixel) crosses its local mean by a margin,
    with hysteresis: from bar to space or back."""
    local = cv2.blur(profile.reshape(1, -1), (cfg.bar_window, 1), borderType=cv2.BORDER_REPLICATE).ravel()
    detail = profile - local
    margin = cfg.bar_margin * float(profile.max() - profile.min())
    state = np.zeros(len(profile), np.int8)
    state[detail > margin] = 1
    state[detail < -margin] = -1
    # Carry the last firm state through the undecided samples (hysteresis).
    firm = np.flatnonzero(state)
    if len(firm) == 0:
        return firm
    held = state[firm][np.maximum(np.searchsorted(firm, np.arange(len(state)), side="right") - 1, 0)]
    return np.flatnonzero(np.diff(held))


@dataclass
class CodeScan:
    decoded: list[CodeHit]
    texture: list[CodeHit]
    # For each code in decoded + texture: the label it is printed on, or None.
    labels: list[tuple[float, float, float, float] | None]

    @property
    def codes(self) -> list[CodeHit]:
        return self.decoded + self.texture


def scan_codes(rgb: np.ndarray, gray: np.ndarray, cfg: CodeConfig = _DEFAULT,
               pale: PaleAreaConfig = PaleAreaConfig()) -> CodeScan:
    """Both finders on one picture (`gray` is its grey version), and each code's label."""
    decoded = decode_codes(gray, cfg)
    texture = [t for t in bar_texture(gray, cfg) if not covered(t, decoded)][:cfg.max_texture_codes]
    labels = [label_around(rgb, c.box, cfg, pale) for c in decoded + texture]
    return CodeScan(decoded, texture, labels)


def covered(hit: CodeHit, others: list[CodeHit]) -> bool:
    x, y, w, h = hit.box
    cx, cy = x + w / 2, y + h / 2
    return any(ox <= cx <= ox + ow and oy <= cy <= oy + oh for ox, oy, ow, oh in (o.box for o in others))
