"""The flow of one file: analyse -> Plan -> (review) -> clean -> CleanResult.

This is the engine's public entry point for the CLI and the GUI. Per-file problems never
raise out of `analyse` or `clean`: they come back as Plan.error / CleanResult.error in plain
words, so a batch always goes on.
"""
from __future__ import annotations

import glob
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import formats
from .detectors import run_detectors
from .errors import (Cancelled, OutputError, SanitizerError, os_error_reason,  # noqa: F401 - Cancelled re-exported
                     where_raised)
from .input_files import check_input_file
from .metadata import inspect_metadata
from .model_store import file_sha256 as sha256_of  # the one file hash; the name callers know
from .names import fit_stem
from .redact import apply_redactions
from .regions import MetadataFinding, Plan, Region, iou
from .settings import Settings
from .tempfiles import TEMP_PREFIX
from .transparency import detection_views
from .writer import ANIMATED_EXTENSIONS, output_spec, write_clean_image

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
# Where a clean copy of `source` with extension `ext` is written; the default picks
# `<stem>_clean.<ext>` (see unique_output_path), a batch worker a staged name (sanitizer/batch.py).
OutputNamer = Callable[[Path, str], Path]

# Extensions worth picking up when walking a folder; anything else in a folder is skipped
# silently (READMEs, sidecars), while a file named explicitly is always attempted.
MEDIA_EXTENSIONS = {
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".heic", ".heif",
    ".avif", ".hif", ".bmp", ".gif", ".jxl",
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf", ".rw2",
    ".raf", ".pef", ".srw", ".x3f", ".raw", ".3fr", ".erf", ".kdc", ".mrw",
    ".mp4", ".mov", ".m4v", ".3gp", ".3g2", ".avi", ".mkv", ".wmv", ".webm", ".mts", ".m2ts",
}


@dataclass
class CleanResult:
    source: Path
    output: Path | None = None
    ok: bool = False
    error: str | None = None
    media: str = "image"
    removed: list[MetadataFinding] = field(default_factory=list)
    sha256_in: str = ""
    sha256_out: str = ""
    redacted: dict[str, int] = field(default_factory=dict)   # kind -> count
    kept: dict[str, int] = field(default_factory=dict)       # decided_by -> count
    approved: bool = False   # a reviewer approved the file before export (the CLI never does)


def _video():
    """The video module, imported lazily (PyAV is only needed for videos)."""
    from . import video
    return video


def is_video(path: Path) -> bool:
    try:
        return _video().is_video(path)
    except ImportError:
        return False


def _real(path: Path) -> Path:
    """The resolved path, or the path itself when it cannot be resolved (a symlink loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" before Python 3.13
        return path


def collect_inputs(paths: Iterable[Path | str], exclude: Iterable[Path | str] = ()) -> list[Path]:
    """Files named explicitly, plus media files found recursively in named folders.

    Folders in `exclude` (the output folder) are not walked: a run into a sub-folder of its
    input must not take its own earlier outputs as new inputs (no `_clean_clean`)."""
    skip = [_real(Path(e)) for e in exclude]

    def excluded(f: Path) -> bool:
        real = _real(f)
        return any(real.is_relative_to(s) for s in skip)

    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            candidates = sorted(
                f for f in p.rglob("*")
                if f.is_file() and not f.name.startswith(".") and not excluded(f)
                and (f.suffix.lower() in MEDIA_EXTENSIONS
                     or (not f.suffix and formats.is_supported_image(f)))
            )
        else:
            candidates = [p]
        for f in candidates:
            key = _real(f) if f.exists() else f
            if key not in seen and not f.name.startswith(TEMP_PREFIX):
                seen.add(key)
                found.append(f)
    return found


def user_message(exc: BaseException) -> str:
    """A message safe to show: our own errors carry plain words; anything else is named by type."""
    if isinstance(exc, SanitizerError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory to process this file"
    if isinstance(exc, OSError):
        return os_error_reason(exc)
    return f"unexpected problem while processing this file ({type(exc).__name__})"


def _log_failure(stage: str, exc: BaseException) -> None:
    """Our own errors are expected and already reported to the user; anything else is a bug
    worth a warning, with the type and the place it was raised. Never the message (messages
    of foreign exceptions may quote data) nor the file's name."""
    if isinstance(exc, SanitizerError):
        log.info("%s failed for one file: %s", stage, type(exc).__name__)
    else:
        log.warning("%s failed for one file: %s raised at %s", stage, type(exc).__name__, where_raised(exc))


