"""OCR engines behind one interface (`base.OcrEngine`); RapidOCR is the default."""
from __future__ import annotations

from .base import OcrEngine, OcrLine, OcrWord, TextBox, get_engine, read

__all__ = ["OcrEngine", "OcrLine", "OcrWord", "TextBox", "get_engine", "read"]
