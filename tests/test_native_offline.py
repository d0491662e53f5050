"""No network and no files under HOME, checked at the system-call level (native code included).

sanitizer.netguard only sees Python's socket module. onnxruntime's telemetry is native: about
ten seconds into a run it looked up a Microsoft events host and wrote a device id and an event
queue under ~/.cache. This test runs a real clean for more than 20 s under strace, with a fresh
empty HOME and temporary folder and without ORT_DISABLE_TELEMETRY in the environment (the
engine must set it itself), and checks that no internet socket was made and nothing was written.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from phi_fixtures import text_image

pytestmark = pytest.mark.slow

RUN_SECONDS = 22  # the telemetry fired about 10 s in; its retries followed at 6, 14, 36 s

CHILD = """
import sys, time
from sanitizer.cli import main
src, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
start, n = time.monotonic(), 0
while time.monotonic() - start < seconds:
    n += 1
    assert main(["clean", src, "-o", f"{out}/run{n}", "-q"]) == 0
print("runs", n)
"""

# A connect or send to an internet address. (urllib3, imported by rapidocr, binds a socket to
# ::1 at import to learn whether IPv6 exists; that reaches nothing and is not counted.)
INTERNET = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(.*AF_INET6?\b")


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (Debian: strace)")
def test_a_long_clean_makes_no_internet_socket_and_writes_nothing_under_home(tmp_path):
    home, tmp, out = tmp_path / "home", tmp_path / "tmp", tmp_path / "out"
    for d in (home, tmp, out):
        d.mkdir()
    src = tmp_path / "in" / "label.png"
    src.parent.mkdir()
    Image.fromarray(text_image(["Patient: John Smith", "MRN 12345678"], size=(640, 200))).save(src)
    env = {k: v for k, v in os.environ.items()
           if k not in {"ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"}}
    env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    trace = tmp_path / "strace.txt"
    proc = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace),
         sys.executable, "-c", CHILD, str(src), str(out), str(RUN_SECONDS)],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "runs" in proc.stdout
    internet = [line for line in trace.read_text().splitlines() if INTERNET.search(line)]
    assert internet == [], f"{len(internet)} internet connects or sends, first: {internet[:3]}"
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == []
    assert sorted(p.relative_to(tmp) for p in tmp.rglob("*")) == []


def test_the_engine_turns_onnxruntime_telemetry_off_on_import():
    code = "import os, sanitizer; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env["ORT_DISABLE_TELEMETRY"] = "0"  # an inherited value must not turn it back on
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"

