"""Codes: a generated wristband label with a Code128 and a QR code is found and redacted;
the codes' content never reaches a reason or a log."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from phi_fixtures import code_image, fraction_inside, motion_blur, text_image, wristband_photo
from sanitizer.detectors import ImageAnalysis
from sanitizer.detectors.barcodes import BarcodeDetector
from sanitizer.detectors.codes import bar_texture, decode_codes
from sanitizer.detectors.phi_text import PhiTextDetector
from sanitizer.regions import Kind
from sanitizer.settings import Settings

zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture(scope="module")
def label_photo():
    return wristband_photo(with_qr=True)


def test_generated_codes_decode_with_their_format():
    import cv2
    for fmt, reason in (("Code128", "Code128 barcode"), ("QRCode", "QR code")):
        img = np.asarray(code_image("466070960", fmt, 4))
        canvas = np.full((img.shape[0] + 80, img.shape[1] + 80, 3), 255, np.uint8)
        canvas[40:40 + img.shape[0], 40:40 + img.shape[1]] = img
        hits = decode_codes(cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY))
        assert [h.reason for h in hits] == [reason]
        assert all(h.decoded for h in hits)


def test_wristband_codes_are_found_with_short_reasons(label_photo, caplog):
    caplog.set_level(logging.DEBUG)
    rgb, label_box = label_photo
    regions = BarcodeDetector().detect(ImageAnalysis(rgb), Settings())
    reasons = sorted(r.reason for r in regions if r.kind is Kind.BARCODE)
    assert "Code128 barcode" in reasons and "QR code" in reasons
    x, y, w, h = label_box
    for r in regions:
        rx, ry, rw, rh = r.box
        assert x - 20 <= rx and rx + rw <= x + w + 20 and y - 20 <= ry and ry + rh <= y + h + 20
    for r in regions:
        assert "466070960" not in r.reason
    assert "466070960" not in caplog.text


def test_the_whole_label_becomes_a_wristband_region(label_photo, caplog):
    caplog.set_level(logging.DEBUG)
    rgb, label_box = label_photo
    settings = Settings()
    regions = PhiTextDetector().detect(ImageAnalysis(rgb), settings)
    bands = [r for r in regions if r.kind is Kind.WRISTBAND]
    assert bands and all(r.reason == "wristband" for r in bands)
    assert fraction_inside(label_box, bands) > 0.9
    # The arm around the label is not hidden wholesale.
    bx, by, bw, bh = max(bands, key=lambda r: r.box[2] * r.box[3]).box
    assert bw * bh < 2.0 * label_box[2] * label_box[3]
    for text in ("466070960", "MORENO", "PATRICIA", "03/15/1946"):
        assert text not in caplog.text
        assert all(text not in r.reason for r in regions)


def test_redacted_label_no_longer_decodes(label_photo):
    from sanitizer.detectors import run_detectors
    from sanitizer.redact import apply_redactions
    import cv2
    rgb, _ = label_photo
    settings = Settings(faces=False)
    regions = run_detectors(rgb, settings)
    out = apply_redactions(rgb, regions, settings, seed=0)
    assert decode_codes(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    assert decode_codes(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)) == []


def test_blurred_code_found_by_bar_texture_only():
    import cv2
    code = np.asarray(code_image("466070960", "Code128", 2).resize((300, 70)))
    canvas = np.full((400, 700, 3), 240, np.uint8)
    canvas[150:220, 200:500] = code
    blurred = cv2.GaussianBlur(canvas, (0, 0), 1.2)
    gray = cv2.cvtColor(blurred, cv2.COLOR_RGB2GRAY)
    hits = bar_texture(gray)
    assert any(200 - 30 <= h.box[0] <= 260 and 150 - 30 <= h.box[1] <= 190 for h in hits)
    assert all(h.reason == "barcode" and not h.decoded for h in hits)


@pytest.mark.parametrize("blur", [7, 9])
def test_tilted_motion_blurred_code_is_found_whole(blur):
    """A code with wide bars, tilted and smeared across its bars (a moving arm): its wide
    bars and spaces hold no gradient and its thin ones lose contrast, yet it is one code."""
    import cv2
    code = np.asarray(code_image("466070960", "Code128", 4).resize((387, 90)))
    canvas = np.full((500, 800, 3), 235, np.uint8)
    canvas[200:290, 150:537] = code
    turn = cv2.getRotationMatrix2D((400, 250), 16, 1.0)
    canvas = motion_blur(cv2.warpAffine(canvas, turn, (800, 500), borderValue=(235, 235, 235)), blur, 16)
    gray = cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY)
    assert decode_codes(gray) == []
    corners = cv2.transform(np.float32([[[150, 200], [537, 200], [537, 290], [150, 290]]]), turn)[0]
    (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
    hits = bar_texture(gray)
    assert any(h.box[0] <= x0 + 0.1 * (x1 - x0) and h.box[0] + h.box[2] >= x1 - 0.1 * (x1 - x0)
               and h.box[1] <= y0 + 0.2 * (y1 - y0) and h.box[1] + h.box[3] >= y1 - 0.2 * (y1 - y0)
               for h in hits), [h.box for h in hits]


def test_a_small_code_beside_an_edge_that_runs_with_its_bars_is_found():
    """A small code at the end of a label, with a dark sleeve's edge 18 px past it: the edge
    runs the way the bars do, and closing the oriented cells joins the two into one ragged
    patch. The code is still found on its own, and the sleeve is not taken for part of it."""
    import cv2
    canvas = np.full((400, 700, 3), 200, np.uint8)
    canvas[150:250, 80:600] = 248                               # the label
    canvas[60:360, 600:700] = 45                                # the sleeve
    code = (600 - 18 - 110, 185, 110, 32)                       # its right end 18 px from the sleeve
    x, y, w, h = code
    canvas[y:y + h, x:x + w] = np.asarray(code_image("466070960", "Code128", 1).resize((w, h)))
    gray = cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY)
    assert decode_codes(gray) == []
    hits = bar_texture(gray)
    assert any(hit.box[0] <= x + 0.15 * w and hit.box[0] + hit.box[2] >= x + 0.85 * w
               and hit.box[0] + hit.box[2] <= 600 for hit in hits), [hit.box for hit in hits]


def test_print_smeared_along_its_strokes_is_not_a_barcode():
    """Print blurred along its strokes looks like bars; within a band of one orientation its
    strokes close into a long bar-like patch, which is still print."""
    import cv2
    lines = ["Line 4: vitals stable, plan unchanged, review at 12:00", "heart of the hospital"]
    rgb = text_image(lines, size=(1400, 300), height=40, origin=(60, 60))
    for blur in (1, 5):
        smeared = motion_blur(rgb, blur, 90)
        assert bar_texture(cv2.cvtColor(smeared, cv2.COLOR_RGB2GRAY)) == []


def test_stripes_are_not_a_barcode():
    import cv2
    canvas = np.full((400, 700), 200, np.uint8)
    for x in range(100, 600, 20):          # evenly spaced stripes (a shirt, a railing)
        canvas[100:300, x:x + 10] = 30
    assert bar_texture(cv2.GaussianBlur(canvas, (3, 3), 0)) == []


def test_scan_is_kept_on_its_analysis_only(label_photo):
    rgb, _ = label_photo
    with ImageAnalysis(rgb) as analysis:
        analysis.start_code_scan()
        assert analysis.code_scan is analysis.code_scan
        with ImageAnalysis(rgb) as again:   # the same pixels, a new analysis: scanned anew
            assert again.code_scan is not analysis.code_scan
            assert again.code_scan == analysis.code_scan


def test_white_label_without_a_code_is_found_by_its_print():
    from sanitizer.detectors.labels import confirmed_labels, label_candidates
    from sanitizer.ocr import get_engine
    from PIL import Image
    arm, label_box = wristband_photo(with_qr=False, with_code128=False, print_px=20)
    small = Image.fromarray(arm[:900, :1400]).resize((700, 450))   # the arm seen from further away
    photo = Image.new("RGB", (2400, 1600), (48, 44, 52))
    photo.paste(small, (900, 500))
    rgb = np.asarray(photo)
    label_box = tuple(v // 2 for v in label_box)
    label_box = (label_box[0] + 900, label_box[1] + 500, label_box[2], label_box[3])
    labels = confirmed_labels(rgb, get_engine("rapidocr"))
    assert len(labels) == 1
    assert fraction_inside(label_box, [_Box(labels[0])]) > 0.9
    wall = np.full((600, 900, 3), 240, np.uint8)       # white, no print
    wall[200:300, 300:500] = 250
    assert label_candidates(wall) == []


def test_a_label_covered_in_blurred_print_is_a_label_candidate():
    """Small print blurred across a small label covers about half of it: still a label."""
    import cv2
    from sanitizer.detectors.labels import confirmed_labels, label_candidates
    from sanitizer.ocr import get_engine
    label = np.full((130, 300, 3), 248, np.uint8)
    for k, text in enumerate(("MORENO, PAT", "MRN 4660709", "DOB 03/15/46", "FIN 88120", "ADM 01/11/23")):
        cv2.putText(label, text, (8, 24 + 25 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (15, 15, 15), 3)
    rgb = np.full((900, 1200, 3), (48, 44, 52), np.uint8)
    cv2.rectangle(rgb, (0, 330), (1200, 560), (196, 150, 120), -1)     # the arm
    rgb[380:510, 450:750] = label
    rgb = cv2.GaussianBlur(rgb, (0, 0), 2.5)
    assert float((rgb[380:510, 450:750].min(axis=2) < 198).mean()) > 0.4
    box = (450, 380, 300, 130)
    assert any(fraction_inside(box, [_Box(c)]) > 0.9 for c in label_candidates(rgb))
    assert any(fraction_inside(box, [_Box(c)]) > 0.9 for c in confirmed_labels(rgb, get_engine("rapidocr")))


class _Box:
    def __init__(self, box):
        self.box = box


def test_label_found_when_the_code_is_small_next_to_it():
    """A long wristband label with a small code at one end: the whole label, not just the
    area next to the code, and the paper is measured from the code's quiet zone."""
    from PIL import Image, ImageDraw
    from sanitizer.detectors.codes import label_around
    img = Image.new("RGB", (1400, 900), (185, 180, 175))      # a light grey gown behind
    draw = ImageDraw.Draw(img)
    draw.rectangle((300, 380, 1100, 520), fill=(252, 252, 250))
    code = code_image("466070960", "Code128", 1).resize((150, 40), Image.NEAREST)
    img.paste(code, (330, 420))
    rgb = np.asarray(img)
    box = label_around(rgb, (330.0, 420.0, 150.0, 40.0))
    assert box is not None
    x, y, w, h = box
    assert x <= 305 and x + w >= 1095 and y <= 385 and y + h >= 515
    assert w * h < 1.2 * 800 * 140


