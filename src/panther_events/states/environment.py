"""The environment lifecycle: created, set up (with its network), ready, torn down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["EnvironmentState", "EnvironmentStateManager"]


class EnvironmentState(BaseState):
    """The states of a test environment (containers, namespaces, network)."""

    PENDING = "pending"
    CREATED = "created"
    SETTING_UP = "setting_up"
    SETTING_UP_NETWORK = "setting_up_network"
    NETWORK_READY = "network_ready"
    READY = "ready"
    TEARING_DOWN = "tearing_down"
    TEARING_DOWN_NETWORK = "tearing_down_network"
    NETWORK_TORN_DOWN = "network_torn_down"
    TORN_DOWN = "torn_down"
    FAILED = "failed"


V = EnvironmentState

# The network phases run inside setup and teardown, or alone; the table has no cycle apart from
# FAILED, so replaying content-deduplicated events cannot skip a lap. A failed environment is
# still torn down, so FAILED leads to teardown (and to FAILED again for further errors); only
# TORN_DOWN is terminal.
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    V.PENDING: frozenset({V.CREATED, V.FAILED}),
    V.CREATED: frozenset({V.SETTING_UP, V.SETTING_UP_NETWORK, V.TEARING_DOWN, V.FAILED}),
    V.SETTING_UP: frozenset({V.SETTING_UP_NETWORK, V.READY, V.FAILED}),
    V.SETTING_UP_NETWORK: frozenset({V.NETWORK_READY, V.FAILED}),
    V.NETWORK_READY: frozenset({V.READY, V.FAILED}),
    V.READY: frozenset({V.TEARING_DOWN, V.TEARING_DOWN_NETWORK, V.FAILED}),
    V.TEARING_DOWN: frozenset({V.TEARING_DOWN_NETWORK, V.TORN_DOWN, V.FAILED}),
    V.TEARING_DOWN_NETWORK: frozenset({V.NETWORK_TORN_DOWN, V.FAILED}),
    V.NETWORK_TORN_DOWN: frozenset({V.TORN_DOWN, V.FAILED}),
    V.FAILED: frozenset({V.FAILED, V.TEARING_DOWN, V.TEARING_DOWN_NETWORK}),
    V.TORN_DOWN: frozenset(),
}


class EnvironmentStateManager(EntityStateManager):
    """State machine of one environment; starts in ``pending`` until ``environment.created``."""

    __slots__ = ()
    KIND: ClassVar[str] = "environment"
    INITIAL_STATE: ClassVar[BaseState] = EnvironmentState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
