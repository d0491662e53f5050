"""Pictures the PHI tests draw themselves: text lines, wristband labels with codes, screens."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sanitizer.detectors.config import DEFAULT_CONFIG

# The detectors' numbers with documents and screens left to the rule finders alone (text_scene.py,
# pages.py, screens.py): by default the object model finds screens alone and documents beside
# the rules (DetectorConfig.rules_find). Tests of the rule finders themselves use this.
RULE_FINDERS = replace(DEFAULT_CONFIG, objects=replace(DEFAULT_CONFIG.objects, registered_classes=("wristband",)))

_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
              Path("C:/Windows/Fonts")]


def font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    names = ["DejaVuSans-Bold.ttf", "arialbd.ttf"] if bold else ["DejaVuSans.ttf", "arial.ttf"]
    for folder in _FONT_DIRS:
        for name in names:
            if (folder / name).is_file():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def text_image(lines: list[str], size: tuple[int, int] = (900, 400), height: int = 36,
               origin: tuple[int, int] = (40, 40), background=(235, 235, 230)) -> np.ndarray:
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    x, y = origin
    for line in lines:
        draw.text((x, y), line, fill=(20, 20, 20), font=font(height))
        y += int(height * 1.6)
    return np.asarray(img)


def code_image(content: str, fmt: str, module_px: int = 3) -> Image.Image:
    import zxingcpp
    barcode_format = getattr(zxingcpp.BarcodeFormat, fmt)
    code = zxingcpp.create_barcode(content, barcode_format)
    bitmap = np.asarray(code.to_image(scale=module_px))
    return Image.fromarray(bitmap).convert("RGB")


def wristband_photo(with_qr: bool = True, with_code128: bool = True,
                    print_px: int = 22) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A dark room with a skin-toned arm wearing a white label: name, MRN, DOB, Code128, QR.

    Returns the picture and the label's box (x, y, w, h)."""
    img = Image.new("RGB", (3000, 1900), (48, 44, 52))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 330, 1400, 640), fill=(196, 150, 120))          # the arm
    label_box = (300, 360, 820, 250)
    x, y, w, h = label_box
    draw.rounded_rectangle((x, y, x + w, y + h), radius=18, fill=(248, 248, 244))
    step = int(print_px * 1.45)
    draw.text((x + 24, y + 18), "MORENO, PATRICIA", fill=(10, 10, 10), font=font(int(print_px * 1.35), bold=True))
    draw.text((x + 24, y + 18 + 2 * step), "MRN: 466070960", fill=(10, 10, 10), font=font(print_px))
    draw.text((x + 24, y + 18 + 3 * step), "DOB: 03/15/1946  79Y F", fill=(10, 10, 10), font=font(print_px))
    if with_code128:
        code128 = code_image("466070960", "Code128", 3).resize((330, 80), Image.NEAREST)
        img.paste(code128, (x + 24, y + 140))
    if with_qr:
        qr = code_image("MRN466070960", "QRCode", 6)
        qr.thumbnail((170, 170), Image.NEAREST)
        img.paste(qr, (x + w - 200, y + 40))
    return np.asarray(img), label_box


