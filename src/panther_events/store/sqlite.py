"""The embedded event store: one SQLite file in WAL mode, written in batches by a writer thread.

Durability contract: ``append`` buffers the event in memory and returns at once; a writer
thread commits the buffer as one transaction whenever ``batch_size`` events are waiting or
``flush_interval`` seconds have passed since the oldest buffered event was appended, and
``flush()`` commits at once and waits. A committed transaction survives the process being
killed (``SIGKILL``): with ``synchronous=NORMAL`` in WAL mode SQLite only risks the last
transactions on an operating-system crash or power loss. So a killed process loses at most
the events appended during the last ``flush_interval`` seconds, and the file always opens and
passes ``PRAGMA integrity_check``.

Any number of processes may read while one writes (WAL readers never block the writer).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import operator
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any, Final

from ..exceptions import CorruptStoreError, StoreError
from ._known import KnownIds
from ._rows import Row, as_utc, event_row, row_from_dict, row_name, row_timestamp
from .base import (
    TERMINAL_STATUS,
    EventStoreBase,
    Order,
    RunInfo,
    StoredEvent,
    _check_events_args,
    _check_run_id,
    matching_types,
)

__all__ = ["SCHEMA_VERSION", "SQLiteEventStore"]

_RUN_COLUMNS = "pos, ?, seq, id, type, name, entity_type, entity_id, ts, timestamp, data"
_COLUMNS = (
    "pos, (SELECT run_id FROM runs WHERE runs.run_key = events.run_key), seq, id, type, name, "
    "entity_type, entity_id, ts, timestamp, data"
)


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the migration's transaction first: run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate_1(conn: sqlite3.Connection) -> None:
    """Version 1: runs, events, and the indexes the queries use."""
    _run_script(
        conn,
        """
        CREATE TABLE runs (
            run_key     INTEGER PRIMARY KEY,   -- short key: every index entry repeats it
            run_id      TEXT    NOT NULL UNIQUE
        );
        CREATE TABLE events (
            pos         INTEGER PRIMARY KEY,   -- order across the whole store, for following
            run_key     INTEGER NOT NULL REFERENCES runs (run_key),
            seq         INTEGER NOT NULL,      -- 1, 2, 3... within the run
            id          TEXT    NOT NULL,      -- the event's content id
            id_key      INTEGER NOT NULL,      -- 63 bits of the id, for deduplication
            type        TEXT    NOT NULL,
            name        TEXT    NOT NULL,
            entity_type TEXT    NOT NULL,
            entity_id   TEXT    NOT NULL,
            timestamp   TEXT    NOT NULL,      -- ISO 8601 exactly as published
            ts          REAL    NOT NULL,      -- the same instant in seconds, for range queries
            data        TEXT    NOT NULL,      -- JSON
            UNIQUE (run_key, seq)
        );
        CREATE INDEX events_by_entity ON events (run_key, entity_id, seq);
        CREATE INDEX events_by_type ON events (run_key, type, seq)
        """,
    )


def _migrate_2(conn: sqlite3.Connection) -> None:
    """Version 2: run summaries kept up to date on append, so listing runs never scans events."""
    _run_script(
        conn,
        """
        ALTER TABLE runs ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN first_ts REAL;
        ALTER TABLE runs ADD COLUMN first_time TEXT;
        ALTER TABLE runs ADD COLUMN last_ts REAL;
        ALTER TABLE runs ADD COLUMN last_time TEXT;
        UPDATE runs SET
            event_count = (SELECT count(*) FROM events e WHERE e.run_key = runs.run_key),
            first_ts = (SELECT min(ts) FROM events e WHERE e.run_key = runs.run_key),
            first_time = (SELECT timestamp FROM events e WHERE e.run_key = runs.run_key
                          ORDER BY ts LIMIT 1),
            last_ts = (SELECT max(ts) FROM events e WHERE e.run_key = runs.run_key),
            last_time = (SELECT timestamp FROM events e WHERE e.run_key = runs.run_key
                         ORDER BY ts DESC LIMIT 1);
        CREATE INDEX runs_by_start ON runs (first_ts, run_id)
        """,
    )


def _migrate_3(conn: sqlite3.Connection) -> None:
    """Version 3: half the bytes per event and lighter indexes, so appends cost less.

    ``name`` and ``entity_type`` become empty where they are the two halves of ``type``; the
    ISO ``timestamp`` of existing rows is kept (new rows store it only when ``ts`` cannot give
    it back as a UTC datetime); the 63-bit ``id_key`` column goes (the writer keys ids in
    memory). Empty rather than NULL: see ``_rows``. The entity and type indexes drop ``seq``:
    an index entry ends with the row's position, which orders a run exactly as ``seq`` does.
    """
    _run_script(
        conn,
        """
        CREATE TABLE events_v3 (
            pos         INTEGER PRIMARY KEY,   -- order across the whole store, for following
            run_key     INTEGER NOT NULL REFERENCES runs (run_key),
            seq         INTEGER NOT NULL,      -- 1, 2, 3... within the run
            id          TEXT    NOT NULL,      -- the event's content id
            type        TEXT    NOT NULL,
            entity_id   TEXT    NOT NULL,
            ts          REAL    NOT NULL,      -- seconds since the epoch, for range queries
            data        TEXT    NOT NULL,      -- JSON
            name        TEXT    NOT NULL,      -- '': the part of type after its first dot
            entity_type TEXT    NOT NULL,      -- '': the part of type before its first dot
            timestamp   TEXT    NOT NULL       -- '': ts as UTC, else ISO 8601 as published
        );
        INSERT INTO events_v3
            (pos, run_key, seq, id, type, entity_id, ts, data, name, entity_type, timestamp)
        SELECT pos, run_key, seq, id, type, entity_id, ts, data,
            CASE WHEN type = entity_type || '.' || name AND instr(entity_type, '.') = 0
                 THEN '' ELSE name END,
            CASE WHEN type = entity_type || '.' || name AND instr(entity_type, '.') = 0
                 THEN '' ELSE entity_type END,
            timestamp
        FROM events;
        DROP TABLE events;
        ALTER TABLE events_v3 RENAME TO events;
        CREATE UNIQUE INDEX events_by_seq ON events (run_key, seq);
        CREATE INDEX events_by_entity ON events (run_key, entity_id);
        CREATE INDEX events_by_type ON events (run_key, type)
        """,
    )


#: version -> the migration that brings a database from version - 1 to it.
MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
}
#: The schema version this code writes.
SCHEMA_VERSION: Final = max(MIGRATIONS)

# Rows are deduplicated and numbered before the INSERT (see KnownIds), under the write lock.
# One INSERT carries up to _CHUNK rows: a statement per row costs a third more than the row
# itself (binding, stepping, resetting, and the GIL handed back and forth for each). Its
# parameters are ?1 = run_key, ?2 = the first row's seq, then each Row's fields in order (the
# first, the in-memory key, is not stored). 2 + 9 * 64 parameters stay under SQLite's oldest
# limit of 999.
_CHUNK: Final = 64
_ROW_WIDTH: Final = len(Row._fields)


@functools.cache  # called with powers of two up to _CHUNK only
def _insert_sql(rows: int) -> str:
    values = []
    for i in range(rows):
        key = 3 + _ROW_WIDTH * i
        fields = ",".join(f"?{key + f}" for f in range(1, _ROW_WIDTH))
        values.append(f"(?1,?2+{i},{fields})")
    return (
        "INSERT INTO events "
        "(run_key, seq, id, type, entity_id, ts, data, name, entity_type, timestamp) VALUES "
        + ",".join(values)
    )


def _insert(conn: sqlite3.Connection, run_key: int, first_seq: int, rows: list[Row]) -> None:
    """Insert ``rows`` numbered from ``first_seq``, in as few statements as sizes allow."""
    done, total = 0, len(rows)
    while done < total:
        left = total - done
        size = _CHUNK if left >= _CHUNK else 1 << (left.bit_length() - 1)
        params = [run_key, first_seq + done, *chain.from_iterable(rows[done : done + size])]
        conn.execute(_insert_sql(size), params)
        done += size


# In an UPDATE every expression reads the row's old values, so the CASEs compare with them.
_UPDATE_RUN = """
UPDATE runs SET
    event_count = event_count + ?2,
    first_time = CASE WHEN first_ts IS NULL OR ?3 < first_ts THEN ?4 ELSE first_time END,
    first_ts = CASE WHEN first_ts IS NULL OR ?3 < first_ts THEN ?3 ELSE first_ts END,
    last_time = CASE WHEN last_ts IS NULL OR ?5 >= last_ts THEN ?6 ELSE last_time END,
    last_ts = CASE WHEN last_ts IS NULL OR ?5 >= last_ts THEN ?5 ELSE last_ts END
