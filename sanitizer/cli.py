"""`sanitize`: the command-line face of the engine (inspect, scan, clean, demo, self-test).

Exit codes: 0 every file done, 1 any file failed (each named on stderr), 2 usage errors.
Nothing printed here contains OCR'd text or metadata values unless --values is asked for.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from . import __version__, netguard
from .names import printable
from .settings import DETECTOR_SWITCHES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class ProgressBar:
    """A progress bar with rate and ETA on stderr (tqdm), only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool):
        from tqdm import tqdm
        self.enabled = enabled and sys.stderr.isatty() and total > 0
        self._bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, leave=True,
                         disable=not self.enabled)

    def step(self, label: str = "") -> None:
        self._bar.set_postfix_str(printable(label)[:40], refresh=False)
        self._bar.update(1)

    def note(self, message: str) -> None:
        """A line on stderr that does not garble the bar."""
        self._bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self._bar.close()


# What each detector switch looks for; --no-NAME turns that work off entirely.
SWITCH_HELP = {
    "faces": "faces",
    "text": "PHI text (no text is read)",
    "wristbands": "wristband and specimen labels",
    "documents": "charts, forms and whiteboards",
    "barcodes": "barcodes and QR codes (wristband labels are still found from their codes)",
    "screens": "screens showing text",
}


def _add_detection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=["standard", "strict"], default="standard",
                   help="standard: hide faces and PHI; strict: also hide all other text, fill faces")
    p.add_argument("--sensitivity", choices=["low", "medium", "high"], default="high",
                   help="face detection sensitivity (default high: a missed face is the worst failure)")
    for name in DETECTOR_SWITCHES:
        p.add_argument(f"--no-{name}", action="store_true", help=f"do not look for {SWITCH_HELP[name]}")
    p.add_argument("--allow", action="append", default=[], metavar="WORDS",
                   help="text that is never PHI (hospital name, signage); repeatable")
    p.add_argument("--allowlist-file", type=Path, help="file with one allowed phrase per line")
    p.add_argument("--ocr-engine", choices=["rapidocr", "easyocr"], default="rapidocr")


def _settings_from(args: argparse.Namespace):
    from .settings import Preset, Sensitivity, Settings, Style
    allow = list(args.allow)
    if args.allowlist_file:
        try:
            allow += [ln.strip() for ln in args.allowlist_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        except OSError:
            raise SystemExit(_usage_error("the allowlist file cannot be read"))
    s = Settings(preset=Preset(args.preset), sensitivity=Sensitivity(args.sensitivity),
                 allowlist=allow, ocr_engine=args.ocr_engine,
                 **{name: not getattr(args, f"no_{name}") for name in DETECTOR_SWITCHES})
    if getattr(args, "style", None):
        s.face_style = Style(args.style)
    if getattr(args, "text_style", None):
        s.text_style = Style(args.text_style)
    s.video_blur_frame_when_lost = getattr(args, "blur_frame_when_lost", False)
    s.neutral_prefix = getattr(args, "neutral_names", None) or ""
    return s


def _usage_error(message: str) -> int:
    print(f"sanitize: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _collect(paths: list[str], exclude: list[Path] | None = None) -> list[Path]:
    from .pipeline import collect_inputs
    return collect_inputs([Path(p) for p in paths], exclude=exclude or [])


def cmd_inspect(args) -> int:
    from .errors import SanitizerError
    from .metadata import GROUP_LABELS, inspect_metadata
    path = Path(args.file)
    if not path.is_file():
        return _usage_error(f"{printable(path)}: not a file")
    try:
        findings = inspect_metadata(path, show_values=args.values)
    except SanitizerError as exc:
        print(f"{printable(path)}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"path": str(path), "metadata": [
            {"group": f.group, "tag": f.tag, "detail": f.detail} for f in findings]}))
        return EXIT_OK
    if not findings:
        print(f"{printable(path)}: no metadata found")
    by_group: dict[str, list] = {}
    for f in findings:
        by_group.setdefault(f.group, []).append(f)
    for group, items in by_group.items():
        print(f"{GROUP_LABELS.get(group, group)}:")
        for f in items:
            print(f"  {f.detail or f.tag}")
    return EXIT_OK


