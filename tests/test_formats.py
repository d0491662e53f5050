"""Loading: every supported format, orientation, colour modes, refusals and bad input."""
from __future__ import annotations

import builtins
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fixtures_dirty as fx
from sanitizer import errors
from sanitizer.formats import MAX_PIXELS, is_supported_image, load_image, sniff


@pytest.mark.parametrize("kind", sorted(fx.BUILDERS))
def test_every_supported_format_loads_display_pixels(tmp_path, kind):
    path = fx.build(kind, tmp_path)
    loaded = load_image(path)
    display = fx.display_picture()
    assert loaded.pixels.dtype == np.uint8
    assert loaded.pixels.shape[:2] == display.shape[:2]
    assert loaded.format == kind.split("_")[0].replace("png16", "png")
    # the right picture, the right way up (lossy formats and GIF quantisation allow some error)
    assert fx.best_transform(loaded.pixels, display) == 1
    assert np.abs(loaded.pixels[..., :3].astype(int) - display.astype(int)).mean() < 12


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ["jpeg", "png", "tiff", "tiff_lzw", "webp", "heif", "avif"])
def test_exif_orientation_is_applied_exactly_once(tmp_path, kind, orientation):
    builders = {"jpeg": fx.dirty_jpeg, "png": fx.dirty_png, "tiff": fx.dirty_tiff, "webp": fx.dirty_webp,
                "heif": fx.dirty_heic, "avif": fx.dirty_avif,
                "tiff_lzw": fx.lzw_tiff}
    display = fx.display_picture()
    path = builders[kind](tmp_path / f"o{orientation}{fx.SUFFIX.get(kind, '.tif')}", orientation=orientation)
    loaded = load_image(path)
    assert loaded.pixels.shape[:2] == display.shape[:2], "display size (width/height swapped?)"
    assert fx.best_transform(loaded.pixels, display) == 1
    if kind not in ("heif",):  # libheif applies irot/imir itself; the parser applies nothing more
        assert loaded.orientation == orientation


def test_content_not_extension_decides(tmp_path):
    png_named_jpg = tmp_path / "photo.jpg"
    Image.fromarray(fx.display_picture()).save(png_named_jpg, "PNG")
    assert sniff(png_named_jpg) == "image/png"
    assert load_image(png_named_jpg).format == "png"


def test_sixteen_bit_grayscale_and_palette(tmp_path):
    ramp = (np.arange(64 * 96, dtype=np.uint32).reshape(64, 96) * 10).astype(np.uint16)
    gray16 = tmp_path / "g16.png"
    Image.fromarray(ramp).save(gray16)
    px = load_image(gray16).pixels
    assert px.shape == (64, 96, 3)
    assert px[..., 0].max() == int(ramp.max()) >> 8 and px[0, 0, 0] == 0  # scaled from 16 bits, not clipped
    assert (np.diff(px[..., 0].astype(int).ravel()) >= 0).all()

    gray8 = tmp_path / "g8.jpg"
    Image.fromarray(fx.display_picture()).convert("L").save(gray8)
    px = load_image(gray8).pixels
    assert px.shape == (64, 96, 3) and np.array_equal(px[..., 0], px[..., 2])

    pal = tmp_path / "pal.png"
    Image.fromarray(fx.display_picture()).quantize(16).save(pal)
    loaded = load_image(pal)
    assert loaded.pixels.shape == (64, 96, 3) and not loaded.has_alpha


def test_alpha_kept_only_when_not_opaque(tmp_path):
    with_alpha = fx.dirty_png(tmp_path / "a.png", alpha=True)
    loaded = load_image(with_alpha)
    assert loaded.has_alpha and loaded.pixels.shape[2] == 4
    assert loaded.pixels[0, 0, 3] == 0 and loaded.pixels[-1, -1, 3] == 128

    opaque = tmp_path / "opaque.png"
    Image.fromarray(fx.display_picture()).convert("RGBA").save(opaque)
    loaded = load_image(opaque)
    assert not loaded.has_alpha and loaded.pixels.shape[2] == 3

    gif = fx.dirty_gif(tmp_path / "t.gif", transparent=True)
    assert load_image(gif).has_alpha


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(fx.display_picture()).convert("CMYK").save(path, quality=95)
    loaded = load_image(path)
    assert loaded.pixels.shape == (64, 96, 3)
    assert fx.best_transform(loaded.pixels, fx.display_picture()) == 1
    assert np.abs(loaded.pixels.astype(int) - fx.display_picture().astype(int)).mean() < 20


