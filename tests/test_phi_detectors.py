"""PHI detectors on generated pictures: presets, documents, screens, allowlist, no text leaks."""
from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from phi_fixtures import RULE_FINDERS, draw_display, font, fraction_inside, screen_photo, text_image
from sanitizer.detectors import ImageAnalysis, build_detectors, objects, run_detectors
from sanitizer.detectors import analysis as analysis_module
from sanitizer.detectors.phi_text import PhiTextDetector
from sanitizer.detectors.outlines import find_outlines
from sanitizer.detectors.screens import ScreenDetector, shows_content
from sanitizer.detectors.text_scene import analyse_scene
from sanitizer.errors import ModelMissing
from sanitizer.regions import Kind
from sanitizer.settings import Preset, Settings

SIGN = ["Welcome", "Cardiology Wing"]
PHI_SIGN = ["Welcome", "MRN 466070960"]
SECRETS = ("466070960", "Cardiology", "Welcome", "COLE", "KAREN", "5413076544", "12/17/1982")


def _sign(lines):
    return text_image(lines, size=(900, 300), height=44, origin=(60, 60))


def _assert_no_text(regions, caplog):
    for secret in SECRETS:
        assert secret not in caplog.text
        for r in regions:
            assert secret.lower() not in r.reason.lower()
            assert secret not in str(r.to_json())


def test_registry_builds_the_phi_detectors():
    names = [d.name for d in build_detectors(Settings(faces=False))]
    assert names == ["phi_text", "barcodes", "screens", "objects"]
    assert [d.name for d in build_detectors(Settings().with_only("barcodes"))] == ["barcodes"]
    assert [d.name for d in build_detectors(Settings().with_only("text"))] == ["phi_text"]
    # Documents: the text scene's charts and pages (when the rules find documents) and the object model's.
    assert [d.name for d in build_detectors(Settings().with_only("documents"))] == ["phi_text", "objects"]
    # Wristbands: the text scene's labels and the object model's bands.
    assert [d.name for d in build_detectors(Settings().with_only("wristbands"))] == ["phi_text", "objects"]


def test_standard_redacts_phi_and_keeps_other_text(caplog):
    caplog.set_level(logging.DEBUG)
    rgb = _sign(PHI_SIGN)
    regions = PhiTextDetector().detect(ImageAnalysis(rgb), Settings())
    assert [r.reason for r in regions] == ["MRN pattern"]
    assert regions[0].kind is Kind.TEXT
    x, y, w, h = regions[0].box
    assert y > 100  # the second line, not the greeting
    _assert_no_text(regions, caplog)


def test_standard_keeps_plain_signage():
    assert PhiTextDetector().detect(ImageAnalysis(_sign(SIGN)), Settings()) == []


def test_strict_redacts_all_text(caplog):
    caplog.set_level(logging.DEBUG)
    regions = PhiTextDetector().detect(ImageAnalysis(_sign(SIGN)), Settings(preset=Preset.STRICT))
    assert len(regions) == 2 and {r.reason for r in regions} == {"text"}
    assert all(r.kind is Kind.TEXT for r in regions)
    _assert_no_text(regions, caplog)


def test_allowlist_from_settings_keeps_signage_visible():
    rgb = _sign(["Dr. Okafor Clinic"])
    assert [r.reason for r in PhiTextDetector().detect(ImageAnalysis(rgb), Settings())] == ["name"]
    assert PhiTextDetector().detect(ImageAnalysis(rgb), Settings(allowlist=["Dr. Okafor Clinic"])) == []


def test_dense_lines_become_one_document():
    lines = [f"Line {k}: vitals stable, plan unchanged, review at {k + 8}:00" for k in range(9)]
    rgb = text_image(lines, size=(1400, 1100), height=24, origin=(120, 150))
    regions = PhiTextDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), Settings())
    docs = [r for r in regions if r.kind is Kind.DOCUMENT]
    assert len(docs) == 1 and docs[0].reason == "chart"
    ys, xs = np.nonzero(rgb.min(axis=2) < 128)
    text_area = (xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min())
    assert fraction_inside(text_area, docs) > 0.98
    scene = analyse_scene(ImageAnalysis(rgb, config=RULE_FINDERS), Settings())
    assert scene.lines == {}  # a document is hidden whole, never read