def screen_photo() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A monitor (dark bezel, lit panel) showing a patient banner and rows of results."""
    img = Image.new("RGB", (1600, 1000), (120, 110, 100))
    draw = ImageDraw.Draw(img)
    draw.rectangle((380, 160, 1220, 760), fill=(25, 25, 28))               # bezel
    draw.rectangle((410, 190, 1190, 700), fill=(240, 243, 248))            # panel
    draw.rectangle((660, 760, 940, 820), fill=(40, 40, 42))                # stand
    rows = ["COLE, KAREN  MRN 5413076544  DOB 12/17/1982", "Unit CCU   Room 8A-35   Attending Dr. Sato",
            "HR 85 bpm   BP 153/71 mmHg   SpO2 92 %", "Chloride 105 mmol/L 98-107",
            "Platelets 481 K/uL 150-400 H", "Lactate 0.8 mmol/L 0.5-2.2", "Magnesium 1.7 mg/dL 1.7-2.4",
            "Progress note: admitted with fever"]
    y = 215
    for row in rows:
        draw.text((430, y), row, fill=(15, 15, 15), font=font(20))
        y += 58
    return np.asarray(img), (380, 160, 840, 600)


def fraction_inside(box, regions) -> float:
    """Share of `box`'s area covered by the union of the regions' boxes."""
    x, y, w, h = (int(v) for v in box)
    mask = np.zeros((y + h + 2, x + w + 2), bool)
    for r in regions:
        rx, ry, rw, rh = (int(round(v)) for v in r.box)
        mask[max(ry, 0):max(ry + rh, 0), max(rx, 0):max(rx + rw, 0)] = True
    return float(mask[y:y + h, x:x + w].mean())


def motion_blur(rgb: np.ndarray, length: int, angle: float) -> np.ndarray:
    """A straight smear of `length` pixels at `angle` degrees (a moving hand or camera)."""
    if length < 2:
        return rgb
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    return cv2.filter2D(rgb, -1, kernel / max(float(kernel.sum()), 1e-6))


# Where the board's corners land before it is turned: its top edge further away.
SIDE_VIEW = ((0, 0), (600, 0), (640, 760), (-40, 700))


def page_photo(print_px: int = 9, turn: float = 28.0, blur: int = 5,
               busy: bool = False, seen=SIDE_VIEW) -> tuple[np.ndarray, np.ndarray]:
    """A sheet of small print on a clipboard, turned and seen from the side, smeared by a
    moving hand: at 9 px the OCR detector finds none of its lines. `busy`: the sheet lies
    on a cluttered bed instead (no clipboard, no even border around it). `seen`: where the
    board's corners land before the turn. Returns the picture and the sheet's four corners."""
    sheet = Image.new("RGB", (620, 800), (246, 245, 238))
    draw = ImageDraw.Draw(sheet)
    words = "patient reports stable blood pressure review plan follow visit dose daily".split()
    rng = np.random.default_rng(7)
    y = 40
    for k in range(26):
        if k % 7 == 0:
            draw.text((40, y), f"Section {k // 7 + 1}", fill=(15, 15, 15), font=font(print_px + 2, bold=True))
        else:
            draw.text((40, y), " ".join(rng.choice(words, int(rng.integers(3, 11)))), fill=(25, 25, 25),
                      font=font(print_px))
        y += int(print_px * 2.6)
    board = np.full((880, 680, 3), (40, 80, 150), np.uint8)
    board[40:840, 30:650] = np.asarray(sheet)
    if busy:
        board = cv2.resize(np.asarray(sheet), (680, 880), interpolation=cv2.INTER_AREA)
    cos, sin = np.cos(np.radians(turn)), np.sin(np.radians(turn))
    placed = (np.float32(seen) @ np.float32([[cos, sin], [-sin, cos]]) + np.float32([600, 180])).astype(np.float32)
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [680, 0], [680, 880], [0, 880]]), placed)
    photo = np.full((1200, 1600, 3), (70, 90, 120), np.uint8)
    if busy:  # blankets, tubes and shadows: dark and mid-grey blocks
        blocks = rng.choice(np.array([25, 150], np.uint8), (24, 32, 1)) + rng.integers(0, 30, (24, 32, 3))
        photo = cv2.resize(blocks.astype(np.uint8), (1600, 1200), interpolation=cv2.INTER_NEAREST)
    cv2.warpPerspective(board, warp, (1600, 1200), photo, borderMode=cv2.BORDER_TRANSPARENT)
    sheet_at = [[0, 0], [680, 0], [680, 880], [0, 880]] if busy else [[30, 40], [650, 40], [650, 840], [30, 840]]
    corners = cv2.perspectiveTransform(np.float32([sheet_at]), warp)[0]
    return motion_blur(photo, blur, 30.0), corners


def draw_display(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """A monitor's display without print inside (x0, y0)-(x1, y1), in place: coloured waveforms
    across the left two thirds and coloured vital-sign tiles in the right third (as an ICU
    monitor shows them, its numbers too blurred to read)."""
    colours = [(40, 220, 60), (40, 200, 230), (240, 220, 40), (230, 60, 200)]
    lane = (y1 - y0) / len(colours)
    split = x0 + 2 * (x1 - x0) // 3
    xs = np.arange(x0 + 10, split - 10)
    for k, colour in enumerate(colours):
        mid = y0 + lane * (k + 0.5)
        ys = mid + 0.3 * lane * np.sin((xs - x0) / (6.0 + 3 * k)) * np.where((xs // 40) % 3 == 0, 1.0, 0.3)
        cv2.polylines(rgb, [np.column_stack([xs, ys]).astype(np.int32)], False, colour, 3)
        cv2.rectangle(rgb, (split + 10, int(y0 + lane * k + 6)), (x1 - 10, int(y0 + lane * (k + 1) - 6)), colour, -1)
    return rgb