def cmd_scan(args) -> int:
    from .pipeline import analyse
    settings = _settings_from(args)
    inputs = _collect(args.paths)
    if not inputs:
        return _usage_error("no photos or videos found in the given paths")
    failed = 0
    bar = ProgressBar(len(inputs), enabled=not args.json)
    for path in inputs:
        plan = analyse(path, settings)
        bar.step(path.name)
        if plan.error:
            failed += 1
            bar.note(f"{printable(path)}: {plan.error}")
        if args.json:
            print(json.dumps(plan.to_json()), flush=True)
        elif not plan.error:
            kinds = Counter(r.kind.value for r in plan.regions)
            found = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "nothing to hide"
            groups = sorted({m.group for m in plan.metadata})
            print(f"{printable(path)}: {found}; metadata: {', '.join(groups) or 'none'}")
    bar.close()
    return EXIT_FAILED if failed else EXIT_OK


class CleanProgress:
    """What `clean` shows as files finish: the bar, failures on stderr, --json events on stdout.

    --json prints JSON Lines on stdout, one object per event (documented in the README):
    {"event": "start", "files", "reused"}, then per file in input order
    {"event": "file", "done", "files", "reused", <the file's report record>}, then
    {"event": "finish", "summary", "report", "interrupted"}.
    """

    def __init__(self, as_json: bool, quiet: bool):
        self.as_json, self.quiet = as_json, quiet
        self.bar: ProgressBar | None = None
        self.done = self.total = 0

    def start(self, total: int, reused: int) -> None:
        self.total = total
        # Files reused by --resume take no time: the bar and its ETA count only the work left.
        self.bar = ProgressBar(total - reused, enabled=not (self.quiet or self.as_json))
        self._event({"event": "start", "files": total, "reused": reused})

    def file(self, result, record: dict, reused: bool) -> None:
        self.done += 1
        assert self.bar is not None
        if not reused:
            self.bar.step(result.source.name)
        if not result.ok:
            self.bar.note(f"{printable(result.source)}: {result.error}")
        self._event({"event": "file", "done": self.done, "files": self.total, "reused": reused, **record})

    def finish(self, outcome) -> None:
        if self.bar is not None:
            self.bar.close()
        name = outcome.report_path.name if outcome.report_path else None
        summary = outcome.report.summary()
        self._event({"event": "finish", "summary": summary, "report": name, "interrupted": outcome.interrupted})
        if outcome.other_settings:
            print(f"sanitize: {outcome.other_settings} earlier result(s) in the journal were made with other "
                  "settings and were not reused", file=sys.stderr)
        if outcome.stopped:
            print(f"sanitize: error: {outcome.stopped}", file=sys.stderr)
        if outcome.report_error:
            print(f"sanitize: the audit report could not be written ({outcome.report_error})", file=sys.stderr)
        if outcome.interrupted:
            print(f"sanitize: stopped: {summary['files']} of {outcome.total} files done; report: {name}",
                  file=sys.stderr)
        elif not (self.quiet or self.as_json):
            reused = f" ({outcome.reused} from an earlier run)" if outcome.reused else ""
            print(f"{summary['cleaned']} of {summary['files']} files cleaned and verified{reused} into "
                  f"{printable(outcome.report.out_dir)}; {f'report: {name}' if name else 'no report'}")
            if summary["exported_unreviewed"]:
                print(f"{summary['exported_unreviewed']} exported without a person's review (the report says so "
                      "per file); check them before publishing")

    def _event(self, event: dict) -> None:
        if self.as_json:
            print(json.dumps(event), flush=True)


