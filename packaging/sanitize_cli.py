"""PyInstaller entry point for the `sanitize` command-line tool."""
import multiprocessing
import sys

from sanitizer import netguard

netguard.install()  # before anything else is imported: see sanitizer/netguard.py

if __name__ == "__main__":
    # In a frozen program a spawned worker re-runs this file: hand it to multiprocessing.
    multiprocessing.freeze_support()
    from sanitizer.cli import main

    sys.exit(main())
