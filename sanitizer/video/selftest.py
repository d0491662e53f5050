"""Video part of `--self-test`: build a short dirty clip, analyse and clean it, check the result.

The clip is made here (nothing shipped but the sample portrait): the portrait pans slowly
across a plain background for one second, written as H.264 MP4 with the tags a phone leaves
(title, GPS location, creation date, make/model). The check passes only when the face is
tracked, the clean copy is written and verified by the video writer, carries none of the
source's tags, and the pixels where the face was have changed.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "selftest_face.jpg"
WIDTH, HEIGHT, FPS, FRAMES = 480, 320, 12, 12
DIRTY_TAGS = {
    "title": "self-test clip",
    "location": "+51.5072-000.1276/",
    "creation_time": "2024-05-01T10:00:00.000000Z",
    "make": "SelfTestCam",
    "model": "ST-1",
}


def _portrait() -> np.ndarray:
    from PIL import Image
    with Image.open(SAMPLE) as im:
        return np.asarray(im.convert("RGB").resize((240, 240)))


def _frames() -> list[np.ndarray]:
    """A face panning left to right over a grey wall (moves 8 px a frame)."""
    face = _portrait()
    frames = []
    for i in range(FRAMES):
        canvas = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
        x = 40 + 8 * i
        canvas[40:280, x:x + 240] = face
        frames.append(canvas)
    return frames


def build_dirty_clip(path: Path) -> list[np.ndarray]:
    """Write the dirty sample clip to `path`; returns the frames written."""
    import av
    frames = _frames()
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata.update(DIRTY_TAGS)
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return frames


def _decode(path: Path) -> tuple[list[np.ndarray], dict[str, str]]:
    import av
    with av.open(str(path)) as container:
        tags = dict(container.metadata)
        for s in container.streams:
            tags.update(s.metadata)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames, tags


def self_test(work_dir: Path) -> str:
    from ..pipeline import analyse_and_clean
    from ..settings import Settings

    work_dir = Path(work_dir)
    src = work_dir / "dirty_clip.mp4"
    original = build_dirty_clip(src)
    out = work_dir / "out"
    out.mkdir()
    # Faces only: the clip holds no text, and OCR on every keyframe would slow the check down.
    settings = Settings().with_only("faces")
    plan, result = analyse_and_clean(src, out, settings, set())
    assert plan.error is None, plan.error
    faces = [r for r in plan.regions if r.kind.value == "face"]
    assert faces, "no face track found in the sample clip"
    assert result.ok, result.error
    cleaned, tags = _decode(result.output)
    assert len(cleaned) == len(original), f"{len(cleaned)} of {len(original)} frames written"
    left = sorted(k for k, v in tags.items() if k in DIRTY_TAGS or v in DIRTY_TAGS.values())
    assert not left, f"the clean clip still carries {left}"
    # The face's inner part (the same place in every frame) must have changed a lot.
    changed = []
    for i, (before, after) in enumerate(zip(original, cleaned)):
        x = 40 + 8 * i
        inner = (slice(100, 220), slice(x + 60, x + 180))
        diff = np.abs(before[inner].astype(np.int16) - after[inner].astype(np.int16)).mean()
        changed.append(diff)
    assert min(changed) > 8, "the face is not hidden in every frame"
    return (f"{len(faces)} face region(s) tracked, {len(cleaned)} frames cleaned and verified, "
            f"{len(DIRTY_TAGS)} tags removed")
