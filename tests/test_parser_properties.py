"""Property tests of the hand-written parsers of untrusted bytes (issue 17).

Random bytes and mutations of real files (bytes changed, cut, inserted, duplicated) must
never make a walker raise anything but its own documented error, loop, or allocate more
than a small bound. CI runs a few dozen derandomized examples per parser (seconds, same
examples every run); `bench/fuzz_parsers.py` runs the same properties with many random ones.
"""
from __future__ import annotations

import io
import os
import tempfile
import tracemalloc
from functools import lru_cache
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from sanitizer.chunk_walks import boxes_in, iter_png_chunks, iter_riff_chunks
from sanitizer.errors import VerificationFailed
from sanitizer.formats.heif import boxes_are_complete
from sanitizer.formats.jpeg import scan_is_complete
from sanitizer.formats.png import filtered_png_bytes
from sanitizer.jpeg_segments import JpegSegmentWalk, JpegStructureError
from sanitizer.metadata.findings import Findings
from sanitizer.metadata.isobmff import _iso_refs, child_box
from sanitizer.verify import gif_structure, jpeg_structure, png_structure, webp_structure
from sanitizer.video.mp4boxes import child_boxes

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("SANITIZER_FUZZ_PROFILE", "ci"))

# Memory one parse may take beyond its input: the largest buffer a walker may make is the
# PNG filter's inflated colour profile, capped at 32 MB (formats/png._ICC_LIMIT).
MEMORY_BOUND = 40 << 20


def _picture() -> Image.Image:
    rng = np.random.default_rng(3)
    return Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8))


@lru_cache(maxsize=None)
def seed(kind: str) -> bytes:
    """A small real file of each container, carrying the metadata its parser looks for."""
    out = io.BytesIO()
    im = _picture()
    exif = Image.Exif()
    exif[0x010E] = "Patient DOE"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if kind == "jpeg":
        im.save(out, "JPEG", exif=exif, icc_profile=icc, comment=b"hello", progressive=True)
    elif kind == "png":
        info = PngInfo()
        info.add_text("Comment", "Patient DOE")
        info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta/>")
        im.save(out, "PNG", pnginfo=info, exif=exif, icc_profile=icc)
    elif kind == "apng":
        im.save(out, "PNG", save_all=True, append_images=[im.rotate(90)], duration=[40, 60])
    elif kind == "webp":
        im.save(out, "WEBP", exif=exif, xmp=b"<x:xmpmeta/>", icc_profile=icc)
    elif kind == "webp-animated":
        im.save(out, "WEBP", save_all=True, append_images=[im.rotate(90)], duration=[40, 60])
    elif kind == "gif":
        im.save(out, "GIF", save_all=True, append_images=[im.rotate(90)], duration=[40, 60], comment=b"hi", loop=0)
    elif kind == "heif":
        pillow_heif.from_pillow(im).save(out, quality=50, exif=exif.tobytes())
    return out.getvalue()


@st.composite
def mutated(draw, kind: str) -> bytes:
    data = bytearray(seed(kind))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["set", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:  # a copy of a stretch, so headers repeat
            n = draw(st.integers(1, 64))
            data[at:at] = data[at:at + n]
    return bytes(data)


def inputs(kind: str):
    """Mostly mutations of a real file (they reach deep), plus plain random bytes behind its signature."""
    head = seed(kind)[:12]
    return st.one_of(mutated(kind), st.binary(max_size=512).map(lambda b: head + b))


def bounded(fn, *args):
    """Call fn; fail if it took more than MEMORY_BOUND of Python memory."""
    tracemalloc.start()
    try:
        return fn(*args)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < MEMORY_BOUND, f"{fn.__name__} took {peak / 1e6:.0f} MB"


@given(inputs("jpeg"))
def test_jpeg_segment_walk(data):
    loose = JpegSegmentWalk(data, strict=False)
    assert len(bounded(list, loose)) <= len(data) // 2 + 1
    assert 0 <= loose.stopped_at <= len(data)
    try:
        bounded(list, JpegSegmentWalk(data, strict=True))
    except JpegStructureError:
        pass
    assert isinstance(scan_is_complete(data), bool)
    problems, _size = jpeg_structure(data)
    assert isinstance(problems, list)


@given(st.one_of(inputs("heif"), st.binary(max_size=256)))
def test_isobmff_boxes_and_iloc(data):
    boxes = bounded(list, boxes_in(data))
    assert len(boxes) <= len(data) // 8 + 1
    assert all(b.start < b.payload <= b.end for b in boxes)
    child_box(data, 0, len(data), b"meta")
    assert isinstance(bounded(boxes_are_complete, data), bool)
    _iso_refs(data, Findings(show_values=False))
    try:
        child_boxes(io.BytesIO(data), 0, len(data))
    except VerificationFailed:
        pass


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(inputs("png"), inputs("apng")))
def test_png_chunk_filter(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.png"
        path.write_bytes(data)
        try:
            filtered, _icc = bounded(filtered_png_bytes, path)
        except SyntaxError:  # the documented refusal: not a PNG signature
            assert not data.startswith(b"\x89PNG\r\n\x1a\n")
            return
    assert len(filtered) <= len(data)
    # No text chunk passes the filter (as Pillow will walk the result).
    assert not {c.ctype for c in iter_png_chunks(io.BytesIO(filtered[8:]))} & {b"tEXt", b"zTXt"}
    chunks = list(iter_png_chunks(io.BytesIO(data[8:])))
    assert len(chunks) <= len(data) // 12 + 1
    for animated in (False, True):
        problems, _size = png_structure(data, animated=animated)
        assert isinstance(problems, list)


@given(st.one_of(inputs("webp"), inputs("webp-animated")))
def test_riff_chunks(data):
    chunks = bounded(list, iter_riff_chunks(data, 12, len(data)))
    assert len(chunks) <= len(data) // 8 + 1
    for animated in (False, True):
        problems, _size = webp_structure(data, animated=animated)
        assert isinstance(problems, list)


@given(inputs("gif"))
def test_gif_blocks(data):
    problems, _size = bounded(gif_structure, data)
    assert isinstance(problems, list)


@pytest.mark.parametrize("kind", ["jpeg", "png", "apng", "webp", "webp-animated", "gif", "heif"])
def test_seeds_are_what_they_claim(kind):
    """The mutations start from real files that each walker reads to the end."""
    data = seed(kind)
    if kind == "jpeg":
        walk = JpegSegmentWalk(data, strict=True)
        assert len(list(walk)) >= 5 and walk.reached_end_of_image
    elif kind == "heif":
        assert boxes_are_complete(data)
    elif kind in ("png", "apng"):
        assert list(iter_png_chunks(io.BytesIO(data[8:])))[-1].ctype == b"IEND"
    elif kind.startswith("webp"):
        assert {c.fourcc for c in iter_riff_chunks(data, 12, len(data))} & {b"EXIF", b"ANMF"}
    else:
        assert "a GIF comment is not allowed" in gif_structure(data)[0]
