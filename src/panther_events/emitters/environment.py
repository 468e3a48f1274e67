"""EnvironmentEventEmitter: an emit method per environment event class (with its network)."""

from __future__ import annotations

from typing import Any

from ..events.environment import (
    EnvironmentCreatedEvent,
    EnvironmentErrorEvent,
    EnvironmentSetupCompletedEvent,
    EnvironmentSetupFailedEvent,
    EnvironmentSetupStartedEvent,
    EnvironmentTeardownCompletedEvent,
    EnvironmentTeardownFailedEvent,
    EnvironmentTeardownStartedEvent,
    NetworkSetupCompletedEvent,
    NetworkSetupFailedEvent,
    NetworkSetupStartedEvent,
    NetworkTeardownCompletedEvent,
    NetworkTeardownStartedEvent,
)
from .base import EventEmitterBase

__all__ = ["EnvironmentEventEmitter"]


class EnvironmentEventEmitter(EventEmitterBase):
    """Emits environment events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_environment_created(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        config: dict[str, Any] | None = None,
    ) -> EnvironmentCreatedEvent:
        """Emit ``environment.created`` (EnvironmentCreatedEvent)."""
        event = EnvironmentCreatedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            config=config,
        )
        self._emit_event(event)
        return event

    def emit_environment_error(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recovery_possible: bool = False,
    ) -> EnvironmentErrorEvent:
        """Emit ``environment.error`` (EnvironmentErrorEvent)."""
        event = EnvironmentErrorEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            error_message=error_message,
            error_type=error_type,
            error_details=error_details,
            recovery_possible=recovery_possible,
        )
        self._emit_event(event)
        return event

    def emit_environment_setup_completed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_allocated: dict[str, Any] | None = None,
    ) -> EnvironmentSetupCompletedEvent:
        """Emit ``environment.setup_completed`` (EnvironmentSetupCompletedEvent)."""
        event = EnvironmentSetupCompletedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            duration=duration,
            resources_allocated=resources_allocated,
        )
        self._emit_event(event)
        return event

    def emit_environment_setup_failed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> EnvironmentSetupFailedEvent:
        """Emit ``environment.setup_failed`` (EnvironmentSetupFailedEvent)."""
        event = EnvironmentSetupFailedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            error_message=error_message,
            error_details=error_details,
        )
        self._emit_event(event)
        return event

    def emit_environment_setup_started(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        setup_config: dict[str, Any] | None = None,
    ) -> EnvironmentSetupStartedEvent:
        """Emit ``environment.setup_started`` (EnvironmentSetupStartedEvent)."""
        event = EnvironmentSetupStartedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            setup_config=setup_config,
        )
        self._emit_event(event)
        return event

    def emit_environment_teardown_completed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_released: dict[str, Any] | None = None,
    ) -> EnvironmentTeardownCompletedEvent:
        """Emit ``environment.teardown_completed`` (EnvironmentTeardownCompletedEvent)."""
        event = EnvironmentTeardownCompletedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            duration=duration,
            resources_released=resources_released,
        )
        self._emit_event(event)
        return event

    def emit_environment_teardown_failed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> EnvironmentTeardownFailedEvent:
        """Emit ``environment.teardown_failed`` (EnvironmentTeardownFailedEvent)."""
        event = EnvironmentTeardownFailedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            error_message=error_message,
            error_details=error_details,
        )
        self._emit_event(event)
        return event

    def emit_environment_teardown_started(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        teardown_reason: str = "test_completed",
    ) -> EnvironmentTeardownStartedEvent:
        """Emit ``environment.teardown_started`` (EnvironmentTeardownStartedEvent)."""
        event = EnvironmentTeardownStartedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            teardown_reason=teardown_reason,
        )
        self._emit_event(event)
        return event

    def emit_network_setup_completed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        allocated_resources: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> NetworkSetupCompletedEvent:
        """Emit ``environment.network.setup_completed`` (NetworkSetupCompletedEvent)."""
        event = NetworkSetupCompletedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            network_config=network_config,
            allocated_resources=allocated_resources,
            duration=duration,
        )
        self._emit_event(event)
        return event

    def emit_network_setup_failed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        network_config: dict[str, Any] | None = None,
    ) -> NetworkSetupFailedEvent:
        """Emit ``environment.network.setup_failed`` (NetworkSetupFailedEvent)."""
        event = NetworkSetupFailedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            error_message=error_message,
            network_config=network_config,
        )
        self._emit_event(event)
        return event

    def emit_network_setup_started(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        interfaces: list[str] | None = None,
    ) -> NetworkSetupStartedEvent:
        """Emit ``environment.network.setup_started`` (NetworkSetupStartedEvent)."""
        event = NetworkSetupStartedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            network_config=network_config,
            interfaces=interfaces,
        )
        self._emit_event(event)
        return event

    def emit_network_teardown_completed(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float | None = None,
        resources_released: dict[str, Any] | None = None,
    ) -> NetworkTeardownCompletedEvent:
        """Emit ``environment.network.teardown_completed`` (NetworkTeardownCompletedEvent)."""
        event = NetworkTeardownCompletedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            duration=duration,
            resources_released=resources_released,
        )
        self._emit_event(event)
        return event

    def emit_network_teardown_started(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        interfaces: list[str] | None = None,
    ) -> NetworkTeardownStartedEvent:
        """Emit ``environment.network.teardown_started`` (NetworkTeardownStartedEvent)."""
        event = NetworkTeardownStartedEvent(
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            interfaces=interfaces,
        )
        self._emit_event(event)
        return event
