"""`sanitize demo`: build dirty sample photos, clean them, and say what was removed."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from .audit import AuditReport
from .metadata import GROUP_LABELS
from .pipeline import analyse_and_clean
from .sample_photos import build_samples
from .settings import Settings


def run_demo(folder: Path) -> int:
    originals, clean_dir = folder / "originals", folder / "clean"
    for d in (originals, clean_dir):
        shutil.rmtree(d, ignore_errors=True)
    paths = build_samples(originals)
    clean_dir.mkdir(parents=True)
    settings = Settings()
    report = AuditReport(clean_dir, settings)
    reserved: set[str] = set()
    print(f"Demo photos (fictional data) written to {originals}\n")
    for path in paths:
        plan, result = analyse_and_clean(path, clean_dir, settings, reserved)
        report.add(result)
        if not result.ok:
            print(f"{path.name}: FAILED - {result.error}")
            continue
        print(f"{path.name} -> {result.output.name}  (verified clean)")
        for group, n in sorted(Counter(m.group for m in result.removed).items()):
            details = sorted({m.detail for m in result.removed if m.group == group and m.detail})
            extra = f": {'; '.join(details)}" if details else ""
            print(f"  removed {GROUP_LABELS.get(group, group)} ({n} field{'s' * (n != 1)}){extra}")
        hidden = ", ".join(f"{n} {k}" for k, n in sorted(result.redacted.items())) or "nothing"
        print(f"  hidden in the picture: {hidden}")
    json_path, csv_path = report.write()
    print(f"\nAudit report: {json_path} and {csv_path.name}")
    return 0 if all(r.ok for r in report.results) else 1
