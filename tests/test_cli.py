"""The CLI contract of the design: scan JSON Lines, clean outputs, report, exit codes."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sanitizer import sample_photos
from sanitizer.cli import main
from sanitizer.tempfiles import TEMP_PREFIX

# Detectors that need models are switched off here: this file tests the contract, not detection.
FAST = ["--no-faces", "--no-text", "--no-wristbands", "--no-documents", "--no-screens", "--no-barcodes"]
PHI_STRINGS = ["DOE", "00482913", "03/14/1961", "Demo Photographer", "SN-0042", "Ward 4", "41.88", "87.62"]


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def samples(tmp_path) -> list[Path]:
    return sample_photos.build_samples(tmp_path / "in")


def test_clean_writes_verified_copies_and_report(samples, tmp_path, capsys, exiftool):
    before = {p: sha(p) for p in samples}
    out = tmp_path / "out"
    assert main(["clean", str(samples[0].parent), "-o", str(out), *FAST]) == 0
    outputs = sorted(p.name for p in out.iterdir() if "_clean" in p.name)
    assert outputs == ["gala_table_clean.webp", "poster_draft_clean.png",
                       "ward_visit_clean.jpg", "ward_visit_rotated_clean.jpg"]
    assert {p: sha(p) for p in samples} == before, "an original was modified"
    assert not list(out.glob(TEMP_PREFIX + "*"))
    # Rotated original: the clean copy carries the display orientation in its pixels.
    with Image.open(out / "ward_visit_rotated_clean.jpg") as im:
        assert im.size == (1200, 800)
    # exiftool, as an independent reader, finds no GPS, EXIF, XMP, IPTC or comment.
    tags = json.loads(subprocess.run([exiftool, "-j", "-a", "-G1", *map(str, out.glob("*_clean.*"))],
                                     capture_output=True, text=True, check=True).stdout)
    for t in tags:
        groups = {k.split(":")[0] for k in t if ":" in k}
        assert not groups & {"GPS", "IFD0", "ExifIFD", "IFD1", "XMP-dc", "IPTC"}, groups
        assert "File:Comment" not in t
    # The report exists in both forms and holds no PHI.
    reports = list(out.glob("sanitize-report-*.json"))
    assert len(reports) == 1 and len(list(out.glob("sanitize-report-*.csv"))) == 1
    data = json.loads(reports[0].read_text())
    # Nobody reviews on the command line: the report says every file went out unreviewed.
    assert data["summary"] == {"files": 4, "cleaned": 4, "failed": 0, "exported_unreviewed": 4}
    assert all(f["approved"] is False for f in data["files"])
    assert "4 exported without a person's review" in capsys.readouterr().out
    rec = next(f for f in data["files"] if f["input"] == "ward_visit.jpg")
    assert rec["sha256_input"] == before[samples[0]]
    assert rec["sha256_output"] == sha(out / "ward_visit_clean.jpg")
    assert {"gps", "thumbnail", "xmp", "iptc", "comment"} <= set(rec["metadata_removed"])
    text = reports[0].read_text() + next(out.glob("sanitize-report-*.csv")).read_text()
    for s in PHI_STRINGS:
        assert s not in text


def test_scan_json_lines_contract(samples, capsys):
    assert main(["scan", str(samples[0]), str(samples[2]), "--json", *FAST]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        obj = json.loads(line)
        assert set(obj) == {"path", "width", "height", "regions", "metadata", "error"}
        assert obj["error"] is None
        assert all(set(m) == {"group", "tag"} for m in obj["metadata"])
    first = json.loads(lines[0])
    assert (first["width"], first["height"]) == (1200, 800)
    assert "gps" in {m["group"] for m in first["metadata"]}


def test_scan_reports_display_size_of_rotated_photo(samples, capsys):
    main(["scan", str(samples[1]), "--json", *FAST])
    obj = json.loads(capsys.readouterr().out)
    assert (obj["width"], obj["height"]) == (1200, 800)


def test_bad_file_fails_alone_and_batch_goes_on(samples, tmp_path, capsys):
    bad = samples[0].parent / "broken.jpg"
    bad.write_bytes(samples[0].read_bytes()[:2000])
    (samples[0].parent / "empty.png").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["clean", str(samples[0].parent), "-o", str(out), *FAST]) == 1
    err = capsys.readouterr().err
    assert "broken.jpg" in err and "empty.png" in err
    assert "Traceback" not in err
    assert len(list(out.glob("*_clean.*"))) == 4
    assert not (out / "broken_clean.jpg").exists()
    data = json.loads(next(out.glob("sanitize-report-*.json")).read_text())
    assert data["summary"]["failed"] == 2


def test_usage_errors_exit_2(samples, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["clean", str(samples[0])])  # no -o
    assert exc.value.code == 2
    # Output folder = the originals' folder.
    assert main(["clean", str(samples[0]), "-o", str(samples[0].parent), *FAST]) == 2
    # Output folder that cannot be created (its parent is a file).
    assert main(["clean", str(samples[0]), "-o", str(samples[0] / "sub"), *FAST]) == 2
    # Nothing to do.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["clean", str(empty), "-o", str(tmp_path / "o2"), *FAST]) == 2
    assert not (tmp_path / "o2" / "map.tsv").exists()


def test_same_stem_inputs_get_distinct_outputs(tmp_path, capsys):
    px = sample_photos.scene(320, 240)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    Image.fromarray(px).save(a / "photo.jpg")
    Image.fromarray(px).save(b / "photo.jpg")
    Image.fromarray(px).save(b / "photo.png")
    out = tmp_path / "out"
    assert main(["clean", str(a), str(b), "-o", str(out), *FAST]) == 0
    names = sorted(p.name for p in out.glob("photo_*"))
    assert names == ["photo_clean-2.jpg", "photo_clean.jpg", "photo_clean.png"]


def test_existing_output_is_never_overwritten(samples, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "ward_visit_clean.jpg").write_bytes(b"previous export")
    assert main(["clean", str(samples[0]), "-o", str(out), *FAST]) == 0
    assert (out / "ward_visit_clean.jpg").read_bytes() == b"previous export"
    assert (out / "ward_visit_clean-2.jpg").exists()


def test_inspect_hides_free_text_unless_asked(samples, capsys):
    assert main(["inspect", str(samples[0])]) == 0
    out = capsys.readouterr().out
    assert "GPS position" in out  # what is there is named...
    for value in ("41.88", "87.62", "Demo Photographer", "SN-0042"):  # ...never what it says
        assert value not in out
    assert main(["inspect", str(samples[0]), "--values"]) == 0
    out = capsys.readouterr().out
    assert "Demo Photographer" in out and "41.88" in out


def test_inspect_never_prints_the_bytes_of_an_unknown_segment(tmp_path, capsys):
    """An APPn segment nobody names used to be shown by its first 20 bytes."""
    from PIL import Image
    src = tmp_path / "leak.jpg"
    Image.new("RGB", (32, 32), (90, 90, 90)).save(src)
    data = src.read_bytes()
    payload = b"LEAK15 APP Patient John Smith MRN 12345678"
    segment = b"\xff\xea" + (len(payload) + 2).to_bytes(2, "big") + payload  # APP10
    src.write_bytes(data[:2] + segment + data[2:])
    assert main(["inspect", str(src)]) == 0
    out = capsys.readouterr().out
    assert "APP10 segment" in out
    assert "Patient" not in out and "LEAK15" not in out
    assert main(["inspect", str(src), "--values"]) == 0
    assert "LEAK15 APP Patient" in capsys.readouterr().out


def test_console_script_runs_as_a_process(samples, tmp_path):
    exe = Path(sys.executable).with_name("sanitize")
    if not exe.exists():
        pytest.skip("the project is not installed into this Python")
    r = subprocess.run([str(exe), "clean", str(samples[2]), "-o", str(tmp_path / "o"), *FAST],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "poster_draft_clean.png").exists()
    r = subprocess.run([str(exe), "bogus-command"], capture_output=True, text=True)
    assert r.returncode == 2


def test_redaction_reaches_the_pixels(samples, tmp_path):
    """With barcodes on, the sample's QR code is found and the clean copy no longer decodes it."""
    zxingcpp = pytest.importorskip("zxingcpp")
    import importlib.util
    if importlib.util.find_spec("sanitizer.detectors.barcodes") is None:
        pytest.skip("barcode detector not built yet")
    out = tmp_path / "out"
    assert main(["clean", str(samples[2]), "-o", str(out), "--no-faces", "--no-text", "--no-wristbands", "--no-documents",
                 "--no-screens"]) == 0
    assert zxingcpp.read_barcodes(Image.open(samples[2]).convert("RGB"))
    assert not zxingcpp.read_barcodes(Image.open(out / "poster_draft_clean.png").convert("RGB"))


