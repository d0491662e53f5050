"""Offline photo/video sanitizer engine. No Qt import anywhere in this package."""
import os

# onnxruntime's own telemetry runs in native code, where sanitizer.netguard cannot see it:
# it looks up a Microsoft events host and writes a device id and an event queue under
# ~/.cache. It reads this variable when it loads, so it is set here, before any module of
# the engine can import onnxruntime, in every process that imports the engine (CLI, app,
# analysis and worker processes, the bundle, the self-test). Forced, not defaulted: a
# value inherited from the environment must not turn it back on.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
