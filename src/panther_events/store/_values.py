"""The values an event store returns and raises: stored events, run summaries, state intervals
and the refusals of ``append_wire``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._durations import is_test_phase, seconds_between
from .._outcomes import UNFINISHED_OUTCOMES, tally_verdicts
from ..events.base import BaseEvent
from ..exceptions import EventValidationError
from ..serialization import event_from_dict

__all__ = [
    "RunInfo",
    "StateInterval",
    "StoredEvent",
    "WireReject",
    "WireRejectedError",
    "verdict_counts",
]


@dataclass(frozen=True, slots=True)
class WireReject:
    """One wire form that ``append_wire`` refused.

    Attributes:
        index: its place in the ``wires`` given to ``append_wire`` (from 0).
        event_id: its ``id`` when that is a non-empty string, else None.
        reason: why it cannot be stored, one line (the ``EventValidationError`` message).
    """

    index: int
    event_id: str | None
    reason: str


class WireRejectedError(EventValidationError):
    """Some wire forms of one ``append_wire`` call were refused; the others were accepted.

    A collector stores the rest of its batch and moves each refused message aside (a
    dead-letter subject or table) by ``rejects[i].index``, then acknowledges the batch.

    Attributes:
        rejects: each refused wire form, in input order.
        accepted: how many wire forms of the call were accepted (buffered for storing).
    """

    def __init__(self, rejects: Sequence[WireReject], *, accepted: int) -> None:
        self.rejects = tuple(rejects)
        self.accepted = accepted
        first = self.rejects[0]
        super().__init__(
            f"{len(self.rejects)} wire form(s) refused, {accepted} accepted; "
            f"the first, item {first.index}: {first.reason}"
        )


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event as a store holds it.

    Attributes:
        run_id: the run the event belongs to.
        seq: its sequence number within the run, from 1, without gaps.
        id: the event's own (content) id.
        type: the type string, e.g. ``test.execution_started``.
        entity_type: the first segment of the type, e.g. ``test``.
        entity_id: the id of the entity the event is about.
        timestamp: when the event was created, as published (not when stored).
        data: the event data in its JSON wire form.
        name: the event name (the type without the entity type).
        position: the event's place in the whole store; increases with every stored event.
    """

    run_id: str
    seq: int
    id: str
    type: str
    entity_type: str
    entity_id: str
    timestamp: datetime
    data: dict[str, Any]
    name: str = ""
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the event's wire form (the seven keys of ``event_to_dict``)."""
        return {
            "id": self.id,
            "name": self.name or self.type.split(".", 1)[-1],
            "type": self.type,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "timestamp": self.timestamp.isoformat(),
            "data": self.data,
        }

    def to_event(self) -> BaseEvent:
        """Rebuild the event, as its registered class, with its original id and timestamp."""
        return event_from_dict(self.to_dict())


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A summary of one stored run.

    Attributes:
        run_id: the run's id.
        status: one of ``RUN_STATUSES``.
        event_count: how many events the run holds.
        first_time: timestamp of its earliest event.
        last_time: timestamp of its latest event.
        experiment_id: the entity id of its experiment events, when it has any.
        tests_passed: tests whose last verdict is ``test.completed`` (skipped ones too).
        tests_failed: tests whose last verdict is ``test.failed`` (errors too).
        outcomes: tests by outcome (``passed``, ``failed``, ``error``, ``skipped``,
            ``xfailed``, ``xpassed``, and for a test with no verdict ``running`` or
            ``pending`` while the run goes on, else ``incomplete``; only those that occur), by
            the rule ``show`` and JUnit use (``panther_events._outcomes``): a test counts once,
            by its last verdict.
    """

    run_id: str
    status: str
    event_count: int
    first_time: datetime | None
    last_time: datetime | None
    experiment_id: str | None = None
    tests_passed: int = 0
    tests_failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict, hash=False)

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from the first to the last event, or None for an empty run."""
        return seconds_between(self.first_time, self.last_time)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field plus ``duration_seconds``."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "event_count": self.event_count,
            "first_time": self.first_time.isoformat() if self.first_time else None,
            "last_time": self.last_time.isoformat() if self.last_time else None,
            "duration_seconds": self.duration_seconds,
            "experiment_id": self.experiment_id,
            "tests_passed": self.tests_passed,
            "tests_failed": self.tests_failed,
            "outcomes": dict(self.outcomes),
        }


def verdict_counts(
    verdicts: Iterable[tuple[str, str, Any, Any]],
    test_events: Iterable[tuple[str, str]] = (),
    *,
    run_going: bool = False,
) -> dict[str, Any]:
    """``RunInfo``'s test fields from a run's verdicts: ``(test id, event type, phase,
    summary outcome)`` in the order stored, and its ``test.*`` events as ``(test id, event
    type)`` (any order, repeats allowed): a test without a verdict counts as running, pending
    or incomplete (see ``tally_verdicts``)."""
    began: dict[str, bool] = {}
    for test_id, event_type in test_events:
        began[test_id] = began.get(test_id, False) or is_test_phase(event_type)
    outcomes = tally_verdicts(verdicts, began.items(), run_going=run_going)
    failed = outcomes.get("failed", 0) + outcomes.get("error", 0)
    unfinished = sum(outcomes.get(o, 0) for o in UNFINISHED_OUTCOMES)
    return {
        "tests_passed": sum(outcomes.values()) - failed - unfinished,
        "tests_failed": failed,
        "outcomes": outcomes,
    }


@dataclass(frozen=True, slots=True)
class StateInterval:
    """One state an entity was in during a run, from ``start`` until ``end``.

    Attributes:
        kind: the state machine kind (``test``, ``service``, ``experiment``...).
        entity_id: the entity.
        state: the state's name, e.g. ``running``.
        start: timestamp of the event that entered the state.
        end: timestamp of the event that left it; None when the run ended in this state.
        event_type: the type of the event that entered the state.
    """

    kind: str
    entity_id: str
    state: str
    start: datetime
    end: datetime | None
    event_type: str = ""

    @property
    def duration_seconds(self) -> float | None:
        """Seconds spent in the state, or None while it is the entity's last state."""
        return None if self.end is None else (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the interval."""
        return {
            "kind": self.kind,
            "entity_id": self.entity_id,
            "state": self.state,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "duration_seconds": self.duration_seconds,
            "event_type": self.event_type,
        }