def test_screen_with_text_is_hidden_whole(caplog):
    caplog.set_level(logging.DEBUG)
    rgb, monitor = screen_photo()
    settings = Settings(faces=False)
    screens = ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), settings)
    assert screens and all(r.kind is Kind.SCREEN and r.reason == "screen" for r in screens)
    panel = (monitor[0] + 40, monitor[1] + 40, monitor[2] - 80, monitor[3] - 120)
    assert fraction_inside(panel, screens) > 0.95
    regions = run_detectors(rgb, settings, RULE_FINDERS)
    # The text detector leaves the screen's text to the screen region (no duplicate document).
    assert not [r for r in regions if r.kind is Kind.DOCUMENT]
    _assert_no_text(regions, caplog)


def test_under_standard_the_object_model_finds_screens_instead_of_the_rules(monkeypatch):
    try:
        objects._session()
    except ModelMissing as exc:
        pytest.skip(f"object model not installed ({exc})")
    rgb, monitor = screen_photo()
    panel = (monitor[0] + 40, monitor[1] + 40, monitor[2] - 80, monitor[3] - 120)
    # Strict keeps the rule finder's screen-like panels as well (real TVs and laptops the model misses).
    strict = run_detectors(rgb, Settings(preset=Preset.STRICT).with_only("screens"))
    assert {r.reason for r in strict} == {"screen (object model)", "screen"}

    def never(*args):
        raise AssertionError("outlines were looked for although the object model finds screens")
    monkeypatch.setattr(analysis_module, "find_outlines", never)
    assert ScreenDetector().detect(ImageAnalysis(rgb), Settings()) == []
    regions = run_detectors(rgb, Settings().with_only("screens"))
    assert {r.reason for r in regions} == {"screen (object model)"}
    assert fraction_inside(panel, regions) > 0.9


def _panel_in_bezel(display: bool) -> np.ndarray:
    rgb = np.full((800, 1200, 3), 120, np.uint8)
    rgb[200:600, 300:900] = 20      # bezel
    rgb[220:560, 320:880] = 230     # lit panel
    return draw_display(rgb, 320, 220, 880, 560) if display else rgb


def test_screen_without_text_only_under_strict():
    rgb = _panel_in_bezel(display=True)
    assert ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), Settings()) == []
    strict = ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), Settings(preset=Preset.STRICT))
    assert strict and strict[0].kind is Kind.SCREEN
    assert fraction_inside((330, 230, 540, 320), strict) > 0.95


def test_under_strict_a_blank_panel_is_not_a_screen():
    """Without print, a panel counts under Strict only when it shows something (coloured
    traces, dense edges): the walls, drawers, doors and sheets Strict took for screens in ICU
    frames showed neither, and a blank panel holds nothing to hide."""
    strict = Settings(preset=Preset.STRICT)
    blank = _panel_in_bezel(display=False)
    outline = [q for q in find_outlines(blank).quads if q.screen_like]
    assert outline  # the outline is found: the content rule drops it
    assert not shows_content(blank, outline[0].polygon, RULE_FINDERS.screens)
    assert ScreenDetector().detect(ImageAnalysis(blank, config=RULE_FINDERS), strict) == []
    shown = _panel_in_bezel(display=True)
    assert shows_content(shown, outline[0].polygon, RULE_FINDERS.screens)
    # Grey print-like texture (a page of small print on the panel) counts by its edges alone.
    printed = blank.copy()
    for y in range(240, 540, 14):
        for x in range(340, 860, 48):
            printed[y:y + 5, x:x + 36] = 60
    assert shows_content(printed, outline[0].polygon, RULE_FINDERS.screens)


