"""What libjpeg says while decoding: a damaged picture is refused, and nothing reaches the console.

libjpeg decodes a JPEG whose compressed data stops early (a file cut in half, with or without
an end marker after the cut) without an error: it fills the rest with grey or with a coarse
version and only prints a warning ("Corrupt JPEG data: premature end of data segment") to
the process's standard error. Neither OpenCV nor Pillow hands that warning to Python, so it
is caught where libjpeg writes it: file descriptor 2 is pointed at an anonymous temporary
file for the length of one decode.

Limits: libjpeg prints only the first warning of a decode, so a file whose first fault is
harmless ("extraneous bytes before marker", common in camera files) and whose data is also
cut short is not caught here. fd 2 is process-wide, so captures are serialised by a lock,
and any other text written meanwhile is passed on to the real stderr afterwards.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from typing import Iterator

# Warnings that mean picture data was lost (libjpeg's jerror.h: JWRN_HIT_MARKER, JWRN_JPEG_EOF,
# JWRN_HUFF_BAD_CODE, JWRN_MUST_RESYNC). "extraneous bytes before marker" loses nothing.
_DATA_LOST = ("premature end", "bad huffman code", "instead of rst")
_LIBJPEG_LINE = ("corrupt jpeg data", "premature end of jpeg file", "warning: ", "invalid sos parameters")

_lock = threading.Lock()


class Messages:
    """The libjpeg lines one decode produced."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    @property
    def data_lost(self) -> bool:
        return any(key in line.lower() for line in self.lines for key in _DATA_LOST)


@contextlib.contextmanager
def captured() -> Iterator[Messages]:
    """Collect libjpeg's console lines during the block instead of printing them."""
    messages = Messages()
    with _lock, tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:
            saved = None  # no console at all (a windowed program): fd 2 is made for the block
        os.dup2(sink.fileno(), 2)
        try:
            yield messages
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
            else:
                os.close(2)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace")
    for line in text.splitlines():
        if line.lower().startswith(_LIBJPEG_LINE):
            messages.lines.append(line)
        elif line.strip() and sys.stderr is not None:
            print(line, file=sys.stderr)  # someone else's words: not ours to swallow