def load_display(path: Path) -> np.ndarray:
    """The photo as the reviewer sees it: display orientation, sRGB, uint8 RGB(A).
    For an animated picture, its first frame (the editor has no timeline for them yet)."""
    path = Path(path)
    if formats.is_animated_image(path):
        return formats.load_animation(path).frames[0]
    return formats.load_image(path).pixels


def analyse(path: Path | str, settings: Settings, progress: Progress | None = None,
            cancel: Cancel | None = None) -> Plan:
    return _analyse(Path(path), settings, progress, cancel)[0]


def _analyse(path: Path, settings: Settings, progress: Progress | None,
             cancel: Cancel | None) -> tuple[Plan, "formats.LoadedImage | formats.Animation | None"]:
    """The plan, and for a photo or animation the decoded pixels, so a clean that follows needs
    no second decode."""
    plan = Plan(source=path)
    loaded = None
    try:
        check_input_file(path)  # before anything opens it: a named pipe would block for ever
        if is_video(path):
            plan.media = "video"  # so a refused video is reported as one
            return _video().analyse_video(path, settings, progress=progress, cancel=cancel), None
        if formats.is_animated_image(path):
            plan.media = "animation"
            from .animation import analyse_animation
            plan, animation = analyse_animation(path, settings, progress=progress, cancel=cancel)
            plan.metadata = inspect_metadata(path)
            return plan, animation
        loaded = formats.load_image(path)
        plan.format = loaded.format
        plan.height, plan.width = loaded.pixels.shape[:2]
        plan.metadata = inspect_metadata(path)
        plan.regions = detect_in_pixels(loaded.pixels, settings)
        if progress:
            progress(1, 1)
    except Exception as exc:  # noqa: BLE001 - a per-file problem must never stop the batch
        plan.error = user_message(exc)
        _log_failure("analysis", exc)
    return plan, loaded


# Two regions of one kind found in two views of a transparent picture are one finding when
# they overlap this much (the views differ in contrast, so boxes differ by a few pixels).
SAME_FINDING_IOU = 0.7


def detect_in_pixels(pixels: np.ndarray, settings: Settings) -> list[Region]:
    """Regions in an RGB(A) picture: for a transparent one, found in every way it can be seen
    (transparency.detection_views), a region found in several views kept once."""
    regions: list[Region] = []
    for view in detection_views(pixels):
        # Only against earlier views: what one detector run returns is kept as it is.
        earlier = list(regions)
        regions.extend(r for r in run_detectors(view, settings)
                       if not any(e.kind is r.kind and iou(e.box, r.box) >= SAME_FINDING_IOU for e in earlier))
    return regions


def warm_up(settings: Settings) -> bool:
    """Load every detector the settings turn on (models read and checked) so the first file is quick."""
    from .detectors import build_detectors
    try:
        build_detectors(settings)
    except Exception:  # noqa: BLE001 - the first analysis reports the problem per file
        return False
    return True


def render_preview(plan: Plan, settings: Settings, pixels: np.ndarray | None = None) -> np.ndarray:
    """Exactly what the export will render, for the before/after view."""
    if pixels is None:
        pixels = load_display(plan.source)
    regions = plan.regions
    if plan.media == "animation":  # the first frame is on show: its own regions
        regions = [r for r in regions if r.frame_span is None or r.frame_span[0] <= 0 <= r.frame_span[1]]
    return apply_redactions(pixels, regions, settings, seed=0)


