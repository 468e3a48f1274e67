"""The flush interval is a promise: an event appended more than ``flush_interval`` before a
SIGKILL is on disk, at any append rate, through the store and through a background observer.

A child process appends at a given rate and logs, after each append returns, how many events
it has appended and when (``time.monotonic()``, one clock for every process of the machine).
The parent kills it with SIGKILL, opens the file and checks that every event logged as appended
before ``kill time - flush_interval - SLACK`` is stored. ``SLACK`` allows for the scheduler
running the writer thread late on a loaded machine; the store itself aims at committing an
event within about half the interval.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from panther_events import TestCreatedEvent
from panther_events.store import SQLiteEventStore

#: Scheduling slack (seconds) added to the flush interval before an event must be on disk.
SLACK = 0.05
INTERVAL = 0.1

_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from panther_events import EventManager, TestCreatedEvent
    from panther_events.observers import EventStoreObserver
    from panther_events.store import SQLiteEventStore

    path, mode, interval, log_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    store = SQLiteEventStore(path, flush_interval=interval)
    if mode.startswith("observer"):
        manager = EventManager()
        manager.register_observer(EventStoreObserver(store, "killed"), background=True)
        put = manager.publish
    else:
        put = lambda event: store.append(event, run_id="killed")

    def note(count):
        os.write(log, f"{count} {time.monotonic()}\\n".encode())

    print("ready", flush=True)
    i = 0
    while True:
        if mode.endswith("slow"):  # one event per second
            put(TestCreatedEvent(test_id=f"e{i}", test_name="x")); i += 1; note(i)
            time.sleep(1.0)
        elif mode.endswith("fast"):  # about a thousand per second
            put(TestCreatedEvent(test_id=f"e{i}", test_name="x")); i += 1; note(i)
            time.sleep(0.001)
        elif mode.endswith("max"):  # as fast as possible, without a pause
            for _ in range(100):
                put(TestCreatedEvent(test_id=f"e{i}", test_name="x")); i += 1
            note(i)
        else:  # bursts of 20,000 as fast as possible, then a pause
            for _ in range(200):
                for _ in range(100):
                    put(TestCreatedEvent(test_id=f"e{i}", test_name="x")); i += 1
                note(i)
            time.sleep(0.3)
    """
)


def _kill_and_count(tmp_path: Path, mode: str, run_for: float) -> tuple[int, int, float]:
    """Run the child in ``mode`` for ``run_for`` seconds, SIGKILL it; return (events due on
    disk, of them missing, age at the kill of the oldest missing one or 0)."""
    path, log = tmp_path / "kill.db", tmp_path / "appended.log"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), mode, str(INTERVAL), str(log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        time.sleep(run_for)
        killed_at = time.monotonic()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    due, due_time = 0, 0.0
    for line in log.read_text().splitlines():
        count, stamp = line.split()
        if float(stamp) <= killed_at - INTERVAL - SLACK:
            due, due_time = int(count), float(stamp)
    with SQLiteEventStore(path, create=False) as store:
        assert store.integrity_check() == ["ok"]
        stored = {e.entity_id for e in store.events("killed")}
    missing = [i for i in range(due) if f"e{i}" not in stored]
    age = killed_at - due_time if missing else 0.0
    print(
        f"\n{mode}: {len(stored)} stored, {due} appended more than {INTERVAL}+{SLACK}s "
        f"before SIGKILL, {len(missing)} of them lost"
    )
    return due, len(missing), age


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "run_for"),
    [
        ("store-slow", 3.5),
        ("store-fast", 2.0),
        ("store-burst", 2.2),
        ("store-burst", 2.45),
        ("store-max", 4.0),
        ("observer-slow", 3.5),
        ("observer-fast", 2.0),
        ("observer-burst", 2.2),
    ],
)
def test_events_older_than_flush_interval_survive_sigkill(
    tmp_path: Path, mode: str, run_for: float
) -> None:
    """SIGKILL loses nothing appended (or published to a background EventStoreObserver) more
    than flush_interval (+ SLACK) before it, at 1/s, ~1,000/s, in bursts, and as fast as it
    can for seconds (WAL checkpoints included)."""
    due, missing, age = _kill_and_count(tmp_path, mode, run_for)
    assert due > 0
    assert missing == 0, f"{missing} of {due} events lost; the oldest was {age:.3f}s old"


_READER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1])
    wanted = int(sys.argv[2])
    seen = 0
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while seen < wanted and time.monotonic() < deadline:
        count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        now = time.monotonic()
        for n in range(seen + 1, count + 1):
            print(n, now, flush=True)
        seen = max(seen, count)
        time.sleep(0.002)
    """
)


@pytest.mark.slow
def test_another_process_sees_each_event_within_the_interval(tmp_path: Path) -> None:
    """Appending one event every 50 ms, another process polling the file sees each one
    within flush_interval (+ SLACK) of its append."""
    path, count = tmp_path / "e.db", 20
    appended: list[float] = []
    with SQLiteEventStore(path, flush_interval=INTERVAL) as store:
        reader = subprocess.Popen(
            [sys.executable, "-c", _READER, str(path), str(count)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert reader.stdout is not None
            assert reader.stdout.readline() == "ready\n"
            for i in range(count):
                store.append(TestCreatedEvent(test_id=f"e{i}", test_name="x"), run_id="r")
                appended.append(time.monotonic())
                time.sleep(0.05)
            output, _ = reader.communicate(timeout=60)
        finally:
            reader.kill()
            reader.wait()
    seen = [float(line.split()[1]) for line in output.splitlines()]
    assert len(seen) == count
    worst = max(s - a for s, a in zip(seen, appended, strict=True))
    print(f"\nslowest event to become visible to another process: {worst * 1000:.0f} ms")
    assert worst <= INTERVAL + SLACK
