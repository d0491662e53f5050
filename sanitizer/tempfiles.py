"""Temporary files: written beside the final output, renamed atomically, never left behind.

Every partial output and scratch folder is named TEMP_PREFIX + the owning process id, so a
crash leaves something that `sweep_stale` / `sweep_system_temp` recognise and remove on the
next start, while the files of another copy of the app that is still running are left alone.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

TEMP_PREFIX = ".sanitize-partial-"


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temporary path in dest's folder; on success rename it to dest.

    The caller writes and verifies the temporary file inside the block. Any exception
    deletes it, so a half-written or unverified file never appears under dest's name.
    An existing dest is never overwritten.
    """
    dest = Path(dest)
    fd, tmp_name = tempfile.mkstemp(prefix=_own_prefix(), suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); a clean copy is meant to be shared.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        # os.link fails if dest exists, so a concurrent writer can never be overwritten.
        os.link(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def staged_path(folder: Path, suffix: str) -> Path:
    """A fresh name in `folder` for a verified output that waits for its final name.

    Batch workers write here; the batch then gives the file its name in input order with
    `publish`, so names never depend on which worker finished first. The name carries the
    owner's pid, so `sweep_stale` removes what a killed run left.
    """
    return Path(folder) / f"{_own_prefix()}staged-{uuid.uuid4().hex}{suffix}"


def publish(staged: Path, dest: Path) -> None:
    """Give a staged file its final name; never replaces an existing file (FileExistsError)."""
    os.link(staged, dest)
    staged.unlink()


def _own_prefix() -> str:
    return f"{TEMP_PREFIX}{os.getpid()}-"


def _orphaned(path: Path) -> bool:
    """True when the process that made `path` no longer runs (or the name carries no owner)."""
    owner = path.name[len(TEMP_PREFIX):].split("-", 1)[0]
    if not owner.isdigit():
        return True
    pid = int(owner)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False  # it exists (owned by someone else) or we cannot tell: leave it
    return False


def sweep_stale(folder: Path) -> int:
    """Remove partial outputs left in `folder` by a crashed run; returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for p in Path(folder).glob(TEMP_PREFIX + "*"):
            if _orphaned(p):
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed += 1
    return removed


def private_temp_dir() -> Path:
    """A per-process scratch folder (for video intermediates), removed by `cleanup_private`."""
    global _private
    if _private is None:
        _private = own_temp_dir()
    return _private


def own_temp_dir(purpose: str = "") -> Path:
    """A new folder in the system temp folder named after this process, so that if the
    process is killed `sweep_system_temp` of a later run recognises and removes it."""
    return Path(tempfile.mkdtemp(prefix=_own_prefix() + (f"{purpose}-" if purpose else "")))


_private: Path | None = None


def cleanup_private() -> None:
    import shutil
    global _private
    if _private is not None:
        shutil.rmtree(_private, ignore_errors=True)
        _private = None


def sweep_system_temp() -> int:
    """Remove scratch folders of earlier crashed runs from the system temp folder."""
    import shutil
    removed = 0
    for p in Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        if not _orphaned(p):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed += 1
    return removed