def check_output_dir(out_dir: Path, sources: Iterable[Path] = ()) -> None:
    """Refuse an output folder that is missing and cannot be made, not writable, or an input's folder."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"the output folder cannot be created ({exc.strerror})") from None
    if not out_dir.is_dir():
        raise OutputError("the output path is not a folder")
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable")
    resolved = out_dir.resolve()
    for src in sources:
        if _real(Path(src)).parent == resolved:
            raise OutputError("the output folder must not be the folder of the originals")


# A neutral prefix is a plain word: it becomes part of every output file's name.
NEUTRAL_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def unique_output_path(out_dir: Path, stem: str, ext: str, reserved: set[str], neutral_prefix: str = "") -> Path:
    """`<stem>_clean.<ext>`, or `<stem>_clean-2.<ext>` ... when that name is taken; with a
    neutral prefix `<prefix>_001.<ext>`, `<prefix>_002.<ext>` ... (one number per file, whatever its type).

    A long stem is cut so the name stays within the file system's 255 bytes; the counter
    keeps two names that share their first 240-odd bytes apart."""
    if neutral_prefix and not NEUTRAL_PREFIX.fullmatch(neutral_prefix):
        raise OutputError("the neutral name prefix may hold only letters, digits, - and _")
    n = 1
    while True:
        if neutral_prefix:
            base = f"{neutral_prefix}_{n:03d}"
            taken = base.lower() in reserved or any(out_dir.glob(f"{glob.escape(base)}.*"))
            name = f"{base}.{ext}"
        else:
            tail = f"_clean{'' if n == 1 else f'-{n}'}.{ext}"
            base = name = fit_stem(stem, tail) + tail
            taken = name.lower() in reserved or (out_dir / name).exists()
        if not taken:
            reserved.update({name.lower(), base.lower()})
            return out_dir / name
        n += 1


def _tally(plan: Plan, result: CleanResult) -> None:
    """Count redacted regions by kind and kept ones by who decided; a video track counts once."""
    def unique(regions):
        seen: dict[object, object] = {}
        for r in regions:
            seen.setdefault(r.id if r.track_id is None else ("track", r.track_id), r)
        return seen.values()
    result.redacted = dict(Counter(r.kind.value for r in unique(r for r in plan.regions if r.redacted)))
    result.kept = dict(Counter(r.decided_by.value for r in unique(r for r in plan.regions if not r.redacted)))


def clean(plan: Plan, out_dir: Path | str, settings: Settings, reserved_names: set[str] | None = None,
          progress: Progress | None = None, cancel: Cancel | None = None,
          keep_audio: bool = False,
          loaded: "formats.LoadedImage | formats.Animation | None" = None,
          namer: OutputNamer | None = None) -> CleanResult:
    """Write a verified clean copy of plan.source into out_dir following the plan's decisions.

    `loaded` is the image as `analyse` decoded it, when the caller still holds it; `namer`
    chooses the written file's path (default: a free `<stem>_clean.<ext>` in out_dir)."""
    out_dir = Path(out_dir)
    reserved = reserved_names if reserved_names is not None else set()
    if namer is None:
        def namer(source: Path, ext: str) -> Path:
            return unique_output_path(out_dir, source.stem, ext, reserved, settings.neutral_prefix)
    result = CleanResult(source=plan.source, media=plan.media, approved=plan.approved)
    if plan.error:
        result.error = plan.error
        return result
    try:
        check_output_dir(out_dir, [plan.source])
        result.sha256_in = sha256_of(plan.source)
        if plan.media == "video":
            dest = namer(plan.source, "mp4")
            _video().clean_video(plan, dest, settings, progress=progress, cancel=cancel,
                                 keep_audio=keep_audio)
        elif plan.media == "animation":
            from .animation import clean_animation
            if not isinstance(loaded, formats.Animation):
                loaded = formats.load_animation(plan.source)
            if (len(loaded.frames), *loaded.size[::-1]) != (plan.frame_count, plan.height, plan.width):
                raise SanitizerError("the file changed since it was analysed; analyse it again")
            dest = namer(plan.source, ANIMATED_EXTENSIONS[loaded.format])
            clean_animation(plan, loaded, dest, settings)
        else:
            if not isinstance(loaded, formats.LoadedImage):
                loaded = formats.load_image(plan.source)
            if loaded.pixels.shape[:2] != (plan.height, plan.width):
                raise SanitizerError("the file changed since it was analysed; analyse it again")
            ext, fmt = output_spec(loaded)
            dest = namer(plan.source, ext)
            pixels = apply_redactions(loaded.pixels, plan.regions, settings)
            write_clean_image(pixels, dest, fmt, quality=settings.jpeg_quality)
            if progress:
                progress(1, 1)
        result.output = dest
        result.sha256_out = sha256_of(dest)
        # Everything the plan listed is gone, except the sound track when it was kept on request.
        result.removed = [m for m in plan.metadata if not (keep_audio and m.tag == "audio track")]
        _tally(plan, result)
        result.ok = True
    except Exception as exc:  # noqa: BLE001 - fail closed for this file, go on with the batch
        result.error = user_message(exc)
        _log_failure("clean", exc)
    return result


def analyse_and_clean(path: Path, out_dir: Path, settings: Settings, reserved_names: set[str],
                      progress: Progress | None = None, cancel: Cancel | None = None,
                      keep_audio: bool = False, namer: OutputNamer | None = None) -> tuple[Plan, CleanResult]:
    plan, loaded = _analyse(Path(path), settings, progress, cancel)
    return plan, clean(plan, out_dir, settings, reserved_names, progress=progress, cancel=cancel,
                       keep_audio=keep_audio, loaded=loaded, namer=namer)
