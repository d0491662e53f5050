"""Colour: convert pixels from an embedded ICC profile to sRGB before the profile is dropped.

Clean files carry no ICC profile (it can hold names and dates, and it is metadata), so a
viewer will read the pixels as sRGB. A Display P3 or Adobe RGB photo written without
conversion would look dull; a CMYK one would look wrong. Converting here keeps colours.
"""
from __future__ import annotations

import functools
import hashlib
import io
import struct

import numpy as np
from PIL import Image, ImageCms

# Profiles whose description says sRGB are taken as sRGB already: a transform on a 12 MP
# photo costs ~0.1 s and most camera files are sRGB.
_SRGB_NAMES = ("srgb", "iec61966-2.1", "iec 61966-2-1")

_MODE_FOR_SPACE = {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK", "LAB": "LAB"}


@functools.lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def profile_description(icc: bytes) -> str:
    """The profile's description, or '' when it cannot be read."""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return ""


def is_srgb(icc: bytes) -> bool:
    desc = profile_description(icc).lower()
    return any(name in desc for name in _SRGB_NAMES)


@functools.lru_cache(maxsize=16)
def _transform(digest: str, icc: bytes, in_mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached transform from this profile to sRGB; None when the profile is unusable."""
    del digest  # part of the cache key only
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        if _MODE_FOR_SPACE.get(space) != in_mode:
            return None  # profile does not describe these pixels: do not guess
        intent = ImageCms.Intent.PERCEPTUAL
        if not ImageCms.isIntentSupported(profile, intent, ImageCms.Direction.INPUT):
            intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
        # NOCACHE: the transform is shared between worker threads (lcms2 caches the last pixel otherwise)
        return ImageCms.buildTransform(profile, _srgb(), in_mode, "RGB", renderingIntent=intent,
                                       flags=ImageCms.Flags.NOCACHE)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Return an RGB image in sRGB. `im` is RGB, L, CMYK or LAB without alpha."""
    if icc and not (im.mode in ("RGB", "L") and is_srgb(icc)):
        transform = _transform(hashlib.sha256(icc).hexdigest(), icc, im.mode)
        if transform is not None:
            return ImageCms.applyTransform(im, transform)
    if im.mode == "RGB":
        return im
    return im.convert("RGB")


# ---------------------------------------------------------------------------
# Matrix/TRC RGB profiles built in code: used for HEIF/AVIF files that declare their
# colour with an nclx box (primaries code) instead of an ICC profile, and by the tests.

_D50 = np.array([0.9642, 1.0, 0.8249])
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])

PRIMARIES = {
    # name: (red xy, green xy, blue xy, white xy)
    "srgb": ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060), (0.3127, 0.3290)),
    "display-p3": ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.3127, 0.3290)),
    "adobe-rgb": ((0.640, 0.330), (0.210, 0.710), (0.150, 0.060), (0.3127, 0.3290)),
    "bt2020": ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046), (0.3127, 0.3290)),
}
# nclx colour_primaries code -> PRIMARIES name (ISO/IEC 23091-2).
NCLX_PRIMARIES = {1: "srgb", 9: "bt2020", 12: "display-p3"}


def _xy_to_xyz(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _rgb_to_xyz_d50(name: str) -> np.ndarray:
    r, g, b, w = PRIMARIES[name]
    prim = np.stack([_xy_to_xyz(*r), _xy_to_xyz(*g), _xy_to_xyz(*b)], axis=1)
    white = _xy_to_xyz(*w)
    scale = np.linalg.solve(prim, white)
    m = prim * scale
    cone_src, cone_dst = _BRADFORD @ white, _BRADFORD @ _D50
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(cone_dst / cone_src) @ _BRADFORD
    return adapt @ m


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _xyz_tag(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15(float(c)) for c in xyz)


def _curve_tag(gamma: float | None) -> bytes:
    if gamma is not None:
        return b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", int(round(gamma * 256))) + b"\0\0"
    x = np.linspace(0, 1, 1024)
    y = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)  # sRGB curve
    table = np.round(y * 65535).astype(">u2").tobytes()
    return b"curv" + b"\0" * 4 + struct.pack(">I", 1024) + table


def _desc_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    body = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
    body += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67
    return body


def build_rgb_profile(name: str, description: str | None = None) -> bytes:
    """An ICC v2 display profile for one of PRIMARIES (sRGB tone curve, Adobe RGB gamma 2.2)."""
    m = _rgb_to_xyz_d50(name)
    gamma = 563 / 256 if name == "adobe-rgb" else None
    trc = _curve_tag(gamma)
    tags = [
        (b"desc", _desc_tag(description or name)),
        (b"wtpt", _xyz_tag(_D50)),
        (b"rXYZ", _xyz_tag(m[:, 0])), (b"gXYZ", _xyz_tag(m[:, 1])), (b"bXYZ", _xyz_tag(m[:, 2])),
        (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc),
        (b"cprt", b"text" + b"\0" * 4 + b"No copyright\0"),
    ]
    table_len = 4 + 12 * len(tags)
    offset = 128 + table_len
    table, data = b"", b""
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000)
    header += b"mntrRGB XYZ " + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp"
    header += b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
    header += b"".join(_s15(c) for c in _D50) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def nclx_to_icc(nclx: dict | None) -> bytes | None:
    """An ICC profile equivalent to an nclx colour box when its primaries are wide gamut."""
    if not nclx:
        return None
    name = NCLX_PRIMARIES.get(int(nclx.get("color_primaries", 2) or 2))
    if name in (None, "srgb"):
        return None
    return build_rgb_profile(name)


