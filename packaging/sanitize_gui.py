"""PyInstaller entry point for the desktop app."""
import sys

from sanitizer import netguard

netguard.install()  # before anything else is imported: see sanitizer/netguard.py

from ui.app import main  # noqa: E402

sys.exit(main())
