"""FaceDetector: real faces found (rotated, cut, small), nothing on blank or noise, and the
redaction over a found face keeps no detail. Model tests skip when the setup step has not
put models/centerface.onnx in place."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from sanitizer import errors, model_store
from sanitizer.detectors import faces
from sanitizer.detectors.analysis import ImageAnalysis
from sanitizer.detectors.base import build_detectors
from sanitizer.detectors.faces import FaceDetector, merge_boxes, plan_scales, tile_spans
from sanitizer.detectors import face_config
from sanitizer.regions import Kind, Shape, Tier, iou
from sanitizer.settings import Preset, Sensitivity, Settings

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (test dependency) is not installed")

# The astronaut's face in skimage.data.astronaut() (512x512), by eye: x0, y0, x1, y1.
FACE = (180, 55, 272, 180)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    try:
        model_store.model_path(faces.MODEL_NAME)
    except errors.ModelMissing as exc:
        pytest.skip(f"face model not installed ({exc}); run `make setup-models`")
    return FaceDetector()


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skimage_data.astronaut()


def _covers(region_box, face_box, share: float = 0.8) -> bool:
    """Whether the region's box covers at least `share` of the face box."""
    x, y, w, h = region_box
    fx0, fy0, fx1, fy1 = face_box
    iw = max(0.0, min(x + w, fx1) - max(x, fx0))
    ih = max(0.0, min(y + h, fy1) - max(y, fy0))
    return iw * ih >= share * (fx1 - fx0) * (fy1 - fy0)


def _face_regions(regions, face_box, share: float = 0.8):
    return [r for r in regions if _covers(r.box, face_box, share)]


# ---------------------------------------------------------------- real photos

def test_astronaut_face_found(detector, astronaut):
    regions = detector.detect(ImageAnalysis(astronaut), Settings())
    hits = _face_regions(regions, FACE)
    assert hits, "the astronaut's face was not found"
    hit = max(hits, key=lambda r: r.score)
    assert hit.kind is Kind.FACE and hit.shape is Shape.ELLIPSE and hit.reason == "face"
    assert 0.5 < hit.score <= 1.0
    # The box is the face grown by a margin, not the whole picture.
    assert hit.box[2] * hit.box[3] < 0.25 * astronaut.shape[0] * astronaut.shape[1]


def _load_display(path: Path) -> np.ndarray:
    from sanitizer.formats import load_image
    return load_image(path).pixels


def test_exif_rotated_photo_found_and_redacted_in_display_coordinates(detector, astronaut, tmp_path):
    piexif = pytest.importorskip("piexif")
    from PIL import Image
    from sanitizer.redact import apply_redactions

    # Orientation 6: the viewer turns the stored pixels 90 degrees clockwise, so store the
    # photo turned 90 degrees anticlockwise; the display must be the upright astronaut.
    stored = np.ascontiguousarray(np.rot90(astronaut, k=1))
    path = tmp_path / "rotated.jpg"
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})
    Image.fromarray(stored).save(path, quality=95, exif=exif)

    display = _load_display(path)
    assert display.shape[:2] == astronaut.shape[:2]
    assert np.abs(display[..., :3].astype(int) - astronaut).mean() < 6  # upright, not rotated

    settings = Settings()
    regions = detector.detect(ImageAnalysis(display[..., :3]), settings)
    hits = _face_regions(regions, FACE)
    assert hits, "the face was not found at its display position"

    out = apply_redactions(display, regions, settings)
    fx0, fy0, fx1, fy1 = FACE
    inner = (slice(fy0 + 15, fy1 - 15), slice(fx0 + 15, fx1 - 15))
    changed = np.abs(out[inner].astype(int) - display[inner].astype(int)).mean()
    assert changed > 10, "the face area was not redacted"
    # Nothing is found where the face lies in the stored pixels (as if the orientation were
    # ignored), and outside the regions nothing changed.
    stored_face = (fy0, astronaut.shape[1] - fx1, fy1 - fy0, fx1 - fx0)
    assert not any(iou(r.box, stored_face) > 0.3 for r in regions)
    outside = np.ones(display.shape[:2], bool)
    for r in regions:
        x, y, w, h = r.box
        outside[max(0, int(y) - 1):int(np.ceil(y + h)) + 1, max(0, int(x) - 1):int(np.ceil(x + w)) + 1] = False
    assert outside.mean() > 0.5 and np.array_equal(out[outside], display[..., :3][outside])


