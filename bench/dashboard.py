"""The dashboard at scale: the run page of a 100,000-event run, and the server's memory while
events stream in to open live pages.

Usage::

    python bench/dashboard.py            # 100,000 events, then 100,000 more streamed in
    python bench/dashboard.py --events 20000 --stream 20000

Prints the time to the run page's complete first response (a fresh server: nothing cached),
then warm, a deep page of the event list, and the server process's resident memory sampled
while another writer appends events and two live streams follow them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from panther_events.events.service import ServiceHealthCheckPassedEvent  # noqa: E402
from panther_events.store.sqlite import SQLiteEventStore  # noqa: E402
from tests.web._runs import big_run  # noqa: E402

CLI = Path(sys.executable).parent / "panther-events"


def _serve(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [str(CLI), "serve", "--db", str(db), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().split(": ", 1)[1].split()[0]
    return proc, url


def _timed_get(url: str) -> float:
    start = time.perf_counter()
    response = httpx.get(url, timeout=60)
    response.raise_for_status()
    return time.perf_counter() - start


def _follow(url: str, stop: threading.Event, seen: list[int]) -> None:
    with httpx.stream("GET", url, timeout=60) as response:
        for line in response.iter_lines():
            if line.startswith("id: "):
                seen.append(int(line[4:]))
            if stop.is_set():
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--stream", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.db"
        started = time.perf_counter()
        run_id = big_run(db, args.events)
        print(f"stored a run of {args.events:,} events in {time.perf_counter() - started:.1f} s")

        cold = []
        for _ in range(3):
            proc, url = _serve(db)
            try:
                cold.append(_timed_get(f"{url}runs/{run_id}"))
            finally:
                proc.terminate()
                proc.wait()
        proc, url = _serve(db)
        try:
            warm = [_timed_get(f"{url}runs/{run_id}") for _ in range(5)]
            deep = _timed_get(f"{url}runs/{run_id}?page={args.events // 200}")
            print(f"run page, a fresh server's first response: {statistics.median(cold):.3f} s")
            print(f"run page, warm: median {statistics.median(warm):.3f} s")
            print(f"event list page {args.events // 200} (the middle): {deep:.3f} s")

            server = psutil.Process(proc.pid)
            stop = threading.Event()
            seen: list[list[int]] = [[], []]
            followers = [
                threading.Thread(target=_follow, args=(f"{url}api/runs/{run_id}/live", stop, s))
                for s in seen
            ]
            for follower in followers:
                follower.start()
            time.sleep(1)
            samples = [server.memory_info().rss]
            with SQLiteEventStore(db) as store:
                sid = f"{run_id}/test-0/service/server"
                for chunk in range(0, args.stream, 1000):
                    store.append_many(
                        [
                            ServiceHealthCheckPassedEvent(sid, "server", "tcp", response_time_ms=i)
                            for i in range(chunk, chunk + 1000)
                        ],
                        run_id=run_id,
                    )
                    store.flush()
                    samples.append(server.memory_info().rss)
                    time.sleep(0.02)
            time.sleep(2)
            samples.append(server.memory_info().rss)
            stop.set()
            httpx.get(url, timeout=10)  # wakes the followers' last read
            for follower in followers:
                follower.join(timeout=10)
            mb = [s / 1e6 for s in samples]
            print(
                f"server RSS while {args.stream:,} events streamed to 2 live pages: "
                f"start {mb[0]:.1f} MB, max {max(mb):.1f} MB, end {mb[-1]:.1f} MB "
                f"({len(seen[0])} and {len(seen[1])} messages received)"
            )
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
