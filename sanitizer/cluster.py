"""`sanitize clean --scheduler tcp://IP:PORT`: the same per-file job on a Dask distributed cluster.

Dask is an optional extra (`pip install phi-sanitizer[cluster]`) and is imported only here,
only when a scheduler is named: the desktop app and a plain `clean` never need it.

Who talks to whom, and what the network guard (sanitizer/netguard.py) lets through:
- The client (`sanitize clean`) connects to the scheduler's address and nothing else: results
  come back through the scheduler (`direct_to_workers=False`), never straight from a worker.
- A worker process connects to the scheduler and to its own nanny (the process that started
  it, on the same machine). The jobs are independent (no task needs another's result), so a
  worker never needs to fetch data from another worker; those connections stay refused.
  Connections *to* a worker (from the scheduler, its nanny) are accepted, not made, by it.
- Addresses must be IP literals: name lookups stay refused everywhere.
The guard is installed in a worker process by `--preload sanitizer.cluster` when it starts
(`dask_setup` below), and again by the first job in case the worker was started without it.

Inputs and the output folder must be on a path every worker sees under the same name (a
shared folder mounted at the same place). A worker writes the verified file under a staged
name in the output folder; the client gives it its final name and writes the report.
"""
from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING, Sequence
from urllib.parse import urlsplit

from . import __version__, netguard
from .errors import BatchStopped

if TYPE_CHECKING:
    from .batch import FileJob, Results, Runner
    from .pipeline import CleanResult

INSTALL_HINT = "--scheduler needs Dask: install the cluster extra (pip install 'phi-sanitizer[cluster]')"
# How long the client waits for the scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 30


class ClusterUnavailable(BatchStopped):
    pass


def parse_address(address: str) -> tuple[str, int]:
    """(ip, port) of `tcp://IP:PORT`; ValueError in plain words for anything else."""
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "tcp" or not parts.hostname or port is None:
        raise ValueError(f"the scheduler address must look like tcp://192.0.2.10:8786, not {address!r}")
    try:
        ip = ipaddress.ip_address(parts.hostname)
    except ValueError:
        raise ValueError("give the scheduler as an IP address (tcp://IP:PORT): name lookups stay "
                         "blocked by the network guard") from None
    return ip.compressed, port


def check_scheduler_address(address: str) -> None:
    """Raise ValueError / ClusterUnavailable before anything is done, so it is a usage error."""
    parse_address(address)
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterUnavailable(INSTALL_HINT) from None


def cluster_runner(address: str) -> "Runner":
    def run(jobs: "Sequence[FileJob]") -> "Results":
        return _run_on_cluster(address, jobs)
    return run


def _run_on_cluster(address: str, jobs: "Sequence[FileJob]") -> "Results":
    host, port = parse_address(address)
    netguard.allow_connections_to(host, port)
    from distributed import Client, as_completed

    from .batch import failed
    try:
        client = Client(address, direct_to_workers=False, set_as_default=False, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(f"the scheduler at {address} cannot be reached ({type(exc).__name__})") from None
    futures = {}
    batch = uuid.uuid4().hex[:12]  # keys unique across clients sharing the scheduler
    try:
        for job in jobs:
            # pure=False: two identical inputs are two jobs, never one cached result.
            futures[client.submit(clean_on_worker, job, pure=False, key=f"sanitize-{batch}-{job.index}")] = job
        finished = as_completed(futures, with_results=True, raise_errors=False, loop=client.loop)
        for future, result in finished:
            job = futures.pop(future)
            if isinstance(result, BaseException):
                # The job itself never raises (per-file problems are results); this is the cluster:
                # a worker that died on this file three times, a job cancelled by an operator.
                result = failed(job, f"the cluster could not run this file ({type(result).__name__})")
            future.release()
            yield job.index, result
    finally:
        if futures:
            client.cancel(list(futures))
        client.close()


def clean_on_worker(job: "FileJob") -> "CleanResult":
    """The job as a Dask worker runs it: guard this process, check the engine version, clean."""
    from distributed import get_worker

    from .batch import clean_one, failed
    guard_worker(get_worker())
    if job.app_version != __version__:
        return failed(job, f"this worker runs sanitizer {__version__}, the client {job.app_version}: "
                           "install the same version on every machine")
    return clean_one(job)


def guard_worker(worker) -> None:
    """Network only to this worker's scheduler and nanny (see the module doc); importing this
    package has already switched onnxruntime's telemetry off (sanitizer/__init__)."""
    from .batch import prepare_worker_process
    for address in (worker.scheduler.address, worker.nanny):
        if address:
            netguard.allow_connections_to(*parse_address(address))
    prepare_worker_process()


def dask_setup(worker) -> None:
    """`dask worker ... --preload sanitizer.cluster`: guard the worker process before any job."""
    guard_worker(worker)