@pytest.mark.parametrize("cut", ["left", "right", "top"])
def test_face_cut_by_border_found(detector, astronaut, cut):
    fx0, fy0, fx1, fy1 = FACE
    mid_x, mid_y = (fx0 + fx1) // 2, (fy0 + fy1) // 2
    if cut == "left":   # keep the right half of the face, at the image's left edge
        img, visible = astronaut[:, mid_x:], (0, fy0, fx1 - mid_x, fy1)
    elif cut == "right":
        img, visible = astronaut[:, :mid_x], (fx0, fy0, mid_x, fy1)
    else:               # forehead and eyes cut away at the top edge
        img, visible = astronaut[mid_y - 20:], (fx0, 0, fx1, fy1 - (mid_y - 20))
    img = np.ascontiguousarray(img)
    regions = detector.detect(ImageAnalysis(img), Settings())
    assert _face_regions(regions, visible, share=0.7), f"half face at the {cut} edge was missed"
    # What gets redacted covers the visible part of the face right up to the edge.
    from sanitizer.redact import region_mask
    height, width = img.shape[:2]
    covered = np.zeros((height, width), bool)
    for region in regions:
        found = region_mask(region, width, height)
        if found is not None:
            mask, (x0, y0, x1, y1) = found
            covered[y0:y1, x0:x1] |= mask
    vx0, vy0, vx1, vy1 = visible
    # Along the cut edge (the by-eye box's top and bottom tenth, hair and chin line, lie
    # outside the fitted margin of the default level):
    inset = (vy1 - vy0) // 10 if cut != "top" else 0
    assert covered[vy0 + inset:vy1 - inset, vx0:vx1].mean() > 0.99  # a clipped ellipse gets 0.93-0.97


def test_small_face_found_by_upscaling(detector, astronaut):
    # Face about 14 px high in a 416 px photo: only the upscaled pass can see it.
    small = cv2.resize(astronaut, (58, 58), interpolation=cv2.INTER_AREA)
    canvas = np.full((416, 416, 3), 90, np.uint8)
    canvas[200:258, 150:208] = small
    scale = 58 / 512
    face = (150 + FACE[0] * scale, 200 + FACE[1] * scale, 150 + FACE[2] * scale, 200 + FACE[3] * scale)
    assert face[3] - face[1] < 16
    regions = detector.detect(ImageAnalysis(canvas), Settings())
    assert _face_regions(regions, face, share=0.7)


def test_face_filling_a_large_photo_found(detector, astronaut):
    # A close-up on a 12 MP-class photo: the face is ~1000 px high, found by a coarse pass.
    big = cv2.resize(astronaut, (4096, 4096), interpolation=cv2.INTER_LINEAR)[:3000]
    regions = detector.detect(ImageAnalysis(big), Settings())
    face = tuple(v * 8 for v in FACE)
    assert _face_regions(regions, face, share=0.7)


@pytest.mark.parametrize("kind", ["black", "grey", "white", "uniform_noise", "gaussian_noise"])
def test_blank_and_noise_give_no_face(detector, kind):
    rng = np.random.default_rng(7)
    shape = (720, 960, 3)
    img = {
        "black": lambda: np.zeros(shape, np.uint8),
        "grey": lambda: np.full(shape, 128, np.uint8),
        "white": lambda: np.full(shape, 255, np.uint8),
        "uniform_noise": lambda: rng.integers(0, 256, shape, dtype=np.uint8),
        "gaussian_noise": lambda: np.clip(rng.normal(128, 40, shape), 0, 255).astype(np.uint8),
    }[kind]()
    assert detector.detect(ImageAnalysis(img), Settings()) == []


def _laplacian(gray: np.ndarray) -> np.ndarray:
    return cv2.Laplacian(gray.astype(np.float64), cv2.CV_64F, ksize=1)[1:-1, 1:-1]


