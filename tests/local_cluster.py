"""A Dask LocalCluster in a process of its own, for tests/test_batch.py and bench/bench_batch.py.

Loopback only, 2 single-threaded worker processes, each guarded by `--preload sanitizer.cluster`
as IT starts real workers. Its own process keeps the suite's network guard untouched: the
scheduler it hosts must connect to the workers. `probe_workers` asks every worker what its
network guard let through while it cleaned, and tries two connections it must refuse.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    from distributed import Client, LocalCluster

    def probe(dask_worker):
        import socket
        from sanitizer import netguard
        blocked_while_cleaning = list(netguard.blocked_attempts)
        tries = {}
        for name, address in (("internet", ("192.0.2.1", 80)), ("other loopback port", ("127.0.0.1", 9))):
            try:
                socket.socket().connect(address)
                tries[name] = "connected"
            except netguard.NetworkBlocked:
                tries[name] = "refused"
            except OSError:
                tries[name] = "allowed"
        return {"installed": netguard.installed(), "peers": sorted(map(list, netguard._allowed_peers)),
                "nanny": dask_worker.nanny, "blocked": blocked_while_cleaning, "tries": tries}

    if __name__ == "__main__":
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, worker_dashboard_address=None,
                          preload=["sanitizer.cluster"]) as cluster:
            print(cluster.scheduler_address, flush=True)
            if sys.stdin.readline().strip() == "probe":
                with Client(cluster) as client:
                    print(json.dumps(client.run(probe)), flush=True)
                sys.stdin.readline()
""")


def start(env: dict) -> tuple[subprocess.Popen, str]:
    """The cluster's process and its scheduler address (tcp://127.0.0.1:PORT)."""
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = proc.stdout.readline().strip()  # type: ignore[union-attr]
    if not address:
        stop(proc)
        raise RuntimeError("the LocalCluster did not start")
    return proc, address


def probe_workers(proc: subprocess.Popen) -> dict:
    proc.stdin.write("probe\n")  # type: ignore[union-attr]
    proc.stdin.flush()  # type: ignore[union-attr]
    return json.loads(proc.stdout.readline())  # type: ignore[union-attr]


def stop(proc: subprocess.Popen) -> None:
    proc.stdin.close()  # type: ignore[union-attr]
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
