"""The SQLite store's file: opening it (read-write or read-only), its schema and migrations."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from ..exceptions import CorruptStoreError, StoreError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "connect", "open_file"]

# SQLite result codes that mean the file is not (or no longer) an SQLite database.
_NOT_A_DATABASE: Final = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


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
    """Version 3: the row without ``id_key``, and lighter indexes.

    ``name`` and ``entity_type`` became empty where they are the two halves of ``type``, and
    ``timestamp`` empty where ``ts`` gives it back as a UTC datetime (version 4 fills them
    again). The entity and type indexes drop ``seq``: an index entry ends with the row's
    position, which orders a run exactly as ``seq`` does.
    """
    _run_script(
        conn,
        """
        CREATE TABLE events_v3 (
            pos         INTEGER PRIMARY KEY,
            run_key     INTEGER NOT NULL REFERENCES runs (run_key),
            seq         INTEGER NOT NULL,
            id          TEXT    NOT NULL,
            type        TEXT    NOT NULL,
            entity_id   TEXT    NOT NULL,
            ts          REAL    NOT NULL,
            data        TEXT    NOT NULL,
            name        TEXT    NOT NULL,
            entity_type TEXT    NOT NULL,
            timestamp   TEXT    NOT NULL
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


def _utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _migrate_4(conn: sqlite3.Connection) -> None:
    """Version 4: every column holds what it says. Rows of version 3 with an empty ``name``
    and ``entity_type`` get the two halves of ``type`` (split at its first dot), and an empty
    ``timestamp`` gets ``ts`` as a UTC datetime, formatted exactly as Python reads it back."""
    conn.create_function("panther_utc_iso", 1, _utc_iso, deterministic=True)
    try:
        _run_script(
            conn,
            """
            UPDATE events SET
                name = substr(type, instr(type, '.') + 1),
                entity_type = substr(type, 1, instr(type, '.') - 1)
            WHERE name = '' AND entity_type = '';
            UPDATE events SET timestamp = panther_utc_iso(ts) WHERE timestamp = ''
            """,
        )
    finally:
        conn.create_function("panther_utc_iso", 1, None)


#: version -> the migration that brings a database from version - 1 to it.
MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
    4: _migrate_4,
}
#: The schema version this code writes.
SCHEMA_VERSION: Final = max(MIGRATIONS)


def _refusal(path: Path, exc: sqlite3.Error) -> StoreError:
    """The error for a file SQLite could not use: corrupt only when SQLite says so."""
    if getattr(exc, "sqlite_errorname", "") in _NOT_A_DATABASE:
        return CorruptStoreError(
            f"{str(path)!r} is not a panther-events database ({exc}); "
            "pass the path of a store written by panther-events, or a new path"
        )
    reason = str(exc)
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_IOERR", "SQLITE_FULL")) and _file_system_full(path):
        # SQLite then says only "disk I/O error" (it could not size its shared-memory file).
        reason += "; its file system is full: free some space and try again"
    return StoreError(f"cannot open the event store {str(path)!r}: {reason}")


def _file_system_full(path: Path) -> bool:
    try:
        stats = os.statvfs(path.absolute().parent)
    except OSError:
        return False
    return stats.f_blocks > 0 and stats.f_bavail == 0  # /proc and the like have no blocks


def _enable_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch the file to WAL mode, waiting up to ``busy_timeout`` for other connections.

    SQLite does not call its busy handler for this switch: while another process holds the
    file's write lock before the file is in WAL mode (several processes creating one store
    at once), the pragma fails at once with "database is locked". It is retried instead.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or (
                time.monotonic() + pause > deadline
            ):
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open ``path`` for writing: WAL mode and the settings the writer relies on.

    Raises:
        CorruptStoreError: the file is not an SQLite database.
        StoreError: SQLite cannot open or set up the file for another reason (named).
    """
    try:
        conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise _refusal(path, exc) from exc
    try:
        _enable_wal(conn, busy_timeout)
        conn.execute("PRAGMA synchronous=NORMAL")
        # Index pages of a big run do not fit the default 2 MB cache: appends to the
        # entity and type indexes land on random pages. A larger cache and memory-mapped
        # reads keep them out of read() system calls.
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA mmap_size=268435456")
        # Checkpoint every ~10 MB of WAL rather than SQLite's 4 MB: index pages that many
        # batches touch are copied into the database less often (sustained appends about a
        # third faster), while a checkpoint, which runs in the writer thread after a commit,
        # stays short enough for the flush interval (40 MB took up to 160 ms; 10 MB 60 ms).
        # The WAL file is truncated back to 64 MB after a checkpoint if it grew past.
        conn.execute("PRAGMA wal_autocheckpoint=2500")
        conn.execute("PRAGMA journal_size_limit=67108864")
    except sqlite3.Error as exc:
        conn.close()
        raise _refusal(path, exc) from exc
    return conn


def _connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open ``path`` read-only. Where SQLite cannot create the WAL index beside the file (a
    read-only file system, or a directory this process cannot write: a store of another
    user), it is opened as immutable. Nothing can change it on a read-only file system; in
    a directory that only another user writes, no writer is running (a writer would have
    made the WAL index, and SQLite would have used it), so it is read as it is now."""
    uri = path.absolute().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro",
        uri=True,
        timeout=busy_timeout,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        if not os.statvfs(path).f_flag & os.ST_RDONLY and os.access(
            path.absolute().parent, os.W_OK
        ):
            raise
        conn = sqlite3.connect(
            f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False
        )
    return conn


def _writable(path: Path) -> bool:
    if not path.exists():
        return True
    if os.statvfs(path).f_flag & os.ST_RDONLY:
        return False
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def open_file(
    path: Path, busy_timeout: float, create: bool, read_only: bool = False
) -> tuple[sqlite3.Connection, bool]:
    """Open the store file for reading, creating or migrating its schema when writable.

    Args:
        read_only: open the file read-only (SQLite ``mode=ro``) even when it is writable: the
            connection never writes, never takes a write lock and never checkpoints.

    Returns:
        ``(connection, read_only)``: a file this process cannot write (a read-only mount, a
        file without write permission) is opened read-only too.

    Raises:
        CorruptStoreError: the file is not an SQLite database, or an SQLite database of
            another application, or empty while ``create`` is False.
        StoreError: the schema is newer than this code, or older and the file read-only, or
            SQLite cannot open the file (the message gives SQLite's reason).
    """
    if not path.exists() and os.statvfs(path.parent).f_flag & os.ST_RDONLY:
        raise StoreError(
            f"cannot create the event store {str(path)!r}: its file system is read-only; "
            "choose a writable path"
        )
    read_only = read_only or not _writable(path)
    try:
        conn = _connect_read_only(path, busy_timeout) if read_only else connect(path, busy_timeout)
    except sqlite3.Error as exc:
        raise _refusal(path, exc) from exc
    try:
        _prepare_schema(conn, path, create and not read_only, read_only)
    except sqlite3.Error as exc:
        conn.close()
        raise _refusal(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn, read_only


def _prepare_schema(conn: sqlite3.Connection, path: Path, create: bool, read_only: bool) -> None:
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
    if read_only:
        raise StoreError(
            f"{str(path)!r} has schema version {version} and is opened read-only, so it cannot "
            f"be migrated to version {SCHEMA_VERSION}; migrate it once where it is writable "
            f"(panther-events runs --db {str(path)!r} does), or copy it somewhere writable and "
            "open the copy"
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
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError:  # no such table: a new file
        return 0
    return int(row[0]) if row and row[0] is not None else 0