def cmd_clean(args) -> int:
    from .batch import clean_batch, default_jobs, runner_for
    from .errors import OutputError
    from .phi import file_name_finding
    from .pipeline import NEUTRAL_PREFIX, check_output_dir
    settings = _settings_from(args)
    if settings.neutral_prefix and not NEUTRAL_PREFIX.fullmatch(settings.neutral_prefix):
        return _usage_error("--neutral-names takes a plain word: letters, digits, - and _ (at most 40)")
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return _usage_error("--jobs must be 1 or more")
    if args.scheduler:
        from .cluster import ClusterUnavailable, check_scheduler_address
        try:
            check_scheduler_address(args.scheduler)
        except (ValueError, ClusterUnavailable) as exc:
            return _usage_error(str(exc))
    out_dir = Path(args.output)
    inputs = _collect(args.paths, exclude=[out_dir])  # never our own earlier outputs
    if not inputs:
        return _usage_error("no photos or videos found in the given paths")
    if not settings.neutral_prefix:
        personal = [p for p in inputs if file_name_finding(p) is not None]
        for path in personal:
            print(f"warning: {printable(path.name)}: the file name may hold a person's details and the clean copy "
                  "keeps it", file=sys.stderr)
        if personal:
            print("warning: use --neutral-names PREFIX to give the clean copies neutral names", file=sys.stderr)
    try:
        check_output_dir(out_dir, inputs)
    except OutputError as exc:
        return _usage_error(str(exc))
    progress = CleanProgress(as_json=args.json, quiet=args.quiet)
    outcome = clean_batch(inputs, out_dir, settings, runner_for(min(jobs, len(inputs)), args.scheduler),
                          keep_audio=args.keep_audio, resume=args.resume,
                          roots=[Path(p) for p in args.paths if Path(p).is_dir()],
                          on_start=progress.start, on_file=progress.file)
    progress.finish(outcome)
    failed = outcome.report.summary()["failed"] or outcome.interrupted or outcome.report_error
    return EXIT_FAILED if failed else EXIT_OK


def cmd_demo(args) -> int:
    from .demo import run_demo
    return run_demo(Path(args.folder))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sanitize", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="analyse and clean a built-in sample offline and print one line per check")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("inspect", help="list the metadata a file carries")
    p.add_argument("file")
    p.add_argument("--values", action="store_true", help="also print free-text values (may contain names)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("scan", help="find faces, PHI and metadata without writing anything")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    _add_detection_options(p)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("clean", help="write clean, verified copies and an audit report")
    p.add_argument("paths", nargs="+")
    p.add_argument("-o", "--output", required=True, help="output folder (never the originals' folder)")
    p.add_argument("--style", choices=["blur", "pixelate", "fill"], help="how faces are hidden")
    p.add_argument("--text-style", choices=["blur", "pixelate", "fill"], help="how text and codes are hidden")
    p.add_argument("--keep-audio", action="store_true", help="keep the sound track of videos")
    p.add_argument("--blur-frame-when-lost", action="store_true",
                   help="video: blur the whole frame where a face track is lost between detections")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="clean N files at a time in worker processes (default: every core, at most one "
                        "per 2 GB of memory)")
    p.add_argument("--resume", action="store_true",
                   help="skip inputs an earlier run into OUTDIR already cleaned and verified (by sha256)")
    p.add_argument("--scheduler", metavar="tcp://IP:PORT",
                   help="run the files on a Dask cluster (needs the 'cluster' extra); paths must be shared")
    p.add_argument("--json", action="store_true", help="progress events as JSON Lines on stdout")
    p.add_argument("--neutral-names", metavar="PREFIX",
                   help="name the clean copies PREFIX_001.jpg, PREFIX_002.png, ... instead of <name>_clean "
                        "(the report and map.tsv still pair each with its original)")
    p.add_argument("-q", "--quiet", action="store_true")
    _add_detection_options(p)
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("demo", help="build a folder of dirty demo photos, clean it and show what was removed")
    p.add_argument("folder", nargs="?", default="demo")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    netguard.install()
    logging.basicConfig(level=logging.WARNING, format="sanitize: %(levelname)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from .selftest import run_self_test
        return run_self_test()
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("sanitize: cancelled", file=sys.stderr)
        return EXIT_FAILED
    finally:
        from .tempfiles import cleanup_private
        cleanup_private()


if __name__ == "__main__":
    sys.exit(main())
