#!/usr/bin/env python3
"""Train the PHI object model (documents, wristbands/labels, screens, barcodes) on generated photos.

    python tools/train_objects.py [--scenes 2400] [--steps N | --minutes 30] [--lr 3e-3]
        [--work /tmp/phi_objects] [--init WEIGHTS.pt | MODEL.onnx] [--out models/phi_objects.onnx]
        [--bedside-share S] [--plain-share S] [--max-tilt DEGREES] [--form-share S]
        [--edge-share S]

1. Generates `--scenes` photos with tools/synth_objects.py (seeds 0..scenes-1, the training
   range; validation seeds start at 1,000,000), each at 768 px long side, shrunk to the model's
   input size (512 px long side) with its per-class masks; cached as .npz under
   --work/scenes-<digest of synth_objects.py> (a changed generator draws afresh).
2. Trains a small fully convolutional net (about 0.2 M parameters) on random 256 px crops with
   flips and quarter turns, per-class sigmoid masks, binary cross-entropy plus soft Dice, for
   `--steps` optimiser steps (repeatable: fixed seeds, torch on 2 threads) or, without them,
   `--minutes` of wall time (the step count then depends on the machine's load).
   `--init WORK/weights.pt` goes on from an earlier run (each run saves its weights there, and
   a partial model every 10 minutes).
3. Exports ONNX (opset 17, input `image` float32 1x3xHxW in 0..1, output `masks` 1x4xH/4xW/4
   logits) and prints the file's sha256 for models/manifest.json.

Needs the `train` extra (torch). Expected runtime on the 2-core dev machine under `nice`:
about 15 min for the data (measured at a load of 15-35), then `--minutes` for training
(default 30).
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import synth_objects as so  # noqa: E402

INPUT_LONG_SIDE = 512   # the model's input size (sanitizer/detectors/objects.py uses the same)
SCENE_LONG_SIDE = 768   # drawn larger, then shrunk: small print blurs as it does in a real photo
CROP = 256
BATCH = 8  # small: the shared 2-core machine gives a fraction of a core
# Share of crops placed on an object: wristbands and codes are a sliver of a photo, and random
# crops alone rarely showed them to the net (their Dice stayed flat in a first run).
OBJECT_CROPS = 0.6
STRIDE = 4              # output masks are 1/4 of the input
# Share of crops given letterbox bands (hard negatives; quarter turns make them vertical too).
LETTERBOX_CROPS = 0.1


# The generator options a run may change (synth_objects.make_scene's keywords), each with the tag
# that names it in the scene cache's folder, in the order the tags are written.
SCENE_OPTION_TAGS = {"bedside_share": "bedside", "plain_share": "plain", "max_tilt": "tilt",
                     "form_share": "forms", "edge_share": "edge"}


def _render(seed: int, work: str, options: dict | None = None) -> str:
    """Scene `seed` drawn with make_scene's keyword `options`, shrunk, with its masks (cached)."""
    path = Path(work) / f"s{seed:06d}.npz"
    if path.is_file():
        return str(path)
    factor = SCENE_LONG_SIDE / 2400  # keep the photos' print sizes relative to the frame
    rgb, _, gt = so.make_scene(seed, SCENE_LONG_SIDE, print_px=(2.5 * factor, 40 * factor), **(options or {}))
    h, w = rgb.shape[:2]
    scale = INPUT_LONG_SIDE / max(h, w)
    size = (round(w * scale), round(h * scale))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    masks = so.region_masks(gt, size, scale)
    np.savez_compressed(path, image=small, masks=masks)
    return str(path)


