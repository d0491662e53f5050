"""Classify OCR lines as PHI using each line's own text plus the labels beside it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..ocr.base import OcrLine
from .rules import Finding, classify


@dataclass(frozen=True)
class LineFinding:
    line: OcrLine
    finding: Finding


def _neighbour_context(line: OcrLine, lines: Sequence[OcrLine]) -> str:
    """Text of lines just left of this one on the same row, or just above it (the labels)."""
    x, y, w, h = line.box
    size = max(line.height, 1.0)
    cy = y + h / 2
    parts: list[str] = []
    for other in lines:
        if other is line:
            continue
        ox, oy, ow, oh = other.box
        ocy = oy + oh / 2
        same_row = abs(ocy - cy) < 0.7 * size and 0 <= x - (ox + ow) < 6 * size
        above = 0 <= y - (oy + oh) < 1.6 * size and min(x + w, ox + ow) - max(x, ox) > 0
        if same_row or above:
            parts.append(other.text)
    return " ".join(parts)


def classify_lines(lines: Sequence[OcrLine], allowlist: Sequence[str] = (),
                   min_confidence: float = 0.3) -> list[LineFinding]:
    findings: list[LineFinding] = []
    for line in lines:
        if line.confidence < min_confidence or not line.text.strip():
            continue
        found = classify(line.text, _neighbour_context(line, lines), allowlist)
        if found is not None:
            findings.append(LineFinding(line, found))
    return findings
