"""Throwaway corpus check: load + clean-write every file of a folder, for eval/metadata_score.py.

    .venv/bin/python bench/metadata_eval.py [--orig ../shared/corpus/metadata] [--out /tmp/meta_out]
    python ../shared/eval/metadata_score.py --orig ../shared/corpus/metadata --out /tmp/meta_out

Writes OUT/<stem>_clean.<ext> and OUT/map.tsv (original, output or empty, status) so refused
files are named. Prints a count per outcome. (The real path is `sanitize clean`.)
"""
from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanitizer import errors  # noqa: E402
from sanitizer.formats import load_image  # noqa: E402
from sanitizer.writer import output_spec, write_clean_image  # noqa: E402

NOT_MEDIA = {".tsv", ".txt", ".md", ".json", ".log", ".csv"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orig", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/metadata")
    ap.add_argument("--out", type=Path, default=Path("/tmp/meta_out"))
    args = ap.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    outcomes: collections.Counter = collections.Counter()
    rows = []
    t0 = time.time()
    for src in sorted(p for p in args.orig.iterdir() if p.is_file() and p.suffix.lower() not in NOT_MEDIA):
        try:
            loaded = load_image(src)
            ext, fmt = output_spec(loaded)
            dest = args.out / f"{src.stem}_clean.{ext}"
            if dest.exists():  # two inputs with the same stem (x.heic, x.jpg)
                dest = args.out / f"{src.stem}_{src.suffix.lstrip('.').lower()}_clean.{ext}"
            write_clean_image(loaded.pixels, dest, fmt)
            rows.append((src.name, dest.name, "ok"))
            outcomes["ok"] += 1
        except errors.SanitizerError as exc:
            rows.append((src.name, "", f"{type(exc).__name__}: {exc}"))
            outcomes[type(exc).__name__] += 1
            print(f"{src.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    (args.out / "map.tsv").write_text("".join("\t".join(r) + "\n" for r in rows))
    print(dict(outcomes), f"{time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
