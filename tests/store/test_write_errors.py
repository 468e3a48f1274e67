"""Write errors on a real full file system: named with SQLite's own reason, never lost.

A store whose commit fails stays failed: every later ``append``, ``flush`` and ``close``
raises a ``StoreError`` naming the file, the cause and how many accepted events were not
stored. The tests fill a small tmpfs (``small_fs``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from panther_events import StoreError, TestCreatedEvent
from panther_events.store import SQLiteEventStore


def _fill(directory: Path) -> None:
    """Write a file until the file system is full."""
    with (directory / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


def test_full_disk_fails_the_store_for_good_naming_the_cause(small_fs: Path) -> None:
    """On a full file system, 50 appended events cannot be stored: flush() raises (never
    returns True) with "database or disk is full" and the path, and so does every later
    append, flush and close."""
    path = small_fs / "events.db"
    store = SQLiteEventStore(path, flush_interval=0.05)
    store.append(TestCreatedEvent("before", "x"), run_id="r")
    assert store.flush()
    _fill(small_fs)
    for i in range(50):
        store.append(TestCreatedEvent(f"t{i}", "x" * 2000), run_id="r")
    with pytest.raises(StoreError) as caught:
        store.flush()
    message = str(caught.value)
    print(f"\nflush() on a full disk: {message}")
    assert "database or disk is full" in message
    assert str(path) in message
    assert "50 event(s) accepted were not stored" in message
    for attempt in (
        lambda: store.append(TestCreatedEvent("after", "x"), run_id="r"),
        lambda: store.append_many([TestCreatedEvent("after", "x")], run_id="r"),
        store.flush,
        store.close,
        store.close,
    ):
        with pytest.raises(StoreError, match="database or disk is full"):
            attempt()
    (small_fs / "filler").unlink()
    with SQLiteEventStore(path) as reader:
        assert [e.entity_id for e in reader.events("r")] == ["before"]


def test_full_disk_on_close_is_not_silent(small_fs: Path) -> None:
    """Events still buffered when close() finds the disk full make close() raise."""
    path = small_fs / "events.db"
    store = SQLiteEventStore(path, flush_interval=60)
    store.append(TestCreatedEvent("before", "x"), run_id="r")
    assert store.flush()
    _fill(small_fs)
    store.append_many([TestCreatedEvent(f"t{i}", "x" * 2000) for i in range(50)], run_id="r")
    with pytest.raises(StoreError, match=r"50 event\(s\) accepted were not stored"):
        store.close()


_FORGETS_CLOSE = textwrap.dedent(
    """
    import sys
    from panther_events import TestCreatedEvent
    from panther_events.store import SQLiteEventStore
    store = SQLiteEventStore(sys.argv[1], flush_interval=60)
    store.append(TestCreatedEvent("before", "x"), run_id="r")
    store.flush()
    with open(sys.argv[2], "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(bytes(4096))
        except OSError:
            pass
    store.append_many([TestCreatedEvent(f"t{i}", "x" * 2000) for i in range(50)], run_id="r")
    """
)


def test_full_disk_at_exit_is_logged(small_fs: Path) -> None:
    """A script that never closes its store on a full disk: the exit hook that closes it
    logs the lost events and the cause on stderr rather than hiding them."""
    done = subprocess.run(
        [sys.executable, "-c", _FORGETS_CLOSE, str(small_fs / "e.db"), str(small_fs / "fill")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "50 event(s) accepted were not stored (database or disk is full)" in done.stderr