def test_outputs_are_readable_like_any_new_file(samples, tmp_path):
    import os
    import stat
    out = tmp_path / "out"
    assert main(["clean", str(samples[2]), "-o", str(out), *FAST]) == 0
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE((out / "poster_draft_clean.png").stat().st_mode)
    assert mode == 0o666 & ~umask


def test_extensionless_photo_in_a_folder_is_picked_up(tmp_path):
    from sanitizer.pipeline import collect_inputs
    folder = tmp_path / "f"
    folder.mkdir()
    Image.fromarray(sample_photos.scene(64, 48)).save(folder / "IMG0001", "JPEG")
    (folder / "notes").write_text("not a photo")
    (folder / "README.txt").write_text("not a photo")
    assert [p.name for p in collect_inputs([folder])] == ["IMG0001"]


def _noise_png(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(path, "PNG")
    return path


def test_neutral_names_and_the_warning_about_personal_file_names(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    _noise_png(src / "Mrs Patel ward 5.png", 1)
    _noise_png(src / "poster.png", 2)
    Image.open(src / "poster.png").convert("RGB").save(src / "gala.jpg", "JPEG")
    # Without neutral names: the clean copy would carry the name, so the CLI warns.
    assert main(["clean", str(src), "-o", str(tmp_path / "named"), "-q", *FAST]) == 0
    err = capsys.readouterr().err
    assert "Mrs Patel ward 5.png: the file name may hold a person's details" in err
    assert "poster.png" not in err and "--neutral-names PREFIX" in err

    out = tmp_path / "neutral"
    assert main(["clean", str(src), "-o", str(out), "-q", "--neutral-names", "event", *FAST]) == 0
    assert capsys.readouterr().err == ""
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("event")) == [
        "event_001.png", "event_002.jpg", "event_003.png"]  # one number per file, in input order
    report = json.loads(next(out.glob("sanitize-report-*.json")).read_text())
    assert {r["input"]: r["output"] for r in report["files"]} == {
        "Mrs Patel ward 5.png": "event_001.png", "gala.jpg": "event_002.jpg", "poster.png": "event_003.png"}
    assert report["settings"]["neutral_names"] is True
    # A second run into the same folder goes on counting; it never replaces a file.
    assert main(["clean", str(src / "poster.png"), "-o", str(out), "-q", "--neutral-names", "event", *FAST]) == 0
    assert (out / "event_004.png").exists()
    assert main(["clean", str(src), "-o", str(out), "--neutral-names", "../up", *FAST]) == 2


def test_file_name_finding_flags_people_not_cameras():
    from sanitizer.phi import file_name_finding
    personal = ["Mrs Patel ward 5.jpg", "mrs_patel_ward5.jpg", "john doe bed 4.jpg", "dr smith retirement.jpg",
                "Smith, John 1950-03-02 DOB.jpg"]
    neutral = ["IMG_20240501_123456.jpg", "DSC_0042.JPG", "PXL_20231103_101112345.jpg", "gala table 3.jpg",
               "awards-night-2024.jpg", "ward_visit_0412.jpg", "new wing opening.jpg"]
    assert [n for n in personal if file_name_finding(n) is None] == []
    assert [n for n in neutral if file_name_finding(n) is not None] == []
