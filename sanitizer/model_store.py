"""Where the bundled model files live, and the sha256 check every model passes before use.

Models are data the build bundles (never downloaded at run time). The manifest in the
models folder pins each file's sha256: a file that is absent, truncated or altered is
refused with ModelMissing, so a detector never runs on weights nobody vetted.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ModelMissing

MODELS_ENV = "SANITIZER_MODELS_DIR"
MANIFEST_NAME = "manifest.json"
_SETUP_HINT = "run `make setup-models` (or `.venv/bin/python models/fetch_models.py`) to put it in place"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    file: str
    sha256: str


def models_dir() -> Path:
    """SANITIZER_MODELS_DIR, else the PyInstaller bundle's models/, else <repo>/models."""
    override = os.environ.get(MODELS_ENV)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "models"
    return Path(__file__).resolve().parents[1] / "models"


def _manifest_entries(directory: Path) -> dict[str, ModelEntry]:
    manifest = directory / MANIFEST_NAME
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data["models"]
        return {e["name"]: ModelEntry(e["name"], e["file"], e["sha256"].lower()) for e in entries}
    except FileNotFoundError:
        raise ModelMissing(f"The model manifest is missing from {directory}; {_SETUP_HINT}.") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ModelMissing(f"The model manifest in {directory} is unreadable; reinstall the application.") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _locate(name: str) -> tuple[Path, ModelEntry]:
    directory = models_dir()
    entry = _manifest_entries(directory).get(name)
    if entry is None:
        raise ModelMissing(f"The model manifest has no entry for '{name}'; reinstall the application.")
    path = directory / entry.file
    if not path.is_file():
        raise ModelMissing(f"The {name} model ({entry.file}) is missing from {directory}; {_SETUP_HINT}.")
    return path, entry


def _mismatch(name: str, path: Path) -> ModelMissing:
    return ModelMissing(
        f"The {name} model ({path.name}) does not match its recorded checksum and was not "
        f"loaded (damaged or altered); {_SETUP_HINT}."
    )


def model_path(name: str) -> Path:
    """The verified path of model `name`; raises ModelMissing when absent or altered."""
    path, entry = _locate(name)
    stat = path.stat()
    if not _hash_matches(path, entry.sha256, stat.st_mtime_ns, stat.st_size):
        raise _mismatch(name, path)
    return path


@lru_cache(maxsize=16)
def _hash_matches(path: Path, expected: str, _mtime_ns: int, _size: int) -> bool:
    # Cached on (path, mtime, size) so a batch hashes each model once, yet a file
    # replaced while the app runs is checked again.
    return file_sha256(path) == expected


def load_model_bytes(name: str) -> bytes:
    """The model's bytes, verified as read: what is hashed is exactly what gets loaded."""
    path, entry = _locate(name)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise _mismatch(name, path)
    return data