def test_the_code_scan_thread_ends_with_its_analysis(label_photo):
    """The code scan runs beside the face network on a thread the analysis owns: no pool
    outlives the picture."""
    import threading
    from sanitizer.detectors import run_detectors
    rgb, _ = label_photo
    regions = run_detectors(rgb, Settings().with_only("barcodes"))
    assert any(r.kind is Kind.BARCODE for r in regions)
    assert not [t for t in threading.enumerate() if t.name.startswith("code-scan")]


def test_stripes_seen_at_a_slant_are_not_a_barcode():
    """Mown turf or a railing seen at a slant: the stripes keep one width while perspective
    widens the gaps between them, so the widths vary as a whole, but the bars do not."""
    import cv2
    canvas = np.full((400, 900), 200, np.uint8)
    x, gap = 60.0, 4.0
    while x < 840:
        canvas[100:300, int(x):int(x) + 5] = 30
        x += 5 + gap
        gap *= 1.12
    gray = cv2.GaussianBlur(canvas, (3, 3), 0)
    assert bar_texture(gray) == []
    # The same bars and spaces drawn with a code's mix of widths are found.
    code = np.full((400, 900), 200, np.uint8)
    rng = np.random.default_rng(7)
    x = 60
    while x < 780:
        bar, space = (int(v) for v in rng.integers(1, 5, 2) * 3)
        code[100:300, x:x + bar] = 30
        x += bar + space
    assert len(bar_texture(cv2.GaussianBlur(code, (3, 3), 0))) == 1
