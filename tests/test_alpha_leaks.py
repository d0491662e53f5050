"""Text hidden in the alpha channel: found, and gone from every channel of the output.

Each picture below hides "Patient: John Smith / MRN 12345678" in a way a viewer or an
attacker can read: only over a dark page, only over a light one, or one alpha level off
its background (a threshold of the alpha gives it back). The cleaned file is read back and
OCR'd over white, over black, and as its thresholded alpha: none of the words may remain.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from phi_fixtures import text_image
from sanitizer.cli import main
from sanitizer.ocr import get_engine, read
from sanitizer.transparency import clear_invisible_colour, detection_views

LINES = ["Patient: John Smith", "MRN 12345678"]
WORDS = ("John", "Smith", "12345678")
STRICT_FILL = ["--preset", "strict", "--style", "fill", "--text-style", "fill", "--no-faces"]


def _letters() -> np.ndarray:
    """True where the two lines' letters are."""
    grey = text_image(LINES, size=(760, 230), height=44, origin=(40, 40), background=(255, 255, 255))
    return grey[..., 0] < 128


def _alpha_letters_on_white() -> np.ndarray:
    """White colour everywhere; the letters are holes in the alpha (readable over black)."""
    letters = _letters()
    rgba = np.full(letters.shape + (4,), 255, np.uint8)
    rgba[letters, 3] = 0
    return rgba


def _alpha_only_on_black() -> np.ndarray:
    """Black colour everywhere; the letters exist only in the alpha (readable over white)."""
    letters = _letters()
    rgba = np.zeros(letters.shape + (4,), np.uint8)
    rgba[..., 3] = 255
    rgba[letters, 3] = 0
    return rgba


def _visible_and_one_level_off() -> np.ndarray:
    """Visible black-on-white text whose letters are also at alpha 254 on 255."""
    letters = _letters()
    rgba = np.full(letters.shape + (4,), 255, np.uint8)
    rgba[letters, :3] = 0
    rgba[letters, 3] = 254
    return rgba


CASES = {
    "alpha_letters_on_white": _alpha_letters_on_white,
    "alpha_only_on_black": _alpha_only_on_black,
    "visible_and_one_level_off": _visible_and_one_level_off,
}


def _readable_words(rgb: np.ndarray) -> set[str]:
    text = " ".join(line.text for line in read(get_engine("rapidocr"), rgb)).replace(" ", "").lower()
    return {w for w in WORDS if w.lower() in text}


def _ways_to_read(rgba: np.ndarray) -> dict[str, np.ndarray]:
    rgb = rgba[..., :3].astype(np.uint16)
    a = rgba[..., 3:].astype(np.uint16)
    over_white = ((rgb * a + 255 * (255 - a)) // 255).astype(np.uint8)
    over_black = ((rgb * a) // 255).astype(np.uint8)
    # Any alpha below the most common value shows as black: a one-level difference is enough.
    alpha = rgba[..., 3]
    common = np.bincount(alpha.ravel()).argmax()
    thresholded = np.where(alpha < common, 0, 255).astype(np.uint8)
    return {"over white": over_white, "over black": over_black,
            "thresholded alpha": np.repeat(thresholded[..., None], 3, axis=2),
            "colour channels": np.ascontiguousarray(rgba[..., :3])}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_hidden_text_is_readable_before_cleaning(case):
    """The fixture really leaks: some way of looking at the original reads the words."""
    readable = set().union(*(_readable_words(v) for v in _ways_to_read(CASES[case]()).values()))
    assert {"smith", "12345678"} <= {w.lower() for w in readable}


@pytest.mark.parametrize("fmt", ["png", "webp"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_text_in_any_channel_is_gone_from_the_output(tmp_path, case, fmt):
    src = tmp_path / "in" / f"label.{fmt}"
    src.parent.mkdir()
    Image.fromarray(CASES[case](), "RGBA").save(src, lossless=True) if fmt == "webp" else \
        Image.fromarray(CASES[case](), "RGBA").save(src)
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), "-q", *STRICT_FILL]) == 0
    (cleaned,) = out.glob(f"*_clean.{fmt}")
    with Image.open(cleaned) as im:
        rgba = np.asarray(im.convert("RGBA"))
    for way, picture in _ways_to_read(rgba).items():
        assert _readable_words(picture) == set(), f"{case}: words readable {way}"


def test_detectors_see_every_view_of_a_transparent_picture():
    rgba = _alpha_letters_on_white()
    views = detection_views(rgba)
    # stored colour (all white) and over black (white with black letters); over white (all
    # white) and the alpha (the same letters) are duplicates, left out
    assert len(views) == 2
    assert all(v.shape == rgba.shape[:2] + (3,) and not v.flags.writeable for v in views)
    assert any(_readable_words(v) for v in views)


def test_one_level_off_alpha_is_stretched_to_full_contrast():
    letters = _letters()
    rgba = np.full(letters.shape + (4,), 255, np.uint8)
    rgba[letters, 3] = 254  # white everywhere: only the alpha, one level off, holds the letters
    alpha_view = detection_views(rgba)[-1]
    assert alpha_view[letters].max() == 0 and alpha_view[~letters].min() == 255


def test_colour_under_full_transparency_is_cleared():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[:2, :, 3] = 255
    clear_invisible_colour(rgba)
    assert (rgba[:2, :, :3] == 200).all() and (rgba[2:, :, :3] == 0).all()


def test_overlapping_regions_of_one_view_are_all_kept_and_views_repeat_nothing(monkeypatch):
    """Merging is only across views: two overlapping boxes a detector returns for one picture
    both stay (each may cover something the other does not); the same box seen again in
    another view of a transparent picture is kept once."""
    import sanitizer.pipeline as pipeline
    from sanitizer.regions import Kind, Region
    from sanitizer.settings import Settings

    def two_overlapping(rgb, settings):
        return [Region(Kind.TEXT, (10, 10, 100, 20)), Region(Kind.TEXT, (12, 10, 100, 20))]

    monkeypatch.setattr(pipeline, "run_detectors", two_overlapping)
    opaque = np.full((60, 200, 3), 255, np.uint8)
    assert len(pipeline.detect_in_pixels(opaque, Settings())) == 2
    transparent = _alpha_letters_on_white()  # two distinct views
    assert len(pipeline.detect_in_pixels(transparent, Settings())) == 2