@pytest.mark.parametrize("preset", [Preset.STANDARD, Preset.STRICT])
def test_redacted_face_keeps_no_detail(detector, astronaut, preset):
    from sanitizer.redact import apply_redactions

    settings = Settings(preset=preset)
    regions = detector.detect(ImageAnalysis(astronaut), settings)
    out = apply_redactions(astronaut, regions, settings)
    # The face proper: the by-eye FACE box's outer tenth is hair and helmet rim, which the
    # ellipse (fitted to the face since the levels got their own margins) leaves in its corners.
    fx0, fy0, fx1, fy1 = FACE
    dx, dy = (fx1 - fx0) // 10, (fy1 - fy0) // 10
    fx0, fy0, fx1, fy1 = fx0 + dx, fy0 + dy, fx1 - dx, fy1 - dy
    before = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)[fy0:fy1, fx0:fx1]
    after = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[fy0:fy1, fx0:fx1]
    lap_before, lap_after = _laplacian(before), _laplacian(after)
    # Edges (eyes, mouth) are gone: what detail is left is the redaction's own noise, which
    # does not follow the face's structure (a JPEG re-encode of the face scores 0.88 here).
    corr = np.corrcoef(lap_before.ravel(), lap_after.ravel())[0, 1] if lap_after.std() > 0 else 0.0
    assert abs(corr) < 0.2
    # The coarse layout (where eyes and mouth were) is gone too: 8x8 block means of the
    # redacted face no longer follow the original's.
    blocks_before = cv2.resize(before, (8, 8), interpolation=cv2.INTER_AREA).astype(float).ravel()
    blocks_after = cv2.resize(after, (8, 8), interpolation=cv2.INTER_AREA).astype(float).ravel()
    if blocks_after.std() > 1:  # a fill has no layout at all
        # (a JPEG re-encode of the same face scores 0.99 here, the blur about 0.4)
        assert abs(np.corrcoef(blocks_before, blocks_after)[0, 1]) < 0.6


def test_sensitivity_levels_are_nested(detector):
    # A crowd of astronauts at falling sizes: a lower sensitivity never finds more.
    portrait = skimage_data.astronaut()
    canvas = np.full((600, 900, 3), 70, np.uint8)
    x = 0
    for size in (256, 128, 96, 64, 48, 32, 24):
        tile = cv2.resize(portrait, (size, size), interpolation=cv2.INTER_AREA)
        canvas[40:40 + size, x:x + size] = tile
        x += size + 4
    counts = [len(detector.detect(ImageAnalysis(canvas), Settings(sensitivity=s)))
              for s in (Sensitivity.LOW, Sensitivity.MEDIUM, Sensitivity.HIGH)]
    assert counts == sorted(counts) and counts[-1] >= 5


# ---------------------------------------------------------------- pure logic (no model)

@pytest.mark.parametrize("size", [(416, 416), (640, 480), (1920, 1080), (4000, 3000), (8660, 5774)])
@pytest.mark.parametrize("plan", ["upright", "turned", "diagonal"])
def test_scale_plan_spans_small_faces_to_whole_frame(size, plan):
    width, height = size
    tuning = faces.SCALE_PLAN
    planner = {"upright": plan_scales, "turned": faces.plan_turned_scales, "diagonal": faces.plan_diagonal_scales}[plan]
    scales = planner(width, height)
    assert scales == sorted(scales, reverse=True)
    assert scales[0] <= faces.MAX_UPSCALE
    # The coarsest pass sees the whole frame small enough for a frame-filling face.
    assert max(width, height) * scales[-1] <= faces.OVERVIEW_LONG_SIDE * 1.05 or scales[-1] == 1.0
    for finer, coarser in zip(scales, scales[1:]):
        assert finer / coarser <= faces.MAX_SCALE_RATIO + 1e-6
    if plan == "diagonal":
        # Its canvas is twice the photo's area: never finer than the turned passes, and within
        # its own budget (up to the snap of a scale within 5 % of 1 to 1).
        assert scales[0] <= faces.plan_turned_scales(width, height)[0] + 1e-9
        if width * height <= face_config.ROTATION.full_plan_max_mp * 1e6:
            assert scales[0] ** 2 * width * height <= face_config.ROTATION.diagonal_small_budget_mp * 1e6 * 1.11
    elif plan == "upright":
        # The detail pass stays within the budget's cap on the largest photos (a 12 MP photo's
        # once took 5.5 network megapixels and four coarser passes: over a second).
        assert scales[0] ** 2 * width * height <= tuning.budget_max_mp * 1e6 * 1.11
    if plan != "diagonal" and width * height <= 500_000:
        # Small photos are upscaled so the smallest wanted face reaches the network's minimum.
        assert scales[0] * tuning.min_face_px >= faces.MODEL_MIN_FACE - 1e-6


