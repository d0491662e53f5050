"""Metadata inspection: what a dirty file carries, grouped, without free text unless asked."""
from __future__ import annotations

import pytest

import fixtures_dirty as fx
from sanitizer.formats import load_image
from sanitizer.metadata import GROUP_LABELS, GROUPS, inspect_metadata
from sanitizer.writer import output_spec, write_clean_image


def groups(findings) -> set[str]:
    return {f.group for f in findings}


def details(findings) -> str:
    return " | ".join(f"{f.tag}: {f.detail}" for f in findings)


def test_dirty_jpeg_all_groups(tmp_path):
    findings = inspect_metadata(fx.dirty_jpeg(tmp_path / "d.jpg"))
    assert {"gps", "camera", "dates", "thumbnail", "makernotes", "xmp", "iptc", "icc", "comment",
            "software", "other"} <= groups(findings)
    text = details(findings)
    assert "GPS position" in text and "41.88" not in text  # named, never its value unless asked
    assert "camera serial number" in text
    assert "thumbnail of the original (48x32)" in text
    assert "JPEG comment" in text and "IPTC caption" in text
    assert "APP12 segment (13 bytes)" in text and "Ducky" not in text
    assert "bytes after the end of the image" in text  # the trailer
    assert all(f.group in GROUPS for f in findings)


def test_free_text_only_when_asked(tmp_path):
    path = fx.dirty_jpeg(tmp_path / "d.jpg")
    hidden = details(inspect_metadata(path))
    for secret in (fx.SECRET_TEXT, "Jane Nurse", fx.SERIAL, "Chicago"):
        assert secret not in hidden
    shown = details(inspect_metadata(path, show_values=True))
    assert fx.SECRET_TEXT in shown and fx.SERIAL in shown and "Jane Nurse" in shown


def test_png_text_chunks_and_exif(tmp_path):
    findings = inspect_metadata(fx.dirty_png(tmp_path / "d.png"))
    text = details(findings)
    assert "text_chunks" in groups(findings)
    for key in ("tEXt note 'Author'", "zTXt note 'Comment'", "iTXt note 'Description'", "eXIf"):
        assert key in text
    assert "GPS position" in text and "41.88" not in text  # from the eXIf chunk; no values unless asked
    assert {"xmp", "icc", "dates"} <= groups(findings)


@pytest.mark.parametrize("kind", ["tiff", "webp", "heif", "avif"])
def test_other_containers_report_gps_camera_xmp(tmp_path, kind):
    findings = inspect_metadata(fx.build(kind, tmp_path))
    assert "GPS position" in details(findings) and "41.88" not in details(findings)
    assert {"camera", "xmp", "icc", "software"} <= groups(findings)


def test_gif_comment(tmp_path):
    assert "comment" in groups(inspect_metadata(fx.dirty_gif(tmp_path / "c.gif")))


@pytest.mark.parametrize("kind", ["jpeg", "png", "png_alpha", "tiff", "webp", "heif", "avif", "gif"])
def test_clean_output_has_no_findings(tmp_path, kind):
    src = fx.build(kind, tmp_path)
    loaded = load_image(src)
    ext, fmt = output_spec(loaded)
    dest = tmp_path / f"clean.{ext}"
    write_clean_image(loaded.pixels, dest, fmt)
    assert inspect_metadata(dest) == []


def test_damaged_or_unknown_files_do_not_raise(tmp_path):
    text = tmp_path / "t.jpg"
    text.write_text("hello")
    assert inspect_metadata(text) == []
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(fx.dirty_jpeg(tmp_path / "d.jpg").read_bytes()[:300])
    inspect_metadata(cut)  # partial findings are fine; an exception is not


def test_damaged_jpeg_segments_are_still_reported(tmp_path):
    """The lenient walk keeps what it can: a cut-short segment and what stands before damage."""
    cut_short = tmp_path / "cut_short.jpg"
    cut_short.write_bytes(b"\xff\xd8\xff\xfe\x01\x00" + fx.SECRET_TEXT.encode())  # COM says 254 bytes
    assert "JPEG comment" in details(inspect_metadata(cut_short))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xfe\x00\x07secretjunk after the comment\xff\xd9")
    text = details(inspect_metadata(junk))
    assert "JPEG comment" in text and "bytes after the end of the image" in text


def test_every_group_has_a_plain_label():
    assert set(GROUP_LABELS) == set(GROUPS)
    assert all(label and label[0].isupper() for label in GROUP_LABELS.values())