# ---- refused on purpose -------------------------------------------------------------
def test_animated_gif_and_webp_are_refused(tmp_path):
    with pytest.raises(errors.UnsupportedFormat, match="animated"):
        load_image(fx.animated_gif(tmp_path / "anim.gif"))
    with pytest.raises(errors.UnsupportedFormat, match="animated"):
        load_image(fx.animated_webp(tmp_path / "anim.webp"))


def test_camera_raw_is_refused_with_a_reason(tmp_path):
    dng = fx.fake_dng(tmp_path / "IMG_0001.dng")
    with pytest.raises(errors.UnsupportedFormat, match=r"camera RAW files \(DNG\).*export a JPEG"):
        load_image(dng)
    # content decides: a DNG renamed .tif is still refused
    renamed = tmp_path / "innocent.tif"
    renamed.write_bytes(dng.read_bytes())
    with pytest.raises(errors.UnsupportedFormat, match="DNG"):
        load_image(renamed)
    cr2 = tmp_path / "x.cr2"
    cr2.write_bytes(b"II*\x00\x10\x00\x00\x00CR\x02\x00" + b"\x00" * 64)
    with pytest.raises(errors.UnsupportedFormat, match="CR2"):
        load_image(cr2)
    cr3 = tmp_path / "x.cr3"
    cr3.write_bytes(struct.pack(">I", 24) + b"ftypcrx \x00\x00\x00\x01crx isom" + b"\x00" * 64)
    with pytest.raises(errors.UnsupportedFormat, match="CR3"):
        load_image(cr3)


def test_jxl_and_unknown_types_are_refused(tmp_path):
    jxl = tmp_path / "a.jxl"
    jxl.write_bytes(b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 64)
    with pytest.raises(errors.UnsupportedFormat, match="JPEG XL"):
        load_image(jxl)
    blob = tmp_path / "data.bin"
    blob.write_bytes(os.urandom(256))
    with pytest.raises(errors.UnsupportedFormat, match="not a supported photo format"):
        load_image(blob)
    assert not is_supported_image(jxl) and not is_supported_image(blob)


# ---- bad input ------------------------------------------------------------------------
def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.touch()
    with pytest.raises(errors.DecodeError, match="empty"):
        load_image(empty)


def test_truncated_jpeg(tmp_path):
    full = fx.dirty_jpeg(tmp_path / "full.jpg", trailer=False, display=fx.display_picture(400, 300))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])
    with pytest.raises(errors.DecodeError, match="truncated"):
        load_image(cut)


def test_text_file_named_jpg(tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("Patient list: nothing to see here\n" * 20)
    with pytest.raises(errors.DecodeError, match="does not contain image data"):
        load_image(fake)
    assert not is_supported_image(fake)


def test_png_with_huge_text_chunk_loads_without_reading_it(tmp_path):
    path = fx.png_with_huge_text(tmp_path / "huge.png", megabytes=40)
    loaded = load_image(path)
    assert loaded.pixels.shape == (64, 96, 3)


def test_decompression_bomb_refused_from_header(tmp_path):
    bomb = fx.png_bomb(tmp_path / "bomb.png", 40000, 40000)
    t0 = time.perf_counter()
    with pytest.raises(errors.TooLarge, match=f"{MAX_PIXELS // 1_000_000} MP limit"):
        load_image(bomb)
    assert time.perf_counter() - t0 < 2.0, "refused from the header, before any decoding"
    # a bomb just above the limit but under Pillow's own is refused by our check, not Pillow's
    side = int((MAX_PIXELS + 1_000_000) ** 0.5)
    with pytest.raises(errors.TooLarge):
        load_image(fx.png_bomb(tmp_path / "bomb2.png", side, side))


def test_directory_named_like_a_photo(tmp_path):
    folder = tmp_path / "x.jpg"
    folder.mkdir()
    with pytest.raises(errors.DecodeError, match="folder"):
        load_image(folder)
    assert not is_supported_image(folder)


def test_unreadable_file(tmp_path, monkeypatch):
    path = fx.dirty_jpeg(tmp_path / "locked.jpg")
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root: chmod does not bite, simulate the OS refusing
        real_open, real_access = builtins.open, os.access

        def refusing_open(file, *args, **kwargs):
            if Path(str(file)) == path:
                raise PermissionError(13, "Permission denied")
            return real_open(file, *args, **kwargs)
        monkeypatch.setattr(builtins, "open", refusing_open)
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == path else real_access(p, mode))
    try:
        with pytest.raises(errors.DecodeError, match="permission denied"):
            load_image(path)
        assert not is_supported_image(path)
    finally:
        path.chmod(0o644)


def test_missing_file(tmp_path):
    with pytest.raises(errors.DecodeError, match="does not exist"):
        load_image(tmp_path / "gone.jpg")


