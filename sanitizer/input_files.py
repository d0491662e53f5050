"""What an input must be before anything opens it: an existing, regular file.

Opening a named pipe blocks until a writer appears (for ever, in a batch), a device can
stream without end, and a symbolic link loop makes every path function raise. These are
refused from `stat` alone, before the file is opened, each with its own plain reason.
"""
from __future__ import annotations

import errno
import stat
from pathlib import Path

from sanitizer.errors import DecodeError, os_error_reason


def check_input_file(path: Path) -> None:
    """Raise DecodeError (a SanitizerError, plain words) unless `path` is a regular file we may open."""
    try:
        st = Path(path).stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DecodeError("the file is a symbolic link that loops back on itself") from None
        if isinstance(exc, FileNotFoundError):
            if Path(path).is_symlink():
                raise DecodeError("the file is a symbolic link to something that does not exist") from None
            raise DecodeError("the file does not exist") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise DecodeError("the file name or path is too long for this system") from None
        raise DecodeError(os_error_reason(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise DecodeError("this is a folder, not a photo or video")
    if not stat.S_ISREG(st.st_mode):
        raise DecodeError("this is not a regular file (a pipe, device or socket); "
                             "only photo and video files are read")
