"""A batch of files cleaned in this process, in worker processes or on a Dask cluster.

The per-file job (`clean_one`) is the same everywhere: analyse and clean one file into a
*staged* name in the output folder (`tempfiles.staged_path`), verified as always. The batch
then gives each finished file its final `<stem>_clean.<ext>` name in input order
(`OrderedPublisher`), so the names, the report and its order are those of a serial run
whichever worker finishes first. As each file gets its name it goes into the journal
(sanitizer/journal.py), so a killed run can be resumed, and into the one merged report.

Ctrl+C stops the batch: files not yet finished are abandoned (their partial and staged
files deleted), and the report of what was done is still written.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from . import __version__, netguard
from .audit import AuditReport
from .cpu import share_cores_with
from .errors import BatchStopped, SanitizerError, os_error_reason
from .journal import Journal, find_reusable, settings_fingerprint
from .pipeline import CleanResult, sha256_of, unique_output_path
from .regions import MetadataFinding
from .settings import Settings
from .tempfiles import TEMP_PREFIX, staged_path, sweep_stale
from .tempfiles import publish as publish_staged

# A worker process is replaced after this many files, to bound memory that a long run of
# native libraries (onnxruntime, OpenCV, FFmpeg) may hold on to. Reloading the models costs
# about 1-2 s, under 1 % of the ~1.5 s x 200 a generation spends on photos.
FILES_PER_WORKER = 200
# Files handed to the pool ahead of the ones running: enough that a worker never waits for
# its next file, few enough that a crashed worker takes only these with it.
QUEUED_PER_WORKER = 2

Results = Iterator[tuple[int, CleanResult]]
Runner = Callable[[Sequence["FileJob"]], Results]


@dataclass(frozen=True)
class FileJob:
    """One file to clean; plain data, so it can be sent to another process or machine."""
    index: int
    source: Path
    out_dir: Path
    settings: Settings
    keep_audio: bool = False
    app_version: str = __version__


def prepare_worker_process() -> None:
    """First thing in every process that cleans files: no network. (onnxruntime's telemetry is
    already off: importing the sanitizer package set ORT_DISABLE_TELEMETRY, see sanitizer/__init__.)"""
    netguard.install()


def clean_one(job: FileJob) -> CleanResult:
    """Analyse and clean one file into a staged name in job.out_dir (see OrderedPublisher)."""
    from .pipeline import analyse_and_clean
    _plan, result = analyse_and_clean(
        job.source, job.out_dir, job.settings, set(), keep_audio=job.keep_audio,
        namer=lambda _source, ext: staged_path(job.out_dir, f".{ext}"))
    # The result travels back to the client (over the network on a cluster): it keeps what the
    # report records (metadata group and tag) and never a finding's detail (GPS coordinates).
    result.removed = [MetadataFinding(m.group, m.tag) for m in result.removed]
    return result


def failed(job: FileJob, reason: str) -> CleanResult:
    return CleanResult(source=job.source, error=reason)


# ---------------------------------------------------------------- naming in input order

class OrderedPublisher:
    """Takes finished files in any order and names them in input order, like a serial run.

    A staged output, checked against the sha256 the worker recorded after verifying it, gets
    the first free `<stem>_clean[-n].<ext>` (the rule of a serial run) and is linked there
    (never replacing a file). Every file is passed once, in input order, to `record` (the
    journal) *before* its output appears under its name, then to `announce` (report, progress).
    So a run killed in between leaves a record whose output is missing, which --resume cleans
    again under that same name, never an output without a record (which would be cleaned twice).
    If the link then fails, `record` gets the file a second time, failed.

    A file that takes long (a video) holds back the names of the files after it: they wait,
    verified, under their staged names (on disk, not in memory); a run killed then loses
    them, and --resume cleans them again.
    """

    def __init__(self, out_dir: Path, record: Callable[[CleanResult], None],
                 announce: Callable[[CleanResult, bool], None], neutral_prefix: str = ""):
        self.out_dir = Path(out_dir)
        self.neutral_prefix = neutral_prefix  # Settings.neutral_prefix: <prefix>_001.<ext> names
        self.record, self.announce = record, announce
        self.reserved: set[str] = set()
        self.next_index = 0
        self._waiting: dict[int, tuple[CleanResult, bool]] = {}

    def accept(self, index: int, result: CleanResult, reused: bool = False) -> None:
        self._waiting[index] = (result, reused)
        while self.next_index in self._waiting:
            result, reused = self._waiting.pop(self.next_index)
            self.next_index += 1
            if reused:
                self.reserved.add(result.output.name.lower())  # type: ignore[union-attr]
            elif result.ok and result.output is not None:
                self._name(result)
            else:
                self.record(result)
            self.announce(result, reused)

    def _name(self, result: CleanResult) -> None:
        staged = result.output
        assert staged is not None
        try:
            if sha256_of(staged) != result.sha256_out:
                raise SanitizerError("the cleaned file changed before it got its name; it was deleted")
            dest = unique_output_path(self.out_dir, result.source.stem, staged.suffix.lstrip("."), self.reserved,
                                      self.neutral_prefix)
        except (OSError, SanitizerError) as exc:
            self._fail(result, staged, exc)
            self.record(result)
            return
        result.output = dest
        self.record(result)
        try:
            publish_staged(staged, dest)
        except OSError as exc:  # FileExistsError: another program took the name since it was chosen
            self._fail(result, staged, exc)
            self.record(result)

    @staticmethod
    def _fail(result: CleanResult, staged: Path, exc: Exception) -> None:
        result.ok, result.output, result.sha256_out = False, None, ""
        result.error = str(exc) if isinstance(exc, SanitizerError) else (
            "the output name was taken by another program meanwhile; nothing was written"
            if isinstance(exc, FileExistsError) else os_error_reason(exc))
        staged.unlink(missing_ok=True)

    def discard_waiting(self) -> None:
        """An interrupted batch: delete the staged outputs that never got their turn."""
        for result, reused in self._waiting.values():
            if not reused and result.output is not None:
                result.output.unlink(missing_ok=True)
        self._waiting.clear()


# ---------------------------------------------------------------- where the jobs run

def run_here(jobs: Sequence[FileJob]) -> Results:
    """--jobs 1: one file after another in this process."""
    for job in jobs:
        yield job.index, clean_one(job)


def _pool_worker_init(workers: int) -> None:
    prepare_worker_process()
    share_cores_with(workers)
    # Ctrl+C reaches every process of the terminal; only the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    from multiprocessing import util

    from .tempfiles import cleanup_private
    util.Finalize(None, cleanup_private, exitpriority=10)


def _new_pool(workers: int) -> cf.ProcessPoolExecutor:
    # spawn: a fresh interpreter, never a fork of a process holding threads and models.
    # (max_tasks_per_child is not used: it can deadlock on Python 3.11-3.13, CPython gh-115634;
    # the pool is replaced every FILES_PER_WORKER files per worker instead.)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_pool_worker_init, initargs=(workers,))


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop now: queued files are dropped and running ones killed (their temp files are swept)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=10)


def _blocked_sigint():
    """Worker processes are born with SIGINT blocked until they ignore it (see _pool_worker_init)."""
    if not hasattr(signal, "pthread_sigmask"):
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def block():
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return block()


def process_runner(workers: int) -> Runner:
    """--jobs N: N worker processes, each loading the models once per FILES_PER_WORKER files."""
    def run(jobs: Sequence[FileJob]) -> Results:
        todo = list(jobs)
        while todo:
            generation, todo = todo[:workers * FILES_PER_WORKER], todo[workers * FILES_PER_WORKER:]
            yield from _run_generation(generation, workers)
    return run


WORKER_DIED = "the worker process cleaning this file stopped unexpectedly (out of memory?); nothing was written"


def _run_generation(jobs: list[FileJob], workers: int) -> Results:
    pending = jobs[::-1]
    running: dict[cf.Future, FileJob] = {}
    with _blocked_sigint():
        pool = _new_pool(workers)
    try:
        while pending or running:
            with _blocked_sigint():  # the pool starts its workers on the first submits
                while pending and len(running) < workers * QUEUED_PER_WORKER:
                    job = pending.pop()
                    running[pool.submit(clean_one, job)] = job
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            broken = False
            for future in done:
                job = running.pop(future)
                try:
                    result = future.result()
                except cf.process.BrokenProcessPool:
                    broken, result = True, failed(job, WORKER_DIED)
                except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be sent back
                    result = failed(job, f"unexpected problem while processing this file ({type(exc).__name__})")
                yield job.index, result
            if broken:  # every file the dead pool still held is lost with it
                for job in running.values():
                    yield job.index, failed(job, WORKER_DIED)
                running.clear()
                _stop_pool(pool)
                with _blocked_sigint():
                    pool = _new_pool(workers)
    except BaseException:  # Ctrl+C, or the batch was closed early
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


# ---------------------------------------------------------------- the whole batch

class _InterruptGate:
    """Ctrl+C (SIGINT), or SIGTERM from a job system, stops the batch like Ctrl+C; one that
    arrives while a file is being named and recorded takes effect right after, so an output
    never exists without its journal and report record."""

    STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.busy = False
        self.pending = False
        self._previous: dict = {}

    def __enter__(self) -> "_InterruptGate":
        import threading
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._on_signal) for sig in self.STOP_SIGNALS}
        return self

    def __exit__(self, *_exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, _signum, _frame) -> None:
        if self.busy:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        if self.pending:
            raise KeyboardInterrupt


@dataclass
class BatchOutcome:
    report: AuditReport
    total: int
    reused: int = 0
    other_settings: int = 0    # journal records left alone: made with other settings
    interrupted: bool = False
    stopped: str | None = None   # why the whole batch stopped early (Ctrl+C aside)
    report_path: Path | None = None
    report_error: str | None = None  # why the report could not be written (a full disk)


FileListener = Callable[[CleanResult, dict, bool], None]   # result, its report record, reused?


def clean_batch(inputs: Sequence[Path], out_dir: Path, settings: Settings, runner: Runner, *,
                keep_audio: bool = False, resume: bool = False, roots: Sequence[Path] = (),
                on_start: Callable[[int, int], None] | None = None,
                on_file: FileListener | None = None) -> BatchOutcome:
    """Clean `inputs` into out_dir with `runner`; journal each file, write one merged report.

    With `resume`, inputs whose earlier output (by the journal) still exists and verifies are
    not cleaned again; they appear in the report as they were. `on_start(total, reused)` is
    called once, `on_file` for every file in input order.
    """
    out_dir = Path(out_dir)
    sweep_stale(out_dir)  # partial and staged files of a killed run
    fingerprint = settings_fingerprint(settings, keep_audio)
    report = AuditReport(out_dir, settings, roots=list(roots))
    outcome = BatchOutcome(report=report, total=len(inputs))
    reused: dict[int, CleanResult] = {}
    if resume:
        plan = find_reusable(inputs, out_dir, fingerprint)
        reused, outcome.other_settings = plan.reused, plan.other_settings
        outcome.reused = len(reused)
    if on_start:
        on_start(len(inputs), len(reused))
    journal = Journal(out_dir, fingerprint)

    def announce(result: CleanResult, was_reused: bool) -> None:
        report.add(result)
        if on_file:
            on_file(result, report.record(result), was_reused)

    publisher = OrderedPublisher(out_dir, lambda result: journal.append(result, report.record(result)), announce,
                                 settings.neutral_prefix)
    jobs = [FileJob(i, Path(p), out_dir, settings, keep_audio) for i, p in enumerate(inputs) if i not in reused]
    results = _with_reused(runner(jobs), reused)
    try:
        with _InterruptGate() as gate:
            for index, result in results:
                with gate.recording():
                    publisher.accept(index, result, reused=index in reused)
    except (KeyboardInterrupt, BatchStopped) as exc:
        outcome.interrupted = True
        if isinstance(exc, BatchStopped):
            outcome.stopped = str(exc)
        results.close()  # stops the workers first, so what they leave can be swept
        publisher.discard_waiting()
        for staged in out_dir.glob(f"{TEMP_PREFIX}{os.getpid()}-staged-*"):  # --jobs 1: the file in hand
            staged.unlink(missing_ok=True)
    finally:
        results.close()
        journal.close()
    sweep_stale(out_dir)  # what workers killed during the run left (a crashed worker's partial file)
    if outcome.interrupted:
        report.not_processed = len(inputs) - len(report.results)
    try:
        outcome.report_path, _csv = report.write()
    except OSError as exc:  # the files are written and verified: the user still gets the summary
        outcome.report_error = os.strerror(exc.errno) if exc.errno else "input/output error"
    return outcome


def _with_reused(results: Results, reused: dict[int, CleanResult]) -> Results:
    """The runner's results, with the files reused from an earlier run first (the publisher orders them)."""
    try:
        yield from reused.items()
        yield from results
    finally:
        close = getattr(results, "close", None)
        if close:
            close()


# Memory one worker needs for 12 MP photos with every detector (measured: RSS 1.6-1.9 GB for a
# serial run of 200 corpus photos); the default --jobs never plans more workers than fit.
MEMORY_PER_WORKER = 2 << 30


def default_jobs() -> int:
    """Every core, but no more workers than the machine's memory holds."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return cores  # no sysconf (Windows): the user lowers --jobs if memory is short
    return max(1, min(cores, memory // MEMORY_PER_WORKER))


def runner_for(jobs: int, scheduler: str | None) -> Runner:
    """Where the files run: a cluster, N worker processes, or (one job) this process."""
    if scheduler:
        from .cluster import cluster_runner
        return cluster_runner(scheduler)
    return run_here if jobs <= 1 else process_runner(jobs)
