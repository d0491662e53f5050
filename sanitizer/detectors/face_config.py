"""Every tunable number of the face detector's rotation passes, mirrored look, confidence and levels.

Each value says why it is there and how it was chosen. "Tuning half" means the even-indexed
photos (sorted by name) of ../shared/corpus/faces, their 90/180/270 degree copies
(../shared/eval/make_rotated.py) and their copies slanted 45 degrees (bench/make_slanted.py);
the odd-indexed half was only used to check the figures (tools/faces_calibrate.py fits and
reports both).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..settings import Sensitivity


@dataclass(frozen=True)
class RotationPlan:
    """Where the network also looks at the photo turned 90, 180 and 270 degrees, and 45, 135,
    225 and 315.

    CenterFace is trained on upright faces. A clear portrait it still finds slanted 45 degrees
    (heatmap 0.91 upright, 0.82 at 45, 0.60 at 90 for a 64 px face; 0.56 and 0.45 for a 30 px
    one), but not a crowd: with quarter turns only, 0.894 / 0.840 / 0.711 of the crowd photos'
    faces were hidden slanted 22.5 / 30 / 45 degrees, against 0.971 upright (2026-12-07).
    A quarter turn is np.rot90: no interpolation, boxes map back exactly. A diagonal look turns
    the photo 45 degrees with cv2.warpAffine onto a canvas that holds it; its boxes map back
    as the box around the turned face.
    """
    # Photos up to this many megapixels (messaging-app and web photos, the WIDER sets) are
    # searched turned exactly as upright, down to 10 px faces: their passes are small.
    full_plan_max_mp: float = 1.0
    # Larger photos: network megapixels for the finest turned pass, base + per_mp x photo
    # megapixels. 1080p is looked at turned from ~55 px faces and 12 MP from ~110 px (a
    # patient in bed photographed at the bedside fills far more). Measured with
    # bench/bench_faces.py against the upright-only detector, back to back: 1.41x the CPU
    # seconds on 1080p, 1.11x on 12 MP.
    budget_base_mp: float = 0.25
    budget_per_mp: float = 0.01
    # Video keyframes: one turned pass per quarter turn with the frame's long side at this
    # many network pixels (faces from ~20 network px: ~70 px in 720p, a patient's face in a
    # bedside shot). Three 384 x 216 passes add about half of the upright 960 x 540 pass's
    # network pixels on a keyframe.
    video_long_side: int = 384
    enabled: bool = True
    # Diagonal passes: the photo turned 45 degrees (then 135, 225 and 315 by quarter turns of
    # that canvas), so a face slanted between two quarter turns is at most 22.5 degrees from
    # one look. A 45-degree canvas holding the whole photo is about twice its area, so these
    # passes get their own budget, in network megapixels of the photo (before the canvas) for
    # the finest diagonal pass, never finer than the turned passes. Small photos: a fixed
    # budget (a 416 x 416 photo at 1.7x, faces from ~12 px). Larger photos: this share of the
    # turned passes' budget (1080p from ~80 px faces, 12 MP from ~160 px).
    # Measured on the crowd photos turned 45 degrees (bench/make_slanted.py, faces >= 10 px
    # upright hidden, HIGH, before the calibration was refitted with these passes): none 0.711;
    # small-photo budget 0.125 MP 0.789, 0.25 0.858, 0.5 0.935, the turned plan (2x) 0.968
    # (`sanitize clean` of the 100 photos, two jobs: 79 / 84 / 102 / 197 s). With the refitted
    # calibration: 0.35 MP 0.912, 0.5 0.946; a 416 px photo took 1.9-2.1x / 2.1-2.3x the CPU
    # seconds of no diagonals (20 photos, back to back). Share of the
    # turned budget for larger photos, on the original-resolution photos turned 45 degrees
    # (1.6 MP once turned) and bench/bench_faces.py against no diagonals, back to back (1080p /
    # 12 MP): 0.5 0.866 (1.44x / 1.25x), 0.75 0.885 (1.51x / 1.35x), 1.0 0.931 (1.68x / 1.43x);
    # none 0.859. Half keeps the large photos' cost nearest their targets; faces of patients
    # photographed at the bedside are far larger than the ~80 px it reaches on 1080p.
    diagonal_small_budget_mp: float = 0.5
    diagonal_share_of_turned: float = 0.5
    # The 45-degree canvas of a w x h photo is (w + h)^2 / 2 pixels: 2 to 2.2 times the photo
    # for 4:3 to 16:9, 2.7 for 3:1, but 11 times a 200 x 4000 banner and 667 times a 3 x 4000
    # strip (whose diagonal passes took 19 s). Past this ratio the budget shrinks so the canvas
    # does not grow (every photo of the face sets measured is at 2.64 or less).
    diagonal_max_canvas_ratio: float = 3.0
    diagonal_enabled: bool = True


ROTATION = RotationPlan()


@dataclass(frozen=True)
class MirrorLook:
    """Where the network also looks at the photo mirrored left to right, at the finest upright
    scale. CenterFace's heatmap is not symmetric: a small or blurred face it scores under the
    candidate floor one way round it often finds the other, and a face found both ways is
    supported by one more pass (a calibration input). Looking twice pays where faces are
    fewest pixels: on small photos, whose finest pass is also small.
    Measured 2026-12-08 (tools/faces_calibrate.py collect, fit and render; faces >= 10 px hidden
    / all faces / false redaction, all 100 crowd photos): with the calibration before the refit,
    HIGH 0.9665 / 0.870 / 0.092 without, 0.9682 / 0.892 / 0.091 with it at the bar giving the same
    false redaction (keep 0.07). Refitted, levels chosen again on the tuning half (LEVELS): HIGH
    0.970 / 0.894 / 0.096, MEDIUM 0.957 / 0.861 / 0.055 (0.951 / 0.058 before), LOW 0.895 / 0.024
    (0.877 / 0.024); boxes touching no face per photo at HIGH 57.8 -> 66.3, MEDIUM 53 -> 53.4.
    The crowd photos turned 90 degrees, all faces / false redaction: rendered from the upright
    candidates 0.963 / 0.094 -> 0.966 / 0.096; the copy's own passes (its own mirrored look too)
    0.969 / 0.099 (`sanitize clean` before: 0.965 / 0.098); original-resolution photos 0.9905
    -> 0.9913 / 0.083 -> 0.085; ICU patients touched 67 -> 69 of 87. CPU seconds per photo,
    back to back: crowd x1.01, ICU frames x1.06, original-resolution photos x1.05.
    Tried and not used: the three quarter turns' finest pass mirrored too (a face upside down
    or lying is upright in one of them). Real passes over the crowd photos turned 90 degrees:
    all faces 0.969 -> 0.970, false redaction 0.099 -> 0.101; ICU frames: patients touched 69 ->
    68, doctors 94 -> 93, boxes touching no face 7.9 -> 8.8 a frame; for three more passes."""
    # Photos up to this many megapixels (the size that is searched turned exactly as upright,
    # RotationPlan.full_plan_max_mp): a 416 px crowd photo's finest pass is 0.7 network MP,
    # a 1080p photo's 2.1 MP, which would cost it about 40 % more time.
    max_mp: float = 1.0
    enabled: bool = True


MIRROR = MirrorLook()


@dataclass(frozen=True)
class Calibration:
    """Logistic model: P(the box is a real face) from the box's features (Platt scaling with
    more than one input). Fitted by tools/faces_calibrate.py on the tuning half (every merged
    candidate labelled by IoU >= 0.3 with a ground-truth face), checked on the other half
    (reliability table in its output). Features, in order:
      logit(heatmap peak), log2(face height in display px, at most max_face_px), 1 if found upright else 0,
      1 if found by a diagonal pass else 0, log2(distinct passes, scale x turn, that found it), intercept.
    Refitted 2026-12-08 with the mirrored look (MirrorLook; before, 2026-12-07, with the diagonal
    passes): `tools/faces_calibrate.py collect` on the crowd photos and their 45-degree copies,
    then `fit ../shared/corpus/faces DIR90=faces:90 DIR180=faces:180 DIR270=faces:270 DIR45
    --cache C` (the quarter-turned copies reuse the upright photos' candidates, without the
    mirrored look's). The isotonic map below is fitted on the logistic output itself; the fit
    before 2026-12-07 fed it the output through the previous map.
    Tried and left out: CenterFace's landmarks (told real faces from objects no better than
    chance on the tuning half) and which way up the photo's clear faces are (cut boxes found
    in other turns, but no better trade-off of faces hidden against false redaction). Also a
    learned second look (2026-12-06): a 60 K-parameter CNN on each candidate's 32 px crop,
    trained on faces-fullres, its 0.4x copies and the tuning half, its logit a fifth input
    (calibration cross-fitted, so no model scored photos it was trained on). On the check half
    it moved HIGH from 0.964 / 0.098 to 0.970 / 0.082 (faces >= 10 px hidden / false
    redaction), but it pushed the large, weakly scored faces of intubated patients lying on
    their side below every bar (ICU patients touched 0.713 against 0.747). Trained with masks,
    tubes and caps drawn in and read at every quarter turn, it kept more patients (0.782) but
    its gain on the crowds was gone (0.977 / 0.086 on all photos), and two sideways intubated
    faces were still lost. The patient in bed matters most, so it is not used.
    Also tried (2026-12-07) and left out: the share of skin-coloured pixels (YCrCb, Cr 133-173,
    Cb 77-127) in the middle of the box, with a flag for greyscale photos, and the box's
    aspect ratio. Refitted on the tuning half (crowd photos, turned and slanted copies), on
    the check half skin lifted the ranking (AUC 0.808 -> 0.840; boxes touching no face kept
    while 0.95 of the real ones are: 40,446 -> 33,360), aspect a little more (0.843). But the
    real faces it marked down were faces under blue or green light, pale and washed-out
    faces, tinted posters and helmeted or masked faces: a fixed skin-colour range penalises
    faces by their light and their skin, and a patient under a monitor's glow or behind a
    mask is the face that must not drop, so it is not used.
    Also tried (2026-12-07, session 23): the size input measured as if the photo's long side were
    416 px, the crowd photos' (so the same on them): a face is then as small as its share of the
    photo, whatever its resolution. Faces >= 10 px hidden / false redaction at HIGH: the
    original-resolution photos 0.994 / 0.083 -> 0.999 / 0.141, the same enlarged to 12 MP
    (bench/make_enlarged.py) 0.953 / 0.046 -> 0.998 / 0.128. Display pixels carry what the
    crowd photos taught: a large box with a weak peak is mostly a hand, a sign or a texture.
    Nor in the tuning photos' network pixels (display px x the photo's finest scale / 2, the
    crowd photos' finest scale; the same on them): enlarged to 12 MP 0.953 / 0.045 -> 0.985 /
    0.064, but the original-resolution photos 0.994 / 0.083 -> 0.997 / 0.100 with 7,486 -> 9,784
    boxes (turned 90: 0.993 / 0.086 -> 0.995 / 0.102, 7,210 -> 9,481), ICU patients touched 0.770
    -> 0.828, about half of the five gained by boxes on a hand, a back or a bed's edge: a few
    faces for a third more boxes on the ~1 MP photos the reviewer sees most.
    """
    weights: tuple[float, ...] = (1.7031, -0.7991, -0.0011, 0.1674, -0.0778, 4.4684)
    # The size input stops growing at this face height (display px): the fit saw few larger
    # candidates (tuning half: 14 of 10,936 at 128 px or more; 99.9 % under 134 px), so its
    # fall of confidence with size is not carried on past them. Unclamped, a weakly scored face
    # of 200-500 px (an intubated patient seen sideways, a close-up filling the photo) came out
    # near 0.03 and was dropped at every level. Chosen from the tuning half's size range, not
    # tuned; measured (2026-12-07, tools/faces_calibrate.py render, HIGH): crowd photos
    # unchanged (0.969 / 0.091), turned 90: false redaction 0.089 -> 0.092; faces-fullres 0.990
    # -> 0.991 of all faces, false redaction 0.072 -> 0.090 (0.016 of it one close-up face now
    # hidden whole, its labelled box tighter than the face); ICU patients touched 0.747 -> 0.770.
    # A bar of 64 px touched 0.862 of the patients, but half of what it added were boxes on
    # chests, backs and hands.
    max_face_px: float = 128.0
    # Then isotonic regression (the same fit, same half) maps the logistic output to the
    # measured share of real faces: (logistic output, confidence) breakpoints, interpolated.
    # The logistic model alone was over-confident between 0.2 and 0.7.
    isotonic: tuple[tuple[float, float], ...] = (
        (0.0, 0.0), (0.0023, 0.0), (0.0033, 0.027), (0.0598, 0.0548), (0.1247, 0.1354), (0.1488, 0.1369),
        (0.157, 0.1835), (0.228, 0.1963), (0.2335, 0.2214), (0.3392, 0.2463), (0.3834, 0.2929),
        (0.3886, 0.3158), (0.4656, 0.3333), (0.4709, 0.4167), (0.5171, 0.4534), (0.5595, 0.5385),
        (0.6133, 0.5464), (0.6655, 0.5833), (0.6741, 0.6522), (0.6764, 0.7273), (0.726, 0.7583),
        (0.775, 0.84), (0.7854, 0.925), (0.83, 0.958), (0.886, 0.968), (0.9322, 1.0), (1.0, 1.0))


CALIBRATION = Calibration()


@dataclass(frozen=True)
class Level:
    """What one sensitivity level keeps, in calibrated confidence (the share of boxes at that
    confidence that were real faces on the tuning half), and how tightly it covers a face."""
    keep: float     # boxes below this confidence are dropped
    # Share of the face box's size added on each side before the ellipse is drawn in it. The
    # old 0.22 made the ellipse 1.6 x 1.2 times the ground-truth face (WIDER 416 px, median;
    # 1.4 x 1.4 on the original-resolution photos, where CenterFace's box is the face box
    # within 3 %), and about half of all false redaction was that padding.
    margin: float
    # Boxes at or above this are tier CERTAIN ("face"), the rest POSSIBLE ("possible face").
    # 0.5: a "face" is more likely a face than not; both tiers are hidden by default.
    certain: float = 0.5


# Chosen on the tuning half of the crowd photos (tools/faces_calibrate.py render --keep
# --margin --half even; faces >= 10 px hidden / false redaction), again with the calibration
# refitted for the mirrored look (2026-12-08), by the same rules as below:
#   margin 0.12: keep 0.05 0.976/0.107, 0.06 0.976/0.088, 0.07 0.973/0.080, 0.08 0.970/0.074,
#                0.09 0.967/0.069 (0.063 - 0.068: 0.9748, 0.086 - 0.082)
#   margin 0.03: keep 0.06 0.972/0.060, 0.07 0.967/0.054, 0.08 0.961/0.049, 0.09 0.958/0.045,
#                0.1 0.958/0.041
# HIGH stays 0.06 (0.07 keeps fewer than the previous HIGH's 0.975), MEDIUM 0.08 (nearest 0.05).
# Before, with the calibration refitted for the diagonal passes (2026-12-07):
#   margin 0.12: keep 0.06 0.975/0.081, 0.07 0.972/0.077, 0.08 0.970/0.074, 0.09 0.965/0.067
#   margin 0.03: keep 0.07 0.959/0.053, 0.08 0.956/0.051, 0.09 0.950/0.045, 0.1 0.943/0.037
#   margin 0.05: keep 0.08 0.959/0.056, 0.09 0.953/0.050; keep 0.2 margin 0.05 0.882/0.018
# HIGH is the highest bar keeping what the previous HIGH kept on this half (0.973), MEDIUM the
# most faces at false redaction near 0.05. (Before the refit: keep 0.05 margin 0.12
# 0.973/0.081; keep 0.065 margin 0.05 0.959/0.052.)
# On all 100 crowd photos (bench/faces_eval.py, HIGH's margin 0.12, 2026-12-07, before the
# mirrored look; both halves, so reported, not chosen): keep 0.06 0.967/0.092, 0.05
# 0.970/0.109, 0.04 0.984/0.139 (with it, 2026-12-08: 0.06 0.970/0.096, 0.07 0.967/0.088). A lower
# bar buys a few faces with far more needless boxes at the default level; not moved.
# Tried and not used (2026-12-07): a margin by face size, wide on small faces (whose box the
# network places less exactly) and narrow on large ones (whose margin costs the most pixels),
# interpolated in log size. HIGH with 0.2 at 10 px -> 0 at 60 px: tuning half 0.980/0.073,
# check half 0.966/0.089, faces-fullres 0.991/0.048 (against 0.994/0.072), but the patients
# of the ICU frames touched fell 0.747 -> 0.632 (a patient's face is a small share of the
# patient's box, and a tight ellipse drops under the scorer's 3 %); narrow only on faces at
# or above `certain` and 0.12 on the rest: 0.975/0.090 on all photos, patients 0.701.
# Also tried (session 23): HIGH's bar lowered for small boxes in proportion to their area (in
# odds: a small needless box costs few pixels), boxes under 20 / 30 px: all 100 crowd photos
# 0.979/0.120 and 0.989/0.153 (against keep 0.05 0.970/0.109, 0.04 0.984/0.139), with 18,410
# and 20,804 boxes against 11,610: many more boxes for the reviewer, so not used.
LEVELS: dict[Sensitivity, Level] = {
    # HIGH (default): a missed face is the worst failure; 0.976 of faces >= 10 px hidden.
    Sensitivity.HIGH: Level(keep=0.06, margin=0.12),
    # MEDIUM: false redaction near 0.05 with 0.961 of faces >= 10 px hidden, and fewer boxes
    # touching no face than HIGH.
    Sensitivity.MEDIUM: Level(keep=0.08, margin=0.03),
    # LOW: only boxes with better than 1 in 5 odds of being a face.
    Sensitivity.LOW: Level(keep=0.2, margin=0.05),
}


# When the same face is found upright and turned, the turned box is kept only if its
# heatmap score beats the upright one by more than this factor (1 / 0.85 = 18 % higher). An
# upright face scored 0.82 in both an upright and a turned pass of the camera-man photo, and
# the turned pass's box was 28 % taller than the face.
TURNED_RANK = 0.85

# Raw heatmap floor for a peak to become a candidate at all (before calibration): a little
# under the old detector's lowest threshold (0.07 for small faces), so that the calibration,
# not the floor, decides; every lower step multiplies the candidates to merge.
CANDIDATE_FLOOR = 0.05