WHERE run_key = ?1
"""
# Distinct types of one run by skipping through the (run_id, type, seq) index: one seek per
# type instead of a scan of the run.
_DISTINCT_TYPES = """
WITH RECURSIVE t(type) AS (
    SELECT min(type) FROM events WHERE run_key = ?1
    UNION ALL
    SELECT (SELECT min(type) FROM events WHERE run_key = ?1 AND type > t.type)
    FROM t WHERE t.type IS NOT NULL
)
SELECT type FROM t WHERE type IS NOT NULL
"""

_by_time = operator.itemgetter(4)  # Row.ts


def _iso(row: Row) -> str:
    return row_timestamp(row.ts, row.timestamp).isoformat()


# Stores still open at interpreter exit are flushed and closed, so a script that forgets
# close() still gets its events stored.
_OPEN_STORES: weakref.WeakSet[SQLiteEventStore] = weakref.WeakSet()


@atexit.register
def _close_open_stores() -> None:
    for store in list(_OPEN_STORES):
        with contextlib.suppress(StoreError):
            store.close()


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Index pages of a big run do not fit the default 2 MB cache: appends to the id and
        # entity indexes land on random pages. A larger cache and memory-mapped reads keep
        # them out of read() system calls.
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA mmap_size=268435456")
        # Checkpoint every ~40 MB of WAL rather than SQLite's 4 MB: index pages that many
        # batches touch are copied into the database once per checkpoint instead of ten times,
        # and fsync'ed less often (sustained appends: about a fifth faster). The WAL file is
        # truncated back to 64 MB after a checkpoint if it grew past that.
        conn.execute("PRAGMA wal_autocheckpoint=10000")
        conn.execute("PRAGMA journal_size_limit=67108864")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CorruptStoreError(
            f"{str(path)!r} is not a panther-events database ({exc}); "
            "pass the path of a store written by panther-events, or a new path"
        ) from exc
    return conn


def _prepare_schema(conn: sqlite3.Connection, path: Path, create: bool) -> None:
    """Create or migrate the schema to ``SCHEMA_VERSION``; refuse foreign or newer files."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "schema_version" not in tables:
        raise CorruptStoreError(
            f"{str(path)!r} is an SQLite database but not a panther-events event store "
            f"(it has tables {sorted(tables)} and no schema_version); use another path"
        )
    if not tables and not create:
        raise CorruptStoreError(f"{str(path)!r} is empty, not a panther-events event store")
    version = _version(conn)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{str(path)!r} has schema version {version}, newer than this panther-events "
            f"reads (up to {SCHEMA_VERSION}); upgrade panther-events"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated between our read and the lock: read again.
        version = _version(conn)
        if version == 0:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError:  # no such table: a new file
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def _stored(row: tuple[Any, ...]) -> StoredEvent:
    pos, run_id, seq, id_, type_, name, entity_type, entity_id, ts, timestamp, data = row
    name, entity_type = row_name(type_, name, entity_type)
    return StoredEvent(
        run_id=run_id,
        seq=seq,
        id=id_,
        type=type_,
        entity_type=entity_type,
        entity_id=entity_id,
        timestamp=row_timestamp(ts, timestamp),
        data=json.loads(data),
        name=name,
        position=pos,
    )


