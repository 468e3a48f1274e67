"""The service lifecycle: created, prepared, deployed, running, ready, stopped, destroyed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["ServiceState", "ServiceStateManager"]


class ServiceState(BaseState):
    """The states of a service under test."""

    PENDING = "pending"
    CREATED = "created"
    PREPARING = "preparing"
    PREPARED = "prepared"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    RUNNING = "running"
    READY = "ready"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"
    DESTROYED = "destroyed"


S = ServiceState

# A failed service is not terminal: it is still stopped and destroyed afterwards, and may report
# further errors meanwhile (FAILED -> FAILED). Only DESTROYED ends the lifecycle.
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    S.PENDING: frozenset({S.CREATED, S.FAILED}),
    S.CREATED: frozenset({S.PREPARING, S.DEPLOYING, S.RUNNING, S.DESTROYED, S.FAILED}),
    S.PREPARING: frozenset({S.PREPARED, S.FAILED}),
    S.PREPARED: frozenset({S.DEPLOYING, S.RUNNING, S.DESTROYED, S.FAILED}),
    S.DEPLOYING: frozenset({S.DEPLOYED, S.RUNNING, S.FAILED}),
    S.DEPLOYED: frozenset({S.RUNNING, S.READY, S.STOPPING, S.STOPPED, S.FAILED}),
    S.RUNNING: frozenset({S.READY, S.STOPPING, S.STOPPED, S.FAILED}),
    S.READY: frozenset({S.STOPPING, S.STOPPED, S.FAILED}),
    S.STOPPING: frozenset({S.STOPPED, S.FAILED}),
    S.STOPPED: frozenset({S.DESTROYED, S.FAILED}),
    S.FAILED: frozenset({S.FAILED, S.STOPPING, S.STOPPED, S.DESTROYED}),
    S.DESTROYED: frozenset(),
}


class ServiceStateManager(EntityStateManager):
    """State machine of one service; starts in ``pending`` until ``service.created``."""

    __slots__ = ()
    KIND: ClassVar[str] = "service"
    INITIAL_STATE: ClassVar[BaseState] = ServiceState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
