"""Thresholds as data: every detector number lives in a documented config (detectors/config.py),
and the detectors read it from there."""
from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import numpy as np

from phi_fixtures import RULE_FINDERS, fraction_inside, screen_photo
from sanitizer.detectors import ImageAnalysis
from sanitizer.detectors.config import DetectorConfig, describe_knobs
from sanitizer.detectors.screens import ScreenDetector
from sanitizer.settings import Settings

DETECTORS = Path(__file__).resolve().parents[1] / "sanitizer" / "detectors"
# Numbers that are not thresholds: halves, pairs, epsilons against division by zero, mask values.
STRUCTURAL = {0, 1, 2, -1, 0.5, 1e-3, 1e-6, 255}
# Per module: the smallest derivative and smoothing kernel (codes), a quad's four corners
# (outlines), the quartiles of the interquartile range (pages), the smallest erosion kernel (screens).
MODULE_STRUCTURAL = {"codes.py": {3}, "outlines.py": {4}, "pages.py": {25, 75}, "screens.py": {3}}
WITHOUT_FACES = ["analysis.py", "barcodes.py", "base.py", "boxes.py", "codes.py", "labels.py", "outlines.py",
                 "pages.py", "pale_areas.py", "phi_text.py", "screens.py", "text_lines.py", "text_scene.py"]


def _numbers(tree: ast.AST) -> list[tuple[int, float]]:
    """Numeric literals, leaving out subscripts (indices such as box[3])."""
    indices = {id(c) for node in ast.walk(tree) if isinstance(node, ast.Subscript)
               for c in ast.walk(node.slice) if isinstance(c, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and type(n.value) in (int, float) and id(n) not in indices]


def test_no_unnamed_thresholds_in_the_detectors():
    for name in WITHOUT_FACES:
        tree = ast.parse((DETECTORS / name).read_text())
        allowed = STRUCTURAL | MODULE_STRUCTURAL.get(name, set())
        loose = [(line, value) for line, value in _numbers(tree) if value not in allowed]
        assert loose == [], f"{name}: numbers outside config.py: {loose}"


def test_every_knob_says_why_and_how_it_was_chosen():
    knobs = describe_knobs()
    assert len(knobs) > 150
    for knob in knobs:
        assert knob["reason"].strip() and knob["chosen"].strip(), knob["name"]


def test_the_screen_detector_reads_its_numbers_from_the_config():
    rgb, monitor = screen_photo()
    panel = (monitor[0] + 40, monitor[1] + 40, monitor[2] - 80, monitor[3] - 120)
    settings = Settings().with_only("screens")
    assert fraction_inside(panel, ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), settings)) > 0.95
    fussy = replace(RULE_FINDERS, outlines=replace(RULE_FINDERS.outlines, screen_min_text_lines=10_000))
    assert ScreenDetector().detect(ImageAnalysis(rgb, config=fussy), settings) == []
    margin = replace(RULE_FINDERS, screens=replace(RULE_FINDERS.screens, margin=0.2))
    wide = ScreenDetector().detect(ImageAnalysis(rgb, config=margin), settings)
    normal = ScreenDetector().detect(ImageAnalysis(rgb, config=RULE_FINDERS), settings)
    assert np.prod(wide[0].box[2:]) > 1.3 * np.prod(normal[0].box[2:])


def test_no_detector_imports_another():
    """Detectors share intermediates through the analysis and neutral helpers only: no module
    of the package (detector or helper) imports a detector module, so none leans on another."""
    from sanitizer.detectors.base import _REGISTRY
    detectors = {module.rsplit(".", 1)[1] for _, module, _ in _REGISTRY}
    for path in DETECTORS.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {(node.module or alias.name).split(".")[0] if node.module else alias.name
                    for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
                    for alias in node.names}
        assert not imported & (detectors - {path.stem}), f"{path.name} imports {imported & detectors}"


def test_rule_finders_stand_down_only_where_the_object_model_finds_alone():
    config = DetectorConfig()
    assert config.rules_find("document") and config.rules_find("wristband")  # found by both
    assert not config.rules_find("screen")                                     # the model alone...
    assert config.rules_find("screen", strict=True)                            # ...but Strict keeps the panels
    unregistered = replace(config, objects=replace(config.objects, registered_classes=("wristband",)))
    assert unregistered.rules_find("screen")  # a class the model does not find stays with the rules