class SQLiteEventStore(EventStoreBase):
    """An event store in one SQLite file: WAL mode, batched writes, indexed queries.

    Args:
        path: the database file; created (with its parent directories) when ``create``.
        flush_interval: the most seconds an appended event waits before the writer thread
            commits it; it bounds what a killed process can lose.
        batch_size: buffered events that make the writer commit without waiting.
        create: create the file when it does not exist; when False a missing file raises.
        busy_timeout: seconds to wait for another process's write lock before failing.

    Appends from any thread are safe. The writer thread starts on the first append, so a
    store opened only to read starts no thread.

    Raises:
        StoreError: the file is missing and ``create`` is False, or its schema is newer.
        CorruptStoreError: the file is not a panther-events database.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        flush_interval: float = 0.1,
        batch_size: int = 10_000,
        create: bool = True,
        busy_timeout: float = 30.0,
    ) -> None:
        if str(path) == ":memory:":
            raise ValueError(
                "SQLiteEventStore needs a file (a reader and a writer share it); "
                "use InMemoryEventStore for a store without a file"
            )
        if flush_interval <= 0:
            raise ValueError(f"flush_interval must be positive seconds, got {flush_interval!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
        self.path = Path(path)
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.busy_timeout = busy_timeout
        if self.path.is_dir():
            raise StoreError(f"{str(self.path)!r} is a directory; give the path of a file")
        if not self.path.exists():
            if not create:
                raise StoreError(
                    f"no event store at {str(self.path)!r}; check the path (--db or "
                    "PANTHER_EVENTS_DB) or record a run first"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._read_lock = threading.Lock()
        self._reader = _connect(self.path, busy_timeout)
        try:
            _prepare_schema(self._reader, self.path, create)
        except sqlite3.DatabaseError as exc:
            self._reader.close()
            raise CorruptStoreError(
                f"{str(self.path)!r} is not a readable panther-events database ({exc})"
            ) from exc
        except BaseException:
            self._reader.close()
            raise
        # Writer state, guarded by _cond. Counters are of rows: appended, and done (committed
        # or failed); flush() waits for done to reach the appended count it saw.
        self._cond = threading.Condition()
        self._pending: list[tuple[str, Row]] = []
        self._oldest_pending = 0.0
        self._appended = 0
        self._done = 0
        self._flush_wanted = False
        self._closing = False
        self._closed = False
        self._error: BaseException | None = None
        self._lost = 0
        self._writer: threading.Thread | None = None
        # Past this many buffered rows append() waits for the writer: memory stays bounded.
        self._max_pending = max(4 * batch_size, 50_000)
        _OPEN_STORES.add(self)

    def __repr__(self) -> str:
        return f"SQLiteEventStore({str(self.path)!r})"

    def _describe(self) -> str:
        return f"event store {str(self.path)!r}"

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: object, *, run_id: str) -> None:
        """Buffer ``event`` for run ``run_id``; see ``append_many``."""
        if type(run_id) is not str or not run_id:
            _check_run_id(run_id)
        row = event_row(event)
        with self._cond:
            pending = self._pending
            if (
                not pending
                or len(pending) >= self._max_pending
                or self._closing
                or self._error is not None
            ):
                self._wait_for_room()
                pending = self._pending  # the writer may have swapped it while we waited
            pending.append((run_id, row))
            self._appended += 1
            if len(pending) == self.batch_size:
                self._cond.notify_all()

    def append_many(self, events: Iterable[object], *, run_id: str) -> None:
        """Buffer ``events`` for run ``run_id``; the writer thread commits them in batches.

        Events are serialised now (changing one afterwards does not change what is stored).
        An id the run already holds is ignored when the batch is committed.

        Raises:
            StoreError: the store is closed, or an earlier batch failed to commit.
        """
        _check_run_id(run_id)
        self._buffer([(run_id, event_row(event)) for event in events])

    def append_wire(self, wires: Iterable[Mapping[str, Any]], *, run_id: str) -> None:
        """Like ``append_many``, for events in their wire form (``event_to_dict``, or JSON
        decoded): no event objects are built, which is what a collector needs.

        Raises:
            EventValidationError: a wire form is malformed; nothing of the call is stored.
            StoreError: as for ``append_many``.
        """
        _check_run_id(run_id)
        self._buffer([(run_id, row_from_dict(wire)) for wire in wires])

    def _buffer(self, rows: list[tuple[str, Row]]) -> None:
        if not rows:
            return
        with self._cond:
            self._wait_for_room()
            self._pending.extend(rows)
            self._appended += len(rows)
            if len(self._pending) >= self.batch_size:
                self._cond.notify_all()

    def _wait_for_room(self) -> None:
        """Raise if appends are refused, else wait while the buffer is full; on return the
        buffer has room, its age is set if it was empty, and the writer runs. Holds _cond."""
        self._raise_if_unusable()
        while len(self._pending) >= self._max_pending and not self._closing:
            self._cond.wait(0.05)
        self._raise_if_unusable()
        if not self._pending:
            self._oldest_pending = time.monotonic()
        if self._writer is None:
            self._start_writer()

    def _start_writer(self) -> None:
        self._writer = threading.Thread(
            target=self._write_loop, name=f"panther-events-store:{self.path.name}"
        )
        self._writer.daemon = True
        self._writer.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Commit every event appended so far and wait for it.

        Returns:
            True once all of them are committed; False if ``timeout`` seconds passed first.

        Raises:
            StoreError: a batch failed to commit (the backend error is chained).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._appended
            if self._done < target:
                self._flush_wanted = True
                self._cond.notify_all()
            while self._done < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            self._raise_error()
        return True

    def close(self) -> None:
        """Commit everything buffered, stop the writer thread and close the database.

        Closing twice is harmless.

        Raises:
            StoreError: the final batch failed to commit.
        """
        with self._cond:
            if self._closed:
                return
            self._closing = True
            self._cond.notify_all()
            writer = self._writer
        if writer is not None:
            writer.join()
        with self._cond:
            self._closed = True
        with self._read_lock:
            self._reader.close()
        _OPEN_STORES.discard(self)
        with self._cond:
            self._raise_error()

    def _raise_if_unusable(self) -> None:
        if self._closing or self._closed:
            raise StoreError(f"{self!r} is closed; open a new store to append")
        self._raise_error()

    def _raise_error(self) -> None:
        error = self._error
        if error is not None:
            self._error = None
            raise StoreError(f"{self!r} failed to commit {self._lost} event(s): {error}") from error

    def _write_loop(self) -> None:
        known = KnownIds()
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(self.path, self.busy_timeout)
        except BaseException as exc:
            with self._cond:
                self._error = exc
        while True:
            with self._cond:
                while True:
                    if self._pending:
                        due = self._oldest_pending + self.flush_interval
                        if (
                            self._flush_wanted
                            or self._closing
                            or len(self._pending) >= self.batch_size
                            or time.monotonic() >= due
                        ):
                            break
                        self._cond.wait(max(0.0, due - time.monotonic()))
                    elif self._closing:
                        if conn is not None:
                            conn.close()
                        return
                    else:
                        self._cond.wait()
                batch, self._pending = self._pending, []
                self._flush_wanted = False
            error: BaseException | None = None
            if conn is None:
                error = StoreError("the writer could not open the database")
            else:
                try:
                    self._commit(conn, batch, known)
                except BaseException as exc:  # reported to the next append/flush/close
                    error = exc
            with self._cond:
                if error is not None:
                    self._error = self._error or error
                    self._lost += len(batch)
                self._done += len(batch)
                self._cond.notify_all()

    @staticmethod
    def _commit(conn: sqlite3.Connection, batch: list[tuple[str, Row]], known: KnownIds) -> None:
        by_run: dict[str, list[Row]] = {}
        for run_id, row in batch:
            rows_of_run = by_run.get(run_id)
            if rows_of_run is None:
                by_run[run_id] = [row]
            else:
                rows_of_run.append(row)
        added: dict[int, set[int]] = {}
        conn.execute("BEGIN IMMEDIATE")
        try:
            known.sync(conn)
            for run_id, rows in by_run.items():
                conn.execute("INSERT OR IGNORE INTO runs (run_id) VALUES (?)", (run_id,))
                run_key = conn.execute(
                    "SELECT run_key FROM runs WHERE run_id = ?", (run_id,)
                ).fetchone()[0]
                stored = known.of_run(conn, run_key)
                # Ids already stored, or repeated in this batch, are dropped here: the run
                # keeps one copy and seq stays gapless. The usual batch has neither, which
                # two set operations establish without a loop in Python.
                keys = {row[0] for row in rows}
                if len(keys) == len(rows) and keys.isdisjoint(stored):
                    fresh = rows
                else:
                    fresh = []
                    keys = set()
                    for row in rows:
                        key = row[0]
                        if key in stored or key in keys:
                            continue
                        keys.add(key)
                        fresh.append(row)
                    if not fresh:
                        continue
                last_seq = conn.execute(
                    "SELECT coalesce(max(seq), 0) FROM events WHERE run_key = ?", (run_key,)
                ).fetchone()[0]
                _insert(conn, run_key, last_seq + 1, fresh)
                added[run_key] = keys
                first = min(fresh, key=_by_time)
                last = max(fresh, key=_by_time)
                conn.execute(
                    _UPDATE_RUN,
                    (run_key, len(fresh), first.ts, _iso(first), last.ts, _iso(last)),
                )
            top = int(conn.execute("SELECT coalesce(max(pos), 0) FROM events").fetchone()[0])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            known.forget()
            raise
        known.committed(added, top)

    # -- reading ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read on the reader connection, after committing this store's own appends."""
        with self._cond:
            if self._closed:
                raise StoreError(f"{self!r} is closed; open a new store to read")
            own_pending = self._done < self._appended
        if own_pending:
            self.flush()
        try:
            with self._read_lock:
                return self._reader.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"reading {self!r} failed: {exc}") from exc

    def _run_ids(self) -> list[str]:
        return [
            r[0]
            for r in self._query(
                "SELECT run_id FROM runs WHERE event_count > 0 ORDER BY first_ts, run_id"
            )
        ]

    def _run_key(self, run_id: str) -> int | None:
        rows = self._query("SELECT run_key FROM runs WHERE run_id = ?", (run_id,))
        return int(rows[0][0]) if rows else None

    def runs(self) -> list[RunInfo]:
        """Return every run, the earliest-started first, with status and test counts."""
        rows = self._query(
            "SELECT run_key, run_id, event_count, first_time, last_time FROM runs "
            "WHERE event_count > 0 ORDER BY first_ts, run_id"
        )
        terminal = tuple(TERMINAL_STATUS)
        marks = ",".join("?" * len(terminal))
        infos = []
        for run_key, run_id, count, first, last in rows:
            ends = self._query(
                # Without the hint SQLite walks the whole run backwards by seq.
                f"SELECT type FROM events INDEXED BY events_by_type "
                f"WHERE run_key = ? AND type IN ({marks}) "
                "ORDER BY pos DESC LIMIT 1",
                (run_key, *terminal),
            )
            experiment = self._query(
                "SELECT entity_id FROM events WHERE run_key = ? AND type >= 'experiment.' "
                "AND type < 'experiment/' ORDER BY pos LIMIT 1",
                (run_key,),
            )
            outcomes = dict(
                self._query(
                    "SELECT type, count(DISTINCT entity_id) FROM events WHERE run_key = ? "
                    "AND type IN ('test.completed', 'test.failed') GROUP BY type",
                    (run_key,),
                )
            )
            infos.append(
                RunInfo(
                    run_id=run_id,
                    status=TERMINAL_STATUS[ends[0][0]] if ends else "running",
                    event_count=count,
                    first_time=datetime.fromisoformat(first),
                    last_time=datetime.fromisoformat(last),
                    experiment_id=experiment[0][0] if experiment else None,
                    tests_passed=outcomes.get("test.completed", 0),
                    tests_failed=outcomes.get("test.failed", 0),
                )
            )
        return infos

    def event_types(self, run_id: str) -> list[str]:
        """Return the distinct event types the run holds, sorted."""
        run_key = self._run_key(run_id)
        if run_key is None:
            return []
        return [r[0] for r in self._query(_DISTINCT_TYPES, (run_key,))]

    def events(
        self,
        run_id: str,
        *,
        type_pattern: str | None = None,
        entity_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        order: Order = "asc",
    ) -> list[StoredEvent]:
        """Return the run's events that pass every given filter, ordered by ``seq``.

        Args:
            run_id: the run (an unknown run has no events).
            type_pattern: a subscription pattern (``test.*``, ``service.health_check_*``...).
            entity_id: only events about this entity.
            since: only events with ``timestamp >= since`` (naive datetimes are UTC).
            until: only events with ``timestamp < until``.
            limit: at most this many events (the first ones in ``order``).
            order: ``"asc"`` (oldest first) or ``"desc"``.

        Raises:
            PatternError: ``type_pattern`` is malformed.
        """
        _check_events_args(limit, order)
        types = None
        if type_pattern is not None:
            types = matching_types(type_pattern, self.event_types(run_id))
        return self._select(run_id, types, entity_id, since, until, limit, order)

    def _events_of_types(self, run_id: str, types: Sequence[str]) -> list[StoredEvent]:
        return self._select(run_id, list(types), None, None, None, None, "asc")

    def _select(
        self,
        run_id: str,
        types: list[str] | None,
        entity_id: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int | None,
        order: Order,
        after: StoredEvent | None = None,
    ) -> list[StoredEvent]:
        if types is not None and not types:
            return []
        run_key = self._run_key(run_id)
        if run_key is None:
            return []
        # Within a run, position and seq grow together. A whole run is walked in the
        # (run_key, seq) index; the entity and type indexes end with the position instead,
        # so ordering their matches by it needs no sort (for a single type or entity).
        by = "seq" if types is None and entity_id is None else "pos"
        where = ["run_key = ?"]
        params: list[Any] = [run_key]
        if after is not None:
            where.append(f"{by} > ?")
            params.append(after.seq if by == "seq" else after.position)
        if types is not None:
            where.append(f"type IN ({','.join('?' * len(types))})")
            params.extend(types)
        if entity_id is not None:
            where.append("entity_id = ?")
            params.append(entity_id)
        if since is not None:
            where.append("ts >= ?")
            params.append(as_utc(since).timestamp())
        if until is not None:
            where.append("ts < ?")
            params.append(as_utc(until).timestamp())
        # The index is named: with statistics from an ANALYZE, SQLite may otherwise prefer a
        # walk of the whole table by position (every run) for a multi-type or paged query.
        index = (
            "events_by_seq"
            if by == "seq"
            else "events_by_entity"
            if entity_id is not None
            else "events_by_type"
        )
        # The run id is known: select it as a constant rather than look it up for every row.
        sql = (
            f"SELECT {_RUN_COLUMNS} FROM events INDEXED BY {index} "
            f"WHERE {' AND '.join(where)} ORDER BY {by} " + ("DESC" if order == "desc" else "ASC")
        )
        params.insert(0, run_id)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_stored(row) for row in self._query(sql, params)]

    def iter_events(
        self,
        run_id: str,
        *,
        type_pattern: str | None = None,
        entity_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page_size: int = 1000,
    ) -> Iterator[StoredEvent]:
        """Yield the run's matching events oldest first, reading ``page_size`` at a time, so a
        run of millions of events is never held in memory at once."""
        types = None
        if type_pattern is not None:
            types = matching_types(type_pattern, self.event_types(run_id))
        after = None
        while True:
            page = self._select(run_id, types, entity_id, since, until, page_size, "asc", after)
            yield from page
            if len(page) < page_size:
                return
            after = page[-1]

    def replay(self, run_id: str, manager: Any) -> int:
        """Publish every event of the run, in order, into ``manager``; return how many.

        See ``EventStore.replay``; events are read a page at a time.
        """
        count = 0
        for stored in self.iter_events(run_id):
            manager.publish(stored.to_event())
            count += 1
        return count

    def events_after(self, position: int, *, limit: int | None = None) -> list[StoredEvent]:
        """Return events of every run stored after ``position``, in storage order."""
        sql = f"SELECT {_COLUMNS} FROM events WHERE pos > ? ORDER BY pos"
        if limit is not None:
            _check_events_args(limit, "asc")
            sql += f" LIMIT {int(limit)}"
        return [_stored(row) for row in self._query(sql, (position,))]

    def last_position(self) -> int:
        """Return the position of the newest stored event (0 for an empty store)."""
        return int(self._query("SELECT coalesce(max(pos), 0) FROM events")[0][0])

    def integrity_check(self) -> list[str]:
        """Return SQLite's ``PRAGMA integrity_check`` report: ``["ok"]`` for a sound file."""
        return [str(r[0]) for r in self._query("PRAGMA integrity_check")]
