"""Batches at archive scale: worker processes, the journal and --resume, Ctrl+C, a Dask cluster.

Every run here is compared with a serial run (`--jobs 1`): same output names, same report.
Detectors that need models are off: what is tested is the batch, not detection.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

import local_cluster
from sanitizer import netguard, sample_photos
from sanitizer.cli import main
from sanitizer.journal import JOURNAL_NAME
from sanitizer.tempfiles import TEMP_PREFIX

REPO = Path(__file__).resolve().parents[1]
FAST = ["--no-faces", "--no-text", "--no-screens", "--no-barcodes"]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "ORT_DISABLE_TELEMETRY": "1"}


def make_batch(root: Path, n: int, size=(320, 240)) -> Path:
    """n photos, plus the cases where names depend on order: the same stem in two folders (the
    first one large, so a parallel run finishes it last), the same stem as PNG, and a broken file."""
    root.mkdir(parents=True)
    (root / "a").mkdir()
    (root / "b").mkdir()
    Image.fromarray(sample_photos.scene(2400, 1800)).save(root / "a" / "photo.jpg")
    Image.fromarray(sample_photos.scene(64, 48)).save(root / "b" / "photo.jpg")
    Image.fromarray(sample_photos.scene(64, 48)).save(root / "b" / "photo.png")
    (root / "b" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    for i in range(n):
        Image.fromarray(sample_photos.scene(*size)).save(root / "b" / f"p{i:03d}.jpg")
    return root


def report_of(out: Path) -> dict:
    reports = sorted(out.glob("sanitize-report-*.json"))
    assert len(reports) == 1, reports
    return json.loads(reports[0].read_text())


def outputs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if "_clean" in p.name)


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sanitizer", *args], env=ENV, capture_output=True,
                          text=True, timeout=600, **kwargs)


@pytest.fixture
def batch(tmp_path) -> Path:
    return make_batch(tmp_path / "in", 6)


@pytest.fixture
def serial(batch, tmp_path) -> Path:
    out = tmp_path / "serial"
    out.mkdir()
    (out / "p000_clean.jpg").write_bytes(b"a file of the user's")  # taken names are skipped in order too
    assert main(["clean", str(batch), "-o", str(out), "--jobs", "1", "-q", *FAST]) == 1  # broken.jpg fails
    return out


def test_jobs_2_gives_the_serial_names_and_report(batch, serial, tmp_path, capsys):
    out = tmp_path / "parallel"
    out.mkdir()
    (out / "p000_clean.jpg").write_bytes(b"a file of the user's")
    assert main(["clean", str(batch), "-o", str(out), "--jobs", "2", "-q", *FAST]) == 1
    assert "broken.jpg" in capsys.readouterr().err
    assert outputs(out) == outputs(serial)
    assert "photo_clean.jpg" in outputs(out) and "photo_clean-2.jpg" in outputs(out)
    assert (out / "p000_clean.jpg").read_bytes() == b"a file of the user's"
    # Without redactions the outputs are byte-identical, so whole records compare equal.
    assert report_of(out)["files"] == report_of(serial)["files"]
    assert report_of(out)["summary"] == {"files": 10, "cleaned": 9, "failed": 1, "exported_unreviewed": 9}
    assert (out / "map.tsv").read_text() == (serial / "map.tsv").read_text()
    journal = [json.loads(line) for line in (out / JOURNAL_NAME).read_text().splitlines()]
    assert [r["output"] for r in journal] == [r["output"] for r in report_of(out)["files"]]
    assert not list(out.glob(TEMP_PREFIX + "*"))


def test_pool_workers_are_guarded_before_any_file():
    from sanitizer.batch import _new_pool
    pool = _new_pool(1)
    try:
        assert pool.submit(netguard.installed).result(timeout=120) is True
        assert pool.submit(os.getenv, "ORT_DISABLE_TELEMETRY").result(timeout=120) == "1"
        assert pool.submit(signal.getsignal, signal.SIGINT).result(timeout=120) == signal.SIG_IGN
    finally:
        pool.shutdown()


def test_a_worker_on_its_share_of_the_cores_runs_every_network_on_that_share():
    """A pool of as many workers as cores gives each worker one core: every onnxruntime
    session it builds (faces, object model, text detection and recognition) uses one thread."""
    script = textwrap.dedent("""
        import json, os
        from sanitizer.cpu import share_cores_with
        share_cores_with(os.cpu_count())
        from sanitizer.detectors import faces, objects
        from sanitizer.model_store import ModelMissing
        from sanitizer.ocr import get_engine
        try:
            ocr = get_engine("rapidocr")
            ocr._load()
            sessions = {"faces": faces._session(), "objects": objects._session(),
                        "text detection": ocr._det.session.session, "text recognition": ocr._rec.session.session}
        except ModelMissing:
            print("null")
        else:
            print(json.dumps({k: s.get_session_options().intra_op_num_threads for k, s in sessions.items()}))
        """)
    done = subprocess.run([sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    threads = json.loads(done.stdout)
    if threads is None:
        pytest.skip("models not installed")
    assert threads == {"faces": 1, "objects": 1, "text detection": 1, "text recognition": 1}


def _start(args: list[str]) -> subprocess.Popen:
    # Its own session, so a signal to its group reaches the workers too, as Ctrl+C in a terminal does.
    return subprocess.Popen([sys.executable, "-m", "sanitizer", *args], env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _signal_after(proc: subprocess.Popen, files: int, sig: int) -> None:
    seen = 0
    for line in proc.stdout:  # type: ignore[union-attr]
        if json.loads(line)["event"] == "file":
            seen += 1
            if seen == files:
                if sig:
                    os.killpg(proc.pid, sig)
                return
    raise AssertionError("the batch ended before it could be stopped")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_cleanly_and_writes_the_report_of_what_was_done(tmp_path, stop):
    src = make_batch(tmp_path / "in", 150)
    out = tmp_path / "out"
    proc = _start(["clean", str(src), "-o", str(out), "--jobs", "2", "--json", *FAST])
    if stop == signal.SIGINT:
        _signal_after(proc, 3, stop)  # a terminal sends Ctrl+C to the whole process group
    else:
        _signal_after(proc, 3, 0)
        proc.send_signal(stop)  # a job system stops the program it started
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in stderr and "stopped:" in stderr
    finish = json.loads(stdout.strip().splitlines()[-1])
    assert finish["event"] == "finish" and finish["interrupted"] is True
    report = report_of(out)
    done = report["summary"]["files"]
    assert 3 <= done < 154 and report["summary"]["interrupted_before"] == 154 - done
    assert sorted(r["output"] for r in report["files"] if r["output"]) == outputs(out)
    assert len((out / JOURNAL_NAME).read_text().splitlines()) == done
    assert not list(out.glob(TEMP_PREFIX + "*")), "partial or staged files were left behind"


def _wait_until_gone(out: Path) -> None:
    """The killed workers are reaped by init a moment later; until then their files look owned."""
    owners = {p.name[len(TEMP_PREFIX):].split("-", 1)[0] for p in out.glob(TEMP_PREFIX + "*")}
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in owners) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_killed_run_resumes_with_exactly_one_output_per_input(tmp_path, capsys):
    src = make_batch(tmp_path / "in", 60)
    out = tmp_path / "out"
    proc = _start(["clean", str(src), "-o", str(out), "--jobs", "2", "--json", *FAST])
    _signal_after(proc, 8, signal.SIGKILL)  # no chance to write a report
    proc.communicate(timeout=120)
    _wait_until_gone(out)
    assert not list(out.glob("sanitize-report-*"))
    journal = out / JOURNAL_NAME
    recorded = [json.loads(line) for line in journal.read_text().splitlines()]
    # (A kill between a file's record and its link leaves a record whose output is missing.)
    cleaned_before = [r for r in recorded if r["status"] == "cleaned and verified" and (out / r["output"]).exists()]
    assert len(cleaned_before) >= 6
    assert len(outputs(out)) == len(cleaned_before), "an output without its journal record"
    # An output changed since is not trusted (cleaned again); a torn last line is ignored.
    tampered = out / cleaned_before[-1]["output"]
    tampered.write_bytes(tampered.read_bytes() + b"x")
    with open(journal, "ab") as f:
        f.write(b'{"journal": 1, "settings": "torn')

    assert main(["clean", str(src), "-o", str(out), "--jobs", "2", "--resume", "--json", *FAST]) == 1
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0] == {"event": "start", "files": 64, "reused": len(cleaned_before) - 1}
    report = report_of(out)
    assert report["summary"] == {"files": 64, "cleaned": 63, "failed": 1, "exported_unreviewed": 63}
    expected = {r["output"] for r in report["files"] if r["output"]} | {tampered.name}
    assert set(outputs(out)) == expected and len(outputs(out)) == 64  # 63 + the tampered one
    assert sum(1 for e in events if e["event"] == "file" and e["reused"]) == len(cleaned_before) - 1
    lines = journal.read_text().splitlines()
    assert sum(1 for line in lines if line.startswith('{"journal": 1, "settings": "torn')) == 1
    assert not list(out.glob(TEMP_PREFIX + "*"))

    # Resumed again with the same settings: nothing is left to clean.
    assert main(["clean", str(src), "-o", str(out), "--resume", "--jobs", "1", "--json", *FAST]) == 1
    assert json.loads(capsys.readouterr().out.splitlines()[0])["reused"] == 63
    assert len(outputs(out)) == 64
    # Other settings: earlier outputs are not reused, and the user is told.
    assert main(["clean", str(src / "a"), "-o", str(out), "--resume", "--preset", "strict", "-q", *FAST]) == 0
    assert "other settings" in capsys.readouterr().err


def test_cluster_options_are_checked_before_anything_runs(batch, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["clean", str(batch), "-o", str(out), "--scheduler", "tcp://scheduler.example:8786", *FAST]) == 2
    assert "IP address" in capsys.readouterr().err
    assert main(["clean", str(batch), "-o", str(out), "--scheduler", "http://127.0.0.1:8786", *FAST]) == 2
    assert main(["clean", str(batch), "-o", str(out), "--jobs", "0", *FAST]) == 2
    assert not out.exists()


def test_network_guard_allows_only_the_named_address():
    code = textwrap.dedent("""
        import socket
        from sanitizer import netguard
        netguard.install()
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
        other = socket.socket(); other.bind(("127.0.0.1", 0)); other.listen()
        port = server.getsockname()[1]
        def refused(fn):
            try:
                fn()
            except netguard.NetworkBlocked:
                return True
            return False
        assert refused(lambda: socket.getaddrinfo("127.0.0.1", port))  # nothing allowed yet
        try:
            netguard.allow_connections_to("localhost", port)
            raise SystemExit("a name was accepted")
        except ValueError:
            pass
        netguard.allow_connections_to("127.0.0.1", port)
        socket.socket().connect(("127.0.0.1", port))
        assert socket.getaddrinfo("127.0.0.1", port)
        assert refused(lambda: socket.socket().connect(("127.0.0.1", other.getsockname()[1])))
        assert refused(lambda: socket.socket().connect(("192.0.2.1", port)))
        assert refused(lambda: socket.getaddrinfo("example.org", 443))
        assert refused(lambda: socket.getaddrinfo("127.0.0.1", port, flags=socket.AI_CANONNAME))
        assert refused(lambda: socket.create_connection(("127.0.0.1", port)))
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "ok", r.stderr


