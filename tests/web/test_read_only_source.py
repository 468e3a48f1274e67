"""The dashboard opens the store read-only: it never changes, migrates or write-locks a store
that a run is writing, including a WAL-mode file whose ``-wal`` and ``-shm`` files exist."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from panther_events import StoreError, TestCreatedEvent
from panther_events.store import SQLiteEventStore
from panther_events.web._source import Source

from ._runs import ROOT, cli

# Writes a run in many small transactions with no patience for locks (busy_timeout 0): any
# lock the reader takes makes a commit fail, and the store then fails for good.
_IMPATIENT_WRITER = textwrap.dedent(
    """
    import sys
    from panther_events import TestCreatedEvent
    from panther_events.store import SQLiteEventStore
    with SQLiteEventStore(sys.argv[1], busy_timeout=0.0, flush_interval=0.001) as store:
        print("open", flush=True)
        for i in range(int(sys.argv[2])):
            store.append(TestCreatedEvent(f"t{i}", "x"), run_id="live")
            if i % 10 == 0:
                store.flush()
    print("done", flush=True)
    """
)


def _digest(path: Path) -> dict[str, str | None]:
    """The content of the store's file and its -wal and -shm files (None: absent)."""
    files = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    return {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None for f in files
    }


def _read_everything(source: Source) -> None:
    for row in source.runs():
        source.summary(row.info.run_id)
        source.intervals(row.info.run_id)
        source.events(
            row.info.run_id, type_pattern=None, entity_id=None, page=1, size=50, newest_first=True
        )


def _killed_writer_store(tmp_path: Path) -> Path:
    """A store whose writer was killed after committing an event of run ``r``: its -wal
    and -shm files stay behind."""
    path = tmp_path / "events.db"
    with subprocess.Popen(
        [sys.executable, "-m", "tests.web._writer", str(path), "r", "t", "hold"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "stored"
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
    assert path.with_name("events.db-wal").stat().st_size > 0
    return path


def _assert_unchanged(path: Path, before: dict[str, str | None]) -> None:
    after = _digest(path)
    assert after["events.db"] == before["events.db"]
    assert after["events.db-wal"] == before["events.db-wal"]


def test_dashboard_never_modifies_a_store_left_by_a_killed_writer(tmp_path: Path) -> None:
    """A WAL store whose writer was killed keeps its -wal and -shm files: the dashboard reads
    it all, and after it closes, the file and its -wal are byte for byte what they were (a
    read-write connection would have checkpointed the WAL into the file and deleted it)."""
    path = _killed_writer_store(tmp_path)
    before = _digest(path)
    source = Source(path)
    try:
        assert source.store.read_only
        _read_everything(source)
        assert [row.info.event_count for row in source.runs()] == [1]
    finally:
        source.close()
    _assert_unchanged(path, before)


def test_compare_command_never_modifies_a_store_left_by_a_killed_writer(tmp_path: Path) -> None:
    """``panther-events compare`` reads such a store and leaves it byte for byte as it was."""
    path = _killed_writer_store(tmp_path)
    before = _digest(path)
    proc = cli("compare", "r", "r", "--db", str(path))
    assert proc.returncode == 0, proc.stderr
    _assert_unchanged(path, before)


def test_dashboard_never_migrates_an_old_store(tmp_path: Path) -> None:
    """A store of an older schema is not migrated by the dashboard: it refuses with the
    remedy, and the file is unchanged."""
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as store:
        store.append(TestCreatedEvent("t", "x"), run_id="r")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 3")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(
        StoreError, match=r"read-only.*cannot be migrated.*panther-events runs --db"
    ):
        Source(path)
    assert _digest(path)["events.db"] == before["events.db"]


def test_writer_never_gets_busy_from_the_dashboard(tmp_path: Path) -> None:
    """A run committing small batches with no busy timeout completes while dashboards open,
    read everything and close the same store over and over."""
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as store:
        store.append(TestCreatedEvent("t", "x"), run_id="earlier")
    writer = subprocess.Popen(
        [sys.executable, "-c", _IMPATIENT_WRITER, str(path), "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "open"
        reads = 0
        while writer.poll() is None:
            source = Source(path)
            try:
                _read_everything(source)
            finally:
                source.close()
            reads += 1
        out, err = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == 0, err
    assert "done" in out
    assert reads > 1
    with SQLiteEventStore(path, read_only=True) as store:
        assert [(i.run_id, i.event_count) for i in store.runs()] == [("earlier", 1), ("live", 3000)]


def test_read_only_store_refuses_appends_naming_the_option(tmp_path: Path) -> None:
    """``read_only=True`` on a writable file: queries work, appends are refused naming the
    option, a missing file is an error (never created)."""
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as store:
        store.append(TestCreatedEvent("t", "x"), run_id="r")
    with SQLiteEventStore(path, read_only=True) as store:
        assert store.read_only
        assert [e.entity_id for e in store.events("r")] == ["t"]
        with pytest.raises(StoreError, match=r"read_only=True"):
            store.append(TestCreatedEvent("u", "x"), run_id="r")
    with pytest.raises(StoreError, match="no event store"):
        SQLiteEventStore(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()