def test_under_strict_a_panel_without_text_counts_only_seen_near_square_on():
    """With no print to go by, a text-less panel is taken for a screen by its shape alone:
    outlines are found with corners of 30..150 degrees (a page on a bed seen from beside
    it), but a bare panel counts under Strict only within 60..120 (walls, drawers and sheets
    in ICU frames were as often slanted, the monitors mostly square-on)."""
    def panel_photo(shear: int) -> np.ndarray:
        # A wall with some grain: a flat one would be taken for a video frame's letterbox bars.
        rgb = np.random.default_rng(3).integers(105, 135, (800, 1400, 3)).astype(np.uint8)
        bezel = np.array([[300, 200], [860, 200], [860 + shear, 600], [300 + shear, 600]], np.int32)
        cv2.fillConvexPoly(rgb, bezel, (20, 20, 20))
        inner = np.array([[330, 225], [830, 225], [830 + shear, 575], [330 + shear, 575]], np.int32)
        cv2.fillConvexPoly(rgb, inner, (230, 230, 230))
        return draw_display(rgb, 330 + shear, 240, 830, 560)  # within the panel at every shear

    strict = Settings(preset=Preset.STRICT)
    near = panel_photo(shear=150)     # corners of 69 and 111 degrees
    assert ScreenDetector().detect(ImageAnalysis(near, config=RULE_FINDERS), strict)
    for shear in (300, 400):          # 53 and 127 degrees; 45 and 135 degrees
        slanted = panel_photo(shear)
        outlines = [q for q in find_outlines(slanted).quads if q.screen_like]
        assert outlines and all(0.5 < q.corner_cos <= 0.87 for q in outlines)   # found ...
        assert ScreenDetector().detect(ImageAnalysis(slanted, config=RULE_FINDERS), strict) == []   # ... not proposed


def _laptop_cut_by_the_left_edge(rows: list[str]) -> np.ndarray:
    """A laptop at the left edge of the photo: its panel runs off the picture, so its
    outline is closed by the picture's border; `rows` of print on its panel."""
    img = Image.new("RGB", (1200, 800), (150, 150, 150))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 250, 419, 649), fill=(200, 200, 200))    # light bezel, cut by the left edge
    draw.rectangle((0, 275, 394, 599), fill=(90, 90, 90))       # its panel
    for k, row in enumerate(rows):
        draw.text((20, 300 + 45 * k), row, fill=(245, 245, 245), font=font(22))
    return np.asarray(img)


def test_a_panel_cut_by_the_picture_edge_is_a_screen_only_with_print_on_it():
    """Without text, a panel is a screen under Strict by its bezel all round; one closed by
    the picture's border has none on that side (walls, doors, curtains and drip bags running
    out of ICU frames looked like such panels), so it is not proposed. With print on it, it
    is a screen under either preset."""
    rules = ScreenDetector()
    bare = _laptop_cut_by_the_left_edge([])
    outline = [q for q in find_outlines(bare).quads if q.screen_like]
    assert outline and outline[0].edges_touched == 1   # the outline is found: the rule drops it
    assert rules.detect(ImageAnalysis(bare, config=RULE_FINDERS), Settings(preset=Preset.STRICT)) == []
    printed = _laptop_cut_by_the_left_edge(["Bed 4  HR 85  SpO2 92", "BP 153/71  RR 18",
                                            "Temp 37.9  NIBP 12:40", "Alarm limits 50-120"])
    for settings in (Settings(), Settings(preset=Preset.STRICT)):
        screens = rules.detect(ImageAnalysis(printed, config=RULE_FINDERS), settings)
        assert fraction_inside((0, 285, 380, 300), screens) > 0.95


