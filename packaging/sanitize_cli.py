"""PyInstaller entry point for the `sanitize` command-line tool."""
import sys

from sanitizer import netguard

netguard.install()  # before anything else is imported: see sanitizer/netguard.py

from sanitizer.cli import main  # noqa: E402

sys.exit(main())
