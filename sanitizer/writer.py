"""Writing a clean file: a fresh image encoded from a pixel array only, verified, then renamed.

Never re-save a loaded Pillow image: it keeps comments, ICC profiles, EXIF and other `info`
that the encoders write back. Here the encoders only ever see a numpy array (or a new Image
made from one, with empty `info`).
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sanitizer import errors, tempfiles
from sanitizer.formats.base import LoadedImage
from sanitizer.settings import Settings
from sanitizer.verify import normalise_format, verify_clean_file

DEFAULT_JPEG_QUALITY = Settings().jpeg_quality

EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}


def output_spec(loaded: LoadedImage) -> tuple[str, str]:
    """(extension without dot, output format) for a loaded image.

    JPEG, PNG and WebP keep their format; everything else becomes JPEG, or PNG when the
    image has (non-opaque) transparency, since JPEG has no alpha.
    """
    if loaded.format in ("jpeg", "png", "webp"):
        fmt = loaded.format
    else:
        fmt = "png" if loaded.has_alpha else "jpeg"
    if fmt == "jpeg" and loaded.pixels.ndim == 3 and loaded.pixels.shape[2] == 4:
        fmt = "png"  # a JPEG source never has alpha, but be safe with odd arrays
    return EXTENSIONS[fmt], fmt


def write_clean_image(pixels: np.ndarray, dest: Path, fmt: str, quality: int = DEFAULT_JPEG_QUALITY) -> None:
    """Encode `pixels` (HxWx3 or HxWx4 uint8) to `dest` as jpeg/png/webp, verified, atomically.

    Raises OutputError when dest exists or cannot be written, VerificationFailed when the
    written file is not clean (nothing is left behind in either case).
    """
    dest = Path(dest)
    fmt = normalise_format(fmt)
    if fmt not in EXTENSIONS:
        raise ValueError(f"unsupported output format {fmt!r}")
    array = _checked_array(pixels, fmt)
    if dest.exists() or dest.is_symlink():
        raise errors.OutputError(f"{dest.name} already exists in the output folder; it was not overwritten")
    if not dest.parent.is_dir():
        raise errors.OutputError("the output folder does not exist")
    expected = (int(array.shape[1]), int(array.shape[0]))
    try:
        with tempfiles.atomic_output(dest) as tmp:
            with open(tmp, "wb") as fh:
                _encode(array, fh, fmt, quality)
            problems = verify_clean_file(tmp, fmt, expected)
            if problems:
                raise errors.VerificationFailed(
                    "the cleaned file failed verification and was deleted: " + "; ".join(problems))
    except errors.SanitizerError:
        raise
    except FileExistsError:
        raise errors.OutputError(f"{dest.name} already exists in the output folder; it was not overwritten") from None
    except PermissionError:
        raise errors.OutputError("the output folder is not writable") from None
    except OSError as exc:
        raise errors.OutputError(f"the output could not be written ({os.strerror(exc.errno) if exc.errno else 'I/O error'})") from None


def _checked_array(pixels: np.ndarray, fmt: str) -> np.ndarray:
    a = np.asarray(pixels)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError("pixels must be an HxWx3 or HxWx4 uint8 array")
    if a.shape[2] == 4 and fmt == "jpeg":
        raise ValueError("JPEG cannot store transparency; use output_spec to pick the format")
    return np.ascontiguousarray(a)


def _encode(pixels: np.ndarray, fh, fmt: str, quality: int) -> None:
    """Encode a pixel array; the encoder never sees anything but pixels."""
    if fmt == "jpeg":
        # libjpeg-turbo through OpenCV: baseline, 4:2:0 chroma, standard tables, a plain JFIF
        # header; quality 92 is visually lossless. (Same library as Pillow's, ~40 ms faster on
        # 12 MP because the array needs no copy into a Pillow image.)
        bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 0])
        if not ok:
            raise OSError("JPEG encoding failed")
        fh.write(buf.tobytes())
        return
    image = Image.fromarray(pixels)
    assert not image.info, "a fresh image carries no metadata"
    if fmt == "png":
        image.save(fh, format="PNG", compress_level=6)
    else:
        image.save(fh, format="WEBP", quality=int(quality), method=4)
