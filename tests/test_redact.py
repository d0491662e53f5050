import numpy as np
import pytest

from sanitizer.redact import MIN_BLOCKS, apply_redactions, pixel_blocks, region_mask
from sanitizer.regions import Decision, Kind, Region, Shape
from sanitizer.settings import Preset, Settings, Style


def textured(h=200, w=300, seed=0):
    """A photo-like test image: smooth gradients plus fine detail."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) * 127 / (w + h)], -1)
    detail = rng.integers(0, 90, (h, w, 1))
    return np.clip(base + detail, 0, 255).astype(np.uint8)


def laplacian_var(a):
    import cv2
    g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(g, cv2.CV_32F)[1:-1, 1:-1].var())


def laplacian_corr(a, b):
    import cv2
    la = cv2.Laplacian(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)[1:-1, 1:-1]
    lb = cv2.Laplacian(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)[1:-1, 1:-1]
    return float(np.corrcoef(la.ravel(), lb.ravel())[0, 1])


@pytest.mark.parametrize("style", [Style.BLUR, Style.PIXELATE])
def test_blur_and_pixelate_destroy_detail(style):
    img = textured()
    region = Region(Kind.TEXT, (40, 30, 120, 90))
    settings = Settings(text_style=style)
    out = apply_redactions(img, [region], settings, seed=1)
    before, after = img[30:120, 40:160], out[30:120, 40:160]
    # The original's fine detail is gone: what remains of the Laplacian is the added noise,
    # which is uncorrelated with the original detail.
    assert abs(laplacian_corr(before, after)) < 0.1
    # Coarse structure is gone too: a 4x downscale of the result does not track the original.
    import cv2
    small_b = cv2.resize(before, (30, 22), interpolation=cv2.INTER_AREA).astype(float)
    small_a = cv2.resize(after, (30, 22), interpolation=cv2.INTER_AREA).astype(float)
    resid_b = small_b - cv2.blur(small_b, (9, 9))
    resid_a = small_a - cv2.blur(small_a, (9, 9))
    assert abs(np.corrcoef(resid_b.ravel(), resid_a.ravel())[0, 1]) < 0.3
    # Outside the region nothing changed.
    mask = np.ones(img.shape[:2], bool)
    mask[30:120, 40:160] = False
    assert np.array_equal(img[mask], out[mask])


def test_a_large_blurred_region_has_no_pixel_grain():
    """The noise is added where the region is blurred (at the small work size), so a large
    region comes out smooth: per-pixel grain is what a video encoder cannot compress (it
    doubled the size of redacted videos)."""
    rng = np.random.default_rng(4)
    img = rng.integers(0, 256, (400, 600, 3), dtype=np.uint8)
    out = apply_redactions(img, [Region(Kind.TEXT, (50, 40, 480, 320))], Settings(text_style=Style.BLUR), seed=2)
    patch = out[40:360, 50:530].astype(np.int16)
    assert float(np.abs(np.diff(patch, axis=1)).mean()) < 1.5
    assert patch.std() > 0  # blurred and noised, not filled


def test_fill_is_solid():
    img = textured()
    out = apply_redactions(img, [Region(Kind.BARCODE, (10, 10, 50, 40))], Settings(), seed=0)
    patch = out[10:50, 10:60]
    assert patch.std() == 0


def test_strict_fills_faces_standard_blurs_them():
    img = textured()
    face = Region(Kind.FACE, (50, 50, 80, 80), shape=Shape.ELLIPSE)
    strict = apply_redactions(img, [face], Settings(preset=Preset.STRICT), seed=0)
    standard = apply_redactions(img, [face], Settings(preset=Preset.STANDARD), seed=0)
    centre = (slice(80, 100), slice(80, 100))
    assert strict[centre].std() == 0
    assert standard[centre].std() > 0  # blurred + noise, not filled


def test_ellipse_leaves_corners_and_covers_centre():
    img = textured()
    face = Region(Kind.FACE, (50, 50, 100, 100), shape=Shape.ELLIPSE)
    out = apply_redactions(img, [face], Settings(preset=Preset.STRICT))
    assert np.array_equal(out[51, 51], img[51, 51])        # corner of the box, outside the ellipse
    assert (out[100, 100] == 0).all()                      # centre filled


def test_polygon_mask():
    poly = ((10, 10), (60, 10), (10, 60))
    r = Region(Kind.MANUAL, (10, 10, 50, 50), shape=Shape.POLYGON, polygon=poly)
    mask, box = region_mask(r, 100, 100)
    assert box == (10, 10, 60, 60)
    assert mask[2, 2] and not mask[45, 45]


def test_kept_regions_are_not_rendered():
    img = textured()
    r = Region(Kind.FACE, (10, 10, 50, 50))
    r.set_decision(Decision.KEEP)
    out = apply_redactions(img, [r], Settings())
    assert np.array_equal(out, img)


def test_region_outside_image_is_ignored_and_border_region_clipped():
    img = textured(100, 100)
    out = apply_redactions(img, [Region(Kind.TEXT, (200, 200, 10, 10)),
                                 Region(Kind.TEXT, (-20, -20, 40, 40))], Settings())
    assert (out[:20, :20] == 0).all()
    assert np.array_equal(out[30:, 30:], img[30:, 30:])


def test_pixel_blocks_are_at_least_an_eighth_of_the_region():
    patch = textured(90, 120)
    blocks = pixel_blocks(patch)
    # At most 8 distinct block rows and columns: each block is >= 1/8 of the region.
    distinct_cols = {tuple(map(tuple, blocks[:, x])) for x in range(blocks.shape[1])}
    distinct_rows = {tuple(map(tuple, blocks[y])) for y in range(blocks.shape[0])}
    assert len(distinct_cols) <= MIN_BLOCKS and len(distinct_rows) <= MIN_BLOCKS
    assert len(distinct_cols) > 1


def test_alpha_is_flattened_inside_a_region_and_kept_outside():
    """Letters in the alpha channel must not survive a redaction: the region becomes opaque."""
    alpha = np.full((200, 300), 128, np.uint8)
    alpha[10:20, 10:40] = 127  # a mark one level off, as text hidden in alpha would be
    img = np.dstack([textured(), alpha])
    out = apply_redactions(img, [Region(Kind.TEXT, (0, 0, 50, 50))], Settings())
    assert (out[:50, :50, 3] == 255).all()
    assert (out[:50, :50, :3] == 0).all()
    assert (out[60:, 60:, 3] == 128).all() and (out[60:, 60:, :3] == img[60:, 60:, :3]).all()


def test_video_planes_are_redacted_in_place_without_rgb():
    """yuv420p frames are redacted plane by plane: the region loses its detail in Y, U and V
    (blur) or becomes black (fill), and nothing outside the region changes."""
    from sanitizer.redact import redact_yuv420
    from sanitizer.video.clean import yuv420_planes
    rng = np.random.default_rng(3)
    width, height = 320, 240
    yuv = rng.integers(16, 236, (height * 3 // 2, width), dtype=np.uint8)
    before = yuv.copy()
    region = Region(Kind.FACE, (100, 60, 80, 100))
    redact_yuv420(yuv420_planes(yuv, width, height), [region], Settings())
    luma, cb, cr = yuv420_planes(yuv, width, height)
    old_luma, old_cb, old_cr = yuv420_planes(before, width, height)
    for new, old, (x0, y0, x1, y1) in ((luma, old_luma, (100, 60, 180, 160)),
                                       (cb, old_cb, (50, 30, 90, 80)), (cr, old_cr, (50, 30, 90, 80))):
        inside_new, inside_old = new[y0:y1, x0:x1].astype(float), old[y0:y1, x0:x1].astype(float)
        assert np.corrcoef(inside_new.ravel(), inside_old.ravel())[0, 1] < 0.2   # detail gone
        outside = np.ones(new.shape, bool)
        outside[y0:y1, x0:x1] = False
        assert np.array_equal(new[outside], old[outside])
    filled = before.copy()
    redact_yuv420(yuv420_planes(filled, width, height), [Region(Kind.TEXT, (100, 60, 80, 100))],
                  Settings(text_style=Style.FILL))
    luma, cb, cr = yuv420_planes(filled, width, height)
    assert (luma[60:160, 100:180] == 16).all()                 # black in limited-range YUV
    assert (cb[30:80, 50:90] == 128).all() and (cr[30:80, 50:90] == 128).all()
