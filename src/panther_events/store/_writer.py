"""The SQLite store's writer: a buffer of rows and the thread that commits it in batches.

Timing contract: an appended row is committed within ``flush_interval`` seconds of its append
(when the scheduler runs the thread). The thread commits the buffer once its oldest row has
waited a quarter of the interval, or at once when ``flush()``/``close()`` asks or the buffer
holds a full batch; a batch is sized from the measured cost of a row so that it commits within
an eighth of the interval, and appends wait while a full batch is buffered. The margins leave
room for a loaded machine: a row waits at most for the batch in flight and its own, about
half the interval when the estimate is four times too low. An append is never
left waiting for a wake-up: the first row of an empty buffer notifies the thread.

Failure contract: a batch that fails to commit fails the writer for good. Every later
``add``, ``flush`` and ``close`` raises a ``StoreError`` naming the store, SQLite's own reason
("database or disk is full") and how many accepted events were not stored (the failed batch
and everything buffered after it); nothing is retried, so nothing is stored out of order.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Final

from ..exceptions import StoreError
from ._known import KnownIds
from ._rows import Row

__all__ = ["Writer"]

# One INSERT carries up to _CHUNK rows: a statement per row costs a third more than the row
# itself (binding, stepping, resetting, and the GIL handed back and forth for each). Its
# parameters are ?1 = run_key, ?2 = the first row's seq, then each Row's fields in order.
# 2 + 8 * 64 parameters stay under SQLite's oldest limit of 999.
_CHUNK: Final = 64
_ROW_WIDTH: Final = len(Row._fields)
#: The fewest rows a batch may be capped to, and the first guess of a row's commit cost.
_MIN_BATCH: Final = 64
_FIRST_ROW_COST: Final = 10e-6


@functools.cache  # called with powers of two up to _CHUNK only
def _insert_sql(rows: int) -> str:
    values = []
    for i in range(rows):
        key = 3 + _ROW_WIDTH * i
        fields = ",".join(f"?{key + f}" for f in range(_ROW_WIDTH))
        values.append(f"(?1,?2+{i},{fields})")
    return f"INSERT INTO events (run_key, seq, {', '.join(Row._fields)}) VALUES " + ",".join(values)


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


def _by_time(row: Row) -> float:
    return row.ts


def _fresh_rows(rows: list[Row], stored: set[str]) -> tuple[list[Row], set[str]]:
    """Return the rows whose id is neither in ``stored`` nor earlier in ``rows``, and their
    ids. The usual batch has no repeat, which two set operations establish."""
    ids = {row.id for row in rows}
    if len(ids) == len(rows) and ids.isdisjoint(stored):
        return rows, ids
    fresh, ids = [], set()
    for row in rows:
        if row.id not in stored and row.id not in ids:
            ids.add(row.id)
            fresh.append(row)
    return fresh, ids


def commit_batch(
    conn: sqlite3.Connection, batch: Sequence[tuple[str, Row]], known: KnownIds
) -> None:
    """Store ``batch`` (run id, row pairs) in one transaction, skipping ids a run holds.

    Raises:
        sqlite3.Error: the transaction failed and was rolled back (nothing of it is stored).
    """
    by_run: dict[str, list[Row]] = {}
    for run_id, row in batch:
        rows_of_run = by_run.get(run_id)
        if rows_of_run is None:
            by_run[run_id] = [row]
        else:
            rows_of_run.append(row)
    added: dict[int, set[str]] = {}
    conn.execute("BEGIN IMMEDIATE")
    try:
        known.sync(conn)
        for run_id, rows in by_run.items():
            conn.execute("INSERT OR IGNORE INTO runs (run_id) VALUES (?)", (run_id,))
            run_key = conn.execute(
                "SELECT run_key FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            # Ids already stored, or repeated in this batch, are dropped: the run keeps one
            # copy and seq stays gapless.
            fresh, ids = _fresh_rows(rows, known.of_run(conn, run_key))
            if not fresh:
                continue
            last_seq = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM events WHERE run_key = ?", (run_key,)
            ).fetchone()[0]
            _insert(conn, run_key, last_seq + 1, fresh)
            added[run_key] = ids
            first = min(fresh, key=_by_time)
            last = max(fresh, key=_by_time)
            conn.execute(
                _UPDATE_RUN,
                (run_key, len(fresh), first.ts, first.timestamp, last.ts, last.timestamp),
            )
        top = int(conn.execute("SELECT coalesce(max(pos), 0) FROM events").fetchone()[0])
        conn.execute("COMMIT")
    except BaseException:
        known.forget()
        # SQLite may have rolled back already (a full disk does): a ROLLBACK then would
        # replace the real cause with "no transaction is active".
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    known.committed(added, top)


class Writer:
    """The buffer of rows waiting to be committed and the thread that commits them.

    Args:
        name: how errors name the store (``event store '/path/events.db'``).
        connect: opens the writer's own connection (called in the writer thread).
        flush_interval: seconds within which an appended row is committed.
        batch_size: the most rows committed in one transaction.

    Thread-safe. The thread starts with the first row.
    """

    def __init__(
        self,
        name: str,
        connect: Callable[[], sqlite3.Connection],
        flush_interval: float,
        batch_size: int,
    ) -> None:
        self._name = name
        self._connect = connect
        self._interval = flush_interval
        self._batch_size = batch_size
        self._row_cost = _FIRST_ROW_COST  # measured seconds to commit one row of a batch
        self._cap = self._batch_cap()
        # Guarded by _cond. Counters are of rows: appended, and done (committed or lost);
        # flush() waits for done to reach the appended count it saw.
        self._cond = threading.Condition()
        self._pending: list[tuple[str, Row]] = []
        self._oldest = 0.0  # monotonic time the oldest pending row was appended
        self._appended = 0
        self._done = 0
        self._flush_wanted = False
        self._closing = False
        self._closed = False
        self._cause: BaseException | None = None  # set once: the writer has failed for good
        self._lost = 0
        self._thread: threading.Thread | None = None

    def _batch_cap(self) -> int:
        """Rows the thread commits within an eighth of the interval, at the measured cost."""
        rows = int(self._interval / 8 / self._row_cost)
        return min(self._batch_size, max(_MIN_BATCH, rows))

    # -- the appending side (any thread) ---------------------------------------------------

    def add(self, run_id: str, row: Row) -> None:
        """Buffer one row.

        Raises:
            StoreError: the writer is closed, or has failed (see the module docstring).
        """
        with self._cond:
            pending = self._pending
            if not pending or len(pending) >= self._cap or self._closing or self._cause:
                self._wait_for_room()
                pending = self._pending  # the thread may have swapped it while we waited
            pending.append((run_id, row))
            self._appended += 1
            if len(pending) >= self._cap:
                self._cond.notify_all()

    def add_many(self, rows: list[tuple[str, Row]]) -> None:
        """Buffer ``rows`` in order, a batch at a time; see ``add``."""
        done, total = 0, len(rows)
        while done < total:
            with self._cond:
                self._wait_for_room()
                # The thread may have lowered the cap since: take at least one row.
                added = min(max(1, self._cap - len(self._pending)), total - done)
                self._pending.extend(rows[done : done + added])
                self._appended += added
                done += added
                if len(self._pending) >= self._cap:
                    self._cond.notify_all()

    def _wait_for_room(self) -> None:
        """Raise if rows are refused, else wait while a full batch is buffered; on return
        the buffer has room, its age is set and the thread notified if it was empty, and the
        thread runs. Holds _cond."""
        self._raise_if_refused()
        while len(self._pending) >= self._cap and not self._closing and self._cause is None:
            self._cond.wait()
        self._raise_if_refused()
        if not self._pending:
            self._oldest = time.monotonic()
            self._cond.notify_all()  # the thread may be waiting for a first row
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"panther-events {self._name}")
            self._thread.daemon = True
            self._thread.start()

    def _raise_if_refused(self) -> None:
        if self._cause is not None:
            raise self._failure()
        if self._closing or self._closed:
            raise StoreError(f"{self._name} is closed; open a new store to append")

    def _failure(self) -> StoreError:
        error = StoreError(
            f"{self._name} failed: {self._lost} event(s) accepted were not stored "
            f"({self._cause}); this store object stays failed: fix the cause (free space, "
            "permissions), open the store again and send those events again"
        )
        error.__cause__ = self._cause
        return error

    def unflushed(self) -> bool:
        """Whether rows appended so far are not all committed (or lost) yet."""
        with self._cond:
            return self._done < self._appended

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every row added so far is committed.

        Returns:
            True once they are all committed; False if ``timeout`` seconds passed first.

        Raises:
            StoreError: the writer has failed (whether or not these rows were stored).
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
            if self._cause is not None:
                raise self._failure()
        return True

    def close(self) -> None:
        """Commit what is buffered and stop the thread; harmless twice.

        Raises:
            StoreError: the writer has failed: raised by every call, not only the first.
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._cond:
            self._closed = True
            if self._cause is not None:
                raise self._failure()

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        known = KnownIds()
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
        except BaseException as exc:
            with self._cond:
                self._fail(exc, 0)
        try:
            while conn is not None:
                batch = self._next_batch()
                if batch is None:
                    return
                started = time.perf_counter()
                try:
                    commit_batch(conn, batch, known)
                except BaseException as exc:
                    with self._cond:
                        self._fail(exc, len(batch))
                    return
                self._measured(len(batch), time.perf_counter() - started)
                with self._cond:
                    self._done += len(batch)
                    self._cond.notify_all()
        finally:
            if conn is not None:
                conn.close()

    def _next_batch(self) -> list[tuple[str, Row]] | None:
        """Wait for the next batch to commit; None when closing with nothing buffered."""
        with self._cond:
            while True:
                pending = self._pending
                if pending:
                    due = self._oldest + self._interval / 4
                    if (
                        self._flush_wanted
                        or self._closing
                        or len(pending) >= self._cap
                        or time.monotonic() >= due
                    ):
                        break
                    self._cond.wait(max(0.0, due - time.monotonic()))
                elif self._closing:
                    return None
                else:
                    self._cond.wait()
            self._pending = []
            self._flush_wanted = False  # this batch holds everything appended so far
            self._cond.notify_all()  # appends waiting for room may go on
            return pending

    def _measured(self, rows: int, seconds: float) -> None:
        """Fold one commit's cost into the estimate that sizes batches: a dearer row counts
        at once, a cheaper one lowers the estimate a fifth per batch (a loaded machine's
        slow commits are not forgotten after one quick batch)."""
        if rows >= _MIN_BATCH:
            self._row_cost = max(seconds / rows, self._row_cost * 0.8)
            self._cap = self._batch_cap()

    def _fail(self, exc: BaseException, rows: int) -> None:
        """Fail for good: ``rows`` being committed and everything buffered are lost. Holds
        _cond."""
        self._cause = exc
        lost = rows + len(self._pending)
        self._pending = []
        self._lost += lost
        self._done += lost
        self._cond.notify_all()
