"""Image loading: a factory picks the parser by sniffed content type (never the extension).

    load_image(path) -> LoadedImage   display-oriented sRGB pixels, or a SanitizerError
    sniff(path) -> MIME type | None   cheap content check
    is_supported_image(path) -> bool  cheap check for folder walking
"""
from __future__ import annotations

import contextlib
import os
import struct
import warnings
import zlib
from pathlib import Path
from typing import Iterator

from PIL import Image

from sanitizer import errors
from sanitizer.formats.animated import Animation, decode_animation, is_animated, png_declares_animation
from sanitizer.formats.base import MAX_PIXELS, ImageParser, LoadedImage
from sanitizer.formats.bmp import BmpParser
from sanitizer.formats.gif import GifParser
from sanitizer.formats.heif import AvifParser, HeifParser
from sanitizer.formats.jpeg import JpegParser
from sanitizer.formats.png import PngParser
from sanitizer.formats.refused import refusal_reason
from sanitizer.formats.content import sniff
from sanitizer.formats.tiff import TiffParser
from sanitizer.formats.webp import WebpParser
from sanitizer.input_files import check_input_file

__all__ = ["LoadedImage", "Animation", "MAX_PIXELS", "load_image", "load_animation", "is_animated_image", "sniff", "is_supported_image", "parser_for",
           "SUPPORTED_FORMATS", "IMAGE_EXTENSIONS"]

_PARSERS: dict[str, type[ImageParser]] = {
    mime: cls
    for cls in (JpegParser, PngParser, TiffParser, WebpParser, HeifParser, AvifParser, BmpParser, GifParser)
    for mime in cls.mimetypes
}
SUPPORTED_FORMATS = tuple(cls.name for cls in dict.fromkeys(_PARSERS.values()))

# Names a user would expect to be photos: a file named like this that does not sniff as an
# image is "damaged" (DecodeError), anything else unknown is "unsupported".
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".heic",
                    ".heif", ".hif", ".avif", ".bmp", ".dib", ".gif"}


def parser_for(path: Path) -> ImageParser:
    """The parser for this file's content; raises UnsupportedFormat / DecodeError."""
    path = Path(path)
    _check_readable(path)
    try:
        mime = sniff(path)
    except OSError as exc:
        raise errors.DecodeError(errors.os_error_reason(exc)) from None
    cls = _PARSERS.get(mime) if mime else None
    if cls is None:
        suffix = path.suffix.lower()
        if mime is None and suffix in IMAGE_EXTENSIONS:
            raise errors.DecodeError(
                f"the file is named {suffix} but does not contain image data (damaged or not a photo)")
        raise errors.UnsupportedFormat(refusal_reason(mime, suffix))
    return cls(path)


def load_image(path: Path) -> LoadedImage:
    """Decode a photo to display-oriented sRGB pixels. Raises a SanitizerError subclass."""
    parser = parser_for(path)
    with _decode_errors(parser):
        return parser.load()


def is_animated_image(path: Path) -> bool:
    """True for an animated GIF, WebP or PNG. Cheap: other types are told by their first bytes,
    a PNG by its chunk headers up to the first image data (an 'acTL' of two or more frames)."""
    try:
        parser = parser_for(path)
        if parser.name not in ("gif", "webp", "png"):
            return False
        if parser.name == "png":
            return png_declares_animation(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with parser.open() as im:
                return is_animated(im)
    except Exception:  # noqa: BLE001 - anything unreadable is left to load_image to explain
        return False


def load_animation(path: Path) -> Animation:
    """Every frame of an animated GIF, WebP or PNG, with durations and loop count."""
    parser = parser_for(path)
    with _decode_errors(parser):
        im = parser.open()
        try:
            if not is_animated(im):
                raise errors.UnsupportedFormat("this picture is not animated")
            return decode_animation(parser, im)
        finally:
            im.close()


@contextlib.contextmanager
def _decode_errors(parser: ImageParser) -> Iterator[None]:
    """Library exceptions of a decode turned into SanitizerErrors in plain words."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warnings are about the file, not for users
            yield
    except errors.SanitizerError:
        raise
    except Image.DecompressionBombError:
        raise errors.TooLarge(f"the image is above the {MAX_PIXELS // 1_000_000} MP limit") from None
    except MemoryError:
        raise errors.TooLarge("the image is too large to decode in the memory available") from None
    except OSError as exc:
        if isinstance(exc, (PermissionError, IsADirectoryError, FileNotFoundError)):
            raise errors.DecodeError(errors.os_error_reason(exc)) from None
        raise errors.DecodeError(_decode_reason(parser, exc)) from None
    except (SyntaxError, ValueError, TypeError, IndexError, KeyError, EOFError,
            struct.error, zlib.error, RuntimeError, AttributeError) as exc:
        raise errors.DecodeError(_decode_reason(parser, exc)) from None


def is_supported_image(path: Path) -> bool:
    """Cheap check (first bytes only) that a file is an image type we load."""
    try:
        return Path(path).is_file() and sniff(path) in _PARSERS
    except OSError:
        return False


def _check_readable(path: Path) -> None:
    check_input_file(path)  # a regular file, before anything opens it
    if path.stat().st_size == 0:
        raise errors.DecodeError("the file is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise errors.DecodeError("the file cannot be read (permission denied)")


def _decode_reason(parser: ImageParser, exc: BaseException) -> str:
    # Library messages can quote the file name; only a category is shown to users.
    text = str(exc).lower()
    if "truncated" in text or isinstance(exc, EOFError) or "not enough" in text or "premature" in text:
        what = "is truncated (incomplete)"
    else:
        what = "is damaged and cannot be decoded"
    return f"the {parser.label} file {what}"
