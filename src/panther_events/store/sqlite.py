"""The embedded event store: one SQLite file in WAL mode, written in batches by a writer thread.

Durability contract: ``append`` buffers the event in memory and returns at once; the writer
thread (``_writer``) commits every appended event within ``flush_interval`` seconds, and
``flush()`` commits at once and waits. A committed transaction survives the process being
killed (``SIGKILL``): with ``synchronous=NORMAL`` in WAL mode SQLite only risks the last
transactions on an operating-system crash or power loss. So a killed process loses at most
the events appended during the last ``flush_interval`` seconds, and the file always opens and
passes ``PRAGMA integrity_check``. A failed commit fails the store for good (see ``_writer``).

Any number of processes may read while one writes (WAL readers never block the writer). The
file, its schema and migrations are ``_schema``'s; this module holds the queries.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from .._background import finish_live_workers
from .._outcomes import OUTCOME_TYPES
from ..exceptions import StoreError
from ._rows import Row, event_row, posix_bounds, stored_event
from ._schema import SCHEMA_VERSION, connect, open_file
from ._values import verdict_counts
from ._writer import Writer
from .base import (
    TERMINAL_STATUS,
    EventStoreBase,
    RunInfo,
    StoredEvent,
    _check_run_id,
    _Selection,
)

__all__ = ["SCHEMA_VERSION", "SQLiteEventStore"]

# A query's columns: pos, run id, seq, then those of a ``Row`` (see ``_stored``).
_ROW_COLUMNS: Final = "id, type, entity_id, ts, data, name, entity_type, timestamp"
_RUN_COLUMNS: Final = f"pos, ?, seq, {_ROW_COLUMNS}"
_COLUMNS: Final = (
    f"pos, (SELECT run_id FROM runs WHERE runs.run_key = events.run_key), seq, {_ROW_COLUMNS}"
)
# Distinct types of one run by skipping through the (run_key, type) index: one seek per
# type instead of a scan of the run.
_DISTINCT_TYPES: Final = """
WITH RECURSIVE t(type) AS (
    SELECT min(type) FROM events WHERE run_key = ?1
    UNION ALL
    SELECT (SELECT min(type) FROM events WHERE run_key = ?1 AND type > t.type)
    FROM t WHERE t.type IS NOT NULL
)
SELECT type FROM t WHERE type IS NOT NULL
"""

logger = logging.getLogger("panther_events.store")

# Stores still open at interpreter exit are flushed and closed, so a script that forgets
# close() still gets its events stored; events that could not be are logged, not hidden.
_OPEN_STORES: weakref.WeakSet[SQLiteEventStore] = weakref.WeakSet()


@atexit.register
def _close_open_stores() -> None:
    # Background observers of managers never closed may still hold events for these stores.
    finish_live_workers()
    for store in list(_OPEN_STORES):
        try:
            store.close()
        except StoreError as exc:
            logger.error("at exit: %s", exc)


def _stored(columns: tuple[Any, ...]) -> StoredEvent:
    return stored_event(columns[1], columns[2], columns[0], columns[3:])


#: Placeholders for ``OUTCOME_TYPES`` in a query.
_OUTCOME_MARKS = ",".join("?" * len(OUTCOME_TYPES))


class SQLiteEventStore(EventStoreBase):
    """An event store in one SQLite file: WAL mode, batched writes, indexed queries.

    Args:
        path: the database file; created (with its parent directories) when ``create``.
        flush_interval: the most seconds an appended event waits before the writer thread
            has committed it; it bounds what a killed process can lose.
        batch_size: the most events committed in one transaction (fewer when the measured
            cost of a batch would not fit in the flush interval).
        create: create the file when it does not exist; when False a missing file raises.
        busy_timeout: seconds to wait for another process's write lock before failing.
        read_only: open an existing file read-only (SQLite ``mode=ro``): this store never
            changes, migrates or write-locks the file, so a process writing it is never
            blocked by this one (a dashboard, a reader of a live run).

    Appends from any thread are safe. The writer thread starts on the first append, so a
    store opened only to read starts no thread. A file this process cannot write (a
    read-only mount, no write permission) is opened read-only too: ``read_only`` is True,
    every query works and appends raise ``StoreError``.

    Raises:
        StoreError: the file is missing and ``create`` is False, its schema is newer (or
            older and the file read-only), or SQLite cannot open it (its reason is given).
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
        read_only: bool = False,
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
            if not create or read_only:
                raise StoreError(
                    f"no event store at {str(self.path)!r}; check the path (--db or "
                    "PANTHER_EVENTS_DB) or record a run first"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise StoreError(
                    f"cannot create the event store {str(self.path)!r}: a part of "
                    f"{str(self.path.parent)!r} is a file, not a directory; choose another path"
                ) from exc
            except OSError as exc:
                raise StoreError(
                    f"cannot create the event store {str(self.path)!r}: {exc.strerror}; "
                    "choose a writable path"
                ) from exc
        self._read_lock = threading.Lock()
        self._reader, self.read_only = open_file(self.path, busy_timeout, create, read_only)
        self._chosen_read_only = read_only
        self._closed = False
        self._writer = Writer(
            self._describe(),
            lambda: connect(self.path, busy_timeout),
            flush_interval,
            batch_size,
        )
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
        if self.read_only:
            self._refuse_read_only()
        self._writer.add(run_id, event_row(event))

    def _append_rows(self, rows: list[Row], run_id: str) -> None:
        """Buffer ``rows`` for the writer thread, which commits them in batches.

        A call larger than a batch is buffered a batch at a time: when the store closes or
        fails during the call, the batches buffered before may be stored. Appending the same
        events again is harmless (a run keeps one copy of each id).

        Raises:
            StoreError: the store is closed or read-only, or a batch failed to commit (the
                store then stays failed).
        """
        if self.read_only:
            self._refuse_read_only()
        self._writer.add_many([(run_id, row) for row in rows])

    def _refuse_read_only(self) -> None:
        why = (
            "read_only=True"
            if self._chosen_read_only
            else "the file or its file system is not writable by this process"
        )
        raise StoreError(f"{self._describe()} is opened read-only ({why}); appends are refused")

    def flush(self, timeout: float | None = None) -> bool:
        """Commit every event appended so far and wait for it.

        Returns:
            True once all of them are committed; False if ``timeout`` seconds passed first.

        Raises:
            StoreError: a batch failed to commit, now or earlier: the store stays failed,
                and the message names the file, SQLite's reason and the events not stored.
        """
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Commit everything buffered, stop the writer thread and close the database.

        Closing twice is harmless, except that a failed store raises on every close.

        Raises:
            StoreError: a batch failed to commit (see ``flush``): events were lost.
        """
        try:
            self._writer.close()
        finally:
            with self._read_lock:
                if not self._closed:
                    self._closed = True
                    self._reader.close()
                    _OPEN_STORES.discard(self)

    # -- reading ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read on the reader connection, after committing this store's own appends."""
        if self._closed:
            raise StoreError(f"{self!r} is closed; open a new store to read")
        if self._writer.unflushed():
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
            verdicts = self._query(
                "SELECT entity_id, type, json_extract(data, '$.phase'), "
                "CASE json_type(data, '$.summary') WHEN 'object' "
                "THEN json_extract(data, '$.summary.outcome') END "
                "FROM events INDEXED BY events_by_type "
                f"WHERE run_key = ? AND type IN ({_OUTCOME_MARKS}) ORDER BY pos",
                (run_key, *OUTCOME_TYPES),
            )
            tests = self._query(
                "SELECT DISTINCT entity_id, type FROM events INDEXED BY events_by_type "
                "WHERE run_key = ? AND type >= 'test.' AND type < 'test/'",
                (run_key,),
            )
            infos.append(
                RunInfo(
                    run_id=run_id,
                    status=TERMINAL_STATUS[ends[0][0]] if ends else "running",
                    event_count=count,
                    first_time=datetime.fromisoformat(first),
                    last_time=datetime.fromisoformat(last),
                    experiment_id=experiment[0][0] if experiment else None,
                    **verdict_counts(verdicts, tests, run_going=not ends),
                )
            )
        return infos

    def event_types(self, run_id: str) -> list[str]:
        """Return the distinct event types the run holds, sorted."""
        run_key = self._run_key(run_id)
        if run_key is None:
            return []
        return [r[0] for r in self._query(_DISTINCT_TYPES, (run_key,))]

    def _select(self, run_id: str, selection: _Selection) -> list[StoredEvent]:
        types, entity_id, after = selection.types, selection.entity_id, selection.after
        run_key = self._run_key(run_id) if types is None or types else None
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
        since, until = posix_bounds(selection.since, selection.until)
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        if until is not None:
            where.append("ts < ?")
            params.append(until)
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
            f"WHERE {' AND '.join(where)} ORDER BY {by} " + selection.order.upper()
        )
        params.insert(0, run_id)
        if selection.limit is not None:
            sql += f" LIMIT {int(selection.limit)}"
        return [_stored(row) for row in self._query(sql, params)]

    def _after(self, position: int, limit: int | None) -> list[StoredEvent]:
        sql = f"SELECT {_COLUMNS} FROM events WHERE pos > ? ORDER BY pos"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_stored(row) for row in self._query(sql, (position,))]

    def last_position(self) -> int:
        """Return the position of the newest stored event (0 for an empty store)."""
        return int(self._query("SELECT coalesce(max(pos), 0) FROM events")[0][0])

    def integrity_check(self) -> list[str]:
        """Return SQLite's ``PRAGMA integrity_check`` report: ``["ok"]`` for a sound file."""
        return [str(r[0]) for r in self._query("PRAGMA integrity_check")]
