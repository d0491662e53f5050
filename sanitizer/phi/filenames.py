"""Does a file's name hold a person's details? Staff name photos after patients ("Mrs Patel ward 5.jpg").

The name is split into words and read by the same rules as text found in a picture. Only the
findings that point at a person count: a date, a camera counter (IMG_20240501_1234) or a
numbered visit ("ward_visit_0412", which the record-number rule would take for a visit
number) is in many photos' names and says nothing about who is in it.
"""
from __future__ import annotations

import re
from pathlib import Path

from .rules import Finding, classify

PERSONAL_RULES = frozenset({"name", "ssn", "dob", "email", "phone", "address"})


def _words(stem: str) -> str:
    spaced = re.sub(r"[_.+]+|(?<=[a-z])(?=[A-Z])", " ", stem)   # snake_case, camelCase
    return re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])|\s+", " ", spaced).strip()


def file_name_finding(path: Path | str) -> Finding | None:
    """The finding that makes this file name look personal, or None."""
    words = _words(Path(path).stem)
    # Names are read from capitalised words; staff often type in lower case.
    for text in (words, words.title()):
        found = classify(text)
        if found is not None and found.rule in PERSONAL_RULES:
            return found
    return None