@pytest.mark.parametrize("size", [(4000, 3), (4000, 200), (200, 4000), (12000, 2000), (1920, 1080), (416, 416)])
def test_a_diagonal_canvas_stays_within_its_budget_whatever_the_shape(size):
    # The 45-degree canvas of a long strip is hundreds of times its area: a 3 x 4000 strip's
    # diagonal passes once ran on 5662 x 5662 canvases (19 s).
    width, height = size
    plan = face_config.ROTATION
    finest = faces.plan_diagonal_scales(width, height)[0]
    canvas_pixels = ((width + height) * finest) ** 2 / 2
    # At most the larger of the two budgets (small photos; a share of the turned passes'), in
    # canvas pixels at most max_canvas_ratio times that.
    turned_budget = plan.budget_base_mp + plan.budget_per_mp * width * height / 1e6
    budget = max(plan.diagonal_small_budget_mp, plan.diagonal_share_of_turned * turned_budget) * 1e6
    assert canvas_pixels <= plan.diagonal_max_canvas_ratio * budget * 1.01
    assert faces.diagonal_canvas_ratio(1920, 1080) < plan.diagonal_max_canvas_ratio  # photos keep their plan


@pytest.mark.parametrize("length", [31, 416, 1536, 1537, 2083, 3246, 9000])
def test_tiles_cover_with_overlap(length):
    spans = tile_spans(length)
    assert spans[0][0] == 0 and spans[-1][0] + spans[-1][1] == length
    for (s0, w0), (s1, _w1) in zip(spans, spans[1:]):
        assert s0 + w0 - s1 >= faces.TILE_OVERLAP
    assert all(w <= max(faces.TILE_SIDE, faces.INPUT_MULTIPLE) for _s, w in spans)


def test_merge_keeps_separate_faces_and_drops_duplicates():
    boxes = np.array([
        [10, 10, 50, 60, 0.9],     # face A
        [12, 11, 52, 62, 0.5],     # A again, from another scale
        [20, 15, 45, 40, 0.3],     # a part of A, from a tile edge
        [200, 10, 240, 60, 0.4],   # face B
    ], np.float32)
    merged = merge_boxes(boxes)
    assert len(merged) == 2
    assert sorted(merged[:, 4].tolist()) == pytest.approx([0.4, 0.9])


def test_registry_builds_face_detector():
    names = [d.name for d in build_detectors(Settings().with_only("faces"))]
    assert names == ["faces"]


# ---------------------------------------------------------------- turned faces, confidence, tiers

# Where the face sits in the self-test portrait, as shares of its side (the detector's box
# upright at 160 px): x0, y0, x1, y1.
SELFTEST_FACE = (0.35, 0.11, 0.52, 0.33)


