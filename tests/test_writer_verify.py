"""Clean export: fresh file from pixels, verified against an allowlist, atomic, fail closed."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

import fixtures_dirty as fx
from sanitizer import errors, tempfiles, writer
from sanitizer.formats import LoadedImage, load_image
from sanitizer.verify import verify_clean_file
from sanitizer.writer import output_spec, write_clean_image


def clean(src: Path, out_dir: Path, name: str | None = None) -> Path:
    loaded = load_image(src)
    ext, fmt = output_spec(loaded)
    dest = out_dir / f"{name or src.stem}_clean.{ext}"
    write_clean_image(loaded.pixels, dest, fmt)
    return dest


def no_partial_files(folder: Path) -> bool:
    return not list(folder.glob(tempfiles.TEMP_PREFIX + "*"))


# ---- exiftool: output minus allowlist is empty (the mat2 way) -------------------------
def test_every_format_cleaned_output_passes_exiftool(tmp_path, exiftool):
    src_dir, out_dir = tmp_path / "in", tmp_path / "out"
    src_dir.mkdir()
    out_dir.mkdir()
    outputs = [clean(fx.build(kind, src_dir), out_dir) for kind in fx.BUILDERS]
    dirty = fx.exiftool_leaks(exiftool, sorted(src_dir.iterdir()))
    assert len(dirty["jpeg.jpg"]) > 20, "the fixture really is dirty (so the check can fail)"
    leaks = fx.exiftool_leaks(exiftool, outputs)
    assert len(leaks) == len(fx.BUILDERS)
    assert {name: tags for name, tags in leaks.items() if tags} == {}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_lands_right_way_up_in_output(tmp_path, exiftool, orientation):
    display = fx.display_picture()
    src = fx.dirty_jpeg(tmp_path / f"o{orientation}.jpg", orientation=orientation)
    dest = clean(src, tmp_path)
    with Image.open(dest) as out:
        assert "exif" not in out.info  # no orientation flag left to re-rotate it
        pixels = np.asarray(out.convert("RGB"))
    assert pixels.shape[:2] == display.shape[:2]
    assert fx.best_transform(pixels, display) == 1
    assert fx.exiftool_leaks(exiftool, [dest])[dest.name] == []


def test_output_spec_formats():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgba = np.zeros((4, 4, 4), np.uint8)

    def spec(fmt, pixels):
        return output_spec(LoadedImage(pixels, fmt, pixels.shape[2] == 4, (4, 4)))
    assert spec("jpeg", rgb) == ("jpg", "jpeg")
    assert spec("png", rgb) == ("png", "png") and spec("png", rgba) == ("png", "png")
    assert spec("webp", rgba) == ("webp", "webp")
    for fmt in ("heif", "avif", "tiff", "bmp", "gif"):
        assert spec(fmt, rgb) == ("jpg", "jpeg")
        assert spec(fmt, rgba) == ("png", "png")


# ---- colour ------------------------------------------------------------------------------
@pytest.mark.parametrize("space", ["display-p3", "adobe-rgb"])
def test_wide_gamut_jpeg_keeps_its_colours(tmp_path, space):
    """A Display-P3 / Adobe-RGB JPEG cleaned to untagged sRGB stays close to the colour-managed original."""
    rng = np.random.default_rng(1)
    srgb = np.repeat(np.repeat(rng.integers(0, 256, (8, 12, 3), dtype=np.uint8), 16, 0), 16, 1)
    src = fx.p3_jpeg(tmp_path / "p3.jpg", srgb, space)
    # The colour-managed original: decode and convert with the embedded profile (what a viewer shows).
    with Image.open(src) as im:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        managed = np.asarray(ImageCms.profileToProfile(im, profile, ImageCms.createProfile("sRGB"),
                                                       renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC))
        naive = np.asarray(im.convert("RGB"))  # the P3 numbers read as sRGB: what dropping the profile does
    out = np.asarray(Image.open(clean(src, tmp_path)).convert("RGB"))

    def patch_colours(a: np.ndarray) -> np.ndarray:
        # mean colour of each 16x16 patch's interior: colour fidelity, not JPEG edge ringing
        inner = a.reshape(8, 16, 12, 16, 3)[:, 4:12, :, 4:12].astype(float)
        return inner.mean(axis=(1, 3))
    diff = np.abs(patch_colours(out) - patch_colours(managed)).mean()
    shift_if_ignored = np.abs(patch_colours(naive) - patch_colours(managed)).mean()
    assert shift_if_ignored > 8, "the test image is saturated enough to show a profile being ignored"
    assert diff < 2.0, f"mean abs RGB difference {diff:.2f} (ignoring the profile: {shift_if_ignored:.2f})"


# ---- fail closed ------------------------------------------------------------------------
def test_existing_destination_is_never_overwritten(tmp_path):
    dest = tmp_path / "taken_clean.jpg"
    dest.write_bytes(b"precious")
    with pytest.raises(errors.OutputError, match="already exists"):
        write_clean_image(fx.display_picture(), dest, "jpeg")
    assert dest.read_bytes() == b"precious"
    assert no_partial_files(tmp_path)


def test_failed_verification_leaves_nothing(tmp_path, monkeypatch):
    real_encode = writer._encode

    def leaky_encode(pixels, fh, fmt, quality):
        # as if an encoder had kept a comment
        Image.fromarray(pixels).save(fh, format="JPEG", quality=quality, comment=fx.SECRET_TEXT.encode())
    monkeypatch.setattr(writer, "_encode", leaky_encode)
    dest = tmp_path / "leaky_clean.jpg"
    with pytest.raises(errors.VerificationFailed, match="COM"):
        write_clean_image(fx.display_picture(), dest, "jpeg")
    assert not dest.exists()
    assert no_partial_files(tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(writer, "_encode", real_encode)
    write_clean_image(fx.display_picture(), dest, "jpeg")
    assert dest.exists()


def test_unwritable_output_folder(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfiles.tempfile, "mkstemp", refuse)
    with pytest.raises(errors.OutputError, match="not writable"):
        write_clean_image(fx.display_picture(), tmp_path / "x_clean.jpg", "jpeg")
    assert list(tmp_path.iterdir()) == []


def test_bad_pixel_arrays_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        write_clean_image(np.zeros((4, 4), np.float32), tmp_path / "a.png", "png")
    with pytest.raises(ValueError):
        write_clean_image(np.zeros((4, 4, 4), np.uint8), tmp_path / "a.jpg", "jpeg")
    assert list(tmp_path.iterdir()) == []


# ---- the verifier itself catches dirt ------------------------------------------------------
def test_verifier_rejects_dirty_files(tmp_path):
    size = (96, 64)
    jpg = fx.dirty_jpeg(tmp_path / "d.jpg")
    problems = " | ".join(verify_clean_file(jpg, "jpeg", size))
    for expected in ("APP1", "APP2", "APP13", "COM", "bytes follow the end"):
        assert expected in problems
    png = fx.dirty_png(tmp_path / "d.png")
    problems = " | ".join(verify_clean_file(png, "png", size))
    for expected in ("'tEXt'", "'zTXt'", "'iTXt'", "'eXIf'", "'iCCP'", "'tIME'"):
        assert expected in problems
    webp = fx.dirty_webp(tmp_path / "d.webp")
    problems = " | ".join(verify_clean_file(webp, "webp", size))
    for expected in ("'EXIF'", "'XMP '", "'ICCP'", "declares metadata"):
        assert expected in problems


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_verifier_accepts_own_output_and_checks_size(tmp_path, fmt):
    dest = tmp_path / f"c.{writer.EXTENSIONS[fmt]}"
    write_clean_image(fx.display_picture(), dest, fmt)
    assert verify_clean_file(dest, fmt, (96, 64)) == []
    assert any("not the expected" in p for p in verify_clean_file(dest, fmt, (64, 96)))


def test_verifier_catches_truncation_and_trailers(tmp_path):
    dest = tmp_path / "c.jpg"
    write_clean_image(fx.display_picture(400, 300), dest, "jpeg")
    data = dest.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    assert verify_clean_file(cut, "jpeg", (400, 300))
    tail = tmp_path / "tail.jpg"
    tail.write_bytes(data + b"hidden")
    assert any("follow the end" in p for p in verify_clean_file(tail, "jpeg", (400, 300)))
    png = tmp_path / "c.png"
    write_clean_image(fx.display_picture(), png, "png")
    corrupt = bytearray(png.read_bytes())
    corrupt[40] ^= 0xFF
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(corrupt))
    assert any("checksum" in p for p in verify_clean_file(bad, "png", (96, 64)))


def test_verifier_rejects_damaged_jpeg_segments(tmp_path):
    """The strict walk fails on damage the lenient metadata walk steps over."""
    dest = tmp_path / "c.jpg"
    write_clean_image(fx.display_picture(), dest, "jpeg")
    data = dest.read_bytes()
    first_end = 4 + int.from_bytes(data[4:6], "big")  # end of the segment after SOI
    cases = {
        "a JPEG segment runs past the end of the file": data[:first_end - 3],
        "unexpected bytes between JPEG segments": data[:first_end] + b"junk" + data[first_end:],
    }
    for expected, damaged in cases.items():
        bad = tmp_path / "bad.jpg"
        bad.write_bytes(damaged)
        problems = verify_clean_file(bad, "jpeg", (96, 64))
        assert expected in problems
        assert "the JPEG has no end-of-image marker (truncated)" in problems


def test_original_is_never_modified(tmp_path):
    src = fx.dirty_jpeg(tmp_path / "orig.jpg")
    before = (src.read_bytes(), os.stat(src).st_mtime_ns)
    clean(src, tmp_path)
    assert (src.read_bytes(), os.stat(src).st_mtime_ns) == before


def test_huge_text_png_cleans(tmp_path, exiftool):
    src = fx.png_with_huge_text(tmp_path / "huge.png", megabytes=8)
    dest = clean(src, tmp_path)
    assert fx.exiftool_leaks(exiftool, [dest])[dest.name] == []
    assert dest.stat().st_size < 1 << 20


def test_nclx_wide_gamut_primaries_get_a_profile():
    from sanitizer import colour
    assert colour.nclx_to_icc({"color_primaries": 1}) is None  # BT.709 = sRGB: nothing to do
    assert colour.nclx_to_icc(None) is None
    p3 = colour.nclx_to_icc({"color_primaries": 12})
    assert colour.profile_description(p3) == "display-p3"
    red_p3 = Image.new("RGB", (1, 1), (255, 0, 0))
    as_srgb = colour.to_srgb(red_p3, p3).getpixel((0, 0))
    assert as_srgb[0] == 255 and as_srgb[1] == 0  # P3 red is outside sRGB: clipped, not dulled
