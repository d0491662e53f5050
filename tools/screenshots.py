"""Screenshots of the real app for the README, in the light and the dark palette.

Starts the app under Xvfb (through `xvfb-run -a` unless a display is already set), adds a
demo batch generated on the fly (scikit-image sample photos and a generated ward photo
with a fictional wristband label and a QR code, all GPS-tagged), waits for the analysis,
then saves docs/screenshot-<view>-<light|dark>.png for the views queue, grid, editor (with
its list of areas), result, export (the dialog) and (when the video engine is present) video.

    .venv/bin/python tools/screenshots.py [--out docs] [--theme light|dark|both]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sanitizer import netguard  # noqa: E402

netguard.install()

WINDOW_SIZE = (1360, 860)


def relaunch_under_xvfb(argv: list[str]) -> int:
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        print("xvfb-run is not installed (Debian: xvfb); set DISPLAY or install it", file=sys.stderr)
        return 2
    cmd = [xvfb_run, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__, "--inner", *argv]
    return subprocess.call(cmd, env={**os.environ, "QT_QPA_PLATFORM": "xcb"})


def demo_batch(folder: Path) -> dict[str, Path]:
    """Photos with something to find and the metadata phones leave behind."""
    import numpy as np
    from PIL import Image
    from skimage import data

    from sanitizer import sample_photos

    folder.mkdir(parents=True, exist_ok=True)
    ward = sample_photos.scene(1200, 800, seed=11)
    face = np.asarray(Image.fromarray(data.astronaut()).resize((300, 300)))
    ward = ward.copy()
    ward[40:340, 40:340] = face  # a visitor beside the patient's wristband label
    files = {
        "ward": sample_photos.dirty_jpeg(folder / "ward_visit_0412.jpg", ward),
        "astronaut": sample_photos.dirty_jpeg(folder / "awards_night_guest.jpg", data.astronaut()),
        "coffee": sample_photos.dirty_jpeg(folder / "cafe_opening.jpg", data.coffee()),
        "poster": sample_photos.dirty_png(folder / "poster_draft.png", sample_photos.scene(800, 600, seed=4)),
        # A (fictional) patient's name typed into a file name: the queue points it out.
        "cat": sample_photos.dirty_jpeg(folder / "Mrs Patel therapy cat visit.jpg", data.chelsea(), orientation=6),
    }
    try:  # a short clip of a face panning across, with GPS and camera tags (the video engine's sample)
        from sanitizer.video.selftest import build_dirty_clip
        build_dirty_clip(folder / "lobby_walkthrough.mp4")
        files["video"] = folder / "lobby_walkthrough.mp4"
    except Exception as exc:  # noqa: BLE001 - screenshots of photos still work
        print(f"no demo video ({type(exc).__name__})", file=sys.stderr)
    broken = folder / "camera_card_copy.jpg"
    broken.write_bytes(files["coffee"].read_bytes()[:700])  # a copy that stopped half-way
    files["broken"] = broken
    return files


def wait_until(app, condition, timeout_s: float = 300.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def settle(app, seconds: float = 0.5) -> None:
    wait_until(app, lambda: False, seconds)


VIEWS = ("queue", "grid", "editor", "result", "export", "video")


def take(out_dir: Path, dark: bool) -> int:
    from PySide6.QtCore import QSettings

    from ui.app import create_application
    from ui.main_window import MainWindow
    from ui.settings_store import SettingsStore

    app = create_application(dark=dark)
    suffix = "dark" if dark else "light"
    out_dir.mkdir(parents=True, exist_ok=True)

    def save(widget, view: str) -> None:
        settle(app)
        widget.grab().save(str(out_dir / f"screenshot-{view}-{suffix}.png"))

    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        tmp_path = Path(tmp)
        files = demo_batch(tmp_path / "Ward 4 visit")
        store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(store=store)
        window.resize(*WINDOW_SIZE)
        window.show()
        settle(app)
        window.add_paths([tmp_path / "Ward 4 visit"])
        if not wait_until(app, lambda: not window.analysis.busy):
            print("analysis did not finish in time", file=sys.stderr)
            return 1
        settle(app)
        keys = {item.path: key for key, item in window.items.items()}
        window.set_approved([keys[files["coffee"]], keys[files["poster"]]])  # two checked already
        window.queue.setCurrentItem(window._rows[keys[files["ward"]]])
        window.queue.scrollToTop()
        save(window, "queue")

        window.show_grid()
        wait_until(app, lambda: len(window.grid._images) == len(window._approvable()), 120)
        window.grid.list.setCurrentRow(0)
        save(window, "grid")

        window.open_review(keys[files["ward"]])
        editor = window.editor
        wait_until(app, lambda: editor.canvas.image_size != (0, 0), 60)
        plan = window.items[keys[files["ward"]]].plan
        faces = [r for r in plan.regions if r.kind.value == "face"]
        if faces:
            editor.canvas.select(faces[0])
        elif plan.regions:
            editor.canvas.select(plan.regions[0])
        save(window, "editor")

        editor.act_after.setChecked(True)
        wait_until(app, lambda: editor.showing_result, 60)
        save(window, "result")
        editor.act_after.setChecked(False)

        window.open_export()
        dialog = window.export_dialog
        dialog.adjustSize()
        save(dialog, "export")
        dialog.close()

        if "video" in files:
            window.open_review(keys[files["video"]])
            video_plan = window.items[keys[files["video"]]].plan
            wait_until(app, lambda: editor._shown_frame == 0, 60)
            if not video_plan.error and video_plan.frame_count:
                target = video_plan.frame_count // 2
                editor.timeline.set_frame(target)
                wait_until(app, lambda: editor._shown_frame == target, 60)
                visible = editor.visible_regions()
                if visible:
                    editor.canvas.select(visible[0])
            save(window, "video")
        print(f"{len(plan.regions)} regions on the ward photo: "
              + ", ".join(sorted({r.kind.value for r in plan.regions})))
        window.discard_unsaved_work()  # demo decisions: nothing to keep
        window.shutdown()
        window.close()
    for view in VIEWS:
        print(out_dir / f"screenshot-{view}-{suffix}.png")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--theme", choices=["light", "dark", "both"], default="both")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.theme == "both":  # one process per theme: the palette is chosen once, at start
        return max(subprocess.call([sys.executable, __file__, "--out", str(args.out), "--theme", theme])
                   for theme in ("light", "dark"))
    if not args.inner and not os.environ.get("DISPLAY"):
        return relaunch_under_xvfb(sys.argv[1:])
    return take(args.out, dark=args.theme == "dark")


if __name__ == "__main__":
    sys.exit(main())
