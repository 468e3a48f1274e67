"""The dashboard's only way into the event store: public queries, summaries cached per run size."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..compare import RunComparison, RunSummary, compare_runs, experiment_name, summarize_run
from ..store.base import Order, RunInfo, StateInterval, StoredEvent
from ..store.sqlite import SQLiteEventStore

__all__ = ["EventPage", "PageTooDeepError", "RunRow", "Source"]

#: Summaries and timelines kept in memory (each keyed by run id and event count, so a run that
#: is still being written is read again as soon as it grows).
_CACHED_RUNS = 16

#: Most events one page may read: a page deeper than this from both ends of the run (or from
#: the start, when filtered) is refused rather than read for seconds.
MAX_DEPTH = 100_000

V = TypeVar("V")


class PageTooDeepError(ValueError):
    """A page of events lies deeper than ``MAX_DEPTH`` events from where it could be read."""


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of the runs page: the store's summary and the experiment's name."""

    info: RunInfo
    experiment: str


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of a run's filtered events.

    Attributes:
        events: the page's events, in the requested order.
        page: its number, from 1.
        size: events per page.
        has_next: whether a further page holds more events.
    """

    events: list[StoredEvent]
    page: int
    size: int
    has_next: bool


def _remember(cache: OrderedDict[tuple[str, int], V], key: tuple[str, int], value: V) -> None:
    cache[key] = value
    while len(cache) > _CACHED_RUNS:
        cache.popitem(last=False)


def _check_depth(reads: int, page: int, size: int) -> None:
    if reads > MAX_DEPTH:
        raise PageTooDeepError(
            f"page {page} of {size} events lies {(page - 1) * size:,} events deep, past the "
            f"{MAX_DEPTH:,} a page may read; flip the order or narrow the type or entity filter"
        )


class Source:
    """Reads one SQLite event store for the dashboard; safe to share between threads.

    The store is opened read-only (SQLite ``mode=ro``): the dashboard never changes, migrates,
    checkpoints or write-locks the file, so a run writing it is never blocked (WAL readers do
    not block the writer), and a missing file is an error, never a new empty store.

    Raises:
        StoreError: the file is missing, not a panther-events store, or of another schema
            version.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.store = SQLiteEventStore(self.path, read_only=True)
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._summaries: OrderedDict[tuple[str, int], RunSummary] = OrderedDict()
        self._latest: dict[str, tuple[float, RunSummary]] = {}
        self._intervals: OrderedDict[tuple[str, int], list[StateInterval]] = OrderedDict()

    def close(self) -> None:
        """Release the store's connection."""
        self.store.close()

    def runs(self) -> list[RunRow]:
        """Every run, the newest first, with its experiment's name."""
        rows = []
        for info in reversed(self.store.runs()):
            name = self._names.get(info.run_id)
            if name is None or name == info.run_id:
                name = experiment_name(self.store, info)
                self._names[info.run_id] = name
            rows.append(RunRow(info, name))
        return rows

    def resolve(self, ref: str) -> str:
        """The run id ``ref`` names (id, unique prefix, ``latest``); raises RunNotFoundError."""
        return self.store.resolve_run(ref)

    def info(self, run_id: str) -> RunInfo:
        """The store's summary of run ``run_id`` (an exact id)."""
        for info in self.store.runs():
            if info.run_id == run_id:
                return info
        return RunInfo(run_id, "running", 0, None, None)

    def summary(self, run_id: str, max_age: float = 0.0) -> RunSummary:
        """The run's summary, read again only when the run has grown, and then only when the
        last reading is older than ``max_age`` seconds (live pages of a run that writes fast
        share one reading a second instead of one per event)."""
        with self._lock:
            latest = self._latest.get(run_id)
        if latest is not None and time.monotonic() - latest[0] < max_age:
            return latest[1]
        key = (run_id, self.info(run_id).event_count)
        with self._lock:
            cached = self._summaries.get(key)
        if cached is None:
            cached = summarize_run(self.store, run_id)
            with self._lock:
                _remember(self._summaries, key, cached)
                self._latest[run_id] = (time.monotonic(), cached)
        return cached

    def intervals(self, run_id: str) -> list[StateInterval]:
        """The run's state intervals, read again only when the run has grown."""
        key = (run_id, self.info(run_id).event_count)
        with self._lock:
            cached = self._intervals.get(key)
        if cached is None:
            cached = self.store.state_intervals(run_id)
            with self._lock:
                _remember(self._intervals, key, cached)
        return cached

    def events(
        self,
        run_id: str,
        *,
        type_pattern: str | None,
        entity_id: str | None,
        page: int,
        size: int,
        newest_first: bool,
    ) -> EventPage:
        """One page of the run's events that match the filters.

        Raises:
            PatternError: ``type_pattern`` is malformed.
            PageTooDeepError: the page would read more than ``MAX_DEPTH`` events.
        """
        # The store pages by count only: page n reads the n * size first matches, so the
        # first pages (the ones people look at) cost the same however long the run is. An
        # unfiltered run's size is known, so its deeper half is read from the other end.
        start = (page - 1) * size
        order: Order = "desc" if newest_first else "asc"
        total = self.info(run_id).event_count if type_pattern is None and entity_id is None else 0
        if total and start >= total:
            return EventPage([], page, size, False)
        if total and start > total // 2:
            _check_depth(total - start, page, size)
            from_end = max(0, total - start - size)
            found = self.store.events(
                run_id, limit=total - start, order="asc" if newest_first else "desc"
            )[from_end:]
            return EventPage(found[::-1], page, size, start + size < total)
        wanted = page * size + 1
        _check_depth(wanted, page, size)
        found = self.store.events(
            run_id, type_pattern=type_pattern, entity_id=entity_id, limit=wanted, order=order
        )
        return EventPage(found[start : start + size], page, size, len(found) == wanted)

    def events_after(
        self, position: int, run_id: str, limit: int
    ) -> tuple[list[StoredEvent], int, bool]:
        """The run's events stored after ``position`` (at most ``limit`` read, of any run),
        the position to follow on from, and whether the read was full (more may wait)."""
        batch = self.store.events_after(position, limit=limit)
        if not batch:
            return [], position, False
        mine = [e for e in batch if e.run_id == run_id]
        return mine, batch[-1].position, len(batch) == limit

    def last_position(self) -> int:
        """The position of the newest event in the store."""
        return self.store.last_position()

    def compare(self, before: str, after: str) -> RunComparison:
        """Compare two runs (exact ids)."""
        return compare_runs(self.store, before, after)
