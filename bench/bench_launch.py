"""Benchmark: seconds from launch to a visible main window, and memory once the models are loaded.

Launch: starts the real app (the venv's `sanitize-gui`, and the bundle's `PhiSanitizer` when
dist/PhiSanitizer exists) under Xvfb (X11, as on a desktop; QT_QPA_PLATFORM=offscreen with
--platform offscreen) with SANITIZER_REPORT_SHOWN=1, which makes ui/app.py print
`window-shown <unix time>` once the main window is shown and the event loop runs, then quit.
Launch time = that time minus the time just before the process was started. The first run
(cold file cache) is printed apart; the median is over the following runs.

Memory: resident set after the face and OCR detectors are loaded and one 12 MP photo is
analysed with the default settings (every detector on):
  - in a venv process: VmRSS and VmHWM read from /proc/self/status at each step;
  - for `sanitize scan PHOTO --json` (venv and bundle): the peak RSS of the process (wait4).

    .venv/bin/python bench/bench_launch.py [--runs 5] [--platform xvfb|offscreen] [--no-bundle]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_GUI = REPO / ".venv" / "bin" / "sanitize-gui"
VENV_CLI = REPO / ".venv" / "bin" / "sanitize"
BUNDLE = REPO / "dist" / "PhiSanitizer"
PY = sys.executable

MEMORY_PROBE = r"""
import sys
from pathlib import Path
from sanitizer import netguard
netguard.install()

def status():
    fields = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

print("imports", *status(), flush=True)
from sanitizer import pipeline
from sanitizer.detectors.base import build_detectors
from sanitizer.settings import Settings
settings = Settings()
build_detectors(settings)
print("detectors-built", *status(), flush=True)
plan = pipeline.analyse(Path(sys.argv[1]), settings)
assert plan.error is None, plan.error
print("after-analysis", *status(), len(plan.regions), flush=True)
"""


def start_xvfb() -> tuple[subprocess.Popen, str] | None:
    if shutil.which("Xvfb") is None:
        return None
    for n in range(91, 120):
        if Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
            continue
        proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                return proc, f":{n}"
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.terminate()
        proc.wait()
    return None


def launch_once(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=cwd)
    shown = None
    try:
        for line in proc.stdout:
            if line.startswith("window-shown "):
                shown = float(line.split()[1])
                break
        proc.wait(timeout=120)  # the app quits by itself shortly after showing
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
    if shown is None:
        raise RuntimeError(f"{cmd[0]} never reported a shown window (exit {proc.returncode})")
    return shown - t0


def bench_launch(name: str, cmd: list[str], env: dict[str, str], runs: int, cwd: Path) -> None:
    times = [launch_once(cmd, env, cwd) for _ in range(runs + 1)]
    cold, warm = times[0], times[1:]
    print(f"launch to visible window, {name}: first {cold:.2f} s; median {statistics.median(warm):.2f} s "
          f"over {len(warm)} runs (min {min(warm):.2f}, max {max(warm):.2f})")


def peak_rss_mb(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(peak RSS MB, wall seconds, exit code) of one run of cmd."""
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.time() - t0, proc.returncode


def make_photo(folder: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from PIL import Image

    from sanitizer.sample_photos import scene
    path = folder / "photo_12mp.jpg"
    Image.fromarray(scene(4000, 3000)).save(path, quality=90)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm launches per program (plus one cold)")
    parser.add_argument("--platform", choices=["xvfb", "offscreen"], default="xvfb")
    parser.add_argument("--no-bundle", action="store_true", help="skip dist/PhiSanitizer even if built")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-launch-"))
    xvfb = None
    try:
        env = dict(os.environ, SANITIZER_REPORT_SHOWN="1", XDG_CONFIG_HOME=str(work / "config"),
                   XDG_CACHE_HOME=str(work / "cache"))
        env.pop("QT_QPA_PLATFORM", None)
        if args.platform == "xvfb":
            xvfb = start_xvfb()
            if xvfb is None:
                print("Xvfb unavailable: using QT_QPA_PLATFORM=offscreen")
                args.platform = "offscreen"
            else:
                env["DISPLAY"] = xvfb[1]
                env["QT_QPA_PLATFORM"] = "xcb"
        if args.platform == "offscreen":
            env["QT_QPA_PLATFORM"] = "offscreen"
        print(f"platform: {env['QT_QPA_PLATFORM']}, cores: {os.cpu_count()}, "
              f"load average: {os.getloadavg()[0]:.1f}")

        has_bundle = (BUNDLE / "PhiSanitizer").is_file() and not args.no_bundle
        bench_launch("venv (.venv/bin/sanitize-gui)", [str(VENV_GUI)], env, args.runs, work)
        if has_bundle:
            bench_launch("bundle (dist/PhiSanitizer/PhiSanitizer)", [str(BUNDLE / "PhiSanitizer")], env,
                         args.runs, work)

        photo = make_photo(work)
        cli_env = {k: v for k, v in env.items() if k != "SANITIZER_REPORT_SHOWN"}
        probe = subprocess.run([PY, "-c", MEMORY_PROBE, str(photo)], capture_output=True, text=True,
                               env=dict(cli_env, PYTHONPATH=str(REPO)), cwd=work, timeout=600)
        if probe.returncode != 0:
            print("memory probe failed:", probe.stderr.strip().splitlines()[-1:])
        for line in probe.stdout.splitlines():
            step, rss, hwm, *regions = line.split()
            extra = f", {regions[0]} regions" if regions else ""
            print(f"memory, venv process, {step}: VmRSS {float(rss):.0f} MB, VmHWM {float(hwm):.0f} MB{extra}")

        scans = [("venv", [str(VENV_CLI)])]
        if has_bundle:
            scans.append(("bundle", [str(BUNDLE / "sanitize")]))
        for name, cmd in scans:
            peak, wall, code = peak_rss_mb(cmd + ["scan", str(photo), "--json"], cli_env, work)
            print(f"memory, `sanitize scan` 12 MP photo, {name}: peak RSS {peak:.0f} MB "
                  f"({wall:.1f} s, exit {code})")
    finally:
        if xvfb is not None:
            xvfb[0].terminate()
            xvfb[0].wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
