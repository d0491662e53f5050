"""Each detector switch turns its work off entirely: with a switch off, the OCR steps and the
code finders that only it needs are never called (they are replaced by functions that fail)."""
from __future__ import annotations

import pytest

from phi_fixtures import wristband_photo
from sanitizer.detectors import codes, run_detectors
from sanitizer.ocr import get_engine
from sanitizer.regions import Kind
from sanitizer.settings import DETECTOR_SWITCHES, Settings

zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture(scope="module")
def photo():
    rgb, _ = wristband_photo(with_qr=True)
    return rgb[:900, :1500].copy()   # the label and its arm: quicker, same work


class Calls:
    """Counts calls to the OCR steps and the code finders; `forbid` makes some fail."""

    def __init__(self, monkeypatch, forbid: set[str]):
        self.count = {name: 0 for name in ("ocr detect", "ocr read", "zxing", "bar texture")}
        engine = get_engine("rapidocr")
        for owner, attr, name in ((engine, "detect", "ocr detect"), (engine, "recognize", "ocr read"),
                                  (zxingcpp, "read_barcodes", "zxing"), (codes, "bar_texture", "bar texture")):
            monkeypatch.setattr(owner, attr, self._counted(name, getattr(owner, attr), name in forbid))

    def _counted(self, name, real, forbidden):
        def call(*args, **kwargs):
            if forbidden:
                raise AssertionError(f"{name} was called with its switch off")
            self.count[name] += 1
            return real(*args, **kwargs)
        return call


# (switches on, steps that must not run, steps that must run). Faces are off throughout:
# the face detector uses neither OCR nor codes.
CASES = [
    (("barcodes",), {"ocr detect", "ocr read"}, {"zxing", "bar texture"}),
    # Screens are found by the object model alone (no OCR, no code finder).
    (("screens",), {"ocr detect", "ocr read", "zxing", "bar texture"}, set()),
    (("documents",), {"ocr read", "zxing", "bar texture"}, {"ocr detect"}),
    (("wristbands",), {"ocr read"}, {"ocr detect", "zxing", "bar texture"}),
    (("text",), {"zxing", "bar texture"}, {"ocr detect", "ocr read"}),
    (("text", "documents", "screens"), {"zxing", "bar texture"}, {"ocr detect", "ocr read"}),
    (("wristbands", "documents", "barcodes"), {"ocr read"}, {"ocr detect", "zxing"}),
    (("barcodes", "screens", "text", "documents", "wristbands"), set(), {"ocr detect", "ocr read", "zxing"}),
    ((), {"ocr detect", "ocr read", "zxing", "bar texture"}, set()),
]


@pytest.mark.parametrize("switches, forbidden, needed", CASES, ids=lambda v: "+".join(v) if isinstance(v, tuple) else None)
def test_a_switch_off_does_none_of_its_work(photo, monkeypatch, switches, forbidden, needed):
    calls = Calls(monkeypatch, forbidden)
    regions = run_detectors(photo, Settings().with_only(*switches))
    assert all(calls.count[name] > 0 for name in needed), calls.count
    kinds = {r.kind for r in regions}
    if "barcodes" not in switches:
        assert Kind.BARCODE not in kinds
    if "wristbands" not in switches:
        assert Kind.WRISTBAND not in kinds
    if "text" not in switches:
        assert Kind.TEXT not in kinds


def test_each_switch_has_a_cli_option():
    from sanitizer.cli import _settings_from, build_parser
    for name in DETECTOR_SWITCHES:
        args = build_parser().parse_args(["scan", "x.jpg", f"--no-{name}"])
        settings = _settings_from(args)
        assert [n for n in DETECTOR_SWITCHES if not getattr(settings, n)] == [name]


def test_with_only_rejects_unknown_switches():
    with pytest.raises(ValueError):
        Settings().with_only("faces", "labels")
