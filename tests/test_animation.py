"""Animated GIF, WebP and PNG are cleaned like a short video and written back animated (issue 17)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from sanitizer import sample_photos
from sanitizer.cli import main
from sanitizer.errors import TooLarge
from sanitizer.formats import animated, load_animation
from sanitizer.verify import verify_clean_file

DATA = Path(__file__).resolve().parents[1] / "sanitizer" / "data"
SECRET = "DOE-00482913"
FACE_FRAMES = range(3, 9)
FACE_AT = (100, 40)  # top-left of the face picture in frame 3; it moves 4 px per frame
DURATIONS = [40, 60, 80, 100, 40, 60, 80, 100, 40, 60, 80, 120]
ONLY_FACES = ["--no-text", "--no-wristbands", "--no-documents", "--no-barcodes", "--no-screens", "--style", "fill"]


def frames() -> list[Image.Image]:
    background = Image.fromarray(sample_photos.scene(400, 300))
    face = Image.open(DATA / "selftest_face.jpg").convert("RGB").resize((160, 160))
    out = []
    for i in range(len(DURATIONS)):
        frame = background.copy()
        if i in FACE_FRAMES:
            frame.paste(face, (FACE_AT[0] + 4 * (i - 3), FACE_AT[1]))
        frame.paste((255, 255, 255), (10 + 8 * i, 270, 16 + 8 * i, 276))  # every frame differs
        out.append(frame)
    return out


def face_box(i: int) -> tuple[slice, slice]:
    x, y = FACE_AT[0] + 4 * (i - 3), FACE_AT[1]
    return slice(y + 15, y + 60), slice(x + 55, x + 95)  # the face itself inside the portrait


def dirty_animation(path: Path, fmt: str) -> Path:
    """An animated picture with a face in some frames and metadata planted in every channel the format has."""
    images = frames()
    exif = Image.Exif()
    exif[0x010E] = f"Patient {SECRET}"  # ImageDescription
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    common = dict(save_all=True, append_images=images[1:], duration=DURATIONS, loop=3)
    if fmt == "gif":
        images[0].save(path, format="GIF", comment=f"Patient {SECRET}".encode(), **common)
    elif fmt == "webp":
        images[0].save(path, format="WEBP", exif=exif, xmp=f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode(),
                       icc_profile=icc, **common)
    else:
        from PIL.PngImagePlugin import PngInfo
        info = PngInfo()
        info.add_text("Comment", f"Patient {SECRET}")
        images[0].save(path, format="PNG", pnginfo=info, exif=exif, icc_profile=icc, **common)
    return path


@pytest.mark.parametrize("fmt", ["gif", "webp", "png"])
def test_animation_is_cleaned_frame_by_frame_and_stays_animated(tmp_path, fmt, capsys):
    (tmp_path / "in").mkdir()
    src = dirty_animation(tmp_path / "in" / f"loop.{fmt}", fmt)
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), *ONLY_FACES]) == 0, capsys.readouterr().err
    result = out / f"loop_clean.{fmt}"
    data = result.read_bytes()
    assert SECRET.encode() not in data and b"xmpmeta" not in data and b"Exif" not in data
    assert b"ICC_PROFILE" not in data and b"ICCP" not in data and b"iCCP" not in data
    with Image.open(result) as im:
        assert im.format == {"gif": "GIF", "webp": "WEBP", "png": "PNG"}[fmt]
        assert im.n_frames == len(DURATIONS)
        assert im.info.get("loop") == 3
        assert "comment" not in im.info and "exif" not in im.info and "icc_profile" not in im.info
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            im.load()  # WebP sets a frame's duration when it is decoded
            durations.append(im.info["duration"])
    assert durations == DURATIONS
    # The face is hidden on every frame that shows it, also between two face keyframes:
    # no frame flashes the face.
    before = [np.asarray(f, dtype=np.float32) for f in frames()]
    after = load_animation(result).frames
    for i in FACE_FRAMES:
        rows, cols = face_box(i)
        change = np.abs(after[i][rows, cols, :3].astype(np.float32) - before[i][rows, cols]).mean()
        assert change > 20, f"frame {i}: the face is shown (mean change {change:.1f})"
    # Frames well away from the face are left alone (only encoding noise).
    far = np.abs(after[0][:200, 300:, :3].astype(np.float32) - before[0][:200, 300:]).mean()
    assert far < 8
    record = json.loads(next(out.glob("sanitize-report-*.json")).read_text())["files"][0]
    assert record["media"] == "animation" and record["regions_redacted"].get("face", 0) >= 1


def test_animation_metadata_gone_for_exiftool(tmp_path, exiftool):
    (tmp_path / "in").mkdir()
    sources = [dirty_animation(tmp_path / "in" / f"loop.{fmt}", fmt) for fmt in ("gif", "webp", "png")]
    out = tmp_path / "out"
    assert main(["clean", *map(str, sources), "-o", str(out), *ONLY_FACES]) == 0
    for result in sorted(out.glob("loop_clean*")):
        tags = json.loads(subprocess.run([exiftool, "-j", "-a", "-G1", str(result)], capture_output=True,
                                         text=True, check=True).stdout)[0]
        leaked = [k for k in tags if k.split(":")[0] in {"IFD0", "ExifIFD", "XMP-x", "ICC_Profile", "ICC-header", "XMP"}
                  or k.endswith((":Comment", ":ImageDescription"))]
        assert not leaked, (result.name, leaked)
        assert SECRET not in json.dumps(tags)


def test_bomb_guard_counts_every_frame(tmp_path, monkeypatch):
    path = dirty_animation(tmp_path / "loop.gif", "gif")
    monkeypatch.setattr(animated, "MAX_PIXELS", 400 * 300 * 5)  # 5 frames' worth; the loop has 12
    with pytest.raises(TooLarge, match="12 frames of 400x300"):
        load_animation(path)


def test_verifier_refuses_animation_metadata(tmp_path):
    images = frames()[3:5]
    for fmt, extra in (("gif", {"comment": b"hello"}), ("webp", {"exif": Image.Exif().tobytes() + b"x"}),
                       ("png", {"exif": b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"})):
        path = tmp_path / f"dirty.{fmt}"
        images[0].save(path, format=fmt.upper(), save_all=True, append_images=images[1:], duration=[50, 50],
                       **extra)
        problems = verify_clean_file(path, fmt, (400, 300), frames=2)
        assert problems, fmt
        clean = tmp_path / f"clean.{fmt}"
        images[0].save(clean, format=fmt.upper(), save_all=True, append_images=images[1:], duration=[50, 50])
        assert verify_clean_file(clean, fmt, (400, 300), frames=2) == [], fmt
        assert verify_clean_file(clean, fmt, (400, 300), frames=3), "a lost frame must be noticed"


def test_editor_is_shown_the_first_frame(tmp_path):
    from sanitizer import pipeline
    path = dirty_animation(tmp_path / "loop.webp", "webp")
    first = pipeline.load_display(path)
    assert first.shape == (300, 400, 3)
    assert np.abs(first.astype(np.float32) - np.asarray(frames()[0], dtype=np.float32)).mean() < 8
