"""User-facing analysis and export settings (presets, sensitivity, redaction style)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Preset(str, Enum):
    # Standard: redact faces (blur), PHI-like text, codes, wristbands, documents, screens.
    STANDARD = "standard"
    # Strict: everything Standard does, faces solid-filled, and all other text redacted too.
    STRICT = "strict"


class Sensitivity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"  # default: a missed face is the worst failure


class Style(str, Enum):
    BLUR = "blur"          # strong blur (kernel >= half the region) plus noise
    PIXELATE = "pixelate"  # blocks >= 1/8 of the region, then blur and noise
    FILL = "fill"          # solid fill


DETECTOR_SWITCHES = ("faces", "text", "wristbands", "documents", "barcodes", "screens")


@dataclass
class Settings:
    preset: Preset = Preset.STANDARD
    sensitivity: Sensitivity = Sensitivity.HIGH
    # None means "the preset's choice": blur for faces under Standard, fill otherwise.
    face_style: Style | None = None
    text_style: Style = Style.FILL
    # Detector switches (DETECTOR_SWITCHES); each one off means its work is not done at all.
    faces: bool = True
    text: bool = True        # text lines read and classified as PHI (Strict: every line)
    wristbands: bool = True  # labels with a code, small white labels with print, labels around PHI
    documents: bool = True   # charts, forms, whiteboards: clusters of lines and pages of print
    barcodes: bool = True    # barcodes and QR codes, decoded or seen as bar texture
    screens: bool = True     # monitors and phones showing text
    # Words (case-insensitive) that are never PHI: the hospital's name, department signage.
    allowlist: list[str] = field(default_factory=list)
    ocr_engine: str = "rapidocr"
    jpeg_quality: int = 92
    # Video: blur the whole frame where a track is lost between detections.
    video_blur_frame_when_lost: bool = False
    # Non-empty: clean copies are named <prefix>_001.<ext>, <prefix>_002.<ext>, ... instead of
    # <stem>_clean.<ext>, so a patient's name typed into a file name does not reach the output.
    neutral_prefix: str = ""

    def with_only(self, *switches: str) -> "Settings":
        """These settings with only the named detector switches on (e.g. `with_only("faces")`)."""
        unknown = set(switches) - set(DETECTOR_SWITCHES)
        if unknown:
            raise ValueError(f"unknown detector switches: {sorted(unknown)}")
        return replace(self, **{name: name in switches for name in DETECTOR_SWITCHES})

    def style_for(self, kind: str) -> Style:
        if kind == "face":
            if self.face_style is not None:
                return self.face_style
            return Style.FILL if self.preset is Preset.STRICT else Style.BLUR
        return self.text_style

    def describe(self) -> dict:
        """Settings as recorded in the audit report."""
        return {
            "preset": self.preset.value,
            "sensitivity": self.sensitivity.value,
            "face_style": self.style_for("face").value,
            "text_style": self.text_style.value,
            "detectors": [n for n in DETECTOR_SWITCHES if getattr(self, n)],
            "ocr_engine": self.ocr_engine,
            "allowlist_entries": len(self.allowlist),
            "neutral_names": bool(self.neutral_prefix),
        }
