"""An unexpected error for one file is logged with where it was raised, never its message or the file's name."""
from __future__ import annotations

import logging

import numpy as np
from PIL import Image

import sanitizer.pipeline as pipeline
from sanitizer.settings import Settings


def _broken_detectors(rgb, settings):
    raise ValueError("Patient John Smith MRN 12345678")  # a foreign message quoting data


def test_an_unexpected_error_is_logged_with_its_place_not_its_message(tmp_path, monkeypatch, caplog):
    src = tmp_path / "Smith John ward 5.png"
    Image.fromarray(np.full((40, 40, 3), 128, np.uint8)).save(src)
    monkeypatch.setattr(pipeline, "run_detectors", _broken_detectors)
    caplog.set_level(logging.INFO)
    plan = pipeline.analyse(src, Settings())
    assert plan.error == "unexpected problem while processing this file (ValueError)"
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    line = record.getMessage()
    raise_line = _broken_detectors.__code__.co_firstlineno + 1
    assert f"ValueError raised at tests/test_failure_logging.py:{raise_line} in _broken_detectors" in line
    assert "from sanitizer/pipeline.py:" in line
    for secret in ("John", "Smith", "12345678", "ward"):
        assert secret not in caplog.text
