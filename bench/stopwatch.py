"""Wall time per named stage, for the benchmarks: wraps the engine's functions."""
from __future__ import annotations

import time
from collections import defaultdict


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, fn):
        """`fn`, timed under `name`."""
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.calls[name] += 1
        return timed

    def patch(self, owner, attr: str, name: str) -> None:
        """Replace `owner.attr` (looked up at call time by the engine) with its timed self."""
        setattr(owner, attr, self.wrap(name, getattr(owner, attr)))
