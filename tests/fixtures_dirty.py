"""Builders of dirty test photos for every supported format, and an exiftool leak check.

Each builder writes a small photo carrying as much identifying metadata as its format can
hold: GPS, camera make/model/serial, dates, EXIF thumbnail, maker notes, XMP, IPTC, ICC
profile, comments, PNG text chunks. Where Pillow/piexif cannot write something (XMP and
IPTC segments in JPEG, trailing data), the raw bytes are written by hand.

The pixels are a "display" picture with four distinctly coloured quadrants, so every one of
the 8 EXIF orientations gives a different stored layout and a wrong turn is detectable.
"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin, TiffTags

from sanitizer import colour

SECRET_TEXT = "Patient John Smith MRN 12345"  # must never appear in a clean output or an unasked report
GPS_LAT, GPS_LON = 41.88, -87.62
SERIAL = "SN-4711-0815"

# EXIF orientation o: display = T_o(stored), so stored = T_inverse(display).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


# ---- pixels --------------------------------------------------------------------
def display_picture(width: int = 96, height: int = 64, alpha: bool = False) -> np.ndarray:
    """Quadrants red / green (top), blue / white (bottom), with a soft gradient."""
    img = np.zeros((height, width, 3), np.float32)
    h2, w2 = height // 2, width // 2
    img[:h2, :w2] = (220, 30, 30)
    img[:h2, w2:] = (30, 200, 40)
    img[h2:, :w2] = (30, 40, 210)
    img[h2:, w2:] = (235, 235, 235)
    img += np.linspace(-15, 15, width)[None, :, None]
    out = np.clip(img, 0, 255).astype(np.uint8)
    if alpha:
        a = np.full((height, width, 1), 255, np.uint8)
        a[:h2 // 2, :w2 // 2] = 0
        a[h2:, w2:] = 128
        out = np.concatenate([out, a], axis=2)
    return out


def stored_for(display: np.ndarray, orientation: int) -> Image.Image:
    im = Image.fromarray(display)
    inv = INVERSE[orientation]
    return im if inv == 1 else im.transpose(TRANSPOSE[inv])


def best_transform(pixels: np.ndarray, display: np.ndarray) -> int:
    """Which orientation-transform of `display` `pixels` is closest to (1 = as is)."""
    scores = {}
    for o in range(1, 9):
        cand = display if o == 1 else np.asarray(Image.fromarray(display).transpose(TRANSPOSE[o]))
        if cand.shape[:2] == pixels.shape[:2]:
            scores[o] = float(np.abs(cand[..., :3].astype(int) - pixels[..., :3].astype(int)).mean())
    return min(scores, key=scores.get)


# ---- metadata blobs ----------------------------------------------------------------
def _rational_dms(value: float) -> tuple:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 100)
    return ((d, 1), (m, 1), (s, 100))


def thumbnail_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(display_picture(48, 32)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def exif_bytes(orientation: int = 1, thumbnail: bool = True, gps: bool = True) -> bytes:
    zeroth = {
        piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"EOS 5D Mark IV",
        piexif.ImageIFD.Software: b"PhotoEditor 9.1", piexif.ImageIFD.DateTime: b"2024:03:04 05:06:07",
        piexif.ImageIFD.Orientation: orientation, piexif.ImageIFD.Artist: b"Jane Nurse",
        piexif.ImageIFD.ImageDescription: SECRET_TEXT.encode(),
        piexif.ImageIFD.CameraSerialNumber: SERIAL.encode(),
    }
    exif = {
        piexif.ExifIFD.DateTimeOriginal: b"2024:03:04 05:06:07",
        piexif.ExifIFD.BodySerialNumber: SERIAL.encode(),
        piexif.ExifIFD.CameraOwnerName: b"Dr Jane Nurse",
        piexif.ExifIFD.MakerNote: b"CANONMAKERNOTE" * 8,
        piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00" + SECRET_TEXT.encode(),
        piexif.ExifIFD.ExposureTime: (1, 125),
    }
    gps_ifd = {}
    if gps:
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if GPS_LAT >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _rational_dms(GPS_LAT),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if GPS_LON >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _rational_dms(GPS_LON),
            piexif.GPSIFD.GPSAltitude: (181, 1),
            piexif.GPSIFD.GPSDateStamp: b"2024:03:04",
        }
    data = {"0th": zeroth, "Exif": exif, "GPS": gps_ifd, "1st": {}, "thumbnail": None}
    if thumbnail:
        data["1st"] = {piexif.ImageIFD.Compression: 6}
        data["thumbnail"] = thumbnail_jpeg()
    return piexif.dump(data)


XMP_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/">'
    '<xmp:CreateDate>2024-03-04T05:06:07</xmp:CreateDate><xmp:CreatorTool>PhotoEditor 9.1</xmp:CreatorTool>'
    '<exif:GPSLatitude>41,52.8N</exif:GPSLatitude><exif:GPSLongitude>87,37.2W</exif:GPSLongitude>'
    f'<dc:creator><rdf:Seq><rdf:li>Jane Nurse</rdf:li></rdf:Seq></dc:creator>'
    f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{SECRET_TEXT}</rdf:li></rdf:Alt></dc:description>'
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode("utf-8")


def iptc_bytes() -> bytes:
    def dataset(num: int, value: bytes) -> bytes:
        return b"\x1c\x02" + bytes([num]) + struct.pack(">H", len(value)) + value
    return (dataset(0, b"\x00\x04") + dataset(120, SECRET_TEXT.encode()) + dataset(80, b"Jane Nurse")
            + dataset(55, b"20240304") + dataset(90, b"Chicago") + dataset(25, b"ward 4"))


def photoshop_irb(iptc: bytes) -> bytes:
    body = iptc + (b"\x00" if len(iptc) & 1 else b"")
    return b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + body


def display_p3_profile() -> bytes:
    return colour.build_rgb_profile("display-p3", "Display P3")


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


# ---- builders --------------------------------------------------------------------
def dirty_jpeg(path: Path, orientation: int = 1, display: np.ndarray | None = None,
               icc: bytes | None = None, trailer: bool = True, quality: int = 95) -> Path:
    display = display_picture() if display is None else display
    buf = io.BytesIO()
    stored_for(display, orientation).save(
        buf, "JPEG", quality=quality, exif=exif_bytes(orientation),
        icc_profile=icc if icc is not None else camera_rgb_profile(),
        comment=SECRET_TEXT.encode())
    data = buf.getvalue()
    extra = (_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP_PACKET)
             + _segment(0xED, b"Photoshop 3.0\x00" + photoshop_irb(iptc_bytes()))
             + _segment(0xEC, b"Ducky\x00\x01\x00\x04\x00\x00\x00\x50"))
    data = data[:2] + extra + data[2:]
    if trailer:
        data += b"SEFHtrailer-with-" + SECRET_TEXT.encode()
    Path(path).write_bytes(data)
    return Path(path)


def camera_rgb_profile() -> bytes:
    """An sRGB-primaries profile with a non-sRGB name: exercises the ICC path without a colour change."""
    return colour.build_rgb_profile("srgb", "Camera RGB profile of Jane Nurse")


def p3_jpeg(path: Path, srgb_pixels: np.ndarray, space: str = "display-p3") -> Path:
    """A JPEG whose pixel values are `space` (Display P3, Adobe RGB) encodings of `srgb_pixels`, tagged so."""
    p3 = colour.build_rgb_profile(space, {"display-p3": "Display P3", "adobe-rgb": "Adobe RGB (1998)"}[space])
    to_p3 = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(p3)),
                                    "RGB", "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    p3_image = ImageCms.applyTransform(Image.fromarray(srgb_pixels), to_p3)
    p3_image.save(path, "JPEG", quality=98, subsampling=0, icc_profile=p3)
    return Path(path)


def _png_info(exif: bool = True) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Nurse")
    info.add_text("Comment", SECRET_TEXT, zip=True)                     # zTXt
    info.add_itxt("Description", SECRET_TEXT, lang="en", tkey="Description")  # iTXt
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode("utf-8"))
    info.add_text("Creation Time", "2024:03:04 05:06:07")
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 3, 4, 5, 6, 7))
    return info


def dirty_png(path: Path, orientation: int = 1, display: np.ndarray | None = None, alpha: bool = False) -> Path:
    display = display_picture(alpha=alpha) if display is None else display
    stored_for(display, orientation).save(path, "PNG", pnginfo=_png_info(), exif=exif_bytes(orientation),
                                          icc_profile=camera_rgb_profile())
    return Path(path)


def png_with_huge_text(path: Path, megabytes: int = 40) -> Path:
    """A PNG carrying one giant tEXt chunk (and a zTXt that inflates to far more than 1 MB)."""
    buf = io.BytesIO()
    Image.fromarray(display_picture()).save(buf, "PNG")
    data = buf.getvalue()
    iend = data.rindex(b"IEND") - 4

    def chunk(ctype: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))
    big = chunk(b"tEXt", b"Comment\x00" + b"A" * (megabytes << 20))
    bomb = chunk(b"zTXt", b"Bomb\x00\x00" + zlib.compress(b"B" * (64 << 20), 9))
    Path(path).write_bytes(data[:33] + big + bomb + data[33:iend] + data[iend:])
    return Path(path)


def png_bomb(path: Path, width: int = 40000, height: int = 40000) -> Path:
    """A PNG whose header claims a huge size (1.6 GP) with almost no data."""
    def chunk(ctype: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return Path(path)


def png_16bit_rgb(path: Path, display: np.ndarray | None = None) -> Path:
    """A 16-bit-per-channel RGB PNG written by hand (Pillow cannot write one)."""
    display = display_picture() if display is None else display
    wide = display.astype(">u2") * 257
    h, w, _ = wide.shape
    raw = b"".join(b"\x00" + wide[y].tobytes() for y in range(h))

    def chunk(ctype: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Author\x00Jane Nurse") + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    Path(path).write_bytes(data)
    return Path(path)


def dirty_tiff(path: Path, orientation: int = 1, display: np.ndarray | None = None) -> Path:
    display = display_picture() if display is None else display
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[0x010F] = "Canon"
    ifd[0x0110] = "EOS 5D Mark IV"
    ifd[0x0131] = "PhotoEditor 9.1"
    ifd[0x0132] = "2024:03:04 05:06:07"
    ifd[0x013B] = "Jane Nurse"
    ifd[0x010E] = SECRET_TEXT
    ifd[0x0112] = orientation
    ifd[0x8825] = {1: "N", 2: (41.0, 52.0, 48.0), 3: "W", 4: (87.0, 37.0, 12.0)}  # 41.88, -87.62
    ifd[0x02BC] = XMP_PACKET
    ifd.tagtype[0x02BC] = TiffTags.BYTE
    ifd[0x83BB] = iptc_bytes()
    ifd.tagtype[0x83BB] = TiffTags.UNDEFINED
    stored_for(display, orientation).save(path, "TIFF", tiffinfo=ifd, icc_profile=camera_rgb_profile())
    return Path(path)


def lzw_tiff(path: Path, orientation: int = 1, display: np.ndarray | None = None) -> Path:
    """A compressed TIFF (decoded through libtiff, a different Pillow code path) with an orientation."""
    display = display_picture() if display is None else display
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[0x0112] = orientation
    ifd[0x010F] = "Canon"
    stored_for(display, orientation).save(path, "TIFF", tiffinfo=ifd, compression="tiff_lzw")
    return Path(path)


def dirty_webp(path: Path, orientation: int = 1, display: np.ndarray | None = None, alpha: bool = False,
               lossless: bool = False) -> Path:
    display = display_picture(alpha=alpha) if display is None else display
    stored_for(display, orientation).save(path, "WEBP", quality=95, lossless=lossless,
                                          exif=exif_bytes(orientation), xmp=XMP_PACKET,
                                          icc_profile=camera_rgb_profile())
    return Path(path)


def dirty_heic(path: Path, orientation: int = 1, display: np.ndarray | None = None, alpha: bool = False) -> Path:
    import pillow_heif  # noqa: F401 - the sanitizer registers the opener/saver on import
    import sanitizer.formats  # noqa: F401
    display = display_picture(alpha=alpha) if display is None else display
    stored_for(display, orientation).save(path, "HEIF", quality=95, exif=exif_bytes(orientation, thumbnail=False),
                                          xmp=XMP_PACKET, icc_profile=camera_rgb_profile())
    return Path(path)


def dirty_avif(path: Path, orientation: int = 1, display: np.ndarray | None = None, alpha: bool = False) -> Path:
    display = display_picture(alpha=alpha) if display is None else display
    stored_for(display, orientation).save(path, "AVIF", quality=95, exif=exif_bytes(orientation, thumbnail=False),
                                          xmp=XMP_PACKET, icc_profile=camera_rgb_profile())
    return Path(path)


def plain_bmp(path: Path, display: np.ndarray | None = None) -> Path:
    display = display_picture() if display is None else display
    Image.fromarray(display).save(path, "BMP")
    return Path(path)


def dirty_gif(path: Path, transparent: bool = False) -> Path:
    im = Image.fromarray(display_picture()).quantize(64)
    kwargs = {"comment": SECRET_TEXT.encode()}
    if transparent:
        kwargs["transparency"] = 0
    im.save(path, "GIF", **kwargs)
    return Path(path)


def animated_gif(path: Path) -> Path:
    frames = [Image.fromarray(display_picture()), Image.fromarray(display_picture()[::-1].copy())]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return Path(path)


def animated_webp(path: Path) -> Path:
    frames = [Image.fromarray(display_picture()), Image.fromarray(display_picture()[::-1].copy())]
    frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return Path(path)


def fake_dng(path: Path) -> Path:
    """A TIFF container with the DNGVersion tag: what a DNG looks like to a sniffer."""
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[50706] = b"\x01\x04\x00\x00"
    ifd.tagtype[50706] = TiffTags.BYTE
    ifd[0x010F] = "Canon"
    Image.fromarray(display_picture()).save(path, "TIFF", tiffinfo=ifd)
    return Path(path)


# All formats the loader supports: name -> builder(path) (dirty where the format allows).
BUILDERS = {
    "jpeg": lambda p: dirty_jpeg(p),
    "png": lambda p: dirty_png(p),
    "png_alpha": lambda p: dirty_png(p, alpha=True),
    "png16": lambda p: png_16bit_rgb(p),
    "tiff": lambda p: dirty_tiff(p),
    "webp": lambda p: dirty_webp(p),
    "webp_alpha": lambda p: dirty_webp(p, alpha=True, lossless=True),
    "heif": lambda p: dirty_heic(p),
    "avif": lambda p: dirty_avif(p),
    "bmp": lambda p: plain_bmp(p),
    "gif": lambda p: dirty_gif(p),
    "gif_transparent": lambda p: dirty_gif(p, transparent=True),
}
SUFFIX = {"jpeg": ".jpg", "png": ".png", "png_alpha": ".png", "png16": ".png", "tiff": ".tif", "webp": ".webp",
          "webp_alpha": ".webp", "heif": ".heic", "avif": ".avif", "bmp": ".bmp", "gif": ".gif",
          "gif_transparent": ".gif"}


def build(kind: str, folder: Path, name: str | None = None) -> Path:
    return BUILDERS[kind](Path(folder) / f"{name or kind}{SUFFIX[kind]}")


# ---- exiftool: output tags minus an allowlist of storage-structure tags (the mat2 way) ----
EXIFTOOL_ALLOWED = {
    "SourceFile": "*",
    "ExifTool": {"ExifToolVersion"},
    "System": "*",
    "File": {"FileType", "FileTypeExtension", "MIMEType", "ImageWidth", "ImageHeight", "EncodingProcess",
             "BitsPerSample", "ColorComponents", "YCbCrSubSampling"},
    "JFIF": {"JFIFVersion", "ResolutionUnit", "XResolution", "YResolution"},
    "Composite": {"ImageSize", "Megapixels"},
    "PNG": {"ImageWidth", "ImageHeight", "BitDepth", "ColorType", "Compression", "Filter", "Interlace",
            "Palette", "Transparency"},
    "RIFF": {"ImageWidth", "ImageHeight", "VP8Version", "HorizontalScale", "VerticalScale", "WebP_Flags",
             "AlphaPreprocessing", "AlphaFiltering", "AlphaCompression"},
}


def exiftool_leaks(exiftool: str, paths: list[Path]) -> dict[str, list[str]]:
    """For each path: every 'Group:Tag' exiftool reports outside EXIFTOOL_ALLOWED."""
    cp = subprocess.run([exiftool, "-j", "-a", "-u", "-g1", "-ee3", *map(str, paths)],
                        capture_output=True, text=True, check=False)
    result: dict[str, list[str]] = {}
    for obj in json.loads(cp.stdout or "[]"):
        leaks = []
        for group, tags in obj.items():
            if not isinstance(tags, dict):
                continue
            allowed = EXIFTOOL_ALLOWED.get(group, set())
            for tag in tags:
                if allowed != "*" and tag not in allowed:
                    leaks.append(f"{group}:{tag}")
        result[Path(obj["SourceFile"]).name] = leaks
    return result
