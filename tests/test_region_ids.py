"""Region ids are unique across processes, so the audit counts every region.

Analysis runs in one process and the reviewer draws in another. With a per-process counter
the first drawn box shared id 1 with a detector region and the audit counted it away.
"""
from __future__ import annotations

import multiprocessing

import numpy as np
from PIL import Image

from sanitizer.audit import AuditReport
from sanitizer.pipeline import analyse, clean
from sanitizer.regions import Kind, Region
from sanitizer.settings import Settings


def _regions_found_elsewhere() -> list[Region]:
    """Stands in for the analysis process: regions made in a fresh process."""
    return [Region(Kind.TEXT, (10, 10, 40, 20)), Region(Kind.BARCODE, (60, 10, 30, 30))]


def test_regions_made_in_two_processes_have_distinct_ids_and_are_all_counted(tmp_path):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        found = pool.apply(_regions_found_elsewhere)
    drawn = Region(Kind.MANUAL, (100, 50, 40, 40))  # the reviewer's box, made here
    ids = [r.id for r in found] + [drawn.id]
    assert len(set(ids)) == 3

    src = tmp_path / "in" / "photo.png"
    src.parent.mkdir()
    Image.fromarray(np.full((120, 160, 3), 200, np.uint8)).save(src)
    settings = Settings(faces=False, text=False, barcodes=False, screens=False)
    plan = analyse(src, settings)
    plan.regions = [*found, drawn]
    result = clean(plan, tmp_path / "out", settings)
    assert result.ok
    assert result.redacted == {"text": 1, "barcode": 1, "manual": 1}
    report = AuditReport(tmp_path / "out", settings)
    report.add(result)
    assert report.to_json()["files"][0]["regions_redacted"] == {"text": 1, "barcode": 1, "manual": 1}
