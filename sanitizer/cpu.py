"""How many threads one process's inference may use.

Two by default: the target workstations have few cores, and the face and OCR networks run
beside the code scan and the UI. A batch that runs several worker processes side by side
gives each its share of the cores instead (`share_cores_with`), so N workers on C cores do
not start N x 2 inference threads plus OpenCV's own pool of C threads each.

Tried and not used (2026-12-08): one inference thread per session while a video's face and PHI
keyframes run at once on two threads (sessions kept per thread count). bench/bench_video.py,
720p, every detector, eight runs alternated with two threads: CPU seconds median 37.2 against
39.9, frames/s 14.25 against 14.05; with the face thread alone on one: 13.0-14.4 against
13.1-13.9. The PHI thread sets the pace, and on one thread it cannot use a core the face thread
leaves idle, so the CPU saved did not show as speed.
"""
from __future__ import annotations

import os

DEFAULT_INFERENCE_THREADS = 2
_inference_threads = DEFAULT_INFERENCE_THREADS


def inference_threads() -> int:
    """intra_op_num_threads for the onnxruntime sessions of this process."""
    return _inference_threads


def share_cores_with(workers: int) -> None:
    """Called first in each of `workers` worker processes (before any model loads)."""
    global _inference_threads
    share = max(1, (os.cpu_count() or 1) // max(1, workers))
    _inference_threads = min(DEFAULT_INFERENCE_THREADS, share)
    import cv2
    cv2.setNumThreads(share)
