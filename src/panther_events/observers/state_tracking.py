"""StateTrackingObserver: keeps every entity's state machine in step with the events published.

Register it for every event (``manager.register_observer(StateTrackingObserver())``) and it
follows each experiment, test, service, environment, plugin, step and assertion through the
mapping of ``panther_events.states.mapping``, whoever publishes the events: an
``EmitterRegistry``, a bare emitter or hand-built events. An impossible sequence (a service
ready before it was deployed, a step completed twice) is not hidden: the machine stays where it
was, a ``StateViolation`` is recorded in ``violations`` and a warning is logged on the
``panther_events.observers.state_tracking`` logger. In strict mode the observer also raises
``InvalidTransitionError``; the manager isolates observer exceptions, so that surfaces as a
logged observer failure and a ``system.observer_failed`` event, never in the publisher.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from ..exceptions import InvalidTransitionError
from ..manager import EventManager
from ..observer import Observer
from ..states.base import BaseState, EntityStateManager
from ..states.mapping import EVENT_TRANSITIONS, MACHINES, PHASE_EVENTS, check_event

__all__ = ["StateTrackingObserver", "StateViolation"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StateViolation:
    """An event its entity's lifecycle does not allow, as the tracking observer saw it.

    Attributes:
        event_type: the type of the offending event.
        event_id: its id.
        kind: the entity kind (``"service"``...).
        entity_id: the entity.
        state: the state the entity was in (and stayed in).
        target: the state the event asked for; None for an event inside a phase.
        reason: a sentence saying what was wrong and what was allowed.
    """

    event_type: str
    event_id: str
    kind: str
    entity_id: str
    state: str
    target: str | None
    reason: str


class StateTrackingObserver(Observer):
    """Follows every entity's state machine from the events it receives.

    Args:
        strict: raise ``InvalidTransitionError`` on a violation, after recording it.
        max_violations: keep at most this many violations (oldest dropped first); None keeps
            all. ``violation_count`` counts them all regardless.
        forget_terminal: drop an entity's machine once it reaches a terminal state, so a
            long run keeps only live entities. A later event for that entity then starts a
            fresh machine, so events after the end of a lifecycle are no longer reported.

    Thread-safe: events may arrive from several publishing threads.
    """

    #: The domains whose events can move a machine: the patterns ``attach`` registers.
    PATTERNS: ClassVar[tuple[str, ...]] = tuple(MACHINES)

    def __init__(
        self,
        *,
        strict: bool = False,
        max_violations: int | None = 10_000,
        forget_terminal: bool = False,
    ) -> None:
        if max_violations is not None and max_violations < 0:
            raise ValueError(f"max_violations must be 0 or more, or None; got {max_violations!r}")
        self.strict = strict
        self.max_violations = max_violations
        self.forget_terminal = forget_terminal
        self.machines: dict[tuple[str, str], EntityStateManager] = {}
        self.violations: list[StateViolation] = []
        self.violation_count = 0
        self._lock = threading.Lock()

    def attach(self, manager: EventManager) -> StateTrackingObserver:
        """Register on ``manager`` for the lifecycle domains only (``PATTERNS``); return self.

        Registering for ``"*"`` works as well; this just spares the call for metrics and
        system events, which concern no machine.
        """
        manager.register_observer(self, list(self.PATTERNS))
        return self

    def __repr__(self) -> str:
        return (
            f"<StateTrackingObserver entities={len(self.machines)} "
            f"violations={self.violation_count}>"
        )

    def on_event(self, event: Any) -> None:
        """Apply ``event`` to its entity's machine; record (and maybe raise) a violation."""
        get_type = getattr(event, "get_type", None)
        if get_type is None:
            return
        event_type = get_type()
        route = EVENT_TRANSITIONS.get(event_type) or PHASE_EVENTS.get(event_type)
        if route is None:
            return
        kind = route[0]
        key = (kind, str(event.entity_id))
        with self._lock:
            machine = self.machines.get(key)
            if machine is None:
                machine = self.machines[key] = MACHINES[kind](key[1])
            check = check_event(event_type, machine)
            if check is None:
                return
            if check.ok:
                if check.target is not None:
                    machine.transition_to(
                        check.target,
                        trigger=event_type,
                        metadata={"event_id": getattr(event, "id", None)},
                    )
                    if self.forget_terminal and machine.is_terminal():
                        del self.machines[key]
                return
            violation = StateViolation(
                event_type=event_type,
                event_id=str(getattr(event, "id", "")),
                kind=kind,
                entity_id=key[1],
                state=str(machine.current_state.value),
                target=None if check.target is None else str(check.target.value),
                reason=check.reason,
            )
            self._record(violation)
        logger.warning("impossible event sequence: %s", violation.reason)
        if self.strict:
            if check.target is None:  # a phase event: name the states it is legal in
                allowed = sorted(PHASE_EVENTS[event_type][1])
            else:
                allowed = sorted(str(s.value) for s in machine.get_allowed_targets())
            raise InvalidTransitionError(
                f"{kind} {key[1]}", machine.current_state, check.target or event_type, allowed
            )

    __call__ = on_event

    def _record(self, violation: StateViolation) -> None:
        self.violation_count += 1
        if self.max_violations == 0:
            return
        self.violations.append(violation)
        if self.max_violations is not None and len(self.violations) > self.max_violations:
            del self.violations[0]

    def get_machine(self, kind: str, entity_id: str) -> EntityStateManager | None:
        """Return the machine followed for ``(kind, entity_id)``, or None if none was seen."""
        with self._lock:
            return self.machines.get((kind, entity_id))

    def get_state(self, kind: str, entity_id: str) -> BaseState | None:
        """Return the current state of ``(kind, entity_id)``, or None if it was never seen."""
        machine = self.get_machine(kind, entity_id)
        return None if machine is None else machine.current_state

    def states(self) -> dict[tuple[str, str], str]:
        """Return ``{(kind, entity_id): current state value}`` for every entity followed."""
        with self._lock:
            return {key: str(m.current_state.value) for key, m in self.machines.items()}

    def forget(self, kind: str, entity_id: str) -> None:
        """Stop following ``(kind, entity_id)`` (no-op when it is not followed)."""
        with self._lock:
            self.machines.pop((kind, entity_id), None)

    def clear(self) -> None:
        """Forget every machine and every recorded violation."""
        with self._lock:
            self.machines.clear()
            self.violations.clear()
            self.violation_count = 0
