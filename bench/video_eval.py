#!/usr/bin/env python3
"""Clean every clip of ../shared/corpus/video and check the outputs with exiftool and ffprobe.

For each clip: cleaned or refused (with the plain-words reason), frames, tracks, sound,
and what exiftool (`-ee3`, embedded tracks too) and ffprobe still find in the output in
four groups: location, device, date, title/comment; plus any stream other than video.
Also lists what the source carried in those groups, so a zero means something.

    .venv/bin/python bench/video_eval.py [--corpus ../shared/corpus/video] [--keep-audio]
        [--faces-only] [--out /tmp/video_eval]

Outputs go to a scratch folder (default: a temporary folder, deleted at the end).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanitizer.errors import SanitizerError  # noqa: E402
from sanitizer.settings import Settings  # noqa: E402
from sanitizer.video import analyse_video, clean_video, is_video  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GROUPS = {
    "location": re.compile(r"gps|location|xyz|iso6709|coordinates|latitude|longitude", re.I),
    "device": re.compile(r"make|model|serial|camera|lens|device|software|encoder|vendor|firmware|"
                         r"hostcomputer|writer|author|artist|creator|uniqueid", re.I),
    "date": re.compile(r"date|time", re.I),
    "title": re.compile(r"title|comment|description|keywords|album|copyright|lyrics|genre|"
                        r"subject|caption|composer|grouping|information", re.I),
}
# exiftool tags about the file system or exiftool itself, never from the file's content.
_OUTSIDE = ("System:", "ExifTool:", "File:")
# Structural tags every MP4 has; their names match the patterns but carry nothing.
_STRUCTURAL = re.compile(r"^(.*Time ?Scale|.*Duration|Preview Time|Poster Time|Selection Time|Current Time|"
                         r"Composition Time To Sample|Time To Sample Table|Sample Group Description)$", re.I)
_ZERO_DATE = "0000:00:00 00:00:00"


def exif_findings(path: Path) -> dict[str, list[str]]:
    out = subprocess.run(["exiftool", "-j", "-a", "-u", "-G1", "-ee3", "-api", "RequestAll=3", str(path)],
                         capture_output=True, text=True)
    try:
        tags = json.loads(out.stdout)[0]
    except (json.JSONDecodeError, IndexError):
        return {"unreadable": ["exiftool"]}
    found: dict[str, list[str]] = {g: [] for g in GROUPS}
    for key, value in tags.items():
        if key.startswith(_OUTSIDE) or key == "SourceFile":
            continue
        name = key.split(":", 1)[-1]
        if name == "HandlerDescription" and value in ("VideoHandler", "SoundHandler"):
            continue  # the default track handler names libavformat writes
        if _STRUCTURAL.search(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)):
            continue
        for group, pattern in GROUPS.items():
            if pattern.search(name):
                if group == "date" and str(value).startswith(_ZERO_DATE):
                    continue  # an empty MP4 date field (1904 epoch zero)
                found[group].append(name)
                break
    return found


def ffprobe_findings(path: Path) -> tuple[list[str], list[str]]:
    """(tags beyond the structural allowlist, stream types)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          "-show_chapters", str(path)], capture_output=True, text=True)
    try:
        info = json.loads(out.stdout)
    except json.JSONDecodeError:
        return ["unreadable"], []
    extra = [k for k in info.get("format", {}).get("tags", {})
             if k not in ("major_brand", "minor_version", "compatible_brands")]
    allowed = {"language": {"und"}, "handler_name": {"VideoHandler", "SoundHandler"}, "vendor_id": {"[0][0][0][0]"}}
    for s in info.get("streams", []):
        extra += [f"{s['codec_type']}:{k}" for k, v in s.get("tags", {}).items() if v not in allowed.get(k, set())]
        if s.get("side_data_list"):
            extra.append(f"{s['codec_type']}:side_data")
    if info.get("chapters"):
        extra.append("chapters")
    return extra, [s["codec_type"] for s in info.get("streams", [])]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "video")
    ap.add_argument("--out", type=Path, help="keep outputs here (default: temporary, deleted)")
    ap.add_argument("--keep-audio", action="store_true")
    ap.add_argument("--faces-only", action="store_true", help="faces only (no OCR/codes/screens)")
    a = ap.parse_args()
    if shutil.which("exiftool") is None or shutil.which("ffprobe") is None:
        print("exiftool and ffprobe are needed", file=sys.stderr)
        return 2
    settings = Settings().with_only("faces") if a.faces_only else Settings()
    clips = sorted(p for p in a.corpus.iterdir() if p.is_file() and not p.name.endswith(".tsv"))
    scratch = a.out or Path(tempfile.mkdtemp(prefix="video_eval_"))
    scratch.mkdir(parents=True, exist_ok=True)
    totals = {"clips": 0, "cleaned": 0, "refused": 0, "leaks": 0, "audio_left": 0}
    header = f"{'clip':34s} {'result':8s} {'frames':>6s} {'size':>9s} {'tracks':>6s} {'sec':>6s} " \
             f"{'src loc/dev/date/title':>22s} {'out loc/dev/date/title':>22s} {'out streams':12s} note"
    print(header)
    print("-" * len(header))
    for clip in clips:
        totals["clips"] += 1
        src = exif_findings(clip)
        src_counts = "/".join(str(len(src.get(g, []))) for g in GROUPS)
        dest = scratch / (clip.stem + "_clean.mp4")
        dest.unlink(missing_ok=True)
        started = time.perf_counter()
        if not is_video(clip):
            print(f"{clip.name[:34]:34s} {'refused':8s} {'':>6s} {'':>9s} {'':>6s} {'':>6s} {src_counts:>22s} "
                  f"{'':>22s} {'':12s} not a video by content")
            totals["refused"] += 1
            continue
        try:
            plan = analyse_video(clip, settings)
            info = clean_video(plan, dest, settings, keep_audio=a.keep_audio)
        except SanitizerError as exc:
            totals["refused"] += 1
            print(f"{clip.name[:34]:34s} {'refused':8s} {'':>6s} {'':>9s} {'':>6s} "
                  f"{time.perf_counter() - started:6.1f} {src_counts:>22s} {'':>22s} {'':12s} {exc}")
            continue
        seconds = time.perf_counter() - started
        totals["cleaned"] += 1
        out = exif_findings(dest)
        tags, streams = ffprobe_findings(dest)
        leaks = sum(len(v) for v in out.values()) + len(tags)
        if not a.keep_audio and "audio" in streams:
            totals["audio_left"] += 1
        totals["leaks"] += leaks
        out_counts = "/".join(str(len(out.get(g, []))) for g in GROUPS)
        tracks = len({r.track_id for r in plan.regions})
        note = info.audio
        if leaks:
            note += "  LEFT: " + ", ".join(sum(out.values(), []) + tags)
        print(f"{clip.name[:34]:34s} {'cleaned':8s} {info.frames:6d} {f'{info.width}x{info.height}':>9s} "
              f"{tracks:6d} {seconds:6.1f} {src_counts:>22s} {out_counts:>22s} {','.join(streams):12s} {note}")
    print()
    print(json.dumps(totals))
    if a.out is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if totals["leaks"] == 0 and totals["audio_left"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
