"""The batch journal: one line per finished file, written as it finishes, so a killed run can resume.

`sanitize clean` appends one JSON record per file to `sanitize-journal.jsonl` in the output
folder the moment that file has its final name: the same fields as its audit-report record
(no PHI: names, sha256, counts) plus what `--resume` needs (the settings fingerprint and the
metadata tags removed). Each record is one `write` on a file opened for appending, then
fsync, so a crash leaves at most one torn last line, which the reader ignores.

`--resume` reuses a record only when its settings fingerprint matches the run's, the input's
sha256 matches, and the output it names still exists with the recorded sha256: a file cleaned
with other settings, or an output that was changed or removed, is cleaned again.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from . import __version__
from .pipeline import CleanResult, sha256_of
from .regions import MetadataFinding
from .settings import Settings

JOURNAL_NAME = "sanitize-journal.jsonl"
FORMAT_VERSION = 1


def settings_fingerprint(settings: Settings, keep_audio: bool) -> str:
    """A short digest of everything that changes an output: settings, audio choice, app version."""
    described = json.dumps({"settings": dataclasses.asdict(settings), "keep_audio": keep_audio,
                            "app_version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(described.encode("utf-8")).hexdigest()[:16]


class Journal:
    """Appends one fsync'ed line per finished file to OUTDIR/sanitize-journal.jsonl."""

    def __init__(self, out_dir: Path, fingerprint: str):
        self.path = Path(out_dir) / JOURNAL_NAME
        self.fingerprint = fingerprint
        created = not self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if created:
            _fsync_folder(self.path.parent)
        elif not _ends_with_newline(self.path):
            os.write(self._fd, b"\n")  # a torn last line of a killed run must not swallow the next record

    def append(self, result: CleanResult, report_record: dict) -> None:
        record = {"journal": FORMAT_VERSION, "settings": self.fingerprint, **report_record,
                  "metadata_tags": [[m.group, m.tag] for m in result.removed]}
        os.write(self._fd, (json.dumps(record) + "\n").encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return True
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows); the file's own fsync still holds
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_records(out_dir: Path) -> list[dict]:
    """Every complete record of the journal in out_dir (none when there is no journal)."""
    path = Path(out_dir) / JOURNAL_NAME
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line of a killed run, or an empty one
        if isinstance(record, dict) and record.get("journal") == FORMAT_VERSION:
            records.append(record)
    return records


@dataclasses.dataclass
class ResumePlan:
    reused: dict[int, CleanResult]   # input index -> result of an earlier run, output verified
    other_settings: int              # earlier records ignored because the settings differ


def find_reusable(inputs: Sequence[Path], out_dir: Path, fingerprint: str) -> ResumePlan:
    """Which inputs an earlier run already cleaned with these settings, output present and intact.

    Matched by the input's sha256, each record used at most once, so two identical inputs
    need two recorded outputs and a killed run ends with exactly one output per input."""
    out_dir = Path(out_dir)
    records = read_records(out_dir)
    usable: dict[str, list[dict]] = defaultdict(list)
    other = 0
    for r in records:
        if r.get("settings") != fingerprint:
            other += 1
        elif r.get("status") == "cleaned and verified" and r.get("output") and r.get("sha256_input"):
            usable[r["sha256_input"]].append(r)
    reused: dict[int, CleanResult] = {}
    if not usable:
        return ResumePlan(reused, other)
    for index, source in enumerate(inputs):
        try:
            candidates = usable.get(sha256_of(source), [])
        except OSError:
            continue  # unreadable now: the batch reports it when it tries the file
        while candidates:
            record = candidates.pop(0)
            if _output_intact(out_dir / record["output"], record.get("sha256_output")):
                reused[index] = _result_from(record, source, out_dir)
                break
    return ResumePlan(reused, other)


def _output_intact(path: Path, sha256: str | None) -> bool:
    try:
        return bool(sha256) and path.is_file() and not path.is_symlink() and sha256_of(path) == sha256
    except OSError:
        return False


def _result_from(record: dict, source: Path, out_dir: Path) -> CleanResult:
    return CleanResult(
        source=source, output=out_dir / record["output"], ok=True, error=None,
        media=record.get("media", "image"),
        removed=[MetadataFinding(group, tag) for group, tag in record.get("metadata_tags", [])],
        sha256_in=record["sha256_input"], sha256_out=record["sha256_output"],
        redacted=dict(record.get("regions_redacted", {})), kept=dict(record.get("regions_kept", {})))