def test_an_angled_monitor_crossed_by_faint_lines_is_one_screen():
    """Faint lines (a window frame, a cable, a reflection) cross an angled monitor. Their
    edges cut its panel into pieces and tie its bezel to the wall at the weaker edge levels;
    the strong bezel-to-panel edge must still give the whole panel as one outline."""
    rgb = np.full((800, 1200, 3), 150, np.uint8)
    cv2.fillConvexPoly(rgb, np.array([[420, 180], [860, 240], [840, 640], [400, 600]], np.int32), (75, 75, 75))
    panel = np.array([[440, 205], [835, 258], [818, 615], [422, 580]], np.int32)
    cv2.fillConvexPoly(rgb, panel, (165, 175, 195))
    for a, b in (((640, 0), (600, 799)), ((0, 430), (1199, 380)), ((0, 100), (1199, 700))):
        cv2.line(rgb, a, b, (110, 110, 110), 3)
    whole = [q for q in find_outlines(rgb).quads if q.screen_like
             and all(cv2.pointPolygonTest(np.asarray(q.polygon, np.float32), (float(x), float(y)), True) >= -6
                     for x, y in panel)]
    assert whole, "the panel was found only in pieces"


def test_a_dark_mode_monitor_is_hidden_whole():
    """A dark-mode monitor (bezel and panel both dark, light text) in a busy, light room,
    with its cable running down to a dark floor: no bezel edge sets its panel apart and the
    cable joins it to the floor, yet the dark body is one screen."""
    rng = np.random.default_rng(7)
    field = rng.integers(90, 250, (25, 40, 1)).astype(np.uint8).repeat(3, axis=2)
    rgb = cv2.resize(field, (1600, 1000), interpolation=cv2.INTER_NEAREST)
    cv2.fillConvexPoly(rgb, np.array([[420, 180], [1180, 230], [1160, 720], [400, 690]], np.int32), (22, 24, 30))
    for k, row in enumerate(("RIVERA, Willie  MRN 88120455", "HR 101  BP 153/50  SpO2 97", "Unit Census",
                             "04:10  Alvarez, Rosa  4B-12", "04:20  Chen, Mei  4B-14", "04:35  Osei, Kofi  4B-15")):
        cv2.putText(rgb, row, (460, 270 + 70 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (200, 210, 220), 2)
    cv2.line(rgb, (780, 700), (700, 999), (25, 25, 25), 14)
    cv2.rectangle(rgb, (0, 900), (1600, 999), (30, 30, 30), -1)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 1.5)
    screens = ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), Settings())
    assert fraction_inside((430, 240, 720, 440), screens) > 0.95
    assert all(r.box[2] * r.box[3] < 0.3 * 1600 * 1000 for r in screens)   # not the room


@pytest.mark.parametrize("preset", [Preset.STANDARD, Preset.STRICT])
def test_blank_picture_gives_nothing(preset):
    rgb = np.full((600, 800, 3), 200, np.uint8)
    assert run_detectors(rgb, Settings(faces=False, preset=preset)) == []


def test_a_sheet_is_hidden_whole_with_its_letterhead():
    """A small table of results on a large sheet: the letterhead and footer far from the
    table are hidden with it, because the sheet itself (a pale area around the print) is."""
    from PIL import Image, ImageDraw
    from phi_fixtures import font
    img = Image.new("RGB", (2400, 1800), (70, 90, 110))
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(5)
    for x in range(0, 2400, 40):                      # a busy background: no outline around the sheet
        for y in range(0, 1800, 40):
            v = int(rng.integers(40, 190))
            draw.rectangle((x, y, x + 39, y + 39), fill=(v, v + 10, v + 20))
    sheet = (500, 150, 1500, 1650)
    draw.rectangle(sheet, fill=(246, 244, 236))
    draw.text((560, 200), "Northfield Medical Institute", fill=(20, 20, 20), font=font(26))
    for k in range(8):
        draw.text((620, 520 + 40 * k), f"Test {k}   Done   15/09/2023", fill=(20, 20, 20), font=font(20))
    draw.text((560, 1560), "Northfield Medical Institute   (402) 738-3913", fill=(20, 20, 20), font=font(18))
    rgb = np.asarray(img)
    regions = PhiTextDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), Settings())
    docs = [r for r in regions if r.kind is Kind.DOCUMENT]
    assert docs
    letterhead, footer = (560, 200, 400, 30), (560, 1560, 500, 24)
    assert fraction_inside(letterhead, docs) > 0.98
    assert fraction_inside(footer, docs) > 0.98
    x0, y0, x1, y1 = sheet
    assert all(r.box[2] * r.box[3] < 1.3 * (x1 - x0) * (y1 - y0) for r in docs)  # not the curtain