def build_data(n: int, work: Path, procs: int = 2, **options) -> list[Path]:
    """The first `n` training scenes, drawn with make_scene's keyword `options` (SCENE_OPTION_TAGS)."""
    # Cached scenes are only reused by the generator that drew them: keyed by its source, and by
    # each option given that is not make_scene's default.
    defaults = inspect.signature(so.make_scene).parameters
    options = {k: v for k, v in options.items() if v != defaults[k].default}
    digest = hashlib.sha256(Path(so.__file__).read_bytes()).hexdigest()[:12]
    work = work / (f"scenes-{digest}" + "".join(f"-{tag}{options[key]:g}" for key, tag in SCENE_OPTION_TAGS.items()
                                               if key in options))
    work.mkdir(parents=True, exist_ok=True)
    seeds = range(so.TRAIN_SEEDS[0], so.TRAIN_SEEDS[0] + n)
    with Pool(procs) as pool:
        paths = pool.starmap(_render, [(s, str(work), options) for s in seeds], chunksize=8)
    return [Path(p) for p in paths]


def make_net():
    import torch.nn as nn
    import torch.nn.functional as F

    def block(cin, cout, stride=1, dil=1):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dil, dilation=dil, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    class ObjectNet(nn.Module):
        """Encoder to 1/32 for context (a page can fill the frame), a light FPN back to 1/4."""
        def __init__(self, classes: int = len(so.CLASSES)):
            super().__init__()
            self.s4 = nn.Sequential(block(3, 16, 2), block(16, 24, 2))
            self.s8 = nn.Sequential(block(24, 40, 2), block(40, 40))
            self.s16 = nn.Sequential(block(40, 64, 2), block(64, 64, dil=2))
            self.s32 = nn.Sequential(block(64, 96, 2), block(96, 96, dil=2))
            lat = 32
            self.l4, self.l8, self.l16, self.l32 = (nn.Conv2d(c, lat, 1) for c in (24, 40, 64, 96))
            self.head = nn.Sequential(nn.BatchNorm2d(lat), nn.ReLU(inplace=True), nn.Conv2d(lat, classes, 1))

        def forward(self, x):
            f4 = self.s4(x)
            f8 = self.s8(f4)
            f16 = self.s16(f8)
            f32 = self.s32(f16)
            p = self.l32(f32)
            p = self.l16(f16) + F.interpolate(p, size=f16.shape[-2:], mode="bilinear", align_corners=False)
            p = self.l8(f8) + F.interpolate(p, size=f8.shape[-2:], mode="bilinear", align_corners=False)
            p = self.l4(f4) + F.interpolate(p, size=f4.shape[-2:], mode="bilinear", align_corners=False)
            return self.head(p)

    return ObjectNet()


