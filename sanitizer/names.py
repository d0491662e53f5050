"""File names as we show them, report them and make them: printable, safe in a spreadsheet, short enough.

A file name is whatever bytes the file system holds. Python hands undecodable bytes over as
lone surrogates (PEP 383 "surrogateescape"), which no UTF-8 writer accepts; a name can also
hold terminal escape sequences or start like a spreadsheet formula. Every name we print or
write into a report goes through `printable`, and every report cell through `spreadsheet_cell`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

# Longest file name (in bytes) on ext4, NTFS (255 UTF-16 units, so at least 255 bytes of
# ASCII), APFS and every other file system we write to.
MAX_NAME_BYTES = 255

# C0 controls, DEL and C1 controls: ESC starts terminal sequences that can erase lines,
# CR/LF would forge report lines. Also the Unicode line/paragraph separators and bidi controls
# that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (OWASP "CSV injection"); tab and CR are included because some importers strip them first.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(name: str | os.PathLike[str]) -> str:
    """`name` as text that any UTF-8 writer and any terminal take as it is.

    Bytes that are not valid UTF-8 come out as `\\xff` (backslashreplace: the original
    bytes stay recognisable, unlike `?`), control characters as `\\x1b` or `\\u202e`.
    A name that was already valid, printable text is returned unchanged.
    """
    text = os.fspath(name)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def spreadsheet_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a leading `'` defuses a formula-like start."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def input_label(path: Path, roots: Iterable[Path]) -> str:
    """How an input is named in the report: its path relative to the folder it was found in
    (so `sub1/dup.jpg` and `sub2/dup.jpg` stay apart; with several folders given, the
    folder's own name comes first), or its bare name when the file was named directly."""
    roots = list(roots)
    for root in roots:
        try:
            rel = Path(path).relative_to(root)
        except ValueError:
            continue
        if rel.parts:
            if len(roots) > 1:
                rel = Path(Path(root).resolve().name) / rel
            return printable(rel.as_posix())
    return printable(Path(path).name)


def fit_stem(stem: str, tail: str, limit: int = MAX_NAME_BYTES) -> str:
    """`stem`, cut (at a character boundary) so that stem + tail fits in `limit` bytes on disk."""
    room = limit - len(os.fsencode(tail))
    encoded = os.fsencode(stem)
    if len(encoded) <= room:
        return stem
    cut = encoded[:max(room, 0)]
    # A cut inside a multi-byte UTF-8 character would leave a broken byte: drop it.
    return os.fsdecode(cut.decode("utf-8", "ignore").encode("utf-8")) if _is_utf8(encoded) else os.fsdecode(cut)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