def test_the_sheet_around_a_sparse_table_is_found():
    """A table block that is mostly blank paper (short entries in wide columns, thin print,
    slightly blurred): its print is well under a tenth of the block, and the sheet search
    must still tell print from paper and return the whole sheet."""
    from sanitizer.detectors.pale_areas import pale_area_around
    from sanitizer.detectors.config import PhiTextConfig
    cfg = PhiTextConfig()
    rgb = np.full((2400, 1800, 3), 45, np.uint8)
    rgb[300:2100, 250:1550] = 244                                   # the sheet
    block = (400, 900, 950, 620)
    for k in range(9):                                              # three short entries a row
        for x in (400, 800, 1200):
            cv2.putText(rgb, "01/11", (x, 930 + 70 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 1)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 1.0)
    x, y, w, h = block
    ink = float((rgb[y:y + h, x:x + w].min(axis=2) < 150).mean())
    assert ink < 0.05
    pad = cfg.group_margin * 25  # margin of a block of 25 px lines
    sheet = pale_area_around(rgb, block, reach=cfg.sheet_reach * max(w, h), close=cfg.sheet_close * pad,
                             max_growth=cfg.sheet_max_growth, ink_percentile=cfg.sheet_ink_percentile)
    assert sheet is not None
    sx, sy, sw, sh = sheet
    assert sx <= 270 and sy <= 320 and sx + sw >= 1530 and sy + sh >= 2080


def test_small_print_merged_on_the_overview_is_looked_at_closer():
    """A label with 11 px, slightly blurred print, held at an angle, on a large photo: its
    lines merge into one blob on the overview, which neither reads nor groups; the closer
    look separates the lines, so the label's print is hidden."""
    from PIL import Image, ImageDraw, ImageFilter
    from phi_fixtures import font
    from sanitizer.detectors.config import TextLineConfig
    from sanitizer.detectors.text_lines import _look_closer
    from sanitizer.ocr import get_engine
    label = Image.new("RGB", (165, 77), (250, 250, 247))
    draw = ImageDraw.Draw(label)
    for k, line in enumerate(["ARNOLD, SAMANTHA", "MRN: 1878779633", "DOB: 07/25/1972", "FIN# 388402353"]):
        draw.text((8, 4 + 16 * k), line, fill=(15, 15, 15), font=font(11))
    label = label.rotate(28, expand=True, fillcolor=(150, 110, 90))
    photo = Image.new("RGB", (1540, 2050), (150, 110, 90))
    photo.paste(label, (1000, 560))
    rgb = np.asarray(photo.filter(ImageFilter.GaussianBlur(1.2)))
    engine, scale = get_engine("rapidocr"), TextLineConfig().overview_side / 2050
    overview = engine.detect(rgb, scale)
    closer = _look_closer(rgb, overview, scale, engine)
    assert len(closer) >= len(overview) + 2          # the blob became separate lines
    print_area = (1000 + 30, 560 + 40, 150, 80)
    assert fraction_inside(print_area, PhiTextDetector().detect(ImageAnalysis(rgb), Settings())) > 0.9


def test_standard_hides_a_labelled_name_whose_surname_is_a_common_word():
    """'Smith' alone is a common word; after 'Patient:' it is a name (it was kept visible)."""
    rgb = text_image(["Patient: John Smith", "MRN 12345678"], size=(760, 230), height=40)
    regions = PhiTextDetector().detect(ImageAnalysis(rgb), Settings())
    assert sorted(r.reason for r in regions) == ["MRN pattern", "name"]
    name = next(r for r in regions if r.reason == "name")
    assert name.box[1] < 60 and name.box[0] + name.box[2] > 400  # the whole first line
