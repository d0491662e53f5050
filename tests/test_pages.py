"""Pages of print found from their rows, without reading them (sanitizer/detectors/pages.py)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from phi_fixtures import RULE_FINDERS, fraction_inside, page_photo
from sanitizer.detectors import ImageAnalysis, objects, run_detectors, text_scene
from sanitizer.detectors.config import TextSceneConfig
from sanitizer.detectors.pages import has_rows_of_print, print_on_paper, printed_pages
from sanitizer.detectors.outlines import corner_cos, find_outlines
from sanitizer.errors import ModelMissing
from sanitizer.settings import Settings


def _aabb(corners: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def test_a_turned_page_of_small_blurred_print_is_hidden_whole(monkeypatch):
    rgb, corners = page_photo(print_px=9)
    settings = Settings(faces=False)
    assert ImageAnalysis(rgb).text_lines == []   # the OCR detector sees no line
    regions = run_detectors(rgb, settings, RULE_FINDERS)
    assert fraction_inside(_aabb(corners), regions) > 0.95
    assert {r.reason for r in regions} == {"chart"}
    # The page is found by its rows of print: without that, nothing hides it.
    monkeypatch.setattr(text_scene, "printed_pages", lambda *args: [])
    assert fraction_inside(_aabb(corners), run_detectors(rgb.copy(), settings, RULE_FINDERS)) < 0.2


def test_the_object_model_covers_a_page_the_rule_finders_miss(monkeypatch):
    """The app looks for documents with the rules and with the object model, and hides both
    finds: a page the rules' page finder does not see is still hidden whole."""
    try:
        objects._session()
    except ModelMissing as exc:
        pytest.skip(f"object model not installed ({exc})")
    rgb, corners = page_photo(print_px=9)
    monkeypatch.setattr(text_scene, "printed_pages", lambda *args: [])
    assert fraction_inside(_aabb(corners), run_detectors(rgb, Settings(faces=False), RULE_FINDERS)) < 0.2
    regions = run_detectors(rgb, Settings(faces=False))
    assert fraction_inside(_aabb(corners), regions) > 0.95
    assert {r.reason for r in regions} == {"document (object model)"}


def test_a_sheet_on_a_cluttered_bed_is_found_without_an_even_border():
    """No clipboard: the sheet's surroundings are blocks of every shade, so it is no screen
    in a bezel, but its outline still holds rows of print."""
    rgb, corners = page_photo(print_px=9, busy=True)
    centre = corners.mean(axis=0)

    def around(quads):
        return [q for q in quads if np.abs(np.asarray(q.polygon).mean(axis=0) - centre).max() < 40]

    outlines = find_outlines(rgb)
    assert not around(outlines.quads) and around(outlines.plain)
    regions = run_detectors(rgb, Settings(faces=False), RULE_FINDERS)
    assert fraction_inside(_aabb(corners), regions) > 0.95


# A sheet seen far from square-on and sheared: corners of about 44 and 136 degrees.
STEEP_VIEW = ((0, 0), (560, 0), (1040, 460), (420, 480))


@pytest.mark.parametrize("busy", [False, True], ids=["on a clipboard", "on a cluttered bed"])
def test_a_page_seen_far_from_square_on_is_hidden_whole(busy):
    """A chart lying on a bed, seen from beside it: its outline's corners are past 45..135
    degrees, which the outline finder once took for no rectangle at all."""
    rgb, corners = page_photo(print_px=9, turn=10, busy=busy, seen=STEEP_VIEW)
    assert corner_cos(corners) > 0.7
    regions = run_detectors(rgb, Settings(faces=False), RULE_FINDERS)
    assert fraction_inside(_aabb(corners), regions) > 0.95
    assert "chart" in {r.reason for r in regions}


def test_the_sheet_is_taken_before_the_block_of_print_on_it():
    """On a cluttered bed, the block of print on a slanted sheet makes an outline of its own,
    ringed by the sheet's pale margin. The sheet is a page too; the sheet is hidden, not only
    the block, or its header and footer stay visible."""
    rgb, corners = page_photo(print_px=9, turn=10, busy=True, seen=((0, 0), (600, 0), (1000, 420), (400, 420)))
    analysis = ImageAnalysis(rgb, config=RULE_FINDERS)
    max_line = TextSceneConfig().doc_max_line_fraction * max(rgb.shape[:2])
    pages = printed_pages(analysis.gray, analysis.outlines.quads + analysis.outlines.plain, max_line)
    assert any(print_on_paper(q) for q in pages) and not all(print_on_paper(q) for q in pages)
    regions = run_detectors(rgb, Settings(faces=False), RULE_FINDERS)
    assert fraction_inside(_aabb(corners), regions) > 0.95


def _pale_board(draw) -> tuple[np.ndarray, np.ndarray]:
    """A pale 600x400 board on a 1600x1200 picture with `draw(board)` on it; (gray, corners)."""
    board = np.full((400, 600), 215, np.uint8)
    draw(board)
    gray = np.full((1200, 1600), 90, np.uint8)
    gray[400:800, 500:1100] = board
    return gray, np.float32([[500, 400], [1100, 400], [1100, 800], [500, 800]])


def _max_line(gray: np.ndarray) -> float:
    return TextSceneConfig().doc_max_line_fraction * max(gray.shape)


def test_rows_of_print_are_found_on_a_page_seen_square_on():
    def lines(board):
        for k, length in enumerate([200, 520, 500, 530, 300, 510, 480, 260, 520, 490]):
            board[30 + 32 * k:30 + 32 * k + 9, 40:40 + length] = 40
            board[30 + 32 * k:30 + 32 * k + 9, 40:40 + length:14] = 215   # gaps between letters
    gray, corners = _pale_board(lines)
    assert has_rows_of_print(gray, corners, _max_line(gray))
    assert has_rows_of_print(np.ascontiguousarray(gray.T), corners[:, ::-1].copy(), _max_line(gray))


def test_bricks_shelves_blinds_and_big_letters_are_not_print():
    def bricks(board):      # mortar lines run the whole board, joints between them
        for y in range(20, 400, 40):
            board[y:y + 3] = 150
            for x in range(40 * (y // 40 % 2), 600, 80):
                board[y:y + 40, x:x + 3] = 150

    def shelves(board):     # thin rows of different lengths, far apart for their thickness
        for k, y in enumerate(range(20, 400, 48)):
            board[y:y + 3, 30:30 + (250, 540, 400, 520, 300, 530, 480, 200)[k]] = 60

    def blinds(board):      # slats of one length
        for y in range(20, 380, 24):
            board[y:y + 8, 20:560] = 120

    def sign(board):        # six rows of 40 px letters
        for k, word in enumerate(["EXIT", "WAY OUT 7", "STAIRS", "LIFTS 1-4", "WARD 7 EAST", "CAFE"]):
            cv2.putText(board, word, (20, 60 + 64 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 30, 6)

    for draw in (bricks, shelves, blinds):
        gray, corners = _pale_board(draw)
        assert not has_rows_of_print(gray, corners, _max_line(gray)), draw.__name__
    gray, corners = _pale_board(sign)
    assert has_rows_of_print(gray, corners, 50)          # rows of print up to 50 px: these count
    assert not has_rows_of_print(gray, corners, 30)      # up to 30 px: the letters are too tall
