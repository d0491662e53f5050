"""The one background runner: typed outcomes in a worker process and on a thread, a fresh
worker after one died; and the app talks to the engine through its public modules only."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from sanitizer.errors import SanitizerError
from ui.runner import BackgroundRunner, Outcome

UI = Path(__file__).resolve().parents[1] / "ui"
# The engine's public surface for the app; anything deeper is the engine's own business.
PUBLIC = {"sanitizer", "sanitizer.pipeline", "sanitizer.regions", "sanitizer.settings", "sanitizer.audit",
          "sanitizer.errors", "sanitizer.review_file", "sanitizer.phi", "sanitizer.video", "sanitizer.netguard",
          "sanitizer.tempfiles", "sanitizer.selftest"}


def answer(x, cancel=None, progress=None):
    if progress is not None:
        progress(1, 2)
    return x * 2


def refuse(_x, cancel=None, progress=None):
    raise SanitizerError("this file is refused")


def die(_x, cancel=None, progress=None):
    os._exit(3)  # what a decoder crash looks like from outside


def run(qtbot, runner, fn, *args):
    with qtbot.waitSignal(runner.finished, timeout=60_000) as blocker:
        runner.run(fn, *args)
    return blocker.args[0]


@pytest.mark.parametrize("use_processes", [True, False], ids=["process", "thread"])
def test_outcomes_are_typed(qtbot, use_processes):
    runner = BackgroundRunner(use_processes=use_processes)
    try:
        done = run(qtbot, runner, answer, 21)
        assert (done.outcome, done.value) == (Outcome.DONE, 42)
        assert runner.in_process is use_processes
        failed = run(qtbot, runner, refuse, 1)
        assert (failed.outcome, failed.reason) == (Outcome.FAILED, "this file is refused")
    finally:
        runner.stop_worker()


def test_a_worker_that_dies_is_reported_and_replaced(qtbot):
    runner = BackgroundRunner(use_processes=True)
    try:
        died = run(qtbot, runner, die, 1)
        assert died.outcome is Outcome.WORKER_DIED and not runner.in_process
        again = run(qtbot, runner, answer, 5)  # a fresh worker takes the next task
        assert (again.outcome, again.value) == (Outcome.DONE, 10) and runner.in_process
    finally:
        runner.stop_worker()


def test_the_app_imports_only_the_engines_public_modules():
    private = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                         if node.module == "sanitizer" and a.name not in ("__version__",)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("sanitizer") and name not in PUBLIC:
                    private.append(f"{path.name}: {name}")
    assert private == []
