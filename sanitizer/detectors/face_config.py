"""Every tunable number of the face detector's rotation passes, confidence and levels.

Each value says why it is there and how it was chosen. "Tuning half" means the even-indexed
photos (sorted by name) of ../shared/corpus/faces and their 90/180/270 degree copies
(../shared/eval/make_rotated.py); the odd-indexed half was only used to check the figures
(tools/faces_calibrate.py fits and reports both).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..settings import Sensitivity


@dataclass(frozen=True)
class RotationPlan:
    """Where the network also looks at the photo turned 90, 180 and 270 degrees.

    CenterFace is trained on upright faces; it still finds faces slanted up to about 45
    degrees (measured on the astronaut portrait: heatmap 0.91 upright, 0.82 at 45, 0.60 at 90
    for a 64 px face; 0.56 and 0.45 for a 30 px one), so four quarter turns cover every
    angle. A quarter turn is np.rot90: no interpolation, boxes map back exactly.
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


ROTATION = RotationPlan()


@dataclass(frozen=True)
class Calibration:
    """Logistic model: P(the box is a real face) from the box's features (Platt scaling with
    more than one input). Fitted by tools/faces_calibrate.py on the tuning half (every merged
    candidate labelled by IoU >= 0.3 with a ground-truth face), checked on the other half
    (reliability table in its output). Features, in order:
      logit(heatmap peak), log2(face height in display px, at most max_face_px), 1 if found upright else 0,
      log2(distinct passes, scale x turn, that found it), intercept.
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
    """
    weights: tuple[float, ...] = (1.7349, -0.6839, 0.1369, -0.1044, 3.9999)
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
        (0.0, 0.0), (0.0362, 0.0324), (0.0518, 0.0417), (0.0819, 0.0766), (0.1186, 0.1154),
        (0.1311, 0.1514), (0.1937, 0.2064), (0.3557, 0.3333), (0.4774, 0.5085), (0.7865, 0.746),
        (0.9392, 0.9412), (0.995, 1.0), (1.0, 1.0))


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
# --margin; faces >= 10 px hidden / false redaction):
#   keep 0.05: margin 0.22 0.987/0.114, 0.12 0.973/0.081, 0.06 0.970/0.064, 0.05 0.967/0.061
#   margin 0.05: keep 0.065 0.959/0.052, keep 0.08 0.950/0.043; keep 0.04 margin 0.12 0.976/0.092
# Tried and not used (2026-12-07): a margin by face size, wide on small faces (whose box the
# network places less exactly) and narrow on large ones (whose margin costs the most pixels),
# interpolated in log size. HIGH with 0.2 at 10 px -> 0 at 60 px: tuning half 0.980/0.073,
# check half 0.966/0.089, faces-fullres 0.991/0.048 (against 0.994/0.072), but the patients
# of the ICU frames touched fell 0.747 -> 0.632 (a patient's face is a small share of the
# patient's box, and a tight ellipse drops under the scorer's 3 %); narrow only on faces at
# or above `certain` and 0.12 on the rest: 0.975/0.090 on all photos, patients 0.701.
LEVELS: dict[Sensitivity, Level] = {
    # HIGH (default): a missed face is the worst failure; keeps 0.97 of faces >= 10 px hidden.
    Sensitivity.HIGH: Level(keep=0.05, margin=0.12),
    # MEDIUM: false redaction near 0.05 with 0.96 of faces >= 10 px hidden, and fewer boxes
    # touching no face than the old HIGH.
    Sensitivity.MEDIUM: Level(keep=0.065, margin=0.05),
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
