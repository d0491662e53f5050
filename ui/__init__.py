"""The PySide6 desktop app. It calls the `sanitizer` engine; the engine never imports Qt."""
