"""The SQLite store: the shared contract plus durability, migrations and file errors."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from panther_events import CorruptStoreError, StoreError, TestCreatedEvent
from panther_events.store import SCHEMA_VERSION, SQLiteEventStore
from panther_events.store._schema import _migrate_1, _migrate_2, _migrate_3

from .contract import StoreContract, sample_run


def _shown_columns(path: Path) -> list[tuple[str, ...]]:
    """What the sqlite3 shell shows for the query a person would type."""
    raw = sqlite3.connect(path)
    try:
        return raw.execute(
            "select type, name, entity_type, entity_id, timestamp from events limit 5"
        ).fetchall()
    finally:
        raw.close()


class TestSQLiteEventStore(StoreContract):
    """SQLiteEventStore honours the store contract."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SQLiteEventStore]:
        s = SQLiteEventStore(tmp_path / "events.db", flush_interval=0.05)
        yield s
        s.close()


class TestSQLiteFiles:
    """Opening, reopening and refusing files."""

    def test_events_survive_reopening(self, tmp_path: Path) -> None:
        """What one store object wrote, a new one over the same file reads."""
        path = tmp_path / "e.db"
        with SQLiteEventStore(path) as store:
            store.append_many(sample_run(), run_id="r1")
        with SQLiteEventStore(path, create=False) as again:
            assert len(again.events("r1")) == 12
            assert again.runs()[0].status == "completed"
            assert again.integrity_check() == ["ok"]

    def test_uses_wal_and_records_schema_version(self, tmp_path: Path) -> None:
        """The file is in WAL mode and holds the current schema version."""
        path = tmp_path / "e.db"
        SQLiteEventStore(path).close()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [
                (SCHEMA_VERSION,)
            ]
        finally:
            conn.close()

    def test_missing_file_without_create_names_the_path(self, tmp_path: Path) -> None:
        """create=False on a missing file raises StoreError naming it, creating nothing."""
        path = tmp_path / "absent.db"
        with pytest.raises(StoreError, match=r"no event store at .*absent\.db"):
            SQLiteEventStore(path, create=False)
        assert not path.exists()

    def test_garbage_file_is_corrupt(self, tmp_path: Path) -> None:
        """A file that is not SQLite raises CorruptStoreError, not sqlite3's error."""
        path = tmp_path / "junk.db"
        path.write_bytes(b"this is not a database at all" * 100)
        with pytest.raises(CorruptStoreError, match=r"junk\.db"):
            SQLiteEventStore(path)

    def test_foreign_sqlite_database_is_refused(self, tmp_path: Path) -> None:
        """An SQLite file of another application is not taken over."""
        path = tmp_path / "other.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.commit()
        conn.close()
        with pytest.raises(CorruptStoreError, match="not a panther-events event store"):
            SQLiteEventStore(path)

    def test_newer_schema_is_refused(self, tmp_path: Path) -> None:
        """A file written by a newer version asks for an upgrade instead of guessing."""
        path = tmp_path / "e.db"
        SQLiteEventStore(path).close()
        conn = sqlite3.connect(path)
        conn.execute("UPDATE schema_version SET version = 99")
        conn.commit()
        conn.close()
        with pytest.raises(StoreError, match=r"schema version 99.*upgrade"):
            SQLiteEventStore(path)

    def test_version_1_file_is_migrated_with_run_summaries_backfilled(self, tmp_path: Path) -> None:
        """Opening a schema-1 file migrates it and fills the run summaries from its events."""
        path = tmp_path / "old.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        _migrate_1(conn)
        conn.execute("INSERT INTO runs (run_key, run_id) VALUES (1, 'old-run')")
        for seq, stamp in ((1, "2026-01-01T00:00:01+00:00"), (2, "2026-01-01T00:00:09+00:00")):
            conn.execute(
                "INSERT INTO events (run_key, seq, id_key, id, type, name, entity_type, "
                "entity_id, timestamp, ts, data) VALUES (1, ?, ?, ?, 'test.created', 'created', "
                "'test', 't', ?, ?, '{}')",
                (seq, seq, f"id-{seq}", stamp, 1767225600 + (1 if seq == 1 else 9)),
            )
        conn.close()
        with SQLiteEventStore(path) as store:
            (info,) = store.runs()
            assert (info.run_id, info.event_count) == ("old-run", 2)
            assert info.first_time is not None and info.first_time.second == 1
            assert info.last_time is not None and info.last_time.second == 9
            store.append(TestCreatedEvent("t2", "x"), run_id="old-run")
            assert [e.seq for e in store.events("old-run")] == [1, 2, 3]

    def test_version_2_file_is_migrated_keeping_every_field(self, tmp_path: Path) -> None:
        """Schema 2 kept name, entity type and ISO text in every row; after the migrations
        the same events come back, every column as written."""
        path = tmp_path / "v2.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (2)")
        _migrate_1(conn)
        _migrate_2(conn)
        conn.execute("INSERT INTO runs (run_key, run_id) VALUES (1, 'old-run')")
        rows = [
            # seq, type, name, entity_type, timestamp
            (1, "test.created", "created", "test", "2026-01-01T00:00:01.250000+00:00"),
            (2, "packet_lost", "packet_lost", "system", "2026-01-01T02:00:02+02:00"),
            (3, "a.b.c", "c", "a.b", "2026-01-01T00:00:03+00:00"),
        ]
        for seq, type_, name, entity_type, stamp in rows:
            conn.execute(
                "INSERT INTO events (run_key, seq, id_key, id, type, name, entity_type, "
                "entity_id, timestamp, ts, data) VALUES (1, ?, ?, ?, ?, ?, ?, 'e', ?, ?, ?)",
                (
                    seq,
                    seq,
                    f"id-{seq}",
                    type_,
                    name,
                    entity_type,
                    stamp,
                    datetime.fromisoformat(stamp).timestamp(),
                    f'{{"n":{seq}}}',
                ),
            )
        conn.close()
        with SQLiteEventStore(path) as store:
            got = store.events("old-run")
            assert [(e.seq, e.id, e.type, e.name, e.entity_type) for e in got] == [
                (seq, f"id-{seq}", t, n, et) for seq, t, n, et, _ in rows
            ]
            assert [e.timestamp.isoformat() for e in got] == [r[4] for r in rows]
            assert [e.data for e in got] == [{"n": 1}, {"n": 2}, {"n": 3}]
            # Re-appending a migrated id is still a no-op; a new event continues the seq.
            first = store.events("old-run")[0].to_event()
            store.append_many([TestCreatedEvent("t2", "x"), first], run_id="old-run")
            assert [e.seq for e in store.events("old-run")] == [1, 2, 3, 4]
        raw = sqlite3.connect(path)
        try:
            columns = raw.execute(
                "SELECT seq, name, entity_type, timestamp FROM events ORDER BY seq LIMIT 3"
            ).fetchall()
            assert columns == [(seq, n, et, stamp) for seq, _, n, et, stamp in rows]
        finally:
            raw.close()

    def test_version_3_file_is_migrated_to_columns_that_hold_what_they_say(
        self, tmp_path: Path
    ) -> None:
        """Schema 3 left name, entity_type and timestamp empty where derivable; after the
        migration to 4 the columns hold the real values (a UTC timestamp formatted exactly as
        Python gives it back, microseconds rounded half to even), and values schema 3 kept
        stay as they were."""
        path = tmp_path / "v3.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (3)")
        for migrate in (_migrate_1, _migrate_2, _migrate_3):
            migrate(conn)
        conn.execute("INSERT INTO runs (run_key, run_id) VALUES (1, 'old-run')")
        half = 1764500000 + 2**-7  # 7812.5 microseconds: rounds half to even, to 7812
        rows = [
            # type, name, entity_type, ts, timestamp as schema 3 stored them
            ("test.created", "", "", 1767225601.25, ""),
            ("test.completed", "", "", half, ""),
            ("packet_lost", "packet_lost", "system", 1767232802.0, "2026-01-01T02:00:02+02:00"),
            ("a.b.c", "c", "a.b", 1767225603.0, ""),
        ]
        for seq, (type_, name, entity_type, ts, stamp) in enumerate(rows, start=1):
            conn.execute(
                "INSERT INTO events (run_key, seq, id, type, entity_id, ts, data, name, "
                "entity_type, timestamp) VALUES (1, ?, ?, ?, 'e', ?, '{}', ?, ?, ?)",
                (seq, f"id-{seq}", type_, ts, name, entity_type, stamp),
            )
        conn.close()
        with SQLiteEventStore(path) as store:
            got = store.events("old-run")
        columns = _shown_columns(path)
        utc = [datetime.fromtimestamp(r[3], UTC).isoformat() for r in rows]
        assert columns == [
            ("test.created", "created", "test", "e", utc[0]),
            ("test.completed", "completed", "test", "e", utc[1]),
            ("packet_lost", "packet_lost", "system", "e", "2026-01-01T02:00:02+02:00"),
            ("a.b.c", "c", "a.b", "e", utc[3]),
        ]
        assert [(e.type, e.name, e.entity_type, e.timestamp.isoformat()) for e in got] == [
            (t, n, et, stamp) for t, n, et, _, stamp in columns
        ]

    def test_columns_hold_what_they_say(self, tmp_path: Path) -> None:
        """The sqlite3 shell shows each event's real type, name, entity type, entity id and
        timestamp, the same the store's queries return."""
        path = tmp_path / "e.db"
        with SQLiteEventStore(path) as store:
            store.append_many(sample_run()[:5], run_id="r")
            expected = [
                (e.type, e.name, e.entity_type, e.entity_id, e.timestamp.isoformat())
                for e in store.events("r")
            ]
        shown = _shown_columns(path)
        assert shown == expected
        assert all(all(column) for column in shown)

    def test_memory_path_is_refused(self) -> None:
        """':memory:' cannot be shared by a reader and a writer: use InMemoryEventStore."""
        with pytest.raises(ValueError, match="InMemoryEventStore"):
            SQLiteEventStore(":memory:")

    def test_appends_that_wait_for_room_lose_nothing(self, tmp_path: Path) -> None:
        """When a full batch is buffered, append() waits for the writer; each event waited
        for is stored, and flush() returns once all are (a batch of 4 makes appends wait)."""
        path = tmp_path / "e.db"
        with SQLiteEventStore(path, batch_size=4, flush_interval=0.01) as store:
            events = [TestCreatedEvent(f"t{i}", "n") for i in range(400)]
            for event in events:
                store.append(event, run_id="r")
            assert store.flush(timeout=30)
            assert [e.id for e in store.events("r")] == [e.id for e in events]

    def test_flush_commits_for_other_connections(self, tmp_path: Path) -> None:
        """After flush() another process's connection sees the events."""
        path = tmp_path / "e.db"
        with SQLiteEventStore(path, flush_interval=60) as store:
            store.append_many(sample_run(), run_id="r1")
            assert store.flush(timeout=30)
            conn = sqlite3.connect(path)
            try:
                assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 12
            finally:
                conn.close()

    def test_flush_interval_commits_without_flush(self, tmp_path: Path) -> None:
        """A buffered event is committed by the writer thread on its own."""
        path = tmp_path / "e.db"
        with SQLiteEventStore(path, flush_interval=0.05) as store, SQLiteEventStore(path) as reader:
            store.append(sample_run()[0], run_id="r1")
            deadline = time.monotonic() + 30
            while not reader.events("r1") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(reader.events("r1")) == 1


