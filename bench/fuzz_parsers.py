"""A long run of the parser property tests (tests/test_parser_properties.py): 3000 random
examples per parser instead of CI's 40 fixed ones. Prints pytest's summary; exit 1 on a find.

    .venv/bin/python bench/fuzz_parsers.py [-x] [--hypothesis-seed N]
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    env = {**os.environ, "SANITIZER_FUZZ_PROFILE": "long"}
    test = REPO / "tests" / "test_parser_properties.py"
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "--hypothesis-show-statistics", str(test), *sys.argv[1:]], cwd=REPO, env=env))
