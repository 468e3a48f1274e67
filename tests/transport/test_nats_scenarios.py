"""Several hosts, one collector, and failures on every side: nothing lost, nothing doubled.

Each test starts its own ``nats-server -js`` (real processes, 127.0.0.1, temporary store),
runs worker hosts as separate processes (``_worker.py``: an EventManager with a NatsPublisher)
and collects into a real SQLite store, then checks the store and the stream exactly.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport.nats import NatsSubscriber

from ._events import stored_counts, stored_total, stream_messages, wait_for
from ._server import NatsServer

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("_worker.py")
PER_WORKER = 10_000


def start_worker(url: str, run_id: str, *args: str) -> subprocess.Popen[str]:
    """Start one worker host process publishing ``PER_WORKER`` events of ``run_id``."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, run_id, str(PER_WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(worker: subprocess.Popen[str]) -> dict[str, object]:
    """Wait for a worker; it must exit 0; returns the publisher counters it printed."""
    out, err = worker.communicate(timeout=240)
    assert worker.returncode == 0, err[-3000:]
    stats: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return stats


def collect(url: str, db: Path, *, idle_timeout: float = 2.0) -> int:
    """Run a collector in this process until the stream stays idle; returns deliveries."""
    store = SQLiteEventStore(db)
    try:
        with NatsSubscriber(url, store, batch=1000) as subscriber:
            return subscriber.run(idle_timeout=idle_timeout)
    finally:
        store.close()


def collector_cli(url: str, db: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``panther-events collect`` as its own process."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from panther_events.cli import main; main()",
            "collect",
            "--nats",
            url,
            "--db",
            str(db),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class TestManyHosts:
    """Concurrent worker processes feeding one collector."""

    def test_three_workers_at_once_store_exactly_thirty_thousand(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """Three worker processes publish 10,000 events each at the same time: 30,000 stored."""
        url = fresh_nats_server.url
        workers = [start_worker(url, f"host{n}-run") for n in range(3)]
        stats = [finish(w) for w in workers]
        assert [s["sent"] for s in stats] == [PER_WORKER] * 3
        assert [s["dropped"] for s in stats] == [0, 0, 0]
        db = tmp_path / "central.db"
        assert collect(url, db) == 3 * PER_WORKER
        assert stored_counts(db) == (3 * PER_WORKER, 3 * PER_WORKER)
        assert stream_messages(url) == 3 * PER_WORKER

    def test_worker_killed_and_restarted_resends_without_duplicates(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """A worker SIGKILLed mid-run and started again re-sends its run; each event once."""
        url = fresh_nats_server.url
        first = start_worker(url, "victim", "--rate", "4000")
        wait_for(lambda: stream_messages(url) >= 1000)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        partial = stream_messages(url)
        assert 0 < partial < PER_WORKER
        stats = finish(start_worker(url, "victim"))
        assert stats["sent"] == PER_WORKER
        assert stream_messages(url) == PER_WORKER  # the re-sent ones were stored once
        db = tmp_path / "central.db"
        assert collect(url, db) == PER_WORKER
        assert stored_counts(db) == (PER_WORKER, PER_WORKER)


class TestServerRestart:
    """The NATS server dies in the middle of a run."""

    def test_server_killed_mid_run_every_event_arrives_once(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """Workers buffer and spool while the server is down, then deliver everything once."""
        url = fresh_nats_server.url
        done = [tmp_path / f"done-{n}" for n in range(2)]
        workers = [
            start_worker(
                url, f"host{n}", "--rate", "5000", "--max-buffer", "500", "--done-file", str(d)
            )
            for n, d in enumerate(done)
        ]
        wait_for(lambda: stream_messages(url) >= 2000)
        fresh_nats_server.kill(signal.SIGKILL)
        # The workers keep publishing: past 500 events in memory they spool to disk.
        wait_for(lambda: all(d.exists() for d in done), deadline=120)
        fresh_nats_server.start()
        stats = [finish(w) for w in workers]
        assert [s["sent"] for s in stats] == [PER_WORKER, PER_WORKER]
        assert [s["dropped"] for s in stats] == [0, 0]
        assert any(int(str(s["spooled"])) > 0 for s in stats)  # the spool was used
        db = tmp_path / "central.db"
        collect(url, db)
        assert stored_counts(db) == (2 * PER_WORKER, 2 * PER_WORKER)
        assert stream_messages(url) == 2 * PER_WORKER


class TestCollectorRestart:
    """The central collector dies and comes back."""

    def test_collector_killed_resumes_from_its_durable_position(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """A SIGKILLed collector restarted with the same consumer loses and doubles nothing."""
        url = fresh_nats_server.url
        assert finish(start_worker(url, "run-x"))["sent"] == PER_WORKER
        assert finish(start_worker(url, "run-y"))["sent"] == PER_WORKER
        db = tmp_path / "central.db"
        first = collector_cli(url, db, "--batch", "200", "--ack-wait", "2")
        # Killed right after its first commits, far from done even on a much faster machine.
        wait_for(lambda: stored_total(db) >= 200)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert stored_total(db) < 2 * PER_WORKER
        second = collector_cli(url, db, "--ack-wait", "2", "--idle-timeout", "4", "--json")
        out, err = second.communicate(timeout=240)
        assert second.returncode == 0, err[-3000:]
        assert json.loads(out)["events"] > 0
        assert stored_counts(db) == (2 * PER_WORKER, 2 * PER_WORKER)

    def test_sigterm_drains_acks_and_exits_zero(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """SIGTERM makes the collector finish its batch, flush the store and exit 0."""
        url = fresh_nats_server.url
        assert finish(start_worker(url, "run-z"))["sent"] == PER_WORKER
        db = tmp_path / "central.db"
        collector = collector_cli(url, db, "--json")
        wait_for(lambda: stored_total(db) == PER_WORKER)
        collector.send_signal(signal.SIGTERM)
        out, err = collector.communicate(timeout=60)
        assert collector.returncode == 0, err[-3000:]
        assert json.loads(out)["events"] == PER_WORKER
        # Everything was acknowledged: a new collector on the same consumer gets nothing.
        assert collect(url, tmp_path / "second.db", idle_timeout=1.5) == 0


class TestRunAndCollect:
    """The two commands together: a worker's run arrives whole in the central store."""

    def test_run_with_nats_then_collect(self, nats_server: NatsServer, tmp_path: Path) -> None:
        """`run --nats` then `collect`: the central store holds the same run, same events."""
        example = Path(__file__).resolve().parents[2] / "examples" / "echo.yaml"
        run = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()",
             "--db", str(tmp_path / "local.db"), "run", str(example), "--nats",
             nats_server.url, "-q"],
            check=False,
            capture_output=True,
            text=True,
            timeout=240,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        central = tmp_path / "central.db"
        collector = collector_cli(nats_server.url, central, "--idle-timeout", "2")
        _, err = collector.communicate(timeout=240)
        assert collector.returncode == 0, err[-3000:]
        with (
            SQLiteEventStore(tmp_path / "local.db", create=False) as local,
            SQLiteEventStore(central, create=False) as merged,
        ):
            (run_info,) = local.runs()
            assert [r.run_id for r in merged.runs()] == [run_info.run_id]
            mine = local.events(run_info.run_id)
            theirs = merged.events(run_info.run_id)
        assert len(theirs) == len(mine) > 0
        assert {e.id for e in theirs} == {e.id for e in mine}
