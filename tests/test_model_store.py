"""The model store: where models are looked for, and the sha256 gate before any is used."""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

from sanitizer import model_store
from sanitizer.errors import ModelMissing

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.json"


def _write_store(directory: Path, name: str, payload: bytes, recorded_sha: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.onnx").write_bytes(payload)
    sha = recorded_sha or hashlib.sha256(payload).hexdigest()
    manifest = {"models": [{"name": name, "file": f"{name}.onnx", "sha256": sha}]}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory / f"{name}.onnx"


def test_env_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    assert model_store.models_dir() == tmp_path


def test_frozen_bundle_uses_meipass(tmp_path, monkeypatch):
    monkeypatch.delenv(model_store.MODELS_ENV, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert model_store.models_dir() == tmp_path / "models"


def test_source_checkout_uses_repo_models(monkeypatch):
    monkeypatch.delenv(model_store.MODELS_ENV, raising=False)
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert model_store.models_dir() == REPO / "models"


def test_intact_model_loads(tmp_path, monkeypatch):
    _write_store(tmp_path, "toy", b"weights" * 100)
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    assert model_store.load_model_bytes("toy") == b"weights" * 100
    assert model_store.model_path("toy") == tmp_path / "toy.onnx"


def test_missing_model_says_how_to_fix(tmp_path, monkeypatch):
    path = _write_store(tmp_path, "toy", b"weights")
    path.unlink()
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelMissing, match="setup-models"):
        model_store.load_model_bytes("toy")
    with pytest.raises(ModelMissing, match="setup-models"):
        model_store.model_path("toy")


def test_missing_manifest_and_unknown_name(tmp_path, monkeypatch):
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelMissing, match="manifest"):
        model_store.model_path("toy")
    _write_store(tmp_path, "toy", b"weights")
    with pytest.raises(ModelMissing, match="no entry"):
        model_store.model_path("other")


def test_tampered_toy_model_rejected(tmp_path, monkeypatch):
    payload = bytearray(b"weights" * 100)
    path = _write_store(tmp_path, "toy", bytes(payload))
    payload[10] ^= 0x01
    path.write_bytes(bytes(payload))
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelMissing, match="checksum"):
        model_store.load_model_bytes("toy")
    with pytest.raises(ModelMissing, match="checksum"):
        model_store.model_path("toy")


def test_manifest_entries_are_complete():
    entries = json.loads(MANIFEST.read_text())["models"]
    assert entries, "manifest lists no model"
    for entry in entries:
        for key in ("name", "file", "sha256", "licence", "licence_file", "source"):
            assert entry.get(key), f"{entry.get('name')}: {key} missing"
        assert len(entry["sha256"]) == 64 and int(entry["sha256"], 16) >= 0
        assert (MANIFEST.parent / entry["licence_file"]).is_file()


@pytest.fixture
def centerface_file() -> Path:
    try:
        return model_store.model_path("centerface")
    except ModelMissing as exc:
        pytest.skip(f"face model not installed ({exc}); run `make setup-models`")


def test_real_model_matches_manifest(centerface_file):
    entry = next(e for e in json.loads(MANIFEST.read_text())["models"] if e["name"] == "centerface")
    assert model_store.file_sha256(centerface_file) == entry["sha256"]


def test_tampered_face_model_rejected(centerface_file, tmp_path, monkeypatch):
    shutil.copy(MANIFEST, tmp_path / "manifest.json")
    data = bytearray(centerface_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / centerface_file.name).write_bytes(bytes(data))
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelMissing, match="checksum"):
        model_store.load_model_bytes("centerface")
    with pytest.raises(ModelMissing, match="checksum"):
        model_store.model_path("centerface")


def test_face_detector_refuses_tampered_model(centerface_file, tmp_path, monkeypatch):
    import numpy as np
    from sanitizer.detectors import ImageAnalysis, faces
    from sanitizer.settings import Settings

    shutil.copy(MANIFEST, tmp_path / "manifest.json")
    data = bytearray(centerface_file.read_bytes())
    data[-100] ^= 0x10
    (tmp_path / centerface_file.name).write_bytes(bytes(data))
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path))
    faces._session.cache_clear()  # the per-process session would otherwise be reused
    try:
        with pytest.raises(ModelMissing, match="checksum"):
            faces.FaceDetector().detect(ImageAnalysis(np.zeros((64, 64, 3), np.uint8)), Settings())
    finally:
        faces._session.cache_clear()
