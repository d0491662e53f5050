"""Builds dirty sample photos for the demo and the self-test (no files shipped, no PHI:
every name and number here is invented).

Each sample carries the metadata a phone or camera leaves behind: GPS position, camera
serial, dates, an EXIF thumbnail, XMP, IPTC, a JPEG comment, PNG text chunks, an EXIF
orientation. The pixels hold a fictional wristband label with a Code128-like barcode and
a name/MRN/DOB, so the PHI detectors have something to find.
"""
from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

FICTIONAL_LABEL = ("DOE, JANE", "MRN: 00482913", "DOB: 03/14/1961")

XMP_PACKET = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
              b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
              b'<rdf:li>Demo Photographer</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF>'
              b'</x:xmpmeta><?xpacket end="w"?>')


def scene(width: int = 1200, height: int = 800, seed: int = 7) -> np.ndarray:
    """A photo-like scene: a gradient room, a desk, and a wristband label with PHI."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.stack([150 + 60 * xx / width, 160 + 40 * yy / height, 170 - 50 * xx / width], -1)
    img[int(height * 0.65):] *= 0.6  # desk
    img += rng.normal(0, 4, img.shape)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    lx, ly = int(width * 0.3), int(height * 0.42)
    lw, lh = int(width * 0.45), int(height * 0.2)
    draw.rounded_rectangle((lx, ly, lx + lw, ly + lh), radius=12, fill=(250, 250, 245), outline=(90, 90, 90))
    font = ImageFont.load_default(size=max(12, lh // 6))
    for i, line in enumerate(FICTIONAL_LABEL):
        draw.text((lx + 16, ly + 10 + i * (lh // 4)), line, fill=(10, 10, 10), font=font)
    _draw_qr_like(draw, lx + lw - lh + 8, ly + 8, lh - 16)
    return np.asarray(pil)


def _draw_qr_like(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    """A real QR code when zxing-cpp can write one, else a block pattern."""
    try:
        import zxingcpp
        code = zxingcpp.create_barcode("MRN00482913", zxingcpp.BarcodeFormat.QRCode)
        mod = np.asarray(code.to_image(scale=1, add_quiet_zones=False))
    except Exception:  # noqa: BLE001 - the sample still works without a real code
        mod = (np.random.default_rng(1).random((21, 21)) > 0.5).astype(np.uint8) * 255
    cell = max(1, size // mod.shape[0])
    for r in range(mod.shape[0]):
        for c in range(mod.shape[1]):
            if mod[r, c] < 128:
                draw.rectangle((x + c * cell, y + r * cell, x + (c + 1) * cell - 1, y + (r + 1) * cell - 1), fill=0)


def _exif_bytes(pixels: np.ndarray, orientation: int = 1) -> bytes:
    """EXIF as piexif dumps it (starting with the APP1 "Exif\\0\\0" header)."""
    thumb = io.BytesIO()
    Image.fromarray(pixels).resize((160, 107)).save(thumb, "JPEG", quality=70)
    exif = {
        "0th": {piexif.ImageIFD.Make: b"DemoCam", piexif.ImageIFD.Model: b"DemoCam X100",
                piexif.ImageIFD.Orientation: orientation, piexif.ImageIFD.Software: b"DemoCam firmware 1.2",
                piexif.ImageIFD.DateTime: b"2026:03:14 09:26:53", piexif.ImageIFD.Artist: b"Demo Photographer"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2026:03:14 09:26:53",
                 piexif.ExifIFD.BodySerialNumber: b"SN-0042-DEMO",
                 piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00Ward 4 visit"},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((41, 1), (52, 1), (4800, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: ((87, 1), (37, 1), (1200, 100))},
        "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0, piexif.ImageIFD.JPEGInterchangeFormatLength: 0},
        "thumbnail": thumb.getvalue(),
    }
    return piexif.dump(exif)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _iptc_payload() -> bytes:
    # Photoshop IRB 0x0404 holding IPTC 2:80 (By-line) and 2:120 (Caption).
    def ds(tag: int, value: bytes) -> bytes:
        return struct.pack(">BBBH", 0x1C, 2, tag, len(value)) + value
    iptc = ds(80, b"Demo Photographer") + ds(120, b"Ward visit, demo caption")
    if len(iptc) % 2:
        iptc += b"\0"
    return b"Photoshop 3.0\x00" + b"8BIM" + struct.pack(">HBBI", 0x0404, 0, 0, len(iptc)) + iptc


def dirty_jpeg(path: Path, pixels: np.ndarray, orientation: int = 1) -> Path:
    """A JPEG with EXIF (GPS, serial, dates, thumbnail), XMP, IPTC and a comment."""
    stored = pixels
    # Store the pixels so that applying `orientation` shows `pixels` upright.
    inverse = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
               8: Image.Transpose.ROTATE_270}
    op = inverse.get(orientation)
    pil = Image.fromarray(stored)
    if op is not None:
        pil = pil.transpose(op)
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    extra = (_segment(0xE1, _exif_bytes(pixels, orientation))
             + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP_PACKET)
             + _segment(0xED, _iptc_payload())
             + _segment(0xFE, b"Demo comment: shot for the newsletter"))
    Path(path).write_bytes(data[:2] + extra + data[2:])
    return Path(path)


def dirty_png(path: Path, pixels: np.ndarray) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Demo Photographer")
    info.add_itxt("Description", "Ward 4 visit, demo", lang="en")
    info.add_text("Comment", "compressed demo comment", zip=True)
    Image.fromarray(pixels).save(path, "PNG", pnginfo=info, exif=_exif_bytes(pixels))
    return Path(path)


def dirty_webp(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path, "WEBP", quality=90, exif=_exif_bytes(pixels), xmp=XMP_PACKET)
    return Path(path)


def build_samples(folder: Path) -> list[Path]:
    """Write the demo set into `folder` and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pixels = scene()
    return [
        dirty_jpeg(folder / "ward_visit.jpg", pixels),
        dirty_jpeg(folder / "ward_visit_rotated.jpg", pixels, orientation=6),
        dirty_png(folder / "poster_draft.png", scene(640, 480, seed=3)),
        dirty_webp(folder / "gala_table.webp", scene(800, 600, seed=5)),
    ]
