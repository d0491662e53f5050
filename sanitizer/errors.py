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
