"""Errors the engine raises with messages safe to show a user (no PHI, no file contents)."""


class SanitizerError(Exception):
    """A per-file problem with a plain-words message; the batch goes on."""


class UnsupportedFormat(SanitizerError):
    """The file type is refused on purpose (RAW, animated GIF, unknown); never passed through."""


class DecodeError(SanitizerError):
    """The file claims a supported type but cannot be decoded (truncated, corrupt, empty)."""


class TooLarge(SanitizerError):
    """The image is above the documented pixel limit (decompression-bomb guard)."""


class VerificationFailed(SanitizerError):
    """The written file still carried something beyond the allowlist; it was deleted."""


class OutputError(SanitizerError):
    """The output could not be written (folder not writable, same as input, ...)."""


class ModelMissing(SanitizerError):
    """A model file is absent or fails its sha256 check."""


class BatchStopped(SanitizerError):
    """The whole batch could not go on (a cluster that cannot be reached); the report is still written."""


class Cancelled(SanitizerError):
    """The user cancelled the batch."""


def os_error_reason(exc: OSError) -> str:
    """Plain words for an operating-system error on an input file (never its message, which quotes the path)."""
    if isinstance(exc, PermissionError):
        return "the file cannot be read (permission denied)"
    if isinstance(exc, FileNotFoundError):
        return "the file does not exist (moved or deleted?)"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return "the file cannot be read (input/output error)"


def where_raised(exc: BaseException) -> str:
    """Where an unexpected exception was raised, for a log line that lets a bug be found
    without its message (messages of foreign exceptions can quote text read from a file):
    the innermost frame, and the innermost frame of this application when that is another."""
    import traceback
    from pathlib import Path

    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown place"

    def place(frame: traceback.FrameSummary) -> str:
        path = Path(frame.filename)
        return f"{path.parent.name}/{path.name}:{frame.lineno} in {frame.name}"

    ours = [f for f in frames if Path(f.filename).parent.name in _OUR_PACKAGES
            or Path(f.filename).parent.parent.name in _OUR_PACKAGES]
    text = place(frames[-1])
    if ours and ours[-1] is not frames[-1]:
        text += f", from {place(ours[-1])}"
    return text


_OUR_PACKAGES = {"sanitizer", "ui"}
