"""Test clips built from photos with known face boxes, and the HIDDEN rule to judge outputs.

The photos: scikit-image's astronaut (Eileen Collins, NASA, public domain), its cameraman,
and faces from its LFW subset, pasted on its rocket photo. Face boxes were set by hand on
those images. A clip is a list of shots; each shot moves a 16:9 window over one photo
(pan and zoom) and the window is scaled to the clip size, so every frame's face boxes are
known exactly. The clip is written with PyAV with the kinds of metadata a phone leaves
(title, GPS location, dates, make/model) plus a sound track.

The HIDDEN rule is the one of ../shared/eval/faces_score.py (thresholds copied from it):
a face box is hidden when the luma changed a lot, or changed a little and lost its detail
or its correlation with the original's detail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

Box = tuple[float, float, float, float]

# ---- photos --------------------------------------------------------------------------
ASTRONAUT_FACE: Box = (175, 54, 100, 126)     # in data.astronaut() (512x512)
CAMERAMAN_FACE: Box = (205, 118, 50, 82)      # in data.camera() (512x512)
LFW_IDS = (0, 5, 10, 20, 40, 60)
LFW_SIDE = 96                                 # the 25x25 LFW crops are upscaled to this
LFW_FACE = (0.1, 0.05, 0.8, 0.9)              # the face inside an LFW crop (shares)


@dataclass
class Photo:
    rgb: np.ndarray
    faces: list[Box]


@lru_cache(maxsize=1)
def photos() -> tuple[Photo, Photo]:
    """(close-up photo, group photo), both with their face boxes."""
    from skimage import data

    astro = data.astronaut()
    close = cv2.resize(astro, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    close_faces = [tuple(v * 2 for v in ASTRONAUT_FACE)]

    group = cv2.resize(data.rocket(), (1920, 1080), interpolation=cv2.INTER_LINEAR)
    faces: list[Box] = []

    def paste(img: np.ndarray, x: int, y: int, face: Box, scale: float) -> None:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        h, w = img.shape[:2]
        group[y:y + h, x:x + w] = img
        faces.append((x + face[0] * scale, y + face[1] * scale, face[2] * scale, face[3] * scale))

    paste(astro, 80, 330, ASTRONAUT_FACE, 0.7)
    cam = np.stack([data.camera()] * 3, -1)[40:512, 130:400]
    paste(cam, 560, 420, (CAMERAMAN_FACE[0] - 130, CAMERAMAN_FACE[1] - 40) + CAMERAMAN_FACE[2:], 1.0)
    lfw = data.lfw_subset()
    spots = [(1000, 150), (1250, 260), (1500, 140), (1100, 560), (1400, 620), (1700, 480)]
    for idx, (x, y) in zip(LFW_IDS, spots):
        crop = cv2.resize((lfw[idx] * 255).astype(np.uint8), (LFW_SIDE, LFW_SIDE), interpolation=cv2.INTER_CUBIC)
        fx, fy, fw, fh = LFW_FACE
        paste(np.stack([crop] * 3, -1), x, y, (fx * LFW_SIDE, fy * LFW_SIDE, fw * LFW_SIDE, fh * LFW_SIDE), 1.0)
    return Photo(close, close_faces), Photo(group, faces)


# ---- shots and clips -----------------------------------------------------------------
@dataclass
class Shot:
    photo: int                       # index into photos()
    frames: int
    start: Box                       # window (x, y, w, h) in photo pixels, 16:9
    end: Box


def short_shots() -> list[Shot]:
    """About 2 s at 30 fps: a zoom on a close-up, a cut, a fast pan over a group."""
    return [
        Shot(0, 24, (0, 0, 1024, 576), (192, 60, 640, 360)),
        Shot(1, 36, (0, 250, 1280, 720), (640, 200, 1280, 720)),
    ]


def long_shots() -> list[Shot]:
    """10 s at 30 fps: zoom on a close-up, a slow pan over a group, a zoom out."""
    return [
        Shot(0, 90, (0, 0, 1024, 576), (192, 60, 640, 360)),
        Shot(1, 120, (0, 300, 1280, 720), (640, 200, 1280, 720)),
        Shot(1, 90, (480, 270, 960, 540), (0, 0, 1920, 1080)),
    ]


def _lerp(a: Box, b: Box, t: float) -> Box:
    return tuple(x + (y - x) * t for x, y in zip(a, b))  # type: ignore[return-value]


@dataclass(frozen=True)
class Face:
    box: Box          # the part inside the frame, in frame pixels
    visible: float    # share of the whole face box that is inside the frame


def render_frames(shots: list[Shot], width: int, height: int, pics: tuple[Photo, ...] | None = None):
    """Yield (rgb frame, [Face]) for every frame of the shots (over `pics`, default photos())."""
    pics = pics or photos()
    for shot in shots:
        photo = pics[shot.photo]
        for i in range(shot.frames):
            t = i / max(1, shot.frames - 1)
            x, y, w, h = _lerp(shot.start, shot.end, t)
            sx, sy = width / w, height / h
            matrix = np.float32([[sx, 0, -x * sx], [0, sy, -y * sy]])
            frame = cv2.warpAffine(photo.rgb, matrix, (width, height), flags=cv2.INTER_AREA,
                                   borderMode=cv2.BORDER_REFLECT)
            boxes = []
            for fx, fy, fw, fh in photo.faces:
                bx, by, bw, bh = (fx - x) * sx, (fy - y) * sy, fw * sx, fh * sy
                x0, y0 = max(0.0, bx), max(0.0, by)
                x1, y1 = min(float(width), bx + bw), min(float(height), by + bh)
                if x1 - x0 >= 4 and y1 - y0 >= 4:  # at least partly in the frame
                    share = (x1 - x0) * (y1 - y0) / (bw * bh)
                    boxes.append(Face((x0, y0, x1 - x0, y1 - y0), share))
            yield frame, boxes


DIRTY_TAGS = {
    "title": "Interview with patient Jane Doe",
    "location": "+52.3693+006.6761+10.500/",
    "location-eng": "+52.3693+006.6761+10.500/",
    "creation_time": "2024-03-14T09:26:53.000000Z",
    "make": "Apple",
    "model": "iPhone 12",
    "encoder": "test-encoder 1.0",
    "comment": "ward 7 bed 3",
}


def write_clip(path: Path, shots: list[Shot], width: int = 1280, height: int = 720, fps: int = 30,
               audio: bool = True, rotation: int | None = None,
               pics: tuple[Photo, ...] | None = None) -> list[list[Face]]:
    """Write a dirty clip (MOV or MP4 by suffix); returns the known boxes (faces, or the
    boxes of `pics`) of each frame in display pixels. `rotation` stores the frames turned
    and a display matrix that turns them back (like a phone filming upright)."""
    path = Path(path)
    fmt = "mov" if path.suffix.lower() == ".mov" else "mp4"
    out = av.open(str(path), mode="w", format=fmt,
                  container_options={"movflags": "use_metadata_tags"} if fmt == "mov" else {})
    out.metadata.update(DIRTY_TAGS)
    if fmt == "mov":
        out.metadata["com.apple.quicktime.location.ISO6709"] = DIRTY_TAGS["location"]
        out.metadata["com.apple.quicktime.make"] = "Apple"
        out.metadata["com.apple.quicktime.model"] = "iPhone 12"
    stored_w, stored_h = (height, width) if rotation in (90, 270) else (width, height)
    video = out.add_stream("libx264", rate=fps)
    video.width, video.height, video.pix_fmt = stored_w, stored_h, "yuv420p"
    video.codec_context.options = {"preset": "ultrafast", "crf": "16"}
    video.metadata["handler_name"] = "Core Media Video"
    if rotation:
        video.set_display_rotation(rotation)
    sound = None
    if audio:
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
    truth: list[list[Face]] = []
    samples = 0
    for index, (frame, boxes) in enumerate(render_frames(shots, width, height, pics)):
        truth.append(boxes)
        stored = frame
        if rotation == 90:
            stored = np.ascontiguousarray(np.rot90(frame, 1))
        elif rotation == 270:
            stored = np.ascontiguousarray(np.rot90(frame, -1))
        vf = av.VideoFrame.from_ndarray(stored, format="rgb24")
        vf.pts = index
        for packet in video.encode(vf):
            out.mux(packet)
        if sound is not None:
            n = 48000 // fps
            t = (np.arange(samples, samples + n) / 48000.0).astype(np.float32)
            tone = (0.2 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
            af = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
            af.sample_rate = 48000
            af.pts = samples
            af.time_base = Fraction(1, 48000)
            samples += n
            for packet in sound.encode(af):
                out.mux(packet)
    for stream in [video] + ([sound] if sound is not None else []):
        for packet in stream.encode(None):
            out.mux(packet)
    out.close()
    return truth


def decode_display(path: Path) -> list[np.ndarray]:
    """Every frame as display-oriented RGB (the product's own loader)."""
    from sanitizer.video.video_io import display_rgb, open_input, probe, video_stream

    info = probe(path)
    container = open_input(path)
    try:
        return [display_rgb(f, info.orientation) for f in container.decode(video_stream(container))]
    finally:
        container.close()


# ---- the HIDDEN rule (../shared/eval/faces_score.py) ---------------------------------
T_D, T_R, T_C, D_MIN, EPS = 7.0, 0.25, 0.40, 2.0, 4.0
MIN_INTERIOR_R, MIN_INTERIOR_C, TEX_C = 9, 25, 50.0


def _luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def _laplacian(y: np.ndarray) -> np.ndarray:
    if y.shape[0] < 3 or y.shape[1] < 3:
        return np.zeros((0, 0))
    return y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4.0 * y[1:-1, 1:-1]


def is_hidden(original: np.ndarray, output: np.ndarray, box: Box) -> bool:
    height, width = original.shape[:2]
    x, y, w, h = box
    x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
    x1, y1 = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
    yi, yo = _luma(original[y0:y1, x0:x1]), _luma(output[y0:y1, x0:x1])
    d = float(np.mean(np.abs(yo - yi))) if yi.size else 0.0
    if d > T_D:
        return True
    if d <= D_MIN:
        return False
    li, lo = _laplacian(yi), _laplacian(yo)
    if li.size >= MIN_INTERIOR_R:
        vi, vo = float(li.var()), float(lo.var())
        if (vo + EPS) / (vi + EPS) < T_R:
            return True
        if li.size >= MIN_INTERIOR_C and vi >= TEX_C:
            so = lo.std()
            corr = 0.0 if so < 1e-6 else float(np.mean((li - li.mean()) * (lo - lo.mean())) / (li.std() * so))
            if corr < T_C:
                return True
    return False


def unhidden_frames(source: Path, output: Path, truth: list[list[Face]],
                    min_visible: float = 0.5) -> tuple[int, int, list[int]]:
    """(frames with a face not hidden, frames with faces, indexes of the failing frames).

    A face counts in a frame when at least `min_visible` of it is inside the frame: a face
    mostly outside the picture (a chin at the top edge) is out of reach of any face
    detector, and is reported separately by passing min_visible=0.
    """
    originals, outputs = decode_display(source), decode_display(output)
    if len(originals) != len(outputs) or len(originals) != len(truth):
        raise AssertionError("frame counts differ between source, output and ground truth")
    failing = []
    with_faces = 0
    for index, (a, b, faces) in enumerate(zip(originals, outputs, truth)):
        faces = [f for f in faces if f.visible >= min_visible]
        if faces:
            with_faces += 1
        if any(not is_hidden(a, b, f.box) for f in faces):
            failing.append(index)
    return len(failing), with_faces, failing
