"""EventStoreObserver: record every published event into an event store, under one run id."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..exceptions import StoreError
from ..store.base import EventStore, new_run_id
from ..store.sqlite import SQLiteEventStore

__all__ = ["EventStoreObserver"]


class EventStoreObserver:
    """Record every event it receives into ``store`` as part of run ``run_id``.

    Register it for every event, in the background, so the publisher never waits for the
    store::

        recorder = EventStoreObserver(SQLiteEventStore("panther-events.db"))
        manager.register_observer(recorder, background=True)
        ...
        manager.close()          # drains the queue, then calls recorder.close()

    Appends are buffered by the store and written in batches: ``SQLiteEventStore`` commits
    each event within its ``flush_interval`` of the observer receiving it, so a killed
    process loses at most that much of what the observer was handed. ``close()`` flushes; it
    closes the store too when the observer owns it (``owns_store=True``, or a store opened
    with ``EventStoreObserver.open``).

    Once the store refuses an event (it failed to commit: a full disk; or it was closed),
    that ``on_event`` raises its ``StoreError``, reported once by the manager; later events
    are not offered to the store but counted in ``refused`` (a traceback per event would
    bury the cause), and ``flush`` and ``close`` raise a ``StoreError`` naming the store's
    failure and that count.

    Args:
        store: where to record events.
        run_id: the run to record into; a new id such as ``20261123T221500Z-3fa2c1`` when None.
        owns_store: close the store when the observer is closed.
    """

    def __init__(
        self, store: EventStore, run_id: str | None = None, *, owns_store: bool = False
    ) -> None:
        if run_id is not None and (not isinstance(run_id, str) or not run_id):
            raise ValueError(f"run_id must be a non-empty string or None, got {run_id!r}")
        self.store = store
        self.run_id = run_id or new_run_id()
        self.owns_store = owns_store
        self.recorded = 0
        #: Events not appended because the store had refused one before (see the class doc).
        self.refused = 0

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], run_id: str | None = None, **store_options: Any
    ) -> EventStoreObserver:
        """Open (or create) the SQLite store at ``path`` and return an observer owning it."""
        return cls(SQLiteEventStore(path, **store_options), run_id, owns_store=True)

    def __repr__(self) -> str:
        return f"EventStoreObserver({self.store!r}, run_id={self.run_id!r})"

    def on_event(self, event: Any) -> None:
        """Append ``event`` to the store under this observer's run id.

        Raises:
            StoreError: the store refused it (only the first time; see the class doc).
        """
        if self.refused:
            self.refused += 1
            return
        try:
            self.store.append(event, run_id=self.run_id)
        except StoreError:
            self.refused += 1
            raise
        self.recorded += 1

    __call__ = on_event

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything recorded so far is stored; False if ``timeout`` passed.

        Raises:
            StoreError: the store failed, or refused events (the message counts them).
        """
        return self._counting_refusals(lambda: self.store.flush(timeout))

    def close(self) -> None:
        """Flush the store, and close it when this observer owns it.

        Raises:
            StoreError: as for ``flush``.
        """
        self._counting_refusals(self.store.close if self.owns_store else self.store.flush)

    def _counting_refusals(self, step: Callable[[], bool | None]) -> bool:
        try:
            done = step()
        except StoreError as exc:
            if self.refused:
                raise StoreError(f"{exc}; {self._refusals()}") from exc
            raise
        if self.refused:
            raise StoreError(f"{self.store!r} refused events: {self._refusals()}")
        return done is not False

    def _refusals(self) -> str:
        return (
            f"{self.refused} event(s) handed to {self!r} were not appended (counting the "
            "first refused one)"
        )
