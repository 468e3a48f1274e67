"""An event store held in memory: the SQLite store's twin for tests and single-process runs."""

from __future__ import annotations

import threading
from typing import Any

from .._outcomes import OUTCOME_TYPES, said_outcome
from ..exceptions import StoreError
from ._rows import Row, posix_bounds, stored_event
from ._values import verdict_counts
from .base import (
    TERMINAL_STATUS,
    EventStoreBase,
    RunInfo,
    StoredEvent,
    _Selection,
)

__all__ = ["InMemoryEventStore"]


class InMemoryEventStore(EventStoreBase):
    """An event store in a dict: same contract as ``SQLiteEventStore``, nothing on disk.

    Appends are stored at once (``flush`` has nothing to wait for). Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, list[StoredEvent]] = {}
        self._ids: dict[str, set[str]] = {}
        self._position = 0
        self._closed = False

    def __repr__(self) -> str:
        return "InMemoryEventStore()"

    def _describe(self) -> str:
        return "the in-memory event store"

    def _append_rows(self, rows: list[Row], run_id: str) -> None:
        with self._lock:
            if self._closed:
                raise StoreError(f"{self!r} is closed; open a new store to append")
            stored = self._runs.setdefault(run_id, [])
            ids = self._ids.setdefault(run_id, set())
            for row in rows:
                if row.id in ids:
                    continue
                ids.add(row.id)
                self._position += 1
                # Decoding the JSON again gives exactly what SQLite would return.
                stored.append(stored_event(run_id, len(stored) + 1, self._position, row))
            if not stored:
                del self._runs[run_id]
                del self._ids[run_id]

    def flush(self, timeout: float | None = None) -> bool:
        """Return True: appends are stored immediately."""
        return True

    def close(self) -> None:
        """Refuse further appends and reads; closing twice is harmless."""
        with self._lock:
            self._closed = True

    def _snapshot(self) -> list[StoredEvent]:
        with self._lock:
            self._check_open()
            return [e for events in self._runs.values() for e in events]

    def _run(self, run_id: str) -> list[StoredEvent]:
        """The run's own list (empty for an unknown run): appends only ever extend it."""
        with self._lock:
            self._check_open()
            return self._runs.get(run_id, [])

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self!r} is closed; open a new store to read")

    def _ordered_runs(self) -> list[tuple[str, list[StoredEvent]]]:
        with self._lock:
            self._check_open()
            runs = [(run_id, list(events)) for run_id, events in self._runs.items()]
        return sorted(runs, key=lambda item: (min(e.timestamp for e in item[1]), item[0]))

    def _run_ids(self) -> list[str]:
        return [run_id for run_id, _ in self._ordered_runs()]

    def runs(self) -> list[RunInfo]:
        """Return every run, the earliest-started first, with status and test counts."""
        infos = []
        for run_id, events in self._ordered_runs():
            ends = [e.type for e in events if e.type in TERMINAL_STATUS]
            experiments = [e.entity_id for e in events if e.type.startswith("experiment.")]
            infos.append(
                RunInfo(
                    run_id=run_id,
                    status=TERMINAL_STATUS[ends[-1]] if ends else "running",
                    event_count=len(events),
                    first_time=min(events, key=lambda e: e.timestamp).timestamp,
                    last_time=max(reversed(events), key=lambda e: e.timestamp).timestamp,
                    experiment_id=experiments[0] if experiments else None,
                    **verdict_counts(
                        (_verdict(e) for e in events if _is_verdict(e)),
                        ((e.entity_id, e.type) for e in events if e.type.startswith("test.")),
                        run_going=not ends,
                    ),
                )
            )
        return infos

    def event_types(self, run_id: str) -> list[str]:
        """Return the distinct event types the run holds, sorted."""
        return sorted({e.type for e in self._run(run_id)})

    def _select(self, run_id: str, selection: _Selection) -> list[StoredEvent]:
        wanted = None if selection.types is None else set(selection.types)
        entity_id, limit = selection.entity_id, selection.limit
        since, until = posix_bounds(selection.since, selection.until)
        run = self._run(run_id)
        # A run's list only grows and the event of seq n is at index n - 1: read by index up
        # to its length now, so a page after ``after`` costs its own events, not the run's.
        first, end = (selection.after.seq if selection.after else 0), len(run)
        indexes = range(first, end) if selection.order == "asc" else range(end - 1, first - 1, -1)
        filters = (wanted, entity_id, since, until)
        if limit == 0 or filters == (None, None, None, None):
            return list(map(run.__getitem__, indexes[:limit]))
        selected: list[StoredEvent] = []
        for event in map(run.__getitem__, indexes):
            if wanted is not None and event.type not in wanted:
                continue
            if entity_id is not None and event.entity_id != entity_id:
                continue
            if since is not None or until is not None:
                ts = event.timestamp.timestamp()
                if (since is not None and ts < since) or (until is not None and ts >= until):
                    continue
            selected.append(event)
            if len(selected) == limit:
                break
        return selected

    def last_position(self) -> int:
        """Return the position of the newest stored event (0 for an empty store)."""
        with self._lock:
            return self._position

    def _after(self, position: int, limit: int | None) -> list[StoredEvent]:
        events = sorted(
            (e for e in self._snapshot() if e.position > position), key=lambda e: e.position
        )
        return events if limit is None else events[:limit]


def _is_verdict(event: StoredEvent) -> bool:
    return event.type in OUTCOME_TYPES


def _verdict(event: StoredEvent) -> tuple[str, str, Any, Any]:
    """What ``verdict_counts`` reads of a verdict event (the SQLite store reads it in SQL)."""
    data = event.data
    return event.entity_id, event.type, data.get("phase"), said_outcome(data.get("summary"))
