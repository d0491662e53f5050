import os
import subprocess
import sys
import tempfile

import pytest

from sanitizer import tempfiles
from sanitizer.tempfiles import TEMP_PREFIX, atomic_output, sweep_stale, sweep_system_temp


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_failed_write_leaves_nothing(tmp_path):
    dest = tmp_path / "x.jpg"
    with pytest.raises(RuntimeError):
        with atomic_output(dest) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("verification failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_destination_is_never_replaced(tmp_path):
    dest = tmp_path / "x.jpg"
    dest.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        with atomic_output(dest) as tmp:
            tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [dest]


def test_sweep_removes_orphans_only(tmp_path):
    orphan = tmp_path / f"{TEMP_PREFIX}{dead_pid()}-abc.jpg"
    live = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-def.jpg"   # our parent process is alive
    ours = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-ghi.jpg"
    for p in (orphan, live, ours):
        p.write_bytes(b"x")
    assert sweep_stale(tmp_path) == 1
    assert not orphan.exists() and live.exists() and ours.exists()


def test_system_temp_sweep_keeps_a_running_copy(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    crashed = tmp_path / f"{TEMP_PREFIX}{dead_pid()}-x"
    running = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-y"
    crashed.mkdir(), running.mkdir()
    (crashed / "frame.png").write_bytes(b"x")
    mine = tempfiles.private_temp_dir()
    try:
        assert sweep_system_temp() == 1
        assert not crashed.exists() and running.exists() and mine.exists()
    finally:
        tempfiles.cleanup_private()
    assert not mine.exists()
