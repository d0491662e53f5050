"""`--self-test`: for IT after installing. Analyses and cleans built-in samples offline and
prints one PASS/FAIL line per check. Exit 0 only when every check passes."""
from __future__ import annotations

import os
import shutil
import socket
import sys
import traceback
import warnings
from pathlib import Path
from typing import Callable


DATA = Path(__file__).with_name("data")


def _check_network_guard() -> str:
    from . import netguard
    netguard.install()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.connect(("192.0.2.1", 80))  # TEST-NET address: never routed, and refused before any packet
    except netguard.NetworkBlocked:
        return "sockets and name lookups are refused"
    finally:
        s.close()
    raise AssertionError("a socket connect was not refused")


def _load_a_model() -> None:
    """In a spawned child: analyse the sample portrait, which loads the face model as any analysis does."""
    from .pipeline import analyse
    from .settings import Settings
    plan = analyse(DATA / "selftest_face.jpg", Settings().with_only("faces"))
    if plan.error is not None:
        raise SystemExit(1)


# Where a process keeps per-user files; all are pointed at an empty folder for the probe.
_HOME_VARIABLES = ("HOME", "USERPROFILE", "LOCALAPPDATA", "APPDATA", "XDG_CACHE_HOME",
                   "XDG_CONFIG_HOME", "XDG_DATA_HOME")


def _check_native_telemetry(work: Path, probe: Callable[[], None] = _load_a_model) -> str:
    """onnxruntime's telemetry is native (netguard cannot see it) and writes a device id and an
    event queue under HOME when a model loads. A child process started as the app starts its
    workers, without ORT_DISABLE_TELEMETRY inherited and with an empty HOME, loads a model;
    the HOME must stay empty."""
    import multiprocessing
    home = work / "home"
    home.mkdir()
    saved = dict(os.environ)
    try:
        os.environ.pop("ORT_DISABLE_TELEMETRY", None)  # the engine must set it itself
        for name in _HOME_VARIABLES:
            os.environ[name] = str(home)
        child = multiprocessing.get_context("spawn").Process(target=probe)
        child.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    child.join(120)
    assert child.exitcode == 0, "the model could not be loaded in a child process"
    written = [p for p in home.rglob("*") if p.is_file()]
    assert not written, f"{len(written)} file(s) written under the home folder while loading a model"
    return "onnxruntime telemetry is off: loading a model wrote nothing under the home folder"


def _check_models() -> str:
    import json
    from .model_store import model_path, models_dir
    names = [e["name"] for e in json.loads((models_dir() / "manifest.json").read_text())["models"]]
    for name in names:
        model_path(name)  # raises when missing or tampered
    return f"{len(names)} model file(s) present, sha256 verified"


def _check_faces(work: Path) -> str:
    from .pipeline import analyse
    from .settings import Settings
    plan = analyse(DATA / "selftest_face.jpg", Settings().with_only("faces"))
    assert plan.error is None, plan.error
    faces = [r for r in plan.regions if r.kind.value == "face"]
    assert faces, "no face found in the sample portrait"
    return f"{len(faces)} face(s) found in the sample portrait"


def _check_photo_clean(work: Path) -> str:
    from .metadata import inspect_metadata
    from .pipeline import analyse_and_clean
    from .sample_photos import build_samples
    from .settings import Settings
    samples = build_samples(work / "in")
    out = work / "out"
    out.mkdir()
    reserved: set[str] = set()
    phi_found = 0
    for src in samples:
        plan, result = analyse_and_clean(src, out, Settings(), reserved)
        assert result.ok, f"{src.name}: {result.error}"
        left = inspect_metadata(result.output)
        assert not left, f"{result.output.name} still carries {sorted({m.group for m in left})}"
        phi_found += sum(r.kind.value != "face" for r in plan.regions)
    assert phi_found, "no wristband label, code or PHI text found in the samples"
    return f"{len(samples)} dirty samples cleaned and verified, {phi_found} PHI region(s) hidden"


def _check_video(work: Path) -> str:
    from . import video
    check = getattr(video, "self_test", None)
    if check is None:  # until sanitizer/video/__init__.py re-exports it
        from .video.selftest import self_test as check
    return check(work)


CHECKS: list[tuple[str, Callable[..., str]]] = [
    ("network guard", _check_network_guard),
    ("model files", _check_models),
    ("face detection", _check_faces),
    ("photo clean + verify", _check_photo_clean),
    ("video clean + verify", _check_video),
    ("native telemetry", _check_native_telemetry),
]


def _console():
    """Where to print. The Windows app is a windowed program without a console: attach to the
    console of the prompt that started it so IT sees the lines (the exit code is set either way)."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":
        try:
            import ctypes
            if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
                return open("CONOUT$", "w", encoding="utf-8", errors="replace")
        except (OSError, AttributeError):
            pass
    return open(os.devnull, "w", encoding="utf-8")


def run_self_test(out=None) -> int:
    out = out or _console()
    failures = 0
    from .tempfiles import own_temp_dir, sweep_system_temp
    sweep_system_temp()  # folders of an earlier self-test that was killed
    work = own_temp_dir("selftest")
    try:
        with warnings.catch_warnings():
            # Library warnings (numpy on flat test pixels) are noise for IT; the checks decide.
            warnings.simplefilter("ignore")
            failures = _run_checks(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"self-test: {len(CHECKS) - failures} passed, {failures} failed", file=out, flush=True)
    return 0 if failures == 0 else 1


def _run_checks(work: Path, out) -> int:
    failures = 0
    for name, check in CHECKS:
        sub = work / name.replace(" ", "_").replace("+", "")
        sub.mkdir()
        try:
            detail = check(sub) if check.__code__.co_argcount else check()
            print(f"PASS  {name}: {detail}", file=out, flush=True)
        except Exception as exc:  # noqa: BLE001 - report every check, never stop early
            failures += 1
            reason = str(exc) or type(exc).__name__
            print(f"FAIL  {name}: {reason}", file=out, flush=True)
            if "--verbose" in sys.argv:
                traceback.print_exc()
    return failures
