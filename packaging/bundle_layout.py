"""What goes into the one-folder bundle besides code: model files and licence texts.

Plain Python (no PyInstaller import) so that build.spec and tests/test_selftest.py read the
same lists: the test checks that every model the manifest names is bundled.
"""
from __future__ import annotations

import importlib.metadata as metadata
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN_PROJECT = "phi-sanitizer"
MODELS_DEST = "models"
LICENCES_DEST = "licences"
# Licence texts the wheels do not ship (PySide6/Qt, and the GPL x264/x265 inside PyAV and
# pillow-heif binary wheels): verbatim FSF texts kept in packaging/licences/.
EXTRA_LICENCES = ROOT / "packaging" / "licences"
EXTRA_FOR_DIST = {
    "PySide6_Essentials": ["LGPL-3.0.txt", "GPL-3.0.txt"],
    "shiboken6": ["LGPL-3.0.txt", "GPL-3.0.txt"],
    "av": ["GPL-2.0.txt", "LGPL-3.0.txt"],
    "pillow_heif": ["GPL-2.0.txt", "LGPL-3.0.txt"],
}
# What the binary wheels contain beyond what their metadata declares (checked in the wheels'
# own licence files and FFmpeg's avcodec_license()/avcodec_configuration()).
BINARY_NOTES = {
    "av": "binary wheel bundles FFmpeg (reports LGPL-3.0-or-later) linked with libx264 and libx265 "
          "(GPL-2.0-or-later)",
    "pillow_heif": "binary wheel: GPL-2.0 as a whole (libx265); libheif and libde265 LGPL-3.0",
    "opencv-python-headless": "binary wheel bundles FFmpeg (LGPL-2.1-or-later); see LICENSE-3RD-PARTY.txt",
}
_LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|notice|authors|thirdpartynotices|licenses_bundled|"
                           r"model_licenses)", re.IGNORECASE)


def _manifest(root: Path) -> list[dict]:
    return json.loads((root / "models" / "manifest.json").read_text(encoding="utf-8"))["models"]


def model_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source, folder in bundle) for the manifest, every model it names, and their licences.

    A model named by the manifest but absent stops the build: a bundle without its models
    would only fail later, on the workstation."""
    models = root / "models"
    datas = [(str(models / "manifest.json"), MODELS_DEST)]
    for entry in _manifest(root):
        path = models / entry["file"]
        if not path.is_file():
            raise SystemExit(f"model file {path} is missing: run `make setup-models` first")
        datas.append((str(path), MODELS_DEST))
    datas += [(str(p), f"{MODELS_DEST}/LICENSES") for p in sorted((models / "LICENSES").glob("*"))]
    return datas


def top_level_names(toc_names: list[str]) -> set[str]:
    """Top-level package names from PyInstaller TOC destination names (modules or files)."""
    names = set()
    for name in toc_names:
        first = re.split(r"[./\\]", name, maxsplit=1)[0]
        names.add(first.removesuffix(".libs"))
        if "/" in name or "\\" in name:
            names.add(re.split(r"[/\\]", name, maxsplit=1)[0].removesuffix(".libs"))
    return names


def distributions_for(top_levels: set[str]) -> dict[str, metadata.Distribution]:
    """Installed distributions that provide any of these top-level names, by project name."""
    by_package = metadata.packages_distributions()
    found: dict[str, metadata.Distribution] = {}
    for top in sorted(top_levels):
        for dist_name in by_package.get(top, []):
            dist = metadata.distribution(dist_name)
            found.setdefault(dist.metadata["Name"], dist)
    return found


def licence_files(dist: metadata.Distribution) -> list[tuple[Path, str]]:
    """(file, sub-folder) for the licence, notice and authors files a distribution installed:
    everything under its dist-info licenses/ folder (keeping sub-folders, numpy has many
    LICENSE.md), and licence-named files in the dist-info or at the package root."""
    out = []
    for f in dist.files or []:
        parts = [p.lower() for p in f.parts[:-1]]
        if "licenses" in parts or "licences" in parts:
            i = max(j for j, p in enumerate(parts) if p in ("licenses", "licences"))
            sub = "/".join(f.parts[i + 1:-1])
        elif len(f.parts) <= 2 and _LICENCE_NAME.match(f.name) and not f.name.endswith(".py"):
            sub = ""
        else:
            continue
        if f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
            continue
        path = Path(dist.locate_file(f))
        if path.is_file() and (path.name, sub) not in {(p.name, s) for p, s in out}:
            out.append((path, sub))
    return out


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 80:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or "see licence files"


def licence_datas(dists: dict[str, metadata.Distribution], index_path: Path) -> list[tuple[str, str]]:
    """(source, folder in bundle) for each distribution's licence files, the extra texts, the
    Python runtime's licence, and an index (written to index_path) naming each licence."""
    datas: list[tuple[str, str]] = []
    lines = ["Third-party software in this folder, with the licence each declares.",
             "Licence texts are in the sub-folder of the same name.", ""]
    for name in sorted(dists, key=str.lower):
        dist = dists[name]
        if name == OWN_PROJECT:
            continue
        dest = f"{LICENCES_DEST}/{name}-{dist.version}"
        for path, sub in licence_files(dist):
            datas.append((str(path), f"{dest}/{sub}" if sub else dest))
        for extra in EXTRA_FOR_DIST.get(name, []):
            datas.append((str(EXTRA_LICENCES / extra), dest))
        note = BINARY_NOTES.get(name)
        lines.append(f"{name} {dist.version}: {licence_of(dist)}" + (f" -- {note}" if note else ""))
    python_licence = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "LICENSE.txt"
    if not python_licence.is_file():
        python_licence = Path(sys.base_prefix) / "LICENSE.txt"  # Windows layout
    if python_licence.is_file():
        datas.append((str(python_licence), f"{LICENCES_DEST}/Python-{sys.version.split()[0]}"))
        lines.append(f"Python {sys.version.split()[0]}: PSF-2.0")
    lines += ["", "Notes:",
              "- PyAV and pillow-heif binary wheels include libx264/libx265 (GPL-2.0-or-later);",
              "  see README.md, 'Licences of the bundled models and libraries', before distributing this folder outside your organisation.",
              "- Qt (PySide6) is linked dynamically: its libraries are separate files in this folder",
              "  and can be replaced (LGPL-3.0). Source: https://download.qt.io/official_releases/QtForPython/",
              "- Models: see models/LICENSES and rapidocr's MODEL_LICENSES.md."]
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    datas.append((str(index_path), LICENCES_DEST))
    return datas
