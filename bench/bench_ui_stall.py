"""Longest stall of the UI event loop while the app analyses a batch of photos.

A QTimer ticks every 5 ms on the UI thread and records the gap between ticks; any gap far
above 5 ms means the window could not repaint or react for that long. The batch (50 photos
by default, generated on the fly) is added to the real MainWindow exactly as a drop would;
half-way through, the first photo is opened in the review editor, as a reviewer would do.
Target: longest stall < 100 ms.

    .venv/bin/python bench/bench_ui_stall.py [--count 50] [--size 1600x1200] [--export] [--verbose]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanitizer import netguard  # noqa: E402

netguard.install()

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402

from sanitizer import sample_photos  # noqa: E402

TICK_MS = 5
TARGET_MS = 100.0


def make_batch(folder: Path, count: int, width: int, height: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        pixels = sample_photos.scene(width, height, seed=i)
        if i % 2:  # vary the layout so every photo differs
            pixels = np.ascontiguousarray(pixels[:, ::-1])
        paths.append(sample_photos.dirty_jpeg(folder / f"photo_{i:03d}.jpg", pixels,
                                              orientation=6 if i % 5 == 0 else 1))
    return paths


def start_watchdog(clock, last, events) -> None:
    """Where the UI thread is when a tick is late (to find what blocks it)."""
    import threading
    import traceback
    main_id = threading.main_thread().ident

    def watch() -> None:
        while True:
            time.sleep(0.01)
            late = (clock.nsecsElapsed() - last[0]) / 1e6
            if late > 40:
                frame = sys._current_frames().get(main_id)
                stack = traceback.extract_stack(frame)[-3:] if frame else []
                where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
                events.append((clock.nsecsElapsed() / 1e6, f"[ui late {late:.0f} ms at {where}]"))

    threading.Thread(target=watch, daemon=True).start()


def measure_export(app, window, out_dir: Path, gaps: list[float], last, clock, tick) -> None:
    """The same figure while the batch is exported (clean copies written and verified)."""
    from ui.export_dialog import ExportDialog
    for item in window.items.values():
        if item.plan is not None:
            item.plan.approved = True
    dialog = ExportDialog(window, list(window.items.values()), window.store, window.settings)
    dialog.set_output_folder(out_dir)
    loop = QEventLoop()
    dialog.exportFinished.connect(lambda *_: loop.quit())
    gaps.clear()
    last[0] = clock.nsecsElapsed()
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    dialog.exportFinished.connect(lambda *_: timer.stop())
    started = time.perf_counter()
    QTimer.singleShot(0, dialog.start)
    loop.exec()
    elapsed = time.perf_counter() - started
    arr = np.array(gaps[1:]) if len(gaps) > 1 else np.array([0.0])
    summary = dialog.summary or {}
    print(f"exported {summary.get('exported', 0)} files ({summary.get('failed', 0)} failed) in {elapsed:.1f} s; "
          f"longest UI stall while exporting: {arr.max():.1f} ms, p99 {np.percentile(arr, 99):.1f} ms, "
          f"> 100 ms: {(arr > 100).sum()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--size", default="1600x1200", help="photo size WxH")
    parser.add_argument("--no-review", action="store_true", help="do not open the editor half-way")
    parser.add_argument("--verbose", action="store_true", help="list every stall over 50 ms")
    parser.add_argument("--export", action="store_true", help="then export the batch and measure that too")
    parser.add_argument("--threads", action="store_true",
                        help="analyse on a thread of the window's process instead of the worker process")
    parser.add_argument("--baseline", type=float, default=20.0,
                        help="seconds of ticking with the window idle first: the machine's own noise")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from ui.app import create_application
    from ui.main_window import MainWindow
    from ui.settings_store import SettingsStore

    app = create_application()
    clock = QElapsedTimer()
    clock.start()

    def clock_ms() -> float:
        return clock.nsecsElapsed() / 1e6
    with tempfile.TemporaryDirectory(prefix="ui-stall-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        paths = make_batch(tmp_path / "batch", args.count, width, height)
        print(f"generated {len(paths)} photos {width}x{height} in {time.perf_counter() - t0:.1f} s")
        store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(store=store)
        window.analysis._runner._use_processes = not args.threads
        window.show()
        events: list[tuple[float, str]] = []
        window.analysis.thumbnail.connect(lambda *_: events.append((clock_ms(), "thumbnail")))
        window.analysis.analysed.connect(lambda *_: events.append((clock_ms(), "analysed")))
        window.editor._loader.loaded.connect(lambda *_: events.append((clock_ms(), "editor image")))

        gaps: list[float] = []
        last = [clock.nsecsElapsed()]
        stalls: list[tuple[float, float]] = []

        def tick() -> None:
            now = clock.nsecsElapsed()
            gap = (now - last[0]) / 1e6
            gaps.append(gap)
            if gap > 50:
                stalls.append((now / 1e6, gap))
            last[0] = now

        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        opened = [False]

        def maybe_review() -> None:
            if not args.no_review and not opened[0] and window._batch_done >= args.count // 2:
                opened[0] = True
                window.open_review(window.ordered_keys()[0])

        window.analysis.analysed.connect(lambda *_: maybe_review())
        # A local loop, not app.exec(): quitting the app would close the window.
        loop = QEventLoop()

        def batch_done() -> None:
            timer.stop()
            loop.quit()

        window.analysis.idle.connect(batch_done)
        timer.start()
        if args.verbose:
            start_watchdog(clock, last, events)
        baseline: list[float] = []

        def start_batch() -> None:
            baseline.extend(gaps[1:])
            gaps.clear()
            window.add_paths([tmp_path / "batch"])
            started[0] = time.perf_counter()

        started = [time.perf_counter()]
        QTimer.singleShot(int(args.baseline * 1000), start_batch)
        loop.exec()
        elapsed = time.perf_counter() - started[0]
        timer.stop()
        if baseline:
            base = np.array(baseline)
            print(f"idle window for {args.baseline:.0f} s (machine noise): longest gap {base.max():.1f} ms, "
                  f"p99 {np.percentile(base, 99):.1f} ms, gaps > 100 ms: {(base > 100).sum()}")
        print(f"load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
              f"on {os.cpu_count()} cores")

        gaps_arr = np.array(gaps[1:]) if len(gaps) > 1 else np.array([0.0])
        stall = float(gaps_arr.max())
        errors = sum(1 for item in window.items.values() if item.error)
        found = sum(len(item.plan.regions) for item in window.items.values() if item.plan)
        print(f"analysed {len(window.items)} photos in {elapsed:.1f} s "
              f"({elapsed / max(1, len(window.items)):.2f} s/photo), {found} regions, {errors} errors")
        print(f"event-loop ticks: {len(gaps_arr)}, median gap {np.median(gaps_arr):.1f} ms, "
              f"p99 {np.percentile(gaps_arr, 99):.1f} ms, gaps > 50 ms: {(gaps_arr > 50).sum()}, "
              f"> 100 ms: {(gaps_arr > 100).sum()}")
        if args.verbose:
            for end, gap in stalls:
                near = [f"{name}@{t - end:+.0f}ms" for t, name in events if abs(t - end) < 300]
                print(f"  stall {gap:.0f} ms ending at {end / 1000:.1f} s; near: {', '.join(near) or '-'}")
        verdict = "meets" if stall < TARGET_MS else "MISSES"
        print(f"longest UI stall: {stall:.1f} ms ({verdict} the < {TARGET_MS:.0f} ms target)")
        if args.export:
            measure_export(app, window, tmp_path / "clean", gaps, last, clock, tick)
        window.shutdown()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
