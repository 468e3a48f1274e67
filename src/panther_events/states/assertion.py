"""The assertion lifecycle: pending, validating, then completed, failed or unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["AssertionState", "AssertionStateManager"]


class AssertionState(BaseState):
    """The states of one assertion group being validated (entity id: the assertion id)."""

    PENDING = "pending"
    VALIDATING = "validating"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"


A = AssertionState

# COMPLETED means validation ran to the end, whatever the verdict (passed_count/failed_count are
# in the event); FAILED means validation itself broke (assertion.error); UNKNOWN means the
# assertion could not be evaluated at all (assertion.unknown).
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    A.PENDING: frozenset({A.VALIDATING, A.UNKNOWN, A.FAILED}),
    A.VALIDATING: frozenset({A.COMPLETED, A.UNKNOWN, A.FAILED}),
    A.COMPLETED: frozenset(),
    A.FAILED: frozenset(),
    A.UNKNOWN: frozenset(),
}


class AssertionStateManager(EntityStateManager):
    """State machine of one assertion group; starts in ``pending`` until validation starts."""

    __slots__ = ()
    KIND: ClassVar[str] = "assertion"
    INITIAL_STATE: ClassVar[BaseState] = AssertionState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