class TestSQLiteConcurrency:
    """Several writers and readers on one file."""

    def test_two_writers_share_a_run_without_gaps(self, tmp_path: Path) -> None:
        """Two stores (two connections, two writer threads) appending to one run number it
        1..n with every event once."""
        path = tmp_path / "shared.db"
        first = SQLiteEventStore(path, flush_interval=0.01, batch_size=7)
        second = SQLiteEventStore(path, flush_interval=0.01, batch_size=5)

        def work(store: SQLiteEventStore, prefix: str) -> None:
            for i in range(100):
                store.append(TestCreatedEvent(test_id=f"{prefix}{i}", test_name="x"), run_id="r")
            store.flush()

        threads = [
            threading.Thread(target=work, args=(first, "a")),
            threading.Thread(target=work, args=(second, "b")),
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stored = first.events("r")
            assert len({e.entity_id for e in stored}) == 200
            assert [e.seq for e in stored] == list(range(1, 201))
            assert first.runs()[0].event_count == 200
        finally:
            first.close()
            second.close()


class TestSQLiteDeduplication:
    """Deduplication stays exact for runs the writer stopped tracking."""

    def test_many_runs_then_duplicates_of_the_first(self, tmp_path: Path) -> None:
        """Writing more runs than the writer keeps ids for, then re-appending to the first,
        stores nothing twice."""
        with SQLiteEventStore(tmp_path / "e.db") as store:
            events = sample_run()
            for k in range(12):
                store.append_many(events, run_id=f"run-{k}")
                store.flush()
            store.append_many(events, run_id="run-0")
            store.append(TestCreatedEvent("new", "n"), run_id="run-0")
            stored = store.events("run-0")
            assert len(stored) == 13
            assert [e.seq for e in stored] == list(range(1, 14))

    def test_reopened_store_knows_earlier_ids(self, tmp_path: Path) -> None:
        """A new store object (a new process) does not re-store what an earlier one did."""
        path = tmp_path / "e.db"
        events = sample_run()  # the same objects: the metric sample has a random id
        with SQLiteEventStore(path) as store:
            store.append_many(events, run_id="r1")
        with SQLiteEventStore(path) as store:
            store.append_many(events, run_id="r1")
            assert len(store.events("r1")) == 12


_CHILD = textwrap.dedent(
    """
    import sys, time
    from panther_events import TestCreatedEvent
    from panther_events.store import SQLiteEventStore

    store = SQLiteEventStore(sys.argv[1], flush_interval=0.05, batch_size=200)
    i = 0
    while True:
        store.append_many(
            [TestCreatedEvent(test_id=f"t{i}-{k}", test_name="x") for k in range(100)],
            run_id="killed",
        )
        i += 1
        if i % 5 == 0:
            store.flush()
            print(i * 100, flush=True)  # every event up to here is committed
    """
)


@pytest.mark.slow
class TestSQLiteDurability:
    """A writer killed with SIGKILL leaves a sound file holding everything it flushed."""

    def test_sigkill_keeps_every_flushed_event(self, tmp_path: Path) -> None:
        """Kill a real writing process; the file passes integrity_check and lost no flush."""
        path = tmp_path / "kill.db"
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        flushed = 0
        try:
            with SQLiteEventStore(path, create=True) as reader:
                # Read while the child writes: WAL readers do not block the writer.
                while flushed < 3000:
                    line = child.stdout.readline()
                    assert line, "the writer exited early"
                    flushed = int(line)
                    assert len(reader.events("killed")) >= flushed
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
        with SQLiteEventStore(path, create=False) as store:
            stored = store.events("killed")
            assert len(stored) >= flushed
            assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
            assert store.runs()[0].event_count == len(stored)
