"""The event store protocol, and the appends and queries every store shares.

A *run* is one execution of an experiment: every stored event belongs to exactly one run and has
a sequence number ``seq`` (1, 2, 3... within its run, in the order appended) and a ``position``
(increasing across the whole store, for following new events as they arrive). Within a run an
event id is stored once: appending it again is a no-op, so retries and replays never duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol, Self, runtime_checkable

from .._patterns import compile_pattern
from .._run_ids import new_run_id
from ..exceptions import RunNotFoundError
from ..states.mapping import state_for_event
from ._rows import Row, event_row, wire_rows
from ._values import RunInfo, StateInterval, StoredEvent, WireReject, WireRejectedError

__all__ = [
    "EventStore",
    "EventStoreBase",
    "RunInfo",
    "StateInterval",
    "StoredEvent",
    "WireReject",
    "WireRejectedError",
    "new_run_id",
]

Order = Literal["asc", "desc"]

#: Status of a run, from its last terminal experiment event; ``running`` when it has none
#: (the run is still going, or it was interrupted before it could say how it ended).
RUN_STATUSES = ("running", "completed", "failed", "finished_early")

#: Terminal experiment event type -> run status.
TERMINAL_STATUS: dict[str, str] = {
    "experiment.completed": "completed",
    "experiment.failed": "failed",
    "experiment.execution_failed": "failed",
    "experiment.finished_early": "finished_early",
}


@runtime_checkable
class EventStore(Protocol):
    """What every event store offers: appends that never duplicate, and the queries over runs.

    Appends may be buffered; ``flush()`` returns once everything appended before it is stored
    (for SQLite: committed, so it survives the process being killed). Queries see every event
    appended before them through the same store object.
    """

    def append(self, event: object, *, run_id: str) -> None:
        """Store ``event`` in run ``run_id``; a no-op when the run already holds its id."""
        ...

    def append_many(self, events: Iterable[object], *, run_id: str) -> None:
        """Store each of ``events`` in run ``run_id``, in order, as ``append`` would."""
        ...

    def append_wire(self, wires: Iterable[Mapping[str, Any]], *, run_id: str) -> None:
        """Store events given in their wire form (``event_to_dict``), without rebuilding
        event objects. Each is judged on its own: the valid ones are stored, and if any is
        refused ``WireRejectedError`` is raised afterwards, listing each refused one."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Store every event appended before the call; False if ``timeout`` passed first."""
        ...

    def close(self) -> None:
        """Flush, then release the store's resources; closing twice is harmless."""
        ...

    def runs(self) -> list[RunInfo]:
        """Return every run, the earliest first."""
        ...

    def resolve_run(self, ref: str) -> str:
        """Return the run id that ``ref`` (an id, a unique prefix or ``latest``) names."""
        ...

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
        """Return the run's events that pass every given filter, ordered by ``seq``."""
        ...

    def events_after(self, position: int, *, limit: int | None = None) -> list[StoredEvent]:
        """Return events of any run stored after ``position``, by position (for following)."""
        ...

    def last_position(self) -> int:
        """Return the position of the newest stored event (0 for an empty store)."""
        ...

    def state_intervals(self, run_id: str) -> list[StateInterval]:
        """Return the state intervals of every entity of the run."""
        ...

    def replay(self, run_id: str, manager: Any) -> int:
        """Publish the run's events into ``manager`` with original ids and timestamps."""
        ...


@dataclass(frozen=True, slots=True)
class _Selection:
    """One filtered read of a run: what ``EventStoreBase`` asks a backend's ``_select`` for.

    Attributes:
        types: only events of these types (any type when None, none when empty).
        entity_id: only events about this entity, when given.
        since: only events with ``timestamp >= since``, when given (naive is UTC).
        until: only events with ``timestamp < until``, when given.
        limit: at most this many events, when given.
        order: by ``seq``, ``"asc"`` or ``"desc"``.
        after: only events after this one in ``order`` (for reading a page at a time).
    """

    types: list[str] | None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    order: Order = "asc"
    after: StoredEvent | None = None

    def __post_init__(self) -> None:
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and not isinstance(moment, datetime):
                raise TypeError(f"{name} must be a datetime or None, got {moment!r}")