def _letterbox(x: np.ndarray, m: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Black bands across two opposite edges, as a video frame or a screenshot has: a first
    model called such bands screens on ICU video frames. Nothing under a band is an object."""
    x, m = x.copy(), m.copy()
    band = int(rng.integers(CROP // 20, CROP // 4))
    shade = int(rng.integers(0, 30))
    x[:, :band], x[:, CROP - band:] = shade, shade
    m[:, :band], m[:, CROP - band:] = 0, 0
    return x, m


def _batch(items, rng, batch: int):
    """Random crops (padded when the photo is smaller) with flips and quarter turns."""
    xs, ys = [], []
    for _ in range(batch):
        img, masks = items[rng.integers(len(items))]
        h, w = img.shape[:2]
        ph, pw = max(CROP, h), max(CROP, w)
        if (ph, pw) != (h, w):
            img = cv2.copyMakeBorder(img, 0, ph - h, 0, pw - w, cv2.BORDER_REFLECT)
            masks = np.pad(masks, ((0, 0), (0, ph - h), (0, pw - w)))
        y0, x0 = rng.integers(0, ph - CROP + 1), rng.integers(0, pw - CROP + 1)
        present = [c for c in range(masks.shape[0]) if masks[c].any()]
        if present and rng.random() < OBJECT_CROPS:  # centre the crop near a random object pixel
            rows, cols = np.nonzero(masks[present[rng.integers(len(present))]])
            i = rng.integers(len(rows))
            y0 = int(np.clip(rows[i] - rng.integers(CROP // 8, CROP - CROP // 8), 0, ph - CROP))
            x0 = int(np.clip(cols[i] - rng.integers(CROP // 8, CROP - CROP // 8), 0, pw - CROP))
        x = img[y0:y0 + CROP, x0:x0 + CROP].transpose(2, 0, 1)
        m = masks[:, y0:y0 + CROP, x0:x0 + CROP]
        if rng.random() < LETTERBOX_CROPS:
            x, m = _letterbox(x, m, rng)
        k = int(rng.integers(4))
        x, m = np.rot90(x, k, (1, 2)), np.rot90(m, k, (1, 2))
        if rng.random() < 0.5:
            x, m = x[:, :, ::-1], m[:, :, ::-1]
        xs.append(x)
        ys.append(m)
    x = np.stack(xs).astype(np.float32) / 255.0
    x *= rng.uniform(0.7, 1.3, (batch, 1, 1, 1)).astype(np.float32)  # exposure
    m = np.stack(ys).astype(np.float32)
    m = m.reshape(batch, m.shape[1], CROP // STRIDE, STRIDE, CROP // STRIDE, STRIDE).mean(axis=(3, 5))
    return np.clip(x, 0, 1), m


def train(paths: list[Path], minutes: float, seed: int = 0, checkpoint: Path | None = None,
          init: Path | None = None, steps: int | None = None, peak_lr: float = 3e-3):
    """Train for `steps` optimiser steps (reproducible: the same seeds give the same weights) or,
    without them, for `minutes` of wall time (the number of steps then depends on the load)."""
    import torch
    import torch.nn.functional as F
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(seed)
    items = []
    for p in paths:
        with np.load(p) as z:
            items.append((z["image"], z["masks"]))
    net = make_net()
    # Going on from an exported model: its norms were folded away, so they stay frozen.
    frozen = init is not None and init.suffix == ".onnx"
    if frozen:
        load_onnx_weights(net, init)
        _freeze_norms(net)
    elif init is not None:  # go on from an earlier run's weights (the learning rate starts afresh)
        net.load_state_dict(torch.load(init))
    print(f"parameters: {sum(p.numel() for p in net.parameters())}")
    opt = torch.optim.AdamW(net.parameters(), lr=peak_lr, weight_decay=1e-4)
    # barcodes are small and rare: weigh their positives up
    pos_weight = torch.tensor([1.0, 2.0, 1.0, 3.0]).view(1, -1, 1, 1)
    budget = minutes * 60
    start = last_export = time.time()
    step = 0
    while True:
        elapsed = time.time() - start
        done = step / steps if steps else elapsed / budget
        if done >= 1.0:
            break
        lr = peak_lr * 0.5 * (1 + np.cos(np.pi * done))
        for g in opt.param_groups:
            g["lr"] = lr
        x, m = _batch(items, rng, BATCH)
        x, m = torch.from_numpy(x), torch.from_numpy(m)
        logits = net(x)
        bce = F.binary_cross_entropy_with_logits(logits, m, pos_weight=pos_weight)
        prob = torch.sigmoid(logits)
        inter = (prob * m).sum(dim=(0, 2, 3))
        dice = 1 - (2 * inter + 1) / (prob.sum(dim=(0, 2, 3)) + m.sum(dim=(0, 2, 3)) + 1)
        loss = bce + dice.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if checkpoint is not None and time.time() - last_export > 600:  # a model to evaluate early
            net.eval()
            export(net, checkpoint)
            torch.save(net.state_dict(), checkpoint.with_suffix(".pt"))
            net.train()
            if frozen:
                _freeze_norms(net)
            last_export = time.time()
        if step % 25 == 0:
            print(f"step {step}  {elapsed / 60:.1f} min  loss {loss.item():.4f}  bce {bce.item():.4f}  "
                  f"dice {[round(v, 3) for v in dice.tolist()]}", flush=True)
    net.eval()
    return net


def load_onnx_weights(net, path: Path) -> None:
    """Weights from an exported model (export() below). The export folded each encoder block's
    batch norm into its convolution, so the convolution takes the folded weights and the norm
    becomes the identity plus the folded bias (mean 0, variance 1 - eps, scale 1): the net then
    computes what the file does, as long as the norms are not updated (_freeze_norms)."""
    import onnx
    import torch
    from onnx import numpy_helper

    model = onnx.load(str(path))
    tensors = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    state = net.state_dict()
    named = {k: v for k, v in tensors.items() if k in state}
    folded = [tensors[n.input[i]] for n in model.graph.node if n.op_type == "Conv"
              for i in (1, 2) if n.input[i] not in named]
    # The encoder's blocks, in the order their convolutions appear in the graph.
    blocks = [f"{stage}.{i}" for stage in ("s4", "s8", "s16", "s32") for i in (0, 1)]
    if len(folded) != 2 * len(blocks):
        raise ValueError(f"{path}: {len(folded)} folded tensors, expected {2 * len(blocks)}")
    for prefix, weight, bias in zip(blocks, folded[0::2], folded[1::2]):
        norm = net.get_submodule(prefix)[1]
        named[f"{prefix}.0.weight"] = weight
        named[f"{prefix}.1.weight"] = torch.ones_like(bias)
        named[f"{prefix}.1.bias"] = bias
        named[f"{prefix}.1.running_mean"] = torch.zeros_like(bias)
        named[f"{prefix}.1.running_var"] = torch.full_like(bias, 1.0 - norm.eps)
    missing = [k for k in state if k not in named and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError(f"{path}: no weights for {missing}")
    net.load_state_dict({**state, **named})


def _freeze_norms(net) -> None:
    """Keep every batch norm's statistics as they are (a net loaded from an exported model has
    its norms folded away: batch statistics would change what it computes)."""
    import torch.nn as nn

    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


def export(net, out: Path) -> str:
    import torch
    dummy = torch.zeros(1, 3, 384, 512)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(net, dummy, str(out), input_names=["image"], output_names=["masks"], opset_version=17,
                      dynamic_axes={"image": {2: "h", 3: "w"}, "masks": {2: "h4", 3: "w4"}}, dynamo=False)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=2400)
    ap.add_argument("--minutes", type=float, default=30, help="wall-time budget when --steps is not given")
    ap.add_argument("--steps", type=int, help="optimiser steps: the reproducible budget (make train uses it)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/phi_objects"))
    ap.add_argument("--out", type=Path, default=REPO / "models" / "phi_objects.onnx")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--init", type=Path, help="weights (.pt) of an earlier run, or an exported model "
                    "(.onnx, its norms then kept frozen), to go on from")
    ap.add_argument("--bedside-share", type=float,
                    help="share of the training photos' screens drawn as bedside monitors (default: "
                    "synth_objects.BEDSIDE_SHARE's)")
    ap.add_argument("--plain-share", type=float,
                    help="share of the other screens drawn as plain note views (default: synth_objects.PLAIN_SHARE's)")
    ap.add_argument("--max-tilt", type=float, default=so.MAX_TILT,
                    help="each object's out-of-plane tilt is drawn from 0 to this many degrees")
    ap.add_argument("--form-share", type=float,
                    help="share of the training photos' record pages drawn as forms (default: synth_objects.FORM_SHARE's)")
    ap.add_argument("--edge-share", type=float,
                    help="share of the training photos' record pages running out of the frame (default: synth_objects.EDGE_SHARE's)")
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (cosine schedule down to 0)")
    a = ap.parse_args(argv)
    t0 = time.time()
    paths = build_data(a.scenes, a.work, a.procs, **{key: getattr(a, key) for key in SCENE_OPTION_TAGS})
    print(f"data: {len(paths)} scenes in {(time.time() - t0) / 60:.1f} min", flush=True)
    net = train(paths, a.minutes, checkpoint=a.work / "partial.onnx", init=a.init, steps=a.steps,
                peak_lr=a.lr)
    import torch
    torch.save(net.state_dict(), a.work / "weights.pt")  # for --init: training can go on later
    digest = export(net, a.out)
    print(f"wrote {a.out} ({a.out.stat().st_size} bytes) sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
