"""PyInstaller entry point for the desktop app (also `PhiSanitizer --self-test` for IT)."""
import multiprocessing
import sys

from sanitizer import netguard

netguard.install()  # before anything else is imported: see sanitizer/netguard.py

if __name__ == "__main__":
    # The window analyses files in a spawned worker process; in a frozen program that worker
    # re-runs this file, and freeze_support() turns it into the worker instead of a 2nd window.
    multiprocessing.freeze_support()
    from ui.app import main

    sys.exit(main())
