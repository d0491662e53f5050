"""Offline photo/video sanitizer engine. No Qt import anywhere in this package."""

__version__ = "0.1.0"
