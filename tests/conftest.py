"""Suite-wide guards: no network, offscreen Qt, corpus location."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from sanitizer import netguard

# Installed at import time, before any test module imports a library that might phone home.
netguard.install()

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture
def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        pytest.skip("exiftool is not installed (Debian: libimage-exiftool-perl)")
    return path


def pytest_sessionfinish(session, exitstatus):
    """Fail the whole suite if anything tried to reach the network, even if it was swallowed.

    tests/test_netguard.py provokes attempts on purpose and clears them itself.
    """
    if netguard.blocked_attempts:
        print(f"\nNETWORK ACCESS ATTEMPTED during tests: {sorted(set(netguard.blocked_attempts))}")
        session.exitstatus = 1
