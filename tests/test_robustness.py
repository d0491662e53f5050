"""Odd files and names never stop a batch (issue 17): each test is one attack that used to
break a run (traceback, hang, lost report, misleading reason or raw name on the console)."""
from __future__ import annotations

import csv
import errno
import json
import os
import pathlib
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sanitizer import sample_photos, selftest
from sanitizer.cli import main
from sanitizer.errors import DecodeError
from sanitizer.formats import load_image
from sanitizer.names import printable, spreadsheet_cell
from sanitizer.tempfiles import TEMP_PREFIX

REPO = Path(__file__).resolve().parents[1]
FAST = ["--no-faces", "--no-text", "--no-screens", "--no-barcodes"]


def photo(path: Path, size=(160, 120)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sample_photos.scene(*size)).save(path)
    return path


def report(out: Path) -> dict:
    return json.loads(next(out.glob("sanitize-report-*.json")).read_text(encoding="utf-8"))


def csv_rows(out: Path) -> list[dict]:
    with open(next(out.glob("sanitize-report-*.csv")), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The CLI in its own process (with a generous limit that only guards against a hang)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORT_DISABLE_TELEMETRY": "1"}
    return subprocess.run([sys.executable, "-m", "sanitizer", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never undecodable bytes")
def test_name_that_is_not_utf8_is_reported(tmp_path, capsys):
    src = tmp_path / "in"
    photo(src / os.fsdecode(b"bad\xff\xfe.png"))
    photo(src / "good.png")
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), *FAST]) == 0
    assert "2 of 2 files cleaned" in capsys.readouterr().out
    inputs = sorted(r["input"] for r in csv_rows(out))
    assert inputs == ["bad\\xff\\xfe.png", "good.png"]  # backslashreplace: the bytes stay recognisable
    assert "bad\\xff\\xfe.png\tbad\\xff\\xfe_clean.png\tok" in (out / "map.tsv").read_text(encoding="utf-8")
    assert {f["input"] for f in report(out)["files"]} == set(inputs)


def test_symlink_loop_fails_alone(tmp_path, capsys):
    src = tmp_path / "in"
    good = photo(src / "good.png")
    loop = src / "loop.jpg"
    loop.symlink_to(loop.name)
    out = tmp_path / "out"
    assert main(["clean", str(loop), str(good), "-o", str(out), *FAST]) == 1
    captured = capsys.readouterr()
    assert "loop.jpg: the file is a symbolic link that loops back on itself" in captured.err
    assert "Traceback" not in captured.err
    assert (out / "good_clean.png").exists()
    summary = report(out)["summary"]
    assert (summary["files"], summary["cleaned"], summary["failed"]) == (2, 1, 1)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("command", ["clean", "scan"])
def test_named_pipe_is_refused_without_opening_it(tmp_path, command):
    fifo = tmp_path / "in" / "f.jpg"
    good = photo(tmp_path / "in" / "good.png")
    os.mkfifo(fifo)
    extra = ["-o", str(tmp_path / "out")] if command == "clean" else []
    done = run_cli(command, str(fifo), str(good), *extra, *FAST)
    assert done.returncode == 1
    assert "f.jpg: this is not a regular file (a pipe, device or socket)" in done.stderr
    assert "good.png" in (done.stdout if command == "scan" else (tmp_path / "out" / "map.tsv").read_text())


