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
