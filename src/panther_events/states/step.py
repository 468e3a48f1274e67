"""The step lifecycle: pending, running, then completed, failed, skipped or unsupported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["StepState", "StepStateManager"]


class StepState(BaseState):
    """The states of one step of a test (entity id: the step id)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNSUPPORTED = "unsupported"


St = StepState

# Every outcome is terminal: a retried step is a new step id (StepExecutionFailedEvent carries
# retry_count for the one that failed).
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    St.PENDING: frozenset({St.RUNNING, St.SKIPPED, St.UNSUPPORTED, St.FAILED}),
    St.RUNNING: frozenset({St.COMPLETED, St.FAILED}),
    St.COMPLETED: frozenset(),
    St.FAILED: frozenset(),
    St.SKIPPED: frozenset(),
    St.UNSUPPORTED: frozenset(),
}


class StepStateManager(EntityStateManager):
    """State machine of one step; starts in ``pending`` until it starts, is skipped or refused."""

    __slots__ = ()
    KIND: ClassVar[str] = "step"
    INITIAL_STATE: ClassVar[BaseState] = StepState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