def _check_events_args(limit: int | None, order: str) -> None:
    if limit is not None and (type(limit) is not int or limit < 0):
        error = ValueError if type(limit) is int else TypeError
        raise error(f"limit must be a non-negative integer or None, got {limit!r}")
    if order not in ("asc", "desc"):
        raise ValueError(f"order must be 'asc' or 'desc', got {order!r}")


def _check_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not run_id:
        raise ValueError(f"run_id must be a non-empty string, got {run_id!r}")
    return run_id


class EventStoreBase:
    """The queries every store shares, written once over a backend's few primitives.

    Subclasses implement ``_append_rows`` (store rows), ``flush``, ``close``, ``runs``,
    ``_run_ids``, ``_select`` (one filtered read of a run) and ``_after`` (reads by position),
    and may override ``event_types`` with a cheaper read; stores are context managers that
    close on exit.
    """

    def append(self, event: object, *, run_id: str) -> None:
        """Store ``event`` in run ``run_id``; a no-op when the run already holds its id."""
        self.append_many((event,), run_id=run_id)

    def append_many(self, events: Iterable[object], *, run_id: str) -> None:
        """Store ``events`` in run ``run_id``, in order; an id the run already holds is skipped.

        Events are serialised now (changing one afterwards does not change what is stored).

        Raises:
            EventValidationError: an event's data cannot be stored; nothing of the call is.
            StoreError: the store is closed, read-only or failed (see the backend).
        """
        _check_run_id(run_id)
        self._append_rows([event_row(event) for event in events], run_id)

    def append_wire(self, wires: Iterable[Mapping[str, Any]], *, run_id: str) -> None:
        """Like ``append_many``, for events in their wire form (``event_to_dict``, or JSON
        decoded): no event objects are built, which is what a collector needs.

        Each wire form is judged on its own: the valid ones are stored (as any append) even
        when others are refused.

        Raises:
            WireRejectedError: some wire forms are malformed or hold data that cannot be
                stored (nested too deep, an integer too long...); ``rejects`` lists each one
                (its index in ``wires``, its id if readable, the reason) and ``accepted``
                counts the others, which were stored.
            StoreError: as for ``append_many``.
        """
        _check_run_id(run_id)
        rows, rejects = wire_rows(wires)
        self._append_rows(rows, run_id)
        if rejects:
            raise WireRejectedError(rejects, accepted=len(rows))

    def _append_rows(self, rows: list[Row], run_id: str) -> None:  # pragma: no cover
        """The backend's one write: store ``rows`` (checked) in run ``run_id``."""
        raise NotImplementedError

    def events_after(self, position: int, *, limit: int | None = None) -> list[StoredEvent]:
        """Return events of every run stored after ``position``, in storage order."""
        _check_events_args(limit, "asc")
        return self._after(position, limit)

    def _after(self, position: int, limit: int | None) -> list[StoredEvent]:  # pragma: no cover
        """The backend's read by position: at most ``limit`` events stored after ``position``."""
        raise NotImplementedError

    def flush(self, timeout: float | None = None) -> bool:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def runs(self) -> list[RunInfo]:  # pragma: no cover
        raise NotImplementedError

    def _run_ids(self) -> list[str]:  # pragma: no cover
        """Every run id, the earliest-started first."""
        raise NotImplementedError

    def _describe(self) -> str:
        return type(self).__name__

    def event_types(self, run_id: str) -> list[str]:
        """Return the distinct event types the run holds, sorted."""
        return sorted({e.type for e in self.events(run_id)})

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
        types = self._matching_types(run_id, type_pattern)
        return self._select(run_id, _Selection(types, entity_id, since, until, limit, order))

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
        run of millions of events is never held in memory at once (filters as ``events``)."""
        if type(page_size) is not int or page_size < 1:
            raise ValueError(f"page_size must be a positive integer, got {page_size!r}")
        types = self._matching_types(run_id, type_pattern)
        selection = _Selection(types, entity_id, since, until, page_size)
        while True:
            page = self._select(run_id, selection)
            yield from page
            if len(page) < page_size:
                return
            selection = replace(selection, after=page[-1])

    def _matching_types(self, run_id: str, type_pattern: str | None) -> list[str] | None:
        """The run's types that ``type_pattern`` selects; None (every type) without one."""
        if type_pattern is None:
            return None
        return matching_types(type_pattern, self.event_types(run_id))

    def _events_of_types(self, run_id: str, types: Sequence[str]) -> list[StoredEvent]:
        """The run's events whose type is one of ``types``, by seq."""
        return self._select(run_id, _Selection(list(types)))

    def _select(self, run_id: str, selection: _Selection) -> list[StoredEvent]:
        """The backend's one query: the run's events that ``selection`` describes, by seq.

        Arguments are already checked; an unknown run has no events.
        """
        raise NotImplementedError  # pragma: no cover

    def resolve_run(self, ref: str) -> str:
        """Return the run id that ``ref`` names: an exact id, a unique prefix, or ``latest``.

        ``latest`` is the run that started last.

        Raises:
            RunNotFoundError: (a ``LookupError``) when the store has no run, nothing matches,
                or the prefix matches several runs; the message lists candidates.
        """
        if not isinstance(ref, str) or not ref:
            raise RunNotFoundError(f"a run reference must be a non-empty string, got {ref!r}")
        run_ids = self._run_ids()
        if not run_ids:
            raise RunNotFoundError(f"{self._describe()} holds no runs yet, so {ref!r} matches none")
        if ref == "latest":
            return run_ids[-1]
        if ref in run_ids:
            return ref
        matches = [r for r in run_ids if r.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(matches[:5]) + (" ..." if len(matches) > 5 else "")
            raise RunNotFoundError(
                f"run prefix {ref!r} is ambiguous: it matches {len(matches)} runs ({shown}); "
                "give more characters"
            )
        recent = ", ".join(reversed(run_ids[-3:]))
        raise RunNotFoundError(
            f"no run matches {ref!r} in {self._describe()}; most recent runs: {recent} "
            "(use a unique prefix, a full id or 'latest')"
        )

    def state_intervals(self, run_id: str) -> list[StateInterval]:
        """Return every entity's state intervals in the run, ordered by entity then time.

        States come from ``panther_events.states.mapping.state_for_event``: each event whose
        type maps to a state ends the entity's current interval (if the state changes) and
        opens the next. An event mapping to the state the entity is already in changes nothing.
        Entities are keyed by (kind, entity id), in the order they first appear.
        """
        opened: dict[tuple[str, str], list[StateInterval]] = {}
        # Only the types that move a state machine are read: a run of a million metric
        # samples and a few lifecycle events reads the few.
        moving = [t for t in self.event_types(run_id) if state_for_event(t) is not None]
        for stored in self._events_of_types(run_id, moving):
            mapped = state_for_event(stored.type)
            if mapped is None:
                continue
            kind, state = str(mapped[0]), str(getattr(mapped[1], "value", mapped[1]))
            key = (kind, stored.entity_id)
            intervals = opened.setdefault(key, [])
            if intervals and intervals[-1].end is None:
                current = intervals[-1]
                if current.state == state:
                    continue
                intervals[-1] = StateInterval(
                    current.kind,
                    current.entity_id,
                    current.state,
                    current.start,
                    stored.timestamp,
                    current.event_type,
                )
            intervals.append(
                StateInterval(kind, stored.entity_id, state, stored.timestamp, None, stored.type)
            )
        return [interval for intervals in opened.values() for interval in intervals]

    def replay(self, run_id: str, manager: Any) -> int:
        """Publish every event of the run, in order, into ``manager``; return how many.

        Events are rebuilt as their registered classes with their original ids, timestamps and
        data, so an observer registered on ``manager`` sees the run as it happened. Background
        observers may still be working when this returns: call ``manager.flush()`` to wait.
        Events are read a page at a time (``iter_events``).
        """
        count = 0
        for stored in self.iter_events(run_id):
            manager.publish(stored.to_event())
            count += 1
        return count

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def matching_types(pattern: str, types: Iterable[str]) -> list[str]:
    """Return the members of ``types`` that the subscription ``pattern`` selects."""
    compiled = compile_pattern(pattern)
    return [t for t in types if compiled.matches(t)]