@pytest.mark.parametrize("kind", sorted(fx.BUILDERS))
def test_sniff_and_is_supported_for_every_format(tmp_path, kind):
    path = fx.build(kind, tmp_path)
    expected = {"heif": "image/heif", "avif": "image/avif", "tiff": "image/tiff", "bmp": "image/bmp",
                "gif": "image/gif", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
    assert sniff(path) == expected[kind.split("_")[0].replace("png16", "png")]
    assert is_supported_image(path)
    renamed = path.with_name("no_extension")
    path.rename(renamed)
    assert is_supported_image(renamed)


def test_multi_page_tiff_refused_but_not_a_single_page(tmp_path):
    pages = [Image.fromarray(fx.display_picture()), Image.fromarray(fx.display_picture()[::-1].copy())]
    multi = tmp_path / "scan.tif"
    pages[0].save(multi, save_all=True, append_images=pages[1:])
    with pytest.raises(errors.UnsupportedFormat, match="multi-page TIFF"):
        load_image(multi)
    single = tmp_path / "one.tif"
    pages[0].save(single)
    assert load_image(single).format == "tiff"


def test_fast_jpeg_path_gives_pillow_pixels(tmp_path):
    """The OpenCV decode used for plain RGB JPEGs returns exactly what Pillow decodes."""
    path = fx.dirty_jpeg(tmp_path / "p.jpg", display=fx.display_picture(640, 480))
    loaded = load_image(path)
    with Image.open(path) as im:
        reference = np.asarray(im.convert("RGB"))
    assert np.array_equal(loaded.pixels, reference)


def _tiff_with_cfa_in_sub_ifd() -> bytes:
    """A minimal TIFF whose IFD0 is a plain preview and whose SubIFD holds CFA (Bayer) data,
    the layout of NEF/ARW/PEF raw files."""
    def ifd(entries: list[tuple[int, int, int, int]], next_offset: int = 0) -> bytes:
        body = struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            body += struct.pack("<HHII", tag, typ, count, value)
        return body + struct.pack("<I", next_offset)
    ifd0_offset = 8
    ifd0 = ifd([(0x0100, 4, 1, 8), (0x0101, 4, 1, 8), (0x0106, 3, 1, 2), (0x014A, 4, 1, 0)])
    sub_offset = ifd0_offset + len(ifd0)
    ifd0 = ifd([(0x0100, 4, 1, 8), (0x0101, 4, 1, 8), (0x0106, 3, 1, 2), (0x014A, 4, 1, sub_offset)])
    sub = ifd([(0x0100, 4, 1, 8), (0x0101, 4, 1, 8), (0x0106, 3, 1, 32803)])
    return b"II*\x00" + struct.pack("<I", ifd0_offset) + ifd0 + sub + b"\x00" * 64


def test_tiff_based_raw_is_recognised_by_content(tmp_path):
    nef = tmp_path / "DSC_0001.NEF"
    nef.write_bytes(_tiff_with_cfa_in_sub_ifd())
    with pytest.raises(errors.UnsupportedFormat, match=r"camera RAW files \(NEF\)"):
        load_image(nef)
    disguised = tmp_path / "holiday.tif"
    disguised.write_bytes(_tiff_with_cfa_in_sub_ifd())
    with pytest.raises(errors.UnsupportedFormat, match="camera RAW"):
        load_image(disguised)
    assert not is_supported_image(disguised)


@pytest.mark.parametrize("kind", sorted(fx.BUILDERS))
def test_truncated_file_of_every_format_is_a_decode_error(tmp_path, kind):
    data = fx.build(kind, tmp_path).read_bytes()
    for fraction in (0.5, 0.9):
        cut = tmp_path / f"cut{fraction}{fx.SUFFIX[kind]}"
        cut.write_bytes(data[: int(len(data) * fraction)])
        with pytest.raises(errors.DecodeError):
            load_image(cut)


def test_heif_cut_at_a_box_boundary_or_with_its_image_data_gone_is_refused(tmp_path):
    data = fx.build("heif", tmp_path).read_bytes()
    mdat = data.index(b"mdat") - 4
    cases = {
        "no_mdat": data[:mdat],                                        # cut exactly before the image data box
        "empty_mdat": data[:mdat] + struct.pack(">I4s", 8, b"mdat"),   # a well-formed but empty image data box
        "one_byte_short": data[:-1],
    }
    for name, cut in cases.items():
        path = tmp_path / f"{name}.heic"
        path.write_bytes(cut)
        with pytest.raises(errors.DecodeError, match="truncated"):
            load_image(path)
