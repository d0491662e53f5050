"""The audit report written beside the clean files.

It records what was done to each file (names, sha256 of input and output, metadata groups
removed, how many regions of each kind were redacted, reviewer decisions, whether a person
approved the file or it was exported unreviewed, settings, app version, time) and
deliberately nothing that could itself be PHI: no OCR'd text, no metadata values, no region
coordinates.

Names are written as `names.printable` gives them: bytes that are not UTF-8 as `\xff`
(backslashreplace, so the report is always valid UTF-8 and the name still recognisable),
control characters escaped; an input is named by its path relative to the folder given.
CSV cells that would start a spreadsheet formula get a leading `'`.
"""
from __future__ import annotations

import csv
import json
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .names import input_label, printable, spreadsheet_cell
from .pipeline import CleanResult
from .settings import Settings
from .tempfiles import atomic_output

CSV_FIELDS = ["input", "output", "status", "error", "media", "approved", "sha256_input", "sha256_output",
              "metadata_removed", "regions_redacted", "regions_kept"]


def _counts(d: dict[str, int]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(d.items()))


@dataclass
class AuditReport:
    out_dir: Path
    settings: Settings
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    results: list[CleanResult] = field(default_factory=list)
    # An interrupted batch (Ctrl+C): how many of its files were never processed.
    not_processed: int = 0
    roots: list[Path] = field(default_factory=list)  # folders given: inputs are named relative to them

    def add(self, result: CleanResult) -> None:
        self.results.append(result)

    def record(self, result: CleanResult) -> dict:
        """The report's record of one file (also the batch journal's and --json's)."""
        return self._record(result)

    def _record(self, r: CleanResult) -> dict:
        return {
            "input": input_label(r.source, self.roots),
            "output": printable(r.output.name) if r.output else None,
            "status": "cleaned and verified" if r.ok else "failed",
            "error": r.error,
            "media": r.media,
            "approved": r.approved,
            "sha256_input": r.sha256_in or None,
            "sha256_output": r.sha256_out or None,
            "metadata_removed": dict(Counter(m.group for m in r.removed)),
            "regions_redacted": r.redacted,
            "regions_kept": r.kept,
        }

    def summary(self) -> dict:
        ok = sum(r.ok for r in self.results)
        unreviewed = sum(r.ok and not r.approved for r in self.results)
        summary = {"files": len(self.results), "cleaned": ok, "failed": len(self.results) - ok,
                   "exported_unreviewed": unreviewed}
        if self.not_processed:
            summary["interrupted_before"] = self.not_processed  # files the interrupted batch never reached
        return summary

    def to_json(self) -> dict:
        return {
            "app": "phi-sanitizer",
            "app_version": __version__,
            "python": platform.python_version(),
            "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": self.settings.describe(),
            "summary": self.summary(),
            "files": [self._record(r) for r in self.results],
        }

    def write(self) -> tuple[Path, Path]:
        """Write sanitize-report-<time>.json and .csv (atomically) and a map.tsv for scripts."""
        stamp = self.started.strftime("%Y%m%d-%H%M%S")
        base = self.out_dir / f"sanitize-report-{stamp}"
        n = 1
        while base.with_suffix(".json").exists() or base.with_suffix(".csv").exists():
            n += 1
            base = self.out_dir / f"sanitize-report-{stamp}-{n}"
        json_path, csv_path = base.with_suffix(".json"), base.with_suffix(".csv")
        with atomic_output(json_path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        with atomic_output(csv_path) as tmp:
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
                w.writeheader()
                for r in self.results:
                    rec = self._record(r)
                    rec["metadata_removed"] = _counts(rec["metadata_removed"])
                    rec["regions_redacted"] = _counts(rec["regions_redacted"])
                    rec["regions_kept"] = _counts(rec["regions_kept"])
                    w.writerow({k: spreadsheet_cell(v) for k, v in rec.items()})
        self._write_map()
        return json_path, csv_path

    def _write_map(self) -> Path:
        """map.tsv: original file name, output name, status — the form the scoring scripts read.

        An existing map.tsv (a user's own file, or an earlier run's) is never replaced: the
        map goes to map-2.tsv, map-3.tsv ... instead."""
        lines = [f"{input_label(r.source, self.roots)}\t{printable(r.output.name) if r.output else ''}\t"
                 f"{'ok' if r.ok else 'failed'}" for r in self.results]
        n = 1
        while True:
            path = self.out_dir / ("map.tsv" if n == 1 else f"map-{n}.tsv")
            try:
                if not path.exists() and not path.is_symlink():
                    with atomic_output(path) as tmp:  # links, so it fails rather than replaces
                        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
                    return path
            except FileExistsError:
                pass  # taken between the check and the link: try the next name
            n += 1