def _selftest_face_photo(size: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The self-test portrait pasted at `size` px over a photo background, and its face box."""
    from PIL import Image
    from sanitizer.selftest import DATA
    portrait = np.asarray(Image.open(DATA / "selftest_face.jpg").convert("RGB"))
    canvas = cv2.resize(skimage_data.coffee(), (416, 416), interpolation=cv2.INTER_AREA)
    canvas[100:100 + size, 100:100 + size] = cv2.resize(portrait, (size, size), interpolation=cv2.INTER_AREA)
    x0, y0, x1, y1 = (100 + round(share * size) for share in SELFTEST_FACE)
    return canvas, (x0, y0, x1, y1)


def _turned_box(box: tuple[int, int, int, int], turns: int, side: int) -> tuple[int, int, int, int]:
    """`box` in a side x side photo, after np.rot90(photo, turns)."""
    x0, y0, x1, y1 = box
    for _ in range(turns):  # anticlockwise: (x, y) -> (y, side - x)
        x0, y0, x1, y1 = y0, side - x1, y1, side - x0
    return x0, y0, x1, y1


# A patient seen lying (90 / 270) or from the head of the bed (180). The upright-only detector
# missed the 32 px portrait turned 90 degrees and covered the 40-96 px ones turned 180 / 270
# with boxes over 3 times the face (its 0.22 margin around a loose box).
@pytest.mark.parametrize("turns", [1, 2, 3])
@pytest.mark.parametrize("size", [160, 96, 40, 32])
def test_face_turned_a_quarter_or_upside_down_found(detector, turns, size):
    photo, face_box = _selftest_face_photo(size)
    turned = np.ascontiguousarray(np.rot90(photo, turns))
    regions = detector.detect(ImageAnalysis(turned), Settings())
    face = _turned_box(face_box, turns, 416)
    hits = _face_regions(regions, face, share=0.8)
    assert hits, f"face turned {90 * turns} degrees was missed"
    # One box for the face, fitted to it (not the portrait or the whole photo).
    face_area = (face[2] - face[0]) * (face[3] - face[1])
    assert len(hits) == 1 and hits[0].box[2] * hits[0].box[3] < 3 * face_area


def test_turned_boxes_map_back_exactly():
    # A box found in np.rot90(photo, k) lands on the same pixels of the photo.
    width, height = 40, 30
    photo = np.zeros((height, width), np.uint8)
    photo[5:9, 20:27] = 1  # x 20..27, y 5..9
    for turns in (1, 2, 3):
        turned = np.rot90(photo, turns)
        ys, xs = np.nonzero(turned)
        rows = np.zeros((1, faces.N_COLUMNS), np.float32)
        rows[0, :4] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        faces.unturn_boxes(rows, turns, width, height)
        assert rows[0, :4].tolist() == [20, 5, 27, 9]


def test_the_mirrored_look_maps_back_onto_the_face(detector, astronaut):
    # The face is left of centre, so a box not mapped back would land right of it.
    rows = faces._mirrored_pass(faces._session(), astronaut, 1.0, faces.Timings())
    best = rows[np.argmax(rows[:, faces.SCORE])]
    x0, y0, x1, y1 = best[:4]
    assert _covers((x0, y0, x1 - x0, y1 - y0), FACE, 0.8)
    assert best[faces.PASS] == 4 * faces.MIRRORED_PASS and best[faces.UPRIGHT] == 1.0


@pytest.mark.parametrize("size, mirrored", [((416, 416), True), ((1200, 800), True), ((1920, 1080), False)])
def test_small_photos_are_also_looked_at_mirrored(detector, astronaut, size, mirrored):
    """Photos up to face_config.MIRROR.max_mp get one more look at the finest upright scale,
    mirrored; larger ones, and video keyframes (a plan of their own), do not."""
    photo = cv2.resize(astronaut, size, interpolation=cv2.INTER_AREA)
    detector.detect(ImageAnalysis(photo), Settings())
    looks = [p for p in detector.last_timings.passes if p.get("mirrored")]
    assert len(looks) == (1 if mirrored else 0)
    if mirrored:
        finest = faces.plan_scales(*size)[0]
        assert looks[0]["scale"] == round(finest, 3)
    detector.detect(ImageAnalysis(photo), Settings(), scales=[0.5])
    assert not [p for p in detector.last_timings.passes if p.get("mirrored")]


def _slanted(photo: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """`photo` turned `degrees` anticlockwise about its centre (same size, corners black), and
    the 2 x 3 matrix taking its pixels to the turned photo's."""
    height, width = photo.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(photo, matrix, (width, height), flags=cv2.INTER_LINEAR), matrix


def _slanted_face_box(box, matrix, degrees: float) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) around the ellipse inscribed in `box`, moved by `matrix` (the
    ground truth bench/make_slanted.py writes)."""
    x0, y0, x1, y1 = box
    x, y, w, h = _load_tool("make_slanted", "bench").turned_face_box(x0, y0, x1 - x0, y1 - y0, matrix, degrees)
    return x, y, x + w, y + h


# A patient in bed photographed at a slant: a face 45 degrees from upright is as far as it can
# be from every quarter turn. With quarter turns only, the 96 px portrait slanted 45, 225 and
# 315 degrees got two or three boxes (the quarter-turn passes' boxes, off the face's centre).
@pytest.mark.parametrize("degrees", [45, 135, 225, 315])
@pytest.mark.parametrize("size", [160, 96, 64])
def test_face_slanted_between_the_quarter_turns_found(detector, degrees, size):
    photo, face_box = _selftest_face_photo(size)
    slanted, matrix = _slanted(photo, degrees)
    face = _slanted_face_box(face_box, matrix, degrees)
    hits = _face_regions(detector.detect(ImageAnalysis(slanted), Settings()), face, share=0.8)
    # One box fitted to the face: the passes' boxes were merged, and mapped back around it.
    face_area = (face[2] - face[0]) * (face[3] - face[1])
    fitted = [hit for hit in hits if hit.box[2] * hit.box[3] < 3 * face_area]
    assert len(fitted) == 1, f"face slanted {degrees} degrees: {len(fitted)} boxes fitted to it"


# A soft (slightly out of focus) face slanted 45 degrees: with quarter turns only its best box
# had a confidence of 0.45-0.66, "possible face" at best; seen upright on a diagonal, 0.98 or more.
@pytest.mark.parametrize("degrees", [45, 135, 225, 315])
@pytest.mark.parametrize("size", [128, 96])
def test_a_soft_face_slanted_45_degrees_is_a_clear_face(detector, astronaut, degrees, size):
    photo = cv2.resize(skimage_data.coffee(), (416, 416), interpolation=cv2.INTER_AREA)
    photo[150:150 + size, 150:150 + size] = cv2.resize(astronaut, (size, size), interpolation=cv2.INTER_AREA)
    photo = cv2.GaussianBlur(photo, (0, 0), 1.5)
    slanted, matrix = _slanted(photo, degrees)
    face = _slanted_face_box(tuple(150 + v * size / 512 for v in FACE), matrix, degrees)
    hits = _face_regions(detector.detect(ImageAnalysis(slanted), Settings()), face, share=0.8)
    assert hits and max(hit.score for hit in hits) >= 0.9
    assert max(hits, key=lambda hit: hit.score).tier == Tier.CERTAIN


def test_diagonal_boxes_map_back_around_the_face():
    # A "face" (an ellipse 40 x 60) slanted 45 degrees in the photo is upright on the diagonal
    # canvas, or a quarter turn of it; its box there maps back to a box holding all of it.
    photo = np.zeros((200, 300), np.uint8)
    cv2.ellipse(photo, (120, 90), (20, 30), -45, 0, 360, 255, -1)  # long axis 45 degrees from upright
    canvas, back = faces.diagonal_canvas(photo)
    for turns in range(4):
        look = np.rot90(canvas, turns)
        ys, xs = np.nonzero(look > 128)
        rows = np.zeros((1, faces.N_COLUMNS), np.float32)
        rows[0, :4] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        faces.unturn_boxes(rows, turns, canvas.shape[1], canvas.shape[0])
        width, height = rows[0, 2] - rows[0, 0], rows[0, 3] - rows[0, 1]
        assert max(width, height) > 1.3 * min(width, height)  # upright or lying on the canvas
        faces.undiagonal_boxes(rows, back)
        x0, y0, x1, y1 = rows[0, :4]
        inside = photo[max(0, int(y0)):int(np.ceil(y1)), max(0, int(x0)):int(np.ceil(x1))]
        assert (inside > 128).sum() >= 0.97 * (photo > 128).sum()
        ys, xs = np.nonzero(photo > 128)  # and not much larger than the face's own box
        assert (x1 - x0) * (y1 - y0) <= 1.25 * (np.ptp(xs) + 1) * (np.ptp(ys) + 1)


def test_one_box_per_face_across_scales_and_turns(detector, astronaut):
    regions = detector.detect(ImageAnalysis(astronaut), Settings())
    assert len(_face_regions(regions, FACE, share=0.5)) == 1
    rows = detector.last_candidates
    best = rows[np.argmax(rows[:, faces.SCORE])]
    # The face was seen by several passes, turned ones among them, and merged into one box.
    assert best[faces.SUPPORT] >= 3


def test_merge_counts_the_passes_that_agree():
    rows = np.zeros((4, faces.N_COLUMNS), np.float32)
    rows[:, :5] = [[10, 10, 50, 60, 0.9], [12, 11, 52, 62, 0.5], [11, 9, 49, 61, 0.2], [200, 10, 240, 60, 0.4]]
    rows[:, faces.PASS] = [0, 4 * faces.TURNED_PASS_BASE + 1, 0, 3]
    merged = merge_boxes(rows)
    assert len(merged) == 2
    # Face A: seen upright and turned (the second upright box is the same pass, not new evidence).
    assert merged[0, faces.SUPPORT] == 2 and merged[1, faces.SUPPORT] == 1


def test_a_diagonal_and_a_quarter_turn_box_on_one_face_are_merged():
    # A face slanted 45 degrees: the diagonal pass's tight box, and the upright pass's looser
    # box off its centre (from the 96 px portrait slanted 45 degrees). Half the tight box lies
    # in the loose one: too little to merge two upright boxes (neighbouring faces in a crowd),
    # enough across the two kinds of look.
    tight, loose = [92.9, 185.7, 111.3, 204.0, 0.77], [79.4, 175.7, 108.7, 197.8, 0.21]
    rows = np.zeros((2, faces.N_COLUMNS), np.float32)
    rows[:, :5] = [tight, loose]
    rows[:, faces.PASS] = [4 * faces.DIAGONAL_PASS_BASE, 4]
    merged = merge_boxes(rows.copy())
    assert len(merged) == 1 and merged[0, faces.SCORE] == pytest.approx(0.77)
    rows[:, faces.PASS] = [0, 4]
    rows[:, faces.UPRIGHT] = 1
    assert len(merge_boxes(rows)) == 2


def test_a_large_weakly_scored_face_is_not_calibrated_away():
    # The candidate an intubated patient's face seen sideways gave in an ICU frame: 400 x 500
    # px, heatmap 0.345, found by five turned passes. The calibration's fall of confidence with
    # size stops where its tuning data stopped (max_face_px), so the face is kept at HIGH.
    def candidate(side: float, score: float) -> np.ndarray:
        row = np.zeros((1, faces.N_COLUMNS), np.float32)
        row[0, :5] = [0, 0, side, side * 0.8, score]
        row[0, faces.PASS], row[0, faces.SUPPORT] = 4 * faces.TURNED_PASS_BASE + 1, 5
        return row

    cap = face_config.CALIBRATION.max_face_px
    patient = faces.confidence(candidate(500, 0.345))[0]
    assert patient >= face_config.LEVELS[Sensitivity.HIGH].keep
    assert patient == pytest.approx(faces.confidence(candidate(cap, 0.345))[0])
    # Within the tuning data's sizes a larger weak box is still less likely a face.
    assert faces.confidence(candidate(20, 0.2))[0] > faces.confidence(candidate(cap / 2, 0.2))[0]


def test_face_regions_carry_confidence_and_tier_in_json(detector, astronaut):
    regions = detector.detect(ImageAnalysis(astronaut), Settings())
    face = max(_face_regions(regions, FACE), key=lambda r: r.score)
    assert face.tier is Tier.CERTAIN
    out = face.to_json()
    assert out["tier"] == "certain" and 0.5 < out["score"] <= 1.0
    assert set(out) == {"kind", "box", "score", "reason", "tier"}
    assert all(0.0 < r.score <= 1.0 for r in regions)
    level = face_config.LEVELS[Sensitivity.HIGH]
    for region in regions:
        assert (region.tier is Tier.CERTAIN) == (region.score >= level.certain)


def test_cat_is_not_a_face(detector):
    # The upright-only detector proposed the whole cat (a 290 px box, heatmap 0.13) as a face
    # at every level above low: seen once, large and weak, it is now below every level's bar.
    cat = skimage_data.chelsea()
    for sensitivity in Sensitivity:
        assert detector.detect(ImageAnalysis(cat), Settings(sensitivity=sensitivity)) == []


def _load_tool(name: str, folder: str = "tools"):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_calibration_map_follows_the_measured_share_of_faces():
    # tools/faces_calibrate.py's isotonic map: picking a dozen breakpoints evenly by index once
    # left boxes whose measured share of real faces was 0.93-0.99 at a confidence of 0.8.
    calibrate = _load_tool("faces_calibrate")
    rng = np.random.default_rng(0)
    # Most candidates weak, a few strong (as from the detector), real faces rising with both.
    p = np.concatenate([rng.random(20000) * 0.3, 0.6 + rng.random(1500) * 0.4])
    y = rng.random(len(p)) < np.where(p < 0.5, p, 0.5 + (p - 0.6) * 1.2)
    knots = np.array(calibrate.fit_isotonic(p, y))
    assert np.all(np.diff(knots[:, 0]) > 0) and np.all(np.diff(knots[:, 1]) >= 0)
    for lo in (0.0, 0.1, 0.2, 0.6, 0.7, 0.8, 0.9):
        inside = (p >= lo) & (p < lo + 0.1)
        assert np.interp(p[inside], knots[:, 0], knots[:, 1]).mean() == pytest.approx(y[inside].mean(), abs=0.03)


def test_a_turned_copys_candidates_keep_their_kind_of_look():
    # tools/faces_calibrate.py relabels an upright photo's candidates as its turned copy's: an
    # upright pass becomes a turned one and back, but a diagonal pass stays diagonal (never
    # "found upright", even when the turn brings its look round to the canvas's first), its
    # quarter of the 45-degree canvas advanced by the turn.
    calibrate = _load_tool("faces_calibrate")
    rows = np.zeros((3, faces.N_COLUMNS), np.float32)
    rows[:, :4] = [10, 20, 30, 50]
    rows[:, faces.PASS] = [4 * 0 + 0, 4 * faces.TURNED_PASS_BASE + 3, 4 * faces.DIAGONAL_PASS_BASE + 3]
    turned = calibrate.turn_rows(rows, 90, width=100, height=80)
    assert turned[:, faces.PASS].tolist() == [4 * faces.TURNED_PASS_BASE + 1, 0, 4 * faces.DIAGONAL_PASS_BASE]
    assert turned[:, faces.UPRIGHT].tolist() == [0, 1, 0]
    assert faces.is_diagonal(turned).tolist() == [False, False, True]
    assert turned[0, :4].tolist() == [80 - 50, 10, 80 - 20, 30]  # x0 y0 x1 y1 of the box turned 90 clockwise


def test_a_slanted_copy_keeps_each_face_inside_its_new_box(tmp_path):
    # bench/make_slanted.py (faces turned between the quarter turns): the turned ground truth
    # must still hold the face, or slanted recall would be scored against empty boxes.
    make_slanted = _load_tool("make_slanted", "bench")
    photo = np.zeros((300, 400, 3), np.uint8)
    cv2.ellipse(photo, (100, 80), (20, 30), 0, 0, 360, (255, 255, 255), -1)   # a "face" 40 x 60
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    cv2.imwrite(str(src / "a.jpg"), photo)
    (src / "a.gt.txt").write_text("a.jpg\n2\n80 50 40 60 0 0 0 0 0 0 | easy\n10 10 6 8 0 0 0 0 0 0 | hard\n")
    assert make_slanted.main([str(src), str(dst), "45"]) == 0
    turned = cv2.imread(str(dst / "a.jpg"), cv2.IMREAD_GRAYSCALE)
    rows = [line.split() for line in (dst / "a.gt.txt").read_text().splitlines() if "|" in line]
    x, y, w, h = map(float, rows[0][:4])
    inside = turned[int(y):int(y + h), int(x):int(x + w)]
    bright = turned > 128
    # Nearly all of the face is inside its box, and the box is mostly face, not empty corners.
    assert (inside > 128).sum() >= 0.95 * bright.sum()
    assert (inside > 128).mean() > 0.6
    assert rows[0][7] == "0" and rows[1][7] == "1"   # the 8 px face is left out of the recall


def test_an_enlarged_copy_scales_every_face_box_with_the_photo(tmp_path):
    # bench/make_enlarged.py (the crowd photos at a camera's size, for the large-photo plan).
    # The part after "|" is optional in the ground truth: a row without it is a face too.
    make_enlarged = _load_tool("make_enlarged", "bench")
    photo = np.zeros((300, 400, 3), np.uint8)
    cv2.ellipse(photo, (100, 80), (20, 30), 0, 0, 360, (255, 255, 255), -1)
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    cv2.imwrite(str(src / "a.jpg"), photo)
    (src / "a.gt.txt").write_text("# comment\na.jpg\n2\n80 50 40 60 0 0 0 0 0 0 | easy\n10 10 6 8 0 0 0 0 0 0\n")
    assert make_enlarged.main([str(src), str(dst), "0.48"]) == 0  # 4x the area: 2x each side
    assert cv2.imread(str(dst / "a.jpg")).shape[:2] == (600, 800)
    lines = (dst / "a.gt.txt").read_text().splitlines()
    assert lines[:3] == ["# comment", "a.jpg", "2"]
    assert lines[3].split()[:4] == ["160.0", "100.0", "80.0", "120.0"] and lines[3].endswith("| easy")
    assert lines[4].split()[:4] == ["20.0", "20.0", "12.0", "16.0"] and lines[4].split()[7] == "1"