def test_a_dask_cluster_cleans_like_a_serial_run(batch, serial, tmp_path):
    pytest.importorskip("distributed")
    helper, address = local_cluster.start(ENV)
    try:
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "cluster"
        out.mkdir()
        (out / "p000_clean.jpg").write_bytes(b"a file of the user's")
        r = run_cli("clean", str(batch), "-o", str(out), "--scheduler", address, "-q", *FAST)
        assert r.returncode == 1 and "broken.jpg" in r.stderr and "Traceback" not in r.stderr
        assert outputs(out) == outputs(serial)
        assert report_of(out)["files"] == report_of(serial)["files"]
        assert not list(out.glob(TEMP_PREFIX + "*"))
        workers = local_cluster.probe_workers(helper)
    finally:
        local_cluster.stop(helper)
    scheduler_port = int(address.rsplit(":", 1)[1])
    assert len(workers) == 2
    for w in workers.values():
        nanny_port = int(w["nanny"].rsplit(":", 1)[1])
        assert w["installed"] and w["blocked"] == []
        assert w["peers"] == sorted([["127.0.0.1", scheduler_port], ["127.0.0.1", nanny_port]])
        assert w["tries"] == {"internet": "refused", "other loopback port": "refused"}


def test_a_result_carries_no_metadata_values_back(tmp_path):
    """On a cluster the result crosses the network: tag names only, never the values (GPS)."""
    from sanitizer.batch import FileJob, clean_one
    from sanitizer.settings import Settings
    src = sample_photos.build_samples(tmp_path / "in")[0]
    out = tmp_path / "out"
    out.mkdir()
    result = clean_one(FileJob(0, src, out, Settings(faces=False, text=False, barcodes=False, screens=False)))
    assert result.ok and "gps" in {m.group for m in result.removed}
    assert all(m.detail == "" for m in result.removed)
    assert result.output.name.startswith(TEMP_PREFIX)  # staged: the batch names it


