"""State machines: one per entity kind, and the mapping from event types to their transitions."""

from __future__ import annotations

from .assertion import AssertionState, AssertionStateManager
from .base import BaseState, EntityStateManager, StateManager, StateTransition
from .environment import EnvironmentState, EnvironmentStateManager
from .experiment import ExperimentState, ExperimentStateManager
from .mapping import (
    EVENT_TRANSITIONS,
    MACHINES,
    PHASE_EVENTS,
    STATELESS_EVENTS,
    EventCheck,
    check_event,
    derive_state,
    derive_states,
    new_machine,
    state_enum,
    state_for_event,
    target_state,
)
from .plugin import PluginState, PluginStateManager
from .service import ServiceState, ServiceStateManager
from .step import StepState, StepStateManager
from .test import TestState, TestStateManager

__all__ = [
    "EVENT_TRANSITIONS",
    "MACHINES",
    "PHASE_EVENTS",
    "STATELESS_EVENTS",
    "AssertionState",
    "AssertionStateManager",
    "BaseState",
    "EntityStateManager",
    "EnvironmentState",
    "EnvironmentStateManager",
    "EventCheck",
    "ExperimentState",
    "ExperimentStateManager",
    "PluginState",
    "PluginStateManager",
    "ServiceState",
    "ServiceStateManager",
    "StateManager",
    "StateTransition",
    "StepState",
    "StepStateManager",
    "TestState",
    "TestStateManager",
    "check_event",
    "derive_state",
    "derive_states",
    "new_machine",
    "state_enum",
    "state_for_event",
    "target_state",
]