def test_device_is_refused(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(DecodeError, match="not a regular file"):
        load_image(Path("/dev/zero"))


def test_disk_full_at_report_time_still_prints_the_summary(tmp_path, capsys, monkeypatch):
    good = photo(tmp_path / "in" / "good.png")
    real_write_text = pathlib.Path.write_text

    def disk_full(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", disk_full)
    out = tmp_path / "out"
    assert main(["clean", str(good), "-o", str(out), *FAST]) == 1
    captured = capsys.readouterr()
    assert "the audit report could not be written (No space left on device)" in captured.err
    assert "1 of 1 files cleaned and verified" in captured.out
    assert (out / "good_clean.png").exists()
    assert not list(out.glob(TEMP_PREFIX + "*")), "a partial report was left behind"


@pytest.mark.parametrize("stem_bytes", [241, 247, 251])
def test_long_names_get_a_shortened_unique_output(tmp_path, capsys, stem_bytes):
    src = tmp_path / "in"
    # Two-byte characters, so a cut in the middle of one would be visible.
    first = photo(src / ("é" * (stem_bytes // 2) + "a" * (stem_bytes % 2) + ".png"))
    second = photo(src / ("é" * (stem_bytes // 2) + "b" * (stem_bytes % 2) + ".png"))
    out = tmp_path / "out"
    assert main(["clean", str(first), str(second), "-o", str(out), *FAST]) == 0, capsys.readouterr().err
    outputs = sorted(p.name for p in out.glob("*_clean*.png"))
    assert len(outputs) == 2
    for name in outputs:
        assert len(os.fsencode(name)) <= 255
        name.encode("utf-8")  # never a broken character


def jpeg_cut_in_half(path: Path) -> Path:
    rng = np.random.default_rng(0)
    pixels = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] + b"\xff\xd9")
    return path


@pytest.mark.parametrize("mode", ["RGB", "CMYK"])
def test_jpeg_cut_in_half_with_end_marker_is_refused_quietly(tmp_path, capfd, mode):
    path = jpeg_cut_in_half(tmp_path / "cut.jpg")
    if mode == "CMYK":  # decoded by Pillow, whose libjpeg never reports the damage itself
        rng = np.random.default_rng(1)
        Image.fromarray((rng.random((240, 320, 3)) * 255).astype(np.uint8)).convert("CMYK").save(path, quality=90)
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2] + b"\xff\xd9")
        with Image.open(path) as im:
            assert im.mode == "CMYK"
    with pytest.raises(DecodeError, match="damaged: part of its picture data is missing"):
        load_image(path)
    captured = capfd.readouterr()
    assert "Corrupt JPEG" not in captured.err + captured.out


def test_whole_jpeg_still_loads_silently(tmp_path, capfd):
    path = tmp_path / "whole.jpg"
    Image.fromarray(sample_photos.scene(320, 240)).save(path, quality=90, progressive=True)
    assert load_image(path).size == (320, 240)
    assert capfd.readouterr().err == ""


def test_names_are_escaped_on_the_console(tmp_path, capsys):
    src = tmp_path / "in"
    bad = src / "\x1b[2K\x1b[1Aevil.jpg"
    src.mkdir()
    bad.write_bytes(b"not a picture")
    assert main(["clean", str(bad), "-o", str(tmp_path / "out"), *FAST]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\\x1b[2K\\x1b[1Aevil.jpg: " in err


def test_report_cells_cannot_run_as_formulas(tmp_path):
    src = tmp_path / "in"
    photo(src / "=HYPERLINK(1+1).png")
    photo(src / "@SUM(1).png")
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), *FAST]) == 0
    rows = csv_rows(out)
    assert sorted(r["input"] for r in rows) == ["'=HYPERLINK(1+1).png", "'@SUM(1).png"]
    assert sorted(r["output"] for r in rows) == ["'=HYPERLINK(1+1)_clean.png", "'@SUM(1)_clean.png"]
    assert spreadsheet_cell("-1") == "'-1" and spreadsheet_cell("plain") == "plain"


def test_same_name_in_two_subfolders_stays_apart_in_the_report(tmp_path):
    src = tmp_path / "in"
    photo(src / "sub1" / "dup.png")
    photo(src / "sub2" / "dup.png")
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), *FAST]) == 0
    assert sorted(f["input"] for f in report(out)["files"]) == ["sub1/dup.png", "sub2/dup.png"]
    assert sorted(r["input"] for r in csv_rows(out)) == ["sub1/dup.png", "sub2/dup.png"]


def test_rerun_into_a_subfolder_of_the_input_skips_its_own_outputs(tmp_path, capsys):
    src = tmp_path / "in"
    photo(src / "a.png")
    out = src / "cleaned"
    assert main(["clean", str(src), "-o", str(out), *FAST]) == 0
    assert main(["clean", str(src), "-o", str(out), *FAST]) == 0, capsys.readouterr().err
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["a_clean-2.png", "a_clean.png"]  # never a_clean_clean.png


def test_map_never_replaces_an_existing_file(tmp_path):
    good = photo(tmp_path / "in" / "good.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.tsv").write_text("the user's own file\n")
    assert main(["clean", str(good), "-o", str(out), *FAST]) == 0
    assert (out / "map.tsv").read_text() == "the user's own file\n"
    assert (out / "map-2.tsv").read_text() == "good.png\tgood_clean.png\tok\n"


def test_killed_self_test_folders_are_swept_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{TEMP_PREFIX}999999999-selftest-x"  # pid far above any pid_max
    dead.mkdir()
    seen: list[Path] = []
    monkeypatch.setattr(selftest, "CHECKS", [("probe", lambda work: seen.append(work) or "ok")])
    assert selftest.run_self_test(out=open(os.devnull, "w")) == 0
    assert not dead.exists()
    # This run's own folder carries the owner's pid, so a later run can sweep it if killed.
    assert seen[0].parent.name.startswith(f"{TEMP_PREFIX}{os.getpid()}-")


def test_printable_keeps_ordinary_names():
    assert printable("Ward 4 — café.jpg") == "Ward 4 — café.jpg"
    assert printable("a\u202egpj.exe") == "a\\u202egpj.exe"
