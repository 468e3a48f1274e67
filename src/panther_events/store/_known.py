"""The event ids each run already holds, as one writer knows them: deduplication without an
index on ids."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from typing import final

__all__ = ["KnownIds"]


@final
class KnownIds:
    """Per run, the full id of every stored event, for the writer thread of one store.

    A unique index on ids would make every append land on a random page of that index, the
    costliest part of an insert; instead the writer keeps the ids of the runs it writes in
    sets of the id strings themselves. A set finds candidates by hash and then compares the
    whole id, so two different ids are never taken for one, whatever their hashes. The sets
    stay exact with other writers on the same file: each batch, under SQLite's write lock,
    first reads the ids other writers committed since the last batch (a range scan of
    positions), then a run seen for the first time has all its ids loaded. Additions are
    applied only once a batch commits. At most ``max_runs`` runs are kept (the least recently
    written is dropped and reloaded if written again), bounding memory.

    Not thread-safe: only the writer thread uses it.
    """

    __slots__ = ("_max_runs", "_runs", "_synced")

    def __init__(self, max_runs: int = 8) -> None:
        self._max_runs = max_runs
        self._runs: OrderedDict[int, set[str]] = OrderedDict()
        self._synced = -1  # every stored position <= this has been taken into account

    def sync(self, conn: sqlite3.Connection) -> None:
        """Take in what other writers committed; call first in each write transaction."""
        top = int(conn.execute("SELECT coalesce(max(pos), 0) FROM events").fetchone()[0])
        if self._runs and 0 <= self._synced < top:
            keys = list(self._runs)
            marks = ",".join("?" * len(keys))
            for run_key, event_id in conn.execute(
                f"SELECT run_key, id FROM events WHERE pos > ? AND run_key IN ({marks})",
                (self._synced, *keys),
            ):
                self._runs[run_key].add(event_id)
        self._synced = top

    def of_run(self, conn: sqlite3.Connection, run_key: int) -> set[str]:
        """Return the ids stored for ``run_key`` (loaded on first use)."""
        known = self._runs.get(run_key)
        if known is None:
            known = {
                row[0]
                for row in conn.execute("SELECT id FROM events WHERE run_key = ?", (run_key,))
            }
            self._runs[run_key] = known
            while len(self._runs) > self._max_runs:
                self._runs.popitem(last=False)
        else:
            self._runs.move_to_end(run_key)
        return known

    def committed(self, added: dict[int, set[str]], top: int) -> None:
        """Record what a committed batch stored; ``top`` is the highest position now."""
        for run_key, ids in added.items():
            known = self._runs.get(run_key)
            if known is not None:
                known.update(ids)
        self._synced = top

    def forget(self) -> None:
        """Drop everything (after a failed batch, when the state is uncertain)."""
        self._runs.clear()
        self._synced = -1
