"""How many threads one process's inference may use.

Two by default: the target workstations have few cores, and the face and OCR networks run
beside the code scan and the UI. A batch that runs several worker processes side by side
gives each its share of the cores instead (`share_cores_with`), so N workers on C cores do
not start N x 2 inference threads plus OpenCV's own pool of C threads each.
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