def test_a_worker_that_dies_fails_its_files_and_the_batch_goes_on(tmp_path):
    """Out of memory or a crash in native code kills a worker: the files it held fail with a reason,
    a new pool takes the rest, and no file is lost or reported twice."""
    import multiprocessing

    from sanitizer.batch import WORKER_DIED, FileJob, process_runner
    from sanitizer.settings import Settings
    src = tmp_path / "in"
    src.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    settings = Settings(faces=False, text=False, barcodes=False, screens=False)
    jobs = []
    for i in range(12):
        Image.fromarray(sample_photos.scene(320, 240)).save(src / f"p{i:02d}.jpg")
        jobs.append(FileJob(i, src / f"p{i:02d}.jpg", out, settings))
    results = {}
    for index, result in process_runner(2)(jobs):
        assert index not in results
        results[index] = result
        if len(results) == 1:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
    assert sorted(results) == list(range(12))
    died = [i for i, r in results.items() if r.error == WORKER_DIED]
    assert 1 <= len(died) <= 4  # at most the files the dead pool held
    assert all(r.ok for i, r in results.items() if i not in died)
    for r in results.values():
        if r.ok:
            r.output.unlink()  # staged outputs: a batch would name them


def test_without_dask_the_cluster_option_is_a_usage_error_and_nothing_else_needs_it(batch, tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["distributed"] = None  # as if the cluster extra were not installed
        import ui.app, sanitizer.batch, sanitizer.cluster  # the app and the engine import without it
        from sanitizer.cli import main
        code = main(["clean", {str(batch)!r}, "-o", {str(tmp_path / "out")!r}, "--scheduler", "tcp://127.0.0.1:8786"])
        print("exit", code)
    """)
    r = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip().endswith("exit 2"), r.stderr
    assert "pip install 'phi-sanitizer[cluster]'" in r.stderr
    assert not (tmp_path / "out").exists()
