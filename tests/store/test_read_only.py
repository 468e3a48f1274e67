"""A store on a read-only file system is opened read-only: every query works, appends are
refused with a clear message, and no message calls a valid store something else."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from panther_events import StoreError, TestCreatedEvent
from panther_events.store import SQLiteEventStore

from .conftest import remount


def _write_run(path: Path) -> None:
    with SQLiteEventStore(path) as store:
        store.append_many([TestCreatedEvent(f"t{i}", "x") for i in range(5)], run_id="r")


def test_store_on_a_read_only_mount_can_be_read(small_fs: Path) -> None:
    """A cleanly closed store on a file system remounted read-only opens (read_only is
    True), answers queries, and refuses appends naming the reason."""
    path = small_fs / "events.db"
    _write_run(path)
    remount(small_fs, "ro")
    try:
        with SQLiteEventStore(path) as store:
            assert store.read_only
            assert [e.entity_id for e in store.events("r")] == [f"t{i}" for i in range(5)]
            assert [info.event_count for info in store.runs()] == [5]
            assert store.resolve_run("latest") == "r"
            with pytest.raises(StoreError, match="read-only") as caught:
                store.append(TestCreatedEvent("new", "x"), run_id="r")
            assert "not a panther-events database" not in str(caught.value)
    finally:
        remount(small_fs, "rw")


_KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from panther_events import TestCreatedEvent
    from panther_events.store import SQLiteEventStore
    store = SQLiteEventStore(sys.argv[1])
    store.append_many([TestCreatedEvent(f"t{i}", "x") for i in range(5)], run_id="r")
    store.flush()
    print("flushed", flush=True)
    sys.stdin.read()
    """
)


def test_store_left_by_a_killed_writer_on_a_read_only_mount_can_be_read(
    small_fs: Path,
) -> None:
    """A writer killed with its WAL file still beside the database; the mount then made
    read-only: the store opens and shows every committed event."""
    path = small_fs / "events.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline() == "flushed\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stdin.close()
    assert Path(f"{path}-wal").exists()
    remount(small_fs, "ro")
    try:
        with SQLiteEventStore(path, create=False) as store:
            assert store.read_only
            assert len(store.events("r")) == 5
    finally:
        remount(small_fs, "rw")


def test_read_only_old_schema_names_the_remedy(small_fs: Path) -> None:
    """A read-only store of an older schema cannot be migrated: the message says so and
    what to do, and does not call it a foreign file."""
    path = small_fs / "events.db"
    _write_run(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 3")
    conn.commit()
    conn.close()
    remount(small_fs, "ro")
    try:
        with pytest.raises(StoreError, match=r"read-only.*cannot be migrated") as caught:
            SQLiteEventStore(path)
        assert "not a panther-events" not in str(caught.value)
    finally:
        remount(small_fs, "rw")


def test_new_store_on_a_read_only_mount_says_why(small_fs: Path) -> None:
    """Creating a store (or its directory) on a read-only mount raises one StoreError with
    the system's reason."""
    remount(small_fs, "ro")
    try:
        for path in (small_fs / "events.db", small_fs / "sub" / "events.db"):
            with pytest.raises(StoreError, match=r"cannot create.*[Rr]ead-only") as caught:
                SQLiteEventStore(path)
            assert str(path) in str(caught.value)
            assert "not a panther-events" not in str(caught.value)
    finally:
        remount(small_fs, "rw")
