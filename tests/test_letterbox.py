"""Letterbox bars of a video frame: found, and never proposed as screens under Strict (on ICU
video frames every frame's two bars were)."""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from phi_fixtures import RULE_FINDERS, draw_display
from sanitizer.detectors.analysis import ImageAnalysis
from sanitizer.detectors.letterbox import Letterbox, find_letterbox
from sanitizer.detectors.screens import ScreenDetector
from sanitizer.settings import Preset, Settings

HEIGHT, WIDTH, BAR = 576, 1280, 116


def _jpeg(rgb: np.ndarray) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=85)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A light room with coloured boxes (furniture, equipment), blurred a little."""
    rng = np.random.default_rng(seed)
    pic = np.full((height, width, 3), 200, np.uint8)
    for _ in range(30):
        colour = tuple(int(v) for v in rng.integers(60, 255, 3))
        x, y = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 30))
        cv2.rectangle(pic, (x, y), (x + int(rng.integers(20, 200)), y + int(rng.integers(20, 150))), colour, -1)
    return cv2.GaussianBlur(pic, (0, 0), 3)


def _letterboxed_frame() -> np.ndarray:
    """A 4:3-ish picture shown in a 16:9 frame: black bars at both sides, saved as JPEG."""
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[:, BAR:WIDTH - BAR] = _scene(WIDTH - 2 * BAR, HEIGHT)
    return _jpeg(frame)


def test_bars_of_a_letterboxed_frame_are_found():
    bars = find_letterbox(cv2.cvtColor(_letterboxed_frame(), cv2.COLOR_RGB2GRAY))
    assert abs(bars.left - BAR) <= 2 and abs(bars.right - BAR) <= 2
    assert bars.top == 0 and bars.bottom == 0


def test_top_and_bottom_bars_are_found():
    frame = np.zeros((720, 960, 3), np.uint8)
    frame[90:630] = _scene(960, 540)
    bars = find_letterbox(cv2.cvtColor(_jpeg(frame), cv2.COLOR_RGB2GRAY))
    assert abs(bars.top - 90) <= 2 and abs(bars.bottom - 90) <= 2 and bars.left == bars.right == 0


def test_a_photo_without_bars_has_none():
    # A scene to the edge, and a thin 3 px frame line: neither is a bar.
    photo = _scene(800, 600, seed=3)
    photo[:, :3] = 0
    assert find_letterbox(cv2.cvtColor(_jpeg(photo), cv2.COLOR_RGB2GRAY)) == Letterbox()


def test_share_inside_counts_only_the_part_in_the_bars():
    bars = Letterbox(left=100, right=100)
    assert bars.share_inside((0, 0, 100, 50), 1000, 500) == 1.0
    assert bars.share_inside((50, 0, 100, 50), 1000, 500) == 0.5
    assert bars.share_inside((400, 100, 100, 100), 1000, 500) == 0.0


def test_strict_never_proposes_the_bars_as_screens():
    frame = _letterboxed_frame()
    analysis = ImageAnalysis(frame, config=RULE_FINDERS)
    # The outline finder does see each bar as a dark body with a straight edge: a screen shape.
    edge_quads = [q for q in analysis.outlines.quads if q.screen_like and q.box[3] > 0.9 * HEIGHT]
    assert len(edge_quads) == 2
    regions = ScreenDetector().detect(analysis, Settings(preset=Preset.STRICT))
    assert all(r.box[0] > BAR / 2 and r.box[0] + r.box[2] < WIDTH - BAR / 2 for r in regions)
    # The panels in the picture itself are still proposed.
    assert regions


def _frame_with_panel(x: int) -> np.ndarray:
    """A letterboxed frame whose picture holds one text-less, screen-like panel from `x`:
    when `x` is the bar's edge, the panel runs into the bar, with no bezel on that side."""
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[:, BAR:WIDTH - BAR] = 120
    frame[150:450, x:x + 400] = 20                          # bezel
    frame[165:420, (x if x == BAR else x + 15):x + 385] = 230  # lit panel
    return _jpeg(draw_display(frame, x + 20, 170, x + 380, 415))  # showing traces, no print


def test_under_strict_a_panel_closed_by_a_bar_is_not_a_screen():
    """The picture of a letterboxed frame ends at its bars: a panel running into a bar has no
    bezel on that side (a wall, a curtain, a face before a window in ICU video), as one
    running off a photo's edge has none."""
    strict = Settings(preset=Preset.STRICT)
    inside = ScreenDetector().detect(ImageAnalysis(_frame_with_panel(400), config=RULE_FINDERS), strict)
    assert inside and all(400 - 40 <= r.box[0] and r.box[0] + r.box[2] <= 800 + 40 for r in inside)
    at_bar = _frame_with_panel(BAR)
    analysis = ImageAnalysis(at_bar, config=RULE_FINDERS)
    panel = [q for q in analysis.outlines.quads if q.screen_like and abs(q.box[0] - BAR) < 5 and q.box[2] < 500]
    assert panel and panel[0].edges_touched == 0   # the outline finder sees it inside the frame
    assert ScreenDetector().detect(analysis, strict) == []
