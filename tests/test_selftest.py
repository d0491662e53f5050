"""`sanitize --self-test` (what IT runs after installing) and the bundle's folder layout."""
from __future__ import annotations

import ast
import fnmatch
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sanitizer import selftest
from sanitizer.errors import SanitizerError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "packaging"))
import bundle_layout  # noqa: E402


def _models_present() -> str | None:
    """None when every model file is in place, else why not."""
    from sanitizer.model_store import model_path
    from sanitizer.ocr.rapid import verified_model_paths
    try:
        for entry in json.loads((REPO / "models" / "manifest.json").read_text())["models"]:
            model_path(entry["name"])
        verified_model_paths()
    except SanitizerError as exc:
        return str(exc)
    return None


@pytest.mark.slow
def test_cli_self_test_passes_every_check(tmp_path):
    missing = _models_present()
    if missing:
        pytest.skip(f"models absent: {missing}")
    proc = subprocess.run([sys.executable, "-m", "sanitizer", "--self-test"], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    lines = proc.stdout.strip().splitlines()
    checks, summary = lines[:-1], lines[-1]
    assert len(checks) == len(selftest.CHECKS), proc.stdout + proc.stderr
    failed = [line for line in checks if not line.startswith("PASS  ")]
    assert not failed, "\n".join(failed) + "\n" + proc.stderr
    assert summary == f"self-test: {len(selftest.CHECKS)} passed, 0 failed"
    assert proc.returncode == 0
    assert not list(tmp_path.iterdir())  # nothing left in the working folder


def test_a_failing_check_is_reported_and_sets_the_exit_code(monkeypatch):
    def broken() -> str:
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(selftest, "CHECKS", [("fine", lambda: "ok"), ("broken", broken), ("after", lambda: "ok")])
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    assert out.getvalue().splitlines() == [
        "PASS  fine: ok",
        "FAIL  broken: model file damaged",
        "PASS  after: ok",  # a failure does not stop the other checks
        "self-test: 2 passed, 1 failed",
    ]


def _spec_calls() -> list[ast.Call]:
    tree = ast.parse((REPO / "build.spec").read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def test_bundle_layout_lists_every_model_in_the_manifest():
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    assert manifest
    if any(not (REPO / "models" / m["file"]).is_file() for m in manifest):
        pytest.skip("model files absent: run `make setup-models`")
    bundled = {(Path(src).resolve(), dest) for src, dest in bundle_layout.model_datas(REPO)}
    for entry in manifest:
        assert ((REPO / "models" / entry["file"]).resolve(), "models") in bundled, entry["name"]
        licence = entry.get("licence_file")
        if licence:
            assert ((REPO / "models" / licence).resolve(), "models/LICENSES") in bundled
    assert ((REPO / "models" / "manifest.json").resolve(), "models") in bundled
    # ...and build.spec really uses that list.
    assert "model_datas" in {_call_name(c) for c in _spec_calls()}


def test_bundle_collects_the_ocr_models_rapidocr_loads():
    from sanitizer.ocr.rapid import MODEL_FILES, model_dir
    calls = [c for c in _spec_calls() if _call_name(c) == "collect_data_files"
             and c.args and isinstance(c.args[0], ast.Constant) and c.args[0].value == "rapidocr"]
    assert calls, "build.spec does not collect rapidocr's data files"
    excludes = []
    for kw in calls[0].keywords:
        if kw.arg == "excludes":
            excludes = ast.literal_eval(kw.value)
    package = model_dir().parent
    for name, _sha in MODEL_FILES.values():
        rel = (model_dir() / name).relative_to(package).as_posix()
        assert not any(fnmatch.fnmatch(rel, pattern) for pattern in excludes), name


def test_a_model_missing_from_disk_stops_the_build(tmp_path):
    (tmp_path / "models" / "LICENSES").mkdir(parents=True)
    (tmp_path / "models" / "manifest.json").write_text(json.dumps(
        {"models": [{"name": "ghost", "file": "ghost.onnx", "sha256": "0" * 64}]}))
    with pytest.raises(SystemExit, match="ghost.onnx"):
        bundle_layout.model_datas(tmp_path)


def test_licence_texts_and_index_for_bundled_distributions(tmp_path):
    dists = bundle_layout.distributions_for(bundle_layout.top_level_names(
        ["numpy.core", "PySide6/Qt/lib/libQt6Core.so.6", "av.libs/libavcodec.so"]))
    assert {"numpy", "PySide6_Essentials", "av"} <= set(dists)
    index = tmp_path / "README.txt"
    datas = bundle_layout.licence_datas(dists, index)
    by_dest: dict[str, set[str]] = {}
    for src, dest in datas:
        assert Path(src).is_file(), src
        by_dest.setdefault(dest.split("/")[1] if "/" in dest else dest, set()).add(Path(src).name)
    numpy_dir = f"numpy-{dists['numpy'].version}"
    assert "LICENSE.txt" in by_dest[numpy_dir]
    qt_dir = f"PySide6_Essentials-{dists['PySide6_Essentials'].version}"
    assert "LGPL-3.0.txt" in by_dest[qt_dir]  # Qt's licence text, not shipped in the wheel
    text = index.read_text()
    assert "PySide6_Essentials" in text and "LGPL-3.0-only" in text
    assert "GPL-2.0-or-later" in text  # the x264/x265 note for PyAV


def test_app_self_test_runs_the_checks_without_opening_a_window(monkeypatch, capsys):
    import ui.main_window
    from ui import app as app_module

    def no_window(*_a, **_k):
        raise AssertionError("--self-test must not create the main window")

    monkeypatch.setattr(ui.main_window, "MainWindow", no_window)
    monkeypatch.setattr(app_module, "create_application", no_window)
    monkeypatch.setattr(selftest, "CHECKS", [("quick", lambda: "ok")])
    assert app_module.main(["--self-test"]) == 0
    assert capsys.readouterr().out.splitlines() == ["PASS  quick: ok", "self-test: 1 passed, 0 failed"]


def _writes_under_home() -> None:
    """A probe standing in for a library that keeps files under HOME (runs in a spawned child)."""
    (Path.home() / "events.db").write_bytes(b"queued")


def test_native_telemetry_check_passes_and_sees_files_written_under_home(tmp_path):
    missing = _models_present()
    if missing:
        pytest.skip(f"models absent: {missing}")
    (tmp_path / "a").mkdir()
    assert "wrote nothing" in selftest._check_native_telemetry(tmp_path / "a")
    (tmp_path / "b").mkdir()
    with pytest.raises(AssertionError, match="written under the home folder"):
        selftest._check_native_telemetry(tmp_path / "b", probe=_writes_under_home)
