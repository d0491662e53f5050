"""The PHI classifier: rules over OCR'd lines (names, dates, record numbers, phones, ...).

Results carry short reasons only; the text stays in memory and never reaches logs or reports.
"""
from __future__ import annotations

from .classifier import LineFinding, classify_lines
from .filenames import file_name_finding
from .rules import Finding, classify

__all__ = ["Finding", "LineFinding", "classify", "classify_lines", "file_name_finding"]
