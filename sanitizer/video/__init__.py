"""Video support: analyse a clip into a Plan, then write a redacted, metadata-free MP4.

Public API (used by sanitizer.pipeline):
    is_video(path) -> bool
    analyse_video(path, settings, progress=None, cancel=None, options=None, detect=None) -> Plan
    clean_video(plan, dest, settings, progress=None, cancel=None, keep_audio=False) -> VideoCleanInfo

Modules: sniff (is_video), video_io (safe input, probe, orientation), frame_detect (detectors
at a per-frame budget), tracking (keyframe detections -> track Regions; the Plan's video
representation is described there), analyse (pass 1), encode (MP4 writer), verify
(read-back checks), clean (pass 2), preview (one frame for the editor), frames (FrameReader:
frames on request while scrubbing), selftest.
"""
from __future__ import annotations

from .sniff import is_video

__all__ = ["is_video", "analyse_video", "clean_video", "VideoOptions", "VideoCleanInfo", "FrameReader", "self_test"]


def __getattr__(name: str):
    # PyAV is imported only when a video is actually processed.
    if name in ("analyse_video", "VideoOptions"):
        from . import analyse
        return getattr(analyse, name)
    if name in ("clean_video", "VideoCleanInfo"):
        from . import clean
        return getattr(clean, name)
    if name == "FrameReader":
        from .frames import FrameReader
        return FrameReader
    if name == "self_test":
        from .selftest import self_test
        return self_test
    raise AttributeError(name)
