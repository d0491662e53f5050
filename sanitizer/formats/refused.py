"""Types refused on purpose, each with the reason a user reads."""
from __future__ import annotations

from sanitizer.formats.content import RAW_EXTENSIONS


def refusal_reason(mime: str | None, suffix: str) -> str:
    """A plain-words reason for refusing a file of this sniffed type."""
    if mime and mime.startswith("image/x-raw-"):
        kind = mime.rsplit("-", 1)[-1].upper()
        return (f"camera RAW files ({kind}) are not supported: "
                "export a JPEG from your camera software first")
    if mime is None and suffix in RAW_EXTENSIONS:
        return (f"camera RAW files ({RAW_EXTENSIONS[suffix]}) are not supported: "
                "export a JPEG from your camera software first")
    reasons = {
        "image/jxl": "JPEG XL files are not supported: export a JPEG or PNG first",
        "image/jp2": "JPEG 2000 files are not supported: export a JPEG or PNG first",
        "image/vnd.adobe.photoshop": "Photoshop files are not supported: export a JPEG or PNG first",
        "application/pdf": "PDF documents are not supported: export the page as a JPEG or PNG first",
        "image/x-icon": "icon files are not supported",
    }
    if mime in reasons:
        return reasons[mime]
    if mime and mime.startswith("video/"):
        return "this is a video file, not a photo"
    return "this is not a supported photo format (JPEG, PNG, TIFF, WebP, HEIC, AVIF, BMP, GIF)"
