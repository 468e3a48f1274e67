"""EnvironmentEventEmitter: an emit method per environment event class (with its network)."""

from __future__ import annotations

from ..events import environment as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["EnvironmentEventEmitter"]


class EnvironmentEventEmitter(EventEmitterBase):
    """Emits environment events: an ``emit_<name>`` per event class, built from the class."""

    emit_environment_created = emits(events.EnvironmentCreatedEvent)
    emit_environment_error = emits(events.EnvironmentErrorEvent)
    emit_environment_setup_completed = emits(events.EnvironmentSetupCompletedEvent)
    emit_environment_setup_failed = emits(events.EnvironmentSetupFailedEvent)
    emit_environment_setup_started = emits(events.EnvironmentSetupStartedEvent)
    emit_environment_teardown_completed = emits(events.EnvironmentTeardownCompletedEvent)
    emit_environment_teardown_failed = emits(events.EnvironmentTeardownFailedEvent)
    emit_environment_teardown_started = emits(events.EnvironmentTeardownStartedEvent)
    emit_network_setup_completed = emits(events.NetworkSetupCompletedEvent)
    emit_network_setup_failed = emits(events.NetworkSetupFailedEvent)
    emit_network_setup_started = emits(events.NetworkSetupStartedEvent)
    emit_network_teardown_completed = emits(events.NetworkTeardownCompletedEvent)
    emit_network_teardown_started = emits(events.NetworkTeardownStartedEvent)
